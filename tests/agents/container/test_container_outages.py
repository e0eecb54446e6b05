"""Engine outages on real engines (DECISIONS.md 8; docs/container.md "Engine outages"):
monitor and clean decide from the container's main process recorded at online when the
engine is killed, stopped or hung."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from container_engines import BUSYBOX, _alive

pytestmark = pytest.mark.real


def recorded_pid(agent) -> int:
    path = os.path.join(agent.env["VXHA_NODE_DIR"], "state", f"Container.{agent.resource}.proc")
    with open(path) as f:
        return int(f.read().split()[0])


def wait_gone(pid: int, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while _alive(pid):
        assert time.monotonic() < end, f"process {pid} still alive"
        time.sleep(0.05)


def test_engine_killed_with_its_containers_running(fresh_engine, fresh_agent):
    a = fresh_agent()
    assert a.online().code == 0
    pid = recorded_pid(a)
    assert pid == fresh_engine.container_pid(a.resource)
    fresh_engine.kill_engine()  # SIGKILL: the containers keep running without it
    assert _alive(pid)
    r = a.monitor(aep=4)
    assert r.code == 110, r
    assert f"main process {pid} of {a.resource} runs: online" in r.out
    r = a.clean(aep=6)
    assert r.code == 0, r
    assert "and its descendants killed" in r.out
    wait_gone(pid, 2)
    r = a.monitor(aep=4)  # the record stays: its process is gone
    assert r.code == 100, r
    assert f"main process {pid} of {a.resource} is gone: offline" in r.out


def test_engine_stopped_with_its_containers(fresh_engine, fresh_agent):
    a = fresh_agent()
    assert a.online().code == 0
    pid = recorded_pid(a)
    fresh_engine.stop_engine()  # SIGTERM, as its service manager stops it
    if fresh_engine.kind == "docker":
        # dockerd stops its containers when it stops (no live-restore here).
        wait_gone(pid)
    else:
        # Podman's API service is not the containers' parent (conmon is): they keep running,
        # and monitor says so. A node's shutdown stops them next.
        assert _alive(pid)
        r = a.monitor(aep=4)
        assert r.code == 110, r
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)
    r = a.monitor(aep=4)
    assert r.code == 100, r
    assert f"main process {pid} of {a.resource} is gone: offline" in r.out
    assert a.clean().code == 0  # nothing left to kill


def test_engine_hung(real, real_agent):
    """SIGSTOPped engine: monitor answers from the process within its timeout, whether
    the container lives or was killed; clean kills the recorded tree without the engine."""
    a = real_agent()
    b = real_agent()
    assert a.online().code == 0 and b.online().code == 0
    pid_a, pid_b = recorded_pid(a), recorded_pid(b)
    real.signal(signal.SIGSTOP)
    try:
        r = a.monitor(aep=3)
        assert r.code == 110, r
        assert r.elapsed < 3.0  # within MonitorTimeout (what VCS passed as AEPTimeout)
        assert "did not answer" in r.out and "runs: online" in r.out
        os.kill(pid_a, signal.SIGKILL)  # the container dies while its engine hangs
        wait_gone(pid_a)
        r = a.monitor(aep=3)
        assert r.code == 100, r
        assert r.elapsed < 3.0
        r = b.clean(reason=5, aep=4)
        assert r.code == 0, r
        assert r.elapsed < 4.0
        wait_gone(pid_b, 1)
    finally:
        real.signal(signal.SIGCONT)
    assert a.clean().code == 0 and b.clean().code == 0  # the engine removes them now


def test_engine_hung_with_nothing_recorded_is_no_answer(real, real_agent):
    """Nothing recorded and the engine silent: the agent does not invent a state; the
    entry point ends as a timeout, and leaves no process behind."""
    a = real_agent()
    real.docker("run", "-d", "--name", a.resource, "--label", f"vxha.resource={a.resource}",
                BUSYBOX)  # fmt: skip
    real.signal(signal.SIGSTOP)
    try:
        r = a.monitor(aep=3, timeout=3 + 6)  # DECISIONS.md 8: at most 5 s past its timeout
    finally:
        real.signal(signal.SIGCONT)
    assert r.code == 99, r  # the failure code: VCS counts it as a monitor timeout
    assert f"no main process of {a.resource} recorded" in r.out
    left = subprocess.run(["pgrep", "-f", f"{a.bin}/monitor {a.resource} "], capture_output=True)
    assert left.stdout.strip() == b""


def test_an_engine_that_does_not_know_the_running_container(fresh_engine, fresh_agent, dockerd):
    """DockerHost leads to another engine than the one that runs our container (the first
    was killed with its containers running, another answers at the socket now): it has no
    container of that name, but the main process recorded at online still runs. That is
    not verifiably offline (DECISIONS.md 2): offline exits 1 (a graceful stop is the
    engine's, and this one cannot give it), clean kills the recorded tree and says 0 once
    it is gone (DECISIONS.md 8, as without an engine)."""
    a = fresh_agent()
    assert a.online().code == 0
    pid = recorded_pid(a)
    fresh_engine.kill_engine()  # SIGKILL: the containers keep running without it
    assert _alive(pid)
    other = dockerd.host
    r = a.monitor(DockerHost=other)
    assert r.code == 100, r  # the engine says none: VCS faults the resource and cleans
    r = a.offline(DockerHost=other)
    assert r.code == 1, r
    assert f"has no container {a.resource}, but its main process {pid} recorded here runs" in r.out
    assert _alive(pid)
    r = a.clean(DockerHost=other)
    assert r.code == 0, r
    assert f"main process {pid} of {a.resource} and its descendants killed" in r.out
    wait_gone(pid, 2)
    assert a.offline(DockerHost=other).code == 0  # gone now: offline is done
