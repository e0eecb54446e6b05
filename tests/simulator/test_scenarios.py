"""Scenario regression cases: tests/scenarios/<name>/{main.cf, events.yaml, expected.txt}.

Each scenario's ``expect:`` entries (written before it was first run) must hold, and its
transcript must equal ``expected.txt`` line for line. After a deliberate change in the
engine, ``VXHA_UPDATE_GOLDEN=1`` rewrites the golden files: read the diff before
committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
NAMES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "events.yaml").exists())


def test_there_are_enough_scenarios():
    assert len(NAMES) >= 30


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name, tmp_path):
    from vxha.simulator.api import run_scenario

    d = SCENARIOS / name
    sim, failures = run_scenario(d / "main.cf", d / "events.yaml", tmp_path / "run")
    got = sim.transcript.text()
    golden = d / "expected.txt"
    if os.environ.get("VXHA_UPDATE_GOLDEN"):
        golden.write_text(got)
    assert not failures, "expectations failed:\n" + "\n".join(failures) + "\n\n" + got
    want = golden.read_text()
    if got != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), "expected.txt", "transcript"
            )
        )
        pytest.fail(f"transcript differs from {golden}:\n{diff}")
