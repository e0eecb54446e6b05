"""Unit tier: mountinfo parsing, mount point rules, option and ordering logic."""

from __future__ import annotations

import pytest

from vxha.agents.cfsmount import (
    _depth_order,
    _holding,
    _made_on,
    check_mountpoint,
    mount_options,
)
from vxha.agents.drivers import mounts
from vxha.agents.drivers.mounts import (
    MountEntry,
    escape,
    parse_mountinfo,
    select_lines,
    stable_read,
    under,
    unescape,
)
from vxha.agents.framework import ConfigError

SAMPLE = (
    "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n"
    "40 22 7:0 / /vx/web/data rw,relatime shared:5 - vxfs /dev/vx/dsk/webdg/vol rw,cluster\n"
    "41 40 0:50 / /vx/web/data/sub rw - tmpfs t rw\n"
    "42 22 0:51 / /vx/web/data2 rw - tmpfs t2 rw\n"
    "43 22 0:52 / /vx/with\\040space rw - tmpfs back\\134slash rw\n"
    "44 22 8:1 /exports/x /vx/bound ro,relatime - ext4 /dev/sda1 rw\n"
    "garbage line\n"
)


def test_parse_mountinfo_fields_and_escapes():
    entries = parse_mountinfo(SAMPLE)
    assert [e.id for e in entries] == [22, 40, 41, 42, 43, 44]
    vol = entries[1]
    assert (vol.major, vol.minor, vol.fstype, vol.source) == (7, 0, "vxfs", "/dev/vx/dsk/webdg/vol")
    assert vol.parent == 22 and vol.superopts == "rw,cluster" and not vol.read_only()
    assert entries[4].mountpoint == "/vx/with space" and entries[4].source == "back\\slash"
    assert entries[5].root == "/exports/x" and entries[5].read_only()


def test_select_lines_keeps_only_the_subtree():
    picked = parse_mountinfo(select_lines(SAMPLE, "/vx/web/data"))
    assert [e.id for e in picked] == [40, 41]  # not data2, not the root
    assert [e.id for e in parse_mountinfo(select_lines(SAMPLE, "/vx/with space"))] == [43]


def test_escape_round_trips():
    for path in ["/a b", "/a\\b", "/tab\there", "/nl\nx", "/plain"]:
        assert unescape(escape(path)) == path


def test_under_is_component_wise():
    assert under("/vx/a", "/vx/a") and under("/vx/a/b", "/vx/a")
    assert not under("/vx/ab", "/vx/a") and not under("/vx", "/vx/a")


def test_stable_read_reads_again_while_the_kernel_flags_a_change(monkeypatch):
    reads = iter([(b"torn", True), (b"whole", False), (b"never", False)])
    monkeypatch.setattr(mounts, "_read_once", lambda path: next(reads))
    assert stable_read("/whatever") == "whole"


def test_stable_read_gives_up_changing_after_its_tries(monkeypatch):
    reads = iter([(b"1", True), (b"2", True), (b"3", True)])
    monkeypatch.setattr(mounts, "_read_once", lambda path: next(reads))
    assert stable_read("/whatever", tries=3) == "3"


def test_a_file_that_is_not_a_mount_table_is_read_once(tmp_path):
    f = tmp_path / "table"
    f.write_bytes(b"a b c\n")
    assert mounts._read_once(str(f)) == (b"a b c\n", False)


@pytest.mark.parametrize(
    "mp, text",
    [
        ("", "is empty"),
        ("data", "is not an absolute path"),
        ("/a/../b", "contains '..'"),
        ("/a/./b", "is not normalized"),
        ("/a/", "is not normalized"),
        ("//a", "is not normalized"),
        ("/", "/ itself"),
        ("//", "/ itself"),
        ("/etc", "is a system directory"),
        ("/usr", "is a system directory"),
        ("/run", "is a system directory"),
        ("/etc/app/data", "is a system directory (under /etc)"),
        ("/a\tb", "control characters"),
    ],
)
def test_bad_mount_points(mp, text):
    with pytest.raises(ConfigError) as info:
        check_mountpoint(mp)
    assert info.value.attr == "MountPoint" and text in str(info.value)


@pytest.mark.parametrize("mp", ["/vx/web/data", "/srv/app/data", "/var/lib/app", "/mnt/x"])
def test_good_mount_points(mp):
    check_mountpoint(mp)  # below system directories is fine; the directories themselves not


def test_mount_options():
    assert mount_options("vxfs", "") == "cluster"
    assert mount_options("vxfs", "ro,cluster") == "ro,cluster"
    assert mount_options("vxfs", "ro,,noatime") == "ro,noatime,cluster"
    assert mount_options("ext4", "noatime") == "noatime"
    assert mount_options("xfs", "") == ""


def test_depth_order_unmounts_deepest_and_topmost_first():
    def e(i, mp):
        return MountEntry(i, 1, 0, i, "/", mp, "rw", "tmpfs", "t")

    entries = [e(1, "/m"), e(2, "/m/a"), e(3, "/m/a/b"), e(4, "/m/c"), e(5, "/m/a/b")]
    assert [x.id for x in _depth_order(entries)] == [5, 3, 4, 2, 1]


def test_the_mounts_to_unmount_are_those_made_on_ours_by_parent_id():
    """Not every mount listed below the path: one made on the directory ours covers (its
    parent the file system underneath) is someone else's; a child listed before its
    parent (a moved mount) still counts."""

    def e(i, parent, mp):
        return MountEntry(i, parent, 0, i, "/", mp, "rw", "tmpfs", "t")

    ours = e(40, 22, "/m")
    entries = [e(22, 1, "/"), e(39, 22, "/m/covered"), e(45, 41, "/m/a/moved"), ours,
               e(41, 40, "/m/a"), e(42, 41, "/m/a/b"), e(43, 22, "/m/covered2"),
               e(44, 39, "/m/covered/x")]  # fmt: skip
    assert sorted(x.id for x in _made_on(ours, entries)) == [40, 41, 42, 45]


def test_the_other_mounts_of_our_file_system_go_before_it():
    """ClusterLabs' Filesystem's list_bindmounts: the same device mounted elsewhere (a bind
    of a directory of ours), with what is made on it, goes before MountPoint; not a mount
    of another device, not a mount holding MountPoint itself, and none for a bind
    resource, whose device number is its source's file system."""

    def e(i, parent, dev, mp, fstype="ext4"):
        return MountEntry(i, parent, 7, dev, "/", mp, "rw", fstype, "/dev/loop0")

    ours = e(40, 30, 0, "/vx/srv/data")
    entries = [e(22, 1, 1, "/"), e(30, 22, 0, "/vx"), ours, e(41, 40, 5, "/vx/srv/data/t"),
               e(50, 22, 0, "/srv/logs"), e(51, 50, 6, "/srv/logs/t"),
               e(60, 22, 1, "/srv/plain"), e(70, 22, 0, "/vx/srv/data")]  # fmt: skip
    assert sorted(x.id for x in _holding(ours, entries, "ext4")) == [41, 50, 51]
    order = [x.id for x in _depth_order(_holding(ours, entries, "ext4"))]
    assert order.index(51) < order.index(50)  # what is made on a bind goes before it
    assert [x.id for x in _holding(ours, entries, "bind")] == [41]


def test_only_the_same_device_is_another_mount_of_our_file_system():
    """Devices on either side of ours (lower and higher device numbers) are someone else's
    file systems; a bind resource's FSType read from argv (a string built at run time, not
    the literal) still takes none of them."""

    def e(i, parent, minor, mp, major=8):
        return MountEntry(i, parent, major, minor, "/", mp, "rw", "ext4", "/dev/sdb")

    ours = e(40, 22, 5, "/vx/srv/data")
    entries = [e(22, 1, 1, "/"), ours, e(50, 22, 4, "/srv/lower"), e(51, 22, 6, "/srv/higher"),
               e(52, 22, 5, "/srv/other_major", major=7), e(53, 22, 5, "/srv/bound")]  # fmt: skip
    assert [x.id for x in _holding(ours, entries, "ext4")] == [53]
    assert _holding(ours, entries, "".join(["bi", "nd"])) == []


def test_the_agent_its_parents_and_pid_1_are_never_signalled():
    import os

    from vxha.agents.drivers.fakestate import DriverError
    from vxha.agents.drivers.mounts import MountDriver, _protected_pids
    from vxha.agents.framework import Context

    assert {1, os.getpid(), os.getppid()} <= _protected_pids()
    drv = MountDriver(Context({}))
    for pid in (1, os.getpid(), os.getppid()):
        with pytest.raises(DriverError, match="refusing to signal protected process"):
            drv.signal(pid, 0)


def test_a_file_system_read_only_under_a_read_write_mount():
    """ext4 after errors=remount-ro: the mount's options say rw, the super block's say ro
    (older kernels) or emergency_ro (6.x); only read_only(fs=True) sees it."""
    line = "50 22 7:0 / /vx/data rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,{}\n"
    for flag in ("ro", "emergency_ro"):
        (e,) = parse_mountinfo(line.format(flag))
        assert not e.read_only() and e.read_only(fs=True)
    (e,) = parse_mountinfo(line.format("data=ordered"))
    assert not e.read_only(fs=True)


def test_a_device_whose_use_cannot_be_told_is_an_error_not_free():
    """device_held failing (EACCES, EIO) must not read as "not in use": the entry point
    fails naming BlockDevice (monitor 99, offline and clean 1)."""
    from types import SimpleNamespace

    from vxha.agents.cfsmount import CFSMountAgent
    from vxha.agents.drivers.errors import DriverError
    from vxha.agents.framework import AgentError

    class Drv:
        def device_held(self, source):
            raise DriverError(f"cannot tell whether {source} is in use: Permission denied")

    res = SimpleNamespace(FSType="ext4", BlockDevice="/dev/loop7", ctx=SimpleNamespace(env={}))
    with pytest.raises(AgentError, match="/dev/loop7 is in use: Permission denied"):
        CFSMountAgent._alive(res, Drv())
    res.ctx.env["VXHA_SHARED_DEVICES"] = "1"
    assert CFSMountAgent._alive(res, Drv()) is False
