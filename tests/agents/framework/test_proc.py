"""The one subprocess runner and the one kill rule (agents/drivers/proc.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from vxha.agents.drivers import proc
from vxha.agents.drivers.fakestate import DriverUnavailable


def gone(pid: int, within: float = 3.0) -> bool:
    """Whether ``pid`` is dead (or a zombie nobody reaped yet) within ``within`` s."""
    end = time.monotonic() + within
    while proc.alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def in_session(sid: int) -> list:
    """Live processes of session ``sid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
            found.append(int(entry))
    return found


def test_kill_tree_kills_every_descendant_not_only_the_root():
    parent = subprocess.Popen(
        ["/bin/sh", "-c", "sleep 30 & echo $!; sleep 30 & echo $!; wait"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    kids = [int(parent.stdout.readline()), int(parent.stdout.readline())]
    proc.kill_tree(parent.pid)
    assert parent.wait(timeout=5) == -signal.SIGKILL
    for pid in kids:
        assert gone(pid), f"descendant {pid} survived kill_tree"


def test_kill_tree_wins_against_a_tree_that_keeps_forking():
    parent = subprocess.Popen(
        ["/bin/sh", "-c", "while :; do sleep 30 & done"], start_new_session=True
    )
    try:
        time.sleep(0.3)
        proc.kill_tree(parent.pid)
        parent.wait(timeout=5)
        time.sleep(0.2)
        assert in_session(parent.pid) == []
    finally:
        for pid in in_session(parent.pid):
            os.kill(pid, signal.SIGKILL)


def test_the_runner_returns_output_and_exit_code():
    assert proc.run(["sh", "-c", "echo out; echo err >&2; exit 3"], 5) == (3, "out\n", "err\n")
    assert proc.run(["cat"], 5, stdin="x" * 200000) == (0, "x" * 200000, "")


def test_the_runner_kills_the_whole_session_at_its_timeout(tmp_path):
    pidfile = tmp_path / "bg"
    with pytest.raises(DriverUnavailable) as err:
        proc.run(["sh", "-c", f"sleep 300 & echo $! >{pidfile}; exec sleep 301"], 0.5)
    assert "did not finish within 0.5 s" in str(err.value)
    assert gone(int(pidfile.read_text())), "the command's background child survived"
    assert proc.live_children() == []


def test_end_children_kills_what_is_running_when_the_deadline_fires():
    def deadline(signum, frame):
        proc.end_children()

    old = signal.signal(signal.SIGALRM, deadline)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        start = time.monotonic()
        with pytest.raises(DriverUnavailable):
            proc.run(["sh", "-c", "sleep 300 & sleep 300"], 30)
        assert time.monotonic() - start < 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert proc.live_children() == []


def test_every_driver_runs_commands_through_the_one_runner(monkeypatch):
    """The mounts and addresses drivers import the runner when they run a command (their
    monitors run none); forwarding's monitor does, so it imports it at the top."""
    from vxha.agents.drivers import addresses, forwarding, mounts
    from vxha.agents.framework import Context

    ran = []
    monkeypatch.setattr(proc, "run", lambda argv, timeout, **kw: ran.append(argv[0]) or (0, "", ""))
    monkeypatch.setattr(proc, "detach", lambda argv: ran.append(argv[0]))
    ctx = Context({})
    mounts.MountDriver(ctx).umount("/vxha-test-nowhere", 1)
    drv = addresses.AddressDriver(ctx)
    drv.add("vxtest0", "10.200.0.1", 24, "", 1)
    drv.delete("vxtest0", "10.200.0.1", 24, 1)
    drv.duplicate("vxtest0", "10.200.0.1", 1)
    drv.announce("vxtest0", "10.200.0.1", 1, 200, 1)
    assert ran == ["umount", "ip", "ip", "arping", "arping"]
    assert forwarding.run.__module__ == proc.__name__


def test_a_missing_command_is_a_driver_error():
    from vxha.agents.drivers.fakestate import DriverError

    with pytest.raises(DriverError, match="vxha-no-such-command is not installed"):
        proc.run(["vxha-no-such-command"], 1)
    assert proc.live_children() == []
