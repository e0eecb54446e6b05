"""Refusals of apply's planner name the object and the command that clears the way
(docs/operations.md, "vxha apply"; the brief of every changing command: a refusal says
what is in the way and how to move it)."""

from __future__ import annotations

import pytest
from genhelp import cluster, server

from vxha.generators import plan as P
from vxha.generators.build import Options
from vxha.generators.generate import generate
from vxha.generators.phases import ApplyPlanner
from vxha.generators.view import ClusterView
from vxha.profiles import Mount
from vxha.vcs_types.model import Group, GroupDep


def test_an_admins_group_requiring_storage_this_plan_restarts_names_the_offline():
    """The admin's `reports` requires web_storage online local firm and runs on n2; a
    mount added to web restarts web_storage's resources on n2. vxha never stops an admin's
    group, so the plan is refused: the message names the group, the link, and the
    `hagrp -offline reports -sys n2` that clears the way (it said "stop reports first")."""
    old = generate(cluster(), [server("web")], Options("veritas")).config
    more = server("web").mounts + [Mount("logs", "webdg", "logs", "/vx/web/logs", "/logs", "log")]
    new = generate(cluster(), [server("web", mounts=more)], Options("veritas")).config
    reports = Group("reports", attrs={"SystemList": {"n1": 0, "n2": 1}})
    reports.deps.append(GroupDep("web_storage", "online", "local", "firm"))
    old.groups.append(reports)
    view = ClusterView(old, "/nonexistent/main.cf")
    up = {"web": ["n2"], "web_storage": ["n1", "n2", "n3"], "reports": ["n2"]}
    view.group_states = {g: {s: "ONLINE" for s in ss} for g, ss in up.items()}
    view._resource_states = {
        r: {s: "ONLINE" for s in ss}
        for r, ss in {"web_dg_webdg": ["n1", "n2", "n3"], "web_mnt_data": ["n1", "n2", "n3"],
                      "web_ctr": ["n2"], "web_pf": ["n2"], "web_ip": ["n2"]}.items()
    }  # fmt: skip
    view._system_states = {}
    with pytest.raises(P.PlanRefused) as err:
        ApplyPlanner(view, new).build()
    text = str(err.value)
    assert "group reports (not vxha's) requires group web_storage local firm" in text, text
    assert "(hagrp -offline reports -sys n2)" in text
    assert text.endswith("nothing was changed")


def test_maintenance_of_a_server_deleted_with_keep_data_names_the_ways_on():
    """`vxha delete web --keep-data` leaves web_storage alone. `maintenance on web` then
    has no failover group to act on: refused, saying what is left and the ways on
    (restore and apply, or delete --now, as inventory says for such storage). It said only
    that there is no failover group named web."""
    from vxha.generators import operations

    config = generate(cluster(), [server("web")], Options("veritas")).config
    config.groups = [g for g in config.groups if g.name != "web"]
    view = ClusterView(config, "/nonexistent/main.cf")
    view.group_states = {"web_storage": {"n1": "ONLINE"}}
    with pytest.raises(operations.OperationError) as err:
        operations.maintenance_plan(view, "web", on=True)
    text = str(err.value)
    assert "only its storage group web_storage" in text, text
    assert "vxha restore web" in text and "vxha delete web --now" in text
