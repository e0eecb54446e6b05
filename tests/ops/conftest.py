"""Fixtures of the workflow tests (the served cluster lives in ops_cluster.py)."""

from __future__ import annotations

import pytest
from ops_cluster import Cluster, generate


@pytest.fixture
def cluster(tmp_path):
    main_cf = generate(str(tmp_path / "main.cf"))
    c = Cluster(tmp_path, main_cf)
    yield c
    c.stop()
