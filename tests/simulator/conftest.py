"""Fixtures of the simulator tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_sim(tmp_path):
    from vxha.simulator.api import Simulator

    def make(text, mode="inprocess", name="run", **kw):
        return Simulator.from_text(text, tmp_path / name, mode=mode, **kw)

    return make
