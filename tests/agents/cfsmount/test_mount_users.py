"""How CFSMount offline tells a process that uses the mount from one that does not, on a
stand-in /proc/PID tree (links, fdinfo and maps as the kernel writes them): the selection
rules without root, so each can be broken and seen failing."""

from __future__ import annotations

import os

import pytest

from vxha.agents.drivers.mounts import MountDriver, under

# through an instance, as users() calls it
how = object.__new__(MountDriver)._how
TOP = "/srv/app1/data"
MOUNT_ID = 812
DEV = "fd:07"


def on_mount(path):
    return under(path, TOP) and not under(path, TOP + "/deeper")


@pytest.fixture
def proc(tmp_path):
    """A process directory with nothing on the mount: cwd, root and exe elsewhere."""
    base = tmp_path / "4242"
    (base / "fd").mkdir(parents=True)
    (base / "fdinfo").mkdir()
    for link, target in (("cwd", "/home/u"), ("root", "/"), ("exe", "/usr/bin/sleep")):
        os.symlink(target, base / link)
    (base / "maps").write_text(
        "55d0c000-55d0e000 r--p 00000000 fd:01 131 /usr/bin/sleep\n"
        "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]\n"
    )
    return base


def relink(base, link, target):
    os.unlink(base / link)
    os.symlink(target, base / link)


def open_file(base, fd, target, mnt_id=None):
    os.symlink(target, base / "fd" / str(fd))
    if mnt_id is not None:
        (base / "fdinfo" / str(fd)).write_text(f"pos:\t0\nflags:\t02\nmnt_id:\t{mnt_id}\n")


def test_a_process_elsewhere_does_not_use_the_mount(proc):
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) is None


@pytest.mark.parametrize("link", ["cwd", "root", "exe"])
def test_a_link_into_the_mount_is_a_use(proc, link):
    relink(proc, link, TOP + "/bin/app")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) == link


def test_a_link_into_a_deeper_mount_belongs_to_that_mount(proc):
    relink(proc, "cwd", TOP + "/deeper/logs")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) is None


def test_a_same_prefix_directory_is_not_the_mount(proc):
    relink(proc, "cwd", TOP + "2/logs")  # /srv/app1/data2 is another path
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) is None


def test_a_deleted_file_still_counts(proc):
    relink(proc, "exe", TOP + "/bin/app (deleted)")
    assert how(f"{proc}/", lambda p: on_mount(p.replace(" (deleted)", "")), 1, DEV) == "exe"


def test_an_open_file_of_this_mount_is_a_use(proc):
    open_file(proc, 3, "/etc/hosts", MOUNT_ID + 1)
    open_file(proc, 7, TOP + "/db/log.0", MOUNT_ID)
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) == f"open file {TOP}/db/log.0"


@pytest.mark.parametrize("other", [MOUNT_ID + 5, MOUNT_ID - 5])
def test_an_open_file_of_another_mount_at_the_same_path_is_not(proc, other):
    # the path was this mount's, but fdinfo names another mount (the one it covers)
    open_file(proc, 7, TOP + "/db/log.0", other)
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) is None


def test_an_open_file_without_fdinfo_counts_by_its_path(proc):
    open_file(proc, 9, TOP + "/db/log.0")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) == f"open file {TOP}/db/log.0"


def test_an_fd_that_cannot_be_read_is_skipped_not_the_end(proc):
    # a descriptor closed between the listing and the readlink: here, entries that are
    # not links; the listing order is the directory's, so there are many of them
    for fd in range(20, 40):
        (proc / "fd" / str(fd)).write_text("")
    open_file(proc, 30 + 100, TOP + "/db/log.0", MOUNT_ID)
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) == f"open file {TOP}/db/log.0"


def test_sockets_and_pipes_are_not_paths(proc):
    open_file(proc, 4, "socket:[88123]", MOUNT_ID)
    open_file(proc, 5, "pipe:[88124]", MOUNT_ID)
    # even were a matcher to accept them: only an absolute path is a file on the mount
    assert how(f"{proc}/", lambda p: p.startswith(("socket:", "pipe:")), MOUNT_ID, DEV) is None


def test_a_mapped_file_of_the_mount_device_is_a_use(proc):
    with open(proc / "maps", "a") as f:
        f.write(f"7f00a000-7f00b000 r-xp 00000000 {DEV} 77 {TOP}/lib/libapp.so\n")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) == f"mapped file {TOP}/lib/libapp.so"


def test_a_mapped_file_whose_name_has_spaces_is_a_use(proc):
    with open(proc / "maps", "a") as f:
        f.write(f"7f00a000-7f00b000 r-xp 00000000 {DEV} 77 {TOP}/lib/my app  v2.so\n")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) == f"mapped file {TOP}/lib/my app  v2.so"


@pytest.mark.parametrize("device", ["fd:01", "fd:09", "00:00"])
def test_a_mapped_file_of_another_device_at_the_path_is_not(proc, device):
    with open(proc / "maps", "a") as f:
        f.write(f"7f00a000-7f00b000 r-xp 00000000 {device} 77 {TOP}/lib/libapp.so\n")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) is None


def test_a_mapping_without_a_path_is_not_a_use(proc):
    with open(proc / "maps", "a") as f:
        f.write(f"7f00a000-7f00b000 rw-p 00000000 {DEV} 0\n")
    assert how(f"{proc}/", on_mount, MOUNT_ID, DEV) is None


def test_on_a_local_file_system_the_device_decides(proc, tmp_path):
    here = tmp_path / "on_mount"
    here.mkdir()
    st = os.stat(here)
    relink(proc, "cwd", str(here))
    mine = (os.major(st.st_dev), os.minor(st.st_dev))
    assert how(f"{proc}/", lambda p: p == str(here), 1, DEV, local=mine) == "cwd"
    # the directory the mount covers (entered before it was mounted) is on another device
    for other in ((mine[0], mine[1] + 1), (mine[0] - 1, mine[1])):
        assert how(f"{proc}/", lambda p: p == str(here), 1, DEV, local=other) is None


def test_a_covered_directory_does_not_hide_a_later_link(proc, tmp_path):
    binary = tmp_path / "app"
    binary.write_text("")
    st = os.stat(binary)
    mine = (os.major(st.st_dev), os.minor(st.st_dev))
    relink(proc, "cwd", "/proc")  # on the path, but on another device: the covered directory
    relink(proc, "exe", str(binary))
    assert os.stat("/proc").st_dev != st.st_dev
    assert how(f"{proc}/", lambda p: p in ("/proc", str(binary)), 1, DEV, local=mine) == "exe"


def test_a_gone_process_is_not_a_use(tmp_path):
    assert how(f"{tmp_path}/999999/", lambda p: True, MOUNT_ID, DEV) is None


@pytest.mark.parametrize(
    "path, top, expected",
    [
        ("/a/b", "/a/b", True),
        ("/a/b/c", "/a/b", True),
        ("/a/b/c", "/a/b/", True),
        ("/a/bc", "/a/b", False),
        ("/a", "/a/b", False),
        ("/x", "/", True),
    ],
)
def test_under_is_by_component(path, top, expected):
    assert under(path, top) is expected
    # by value: paths read from /proc are equal strings, never the same objects
    assert under("".join(path), "".join(top)) is expected
