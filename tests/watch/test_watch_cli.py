"""``vxha watch`` refusing bad arguments, and without VCS at all: a clear message naming
what was wrong, the exit code, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VXHA = os.path.join(os.path.dirname(sys.executable), "vxha")


def vxha_watch(*argv, env=None):
    return subprocess.run(
        [VXHA, "watch", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "argv, names",
    [
        (["--rate", "0"], ["--rate", "must be more than 0"]),
        (["--debounce", "soon"], ["--debounce", "'soon' is not a number"]),
        (["--attempts", "1.5"], ["--attempts"]),
        (["--engine", "tcp://127.0.0.1:2375"], ["--engine", "unix:///PATH"]),
        (["--log-level", "loud"], ["--log-level"]),
        (["--frobnicate"], ["--frobnicate"]),
    ],
)
def test_bad_arguments_are_named_and_exit_2(argv, names):
    proc = vxha_watch(*argv)
    assert proc.returncode == 2, proc.stderr
    for name in names:
        assert name in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_once_without_vcs_says_so_and_exits_1(tmp_path):
    """No ha* command on PATH: the configuration cannot be read; --once gives up after its
    attempts and exits 1, saving what it saw."""
    env = {"PATH": str(tmp_path), "LANG": "C.UTF-8"}
    state = tmp_path / "state"
    proc = vxha_watch(
        "--once",
        "--system",
        "n1",
        "--no-network",
        "--no-mounts",
        "--no-containers",
        "--attempts",
        "1",
        "--state-dir",
        str(state),
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    assert "reading the configuration failed" in proc.stderr
    assert "not found on PATH" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert (state / "watch.json").is_file()
