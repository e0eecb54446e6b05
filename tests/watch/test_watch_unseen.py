"""vxha watch in situations the first hunts did not set up (the stand-in engine,
fake_engine.py, and the simulator's shims; no root)."""

from __future__ import annotations

import re

from fake_engine import die_event
from test_watch_hunt import _send, _watch, fake_cluster  # noqa: F401 - the fixture
from watch_node import SYSTEM, settle_probes


def test_a_second_watch_on_the_same_state_is_refused_and_probes_stay_single(
    fake_cluster,  # noqa: F811
    tmp_path,
):
    # One watch per node (docs/watch.md): a second one (a manual run beside the service, a
    # cron --once) would probe every fault twice and overwrite the first one's saved state.
    cluster, engine = fake_cluster
    first = _watch(cluster, engine, tmp_path, "w1")
    try:
        first.wait_log(r"events connected")
        second = _watch(cluster, engine, tmp_path, "w2")
        try:
            assert second.proc.wait(timeout=15) == 1
        finally:
            second.stop()
        said = second.text()
        assert "Traceback" not in said
        assert re.search(
            r"ERROR another vxha watch \(pid \d+\) is running with the state directory "
            + re.escape(str(tmp_path / "state")),
            said,
        ), said
        assert first.alive()
        cluster.reset_calls()
        engine.containers[0]["State"] = "exited"
        _send(engine, [die_event("web", "web_ctr")])
        assert settle_probes(cluster, 1, quiet=1.5) == [("web_ctr", SYSTEM)]
    finally:
        assert first.stop() == 0
    # The first one gone, a new one starts.
    third = _watch(cluster, engine, tmp_path, "w3")
    try:
        third.wait_log(r"events connected")
    finally:
        assert third.stop() == 0
