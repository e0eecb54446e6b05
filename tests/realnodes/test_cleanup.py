"""Nothing of a real-node run stays on the machine: a run killed with SIGKILL leaves its
namespaces, cgroups, engines, loop devices and mounts, and `vxha sim cleanup RUN_DIR`
removes them; the next run removes them by itself; Ctrl-C while the nodes are being built
removes what was made so far. The served simulator answers the ha* shims as in fake mode
(`hagrp -wait` runs in real time)."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time

import pytest
from realnode_helpers import SMALL_CF, leftovers, require_realnodes, run_prefix

from vxha.simulator.shims import install_shims

pytestmark = pytest.mark.real
VXHA = os.path.join(os.path.dirname(sys.executable), "vxha")


@pytest.fixture
def shims(tmp_path):
    bin_dir = tmp_path / "bin"
    install_shims(str(bin_dir))
    return str(bin_dir)


@pytest.fixture
def runs():
    """The runs a test starts; any still going at its end is stopped and removed."""
    started = []
    yield started
    for proc, run_dir in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
        subprocess.run([VXHA, "sim", "cleanup", str(run_dir)], capture_output=True, timeout=120)


def serve(run_dir, runs, shims=None, extra=()):
    """`vxha sim serve --real` started (it prints its socket once the cluster has started);
    with ``shims``, its web group found ONLINE through them. (process, environment)."""
    proc = start(run_dir, runs, extra)
    line = _line(proc, 120)
    assert line.startswith("VXHA_SIM_SOCKET="), line + proc.stderr.read()
    env = dict(os.environ, VXHA_SIM_SOCKET=line.split("=", 1)[1].strip())
    if shims is None:
        return proc, env
    env["PATH"] = shims + os.pathsep + env["PATH"]
    wait = subprocess.run(
        ["hagrp", "-wait", "web", "State", "ONLINE", "-sys", "n1", "-time", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert wait.returncode == 0, wait.stderr
    state = subprocess.run(["hagrp", "-state", "web", "-sys", "n1"], env=env, capture_output=True,
                           text=True, timeout=30)  # fmt: skip
    assert state.stdout.split()[-1] == "|ONLINE|", state.stdout
    return proc, env


def start(run_dir, runs, extra=()):
    proc = subprocess.Popen(
        [VXHA, "sim", "serve", "--real", SMALL_CF, "--run-dir", str(run_dir),
         "--monitor-interval", "3", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    runs.append((proc, run_dir))
    return proc


def _line(proc, seconds):
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(seconds):
        proc.kill()
        raise AssertionError(f"no output within {seconds} s: {proc.stderr.read()}")
    return proc.stdout.readline()


def _killed(proc, run_dir):
    """The run's (prefix, base) after a SIGKILL, checked to have left all it made."""
    run = run_prefix(run_dir)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    left = leftovers(*run)
    for kind in ("netns", "cgroup", "loop device", "mount", "process", "registry entry"):
        assert any(item.startswith(kind) for item in left), (kind, left)
    return run


def test_a_killed_run_is_removed_by_the_next_run_and_by_sim_cleanup(tmp_path, shims, runs):
    require_realnodes("docker")
    first_dir, next_dir = tmp_path / "first", tmp_path / "next"
    proc, _ = serve(first_dir, runs, extra=["--watch"])
    # --watch: each node's watch has its engine's events before the socket is printed, and
    # it is one more process of the node that the next run must remove
    logs = sorted(first_dir.glob("real/nodes/*/watch.log"))
    assert [p.parent.name for p in logs] == ["n1", "n2"], logs
    assert all("events connected" in p.read_text() for p in logs), [p.read_text() for p in logs]
    first = _killed(proc, first_dir)
    proc, env = serve(next_dir, runs, shims)  # began by removing what the killed run left
    assert leftovers(*first) == []
    transcript = subprocess.run([VXHA, "sim", "transcript"], env=env, capture_output=True,
                                text=True, timeout=30).stdout  # fmt: skip
    assert f"what a killed run left in {first_dir}: removed" in transcript
    own = _killed(proc, next_dir)
    done = subprocess.run([VXHA, "sim", "cleanup", str(next_dir)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert leftovers(*own) == []
    again = subprocess.run([VXHA, "sim", "cleanup", str(next_dir)], capture_output=True, text=True,
                           timeout=60)  # fmt: skip
    assert (again.returncode, again.stdout.startswith("vxha sim cleanup: nothing")) == (0, True)


def test_ctrl_c_while_the_nodes_are_built_removes_what_was_made(tmp_path, runs):
    require_realnodes("docker")
    run_dir = tmp_path / "run"
    proc = start(run_dir, runs)
    end = time.monotonic() + 120
    run, left = None, []
    while not any(item.startswith("process") for item in left):  # an engine runs
        assert proc.poll() is None and time.monotonic() < end, (left, proc.stderr.read())
        time.sleep(0.2)
        if run is None and os.path.exists(run_dir / "real" / "ledger.jsonl"):
            try:
                run = run_prefix(run_dir)
            except StopIteration:  # its first line is being written
                pass
        if run is not None:
            left = leftovers(*run)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert leftovers(*run) == []
