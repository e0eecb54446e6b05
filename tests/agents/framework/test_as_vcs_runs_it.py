"""The launchers run as VCS's agent framework may run them: a bare environment with a
minimal PATH, cwd /, and the standard descriptors closed (docs/framework.md, "The
contract, rule by rule": closed standard descriptors)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import project_type

DUMMY = project_type("Dummy")
CLOSE_THEN_EXEC = (
    "import os, sys\nfor fd in {fds}: os.close(fd)\nos.execv(sys.argv[1], sys.argv[1:])"
)


def as_vcs(agent_root, node_dir, ep, argv, closed=(0,), locale=None):
    """The launcher of ``ep`` run with ``closed`` descriptors closed, cwd /, PATH minimal."""
    env = {"PATH": "/usr/bin:/bin", "VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    if locale:
        env["LC_ALL"] = locale
    path = agent_root / "opt/VRTSvcs/bin/Dummy" / (ep if ep != "action" else "actions/echo")
    code = CLOSE_THEN_EXEC.format(fds=tuple(closed))
    return subprocess.run([sys.executable, "-c", code, str(path), *argv], cwd="/", env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip


def files_of(node_dir):
    return {p.name: p.read_bytes() for d in ("lock", "state") if (node_dir / d).is_dir()
            for p in (node_dir / d).iterdir()}  # fmt: skip


@pytest.mark.parametrize("closed", [(0,), (1,), (0, 1), (0, 1, 2)])
def test_a_failure_is_logged_whichever_descriptors_are_closed(agent_root, node_dir, closed):
    """A closed stdout loses the echo of a line, never the agent log's line."""
    argv = build_argv(DUMMY, "r", {"Fail": ["online"]}, "online")
    assert as_vcs(agent_root, node_dir, "online", argv, closed).returncode == 1
    log = (node_dir / "log" / "Dummy_A.log").read_text()
    assert log.count("online told to fail by attribute Fail") == 1, log


@pytest.mark.parametrize("closed", [(1,), (0, 1, 2)])
@pytest.mark.parametrize("ep", ["info", "action"])
def test_info_and_action_answer_with_stdout_closed(agent_root, node_dir, closed, ep):
    """Their output is lost with stdout, nothing else: the same exit code, and nothing
    written into a file of the resource that took the descriptor stdout had."""
    assert (
        as_vcs(agent_root, node_dir, "online", build_argv(DUMMY, "r", {}, "online")).returncode == 0
    )
    argv = build_argv(DUMMY, "r", {"Str": "marker-text"}, ep, action_args=["marker-text"])
    assert as_vcs(agent_root, node_dir, ep, argv, closed).returncode == 0
    for name, data in files_of(node_dir).items():
        assert b"marker-text" not in data, name
    assert not (node_dir / "log" / "Dummy_A.log").exists()


AWKWARD = {
    "Str": '100% it\'s "quoted", %s %n %% $HOME `x` ; -e',
    "Vec": ["-n", "--", "", "two words", "%d", "\u00e9\u4e2d", "'"],
    "Keys": ["-k", "%"],
    "Assoc": {"": "", "-x": "%s", "k e y": "v a l", "\u00fc": "\u00e9"},
    "Int": -1,
}


@pytest.mark.parametrize("locale", [None, "C"])
def test_awkward_values_arrive_intact_in_a_bare_environment(agent_root, node_dir, locale):
    argv = build_argv(DUMMY, "r", AWKWARD, "online", aep_timeout=10)
    proc = as_vcs(agent_root, node_dir, "online", argv, (0,), locale)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    state = json.loads((node_dir / "state" / "Dummy.r").read_text())
    assert {k: state[k] for k in AWKWARD} == AWKWARD
    monitor = as_vcs(agent_root, node_dir, "monitor", build_argv(DUMMY, "r", AWKWARD), (0,), locale)
    assert (monitor.returncode, monitor.stdout, monitor.stderr) == (110, "", "")


def test_a_hang_with_stdout_closed_is_still_no_answer(agent_root, node_dir):
    """DECISIONS.md 8: at the deadline one line and no answer, whatever stdout is; the
    process exits with 99 only 5 s after its timeout."""
    argv = build_argv(DUMMY, "h", {"Delay": 60000}, "monitor", aep_timeout=2)
    start = time.monotonic()
    proc = as_vcs(agent_root, node_dir, "monitor", argv, (0, 1, 2))
    assert proc.returncode == 99
    assert time.monotonic() - start >= 2 + 5 - 0.3
    (line,) = (node_dir / "log" / "Dummy_A.log").read_text().splitlines()
    assert "did not finish by its deadline" in line and "internal error" not in line
