"""CFSMount in the states ClusterLabs' Filesystem handles (docs/cfsmount.md, "Compared with
Filesystem"), on real loop devices in private mount namespaces; each test is written from
the rule it names."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from cfsmount_helpers import in_private_namespace, mounted_at

from vxha.agents.drivers.fakestate import DriverError
from vxha.agents.drivers.mounts_fake import FakeMounts
from vxha.agents.framework import Context


def values(dev, mp, fstype="ext4", **kw):
    v = {"MountPoint": str(mp), "BlockDevice": dev, "FSType": fstype}
    v.update(kw)
    return v


@pytest.mark.real
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


def test_the_fake_probes_a_read_only_mount_s_device_too(tmp_path):
    """The fake keeps the real driver's interface (one driver suite for both): its
    read-only probe fails once the volume is gone, and never looks at it for a write."""
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(tmp_path / "node"),
           "VXHA_SHARED_DIR": str(tmp_path / "shared")}  # fmt: skip
    drv = FakeMounts(Context(env))
    source, mp = "/dev/vx/dsk/datadg/vol1", str(tmp_path / "mp")
    drv.create_device(source)
    drv.make_mountpoint(mp)
    drv.mount(source, mp, "vxfs", "ro", 10)
    drv.probe(mp, False, 5, source)
    shutil.rmtree(drv.device_dir(source))
    with pytest.raises(DriverError, match=f"{source} returned no data"):
        drv.probe(mp, False, 5, source)
    drv.probe(mp, False, 5)  # no device named: the listing only
