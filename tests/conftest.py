"""Shared test set-up: the real-component tier and its skip policy.

Tests marked ``real`` need root and the Debian packages of TESTBED.md. Elsewhere they skip
with the reason; when ``CI`` is set, a skipped real test is a failure (DECISIONS.md 8).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from realtier import missing_real_requirements, require_real  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# Tests touch only what they made: `vxha generate` keeps compiled templates under
# $XDG_CACHE_HOME (generators/template_cache.py), so this run has a cache of its own,
# inherited by every command the tests start, and removed at the end.
_CACHE = tempfile.mkdtemp(prefix="vxha-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and item.get_closest_marker("real"):
        report.outcome = "failed"
        report.longrepr = f"real-component test skipped under CI: {report.longrepr}"


@pytest.fixture
def node_dir(tmp_path, monkeypatch):
    """A simulated system's state directory with the fake drivers selected."""
    d = tmp_path / "node"
    d.mkdir()
    monkeypatch.setenv("VXHA_DRIVERS", "fake")
    monkeypatch.setenv("VXHA_NODE_DIR", str(d))
    return d


@pytest.fixture(scope="session")
def regular_install(tmp_path_factory):
    """vxha's agents as a regular install lays them out, launchers included
    (tests/monitor_imports.py)."""
    from monitor_imports import RegularInstall

    types = ["Dummy", "Container", "HostIP", "PortForward", "CFSMount"]
    return RegularInstall(tmp_path_factory.mktemp("regular"), types)
