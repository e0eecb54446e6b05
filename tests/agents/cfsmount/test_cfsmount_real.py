"""Real tier: the installed CFSMount entry points on loop-device ext4 and xfs, each test
body in its own private mount namespace (nothing reaches the host's mount table)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from cfsmount_helpers import in_private_namespace, mounted_at, reap, sleeper
from monitor_imports import heavy
from realtier import info_pairs

from vxha.agents.drivers.mounts import probe_name

pytestmark = pytest.mark.real

MAP_AND_WAIT = """
import mmap, os, sys, time
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
print(flush=True)
time.sleep(300)
"""


def values(dev, mp, fstype="ext4", **kw):
    v = {"MountPoint": str(mp), "BlockDevice": dev, "FSType": fstype}
    v.update(kw)
    return v


@pytest.mark.parametrize("fstype", ["ext4", "xfs"])
def test_round_trip_and_idempotency(loopdev, real_launcher, tmp_path, fstype):
    dev = loopdev(fstype)
    mp = tmp_path / "data" / "vol"  # the parent does not exist either: online creates both
    v = values(dev, mp, fstype)
    real_launcher.env["VCS_HOME"] = str(tmp_path)  # no hares: info prints its pairs only

    def body():
        run = real_launcher
        assert run("monitor", v).returncode == 100
        r = run("online", v)
        assert r.returncode == 0, r.stdout
        assert "mounted " + dev in r.stdout
        (entry,) = mounted_at(str(mp))
        assert entry.fstype == fstype
        assert run("monitor", v).returncode == 110
        r = run("online", v)
        assert r.returncode == 0 and "already mounted" in r.stdout
        assert len(mounted_at(str(mp))) == 1
        assert run("monitor", dict(v, SecondLevelMonitor=1, SecondLevelTimeout=5)).returncode == 110
        r = run("info", v)  # docs/cfsmount.md: Device, FSType, Options, Size, Used
        assert r.returncode == 0, r.stdout
        got = info_pairs(r.stdout)
        st = os.statvfs(mp)
        assert (got["Device"], got["FSType"]) == (dev, fstype)
        assert "rw" in got["Options"].split(",")
        assert int(got["Size"]) == st.f_blocks * st.f_frsize
        assert 0 < int(got["Used"]) < int(got["Size"])
        assert run("offline", v).returncode == 0
        assert mounted_at(str(mp)) == []
        assert run("monitor", v).returncode == 100
        r = run("info", v)
        assert r.returncode == 0 and info_pairs(r.stdout) == {"Device": dev, "State": "not mounted"}
        assert run("offline", v).returncode == 0
        assert run("clean", v, reason=1).returncode == 0

    in_private_namespace(body)


def test_foreign_mount_at_or_below_is_refused(loopdev, real_launcher, tmp_path):
    dev = loopdev("ext4")
    mp = tmp_path / "mp"
    v = values(dev, mp)

    def body():
        run = real_launcher
        os.makedirs(mp / "sub")
        subprocess.run(["mount", "-t", "tmpfs", "foreign", str(mp / "sub")], check=True)
        r = run("online", v)
        assert r.returncode == 1
        assert f"{mp}/sub is mounted below {mp}: refusing" in r.stdout
        assert mounted_at(str(mp)) == []
        subprocess.run(["umount", str(mp / "sub")], check=True)

        subprocess.run(["mount", "-t", "tmpfs", "foreign", str(mp)], check=True)
        r = run("online", v)
        assert r.returncode == 1
        assert "already has foreign (tmpfs) mounted on it: refusing" in r.stdout
        r = run("monitor", v)
        assert r.returncode == 99
        assert f"{mp} is mounted from foreign (tmpfs), not from BlockDevice {dev}" in r.stdout
        # offline and clean leave someone else's mount alone
        assert run("offline", v).returncode == 0
        assert run("clean", v).returncode == 0
        assert [e.source for e in mounted_at(str(mp))] == ["foreign"]

    in_private_namespace(body)


def test_unmounted_from_outside_is_offline(loopdev, real_launcher, tmp_path):
    dev = loopdev("ext4")
    v = values(dev, tmp_path / "mp")

    def body():
        assert real_launcher("online", v).returncode == 0
        subprocess.run(["umount", str(tmp_path / "mp")], check=True)
        assert real_launcher("monitor", v).returncode == 100

    in_private_namespace(body)


@pytest.mark.parametrize("ep", ["offline", "clean"])
def test_busy_with_kill_stops_only_the_users(loopdev, real_launcher, tmp_path, ep):
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    twin = tmp_path / "data2"  # a different mount whose path shares the prefix
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        run = real_launcher
        assert run("online", v).returncode == 0
        os.makedirs(twin)
        subprocess.run(["mount", "-t", "tmpfs", "twin", str(twin)], check=True)
        (mp / "dir").mkdir()
        with open(mp / "file", "w") as f:
            f.write("x")
        held = open(mp / "file")  # noqa: SIM115 - the open file keeps the mount busy
        in_cwd = sleeper(cwd=mp / "dir")
        in_fd = sleeper(stdin=held)
        held.close()
        mapped = subprocess.Popen(  # its only tie to the mount is a mapping (/proc/PID/maps)
            [sys.executable, "-I", "-S", "-c", MAP_AND_WAIT, str(mp / "file")],
            cwd="/",
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        mapped.stdout.readline()
        outside = sleeper(cwd=tmp_path)
        on_twin = sleeper(cwd=twin)
        try:
            r = run(ep, v, reason=1)
            assert r.returncode == 0, r.stdout
            assert "sending SIGTERM to processes using" in r.stdout
            assert in_cwd.wait(timeout=5) is not None
            assert in_fd.wait(timeout=5) is not None
            assert mapped.wait(timeout=5) is not None
            assert outside.poll() is None and on_twin.poll() is None
            assert mounted_at(str(mp)) == []
            assert run("monitor", v).returncode == 100
        finally:
            reap(in_cwd, in_fd, mapped, outside, on_twin)

    in_private_namespace(body)


def test_offline_stops_a_deeper_mounts_users_as_its_own_not_this_ones(
    loopdev, real_launcher, tmp_path
):
    """A mount made below MountPoint after online is unmounted first; the process in it is
    stopped as a user of that mount, the one in MountPoint (in a directory whose name
    starts like the deeper mount's) as a user of MountPoint, each named with its mount."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    deeper = mp / "logs"
    v = values(dev, mp)

    def body():
        assert real_launcher("online", v).returncode == 0
        deeper.mkdir()
        (mp / "logs2").mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "deeper", str(deeper)], check=True, timeout=10)
        in_deeper = sleeper(cwd=deeper)
        in_top = sleeper(cwd=mp / "logs2")
        outside = sleeper(cwd=tmp_path)
        try:
            r = real_launcher("offline", v)
            assert r.returncode == 0, r.stdout
            lines = [line for line in r.stdout.splitlines() if "sending SIGTERM" in line]
            assert len(lines) == 2, r.stdout
            assert f"processes using {deeper}: {in_deeper.pid} sleep (cwd)" in lines[0]
            assert f"processes using {mp}: {in_top.pid} sleep (cwd)" in lines[1]
            assert f"{in_top.pid} " not in lines[0] and f"{in_deeper.pid} " not in lines[1]
            assert in_deeper.wait(timeout=5) is not None
            assert in_top.wait(timeout=5) is not None
            assert outside.poll() is None
            assert mounted_at(str(deeper)) == [] and mounted_at(str(mp)) == []
        finally:
            reap(in_deeper, in_top, outside)

    in_private_namespace(body)


def test_a_mount_ours_covers_neither_blocks_offline_nor_is_touched(
    loopdev, real_launcher, tmp_path
):
    """A mount made after online on the directory underneath (through the working
    directory of a process that entered it before), listed below MountPoint's path but
    unreachable through it: offline and clean leave it and unmount ours."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        (mp / "inner").mkdir(parents=True)
        underneath = sleeper(cwd=mp)
        covered = f"/proc/{underneath.pid}/cwd/inner"
        try:
            for ep in ("offline", "clean"):
                assert real_launcher("online", v).returncode == 0
                subprocess.run(["mount", "-t", "tmpfs", "covered", covered], check=True, timeout=10)
                assert [e.source for e in mounted_at(str(mp / "inner"))] == ["covered"]
                r = real_launcher(ep, v, reason=4)
                assert r.returncode == 0, r.stdout
                assert mounted_at(str(mp)) == []
                assert [e.source for e in mounted_at(str(mp / "inner"))] == ["covered"]
                assert underneath.poll() is None
                # in plain sight below MountPoint now: online would refuse it
                subprocess.run(["umount", str(mp / "inner")], check=True, timeout=10)
        finally:
            reap(underneath)

    in_private_namespace(body)


def test_term_ignoring_user_needs_kill(loopdev, real_launcher, tmp_path):
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        assert real_launcher("online", v).returncode == 0
        stubborn = subprocess.Popen(
            ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"], cwd=mp, start_new_session=True
        )
        try:
            time.sleep(0.1)
            r = real_launcher("offline", v)
            assert r.returncode == 0, r.stdout
            assert "sending SIGKILL" in r.stdout
            assert stubborn.wait(timeout=5) is not None
        finally:
            reap(stubborn)

    in_private_namespace(body)


def test_busy_with_none_stays_mounted_and_intact(loopdev, real_launcher, tmp_path):
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="none")

    def body():
        run = real_launcher
        assert run("online", v).returncode == 0
        payload = os.urandom(4096)
        (mp / "keep").write_bytes(payload)
        user = sleeper(cwd=mp)
        try:
            r = run("offline", v)
            assert r.returncode == 1
            assert "is busy" in r.stdout and "ForceUnmount is none: left mounted" in r.stdout
            assert user.poll() is None
            assert len(mounted_at(str(mp))) == 1
            assert run("monitor", v).returncode == 110
            assert run("clean", v, reason=1).returncode == 1
            assert user.poll() is None
            assert (mp / "keep").read_bytes() == payload
        finally:
            reap(user)
        assert run("offline", v).returncode == 0

    in_private_namespace(body)


def test_offline_unmounts_deepest_first(loopdev, real_launcher, tmp_path):
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp)

    def body():
        assert real_launcher("online", v).returncode == 0
        (mp / "a" / "b").mkdir(parents=True)
        subprocess.run(["mount", "-t", "tmpfs", "sub1", str(mp / "a")], check=True)
        (mp / "a" / "b").mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "sub2", str(mp / "a" / "b")], check=True)
        r = real_launcher("offline", v)
        assert r.returncode == 0, r.stdout
        from cfsmount_helpers import mounted_at as at

        assert at(str(mp)) == [] and at(str(mp / "a")) == [] and at(str(mp / "a" / "b")) == []

    in_private_namespace(body)


@pytest.mark.parametrize("fstype", ["ext4", "xfs"])
def test_nothing_lost_across_systems(loopdev, real_launcher, tmp_path, fstype):
    """Written and synced on one system (mount namespace), read back on the other."""
    dev = loopdev(fstype)
    mp = tmp_path / "data"
    v = values(dev, mp, fstype)
    files = {f"f{i}": os.urandom(1000 * (i + 1)) for i in range(20)}

    def first_system():
        assert real_launcher("online", v).returncode == 0
        for name, data in files.items():
            with open(mp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        assert real_launcher("offline", v).returncode == 0

    def second_system():
        assert real_launcher("monitor", v).returncode == 100
        assert real_launcher("online", v).returncode == 0
        got = {name: (mp / name).read_bytes() for name in files}
        assert real_launcher("offline", v).returncode == 0
        return got

    in_private_namespace(first_system)
    assert in_private_namespace(second_system) == files


def test_hung_probe_is_a_hung_monitor_and_leaves_no_child(loopdev, real_launcher, tmp_path):
    """The blocked path: a FIFO (no reader) where the probe writes; open() blocks like a
    write on a dead device, interruptibly. The monitor gives no answer (DECISIONS.md 8):
    VCS's MonitorTimeout takes it; the probe child is gone by then."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, SecondLevelMonitor=1, SecondLevelTimeout=1)

    def body():
        assert real_launcher("online", v).returncode == 0
        fifo = mp / probe_name(os.uname().nodename)
        os.mkfifo(fifo)
        with pytest.raises(subprocess.TimeoutExpired):  # VCS kills it at its timeout
            real_launcher("monitor", v, aep=2, timeout=3)
        log = (tmp_path / "log" / "CFSMount_A.log").read_text()
        assert "second-level probe of" in log and "hangs (no answer within 1.0s)" in log
        assert "no answer given" in log
        launcher = os.path.join(real_launcher.bin, "monitor")
        assert [p for p in _cmdlines() if launcher in p] == []
        os.unlink(fifo)
        assert real_launcher("monitor", v).returncode == 110
        assert real_launcher("offline", v).returncode == 0

    in_private_namespace(body)


def _cmdlines():
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    out.append(f.read().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
    return out


def test_monitor_imports_only_what_it_needs(loopdev, real_launcher, regular_install, tmp_path):
    """monitor on a regular install: no re, json, enum, subprocess or socket; nor os,
    but for the second-level probe, which forks through the runner (docs/framework.md,
    "What a monitor imports")."""
    from cfsmount_helpers import CFSMOUNT

    from vxha.agents.framework import build_argv

    dev = loopdev("ext4")
    v = values(dev, tmp_path / "vol")

    def body():
        assert real_launcher("online", v).returncode == 0
        for probe in (0, 1):
            argv = build_argv(CFSMOUNT, "mnt", dict(v, SecondLevelMonitor=probe), "monitor",
                              aep_timeout=10)  # fmt: skip
            code, names = regular_install.imports("CFSMount", "monitor", argv, real_launcher.env)
            assert code == 110
            assert "vxha.agents.drivers.mounts" in names
            assert heavy(names, without_os=not probe) == []
        assert real_launcher("offline", v).returncode == 0

    in_private_namespace(body)


def test_a_mount_made_while_the_table_is_read_is_not_missed(tmp_path):
    """monitor reads the mount table once and again only when the kernel flags a change
    since the file was opened (POLLPRI): a mount made right after the first read must be
    in what it returns (docs/cfsmount.md)."""
    from vxha.agents.drivers import mounts

    late = tmp_path / "late"
    late.mkdir()

    class MountAfterRead:
        made = False

        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def fileno(self):
            return self.f.fileno()

        def read(self):
            data = self.f.read()
            if not MountAfterRead.made:
                MountAfterRead.made = True
                subprocess.run(["mount", "-t", "tmpfs", "late", str(late)], check=True)
            return data

    def body():
        mounts.open = lambda *a, **kw: MountAfterRead(open(*a, **kw))
        try:
            table = mounts.parse_mountinfo(mounts.stable_read())
        finally:
            del mounts.open
        assert MountAfterRead.made
        assert [e.source for e in table if e.mountpoint == str(late)] == ["late"]
        assert mounts._read_once(mounts.MOUNTINFO)[1] is False  # nothing changed since

    in_private_namespace(body)


@pytest.mark.parametrize(
    "change, attr, text",
    [
        ({"MountPoint": "rel/data"}, "MountPoint", "is not an absolute path"),
        ({"MountPoint": "/mnt/x/../y"}, "MountPoint", "contains '..'"),
        ({"MountPoint": "/"}, "MountPoint", "/ itself cannot be a mount point"),
        ({"MountPoint": "/proc"}, "MountPoint", "is a system directory"),
        ({"FSType": "nfs4"}, "FSType", "'nfs4' is not one of vxfs, ext4, xfs, tmpfs, bind"),
        ({"ForceUnmount": "yes"}, "ForceUnmount", "'yes' is not one of none, safe, kill"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    loopdev, real_launcher, tmp_path, change, attr, text
):
    dev = loopdev("ext4")
    v = values(dev, tmp_path / "mp", **change)

    def ours():  # other tests' namespaces come and go in the host's table: look at ours
        from vxha.agents.drivers.mounts import parse_mountinfo, stable_read, under

        entries = parse_mountinfo(stable_read())
        return [e.mountpoint for e in entries if under(e.mountpoint, str(tmp_path))] + [
            e.mountpoint for e in entries if e.source == dev
        ]

    def body():
        before = ours()
        r = real_launcher("online", v)
        assert r.returncode == 1
        assert f"attribute {attr}: " in r.stdout and text in r.stdout
        r = real_launcher("monitor", v)
        assert r.returncode == 99 and text in r.stdout
        assert ours() == before == []
        assert not (tmp_path / "mp").exists()

    in_private_namespace(body)


def test_missing_block_device_is_a_clear_error(real_launcher, tmp_path):
    from cfsmount_helpers import require_real

    require_real("mount")
    v = values("/dev/vx/dsk/nodg/novol", tmp_path / "mp")

    def body():
        r = real_launcher("online", v)
        assert r.returncode == 1
        assert "attribute BlockDevice: /dev/vx/dsk/nodg/novol does not exist" in r.stdout
        assert mounted_at(str(tmp_path / "mp")) == []
        assert real_launcher("monitor", v).returncode == 100

    in_private_namespace(body)


def test_the_agents_parent_is_never_killed_and_clean_detaches(loopdev, real_launcher, tmp_path):
    """The process running the entry points (VCS's agent; here the test) sits in the mount:
    offline with kill finds nobody it may stop and fails; clean detaches lazily, but says
    1 while the detached file system lives (another system mounting the volume would write
    it twice), and 0 once its last user left."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        assert real_launcher("online", v).returncode == 0
        os.chdir(mp)
        try:
            r = real_launcher("offline", v, aep=3)
            assert r.returncode == 1
            assert "stays busy" in r.stdout and "no process found using it" in r.stdout
            assert len(mounted_at(str(mp))) == 1
            r = real_launcher("clean", v, reason=1, aep=5)
            assert r.returncode == 1, r.stdout
            assert "forced unmount" in r.stdout and "lazy unmount" in r.stdout
            assert f"{dev} is still in use on this system" in r.stdout
            assert mounted_at(str(mp)) == []
            assert real_launcher("monitor", v).returncode == 99
            assert real_launcher("clean", v, reason=1).returncode == 1
        finally:
            os.chdir(tmp_path)
        r = real_launcher("clean", v, reason=1)
        assert r.returncode == 0, r.stdout
        assert real_launcher("monitor", v).returncode == 100

    in_private_namespace(body)


def test_read_only_mount_is_probed_read_only(loopdev, real_launcher, tmp_path):
    dev = loopdev("xfs")
    v = values(dev, tmp_path / "ro", "xfs", MountOpt="ro", SecondLevelMonitor=1)

    def body():
        assert real_launcher("online", v).returncode == 0
        (entry,) = mounted_at(str(tmp_path / "ro"))
        assert entry.read_only()
        assert real_launcher("monitor", v).returncode == 110
        assert real_launcher("offline", v).returncode == 0

    in_private_namespace(body)


def test_a_process_in_the_directory_the_mount_covers_is_not_a_user(
    loopdev, real_launcher, tmp_path
):
    """Its cwd reads as a path below MountPoint, but it is on the file system underneath."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        (mp / "inner").mkdir(parents=True)
        covered = sleeper(cwd=mp / "inner")
        user = None
        try:
            assert real_launcher("online", v).returncode == 0
            user = sleeper(cwd=mp)
            r = real_launcher("offline", v)
            assert r.returncode == 0, r.stdout
            assert user.wait(timeout=5) is not None
            assert covered.poll() is None
            assert f"{covered.pid} " not in r.stdout
        finally:
            reap(covered, *([user] if user else []))

    in_private_namespace(body)


def test_open_file_users_are_chosen_by_the_mounts_id_not_its_path(loopdev, real_launcher, tmp_path):
    """A file opened in the directory before the mount covered it reads as a path below
    MountPoint, but its mount id (/proc/PID/fdinfo) is the file system underneath: that
    process is no user of the mount and offline never signals it."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        mp.mkdir(parents=True)
        (mp / "underneath").write_text("x\n")
        with open(mp / "underneath") as f:
            covered = sleeper(cwd=tmp_path, stdin=f)
        user = None
        try:
            assert real_launcher("online", v).returncode == 0
            with open(mp / "on-the-mount", "w") as f:
                user = sleeper(cwd=tmp_path, stdin=f)
            r = real_launcher("offline", v)
            assert r.returncode == 0, r.stdout
            assert user.wait(timeout=5) is not None
            assert covered.poll() is None, "a process of the covered directory was signalled"
            assert f"{covered.pid} " not in r.stdout
        finally:
            reap(covered, *([user] if user else []))

    in_private_namespace(body)


def test_a_read_write_mount_turned_read_only_is_offline(loopdev, real_launcher, tmp_path):
    """ext4's errors=remount-ro makes the file system read-only on an error (its superblock:
    mountinfo's per-mount options still say rw); an admin's remount makes the mount itself
    read-only. Either way a resource whose MountOpt asks for read-write no longer serves:
    monitor says 100 (docs/cfsmount.md, "monitor"), with or without the second-level probe,
    and offline still unmounts it."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, MountOpt="errors=remount-ro")
    probe = dict(v, SecondLevelMonitor=1, SecondLevelTimeout=5)

    def body():
        run = real_launcher
        assert run("online", v).returncode == 0
        assert run("monitor", probe).returncode == 110
        knob = f"/sys/fs/ext4/{os.path.basename(dev)}/trigger_fs_error"
        with open(knob, "w") as f:
            f.write("1\n")
        (entry,) = mounted_at(str(mp))
        # older kernels say "ro" of the super block, 6.x ext4 "emergency_ro"
        assert not entry.read_only()
        assert {"ro", "emergency_ro"} & set(entry.superopts.split(","))
        for values_ in (v, probe):
            r = run("monitor", values_)
            assert r.returncode == 100, r.stdout
            assert f"{mp} is mounted read-only, but MountOpt asks for read-write" in r.stdout
        assert run("offline", v).returncode == 0
        assert mounted_at(str(mp)) == []

        assert run("online", v).returncode == 0  # the error stays recorded: mount again
        subprocess.run(["mount", "-o", "remount,ro", str(mp)], check=True, timeout=30)
        (entry,) = mounted_at(str(mp))
        assert entry.read_only()
        assert run("monitor", probe).returncode == 100
        assert run("clean", v, reason=4).returncode == 0
        assert mounted_at(str(mp)) == []

        ro = values(dev, mp, MountOpt="ro")  # asked for: read-only is its online state
        assert run("online", ro).returncode == 0
        assert run("monitor", dict(ro, SecondLevelMonitor=1)).returncode == 110
        assert run("offline", ro).returncode == 0

    in_private_namespace(body)


def test_offline_unmounts_the_file_system_where_it_is_also_bound(loopdev, real_launcher, tmp_path):
    """A bind mount of a directory of ours elsewhere (outside MountPoint) keeps the file
    system mounted on this system after MountPoint is unmounted: another system mounting
    the volume then writes it twice. Offline unmounts those too, under the same
    ForceUnmount policy, as ClusterLabs' Filesystem does (list_bindmounts); a bind of
    another file system is left alone."""
    dev = loopdev("ext4")
    mp, elsewhere, other = tmp_path / "data", tmp_path / "elsewhere", tmp_path / "other"

    def bind(src, dst):
        dst.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "--bind", str(src), str(dst)], check=True, timeout=30)

    def body():
        run = real_launcher
        (tmp_path / "plain").mkdir()
        bind(tmp_path / "plain", other)  # the root file system's: not ours
        for policy in ("none", "kill"):
            v = values(dev, mp, ForceUnmount=policy)
            assert run("online", v).returncode == 0
            (mp / "logs").mkdir(exist_ok=True)
            bind(mp / "logs", elsewhere)
            user = sleeper(cwd=elsewhere)
            try:
                r = run("offline", v)
                if policy == "none":
                    assert r.returncode == 1, r.stdout
                    assert f"{elsewhere} is busy" in r.stdout
                    assert len(mounted_at(str(elsewhere))) == 1
                    assert len(mounted_at(str(mp))) == 1
                    assert user.poll() is None
                    reap(user)
                    r = run("offline", v)
                assert r.returncode == 0, r.stdout
                assert mounted_at(str(elsewhere)) == [] and mounted_at(str(mp)) == []
                assert len(mounted_at(str(other))) == 1
            finally:
                reap(user)

    in_private_namespace(body)


def test_a_file_system_another_namespace_holds_is_not_offline(loopdev, real_launcher, tmp_path):
    """A mount namespace made while we were mounted (a container's, a service's) keeps a
    copy of the mount that our unmount does not reach (private propagation): the file
    system stays mounted on this system. offline and clean say 1 and monitor 99 until it
    is let go, so VCS does not mount the volume on another system meanwhile."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        run = real_launcher
        assert run("online", v).returncode == 0
        holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sleep", "300"],
            start_new_session=True,
        )
        try:
            time.sleep(0.3)  # its namespace is made
            r = run("offline", v)
            assert r.returncode == 1, r.stdout
            assert f"{dev} is still in use on this system" in r.stdout
            assert mounted_at(str(mp)) == []
            r = run("monitor", v)
            assert r.returncode == 99, r.stdout
            assert f"{dev} is not mounted at {mp} but still in use on this system" in r.stdout
            assert run("clean", v, reason=1).returncode == 1
        finally:
            reap(holder)
        assert run("clean", v, reason=1).returncode == 0
        assert run("monitor", v).returncode == 100

    in_private_namespace(body)


def test_a_device_already_mounted_elsewhere_is_refused(loopdev, real_launcher, tmp_path):
    """The admin's mount of the same ext4 elsewhere is not ours: online does not share its
    file system (offline would then have to take the admin's mount with it, "A file system
    that outlives its unmount"); it refuses and mounts nothing, and the admin's mount stays
    through every entry point."""
    dev = loopdev("ext4")
    mp, theirs = tmp_path / "data", tmp_path / "theirs"
    v = values(dev, mp, ForceUnmount="kill")

    def body():
        theirs.mkdir()
        subprocess.run(["mount", dev, str(theirs)], check=True, timeout=30)
        r = real_launcher("online", v)
        assert r.returncode == 1, r.stdout
        assert f"{dev} is already in use on this system" in r.stdout
        assert mounted_at(str(mp)) == []
        assert real_launcher("monitor", v).returncode == 99
        real_launcher("offline", v)
        real_launcher("clean", v, reason=1)
        assert len(mounted_at(str(theirs))) == 1

    in_private_namespace(body)


@pytest.mark.parametrize("fstype", ["ext4", "tmpfs", "bind"])
def test_a_mount_stacked_over_ours_keeps_offline_and_clean_at_1(loopdev, real_launcher,
                                                                tmp_path, fstype):  # fmt: skip
    """Someone mounts over MountPoint while ours is mounted there: ours is still mounted
    underneath, so offline and clean may not say it is unmounted (DECISIONS.md 2: clean 0
    only when verifiably offline), and the mount over it is not ours to remove: both exit
    1, naming the mount to take away, and leave both mounts as they are; monitor says 99.
    Once the other mount is gone, offline unmounts ours as usual."""
    source = tmp_path / "source"
    source.mkdir()
    dev = {"ext4": loopdev("ext4") if fstype == "ext4" else None, "tmpfs": "vol1",
           "bind": str(source)}[fstype]  # fmt: skip
    mp = tmp_path / "data"
    v = values(dev, mp, fstype, ForceUnmount="kill")

    def body():
        run = real_launcher
        assert run("online", v).returncode == 0
        (mp / "ours").write_text("kept")
        subprocess.run(["mount", "-t", "tmpfs", "over", str(mp)], check=True, timeout=10)
        stack = [e.source for e in mounted_at(str(mp))]
        assert stack[-1] == "over" and len(stack) == 2
        r = run("monitor", v)
        assert r.returncode == 99, r.stdout
        for ep in ("offline", "clean"):
            r = run(ep, v, reason=4)
            assert r.returncode == 1, (ep, r.stdout)
            assert f"{mp} has over (tmpfs) mounted over ours: left alone" in r.stdout, r.stdout
            assert [e.source for e in mounted_at(str(mp))] == stack
        subprocess.run(["umount", str(mp)], check=True, timeout=10)
        assert (mp / "ours").read_text() == "kept"
        assert run("monitor", v).returncode == 110
        assert run("offline", v).returncode == 0
        assert mounted_at(str(mp)) == []

    in_private_namespace(body)


def test_offline_of_a_mount_detached_by_someone_else_waits_for_its_file_system(
    loopdev, real_launcher, tmp_path
):
    """Someone detaches our mount lazily (`umount -l`) while a process still has a file
    open in it: MountPoint shows nothing, but the file system lives on this system and
    is still written ("A file system that outlives its unmount"). offline may not say 0
    before it is gone, whether its own unmount or another's detached it: exit 1, as
    clean; once the file is closed, offline says 0."""
    dev = loopdev("ext4")
    mp = tmp_path / "data"
    v = values(dev, mp)

    def body():
        run = real_launcher
        assert run("online", v).returncode == 0
        held = open(mp / "open-file", "w")
        try:
            subprocess.run(["umount", "-l", str(mp)], check=True, timeout=10)
            assert mounted_at(str(mp)) == []
            assert run("monitor", v).returncode == 99
            r = run("offline", v)
            assert r.returncode == 1, r.stdout
            assert f"{dev} is still in use on this system" in r.stdout
            assert run("clean", v, reason=1).returncode == 1
        finally:
            held.close()
        assert run("offline", v).returncode == 0
        assert run("monitor", v).returncode == 100

    in_private_namespace(body)
