"""Helpers and fixtures of the packaging tests: the packages built once per session
(packaging/build.py). Imported by name (every conftest is named conftest).

Building needs no root (dpkg-deb, rpmbuild), so those tests are not ``real``: where a tool
is missing they skip, except under CI, where they fail. Installing into a scratch root
with dpkg needs root: those tests are ``real``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from realtier import require_real

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "packaging" / "build.py"
CACHE = ROOT / "build" / "packaging"
PYTHON = os.environ.get("VXHA_PYTHON") or "/usr/bin/python3"
BUILD_TIMEOUT = 600


def need(*tools: str) -> None:
    """Skip without the tools (fail under CI, where the test bed installs them)."""
    absent = [t for t in tools if shutil.which(t) is None]
    if not absent and os.access(PYTHON, os.X_OK):
        return
    why = "missing: " + ", ".join(absent or [PYTHON]) + " (run scripts/setup-testbed.sh)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def require_root(*tools: str) -> None:
    """For ``real`` tests: root and the tools (tests/conftest.py turns the skip into a
    failure under CI)."""
    require_real(*tools)


def run(cmd, timeout=120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw
    )


def version_of(source: Path) -> str:
    text = (source / "vxha" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


class Built:
    def __init__(self, dist: Path, version: str, formats=("deb", "rpm")):
        self.dist = dist
        self.version = version
        v = f"{version}-1"
        self.deb = dist / f"vxha_{v}_amd64.deb"
        self.deb_cfs = dist / f"vxha-cfsmount_{v}_amd64.deb"
        self.rpm = dist / f"vxha-{v}.x86_64.rpm"
        self.rpm_cfs = dist / f"vxha-cfsmount-{v}.x86_64.rpm"
        self.formats = formats


def build(dist: Path, source: Path = ROOT, formats: str = "deb,rpm") -> subprocess.CompletedProcess:
    cmd = [sys.executable, BUILD, "--dist", dist, "--cache", CACHE, "--source", source]
    cmd += ["--formats", formats, "--python", PYTHON]
    proc = run(cmd, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    need("dpkg-deb", "rpmbuild", "rpm")
    dist = tmp_path_factory.mktemp("dist")
    proc = build(dist)
    b = Built(dist, version_of(ROOT))
    b.log = proc.stdout
    for p in (b.deb, b.deb_cfs, b.rpm, b.rpm_cfs):
        assert p.is_file(), f"{p.name} not built:\n{proc.stdout}"
    return b


@pytest.fixture(scope="session")
def built_next(tmp_path_factory) -> Built:
    """The same tree at a higher version (upgrade tests): the vxha packages."""
    need("dpkg-deb", "rpmbuild")
    src = tmp_path_factory.mktemp("source-next")
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "dist", "tests", "__pycache__")
    shutil.copytree(ROOT, src, ignore=ignore, dirs_exist_ok=True)
    old = version_of(ROOT)
    new = old + ".1"
    for rel, pattern in (("vxha/__init__.py", "__version__ = "), ("pyproject.toml", "version = ")):
        path = src / rel
        text = path.read_text()
        assert f'{pattern}"{old}"' in text
        path.write_text(text.replace(f'{pattern}"{old}"', f'{pattern}"{new}"', 1))
    dist = tmp_path_factory.mktemp("dist-next")
    build(dist, src, "deb,rpm")
    return Built(dist, new)
