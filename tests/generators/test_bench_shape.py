"""The benchmark's profiles keep DECISIONS.md 9's shape and generate a valid configuration."""

from __future__ import annotations

import sys

from genhelp import ROOT

from vxha.generators.generate import generate_from_files


def test_benchmark_profiles_generate_with_four_systems_per_server(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_generator import SYSTEMS, write_profiles
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    root = write_profiles(str(tmp_path / "p"), 12)
    result = generate_from_files(
        f"{root}/cluster.yaml", [f"{root}/servers"], image_root=f"{root}/images"
    )
    assert len(result.config.systems) == SYSTEMS
    servers = [g for g in result.config.groups if g.name != "cvm"]
    assert len({g.attrs["UserStrGlobal"] for g in servers}) == 12
    assert all(len(g.attrs["SystemList"]) == 4 for g in servers)
