"""Shared storage of a real-node cluster: one loop file system per volume.

Each CFSMount BlockDevice ``/dev/vx/dsk/<dg>/<vol>`` becomes a sparse file under
``RUN_DIR/real/volumes`` with a file system on it, attached to a loop device; every node's
/dev holds a block device node of that loop device at the BlockDevice's path
(noderoot.py), so the CFSMount agent mounts it on each node as CFS would. The kernel
shares one superblock among the mounts of one device, so every node sees the same files
at once, like a cluster file system.

There is no VxFS here: a volume is ext4 (xfs when the resource says xfs), and a CFSMount
whose FSType is vxfs mounts it as ext4 (``local_fstype``; the run's transcript says so).
"""

from __future__ import annotations

import os
import re

from vxha.simulator.realnodes.host import RealNodeError, sh

VOLUME_PATH = re.compile(r"/dev/vx/dsk/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
SIZES = {"ext4": 64 << 20, "xfs": 320 << 20}  # xfs wants 300 MB or more


def local_fstype(fstype: str) -> str:
    """The file system a volume of this FSType gets here."""
    return "xfs" if fstype == "xfs" else "ext4"


def check_volume_path(path: str, resource: str) -> tuple:
    m = VOLUME_PATH.fullmatch(path or "")
    if not m:
        raise RealNodeError(
            f"CFSMount {resource}: BlockDevice {path!r} is not a volume /dev/vx/dsk/<dg>/<vol>"
            " (real-node mode makes shared volumes at those paths only)"
        )
    return m.group(1), m.group(2)


class Volumes:
    def __init__(self, run):
        self.run = run
        self.dir = os.path.join(run.base, "volumes")
        self.devices = {}  # BlockDevice path -> (loop device, major, minor)

    def create(self, wanted: dict) -> None:
        """``wanted``: BlockDevice path -> file system type."""
        for path, fstype in sorted(wanted.items()):
            dg, vol = check_volume_path(path, "")[0:2]
            image = os.path.join(self.dir, dg, vol + ".img")
            os.makedirs(os.path.dirname(image), exist_ok=True)
            self.run.ledger.record("loop", file=image)
            with open(image, "wb") as f:
                f.truncate(SIZES[fstype])
            if fstype == "xfs":
                sh(["mkfs.xfs", "-q", "-f", image], timeout=120)
            else:
                sh(["mkfs.ext4", "-q", "-F", "-L", vol[:16], image], timeout=120)
            dev = sh(["losetup", "--find", "--show", image]).strip()
            st = os.stat(dev)
            self.devices[path] = (dev, os.major(st.st_rdev), os.minor(st.st_rdev))

    def spec(self) -> list:
        """What each node's /dev holds (noderoot.py)."""
        return [{"path": p, "major": d[1], "minor": d[2]} for p, d in sorted(self.devices.items())]
