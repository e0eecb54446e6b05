"""Shared test set-up: the real-component tier and its skip policy.

Tests marked ``real`` need root and the Debian packages of TESTBED.md. Elsewhere they skip
with the reason; when ``CI`` is set, a skipped real test is a failure (DECISIONS.md 8).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def missing_real_requirements(*tools: str) -> str | None:
    """Why real-component tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "real-component tests need root"
    absent = [t for t in tools if shutil.which(t) is None]
    if absent:
        return "missing tools: " + ", ".join(absent) + " (run scripts/setup-testbed.sh)"
    return None


def require_real(*tools: str) -> None:
    """Skip the calling test (or fixture) unless root and every tool is present."""
    why = missing_real_requirements(*tools)
    if why:
        pytest.skip(why)


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
