"""The agent log under failure: what a line looks like whatever its text, and what
happens to the file while entry points write at once or logrotate moves it
(docs/framework.md, "Logging")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from realtier import require_real

from vxha.agents.framework import AgentLog, Context

# VCS_REFERENCE.md 8, with the category of agents/messages.py
LINE = re.compile(
    r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d VCS (CRITICAL|ERROR|WARNING|NOTICE|INFO) "
    r"V-16-10000-\d+ Dummy:(?P<res>[^:]+):(?P<ep>\w+):(?P<text>.*)$"
)


def _ctx(node_dir):
    return Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}, inprocess=True)


def _lines(node_dir):
    return (node_dir / "log" / "Dummy_A.log").read_bytes().decode("utf-8").splitlines()


def test_a_message_over_4096_bytes_is_cut_to_4096(node_dir):
    # halog(1M) 7.2: "Maximum size of quoted_string is 4096 bytes; strings longer than
    # 4096 bytes are truncated"; the same limit for the agent log (VCSAgLogConsoleMsg).
    log = AgentLog(_ctx(node_dir), "Dummy", "r", "monitor")
    log.error("\u00e9" * 3000 + "END")  # 6003 bytes; a cut must not split a character
    (line,) = _lines(node_dir)
    text = LINE.match(line)["text"]
    message = f"Dummy:r:monitor:{text}".encode()  # what halog -add is given
    assert 4096 - 1 <= len(message) <= 4096
    assert set(text) == {"\u00e9"}


def test_a_line_break_of_any_kind_never_starts_a_line(node_dir):
    log = AgentLog(_ctx(node_dir), "Dummy", "r", "monitor")
    breaks = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    log.error("a" + "b".join(breaks) + "z\x1b[31mred")
    lines = _lines(node_dir)
    assert len(lines) == 1, lines
    text = LINE.match(lines[0])["text"]
    assert text.startswith("a") and text.endswith("red")
    assert not any(c in text for c in breaks + "\x1b")
    assert "\\x1b[31mred" in text  # a terminal escape is shown, not obeyed
    # each break a space (docs/framework.md, "one line"), not an escape
    assert text == "a" + "b".join(" " * len(breaks)) + "z\\x1b[31mred"


def test_bytes_that_are_not_utf8_are_shown_as_escapes(node_dir):
    # a container name or an engine's error read with surrogateescape (os.fsdecode)
    name = os.fsdecode(b"caf\xe9")
    log = AgentLog(_ctx(node_dir), "Dummy", "r", "monitor")
    log.error(f"container {name} is gone")
    (line,) = _lines(node_dir)
    assert LINE.match(line)["text"] == "container caf\\xe9 is gone"


WRITER = """
import sys
from vxha.agents.framework import AgentLog, Context
ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": sys.argv[1]}, inprocess=True)
log = AgentLog(ctx, "Dummy", sys.argv[2], "monitor")
for n in range(int(sys.argv[3])):
    log.info(f"{n} " + sys.argv[2] * 1000)
"""


def _writers(node_dir, names, count):
    return [
        subprocess.Popen([sys.executable, "-c", WRITER, str(node_dir), name, str(count)])
        for name in names
    ]


def test_entry_points_writing_at_once_never_interleave_lines(node_dir):
    procs = _writers(node_dir, ["a", "b", "c", "d"], 300)
    for p in procs:
        assert p.wait(timeout=60) == 0
    lines = _lines(node_dir)
    assert len(lines) == 4 * 300
    for line in lines:
        m = LINE.match(line)
        assert m, line[:120]
        n, _, body = m["text"].partition(" ")
        assert body == m["res"] * 1000


def test_rotation_while_writing_loses_no_line(node_dir):
    # logrotate's default: rename the file, the next writer creates a new one
    log_dir = node_dir / "log"
    log_dir.mkdir(mode=0o700)
    procs = _writers(node_dir, ["a", "b"], 400)
    rotated = []
    for n in range(5):
        time.sleep(0.05)
        try:
            os.rename(log_dir / "Dummy_A.log", log_dir / f"Dummy_A.log.{n}")
            rotated.append(log_dir / f"Dummy_A.log.{n}")
        except FileNotFoundError:
            pass
    for p in procs:
        assert p.wait(timeout=60) == 0
    files = rotated + [log_dir / "Dummy_A.log"]
    lines = [line for f in files if f.exists() for line in f.read_text().splitlines()]
    assert len(lines) == 2 * 400
    assert all(LINE.match(line) for line in lines)


def test_a_hung_halog_costs_its_timeout_once_not_per_line(node_dir, tmp_path):
    home = tmp_path / "vcs"
    (home / "bin").mkdir(parents=True)
    halog = home / "bin" / "halog"
    halog.write_text("#!/bin/sh\nexec sleep 60\n")
    halog.chmod(0o755)
    ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir), "VCS_HOME": str(home)})
    log = AgentLog(ctx, "Dummy", "r", "monitor")
    log.stdout = False
    log.via_halog = True
    start = time.monotonic()
    for n in range(3):
        log.error(f"line {n}")
    assert time.monotonic() - start < 9  # one halog timeout (5 s), not three
    assert [LINE.match(x)["text"] for x in _lines(node_dir)] == ["line 0", "line 1", "line 2"]


def _halog(tmp_path, code):
    """A halog that records its arguments and exits ``code``; the context's VCS_HOME."""
    home = tmp_path / "vcs"
    (home / "bin").mkdir(parents=True)
    halog = home / "bin" / "halog"
    halog.write_text(f'#!/bin/sh\necho "$@" >>{tmp_path}/halog.calls\nexit {code}\n')
    halog.chmod(0o755)
    return str(home), tmp_path / "halog.calls"


def test_a_halog_that_fails_leaves_the_line_in_the_agent_log(node_dir, tmp_path):
    home, calls = _halog(tmp_path, 1)
    ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir), "VCS_HOME": home})
    log = AgentLog(ctx, "Dummy", "r", "monitor")
    log.stdout = False
    log.via_halog = True
    log.error("not lost")
    assert len(calls.read_text().splitlines()) == 1  # halog was asked, and failed
    assert [LINE.match(x)["text"] for x in _lines(node_dir)] == ["not lost"]


def test_in_process_lines_never_go_through_halog(node_dir, tmp_path):
    """In process (the simulator) there is no engine log to unify with: the agent log."""
    home, calls = _halog(tmp_path, 0)
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir), "VCS_HOME": home}
    log = AgentLog(Context(env, inprocess=True), "Dummy", "r", "monitor")
    log.via_halog = True
    log.error("in the file")
    assert not calls.exists()
    assert [LINE.match(x)["text"] for x in _lines(node_dir)] == ["in the file"]


# -- the log directory missing, not a directory, or on a full file system -------------

FULL_FS = """
import os, subprocess, sys
log_dir = sys.argv[1]
os.makedirs(log_dir, mode=0o700)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "vxha-full", log_dir],
               check=True, timeout=10)
fd = os.open(os.path.join(log_dir, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
try:
    while os.write(fd, b"x" * 4096):
        pass
except OSError:
    pass
os.close(fd)
os.execv(sys.argv[2], sys.argv[2:])
"""


def _launch(agent_root, node_dir, log_dir, fail, on_full=False):
    from vxha.agents.framework import build_argv
    from vxha.vcs_types.catalog import project_type

    argv = build_argv(project_type("Dummy"), "r", {"Fail": fail}, "online")
    launcher = str(agent_root / "opt/VRTSvcs/bin/Dummy/online")
    env = dict(os.environ, VXHA_DRIVERS="fake", VXHA_NODE_DIR=str(node_dir),
               VXHA_LOG_DIR=str(log_dir))  # fmt: skip
    cmd = [launcher, *argv]
    if on_full:
        require_real("unshare")  # root and unshare for a private mount namespace
        cmd = ["unshare", "-m", "--propagation", "private", sys.executable, "-c", FULL_FS,
               str(log_dir), *cmd]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.real
@pytest.mark.parametrize("fail, code", [([], 0), (["online"], 1)])
def test_a_log_on_a_full_file_system_changes_no_outcome(agent_root, node_dir, tmp_path, fail, code):
    proc = _launch(agent_root, node_dir, tmp_path / "full", fail, on_full=True)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (node_dir / "state" / "Dummy.r").exists() == (not fail)


def test_a_missing_log_directory_is_made_private(agent_root, node_dir, tmp_path):
    log_dir = tmp_path / "no" / "such" / "log"
    proc = _launch(agent_root, node_dir, log_dir, ["online"])
    assert proc.returncode == 1
    assert (log_dir.stat().st_mode & 0o777) == 0o700
    (line,) = (log_dir / "Dummy_A.log").read_text().splitlines()
    assert LINE.match(line) and "told to fail" in line


def test_a_log_directory_that_is_a_file_changes_no_outcome(agent_root, node_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = _launch(agent_root, node_dir, blocker / "log", ["online"])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert blocker.read_text() == "not a directory"


def test_a_rotation_between_the_logs_two_opens_loses_no_line(node_dir, monkeypatch):
    # The log is created with O_EXCL, else opened as it is: logrotate may rename it
    # between the two, and the line must then go to the new file.
    import posix

    from vxha.agents import statefile

    log = AgentLog(_ctx(node_dir), "Dummy", "r", "monitor")
    log.info("first")
    real_open = posix.open
    moved = []

    def racing_open(name, flags, *args, **kw):
        if name == "Dummy_A.log" and not flags & posix.O_CREAT and not moved:
            os.rename(node_dir / "log" / "Dummy_A.log", node_dir / "log" / "Dummy_A.log.1")
            moved.append(name)
        return real_open(name, flags, *args, **kw)

    monkeypatch.setattr(statefile.posix, "open", racing_open)
    log.info("second")
    monkeypatch.undo()
    assert moved, "the race was not played: the test proves nothing"
    assert (node_dir / "log" / "Dummy_A.log.1").read_text().count("\n") == 1
    (line,) = _lines(node_dir)
    assert line.endswith(":second")
