"""Dummy agent: an online flag in a state file holding the values online received.

For contract tests, benchmarks and simulator scenarios (like ClusterLabs' Dummy). With
``Child`` set, the ``Delay`` is spent in a child process started through the drivers'
runner and not bounded by the deadline: a stand-in for a command stuck in the kernel.
"""

import time

from vxha.agents import statefile
from vxha.agents.framework import OFFLINE, ONLINE, AgentError


class DummyAgent:
    def _name(self, res):
        return f"Dummy.{res.name}"

    def _work(self, res):
        if res.Delay:
            if res.Child:
                from vxha.agents.drivers.proc import run

                run(["sleep", str(res.Delay / 1000.0)], res.Delay / 1000.0 + 600)
            else:
                time.sleep(res.Delay / 1000.0)
        if res.entry_point in res.Fail:
            raise AgentError(f"{res.entry_point} told to fail by attribute Fail")

    def online(self, res):
        import json  # not at the top: every monitor would pay for it

        self._work(res)
        statefile.write(res.ctx, self._name(res), json.dumps(res.values))

    def offline(self, res):
        self._work(res)
        statefile.remove(res.ctx, self._name(res))

    def monitor(self, res):
        self._work(res)
        return ONLINE if statefile.read(res.ctx, self._name(res)) is not None else OFFLINE

    def clean(self, res):
        self._work(res)
        statefile.remove(res.ctx, self._name(res))
        return statefile.read(res.ctx, self._name(res)) is None

    def info(self, res):
        self._work(res)
        return {"Online": int(statefile.read(res.ctx, self._name(res)) is not None),
                "Str": res.Str}  # fmt: skip

    def action(self, res, token, args):
        self._work(res)
        if token != "echo":
            raise AgentError(f"no action {token!r}")
        return " ".join(args)

    def attr_changed(self, res, changed_res, attr, values):
        res.log.notice(f"{changed_res}.{attr} is now {' '.join(values)}", "attr")
