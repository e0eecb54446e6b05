"""The .deb on nodes as admins really set them up. Scratch roots with dpkg --root.
Installing needs root: ``real`` tests.

The rules (docs/packaging.md, Upgrading and Uninstalling): installing, upgrading,
downgrading and removing vxha change what vxha installed and nothing else; VCS's
directories stay as they were, a directory an admin moved to another disk and replaced by
a symbolic link included."""

from __future__ import annotations

import os

import pytest
from packaging_helpers import require_root, run
from test_packaging_install import busybox_root, dpkg, rpm, scratch_root, snapshot

pytestmark = pytest.mark.real

# VCS's directories an admin may move to another disk, leaving a link where VCS looks for
# them (relative: dpkg --root resolves an absolute one on the host).
MOVED = {
    "opt/VRTSvcs/bin": "../../disk2/vcs-bin",
    "var/VRTSvcs/log": "../../disk2/vcs-log",
}
# The conffiles' directory, holding main.cf: dpkg removes it once more after "postrm purge"
# (nothing of the package runs then), so the purge names the link to put back.
CONF = {"etc/VRTSvcs/conf/config": "../../../disk2/vcs-conf"}


def move_to_another_disk(root, moved=MOVED):
    for rel, target in moved.items():
        link = root / rel
        moved = root / "disk2" / os.path.basename(target)
        moved.mkdir(parents=True)
        for child in link.iterdir():  # VCS's files move with it
            os.rename(child, moved / child.name)
        link.rmdir()
        link.symlink_to(target)


@pytest.mark.parametrize("steps", [("--remove",), ("--purge",), ("--remove", "--purge")])
def test_deb_keeps_vcs_directories_linked_to_another_disk(built, built_next, tmp_path, steps):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    move_to_another_disk(root, {**MOVED, **CONF})
    before = snapshot(root)
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "disk2/vcs-bin/Container/monitor").is_file()  # through the link
    for rel, target in MOVED.items():
        assert os.readlink(root / rel) == target
    proc = dpkg(root, "-i", built_next.deb)  # an upgrade keeps them too
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for rel, target in MOVED.items():
        assert os.readlink(root / rel) == target
    for action in steps:
        proc = dpkg(root, action, "vxha")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    if "--purge" in steps:
        said = (
            "vxha: dpkg removes the link /etc/VRTSvcs/conf/config -> ../../../disk2/vcs-conf once"
            " this purge ends: put it back with: ln -s '../../../disk2/vcs-conf' "
            "/etc/VRTSvcs/conf/config"
        )
        assert said in proc.stderr, proc.stderr
        assert not (root / "etc/VRTSvcs").exists()
        (root / "etc/VRTSvcs/conf").mkdir(parents=True)
        os.symlink("../../../disk2/vcs-conf", root / "etc/VRTSvcs/conf/config")  # as said
    after = snapshot(root)
    if steps == ("--remove",):  # the conffiles and the record of the links stay till the purge
        assert (root / "var/lib/vxha/links").is_file()
        after = {
            k: v for k, v in after.items()
            if not k.endswith("Types.cf") and not k.startswith("var/lib/vxha")
        }  # fmt: skip
    assert after == before


def test_deb_downgrade(built, built_next, tmp_path):
    """dpkg -i of an older version over a newer one leaves the older one's files exactly
    as a fresh install of it does, and its purge leaves the node as before."""
    require_root("dpkg")
    fresh = scratch_root(tmp_path / "fresh")
    assert dpkg(fresh, "-i", built.deb).returncode == 0
    root = scratch_root(tmp_path / "root")
    before = snapshot(root)
    for deb in (built_next.deb, built.deb):
        proc = dpkg(root, "-i", deb)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert run([root / "usr/bin/vxha", "--version"]).stdout == f"vxha {built.version}\n"
    assert snapshot(root) == snapshot(fresh)
    proc = dpkg(root, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(root) == before


# Where the package has a directory, a node may have an admin's file or a link to one (VCS's
# bin is on admins' PATH): dpkg would replace it by the directory, silently.
NOT_DIRECTORIES = {
    "opt/VRTSvcs/bin/Container": ("file", "an admin's notes\n"),
    "opt/VRTSvcs/bin/vxha": ("link", "../../../usr/local/bin/vxha"),
}


@pytest.mark.parametrize("rel", sorted(NOT_DIRECTORIES))
def test_deb_never_replaces_a_file_where_it_has_a_directory(built, tmp_path, rel):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    kind, what = NOT_DIRECTORIES[rel]
    path = root / rel
    if kind == "link":
        target = path.parent / what
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("#!/bin/sh\n")
        path.symlink_to(what)
    else:
        path.write_text(what)
    before = snapshot(root)
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode != 0
    assert f"vxha: not installed: /{rel} exists and is not a directory" in proc.stderr
    assert snapshot(root) == before


def test_deb_install_after_remove_drops_the_record_of_links(built, tmp_path):
    """The record of the links a removal kept is vxha's until the package is back."""
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    move_to_another_disk(root)
    for action in ("-i", "--remove"):
        proc = dpkg(root, action, built.deb if action == "-i" else "vxha")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "var/lib/vxha/links").is_file()
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (root / "var/lib/vxha").exists()
    for rel, target in MOVED.items():
        assert os.readlink(root / rel) == target


def test_deb_keeps_an_admins_file_in_an_agent_directory(built, built_next, tmp_path):
    """A file the package did not install, in one of its agent directories, stays through an
    upgrade and a purge, and the directory with it; an edited launcher is the package's and
    is replaced by an upgrade (docs/packaging.md, Uninstalling)."""
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    assert dpkg(root, "-i", built.deb).returncode == 0
    agent_dir = root / "opt/VRTSvcs/bin/Container"
    (agent_dir / "site-notes").write_text("an admin's notes\n")
    monitor = agent_dir / "monitor"
    shipped = monitor.read_text()
    monitor.write_text(shipped + "# an admin's edit\n")
    assert dpkg(root, "-i", built_next.deb).returncode == 0
    assert "an admin's edit" not in monitor.read_text()
    proc = dpkg(root, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in agent_dir.iterdir()) == ["site-notes"]
    assert (agent_dir / "site-notes").read_text() == "an admin's notes\n"


def test_rpm_never_replaces_a_file_where_it_has_a_directory(built, tmp_path):
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    path = root / "opt/VRTSvcs/bin/Container"
    path.write_text("an admin's notes\n")
    before = snapshot(root)
    proc = rpm(root, "-i", "--nodeps", built.rpm)
    assert proc.returncode != 0
    assert "vxha: not installed: /opt/VRTSvcs/bin/Container exists and is not a directory" in (
        proc.stderr
    )
    assert snapshot(root) == before
