"""Why a container stopped: monitor says 100 for it, and the clean VCS runs next removes
the container and its exit state with it, so monitor logs the engine's reason, once per
exit (docs/container.md, "monitor")."""

from __future__ import annotations

import time

import pytest

OOM_CMD = ["/bin/sh", "-c", "sleep 1; x=$(head -c 100000000 /dev/zero | tr '\\0' a); sleep 1000"]


def _until_offline(a, seconds=15.0):
    end = time.monotonic() + seconds
    while True:
        r = a.monitor()
        if r.code != 110 or time.monotonic() > end:
            return r
        time.sleep(0.2)


def test_an_exit_is_logged_once_with_its_code(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    fake.kill_outside(a.resource, exit_code=3)
    r = a.monitor()
    assert r.code == 100
    assert f"container {a.resource} exited with code 3 at " in r.out
    assert "OOM" not in r.out
    again = a.monitor()
    assert again.code == 100 and "exited" not in again.out  # once per exit, not per interval


def test_an_oom_kill_the_engine_learns_after_the_exit_is_said_then(fake, fake_agent):
    # Docker handles containerd's exit and OOM events one by one: a monitor between the
    # two sees the exit without OOMKilled. The OOM line follows at the next monitor.
    a = fake_agent(Memory="8m")
    assert a.online().code == 0
    fake.kill_outside(a.resource)
    first = a.monitor()
    assert first.code == 100 and "OOM" not in first.out
    with fake.state.locked() as st:
        st["containers"][a.resource]["oom_killed"] = True
    r = a.monitor()
    assert "killed by the kernel's OOM killer (Memory = 8m)" in r.out
    assert "OOM" not in a.monitor().out


def test_an_oom_kill_is_said_as_one(fake, fake_agent):
    a = fake_agent(Memory="8m")
    assert a.online().code == 0
    fake.kill_outside(a.resource, oom=True)
    r = a.monitor()
    assert r.code == 100
    assert f"container {a.resource} exited with code 137 (signal 9) at " in r.out
    assert "killed by the kernel's OOM killer (Memory = 8m)" in r.out
    # started again and killed again: a new exit, said again
    assert a.online().code == 0
    fake.kill_outside(a.resource, oom=True)
    assert "OOM killer" in a.monitor().out


@pytest.mark.real
def test_a_container_killed_for_memory_is_said_so(real, real_agent):
    a = real_agent(Memory="8m", Command=OOM_CMD)
    r = a.online()
    assert r.code == 0, r
    r = _until_offline(a)
    assert r.code == 100, r
    assert f"container {a.resource} exited with code 137 (signal 9) at " in r.out
    if real.kind == "docker":  # the OOM event may reach dockerd after the exit: wait for it
        end = time.monotonic() + 10
        while "OOM killer" not in r.out and time.monotonic() < end:
            r = a.monitor()
        assert "killed by the kernel's OOM killer (Memory = 8m)" in r.out
    else:  # Podman 4.3 reports OOMKilled false here (cgroup v1): the signal is all it says
        assert "OOM" not in r.out
    again = a.monitor()
    assert again.code == 100 and "OOM" not in again.out
    assert a.clean().code == 0


def _set_state(fake, name, state):
    with fake.state.locked() as st:
        st["containers"][name]["state"] = state


def test_podman_s_stopped_is_the_same_exit_said_once(fake, fake_agent):
    # Podman's compatible service says "stopped" for an exited container whose cleanup
    # has not run yet, then "exited": one exit, one line, whichever monitor sees it first.
    a = fake_agent()
    assert a.online().code == 0
    fake.kill_outside(a.resource, exit_code=3)
    _set_state(fake, a.resource, "stopped")
    r = a.monitor()
    assert r.code == 100 and f"container {a.resource} exited with code 3 at " in r.out
    _set_state(fake, a.resource, "exited")
    again = a.monitor()
    assert again.code == 100 and "exited" not in again.out
