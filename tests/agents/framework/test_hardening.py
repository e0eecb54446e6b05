"""Failure paths of the framework: a log that cannot be written, planted symlinks, loose
modes and foreign owners of lock, state and log files, and clean's right of way only over
the process that really holds the resource."""

from __future__ import annotations

import errno
import os
import posix
import stat
import subprocess
import sys
import time

import pytest

from vxha.agents import agentlog, framework, statefile
from vxha.agents.framework import Context, build_argv, execute
from vxha.vcs_types.catalog import project_type

DUMMY = project_type("Dummy")


def launch(agent_root, ep, argv, env=None, stdout=subprocess.PIPE):
    launcher = agent_root / "opt/VRTSvcs/bin/Dummy" / ep
    return subprocess.run(
        [str(launcher), *argv], env=env, stdout=stdout, stderr=subprocess.PIPE, text=True,
        timeout=30,
    )  # fmt: skip


# -- a log that cannot be written never changes an outcome -----------------------------


CFS = project_type("CFSMount")
MOUNT = {"MountPoint": "/vx/web/data", "BlockDevice": "/dev/vx/dsk/webdg/datavol"}


def cfs_node(node_dir):
    """A fake system with the volume present; every entry point below logs a line."""
    from vxha.agents.drivers.mounts_fake import FakeMounts

    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    fake = FakeMounts(Context(env))
    fake.create_device(MOUNT["BlockDevice"])
    return env, fake


class _FullDisk:
    """The agent log's ``posix`` module on a full file system: every write refused."""

    def __init__(self):
        self.refused = 0

    def __getattr__(self, name):
        return getattr(posix, name)

    def write(self, fd, data):
        self.refused += 1
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "ep, reason, code", [("online", None, 0), ("offline", None, 0), ("clean", 4, 0)]
)
def test_a_failing_log_write_never_changes_the_outcome(node_dir, monkeypatch, ep, reason, code):
    env, fake = cfs_node(node_dir)
    if ep != "online":
        argv = build_argv(CFS, "m", MOUNT, "online")
        assert execute("CFSMount", "online", argv, env, True).code == 0
        fake.add_user(MOUNT["MountPoint"] + "/x")  # clean logs the signal it sends
    disk = _FullDisk()
    monkeypatch.setattr(agentlog, "posix", disk)  # the log's own writes, nothing else's
    out = execute("CFSMount", ep, build_argv(CFS, "m", MOUNT, ep, reason), env, True)
    monkeypatch.undo()
    assert out.lines, "the entry point logged nothing: the test proves nothing"
    assert disk.refused, "no write to the agent log was tried: the test proves nothing"
    assert out.code == code
    assert bool(fake.mounts(MOUNT["MountPoint"])) == (ep == "online")


@pytest.mark.parametrize(
    "fail, code",
    [([], 0), (["online"], 1)],
)
def test_stdout_on_a_full_device_is_no_failure(agent_root, node_dir, fail, code):
    argv = build_argv(DUMMY, "r", {"Fail": fail}, "online")
    with open("/dev/full", "w") as full:
        proc = launch(agent_root, "online", argv, stdout=full)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr == ""
    assert (node_dir / "state" / "Dummy.r").exists() == (not fail)
    if fail:
        assert "told to fail" in (node_dir / "log" / "Dummy_A.log").read_text()


def test_a_message_the_locale_cannot_encode_is_logged(node_dir, monkeypatch):
    import io

    ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)})
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    log = framework.AgentLog(ctx, "Dummy", "r\u00e9", "online")
    log.error("caf\u00e9 \u4e2d is gone")
    ascii_out.flush()
    shown = ascii_out.buffer.getvalue()
    assert b"Dummy:r" in shown and b"is gone" in shown
    logged = (node_dir / "log" / "Dummy_A.log").read_bytes()
    assert "Dummy:r\u00e9:online:caf\u00e9 \u4e2d is gone".encode() in logged


# -- lock, state and log files ----------------------------------------------------------


def test_files_are_private_whatever_the_umask(node_dir):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    old = os.umask(0)
    try:
        out = execute("Dummy", "online", build_argv(DUMMY, "r", {}, "online"), env, True)
        statefile.write(Context(env), "x", "1")
        framework.AgentLog(Context(env, True), "Dummy", "r", "online").info("a line")
    finally:
        os.umask(old)
    assert out.code == 0
    for d in ("lock", "state", "log"):
        assert stat.S_IMODE((node_dir / d).stat().st_mode) == 0o700, d
    for f in ("lock/Dummy.r.lock", "state/x", "log/Dummy_A.log"):
        assert stat.S_IMODE((node_dir / f).stat().st_mode) == 0o600, f


@pytest.mark.parametrize("which", ["lock/Dummy.r.lock", "log/Dummy_A.log", "state/x"])
def test_a_planted_symlink_is_never_written_through(node_dir, tmp_path, which):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    for d in ("lock", "log", "state"):
        (node_dir / d).mkdir(mode=0o700)
    (node_dir / which).symlink_to(victim)
    out = execute("Dummy", "online", build_argv(DUMMY, "r", {"Fail": ["online"]}), env, True)
    assert out.lines  # a line was logged (through the planted log link, before the fix)
    if which == "state/x":
        assert statefile.read(Context(env), "x") is None  # a link is never read through
        statefile.write(Context(env), "x", "overwritten")  # the link is replaced
        assert not (node_dir / which).is_symlink()
    assert victim.read_text() == "precious\n"


@pytest.mark.real
@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_a_directory_owned_by_someone_else_is_refused(node_dir):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    (node_dir / "state").mkdir(mode=0o700)
    os.chown(node_dir / "state", 12345, 12345)
    with pytest.raises(OSError, match="state belongs to uid 12345, not to this agent"):
        statefile.write(Context(env), "x", "1")
    assert not (node_dir / "state" / "x").exists()


def test_a_world_writable_directory_is_refused(node_dir):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    (node_dir / "state").mkdir()
    os.chmod(node_dir / "state", 0o777)
    with pytest.raises(OSError, match=r"state is writable by others \(mode 0777\)"):
        statefile.write(Context(env), "x", "1")
    assert not (node_dir / "state" / "x").exists()


# -- clean stops only the process that holds the resource -------------------------------


def test_clean_kills_only_the_verified_holder(agent_root, node_dir):
    hung = subprocess.Popen(
        [
            str(agent_root / "opt/VRTSvcs/bin/Dummy/online"),
            *build_argv(DUMMY, "h", {"Delay": 60000}, "online", aep_timeout=120),
        ],
        stdout=subprocess.DEVNULL,
    )
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        lock = node_dir / "lock" / "Dummy.h.lock"
        for _ in range(250):
            if lock.exists() and lock.read_text().strip() == str(hung.pid):
                break
            time.sleep(0.02)
        else:
            pytest.fail("online never took the resource lock")
        # Someone rewrites the PID in the lock file: clean must not take it on trust.
        fd = os.open(lock, os.O_WRONLY)
        os.pwrite(fd, b"%-12d\n" % bystander.pid, 0)
        os.close(fd)
        proc = launch(agent_root, "clean", build_argv(DUMMY, "h", {}, "clean", 2, 10))
        assert proc.returncode == 0, proc.stdout
        assert bystander.poll() is None, "clean killed a process that did not hold the lock"
        assert hung.wait(timeout=5) != 0, "clean did not stop the real holder"
    finally:
        for p in (hung, bystander):
            p.kill()
            p.wait()


def test_lock_holder_is_read_from_the_kernel_not_the_file(node_dir):
    code = (
        "import sys, time\n"
        "from vxha.agents.framework import Context, ResourceLock\n"
        f"ctx = Context({{'VXHA_NODE_DIR': {str(node_dir)!r}}})\n"
        "lock = ResourceLock(ctx, 'Dummy', 'k')\n"
        "assert lock.try_acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        path = node_dir / "lock" / "Dummy.k.lock"
        fd = os.open(path, os.O_WRONLY)
        os.pwrite(fd, b"%-12d\n" % 999999, 0)
        os.close(fd)
        ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)})
        assert framework.ResourceLock(ctx, "Dummy", "k").holder() == holder.pid
    finally:
        holder.kill()
        holder.wait()
