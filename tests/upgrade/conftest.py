"""Fixtures of the upgrade tests: the example cluster served by the simulator."""

from __future__ import annotations

import pytest
from upgrade_cluster import UpgradeCluster


@pytest.fixture
def cluster(tmp_path):
    c = UpgradeCluster(tmp_path)
    yield c
    c.stop()
