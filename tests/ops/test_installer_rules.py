"""What vxha's groups need from an installer-left cluster, checked before any command
(generators/ownership.py; docs/operations.md, "What vxha owns"): fast, without a cluster."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from ops_cluster import example_servers

from vxha.generators import ownership
from vxha.generators.build import Options
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf

FIX = Path(__file__).parent / "fixtures"


def generated(description, servers=("auth1",)):
    result = generate_from_files(
        str(FIX / "installed" / description),
        example_servers(only=list(servers)),
        image_root=os.path.join(EXAMPLES, "images"),
        options=Options("veritas"),
    )
    return cf.parse(result.text)


@pytest.mark.parametrize("description", ["cluster.yaml", "cluster-nocvm.yaml"])
def test_storage_groups_need_a_cvm_group_vxha_never_adds(description):
    """SFHA has no cvm group. DECISIONS.md 4: the generator emits one only for a
    configuration that has none, and a cvm group is never vxha's: whether the generated
    configuration carries one (emit_cvm) or not, the plan is refused naming the group."""
    current = cf.parse_file(str(FIX / "variants" / "sfha.cf"))
    tgt = ownership.target(current, generated(description))
    assert any(
        "no group cvm, which auth1_storage require(s)" in p and "cfscluster config" in p
        for p in tgt.problems
    ), tgt.problems
    assert tgt.config.group("cvm") is None


def test_a_type_the_cluster_does_not_declare_is_refused_before_any_command():
    """The SFHA fixture declares neither Container nor HostIP nor PortForward: `hares -add`
    of such a resource fails, so the plan would stop halfway; types are installed by `vxha
    cluster add-types`, never planned (docs/operations.md, "What vxha owns")."""
    current = cf.parse_file(str(FIX / "variants" / "sfha.cf"))
    tgt = ownership.target(current, generated("cluster.yaml"))
    missing = [p for p in tgt.problems if "no resource type" in p]
    for t in ("Container", "HostIP", "PortForward", "CFSMount", "CVMVolDg"):
        assert any(f"no resource type {t}:" in p and "vxha cluster add-types" in p for p in missing)


def test_a_cluster_with_the_types_and_a_cvm_group_has_no_such_problem():
    current = cf.parse_file(str(FIX / "variants" / "rac.cf"))
    assert ownership.target(current, generated("cluster.yaml")).problems == []


def test_an_online_anywhere_no_system_has_room_for_is_refused_not_crashed(tmp_path):
    """Found on the installer variants (systems without Capacity, Statistics Enabled): the
    BiggestAvailable policy finds no system whose measured capacity holds the group's Load,
    and `hagrp -online G -any` failed inside the simulator (AttributeError) instead of being
    refused as an online with no candidate system is (V-16-1-10165)."""
    from vxha.simulator.api import Simulator

    text = (
        'include "types.cf"\n\ncluster sim (\n\tStatistics = Enabled\n\t)\n\n'
        "system n1 (\n\t)\n\nsystem n2 (\n\t)\n\n"
        "group g (\n\tSystemList = { n1 = 0, n2 = 1 }\n\tFailOverPolicy = BiggestAvailable\n"
        "\tLoad = { CPU = 4, Mem = 4096 }\n\t)\n\n"
        '\tApplication g_app (\n\t\tStartProgram = "/bin/true"\n\t\tStopProgram = "/bin/true"\n'
        '\t\tPidFiles = { "/run/g.pid" }\n\t\t)\n'
    )
    sim = Simulator.from_text(text, tmp_path / "run", mode="inprocess").start()
    code, out, err = sim.command(["hagrp", "-online", "g", "-any"])
    assert code == 1 and "V-16-1-10165" in err and "g" in err, (code, out, err)


def test_an_admins_link_from_a_vxha_group_to_its_own_group_is_kept():
    """An admin linked vxha's auth1 to their authdb (fixtures/variants/crossdep.cf). The
    dependency joins a group vxha does not own: apply keeps it, as it keeps the admin's
    state on vxha's groups (docs/operations.md, "What vxha owns"); found by
    test_installers.py, where the first apply unlinked it."""
    from vxha.vcs_types.model import GroupDep

    gen = generated("cluster.yaml")
    text = (FIX / "variants" / "crossdep.cf").read_text()
    current = cf.parse(text)
    current.groups += [copy.deepcopy(g) for g in gen.groups if ownership.server_of(g)]
    auth1 = current.group("auth1")
    auth1.deps.append(GroupDep("authdb", "online", "local", "firm"))
    auth1.attrs["Priority"] = 4  # something for apply to change
    tgt = ownership.target(current, gen)
    assert tgt.problems == []
    assert [d.child for d in tgt.config.group("auth1").deps].count("authdb") == 1
    assert tgt.config.group("auth1").attrs["Priority"] != 4
