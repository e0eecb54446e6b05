"""A state directory on a full file system: a write that fails leaves nothing behind (a
monitor retries its record every interval, and each leftover would cost an inode of
/run, a tmpfs, until none is left)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from realtier import require_real

pytestmark = pytest.mark.real

# A 64 KiB tmpfs in a mount namespace of its own, a record written, then the device filled.
FULL = r"""
import os, subprocess, sys
from vxha.agents import statefile
from vxha.agents.framework import Context
node = sys.argv[1]
os.makedirs(node)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", node], check=True)
ctx = Context({"VXHA_NODE_DIR": node})
statefile.write(ctx, "Container.web.proc", "1 2 3\n")
fill = os.path.join(node, "fill")
fd = os.open(fill, os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(fd, b"x" * 4096)
except OSError:
    os.close(fd)
"""

BODY = (
    FULL
    + r"""
for _ in range(3):
    try:
        statefile.write(ctx, "Container.web.proc", "4 5 6 " + "y" * 8192 + "\n")
    except OSError as exc:
        print("refused", exc.errno)
print(sorted(os.listdir(ctx.state_dir)))
print(repr(statefile.read(ctx, "Container.web.proc")))
"""
)


def _run(script, tmp_path):
    """``script`` in a mount namespace of its own (its tmpfs goes with it): its lines."""
    require_real("unshare", "mount")
    p = subprocess.run(
        ["unshare", "-m", "--propagation", "private",
         sys.executable, "-c", script, str(tmp_path / "node")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_a_write_on_a_full_device_leaves_nothing_and_keeps_the_old_text(tmp_path):
    assert _run(BODY, tmp_path) == [
        "refused 28",
        "refused 28",
        "refused 28",
        "['Container.web.proc']",
        "'1 2 3\\n'",
    ]


SHORT = (
    FULL
    + r"""
os.truncate(fill, os.path.getsize(fill) - 4096)  # room for one page, not for the text
try:
    statefile.write(ctx, "Container.web.proc", "4 5 6 " + "y" * 8192 + "\n")
except OSError as exc:
    print("refused", exc.errno)
print(sorted(os.listdir(ctx.state_dir)))
print(repr(statefile.read(ctx, "Container.web.proc")))
"""
)


def test_a_write_the_device_takes_only_part_of_keeps_the_old_text(tmp_path):
    assert _run(SHORT, tmp_path) == ["refused 28", "['Container.web.proc']", "'1 2 3\\n'"]
