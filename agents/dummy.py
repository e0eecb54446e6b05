"""Dummy agent: an online flag in a state file holding the values online received.

For contract tests, benchmarks and simulator scenarios (like ClusterLabs' Dummy).
"""

from __future__ import annotations

import os
import time

from vxha.agents.framework import OFFLINE, ONLINE, AgentError


class DummyAgent:
    def _path(self, res):
        return os.path.join(res.ctx.state_dir, f"Dummy.{res.name.replace('/', '_')}")

    def _work(self, res):
        if res.Delay:
            time.sleep(res.Delay / 1000.0)
        if res.entry_point in res.Fail:
            raise AgentError(f"{res.entry_point} told to fail by attribute Fail")

    def online(self, res):
        self._work(res)
        os.makedirs(res.ctx.state_dir, exist_ok=True)
        import json

        with open(self._path(res), "w") as f:
            json.dump(res.values, f)

    def offline(self, res):
        self._work(res)
        self._remove(res)

    def _remove(self, res):
        try:
            os.unlink(self._path(res))
        except FileNotFoundError:
            pass

    def monitor(self, res):
        self._work(res)
        return ONLINE if os.path.exists(self._path(res)) else OFFLINE

    def clean(self, res):
        self._work(res)
        self._remove(res)
        return not os.path.exists(self._path(res))
