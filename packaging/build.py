#!/usr/bin/env python3
"""Build vxha's Debian and RPM packages into dist/ (``make packages``).

Two packages per format, both at the project's version:

- ``vxha``: the Python package and its runtime dependencies in a private prefix
  (``/opt/vxha/lib/python<X.Y>/site-packages``, byte-compiled for the target interpreter),
  the Container, HostIP and PortForward agents under ``/opt/VRTSvcs/bin/<Type>/``, the
  notification triggers under ``/opt/VRTSvcs/bin/vxha/triggers/<trigger>/``, their
  ``<Type>Types.cf`` in ``/etc/VRTSvcs/conf/config/``, ``/usr/bin/vxha``, its man page,
  the ``vxha-watch`` systemd unit (installed, not enabled) and the log directory
  ``/var/VRTSvcs/log``.
- ``vxha-cfsmount``: vxha's CFSMount agent and ``CFSMountTypes.cf``, for nodes without
  Veritas's cluster file system (DECISIONS.md 6).

Each package's maintainer scripts, the same for dpkg and rpm, are given its types: the
install check (preinst, %pre: packaging/install-check.sh) refuses to install over what is
not vxha's (Veritas's CFSMount, another agent, an agent directory at /opt/VRTSagents/ha/bin,
an admin's types file); the removal check (prerm, %preun: packaging/remove-check.sh) refuses
to remove the agents of types main.cf or the running engine still uses; postinst and %post
(packaging/postinst.sh) say when VCS reads a replaced types file; the Debian postrm
(packaging/postrm.sh) keeps a types file main.cf still includes through a purge.

One build variable chooses the interpreter: ``VXHA_PYTHON`` (default ``/usr/bin/python3``),
the absolute path of the node's python3 (3.9 or newer). It must exist on the build machine
too: the build asks it for its version (which names the private site directory and selects
the dependency wheels) and byte-compiles with it. See docs/packaging.md.

Nothing is fetched at install time: the dependency wheels pinned in
packaging/requirements.lock are downloaded here with pip, once per (lock, interpreter
version), and cached under build/.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LOCK = os.path.join(HERE, "requirements.lock")
INSTALL_CHECK = os.path.join(HERE, "install-check.sh")
REMOVE_CHECK = os.path.join(HERE, "remove-check.sh")
POSTINST = os.path.join(HERE, "postinst.sh")
POSTRM = os.path.join(HERE, "postrm.sh")
KEEP_LINKS = os.path.join(HERE, "keep-links.sh")
SPEC_IN = os.path.join(HERE, "vxha.spec.in")
WATCH_UNIT = os.path.join(HERE, "vxha-watch.service")

DEFAULT_PYTHON = "/usr/bin/python3"
PREFIX = "/opt/vxha"
AGENT_BIN = "/opt/VRTSvcs/bin"
TYPES_DIR = "/etc/VRTSvcs/conf/config"
LOG_DIR = "/var/VRTSvcs/log"
MAN_PAGE = "/usr/share/man/man1/vxha.1.gz"
# RHEL and SLES keep vendor units here; Debian 12 reads it too (merged /usr).
UNIT_DIR = "/usr/lib/systemd/system"
SCRIPT_AGENT = "Script51Agent"
CFS_TYPE = "CFSMount"
# Directories the packages need besides their own trees: created if missing, removed when
# empty on uninstall (rpm and dpkg both leave a directory that another package still uses
# or that holds other files). Only /opt/vxha is vxha's: the others are VCS's, and the rpm
# does not own them, since rpm sets an owned directory's mode and owner even where it
# exists (dpkg leaves an existing directory as it is).
VCS_DIRS = (
    "/opt/VRTSvcs",
    "/opt/VRTSvcs/bin",
    "/etc/VRTSvcs",
    "/etc/VRTSvcs/conf",
    "/etc/VRTSvcs/conf/config",
    "/var/VRTSvcs",
    "/var/VRTSvcs/log",
)
OWNED_PARENTS = (PREFIX,) + VCS_DIRS
# Wheels for the glibc of every target (RHEL 8: 2.28, SLES 15: 2.31, RHEL 9: 2.34).
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64")
DEB_ARCH = "amd64"
RPM_ARCH = "x86_64"
SOURCE_IGNORE = (
    ".git",
    ".venv",
    "build",
    "dist",
    "tests",
    "benchmarks",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "*.pyc",
)

TIMEOUT_SHORT = 60
TIMEOUT_LONG = 600


class BuildError(Exception):
    pass


def log(msg: str) -> None:
    print(f"packaging: {msg}", flush=True)


def run(cmd, timeout=TIMEOUT_SHORT, **kw) -> subprocess.CompletedProcess:
    """Run a command (never through a shell), failing with its output on error."""
    try:
        proc = subprocess.run(  # noqa: S603 - argv lists only
            [str(c) for c in cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kw,
        )
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{cmd[0]} did not finish within {timeout} s: {' '.join(cmd)}") from exc
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} is not installed: {exc}") from exc
    if proc.returncode != 0:
        raise BuildError(
            f"{' '.join(str(c) for c in cmd)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    return proc


# -- configuration ----------------------------------------------------------------------


def project_version(source: str) -> str:
    """vxha.__version__ from the source tree, checked against pyproject.toml."""
    with open(os.path.join(source, "vxha", "__init__.py")) as f:
        m = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    with open(os.path.join(source, "pyproject.toml")) as f:
        p = re.search(r'^version = "([^"]+)"', f.read(), re.M)
    if not m or not p:
        raise BuildError("cannot read the version from vxha/__init__.py and pyproject.toml")
    if m.group(1) != p.group(1):
        raise BuildError(
            f"version mismatch: vxha/__init__.py says {m.group(1)}, pyproject.toml {p.group(1)}"
        )
    if not re.fullmatch(r"[0-9][0-9A-Za-z.+~]*", m.group(1)):
        raise BuildError(f"version {m.group(1)!r} is not usable in a package version")
    return m.group(1)


def interpreter_version(python: str) -> str:
    """'X.Y' of the target interpreter, which must exist here and be 3.9 or newer."""
    if not os.path.isabs(python):
        raise BuildError(f"VXHA_PYTHON must be an absolute path, not {python!r}")
    if not os.access(python, os.X_OK):
        raise BuildError(
            f"VXHA_PYTHON={python} does not exist on this build machine: build on (or in a "
            "container of) the target OS, where the nodes' interpreter is (docs/packaging.md)"
        )
    out = run([python, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    ver = out.stdout.strip()
    major, minor = (int(x) for x in ver.split("."))
    if (major, minor) < (3, 9):
        raise BuildError(f"VXHA_PYTHON={python} is Python {ver}; vxha needs 3.9 or newer")
    return ver


class Config:
    def __init__(self, args):
        self.source = os.path.abspath(args.source)
        self.dist = os.path.abspath(args.dist)
        self.cache = os.path.abspath(args.cache)
        self.python = args.python
        self.release = args.release
        self.formats = [f for f in args.formats.split(",") if f]
        for f in self.formats:
            if f not in ("deb", "rpm"):
                raise BuildError(f"unknown package format {f!r} (deb, rpm)")
        self.version = project_version(self.source)
        self.pyver = interpreter_version(self.python)
        self.site = f"{PREFIX}/lib/python{self.pyver}/site-packages"


# -- the private site directory ---------------------------------------------------------


def deps_site(cfg: Config) -> str:
    """Installed, byte-compiled runtime dependencies, cached per lock and interpreter."""
    with open(LOCK, "rb") as f:
        lock = f.read()
    key = hashlib.sha256(
        lock + f"\n{cfg.pyver}\n{PLATFORMS}\n{cfg.site}\n{cfg.python}".encode()
    ).hexdigest()[:16]
    final = os.path.join(cfg.cache, f"deps-py{cfg.pyver}-{key}")
    if os.path.isdir(final):
        log(f"dependencies: cached {os.path.relpath(final, REPO)}")
        return final
    os.makedirs(cfg.cache, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="deps-", dir=cfg.cache)
    try:
        abi = "cp" + cfg.pyver.replace(".", "")
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        cmd += ["--target", tmp, "--no-deps", "--no-compile", "--only-binary=:all:"]
        cmd += ["--implementation", "cp", "--python-version", cfg.pyver]
        cmd += ["--abi", abi, "--abi", "abi3", "--abi", "none"]
        for p in PLATFORMS:
            cmd += ["--platform", p]
        cmd += ["-r", LOCK]
        log(f"dependencies: pip install for Python {cfg.pyver} ({', '.join(PLATFORMS)})")
        run(cmd, timeout=TIMEOUT_LONG)
        shutil.rmtree(os.path.join(tmp, "bin"), ignore_errors=True)  # console scripts
        compile_tree(cfg, tmp)
        try:
            os.replace(tmp, final)
        except OSError:
            if not os.path.isdir(final):  # else a concurrent build filled it first
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def compile_tree(cfg: Config, directory: str, site: str = "") -> None:
    """Byte-compile with the target interpreter, so nodes never write .pyc files.

    checked-hash pyc files stay valid whatever the installed files' mtimes; the recorded
    source paths are the installed ones.
    """
    run(
        [cfg.python, "-I", "-m", "compileall", "-q", "-j", "0"]
        + ["--invalidation-mode", "checked-hash", "-s", site or directory, "-p", cfg.site]
        + [directory],
        timeout=TIMEOUT_LONG,
    )


def _can_build_wheels_here() -> bool:
    import importlib.util

    find = importlib.util.find_spec
    if find("setuptools") is None:
        return False
    return find("wheel") is not None or find("setuptools.command.bdist_wheel") is not None


def vxha_wheel(cfg: Config, workdir: str) -> str:
    """Build the project's wheel from a clean copy of the source tree."""
    src = os.path.join(workdir, "source")
    shutil.copytree(cfg.source, src, ignore=shutil.ignore_patterns(*SOURCE_IGNORE))
    out = os.path.join(workdir, "wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"]
    cmd += ["--no-deps", "--wheel-dir", out]
    if _can_build_wheels_here():
        cmd.append("--no-build-isolation")  # faster, and nothing fetched
    run(cmd + [src], timeout=TIMEOUT_LONG)
    wheels = [w for w in os.listdir(out) if w.endswith(".whl")]
    if len(wheels) != 1:
        raise BuildError(f"expected one vxha wheel, got {wheels}")
    return os.path.join(out, wheels[0])


def stage_site(cfg: Config, workdir: str, root: str) -> str:
    site = root + cfg.site
    shutil.copytree(deps_site(cfg), site, symlinks=True)
    with zipfile.ZipFile(vxha_wheel(cfg, workdir)) as z:
        z.extractall(site)
    compile_tree(cfg, os.path.join(site, "vxha"), site)
    return site


# Run by the target interpreter as the launchers run it (-IS, the staged site directory
# appended): argv is the staged site, the interpreter, the installed site, the agents' bin.
PROBE = """
import json, sys
staged, python, site, agent_bin = sys.argv[1:5]
sys.path.append(staged)
import vxha
from vxha.agents import install
from vxha.cli.main import usage
from vxha.vcs_types.catalog import PROJECT_TYPES, render_all

def script(path, body, what):
    comment = f"vxha {vxha.__version__}: {what} (generated by packaging/build.py)"
    return install.launcher_script(python, install.NO_SITE, site, body, comment, path)

scripts = {}
for t in PROJECT_TYPES:
    for rel, ep, action in install.launchers(t):
        what = f"{t} {ep}{' ' + action if action else ''} entry point"
        path = f"{agent_bin}/{t}/{rel}"
        scripts[path] = script(path, install.entry_point_body(t, ep, action), what)
cli = "from vxha.cli.main import run\\nrun()\\n"
scripts["/usr/bin/vxha"] = script("/usr/bin/vxha", cli, "command")
triggers = []
for rel, trigger in install.trigger_scripts():
    path = f"/opt/VRTSvcs/{rel}"
    scripts[path] = script(path, install.trigger_body(trigger), f"{trigger} trigger")
    triggers.append(path)
print(json.dumps({"version": vxha.__version__, "scripts": scripts, "types": list(PROJECT_TYPES),
                  "triggers": triggers,
                  "files": {p.name: t for p, t in render_all("/").items()}, "usage": usage(),
                  "file": vxha.__file__}))
"""


def probe(cfg: Config, site: str) -> dict:
    """Ask the staged tree, under the target interpreter, what to install; the launchers'
    text comes from agents/install.py, the code behind ``vxha install-agents``."""
    out = run([cfg.python, "-IS", "-c", PROBE, site, cfg.python, cfg.site, AGENT_BIN]).stdout
    info = json.loads(out)
    if not info["file"].startswith(site):
        raise BuildError(f"the probe imported vxha from {info['file']}, not the staged tree")
    if info["version"] != cfg.version:
        raise BuildError(f"staged vxha is {info['version']}, expected {cfg.version}")
    return info


def write(root: str, path: str, data, mode: int = 0o644) -> None:
    full = root + path
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    os.chmod(full, mode)


def stage_agent(cfg: Config, root: str, info: dict, type_name: str) -> None:
    directory = f"{AGENT_BIN}/{type_name}"
    for path, text in info["scripts"].items():
        if path.startswith(directory + "/"):
            write(root, path, text, 0o755)
    os.symlink(f"../{SCRIPT_AGENT}", f"{root}{directory}/{type_name}Agent")
    name = f"{type_name}Types.cf"
    write(root, f"{TYPES_DIR}/{name}", info["files"][name])


def man_page(cfg: Config, usage: str) -> bytes:
    def esc(s: str) -> str:
        s = s.replace("\\", "\\e").replace("-", "\\-")
        return "\\&" + s if s.startswith((".", "'")) else s

    cmds = []
    for line in usage.splitlines():
        m = re.match(r"  (\S+)\s+(.*)", line)
        if m:
            cmds.append(f".TP\n.B {esc(m.group(1))}\n{esc(m.group(2))}")
    text = "\n".join(
        [
            f'.TH VXHA 1 "" "vxha {cfg.version}" "vxha manual"',
            ".SH NAME",
            "vxha \\- highly available Docker containers under Veritas Cluster Server",
            ".SH SYNOPSIS",
            ".B vxha",
            ".I COMMAND",
            "[\\fIARGS\\fR...]",
            ".br",
            ".B vxha \\-\\-version",
            ".SH DESCRIPTION",
            "Generates and verifies VCS configuration from server profiles, validates",
            "profiles, registers vxha's resource types on a running cluster",
            "(\\fBvxha cluster add\\-types\\fR), and runs the VCS engine simulator.",
            "Each command prints its options with \\fB\\-\\-help\\fR.",
            ".SH COMMANDS",
            *cmds,
            ".SH FILES",
            f".TP\n.I {AGENT_BIN}/<Type>/\nagent entry points (online, offline, monitor, clean, "
            "info, attr_changed; actions/<token>)",
            f".TP\n.I {TYPES_DIR}/<Type>Types.cf\ntype definitions",
            f".TP\n.I {PREFIX}/\nvxha and its Python dependencies",
            f".TP\n.I {LOG_DIR}/<Type>_A.log\nagent logs",
            ".SH ENVIRONMENT",
            ".TP\n.B VXHA_DRIVERS\n\\fBfake\\fR selects the fake drivers (tests, simulator)",
            ".TP\n.B VXHA_NODE_DIR\na simulated system's state directory",
            "",
        ]
    )
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as z:
        z.write(text.encode())
    return buf.getvalue()


def normalize(root: str) -> None:
    """Fixed modes: directories 0755, files 0644 unless executable (then 0755)."""
    for d, _dirs, files in os.walk(root):
        os.chmod(d, 0o755)
        for f in files:
            p = os.path.join(d, f)
            if os.path.islink(p):
                continue
            os.chmod(p, 0o755 if os.stat(p).st_mode & 0o111 else 0o644)


def stage(cfg: Config, workdir: str) -> tuple:
    """Stage both packages' trees; returns (main root, cfsmount root, probe info)."""
    main_root = os.path.join(workdir, "root-vxha")
    cfs_root = os.path.join(workdir, "root-vxha-cfsmount")
    site = stage_site(cfg, workdir, main_root)
    info = probe(cfg, site)
    for t in info["types"]:
        stage_agent(cfg, cfs_root if t == CFS_TYPE else main_root, info, t)
    for path in info["triggers"]:
        write(main_root, path, info["scripts"][path], 0o755)
    write(main_root, "/usr/bin/vxha", info["scripts"]["/usr/bin/vxha"], 0o755)
    write(main_root, MAN_PAGE, man_page(cfg, info["usage"]))
    with open(WATCH_UNIT, "rb") as f:
        write(main_root, UNIT_DIR + "/vxha-watch.service", f.read())
    os.makedirs(main_root + LOG_DIR, exist_ok=True)
    for d in OWNED_PARENTS:
        os.makedirs(main_root + d, exist_ok=True)
    normalize(main_root)
    normalize(cfs_root)
    return main_root, cfs_root, info


# -- package metadata ----------------------------------------------------------------------


def walk(root: str):
    """(path, kind) of everything under root, sorted; kind is 'dir', 'link' or 'file'."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        rel = d[len(root) :] or "/"
        if rel != "/":
            out.append((rel, "dir"))
        for f in sorted(files + [x for x in dirs if os.path.islink(os.path.join(d, x))]):
            p = os.path.join(d, f)
            out.append((os.path.join(rel, f), "link" if os.path.islink(p) else "file"))
    return out


def owned_dirs(root: str, own_all: bool) -> list:
    """Directories a package owns: its whole tree for vxha, its agent dir for cfsmount;
    never VCS's own (VCS_DIRS)."""
    result = []
    for path, kind in walk(root):
        if kind != "dir":
            continue
        if own_all and (path == PREFIX or path.startswith(PREFIX + "/")):
            result.append(path)
        elif path.startswith(AGENT_BIN + "/"):
            result.append(path)
    return result


DESCRIPTION = (
    "Highly available Docker containers under Veritas Cluster Server",
    "VCS agents (Container, HostIP, PortForward) with their type definitions, and the vxha "
    "command, with its Python dependencies in /opt/vxha. Register the types on a running "
    "cluster with 'vxha cluster add-types'.",
)
CFS_DESCRIPTION = (
    "vxha's CFSMount agent for nodes without Veritas's cluster file system",
    "The CFSMount agent and CFSMountTypes.cf of vxha (with FSType, ForceUnmount and "
    "SecondLevelMonitor). Refuses to install where Veritas's CFSMount is present.",
)


def package_dirs(root: str) -> str:
    """The package's directories outside /opt/vxha's tree (@DIRS@ of the scripts)."""
    return " ".join(p for p, k in walk(root) if k == "dir" and not p.startswith(PREFIX + "/"))


def package_script(path: str, types, dirs: str = "") -> str:
    """A package's maintainer script (packaging/*.sh) for its types and directories."""
    with open(path) as f:
        return f.read().replace("@TYPES@", " ".join(types)).replace("@DIRS@", dirs)


def deb_prerm(types, dirs: str) -> str:
    """Debian's prerm: the removal check (in a subshell: its exits end only it), then the
    record of the package's directories that are links on the node
    (packaging/keep-links.sh)."""
    check = package_script(REMOVE_CHECK, types).split("\n", 1)[1]
    keep = package_script(KEEP_LINKS, types, dirs).split("\n", 1)[1]
    return "#!/bin/sh\n(\n" + check + ") || exit 1\n" + keep


def deb_package(cfg: Config, root: str, name: str, control: dict, types: list) -> str:
    files = walk(root)
    dirs = package_dirs(root)  # before DEBIAN/ is made
    os.makedirs(root + "/DEBIAN", exist_ok=True)
    md5 = []
    size = 0
    for path, kind in files:
        if kind == "file":
            with open(root + path, "rb") as f:
                data = f.read()
            size += len(data)
            md5.append(f"{hashlib.md5(data).hexdigest()}  {path[1:]}\n")  # noqa: S324
    conffiles = [p for p, k in files if k == "file" and p.startswith("/etc/")]
    fields = {
        "Package": name,
        "Version": f"{cfg.version}-{cfg.release}",
        "Architecture": DEB_ARCH,
        "Maintainer": "vxha maintainers <root@localhost>",
        "Installed-Size": str(size // 1024 + 1),
        **control,
        "Section": "admin",
        "Priority": "optional",
    }
    text = "".join(f"{k}: {v}\n" for k, v in fields.items())
    write(root, "/DEBIAN/control", text)
    write(root, "/DEBIAN/md5sums", "".join(md5))
    if conffiles:
        write(root, "/DEBIAN/conffiles", "".join(p + "\n" for p in conffiles))
    write(root, "/DEBIAN/preinst", package_script(INSTALL_CHECK, types, dirs), 0o755)
    write(root, "/DEBIAN/prerm", deb_prerm(types, dirs), 0o755)
    write(root, "/DEBIAN/postinst", package_script(POSTINST, types), 0o755)
    write(root, "/DEBIAN/postrm", package_script(POSTRM, types), 0o755)
    out = os.path.join(cfg.dist, f"{name}_{cfg.version}-{cfg.release}_{DEB_ARCH}.deb")
    run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", root, out],
        timeout=TIMEOUT_LONG,
    )
    shutil.rmtree(root + "/DEBIAN")
    return out


def deb_python_depends(cfg: Config) -> str:
    """pythonX.Y ships /usr/bin/pythonX.Y; /usr/bin/python3 comes with python3 of X.Y."""
    deps = [f"python{cfg.pyver}"]
    if os.path.basename(cfg.python) == "python3":
        major, minor = cfg.pyver.split(".")
        deps += [f"python3 (>= {cfg.pyver})", f"python3 (<< {major}.{int(minor) + 1})"]
    return ", ".join(deps)


def build_debs(cfg: Config, main_root: str, cfs_root: str, types: list) -> list:
    py_pkg = deb_python_depends(cfg)
    summary, long = DESCRIPTION
    main = deb_package(
        cfg,
        main_root,
        "vxha",
        {"Depends": py_pkg, "Description": f"{summary}\n {long}"},
        [t for t in types if t != CFS_TYPE],
    )
    summary, long = CFS_DESCRIPTION
    cfs = deb_package(
        cfg,
        cfs_root,
        "vxha-cfsmount",
        {
            "Depends": f"vxha (= {cfg.version}-{cfg.release})",
            "Description": f"{summary}\n {long}",
        },
        [CFS_TYPE],
    )
    return [main, cfs]


def rpm_file_list(root: str, own_all: bool) -> str:
    lines = [f"%dir {d}" for d in owned_dirs(root, own_all)]
    for path, kind in walk(root):
        if kind == "dir":
            continue
        if path.startswith("/etc/"):
            lines.append(f"%config {path}")
        else:
            lines.append(path)
    return "\n".join(lines) + "\n"


def build_rpms(cfg: Config, main_root: str, cfs_root: str, workdir: str, types: list) -> list:
    top = os.path.join(workdir, "rpm")
    stage_all = os.path.join(workdir, "rpm-stage")
    shutil.copytree(main_root, stage_all, symlinks=True)
    shutil.copytree(cfs_root, stage_all, symlinks=True, dirs_exist_ok=True)
    lists = {}
    for name, root, own_all in (("main", main_root, True), ("cfs", cfs_root, False)):
        lists[name] = os.path.join(workdir, f"files-{name}.list")
        with open(lists[name], "w") as f:
            f.write(rpm_file_list(root, own_all))
    with open(SPEC_IN) as f:
        spec = f.read()
    main_types = [t for t in types if t != CFS_TYPE]

    def scriptlet(path, types, root=None):  # without the #! line
        return package_script(path, types, package_dirs(root) if root else "").split("\n", 1)[1]

    subst = {
        "@VERSION@": cfg.version.replace("-", "_"),
        "@RELEASE@": cfg.release,
        "@ARCH@": RPM_ARCH,
        "@PYTHON@": cfg.python,
        "@PYVER@": cfg.pyver,
        "@SUMMARY@": DESCRIPTION[0],
        "@DESCRIPTION@": DESCRIPTION[1],
        "@CFS_SUMMARY@": CFS_DESCRIPTION[0],
        "@CFS_DESCRIPTION@": CFS_DESCRIPTION[1],
        "@STAGE@": stage_all,
        "@FILES_MAIN@": lists["main"],
        "@FILES_CFS@": lists["cfs"],
        "@INSTALL_CHECK_MAIN@": scriptlet(INSTALL_CHECK, main_types, main_root),
        "@INSTALL_CHECK_CFS@": scriptlet(INSTALL_CHECK, [CFS_TYPE], cfs_root),
        "@REMOVE_CHECK_MAIN@": scriptlet(REMOVE_CHECK, main_types),
        "@REMOVE_CHECK_CFS@": scriptlet(REMOVE_CHECK, [CFS_TYPE]),
        "@POSTINST_MAIN@": scriptlet(POSTINST, main_types),
        "@POSTINST_CFS@": scriptlet(POSTINST, [CFS_TYPE]),
        "@POSTRM_MAIN@": scriptlet(POSTRM, main_types),
        "@POSTRM_CFS@": scriptlet(POSTRM, [CFS_TYPE]),
    }
    for k, v in subst.items():
        spec = spec.replace(k, v)
    spec_path = os.path.join(workdir, "vxha.spec")
    with open(spec_path, "w") as f:
        f.write(spec)
    run(
        ["rpmbuild", "-bb", "--nodeps", "--target", RPM_ARCH]
        + ["--define", f"_topdir {top}", "--define", f"_rpmdir {cfg.dist}"]
        + ["--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm"]
        + [spec_path],
        timeout=TIMEOUT_LONG,
    )
    base = f"{cfg.version.replace('-', '_')}-{cfg.release}.{RPM_ARCH}.rpm"
    out = [os.path.join(cfg.dist, f"vxha-{base}"), os.path.join(cfg.dist, f"vxha-cfsmount-{base}")]
    for p in out:
        if not os.path.isfile(p):
            raise BuildError(f"rpmbuild did not produce {p}")
    return out


# -- main ------------------------------------------------------------------------------


def build(cfg: Config) -> list:
    start = time.monotonic()
    os.makedirs(cfg.dist, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="vxha-pkg-")
    try:
        log(f"vxha {cfg.version} for {cfg.python} (Python {cfg.pyver}): {', '.join(cfg.formats)}")
        if "rpm" in cfg.formats and os.path.basename(cfg.python) == "python3":
            log(
                f"warning: on RHEL and SLES {cfg.python} may not be Python {cfg.pyver}: "
                "set VXHA_PYTHON to a versioned path such as /usr/bin/python3.9"
            )
        main_root, cfs_root, info = stage(cfg, workdir)
        outputs = []
        if "deb" in cfg.formats:
            outputs += build_debs(cfg, main_root, cfs_root, info["types"])
        if "rpm" in cfg.formats:
            outputs += build_rpms(cfg, main_root, cfs_root, workdir, info["types"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for p in outputs:
        size = os.path.getsize(p)
        shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
        log(f"built {os.path.relpath(p)} ({shown})")
    log(f"done in {time.monotonic() - start:.1f} s")
    return outputs


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="packaging/build.py",
        description="Build vxha's .deb and .rpm packages (vxha, vxha-cfsmount) into dist/.",
    )
    p.add_argument(
        "--python",
        default=os.environ.get("VXHA_PYTHON") or DEFAULT_PYTHON,
        help="the nodes' interpreter, an absolute path (default: $VXHA_PYTHON or "
        f"{DEFAULT_PYTHON}); it must exist on the build machine too",
    )
    p.add_argument(
        "--formats",
        default=os.environ.get("VXHA_PACKAGE_FORMATS") or "deb,rpm",
        help="comma-separated: deb, rpm (default: %(default)s)",
    )
    p.add_argument("--dist", default=os.path.join(REPO, "dist"), help="output directory")
    p.add_argument(
        "--cache",
        default=os.path.join(REPO, "build", "packaging"),
        help="dependency cache (default: %(default)s)",
    )
    p.add_argument("--source", default=REPO, help="the source tree to package")
    p.add_argument("--release", default="1", help="package release (default: %(default)s)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    try:
        cfg = Config(parse_args(argv))
        build(cfg)
    except BuildError as exc:
        print(f"packaging: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
