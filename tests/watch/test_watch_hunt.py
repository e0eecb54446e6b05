"""vxha watch when things around it fail: ha commands that cannot even be run, the
configuration read failing in unexpected ways, the wall clock jumping, and (with the
stand-in engine, fake_engine.py) the watch killed and restarted, the event stream cut
in the middle of a document, the engine's socket replaced (docs/watch.md, "The rules")."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from fake_engine import FakeEngine, die_event
from test_watch_dispatch import VCS, Clock, died, run_until
from watch_node import SYSTEM, Cluster, WatchProc, probes, settle_probes, write_main_cf

from vxha.generators.hacli import HaClient
from vxha.watch.cluster import ClusterView
from vxha.watch.dispatch import Dispatcher


def _dispatcher(runner, **kw):
    clock = Clock()
    logs = []
    view = ClusterView(HaClient(runner=runner), "n1", env={})
    d = Dispatcher(view, lambda sev, text: logs.append((sev, text)), clock=clock, **kw)
    return d, clock, logs


@pytest.mark.parametrize(
    "error",
    [PermissionError(13, "Permission denied"), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad")],
    ids=["not-executable", "not-utf8"],
)
def test_a_probe_command_that_cannot_be_run_is_retried_then_given_up(error):
    # "VCS not answering": retried after 1, 2 ... s, at most --attempts times, then one
    # error line; never a retry every second for ever.
    vcs = VCS()

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-probe"]:
            vcs.calls.append(list(argv))
            raise error
        return vcs.run(argv, timeout)

    d, clock, logs = _dispatcher(runner, attempts=3, backoff=1.0)
    run_until(d, clock, 0.05)
    d.note([died()])
    run_until(d, clock, 20.0, step=0.05)
    assert len(vcs.probes()) == 3
    gave_up = [t for s, t in logs if s == "error" and t.startswith("gave up probing web_ctr")]
    assert len(gave_up) == 1
    assert not d.busy()


def test_a_configuration_read_that_cannot_be_run_backs_off():
    calls = []

    def runner(argv, timeout):
        calls.append(argv)
        raise PermissionError(13, "Permission denied")

    d, clock, logs = _dispatcher(runner, backoff=1.0, refresh=300.0)
    run_until(d, clock, 30.0, step=0.05)
    # 1 + 2 + 4 + 8 + 16 s of back-off: a handful of reads, not one a second
    assert len(calls) <= 6
    assert any("reading the configuration failed" in t for _, t in logs)
    assert not any(t.startswith("dispatcher:") for _, t in logs)


def test_a_probe_of_a_resource_removed_meanwhile_is_dropped_not_retried():
    # the resource was deleted between the last configuration read and the probe
    vcs = VCS()

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-probe"]:
            vcs.calls.append(list(argv))
            if "web" in vcs.ctrs:
                vcs.ctrs.remove("web")
            # the simulator's words (simulator/admin.py); the watch must not depend on them
            return 1, "", "VCS WARNING V-16-1-40130 Resource web_ctr does not exist in the local cluster\n"
        return vcs.run(argv, timeout)

    d, clock, logs = _dispatcher(runner, attempts=3, backoff=1.0)
    run_until(d, clock, 0.05)
    d.note([died()])
    run_until(d, clock, 10.0, step=0.05)
    assert len(vcs.probes()) == 1
    assert not any(s == "error" for s, _ in logs), logs
    assert any("web_ctr is no longer in the configuration" in t for _, t in logs)
