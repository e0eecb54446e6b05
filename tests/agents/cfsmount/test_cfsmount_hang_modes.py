"""A hung file system leads to clean(5), a fault and a failover the same way whether the
simulator runs the entry points in process or as processes through the launchers (where
the hung probe's child is ended at the deadline and the launcher killed at its timeout)."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "cfs_probe_hangs"


@pytest.mark.slow
def test_hung_probe_scenario_is_the_same_in_process_mode(tmp_path):
    from vxha.simulator.api import run_scenario

    texts = {}
    for mode in ("inprocess", "process"):
        sim, failures = run_scenario(
            SCENARIO / "main.cf", SCENARIO / "events.yaml", tmp_path / mode, mode=mode
        )
        assert not failures, (mode, failures)
        texts[mode] = sim.transcript.text()
    assert texts["process"] == texts["inprocess"] == (SCENARIO / "expected.txt").read_text()
    assert "web_mnt clean(5) exit 0" in texts["process"]
