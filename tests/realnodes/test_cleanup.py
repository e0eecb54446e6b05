"""Nothing of a real-node run stays on the machine: a run killed with SIGKILL leaves its
namespaces, cgroups, engines, loop devices and mounts, and `vxha sim cleanup RUN_DIR`
removes them; the next run removes them by itself; Ctrl-C removes a run's own. The served
simulator answers the ha* shims as in fake mode (`hagrp -wait` runs in real time)."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys

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


def serve(run_dir, shims, runs):
    """`vxha sim serve --real` started, its cluster online; (process, environment)."""
    proc = subprocess.Popen(
        [VXHA, "sim", "serve", "--real", SMALL_CF, "--run-dir", str(run_dir),
         "--monitor-interval", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    runs.append((proc, run_dir))
    line = _line(proc, 120)
    assert line.startswith("VXHA_SIM_SOCKET="), line + proc.stderr.read()
    env = dict(os.environ, VXHA_SIM_SOCKET=line.split("=", 1)[1].strip())
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


def _line(proc, seconds):
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(seconds):
        proc.kill()
        raise AssertionError(f"no output within {seconds} s: {proc.stderr.read()}")
    return proc.stdout.readline()


def test_a_killed_run_is_removed_by_sim_cleanup(tmp_path, shims, runs):
    require_realnodes("docker")
    run_dir = tmp_path / "run"
    proc, _ = serve(run_dir, shims, runs)
    prefix, base = run_prefix(run_dir)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    left = leftovers(prefix, base)
    for kind in ("netns", "cgroup", "loop device", "mount", "process", "registry entry"):
        assert any(item.startswith(kind) for item in left), (kind, left)
    done = subprocess.run([VXHA, "sim", "cleanup", str(run_dir)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert leftovers(prefix, base) == []
    again = subprocess.run([VXHA, "sim", "cleanup", str(run_dir)], capture_output=True, text=True,
                           timeout=60)  # fmt: skip
    assert (again.returncode, again.stdout.startswith("vxha sim cleanup: nothing")) == (0, True)


def test_the_next_run_removes_a_killed_run_and_ctrl_c_removes_its_own(tmp_path, shims, runs):
    require_realnodes("docker")
    killed_dir, next_dir = tmp_path / "killed", tmp_path / "next"
    proc, _ = serve(killed_dir, shims, runs)
    killed = run_prefix(killed_dir)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert leftovers(*killed) != []
    proc, env = serve(next_dir, shims, runs)  # began by removing what the killed run left
    assert leftovers(*killed) == []
    own = run_prefix(next_dir)
    assert leftovers(*own) != []
    transcript = subprocess.run([VXHA, "sim", "transcript"], env=env, capture_output=True,
                                text=True, timeout=30).stdout  # fmt: skip
    assert f"what a killed run left in {killed_dir}: removed" in transcript
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert leftovers(*own) == []
