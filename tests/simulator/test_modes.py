"""In-process and process modes give the same transcript (a shared subset of scenarios).

Process mode runs every entry point through the installed launchers, one process per
call, with the argv VCS would pass; in-process mode calls the same framework code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHARED = ["failover_priority", "restart_limit", "online_timeout", "dep_online_local_firm"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SHARED)
def test_process_mode_matches_inprocess(name, tmp_path):
    from vxha.simulator.api import run_scenario

    d = SCENARIOS / name
    texts = {}
    for mode in ("inprocess", "process"):
        sim, failures = run_scenario(d / "main.cf", d / "events.yaml", tmp_path / mode, mode=mode)
        assert not failures, (mode, failures)
        texts[mode] = sim.transcript.text()
    assert texts["process"] == texts["inprocess"]
    assert texts["inprocess"] == (d / "expected.txt").read_text()


def test_process_mode_uses_the_launchers(tmp_path):
    from sim_helpers import WEB, cf

    from vxha.simulator.api import Simulator

    sim = Simulator.from_text(cf(["n1", "n2", "n3"], WEB), tmp_path / "run", mode="process")
    launcher = tmp_path / "run" / "root" / "opt/VRTSvcs/bin/Dummy/monitor"
    assert launcher.exists()
    assert launcher.read_text().startswith("#!")
    sim.start()
    assert sim.group_state("web", "n1") == "ONLINE"
    # the entry points ran as processes: their agent log is in the system's directory
    assert (tmp_path / "run" / "n1" / "state" / "Dummy.web_ctr").exists()


def test_fake_driver_hang_is_a_timeout_in_both_modes(tmp_path):
    """faults.json hang: in-process the fake raises Hang (no real wait); in process mode
    the launcher is killed at its scaled timeout. Both report the same timeout. (An address
    hang: a hung engine is no timeout for Container, which answers from its recorded main
    process, DECISIONS.md 8.)"""
    import json

    from vxha.simulator.api import Simulator

    text = (SCENARIOS / "generator_example_crash" / "main.cf").read_text()
    texts = {}
    for mode in ("inprocess", "process"):
        sim = Simulator.from_text(text, tmp_path / mode, mode=mode)
        if mode == "process":
            sim.engine.runner.min_seconds = 1.0
        sim.start()
        sim.settle()
        (tmp_path / mode / "n1" / "faults.json").write_text(
            json.dumps({"addresses.*": {"mode": "hang"}})
        )
        sim.advance(100)
        texts[mode] = [line for line in sim.transcript.lines if "timed out" in line]
    assert texts["inprocess"], "the hang should make a monitor time out"
    assert texts["process"] == texts["inprocess"]
