"""pyproject.toml declares its package data the way current setuptools expects, so that
installing vxha (``make demo``, ``make test``) prints no build warnings."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    tomllib = None

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project():
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _data_dirs(package_dir: dict, package: str, patterns):
    """Directories holding package data that setuptools would take for packages."""
    base = ROOT / package_dir[package]
    found = set()
    for pattern in patterns:
        for path in base.glob(pattern):
            if not path.is_file():
                continue
            rel = path.parent.relative_to(base)
            parts = rel.parts
            for i in range(1, len(parts) + 1):
                if all(p.isidentifier() for p in parts[:i]):
                    found.add(".".join((package, *parts[:i])))
    return found


def test_every_directory_of_package_data_is_declared(project):
    setup = project["tool"]["setuptools"]
    packages = set(setup["packages"])
    needed = set()
    for package, patterns in setup["package-data"].items():
        needed |= _data_dirs(setup["package-dir"], package, patterns)
    missing = sorted(needed - packages)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_license_is_an_spdx_string(project):
    assert isinstance(project["project"]["license"], str)
