"""A burst of a hundred events for one container is one probe: ``vxha watch`` as a
process, a stand-in engine at the Engine API's socket (fake_engine.py) writing the burst
in a few milliseconds, VCS the simulator behind its shims."""

from __future__ import annotations

import time

import pytest
from fake_engine import FakeEngine, die_event
from watch_node import SYSTEM, Cluster, WatchProc, probes, settle_probes, write_main_cf


@pytest.fixture
def fake_cluster(tmp_path):
    engine = FakeEngine(tmp_path)
    mp = tmp_path / "mnt"
    mp.mkdir()
    c = Cluster(
        tmp_path,
        write_main_cf(tmp_path / "main.cf", str(mp), engine.host, "unix:///nonexistent/p.sock"),
    )
    yield c, engine
    c.stop()
    engine.close()


def test_a_burst_of_100_events_for_one_container_is_one_probe(fake_cluster, tmp_path):
    cluster, engine = fake_cluster
    cluster.reset_calls()
    w = WatchProc(None, cluster, tmp_path, "--engine", engine.host, "--no-network", "--no-mounts")
    try:
        w.wait_log(rf"engine {engine.host}: events connected")
        burst = [die_event("web", "web_ctr", n) for n in range(100)]
        burst[50:50] = [die_event("stranger", None, n) for n in range(20)]  # not vxha's
        start = time.monotonic()
        engine.send(burst, split=37)
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        assert time.monotonic() - start < 10
        text = w.text()
        assert text.count("probed web_ctr") == 1
        assert "stranger" not in text
    finally:
        w.stop()


def test_the_stream_breaking_is_a_reconnection_and_nothing_lost(fake_cluster, tmp_path):
    cluster, engine = fake_cluster
    engine.containers = [
        {
            "Id": "web-id",
            "Names": ["/web"],
            "State": "running",
            "Status": "Up 3 minutes",
            "Labels": {"vxha.resource": "web_ctr"},
        }
    ]
    cluster.reset_calls()
    w = WatchProc(None, cluster, tmp_path, "--engine", engine.host, "--no-network", "--no-mounts")
    try:
        w.wait_log(rf"engine {engine.host}: events connected")
        with engine._lock:
            for conn in engine.streams:
                conn.close()
            engine.streams = []
        engine.containers[0]["State"] = "exited"  # changed while the stream was down
        text = w.wait_log(r"events connected again", timeout=10)
        assert "changed meanwhile: web_ctr" in text
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        assert engine.subscribers() == 1
    finally:
        w.stop()
    assert probes(cluster) == [("web_ctr", SYSTEM)]


def test_once_exits_1_when_vcs_does_not_answer(fake_cluster, tmp_path):
    cluster, engine = fake_cluster
    env = dict(cluster.env, VXHA_SIM_SOCKET=str(tmp_path / "nobody.sock"))
    w = WatchProc(
        None, cluster, tmp_path, "--once", "--attempts", "2", "--no-network", "--no-mounts", env=env
    )
    assert w.proc.wait(timeout=60) == 1
    w.stop()
    text = w.text()
    assert "reading the configuration failed" in text
    assert "Traceback" not in text
