"""The packages' contents against the expected layout (dpkg -c, rpm -qlp), and an entry
point run from a .deb extracted into a scratch root (dpkg -x) against the fakes."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest
from packaging_helpers import BUILD, PYTHON, ROOT, need, run

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import EXTRA_TYPES, PROJECT_TYPES, project_type, render_all

PYVER = (
    subprocess.run(
        [PYTHON, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    if os.access(PYTHON, os.X_OK)
    else "3"
)
SITE = f"/opt/vxha/lib/python{PYVER}/site-packages"
WATCH_UNIT = "/usr/lib/systemd/system/vxha-watch.service"
MAIN_TYPES = [t for t in PROJECT_TYPES if t != "CFSMount"]
# System directories: in the .deb's archive, not owned by the .rpm.
BASE_DIRS = {
    "/etc",
    "/opt",
    "/usr",
    "/usr/bin",
    "/usr/share",
    "/usr/share/man",
    "/usr/share/man/man1",
    "/usr/lib",
    "/usr/lib/systemd",
    "/usr/lib/systemd/system",
    "/var",
}
# VCS's directories: in the .deb's archive (dpkg leaves an existing directory as it is), not
# owned by the .rpm (rpm would reset their modes).
VCS_DIRS = {
    "/opt/VRTSvcs",
    "/opt/VRTSvcs/bin",
    "/etc/VRTSvcs",
    "/etc/VRTSvcs/conf",
    "/etc/VRTSvcs/conf/config",
    "/var/VRTSvcs",
    "/var/VRTSvcs/log",
}
OWNED_DIRS = {"/opt/vxha", "/opt/vxha/lib", f"/opt/vxha/lib/python{PYVER}", SITE} | VCS_DIRS


# The entry points each type's agent implements (docs/framework.md); Container's actions
# run an image's lifecycle commands (docs/operations.md).
FOUR = ("online", "offline", "monitor", "clean")
ENTRY_POINTS = {t: FOUR + ("info", "attr_changed") for t in ("HostIP", "PortForward", "CFSMount")}
ENTRY_POINTS["Container"] = FOUR + ("info", "actions/oneoff", "actions/exec")
TRIGGERS = "/opt/VRTSvcs/bin/vxha/triggers"
TRIGGER_NAMES = ("nofailover", "postoffline", "postonline", "resfault")


def agent_entries(types):
    """{path: (kind, mode or link target)} of the agents of these types."""
    out = {}
    for t in types:
        d = f"/opt/VRTSvcs/bin/{t}"
        out[d] = ("dir", "drwxr-xr-x")
        for ep in ENTRY_POINTS[t]:
            out[f"{d}/{ep}"] = ("file", "-rwxr-xr-x")
            if "/" in ep:
                out[f"{d}/{ep.split('/')[0]}"] = ("dir", "drwxr-xr-x")
        out[f"{d}/{t}Agent"] = ("link", "../Script51Agent")
        out[f"/etc/VRTSvcs/conf/config/{t}Types.cf"] = ("file", "-rw-r--r--")
    return out


def expected_main():
    out = {d: ("dir", "drwxr-xr-x") for d in BASE_DIRS | OWNED_DIRS}
    out.update(agent_entries(MAIN_TYPES))
    for d in ("/opt/VRTSvcs/bin/vxha", TRIGGERS):
        out[d] = ("dir", "drwxr-xr-x")
    for t in TRIGGER_NAMES:
        out[f"{TRIGGERS}/{t}"] = ("dir", "drwxr-xr-x")
        out[f"{TRIGGERS}/{t}/T0vxha_notify"] = ("file", "-rwxr-xr-x")
    out["/usr/bin/vxha"] = ("file", "-rwxr-xr-x")
    out["/usr/share/man/man1/vxha.1.gz"] = ("file", "-rw-r--r--")
    out[WATCH_UNIT] = ("file", "-rw-r--r--")
    return out


def expected_cfs():
    out = {d: ("dir", "drwxr-xr-x") for d in ("/etc", "/opt", "/opt/VRTSvcs", "/opt/VRTSvcs/bin")}
    out.update({d: ("dir", "drwxr-xr-x") for d in ("/etc/VRTSvcs", "/etc/VRTSvcs/conf")})
    out["/etc/VRTSvcs/conf/config"] = ("dir", "drwxr-xr-x")
    out.update(agent_entries(["CFSMount"]))
    return out


def deb_listing(deb):
    """{path: (kind, mode or link target, owner)} from dpkg -c."""
    proc = run(["dpkg", "-c", deb])
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        perms, owner, _size, _date, _time, name = line.split(None, 5)
        target = None
        if perms.startswith("l"):
            name, target = name.split(" -> ")
        path = "/" + name[2:].rstrip("/") if name != "./" else "/"
        if path == "/":
            continue
        kind = {"d": "dir", "l": "link"}.get(perms[0], "file")
        out[path] = (kind, target or perms, owner)
    return out


def rpm_listing(rpm):
    """{path: (kind, mode or link target, owner)} from rpm -qlp (with modes)."""
    fmt = "[%{FILENAMES}\t%{FILEMODES:perms}\t%{FILEUSERNAME}/%{FILEGROUPNAME}\t%{FILELINKTOS}\n]"
    proc = run(["rpm", "-qp", "--queryformat", fmt, rpm])
    assert proc.returncode == 0, proc.stderr
    plain = run(["rpm", "-qlp", rpm]).stdout.split()
    out = {}
    for line in proc.stdout.splitlines():
        path, perms, owner, target = line.split("\t")
        kind = {"d": "dir", "l": "link"}.get(perms[0], "file")
        out[path] = (kind, target or perms, owner)
    assert sorted(out) == sorted(plain)
    return out


def outside_site(listing):
    return {p: v[:2] for p, v in listing.items() if not p.startswith(SITE + "/")}


def check_site(listing):
    site = {p[len(SITE) + 1 :] for p in listing if p.startswith(SITE + "/")}
    tag = "cpython-" + PYVER.replace(".", "")
    for module in (
        "vxha/__init__.py",
        "vxha/agents/framework.py",
        f"vxha/agents/__pycache__/framework.{tag}.pyc",
        "vxha/cli/main.py",
        "vxha/vcs_types/ContainerTypes.cf",
        "yaml/__init__.py",
        "jsonschema/__init__.py",
        "jinja2/__init__.py",
        "rpds/__init__.py",
        f"jinja2/__pycache__/__init__.{tag}.pyc",
    ):
        assert module in site, module
    # docker-py is no runtime dependency (docs/container.md, "docker-py")
    assert not any(p.startswith(("docker/", "requests/", "urllib3/")) for p in site)
    # byte-compiled for the target interpreter only; no console scripts of the deps
    pyc = [p for p in site if p.endswith(".pyc")]
    assert pyc and all(f".{tag}." in p for p in pyc)
    assert not any(p.startswith("bin/") for p in site)
    assert all(v[2] in ("root/root",) for v in listing.values())


def test_deb_layout(built):
    listing = deb_listing(built.deb)
    assert outside_site(listing) == expected_main()
    check_site(listing)
    for name in EXTRA_TYPES:  # Dummy is never packaged
        assert f"/opt/VRTSvcs/bin/{name}" not in listing


def test_deb_cfsmount_layout(built):
    listing = deb_listing(built.deb_cfs)
    assert {p: v[:2] for p, v in listing.items()} == expected_cfs()
    assert all(v[2] == "root/root" for v in listing.values())


def test_rpm_layout_matches_the_deb(built):
    listing = rpm_listing(built.rpm)
    main = expected_main()
    # rpm lists the directories the package owns; the system's (/usr/bin...) and VCS's
    # (/opt/VRTSvcs/bin...) it does not
    assert outside_site(listing) == {p: v for p, v in main.items() if p not in BASE_DIRS | VCS_DIRS}
    check_site(listing)
    deb = deb_listing(built.deb)
    assert {p for p, v in listing.items() if v[0] != "dir"} == {
        p for p, v in deb.items() if v[0] != "dir"
    }
    cfs = rpm_listing(built.rpm_cfs)
    assert {p: v[:2] for p, v in cfs.items()} == {
        p: v for p, v in expected_cfs().items() if v[0] != "dir" or "CFSMount" in p
    }


def test_metadata(built):
    fields = run(["dpkg-deb", "-f", built.deb, "Package", "Version", "Depends"]).stdout
    assert fields.split("\n")[:3] == [
        "Package: vxha",
        f"Version: {built.version}-1",
        f"Depends: python{PYVER}"
        + (
            f", python3 (>= {PYVER}), python3 (<< 3.{int(PYVER.split('.')[1]) + 1})"
            if PYTHON.endswith("/python3")
            else ""
        ),
    ]
    # the install and removal checks (packaging/*-check.sh), postinst.sh and postrm.sh, for
    # the package's own types
    for deb, types in ((built.deb, "Container HostIP PortForward"), (built.deb_cfs, "CFSMount")):
        for script in ("preinst", "prerm", "postinst", "postrm"):
            text = run(["dpkg-deb", "--info", deb, script]).stdout
            assert f'\ntypes="{types}"\n' in text, (deb, script)
    conffiles = run(["dpkg-deb", "--info", built.deb, "conffiles"]).stdout.split()
    assert sorted(conffiles) == sorted(f"/etc/VRTSvcs/conf/config/{t}Types.cf" for t in MAIN_TYPES)
    cfs = run(["dpkg-deb", "-f", built.deb_cfs, "Depends"]).stdout.strip()
    assert cfs == f"vxha (= {built.version}-1)"
    assert "preinst" in run(["dpkg-deb", "-I", built.deb_cfs]).stdout

    q = run(["rpm", "-qp", "--queryformat", "%{NAME} %{VERSION} %{RELEASE}", built.rpm]).stdout
    assert q == f"vxha {built.version} 1"
    requires = run(["rpm", "-qp", "--requires", built.rpm]).stdout.splitlines()
    assert PYTHON in requires and f"python(abi) = {PYVER}" in requires
    scripts = run(["rpm", "-qp", "--scripts", built.rpm]).stdout
    assert scripts.startswith("preinstall scriptlet (using /bin/sh):\n")
    assert "\npreuninstall scriptlet (using /bin/sh):\n" in scripts
    assert "\npostinstall scriptlet (using /bin/sh):\n" in scripts
    assert "\npostuninstall scriptlet (using /bin/sh):\n" in scripts
    # %pre, %post, %preun (the check and postrm.sh), %postun (postrm.sh)
    assert scripts.count('\ntypes="Container HostIP PortForward"\n') == 5
    cfs_req = run(["rpm", "-qp", "--requires", built.rpm_cfs]).stdout.splitlines()
    assert f"vxha = {built.version}-1" in cfs_req
    scripts = run(["rpm", "-qp", "--scripts", built.rpm_cfs]).stdout
    assert "preinstall" in scripts and "CFSTypes.cf" in scripts
    assert "preuninstall" in scripts and '\ntypes="CFSMount"\n' in scripts
    assert "VRTScavf" in run(["rpm", "-qp", "--conflicts", built.rpm_cfs]).stdout
    config = run(["rpm", "-qcp", built.rpm]).stdout.split()
    assert sorted(config) == sorted(f"/etc/VRTSvcs/conf/config/{t}Types.cf" for t in MAIN_TYPES)


@pytest.fixture(scope="module")
def extracted(built, tmp_path_factory):
    root = tmp_path_factory.mktemp("extracted")
    for deb in (built.deb, built.deb_cfs):
        proc = run(["dpkg", "-x", deb, root])
        assert proc.returncode == 0, proc.stderr
    return root


def tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_extracted_files_are_what_the_catalog_renders(extracted):
    for path, text in render_all("/").items():
        packaged = extracted / "etc/VRTSvcs/conf/config" / path.name
        assert packaged.read_text() == text
    for t in PROJECT_TYPES:
        for ep in ENTRY_POINTS[t]:
            first = (extracted / f"opt/VRTSvcs/bin/{t}/{ep}").read_text().split("\n", 1)[0]
            assert first == f"#!{PYTHON} -IS"
    page = gzip.decompress((extracted / "usr/share/man/man1/vxha.1.gz").read_bytes()).decode()
    assert page.startswith(".TH VXHA 1") and "add\\-types" in page


def test_bytecode_is_checked_hash_with_installed_paths(extracted):
    """.pyc valid whatever the installed mtimes; tracebacks name the installed files."""
    tag = "cpython-" + PYVER.replace(".", "")
    for rel in ("vxha/agents/__pycache__/framework", "yaml/__pycache__/__init__"):
        pyc = extracted / SITE.lstrip("/") / f"{rel}.{tag}.pyc"
        code = (
            "import marshal, sys; d = open(sys.argv[1], 'rb').read(); "
            "print(int.from_bytes(d[4:8], 'little'), marshal.loads(d[16:]).co_filename)"
        )
        out = run([PYTHON, "-I", "-c", code, pyc]).stdout.split()
        source = rel.replace("__pycache__/", "") + ".py"
        assert out == ["3", f"{SITE}/{source}"]  # 3: hash-based, checked


def test_extracted_command_runs(extracted, built):
    vxha = extracted / "usr/bin/vxha"
    proc = run([vxha, "--version"], env={"PATH": "/usr/bin:/bin"})
    assert (proc.returncode, proc.stdout) == (0, f"vxha {built.version}\n"), proc.stderr
    proc = run([vxha, "--help"], env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and "render-types" in proc.stdout
    proc = run([vxha, "render-types", "--help"], env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and "usage:" in proc.stdout


def test_watch_unit_verifies_and_runs_the_packaged_command(extracted, tmp_path):
    """systemd-analyze verify on the packaged unit, its command and man page bound to the
    extracted tree (verify checks that both exist); the unit is shipped, not enabled."""
    need("systemd-analyze")
    text = (extracted / WATCH_UNIT.lstrip("/")).read_text()
    assert "\nExecStart=/usr/bin/vxha watch\n" in text
    assert "Environment=PATH=/opt/VRTSvcs/bin:" in text  # VCS's ha commands
    settings = [line.split("=")[0] for line in text.splitlines() if not line.startswith("#")]
    assert not {"PrivateTmp", "ProtectSystem", "PrivateMounts"} & set(settings)  # node's mounts
    unit = tmp_path / "vxha-watch.service"
    unit.write_text(text.replace("/usr/bin/vxha", str(extracted / "usr/bin/vxha")))
    # verify also runs man for Documentation=man:vxha(1): the packaged page
    man = {"PATH": "/usr/bin:/bin", "MANPATH": str(extracted / "usr/share/man")}
    proc = run(["systemd-analyze", "verify", str(unit)], timeout=60, env=man)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
    assert not (extracted / "etc/systemd").exists()
    proc = run([extracted / "usr/bin/vxha", "watch", "--help"], env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and "usage: vxha watch" in proc.stdout, proc.stderr


def test_extracted_monitor_runs_against_the_fakes(extracted, tmp_path):
    """The packaged Container monitor, bound to the packaged tree, on the fake drivers."""
    before = tree(extracted)
    node = tmp_path / "node"
    node.mkdir()
    env = {"PATH": "/usr/bin:/bin", "VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node)}
    monitor = extracted / "opt/VRTSvcs/bin/Container/monitor"
    # VCS's argv error path: no resource name -> 99 and a readable log line
    proc = run([monitor], env=env, timeout=30)
    assert proc.returncode == 99, proc.stdout + proc.stderr
    assert proc.stderr == ""
    log = (node / "log" / "Container_A.log").read_text()
    assert " VCS ERROR V-16-10000-" in log and "Container:" in log and ":monitor:" in log
    site = extracted / SITE.lstrip("/")
    if (site / "vxha/agents/drivers/docker_fake.py").exists() and (
        site / "vxha/agents/container.py"
    ).exists():
        argv = build_argv(
            project_type("Container"),
            "web_ctr",
            {"RuntimeName": "web", "Image": "img:1"},
            "monitor",
            aep_timeout=20,
        )
        proc = run([monitor, *argv], env=env, timeout=30)
        assert proc.returncode == 100, proc.stdout + proc.stderr  # no such container: offline
        assert proc.stderr == ""
    # nothing written into the packaged tree (.pyc files come with the package)
    assert tree(extracted) == before


def test_build_refuses_a_missing_interpreter(tmp_path):
    proc = run(
        [sys.executable, BUILD, "--python", "/nonexistent/python3.9", "--dist", tmp_path],
        timeout=60,
    )
    assert proc.returncode == 1
    assert "VXHA_PYTHON=/nonexistent/python3.9 does not exist" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_lock_pins_every_runtime_dependency():
    import re

    text = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    names = {
        re.match(r'\s*"([A-Za-z0-9_.-]+)', d).group(1).lower() for d in deps.split(",") if d.strip()
    }
    lock = (ROOT / "packaging" / "requirements.lock").read_text()
    pinned = {line.split("==")[0].lower() for line in lock.splitlines() if "==" in line}
    assert names <= pinned, names - pinned
