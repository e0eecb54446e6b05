"""Removing or purging the packages never breaks a configured cluster, and installing over
one says when VCS reads the new types files. Scratch roots with dpkg --root and rpm --root,
fake ``hatype``/``hares`` for the running engine. Installing needs root: ``real`` tests.

The rules (docs/packaging.md, Uninstalling): the removal check also asks the running engine,
whose configuration may be open and not yet saved, when VCS's commands are there; a command
that fails (VCS down) leaves the decision to main.cf; one that does not answer within
VXHA_VCS_TIMEOUT seconds refuses. A purge keeps a types file main.cf still includes."""

from __future__ import annotations

import os
import stat
import time

import pytest
from packaging_helpers import require_root, run
from test_packaging_install import (
    CONFIGURED_MAIN_CF,
    busybox_root,
    dpkg,
    rpm,
    scratch_root,
    snapshot,
)

pytestmark = pytest.mark.real

CONF = "etc/VRTSvcs/conf/config"
ENGINE_REFUSED = "vxha: not removed: the running VCS configuration has the types"
HUNG = "vxha: not removed: VCS's engine did not answer "

# What VCS's commands answer, by case: (hatype -list, hares -list Type=X) as shell bodies.
TYPES_WITH_CONTAINER = 'printf "Application\\nContainer\\nDiskGroup\\n"'
ENGINE = {
    # hares -add web_ctr Container web in an open configuration: the type and a resource
    "resource": (TYPES_WITH_CONTAINER, 'printf "web_ctr n1\\nweb_ctr n2\\n"'),
    # the type registered (vxha cluster add-types), no resource: "hares -list" fails
    "type only": (TYPES_WITH_CONTAINER, 'echo "VCS WARNING no resource" >&2; exit 1'),
    "other types": ('printf "Application\\nContainerX\\n"', "exit 1"),
    # VCS down: its commands cannot connect to the engine and fail
    "down": ('echo "VCS ERROR V-16-1-10600 Cannot connect to VCS engine" >&2; exit 1', "exit 1"),
    "hatype hangs": ("sleep 60", "exit 1"),
    "hares hangs": (TYPES_WITH_CONTAINER, "sleep 60"),
}


def fake_vcs(bindir, case):
    bindir.mkdir(parents=True, exist_ok=True)
    hatype, hares = ENGINE[case]
    for name, body in (("hatype", hatype), ("hares", hares)):
        path = bindir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)


def env_with(bindir, **extra):
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", **extra}


def node_tools(root, *applets):
    """What every node has and busybox_root lacks: /dev/null, more busybox applets."""
    for applet in applets:
        os.symlink("busybox", root / "bin" / applet)
    (root / "dev").mkdir()
    os.mknod(root / "dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))


def dpkg_env(root, env, *args):
    return run(
        ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", *args],
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    "case, refused",
    [
        ("resource", ENGINE_REFUSED + " Container (resources: web_ctr)."),
        ("type only", ENGINE_REFUSED + " Container."),
        ("other types", None),
        ("down", None),
        ("hatype hangs", HUNG + "'hatype -list' within 2s"),
        ("hares hangs", HUNG + "'hares -list Type=Container' within 2s"),
    ],
)
def test_deb_remove_asks_the_running_engine(built, tmp_path, case, refused):
    require_root("dpkg", "timeout")
    root = scratch_root(tmp_path / "root")
    before = snapshot(root)  # main.cf uses no vxha type: alone, it allows the removal
    assert dpkg(root, "-i", built.deb).returncode == 0
    installed = snapshot(root)
    fake_vcs(tmp_path / "bin", case)
    env = env_with(tmp_path / "bin", VXHA_VCS_TIMEOUT="2")
    start = time.monotonic()
    proc = dpkg_env(root, env, "--purge", "vxha")
    assert time.monotonic() - start < 30  # a hanging command is cut at the timeout
    if refused is None:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert snapshot(root) == before
        return
    assert proc.returncode != 0
    assert refused in proc.stderr, proc.stderr
    assert "VXHA_REMOVE_CONFIGURED=1 removes anyway" in proc.stderr
    assert snapshot(root) == installed  # nothing removed
    # the way out
    proc = dpkg_env(root, {**env, "VXHA_REMOVE_CONFIGURED": "1"}, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(root) == before


def test_deb_remove_refuses_a_bad_timeout(built, tmp_path):
    """A VXHA_VCS_TIMEOUT that is no number of seconds is named, not taken for "VCS down"
    (timeout(1) would fail with 125 and the engine would go unasked)."""
    require_root("dpkg", "timeout")
    root = scratch_root(tmp_path / "root")
    assert dpkg(root, "-i", built.deb).returncode == 0
    fake_vcs(tmp_path / "bin", "resource")
    for bad in ("abc", "0", "1.5s"):
        proc = dpkg_env(root, env_with(tmp_path / "bin", VXHA_VCS_TIMEOUT=bad), "-r", "vxha")
        assert proc.returncode != 0, bad
        assert f"VXHA_VCS_TIMEOUT={bad} is not a number of seconds" in proc.stderr, proc.stderr
    assert (root / "opt/VRTSvcs/bin/Container/monitor").is_file()


def test_deb_remove_without_vcs_commands_reads_main_cf_only(built, tmp_path):
    """No hatype on PATH nor in /opt/VRTSvcs/bin: main.cf alone decides (as before)."""
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    assert dpkg(root, "-i", built.deb).returncode == 0
    proc = dpkg(root, "--remove", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rpm_erase_asks_the_running_engine(built, tmp_path):
    """rpm chroots: VCS's commands found in the root's /opt/VRTSvcs/bin, busybox's timeout
    (which exits 143 on a timeout, coreutils' 124)."""
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    node_tools(root, "timeout", "sleep", "printf")
    assert rpm(root, "-i", "--nodeps", built.rpm).returncode == 0
    vcs_bin = root / "opt/VRTSvcs/bin"
    for case, refused in (("resource", ENGINE_REFUSED), ("hatype hangs", HUNG)):
        fake_vcs(vcs_bin, case)
        proc = run(["rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-e", "--nodeps", "vxha"],
                   env={**os.environ, "VXHA_VCS_TIMEOUT": "2"})  # fmt: skip
        assert proc.returncode != 0, case
        assert refused in proc.stderr, (case, proc.stderr)
        assert (root / "opt/VRTSvcs/bin/Container/monitor").is_file()
    fake_vcs(vcs_bin, "down")
    proc = rpm(root, "-e", "--nodeps", "vxha")
    assert proc.returncode == 0, proc.stderr
    assert not (root / "opt/VRTSvcs/bin/Container").exists()


KEPT = "vxha: kept /etc/VRTSvcs/conf/config/ContainerTypes.cf: main.cf includes it"


@pytest.mark.parametrize("steps", [("--remove", "--purge"), ("--purge",)])
def test_deb_purge_keeps_types_files_main_cf_includes(built, tmp_path, steps):
    """dpkg deletes conffiles on purge before postrm purge, and a purge from the
    config-files state runs no prerm: the types file main.cf includes is put back, with the
    admin's changes; the others go. Removed with the override each time."""
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    assert dpkg(root, "-i", built.deb).returncode == 0
    main_cf = root / CONF / "main.cf"
    main_cf.write_text(CONFIGURED_MAIN_CF)  # includes ContainerTypes.cf
    types_cf = root / CONF / "ContainerTypes.cf"
    edited = types_cf.read_text() + "// an admin's line\n"
    types_cf.write_text(edited)
    env = {**os.environ, "VXHA_REMOVE_CONFIGURED": "1"}
    for action in steps:
        proc = dpkg_env(root, env, action, "vxha")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert types_cf.read_text() == edited
    assert KEPT in proc.stdout, proc.stdout
    assert not (root / CONF / "HostIPTypes.cf").exists()  # not included: purged
    assert not (root / "opt/VRTSvcs/bin/Container").exists()
    assert not (root / "var/lib/vxha").exists()  # the copy dropped
    status = run(["dpkg", f"--root={root}", "-s", "vxha"])
    assert "install ok installed" not in status.stdout
    assert "config-files" not in status.stdout


def test_rpm_erase_keeps_types_files_main_cf_includes(built, tmp_path):
    """rpm has no purge: an erase (let through by the override) deletes the %config files
    at once. The one main.cf includes is put back, with the admin's changes."""
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    node_tools(root, "cp", "mkdir", "rm", "rmdir")
    assert rpm(root, "-i", "--nodeps", built.rpm).returncode == 0
    (root / CONF / "main.cf").write_text(CONFIGURED_MAIN_CF)  # includes ContainerTypes.cf
    types_cf = root / CONF / "ContainerTypes.cf"
    edited = types_cf.read_text() + "// an admin's line\n"
    types_cf.write_text(edited)
    proc = run(["rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-e", "--nodeps", "vxha"],
               env={**os.environ, "VXHA_REMOVE_CONFIGURED": "1"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert types_cf.read_text() == edited
    assert KEPT in proc.stdout, proc.stdout
    assert not (root / CONF / "HostIPTypes.cf").exists()
    assert not (root / "opt/VRTSvcs/bin/Container").exists()
    assert not (root / "var/lib/vxha").exists()
    # without the include, an erase keeps nothing of vxha
    assert rpm(root, "-i", "--nodeps", built.rpm).returncode == 0
    types_cf.unlink()  # (rpm just kept the admin's file as ContainerTypes.cf.rpmnew)
    (root / CONF / "main.cf").write_text('include "types.cf"\n')
    proc = rpm(root, "-e", "--nodeps", "vxha")
    assert proc.returncode == 0, proc.stderr
    assert "vxha: kept" not in proc.stdout
    assert not (root / CONF / "ContainerTypes.cf").exists()
    assert not (root / "var/lib/vxha").exists()


def test_deb_install_after_overridden_remove_drops_the_copies(built, tmp_path):
    """The copies a removal made (postrm remove) go when the package is back: its own types
    files are there again."""
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    assert dpkg(root, "-i", built.deb).returncode == 0
    (root / CONF / "main.cf").write_text(CONFIGURED_MAIN_CF)
    env = {**os.environ, "VXHA_REMOVE_CONFIGURED": "1"}
    assert dpkg_env(root, env, "--remove", "vxha").returncode == 0
    assert (root / "var/lib/vxha/removed-types/ContainerTypes.cf").is_file()
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (root / "var/lib/vxha").exists()


def test_deb_purge_without_include_keeps_nothing(built, tmp_path):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    before = snapshot(root)
    assert dpkg(root, "-i", built.deb).returncode == 0
    assert dpkg(root, "--remove", "vxha").returncode == 0
    proc = dpkg(root, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "vxha: kept" not in proc.stdout
    assert snapshot(root) == before


NEXT_START = (
    "vxha: /etc/VRTSvcs/conf/config/ContainerTypes.cf installed; VCS reads it at its next start."
)


def test_deb_upgrade_says_when_vcs_reads_the_types_file(built, built_next, tmp_path):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0 and "VCS reads it" not in proc.stdout  # main.cf: no include
    (root / CONF / "main.cf").write_text(CONFIGURED_MAIN_CF)
    proc = dpkg(root, "-i", built_next.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert NEXT_START in proc.stdout, proc.stdout
    assert "'vxha cluster add-types'" in proc.stdout
    assert "HostIPTypes.cf installed" not in proc.stdout


def test_rpm_upgrade_says_when_vcs_reads_the_types_file(built, built_next, tmp_path):
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    assert rpm(root, "-i", "--nodeps", built.rpm).returncode == 0
    (root / CONF / "main.cf").write_text(CONFIGURED_MAIN_CF)
    proc = rpm(root, "-U", "--nodeps", built_next.rpm)
    assert proc.returncode == 0, proc.stderr
    assert NEXT_START in proc.stdout, proc.stdout
