"""Real tier: a mount point path with a symbolic link in it is never followed (a container
that swaps a directory of another server's mount path for a link must not make a volume
land on a host path such as /etc)."""

from __future__ import annotations

import os

import pytest
from cfsmount_helpers import in_private_namespace, mounted_at, require_real

pytestmark = pytest.mark.real


@pytest.mark.parametrize("where", ["leaf", "parent"])
def test_online_refuses_a_mount_point_through_a_symlink(real_launcher, tmp_path, where):
    require_real("mount")
    victim = tmp_path / "etc"
    victim.mkdir()
    (victim / "passwd").write_text("root:x:0:0\n")
    log = tmp_path / "vx" / "a" / "log"
    log.mkdir(parents=True)
    if where == "leaf":
        (log / "b").symlink_to(victim)
        mp = log / "b"
    else:
        (log / "b").symlink_to(tmp_path)
        mp = log / "b" / "etc"
    src = tmp_path / "src"
    src.mkdir()
    v = {"MountPoint": str(mp), "BlockDevice": str(src), "FSType": "bind"}

    def body():
        r = real_launcher("online", v)
        assert r.returncode == 1, r.stdout
        assert "symbolic link" in r.stdout
        assert mounted_at(str(victim)) == [] and mounted_at(str(mp)) == []
        assert sorted(os.listdir(victim)) == ["passwd"]

    in_private_namespace(body)


def test_online_creates_a_missing_mount_point_without_following_links(real_launcher, tmp_path):
    require_real("mount")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "vx").symlink_to(elsewhere)
    src = tmp_path / "src"
    src.mkdir()
    v = {"MountPoint": str(tmp_path / "vx" / "new" / "dir"), "BlockDevice": str(src),
         "FSType": "bind"}  # fmt: skip

    def body():
        r = real_launcher("online", v)
        assert r.returncode == 1, r.stdout
        assert not (elsewhere / "new").exists()

    in_private_namespace(body)


def test_a_real_directory_path_still_mounts(real_launcher, tmp_path):
    require_real("mount")
    src = tmp_path / "src"
    src.mkdir()
    (src / "file").write_text("data\n")
    mp = tmp_path / "vx" / "b" / "data"
    v = {"MountPoint": str(mp), "BlockDevice": str(src), "FSType": "bind"}

    def body():
        r = real_launcher("online", v)
        assert r.returncode == 0, r.stdout
        assert (mp / "file").read_text() == "data\n"
        assert real_launcher("monitor", v).returncode == 110
        assert real_launcher("offline", v).returncode == 0
        assert mounted_at(str(mp)) == []

    in_private_namespace(body)
