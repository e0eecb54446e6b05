"""What vxha may change on a live cluster (generators/ownership.py), without a cluster."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from genhelp import cluster, dep, server

from vxha.generators import diff as D
from vxha.generators import ownership as O
from vxha.generators.build import Options
from vxha.generators.diff import Change
from vxha.generators.generate import generate
from vxha.vcs_types import cf
from vxha.vcs_types.model import Group, GroupDep, Resource

FIXTURE = Path(__file__).resolve().parents[1] / "ops" / "fixtures" / "installed" / "main.cf"


def installed():
    return cf.parse_file(str(FIXTURE))


def gen(servers, emit_cvm=True):
    c = cluster(3, emit_cvm=emit_cvm)
    c.name = "vxdemo"
    return generate(c, servers, Options("veritas")).config


def live_with(servers):
    """The installed fixture with the generated servers added (an earlier apply)."""
    live = installed()
    live.groups += [g for g in gen(servers).groups if O.server_of(g)]
    return live


def unowned(config):
    return {g.name: g for g in config.groups if O.server_of(g) is None}


def owned_changes(live, new):
    t = O.target(live, new)
    types = D.known_types(live, t.config)
    changes = D.diff(live, t.config, types)
    O.check_changes(changes, live, t.config)
    return t, changes


@pytest.mark.parametrize("emit_cvm", [True, False])
def test_everything_not_vxhas_is_kept_as_it_is(emit_cvm):
    live = installed()
    t, changes = owned_changes(live, gen([server("web")], emit_cvm))
    assert unowned(t.config) == unowned(live)
    assert t.config.cluster == live.cluster  # Statistics already Enabled there
    assert t.config.systems == live.systems
    assert t.config.includes[: len(live.includes)] == live.includes
    assert t.problems == [] and t.added == ["web"]
    assert {c.kind for c in changes} <= {"group", "resource", "link", "dependency"}
    assert all(c.name.startswith("web") or c.group.startswith("web") for c in changes)


def test_a_server_gone_from_the_profiles_is_removed_and_nothing_else():
    live = live_with([server("web"), server("db", address="10.0.0.2")])
    t, changes = owned_changes(live, gen([server("web")]))
    assert t.removed == ["db"]
    assert {c.name for c in changes if c.kind == "group"} == {"db", "db_storage"}


def test_admin_state_and_tuning_on_vxha_groups_are_kept():
    live = live_with([server("web")])
    web = live.group("web")
    web.attrs.update(OnlineRetryLimit=2, Frozen=1, Enabled=0)
    web.local["UserStrLocal"] = {"n1": "vxha-maintenance: by ann at x"}
    ctr = web.resource("web_ctr")
    ctr.attrs.update(MonitorInterval=30, Critical=0)
    new = gen([server("web", memory_mib=4096)])
    new.group("web").attrs["Frozen"] = 0  # a template setting admin state is ignored
    t, changes = owned_changes(live, new)
    tw = t.config.group("web")
    assert tw.attrs["OnlineRetryLimit"] == 2 and tw.attrs["Frozen"] == 1
    assert tw.attrs["Enabled"] == 0 and tw.local["UserStrLocal"]
    assert tw.resource("web_ctr").attrs["MonitorInterval"] == 30
    assert tw.resource("web_ctr").attrs["Critical"] == 0
    assert tw.resource("web_ctr").attrs["Memory"] == "4096m"
    assert {c.attr for c in changes} == {"Load", "Memory"}


def test_held_servers_are_left_exactly_as_they_are():
    live = live_with([server("web")])
    t = O.target(live, gen([server("web", memory_mib=4096)]), held={"web": "in maintenance"})
    assert t.config.group("web") == live.group("web")
    assert t.notes and "server web is in maintenance: left as it is" in t.notes[0]
    t = O.target(live, gen([]), held={"web": "in maintenance"})
    assert t.removed == [] and t.config.group("web") is not None


def test_a_name_taken_by_someone_elses_group_is_refused():
    live = installed()
    live.groups.append(Group("web", attrs={"SystemList": {"n1": 0}}))
    t = O.target(live, gen([server("web")]))
    assert any("group web exists and is not vxha's" in p for p in t.problems)


def test_removing_a_group_someone_elses_group_requires_is_refused():
    live = live_with([server("web")])
    live.group("reports").deps.append(GroupDep("web", "online", "global", "soft"))
    t = O.target(live, gen([]))
    assert any("group reports (not vxha's) requires group web" in p for p in t.problems)


def test_recreating_a_group_someone_elses_group_requires_is_refused():
    """VCS changes Parallel only on an empty group, so the plan deletes and adds the group
    again (diff.recreated): the admin's link to it would have to go."""
    live = live_with([server("web")])
    live.group("reports").deps.append(GroupDep("web", "online", "global", "soft"))
    new = gen([server("web")])
    new.group("web").attrs["Parallel"] = 1 - int(live.group("web").attrs.get("Parallel", 0))
    t = O.target(live, new)
    assert t.problems == [
        "group reports (not vxha's) requires group web, which this plan deletes and adds again "
        "(Parallel changes only on an empty group): unlink it first (hagrp -unlink reports web) "
        "and link it again after"
    ]


def test_what_vxha_needs_from_others_is_checked():
    live = installed()
    live.groups = [g for g in live.groups if g.name not in ("cvm", "cfsshared")]
    t = O.target(live, gen([server("web")]))
    assert any("the cluster has no group cvm" in p for p in t.problems)
    live = installed()
    live.group("cvm").resources = [r for r in live.group("cvm").resources if r.type != "CFSfsckd"]
    t = O.target(live, gen([server("web")]))
    assert any("no CFSfsckd" in n and "cfscluster config" in n for n in t.notes)
    c4 = cluster(4)
    c4.name = "vxdemo"
    four = generate(c4, [server("web")], Options("veritas")).config
    t = O.target(installed(), four)
    assert any("system n4" in p and "not in the cluster" in p for p in t.problems)


def test_a_system_left_out_of_the_profile_is_never_deleted():
    live = installed()
    c2 = cluster(2)
    c2.name = "vxdemo"
    new = generate(c2, [server("web")], Options("veritas")).config
    t, changes = owned_changes(live, new)
    assert [s.name for s in t.config.systems] == ["n1", "n2", "n3"]
    assert any("system n3 is not in the cluster profile" in n for n in t.notes)
    cmds = D.commands(changes, live, t.config)
    assert not any(a[0] == "hasys" for a in cmds)


def test_statistics_is_the_one_cluster_attribute_vxha_sets():
    live = installed()
    del live.cluster.attrs["Statistics"]
    t, changes = owned_changes(live, gen([server("web")]))
    cluster_changes = [c for c in changes if c.kind == "cluster"]
    assert [(c.attr, c.new) for c in cluster_changes] == [("Statistics", "Enabled")]
    assert t.config.cluster.attrs["UserNames"] == live.cluster.attrs["UserNames"]


def test_check_changes_refuses_anything_not_vxhas():
    live = installed()
    for change in (
        Change("change", "group", "ClusterService", "OnlineRetryLimit", old=3, new=0),
        Change("remove", "resource", "ntfr", group="ClusterService", type="NotifierMngr"),
        Change("change", "cluster", "vxdemo", "UserNames", old={}, new={}),
        Change("remove", "system", "n3"),
    ):
        with pytest.raises(O.OwnershipError):
            O.check_changes([change], live, live)
    web = live_with([server("web")])
    with pytest.raises(O.OwnershipError):
        O.check_changes([Change("change", "group", "web", "Enabled", old=0, new=1)], web, web)


def test_the_generator_writes_no_attribute_the_tables_miss():
    """A template attribute not in the tables would still be owned while generated, but
    never reset once it stops being: keep the tables complete."""
    servers = [
        server("a", privileged=True, relocatable=False, systems=["n1"]),
        server("b", exclusive_storage=True, dependencies=[dep("a", location="global")]),
        server("c", health_cmd="true", startup_cmds=["x"], labels={"l": "v"}, device="bond0"),
    ]
    for mode in ("veritas", "vxha"):
        c = cluster(3)
        config = generate(c, servers, Options(mode)).config
        for g in config.groups:
            if not O.server_of(g):
                continue
            assert set(g.attrs) | set(g.local) <= O.GROUP_ATTRS
            for r in g.resources:
                assert set(r.attrs) | set(r.local) <= O.RESOURCE_ATTRS[r.type], r.name


def test_a_resource_name_taken_elsewhere_is_refused():
    live = installed()
    live.group("reports").resources.append(Resource("Application", "web_ctr"))
    t = O.target(live, gen([server("web")]))
    assert any("resource web_ctr exists in group reports" in p for p in t.problems)


def test_generate_diff_goes_through_the_same_rule(tmp_path, capsys):
    from vxha.cli.generate_cmd import _diff

    assert _diff(installed(), gen([server("web")]), as_commands=True) == 0
    out = capsys.readouterr().out
    assert "hagrp -add web" in out
    for other in ("ClusterService", "cvm", "oradb", "cfsshared", "reports", "haclus", "hasys"):
        assert other not in out.replace("web_storage cvm", "")


def test_target_does_not_touch_its_inputs():
    live = live_with([server("web")])
    new = gen([server("web", memory_mib=4096)])
    a, b = copy.deepcopy(live), copy.deepcopy(new)
    O.target(live, new)
    assert live == a and new == b
