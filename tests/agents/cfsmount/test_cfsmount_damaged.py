"""File systems that need a check (docs/cfsmount.md, "online": no file system check
before mounting): the kernel's word decides, and the contract's codes follow."""

from __future__ import annotations

import subprocess

import pytest
from cfsmount_helpers import in_private_namespace, mounted_at
from realtier import require_real

pytestmark = pytest.mark.real


def _values(dev, mp, fstype):
    return {"MountPoint": str(mp), "BlockDevice": dev, "FSType": fstype}


def test_an_ext4_with_errors_recorded_is_mounted(loopdev, real_launcher, tmp_path):
    require_real("debugfs")
    dev = loopdev("ext4")
    subprocess.run(["debugfs", "-w", "-R", "ssv state 2", dev],
                   check=True, capture_output=True, timeout=30)  # fmt: skip
    v = _values(dev, tmp_path / "dirty", "ext4")

    def body():
        r = real_launcher("online", v)
        assert r.returncode == 0, r.stdout
        assert real_launcher("monitor", v).returncode == 110
        assert real_launcher("offline", v).returncode == 0
        assert real_launcher("monitor", v).returncode == 100

    in_private_namespace(body)


def test_a_damaged_xfs_fails_online_with_the_kernel_s_words(loopdev, real_launcher, tmp_path):
    require_real("xfs_db")
    dev = loopdev("xfs")
    subprocess.run(["xfs_db", "-x", "-c", "sb 0", "-c", "write -d magicnum 0", dev],
                   check=True, capture_output=True, timeout=30)  # fmt: skip
    mp = tmp_path / "damaged"
    v = _values(dev, mp, "xfs")

    def body():
        r = real_launcher("online", v)
        assert r.returncode == 1
        assert f"mounting {dev} on {mp}: mount failed (exit 32): " in r.stdout
        assert "bad superblock" in r.stdout
        assert mounted_at(str(mp)) == []
        assert real_launcher("monitor", v).returncode == 100
        assert real_launcher("clean", v, reason=2).returncode == 0

    in_private_namespace(body)
