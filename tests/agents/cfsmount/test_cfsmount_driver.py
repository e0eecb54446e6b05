"""One driver-interface suite, run against the real MountDriver (loop-device ext4 in a
private mount namespace) and the FakeMounts, so the fake cannot drift from the real one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from cfsmount_helpers import in_private_namespace, reap, require_real

from vxha.agents.drivers.fakestate import DriverError
from vxha.agents.drivers.mounts import MountBusy, MountDriver, ProbeTimeout, probe_name
from vxha.agents.drivers.mounts_fake import FakeMounts
from vxha.agents.framework import Context


class FakeBackend:
    fstype = "vxfs"
    source = "/dev/vx/dsk/datadg/vol1"

    def __init__(self, tmp):
        self.tmp = tmp
        env = {
            "VXHA_DRIVERS": "fake",
            "VXHA_NODE_DIR": str(tmp / "node"),
            "VXHA_SHARED_DIR": str(tmp / "shared"),
        }
        self.env = env
        self.drv = FakeMounts(Context(env))
        self.drv.create_device(self.source)

    def run(self, body):
        return body(self)

    def user(self, path, ignore_term=False):
        return self.drv.add_user(str(path), "sleep", ignore_term)

    def sub_source(self):
        return "subfs"

    def hang_probe(self, mp):
        with open(os.path.join(self.env["VXHA_NODE_DIR"], "faults.json"), "w") as f:
            json.dump({"mounts.probe": {"mode": "hang"}}, f)


class RealBackend:
    fstype = "ext4"

    def __init__(self, tmp, dev):
        self.tmp = tmp
        self.source = dev
        self.drv = None
        self.procs = []

    def run(self, body):
        def wrapped():
            self.drv = MountDriver(Context({}))
            try:
                return body(self)
            finally:
                reap(*self.procs)

        return in_private_namespace(wrapped)

    def user(self, path, ignore_term=False):
        # one process (a shell loop would leave its sleep child behind on the mount)
        script = "import signal, time\n"
        if ignore_term:
            script += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        script += "print(flush=True)\ntime.sleep(300)\n"
        p = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", script],
            cwd=path,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self.procs.append(p)
        p.stdout.readline()  # its handler is in place
        return p.pid

    def sub_source(self):
        return "subfs"

    def hang_probe(self, mp):
        os.mkfifo(os.path.join(mp, probe_name(os.uname().nodename)))


@pytest.fixture(params=["fake", "real"])
def backend(request, tmp_path):
    if request.param == "fake":
        return FakeBackend(tmp_path)
    request.applymarker(pytest.mark.real)
    require_real("losetup", "mkfs.ext4", "mount", "umount")
    dev = request.getfixturevalue("loopdev")("ext4")
    return RealBackend(tmp_path, dev)


def _mounted(b, mp):
    mp = str(mp)
    b.drv.make_mountpoint(mp)
    b.drv.mount(b.source, mp, b.fstype, "", 10)
    return [e for e in b.drv.mounts() if e.mountpoint == mp][-1]


def _wait_gone(drv, pid, seconds=3.0):
    end = time.monotonic() + seconds
    while drv.alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not drv.alive(pid)


def test_mount_is_listed_and_matches_its_source(backend, tmp_path):
    mp = tmp_path / "mp"

    def body(b):
        entry = _mounted(b, mp)
        assert entry.fstype == b.fstype
        assert b.drv.same_source(entry, b.source, b.fstype)
        assert not b.drv.same_source(entry, "/dev/vx/dsk/otherdg/vol9", b.fstype)
        assert not entry.read_only()
        assert [e.mountpoint for e in b.drv.mounts(str(mp))] == [str(mp)]
        assert b.drv.mounts(str(tmp_path / "elsewhere")) == []
        b.drv.umount(str(mp), 10)
        assert all(e.mountpoint != str(mp) for e in b.drv.mounts())

    backend.run(body)


def test_source_problem(backend):
    def body(b):
        assert b.drv.source_problem(b.source, b.fstype) is None
        assert b.drv.source_problem("/dev/vx/dsk/nodg/none", b.fstype) == (
            "/dev/vx/dsk/nodg/none does not exist"
        )
        assert b.drv.source_problem("anything", "tmpfs") is None

    backend.run(body)


def test_umount_of_nothing_is_an_error_not_busy(backend, tmp_path):
    def body(b):
        b.drv.make_mountpoint(str(tmp_path / "empty"))
        with pytest.raises(DriverError) as info:
            b.drv.umount(str(tmp_path / "empty"), 10)
        assert not isinstance(info.value, MountBusy)

    backend.run(body)


def test_busy_mount_users_and_signals(backend, tmp_path):
    mp = tmp_path / "mp"

    def body(b):
        entry = _mounted(b, mp)
        os.makedirs(mp / "work", exist_ok=True)
        polite = b.user(mp / "work")
        stubborn = b.user(mp, ignore_term=True)
        outside = b.user(tmp_path)
        with pytest.raises(MountBusy):
            b.drv.umount(str(mp), 10)
        entries = b.drv.mounts()
        here = os.getcwd()
        os.chdir(mp)  # the caller (the agent) using the mount is never listed
        try:
            pids = {u[0] for u in b.drv.users(entry, entries)}
        finally:
            os.chdir(here)
        assert {polite, stubborn} <= pids and outside not in pids
        assert os.getpid() not in pids
        b.drv.signal(polite, signal.SIGTERM)
        b.drv.signal(stubborn, signal.SIGTERM)
        assert _wait_gone(b.drv, polite)
        time.sleep(0.1)
        assert b.drv.alive(stubborn)
        b.drv.signal(stubborn, signal.SIGKILL)
        assert _wait_gone(b.drv, stubborn)
        assert b.drv.alive(outside)
        assert b.drv.signal(polite, signal.SIGTERM) is False
        b.drv.umount(str(mp), 10)

    backend.run(body)


def test_users_of_a_deeper_mount_belong_to_it(backend, tmp_path):
    mp = tmp_path / "mp"

    def body(b):
        top = _mounted(b, mp)
        b.drv.make_mountpoint(str(mp / "sub"))
        b.drv.mount(b.sub_source(), str(mp / "sub"), "tmpfs", "", 10)
        entries = b.drv.mounts()
        sub = [e for e in entries if e.mountpoint == str(mp / "sub")][-1]
        pid = b.user(mp / "sub")
        assert pid not in {u[0] for u in b.drv.users(top, entries)}
        assert pid in {u[0] for u in b.drv.users(sub, entries)}
        b.drv.signal(pid, signal.SIGKILL)
        assert _wait_gone(b.drv, pid)
        b.drv.umount(str(mp / "sub"), 10)
        b.drv.umount(str(mp), 10)

    backend.run(body)


def test_lazy_umount_detaches_a_busy_mount(backend, tmp_path):
    """Detached, the file system lives on while its user does: device_held says so (open(2),
    O_EXCL on a block device: EBUSY while a file system holds it), until the user is gone."""
    mp = tmp_path / "mp"

    def body(b):
        assert not b.drv.device_held(b.source)
        _mounted(b, mp)
        assert b.drv.device_held(b.source)
        pid = b.user(mp)
        b.drv.umount(str(mp), 10, lazy=True)
        assert all(e.mountpoint != str(mp) for e in b.drv.mounts())
        assert b.drv.device_held(b.source)
        b.drv.signal(pid, signal.SIGKILL)
        assert _wait_gone(b.drv, pid)
        end = time.monotonic() + 3  # the kernel lets the file system go after the exit
        while b.drv.device_held(b.source) and time.monotonic() < end:
            time.sleep(0.02)
        assert not b.drv.device_held(b.source)

    backend.run(body)


def test_probe_passes_then_times_out_on_a_hang(backend, tmp_path):
    mp = tmp_path / "mp"

    def body(b):
        _mounted(b, mp)
        b.drv.probe(str(mp), True, 5)
        b.drv.probe(str(mp), False, 5)
        assert not os.path.exists(mp / probe_name(os.uname().nodename))
        b.hang_probe(str(mp))
        start = time.monotonic()
        with pytest.raises(ProbeTimeout):
            b.drv.probe(str(mp), True, 0.5)
        assert time.monotonic() - start < 2.0
        b.drv.umount(str(mp), 10)

    backend.run(body)
