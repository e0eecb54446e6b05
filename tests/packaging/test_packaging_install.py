"""Install, upgrade and remove the packages in a scratch root (dpkg --root, rpm --root):
nothing left behind, nothing else removed, and a monitor running through the upgrade
never sees half a file. Installing needs root: ``real`` tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import threading
import time

import pytest
from packaging_helpers import require_root, run

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import project_type

pytestmark = pytest.mark.real

# What a node has before vxha: other packages' files in the system directories, and VCS.
FOREIGN = {
    "etc/hostname": "node1\n",
    "opt/other/keep": "x",
    "usr/bin/other": "#!/bin/sh\n",
    "usr/share/man/man1/other.1.gz": "",
    "var/log/syslog": "",
    "opt/VRTSvcs/bin/Script51Agent": "\x7fELF",
    "etc/VRTSvcs/conf/config/main.cf": 'include "types.cf"\n',
    "etc/VRTSvcs/conf/config/types.cf": "",
    "var/VRTSvcs/log/engine_A.log": "2026/01/01 00:00:00 VCS INFO V-16-1-10000 start\n",
}
ADMIN = ("var/lib/dpkg", "var/lib/rpm")


def scratch_root(path, unit_dir=False):
    for rel, text in FOREIGN.items():
        p = path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    if unit_dir:
        # rpm creates a directory it does not own and leaves it on erase: on a node, systemd's
        # package owns this one (dpkg, whose scratch database knows no owner, removes it)
        (path / "usr/lib/systemd/system").mkdir(parents=True)
    d = path / "var/lib/dpkg"
    for sub in ("info", "updates"):
        (d / sub).mkdir(parents=True)
    for f in ("status", "available"):
        (d / f).touch()
    return path


def snapshot(root):
    """{path: kind and content} of the tree, package databases excluded."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir.startswith(ADMIN):
            dirs[:] = []
            continue
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel.startswith(ADMIN):
                continue
            if os.path.islink(p):
                out[rel] = "-> " + os.readlink(p)
            elif os.path.isdir(p):
                out[rel] = "dir"
            else:
                with open(p, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def dpkg(root, *args):
    return run(
        ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", *args],
        timeout=120,
    )


def package_paths(deb):
    proc = run(["dpkg", "-c", deb])
    paths = set()
    for line in proc.stdout.splitlines():
        name = line.split(None, 5)[5].split(" -> ")[0]
        if name != "./":
            paths.add(os.path.normpath(name[2:]))
    return paths


class MonitorLoop:
    """Runs a monitor entry point again and again until stopped; keeps every outcome."""

    def __init__(self, root, node, threads=2):
        decl = project_type("Container")
        argv = build_argv(
            decl, "web_ctr", {"RuntimeName": "web", "Image": "img:1"}, "monitor", aep_timeout=20
        )
        self.cmd = [os.path.join(root, "opt/VRTSvcs/bin/Container/monitor"), *argv]
        self.env = {"PATH": "/usr/bin:/bin", "VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node)}
        self.results = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop) for _ in range(threads)]

    def once(self):
        proc = run(self.cmd, env=self.env, timeout=30)
        return (proc.returncode, proc.stderr, "Traceback" in proc.stdout)

    def _loop(self):
        while not self.stop.is_set():
            self.results.append(self.once())

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def test_deb_install_upgrade_purge(built, built_next, tmp_path):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    node = tmp_path / "node"
    node.mkdir()
    before = snapshot(root)

    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = snapshot(root)
    added = set(installed) - set(before)
    assert added == package_paths(built.deb) - set(before)
    assert {k: installed[k] for k in before} == before  # nothing else touched
    vxha = root / "usr/bin/vxha"
    assert run([vxha, "--version"]).stdout == f"vxha {built.version}\n"

    monitor = root / "opt/VRTSvcs/bin/Container/monitor"
    inode = monitor.stat().st_ino
    loop = MonitorLoop(root, node)
    baseline = loop.once()
    assert baseline[0] in (99, 100, 110) and baseline[1:] == ("", False), baseline
    with loop:
        time.sleep(0.3)
        proc = dpkg(root, "-i", built_next.deb)
        time.sleep(0.3)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(loop.results) >= 4
    bad = [r for r in loop.results if r != baseline]
    assert not bad, f"{len(bad)} of {len(loop.results)} monitors differed: {bad[:3]}"
    assert monitor.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert run([vxha, "--version"]).stdout == f"vxha {built_next.version}\n"
    upgraded = snapshot(root)
    assert set(upgraded) - set(before) == package_paths(built_next.deb) - set(before)

    proc = dpkg(root, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(root) == before


def test_deb_cfsmount_installs_only_without_veritas_cfs(built, tmp_path):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    before = snapshot(root)
    proc = dpkg(root, "-i", built.deb, built.deb_cfs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "opt/VRTSvcs/bin/CFSMount/monitor").is_file()
    assert (root / "etc/VRTSvcs/conf/config/CFSMountTypes.cf").is_file()
    # reinstalling over its own agent is fine
    proc = dpkg(root, "-i", built.deb_cfs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = dpkg(root, "--purge", "vxha-cfsmount", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(root) == before

    # Veritas's CFS: its types file, or its own agent in /opt/VRTSvcs/bin/CFSMount
    # (vxha itself is not needed for the check: --force-depends)
    for rel in ("etc/VRTSvcs/conf/config/CFSTypes.cf", "opt/VRTSvcs/bin/CFSMount/CFSMountAgent"):
        veritas = root / rel
        veritas.parent.mkdir(parents=True, exist_ok=True)
        veritas.write_text("veritas")
        with_veritas = snapshot(root)
        proc = dpkg(root, "-i", built.deb_cfs)
        assert proc.returncode != 0
        assert "Veritas's CFSMount is present" in proc.stderr
        assert snapshot(root) == with_veritas  # nothing of vxha-cfsmount unpacked
        proc = dpkg(root, "--purge", "vxha-cfsmount")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert snapshot(root) == with_veritas
        veritas.unlink()


def rpm(root, *args):
    return run(["rpm", "--root", root, "--dbpath", "/var/lib/rpm", *args], timeout=120)


def test_rpm_install_erase(built, tmp_path):
    require_root("rpm")
    root = scratch_root(tmp_path / "root", unit_dir=True)
    before = snapshot(root)
    assert rpm(root, "--initdb").returncode == 0
    proc = rpm(root, "-i", "--nodeps", "--noscripts", built.rpm, built.rpm_cfs)
    assert proc.returncode == 0, proc.stderr
    listed = set(rpm(root, "-ql", "vxha", "vxha-cfsmount").stdout.split())
    added = {"/" + p for p in set(snapshot(root)) - set(before)}
    assert added == listed - {"/" + p for p in before}
    proc = rpm(root, "-e", "--nodeps", "--noscripts", "vxha-cfsmount", "vxha")
    assert proc.returncode == 0, proc.stderr
    assert snapshot(root) == before


def busybox_root(path):
    """A scratch root where rpm's scriptlets can run (rpm chroots): a static busybox serves
    as /bin/sh and the tools the scripts call."""
    root = scratch_root(path)
    (root / "bin").mkdir()
    shutil.copy(shutil.which("busybox"), root / "bin/busybox")
    for applet in ("sh", "grep", "readlink", "cat"):
        os.symlink("busybox", root / "bin" / applet)
    (root / "var/tmp").mkdir()  # rpm writes its scriptlets there
    assert rpm(root, "--initdb").returncode == 0
    return root


def test_rpm_cfsmount_pre_refuses_with_veritas_cfs(built, tmp_path):
    """The %pre scriptlet runs in the root (rpm chroots): a static busybox serves as /bin/sh."""
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    assert rpm(root, "-i", "--nodeps", built.rpm).returncode == 0
    (root / "etc/VRTSvcs/conf/config/CFSTypes.cf").write_text("veritas")
    proc = rpm(root, "-i", "--nodeps", built.rpm_cfs)
    assert proc.returncode != 0
    assert "Veritas's CFSMount is present" in proc.stderr
    assert not (root / "opt/VRTSvcs/bin/CFSMount").exists()
    (root / "etc/VRTSvcs/conf/config/CFSTypes.cf").unlink()
    proc = rpm(root, "-i", "--nodeps", built.rpm_cfs)
    assert proc.returncode == 0, proc.stderr
    assert (root / "opt/VRTSvcs/bin/CFSMount/monitor").is_file()


# A configuration that uses vxha's types: VCS does not load a configuration whose included
# files are missing (Cluster Server 4.1 User's Guide, "Managing the VCS Configuration File:
# The hacf Utility", Loading a Configuration), and a resource whose agent's entry points are
# gone cannot be monitored. Removing the package then is refused; upgrading is not.
CONFIGURED_MAIN_CF = """include "types.cf"
include "ContainerTypes.cf"

cluster c1 (
    )

system n1 (
    )

group web (
    SystemList = { n1 = 0 }
    )

    Container web_ctr (
        RuntimeName = web
        Image = "img:1"
        )
"""
USES_ONLY_RESOURCES = """include "types.cf"

group web (
    SystemList = { n1 = 0 }
    )

    HostIP web_ip (
        Address = "10.0.0.5"
        )
"""
REFUSED = "vxha: not removed: /etc/VRTSvcs/conf/config/main.cf uses "


def test_deb_remove_refused_while_main_cf_uses_vxha_types(built, built_next, tmp_path):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    before = snapshot(root)
    main_cf = root / "etc/VRTSvcs/conf/config/main.cf"
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for text, used in ((CONFIGURED_MAIN_CF, "Container"), (USES_ONLY_RESOURCES, "HostIP")):
        main_cf.write_text(text)
        configured = snapshot(root)
        for action in ("--remove", "--purge"):
            proc = dpkg(root, action, "vxha")
            assert proc.returncode != 0, action
            assert REFUSED + used in proc.stderr, proc.stderr
            assert snapshot(root) == configured  # agents and types files kept
    # an upgrade replaces the files; it is not a removal
    proc = dpkg(root, "-i", built_next.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert run([root / "usr/bin/vxha", "--version"]).stdout == f"vxha {built_next.version}\n"
    # the configuration no longer uses vxha: removed, the tree as it was (main.cf apart)
    main_cf.write_text(FOREIGN["etc/VRTSvcs/conf/config/main.cf"])
    proc = dpkg(root, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(root) == before
    # install again after the removal: the same files as the first time
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "etc/VRTSvcs/conf/config/ContainerTypes.cf").is_file()


def test_deb_cfsmount_remove_refused_while_main_cf_uses_cfsmount(built, tmp_path):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    proc = dpkg(root, "-i", built.deb, built.deb_cfs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    main_cf = root / "etc/VRTSvcs/conf/config/main.cf"
    main_cf.write_text('include "types.cf"\ninclude "CFSMountTypes.cf"\n')
    proc = dpkg(root, "--purge", "vxha-cfsmount")
    assert proc.returncode != 0
    assert REFUSED + "CFSMount" in proc.stderr, proc.stderr
    assert (root / "etc/VRTSvcs/conf/config/CFSMountTypes.cf").is_file()
    assert (root / "opt/VRTSvcs/bin/CFSMount/monitor").is_file()
    # the documented override
    env = {**os.environ, "VXHA_REMOVE_CONFIGURED": "1"}
    proc = run(
        ["dpkg", f"--root={root}", "--force-script-chrootless", "--purge", "vxha-cfsmount"],
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (root / "opt/VRTSvcs/bin/CFSMount").exists()


def test_rpm_erase_refused_while_main_cf_uses_vxha_types(built, built_next, tmp_path):
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    proc = rpm(root, "-i", "--nodeps", built.rpm)
    assert proc.returncode == 0, proc.stderr
    main_cf = root / "etc/VRTSvcs/conf/config/main.cf"
    main_cf.write_text(CONFIGURED_MAIN_CF)
    configured = snapshot(root)
    proc = rpm(root, "-e", "--nodeps", "vxha")
    assert proc.returncode != 0
    assert REFUSED + "Container" in proc.stderr, proc.stderr
    assert snapshot(root) == configured
    # rpm -U runs the old package's %preun with 1 (a version stays): not a removal
    proc = rpm(root, "-U", "--nodeps", built_next.rpm)
    assert proc.returncode == 0, proc.stderr
    main_cf.write_text(FOREIGN["etc/VRTSvcs/conf/config/main.cf"])
    proc = rpm(root, "-e", "--nodeps", "vxha")
    assert proc.returncode == 0, proc.stderr
    assert not (root / "etc/VRTSvcs/conf/config/ContainerTypes.cf").exists()
    # install again after the removal (the %pre of a first install)
    proc = rpm(root, "-i", "--nodeps", built.rpm)
    assert proc.returncode == 0, proc.stderr
    assert (root / "etc/VRTSvcs/conf/config/ContainerTypes.cf").is_file()


# What a node may hold before vxha that is not vxha's: another package's agent where vxha's
# would go, an agent directory at the other place VCS looks (Agent Developer's Guide 9.0,
# "Installing the custom agent": the type's directory at one of /opt/VRTSvcs/bin/<type>,
# /opt/VRTSagents/ha/bin/<type> or AgentDirectory, "only one of these locations"), or an
# admin's own types file of the same name. The package installs over none of them.
NOT_VXHAS = {
    "opt/VRTSvcs/bin/HostIP/monitor": (
        "#!/bin/sh\n# another package's HostIP agent\n",
        "vxha: not installed: /opt/VRTSvcs/bin/HostIP holds another package's agent",
    ),
    "opt/VRTSagents/ha/bin/Container/online": (
        "#!/bin/sh\n",
        "vxha: not installed: /opt/VRTSagents/ha/bin/Container exists, and VCS takes a type's "
        "agent from one place only",
    ),
    "etc/VRTSvcs/conf/config/PortForwardTypes.cf": (
        "type PortForward (\n)\n",
        "vxha: not installed: /etc/VRTSvcs/conf/config/PortForwardTypes.cf exists and is not "
        "vxha's",
    ),
}


@pytest.mark.parametrize("rel", sorted(NOT_VXHAS))
def test_deb_never_installs_over_files_not_vxhas(built, tmp_path, rel):
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    text, message = NOT_VXHAS[rel]
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    before = snapshot(root)
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
    assert snapshot(root) == before  # nothing unpacked, nothing replaced
    status = run(["dpkg", f"--root={root}", "-s", "vxha"]).stdout
    assert "\nStatus: install ok not-installed\n" in status, status


def test_rpm_never_installs_over_a_types_file_not_vxhas(built, tmp_path):
    require_root("rpm", "busybox")
    root = busybox_root(tmp_path / "root")
    types = root / "etc/VRTSvcs/conf/config/PortForwardTypes.cf"
    types.write_text("type PortForward (\n)\n")
    before = snapshot(root)
    proc = rpm(root, "-i", "--nodeps", built.rpm)
    assert proc.returncode != 0
    assert NOT_VXHAS["etc/VRTSvcs/conf/config/PortForwardTypes.cf"][1] in proc.stderr
    assert snapshot(root) == before


def test_deb_install_twice_and_again_after_remove(built, tmp_path):
    """Idempotence: the same version twice, and again over the conffiles a removal kept
    (dpkg -r), and over the vxha-rendered types file of a manual install."""
    require_root("dpkg")
    root = scratch_root(tmp_path / "root")
    for _ in range(2):
        proc = dpkg(root, "-i", built.deb)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = snapshot(root)
    proc = dpkg(root, "--remove", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "etc/VRTSvcs/conf/config/ContainerTypes.cf").is_file()  # conffile kept
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(root) == installed
    proc = dpkg(root, "--purge", "vxha")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # a manual install's files: launchers of vxha install-agents, types from the catalog
    from vxha.vcs_types.catalog import render_all

    proc = run([os.path.join(os.path.dirname(sys.executable), "vxha"), "install-agents",
                "--root", root, "--types", "Container,HostIP,PortForward"])  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for path, text in render_all("/").items():
        if path.name != "CFSMountTypes.cf":
            (root / "etc/VRTSvcs/conf/config" / path.name).write_text(text)
    proc = dpkg(root, "-i", built.deb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "generated by packaging/build.py" in (
        root / "opt/VRTSvcs/bin/HostIP/monitor").read_text()  # fmt: skip


def test_rpm_leaves_vcs_directories_as_they_are(built, tmp_path):
    """VCS's own directories (/etc/VRTSvcs/conf/config...) belong to VCS's packages: the
    rpm neither owns nor changes them."""
    require_root("rpm")
    root = scratch_root(tmp_path / "root", unit_dir=True)
    config = root / "etc/VRTSvcs/conf/config"
    config.chmod(0o750)
    assert rpm(root, "--initdb").returncode == 0
    proc = rpm(root, "-i", "--nodeps", "--noscripts", built.rpm)
    assert proc.returncode == 0, proc.stderr
    assert config.stat().st_mode & 0o7777 == 0o750
    owned = set(rpm(root, "-ql", "vxha").stdout.split())
    assert not owned & {"/etc/VRTSvcs/conf/config", "/opt/VRTSvcs/bin", "/var/VRTSvcs/log"}
