"""The .deb on nodes as admins really set them up. Scratch roots with dpkg --root.
Installing needs root: ``real`` tests.

The rule (docs/packaging.md, Uninstalling): removing or purging vxha takes away what vxha
installed and nothing else; VCS's directories stay as they were, a directory an admin
moved to another disk and replaced by a symbolic link included."""

from __future__ import annotations

import os

import pytest
from packaging_helpers import require_root
from test_packaging_install import dpkg, scratch_root, snapshot

pytestmark = pytest.mark.real

# VCS's directories an admin may move to another disk, leaving a link where VCS looks for
# them (relative: dpkg --root resolves an absolute one on the host).
MOVED = {
    "opt/VRTSvcs/bin": "../../disk2/vcs-bin",
    "var/VRTSvcs/log": "../../disk2/vcs-log",
}


@pytest.mark.parametrize("action", ["--remove", "--purge"])
def test_deb_keeps_vcs_directories_linked_to_another_disk(built, tmp_path, action):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    for rel, target in MOVED.items():
        link = root / rel
        moved = root / "disk2" / os.path.basename(target)
        moved.mkdir(parents=True)
        for child in (link.parent / link.name).iterdir():  # VCS's files move with it
            os.rename(child, moved / child.name)
        link.rmdir()
        link.symlink_to(target)
    before = snapshot(root)
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "disk2/vcs-bin/Container/monitor").is_file()  # through the link
    for rel, target in MOVED.items():
        assert os.readlink(root / rel) == target
    proc = dpkg(root, action, "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = snapshot(root)
    if action == "--remove":  # dpkg keeps the conffiles until the purge
        after = {k: v for k, v in after.items() if not k.endswith("Types.cf")}
    assert after == before
