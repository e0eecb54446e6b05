"""VCS's commands found on PATH but broken: a command that cannot be run, or one that
prints bytes that are not UTF-8 (VCS speaks the node's language), is an error or a
reading like any other, never a traceback (generators/hacli.py)."""

from __future__ import annotations

import os
import subprocess
import sys

VXHA = os.path.join(os.path.dirname(sys.executable), "vxha")
COMMANDS = ("hagrp", "hares", "hasys", "haconf", "hastatus")


def _bin(tmp_path, text: bytes):
    d = tmp_path / "bin"
    d.mkdir()
    for name in COMMANDS:
        p = d / name
        p.write_bytes(text)
        p.chmod(0o755)
    return d


def _status(bindir):
    env = dict(os.environ, PATH=f"{bindir}:/usr/bin:/bin")
    env.pop("VXHA_SIM_SOCKET", None)
    return subprocess.run(
        [VXHA, "status"], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_a_command_that_is_not_a_program_is_an_error_naming_it(tmp_path):
    bindir = _bin(tmp_path, b"\x7fELF\x00not a program")
    proc = _status(bindir)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert f"{bindir}/hagrp cannot be run" in proc.stderr, proc.stderr


def test_output_that_is_not_utf8_is_read_not_a_traceback(tmp_path):
    # Every command answers with a message holding a Latin-1 byte and fails, as a VCS
    # speaking another language would when its engine is down.
    script = (
        b"#!/bin/sh\n"
        b"printf 'VCS ERROR V-16-1-10600 Impossible de se connecter \\351\\n' >&2\n"
        b"exit 1\n"
    )
    proc = _status(_bin(tmp_path, script))
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "Impossible de se connecter \N{REPLACEMENT CHARACTER}" in proc.stderr, proc.stderr
