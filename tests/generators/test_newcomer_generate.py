"""What a new admin's server profiles meet in `vxha generate` (docs/generator.md)."""

from __future__ import annotations

import pytest
from genhelp import cluster, dep, server

from vxha.generators.build import GenerationError, plan


def test_a_relationship_cycle_names_the_profiles_and_the_way_out():
    # docs/generator.md "Image relationships": cycles fail; the admin must learn which
    # profiles close it and what to change, not only a line of the rendered main.cf
    a = server("a", address="10.0.0.11", dependencies=[dep("b", location="global")])
    b = server("b", address="10.0.0.12", dependencies=[dep("c", location="global")])
    c = server("c", address="10.0.0.13", dependencies=[dep("a", location="global")])
    with pytest.raises(GenerationError) as info:
        plan(cluster(), [a, b, c])
    (problem,) = [p for p in info.value.problems if "cycle" in p]
    assert problem.startswith("a.yaml: ")
    assert "a -> b -> c -> a" in problem
    assert "peer" in problem


def test_relationships_without_a_cycle_plan():
    a = server("a", address="10.0.0.11", dependencies=[dep("b")])
    b = server("b", address="10.0.0.12", dependencies=[dep("c")])
    out = plan(cluster(), [a, b, server("c", address="10.0.0.13")])
    deps = {s["name"]: [d["child"] for d in s["deps"]] for s in out.context["servers"]}
    assert deps == {"a": ["b"], "b": ["c"], "c": []}
