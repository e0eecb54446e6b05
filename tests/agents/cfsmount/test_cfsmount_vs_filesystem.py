"""CFSMount in the states ClusterLabs' Filesystem handles (docs/cfsmount.md, "Compared with
Filesystem"), on real loop devices in private mount namespaces; each test is written from
the rule it names."""

from __future__ import annotations

import os
import subprocess

import pytest
from cfsmount_helpers import in_private_namespace, mounted_at

pytestmark = pytest.mark.real


def values(dev, mp, fstype="ext4", **kw):
    v = {"MountPoint": str(mp), "BlockDevice": dev, "FSType": fstype}
    v.update(kw)
    return v


def test_a_read_only_mount_whose_device_is_gone_fails_the_second_level_probe(
    loopdev, real_launcher, tmp_path
):
    """Rule: with SecondLevelMonitor, a mount that cannot serve is 100 (docs/cfsmount.md,
    monitor). A read-only mount is not written to; listing its directory is answered from
    the kernel's caches, so the probe must read the device itself, past the page cache
    (Filesystem's OCF_CHECK_LEVEL 10: dd iflag=direct). The loop device's backing file
    cut to nothing stands for a device that is gone."""
    dev = loopdev("ext4", name="ro.img")
    mp = tmp_path / "ro"
    v = values(dev, mp, MountOpt="ro", SecondLevelMonitor=1, SecondLevelTimeout=5)

    def body():
        assert real_launcher("online", v).returncode == 0
        (entry,) = mounted_at(str(mp))
        assert entry.read_only()
        assert real_launcher("monitor", v).returncode == 110
        os.truncate(tmp_path / "ro.img", 0)
        subprocess.run(["losetup", "--set-capacity", dev], check=True, timeout=30)
        os.listdir(mp)  # still answers from the caches
        r = real_launcher("monitor", v)
        assert r.returncode == 100, r.stdout
        assert f"second-level probe of {mp} failed: {dev} returned no data" in r.stdout
        # without the probe monitor still sees the mount: the probe is what tells
        assert real_launcher("monitor", dict(v, SecondLevelMonitor=0)).returncode == 110
        assert real_launcher("clean", v, reason=4).returncode == 0
        assert mounted_at(str(mp)) == []

    in_private_namespace(body)
