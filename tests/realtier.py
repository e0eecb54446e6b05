"""The real-component tier's requirements: root and the test-bed's tools.

Importable from any test module (pytest puts tests/ on sys.path for tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil

import pytest


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


def info_pairs(out: str) -> dict:
    """An info entry point's stdout, Key=value lines and nothing else (it is ResourceInfo's
    Msg: a log line there fails the split)."""
    return dict(line.split("=", 1) for line in out.splitlines())
