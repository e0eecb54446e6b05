"""vxha watch in situations the first hunts did not set up (the stand-in engine,
fake_engine.py, and the simulator's shims; no root)."""

from __future__ import annotations

import re
import signal
import time

from fake_engine import FakeEngine, die_event
from test_watch_hunt import _send, _watch, fake_cluster  # noqa: F401 - the fixture
from watch_node import SYSTEM, WatchProc, settle_probes


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


def test_sighup_reads_the_configuration_and_watches_a_server_added_meanwhile(
    fake_cluster,  # noqa: F811
    tmp_path,
):
    # SIGHUP reads the configuration again at once (docs/watch.md, "Running it"); the
    # engines watched by default are the DockerHost values read with it, so a server added
    # on another engine is watched from then on, not only at the next --refresh (300 s).
    cluster, engine = fake_cluster
    (tmp_path / "e2").mkdir()
    other = FakeEngine(tmp_path / "e2")
    cluster.engines.append(other)
    w = WatchProc(None, cluster, tmp_path, "--no-network", "--no-mounts", name="hup")
    try:
        w.wait_log(re.escape(f"engine {engine.host}: events connected"))
        for line in (
            "haconf -makerw",
            "hagrp -add extra",
            "hagrp -modify extra SystemList n1 0 n2 1",
            "hares -add extra_ctr Container extra",
            f"hares -modify extra_ctr DockerHost {other.host}",
            "hares -modify extra_ctr RuntimeName extra",
            "hares -modify extra_ctr Enabled 1",
            "haconf -dump -makero",
        ):
            cluster.run(*line.split(), check=True)
        time.sleep(1.0)
        assert f"engine {other.host}" not in w.text()  # not before it is told
        w.proc.send_signal(signal.SIGHUP)
        w.wait_log(re.escape(f"engine {other.host}: events connected"), timeout=15)
        assert w.alive()
    finally:
        assert w.stop() == 0
