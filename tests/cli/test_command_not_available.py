"""A command whose module cannot be imported (a package installed without one of its
parts) is said as not available, exit 2, never a traceback (cli/main.py)."""

from __future__ import annotations

import importlib

from test_no_traceback import run_inprocess


def test_a_command_that_cannot_be_imported_is_not_available(monkeypatch):
    real = importlib.import_module

    def missing(name, *args, **kw):
        if name == "vxha.cli.status_cmd":
            raise ImportError("No module named 'vxha.cli.status_cmd'")
        return real(name, *args, **kw)

    monkeypatch.setattr(importlib, "import_module", missing)
    code, out, err = run_inprocess(["status"])
    assert code == 2 and out == ""
    assert err == (
        "vxha: command 'status' is not available: No module named 'vxha.cli.status_cmd'\n"
    )
