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


def test_a_server_whose_image_no_system_has_is_told_why_and_what_to_do():
    # docs/generator.md "SystemList": systems whose images lack the server's image:version
    # are left out; with none left, the admin must learn that it is the image, not a guess
    parent = server("web", dependencies=[dep("db")])
    child = server("db", address="10.0.0.12")
    with pytest.raises(GenerationError) as info:
        plan(cluster(images=["other:1.0"]), [parent, child])
    problems = info.value.problems
    hosting = [p for p in problems if "no system can host it" in p]
    assert len(hosting) == 2, problems
    assert all("image app:1.0 is not loaded on n1, n2, n3" in p for p in hosting)
    assert all("load the image" in p for p in hosting)
    # one mistake, one error: no "share none" for servers that have no system at all
    assert not [p for p in problems if "share none" in p], problems


def test_local_relationships_that_cannot_all_be_met_are_refused():
    # docs/generator.md: online local puts a parent where its child runs; a failover group
    # runs on one system, so servers tied by local relationships need one system in common
    a = server("a", dependencies=[dep("b"), dep("c")])
    b = server("b", address="10.0.0.12", systems=["n1"])
    c = server("c", address="10.0.0.13", systems=["n2"])
    with pytest.raises(GenerationError) as info:
        plan(cluster(), [a, b, c])
    (problem,) = info.value.problems
    assert problem.startswith("a.yaml: ")
    assert "a (n1 n2 n3), b (n1), c (n2)" in problem and "widen" in problem


def test_local_relationships_with_a_system_in_common_plan():
    a = server("a", dependencies=[dep("b"), dep("c")])
    b = server("b", address="10.0.0.12", systems=["n1", "n2"])
    c = server("c", address="10.0.0.13", systems=["n2", "n3"])
    d = server("d", address="10.0.0.14", systems=["n3"], dependencies=[dep("e", location="global")])
    e = server("e", address="10.0.0.15", systems=["n1"])
    out = plan(cluster(), [a, b, c, d, e])
    assert len(out.context["servers"]) == 5


def _small_cluster():
    from vxha.profiles import Cluster, System

    systems = [
        System("n1", 16, 65536, "eth0", "1.3.0"),
        System("n2", 16, 65536, "eth0", "1.3.0"),
        System("n3", 4, 8192, "eth0", "1.3.0"),
    ]
    return Cluster("lab", systems, cvm_group="cvm", emit_cvm=True, source="cluster.yaml")


def test_a_system_too_small_for_the_load_is_left_out_of_the_default_system_list():
    # REQUIREMENTS.md: a container's CPU and memory are bounded by what a host has; VCS
    # treats Capacity as soft (Administrator's Guide 6.0, "System capacity and service group
    # load"), so the SystemList must not offer n3 to a server it cannot hold
    big = server("big", cpus=6, memory_mib=20480)
    fits = server("fits", address="10.0.0.12", cpus=4, memory_mib=8192)
    out = plan(_small_cluster(), [big, fits])
    lists = {s["name"]: [n for n, _ in s["system_list"]] for s in out.context["servers"]}
    assert lists == {"big": ["n1", "n2"], "fits": ["n1", "n2", "n3"]}
    (warning,) = [w for w in out.warnings if "too small" in w]
    assert warning.startswith("big.yaml: server big: SystemList restricted to n1, n2: n3")


def test_a_pinned_server_no_system_can_host_is_an_error_not_a_crash():
    pinned = server("p", relocatable=False)
    with pytest.raises(GenerationError) as info:
        plan(cluster(images=["other:1.0"]), [pinned])
    assert any("no system can host it" in p for p in info.value.problems)
