"""Maintenance records, deletion and shredding (generators/operations.py), on a model."""

from __future__ import annotations

import pytest
from genhelp import cluster, server
from test_plan import view_of

from vxha.generators.build import Options
from vxha.generators.generate import generate
from vxha.generators.operations import (
    OperationError,
    delete_plan,
    maintenance_list,
    maintenance_plan,
    volume_users,
)
from vxha.generators.record import Record
from vxha.vcs_types.model import Group, Resource


def config(*servers):
    return generate(cluster(), list(servers) or [server("web")], Options("veritas")).config


def test_shred_refuses_a_volume_something_else_uses():
    c = config(server("web"))
    backup = Group("backup", attrs={"SystemList": {"n1": 0}})
    backup.resources.append(
        Resource("Mount", "bk_mnt", {"BlockDevice": "/dev/vx/dsk/webdg/data", "MountPoint": "/b"})
    )
    c.groups.append(backup)
    assert volume_users(c, "webdg", "data", {"web", "web_storage"}) == ["backup/bk_mnt"]
    with pytest.raises(OperationError, match="volume data of disk group webdg is used by backup"):
        delete_plan(view_of(c), "web", keep_data=False, shred=True)
    c.groups.remove(backup)
    dg = Group("legacy", attrs={"SystemList": {"n1": 0}})
    dg.resources.append(Resource("DiskGroup", "old_dg", {"DiskGroup": "webdg"}))
    c.groups.append(dg)
    with pytest.raises(OperationError, match="legacy/old_dg \\(disk group webdg\\)"):
        delete_plan(view_of(c), "web", keep_data=False, shred=True)


def test_delete_refuses_a_group_online_and_disabled_for_the_cluster():
    """VCS refuses to take a disabled group offline (docs/operations.md, "delete"): the plan
    would stop at its first step, so it is refused before anything changes."""
    c = config()
    c.group("web").attrs["Enabled"] = 0
    with pytest.raises(OperationError) as refused:
        delete_plan(view_of(c, up={"web": ["n1"]}), "web", keep_data=True)
    assert str(refused.value) == (
        "cannot delete web, nothing was changed: group web is online on n1 and disabled, and "
        "VCS refuses to take a disabled group offline; hagrp -enable web first, in a "
        "configuration session"
    )
    delete_plan(view_of(c), "web", keep_data=True)  # offline everywhere: nothing to stop


def test_shred_of_volumes_only_the_server_uses():
    plan = delete_plan(view_of(config()), "web", keep_data=False, shred=True)
    shreds = [s for s in plan.steps if s.kind == "local"]
    assert [s.argv for s in shreds] == [
        ["run", "vxassist", "-g", "webdg", "remove", "volume", "data"]
    ]
    assert shreds[0].stops and plan.steps[-1] is shreds[0]  # after the groups are gone


def test_maintenance_records_and_acts_on_the_systems_named_only():
    view = view_of(config())
    on = maintenance_plan(view, "web", True, "n2", "kernel patch")
    assert [s.argv[:3] + s.argv[-2:] for s in on.steps] == [
        ["hagrp", "-local", "web", "web", "UserStrLocal"],  # a value per system needs it
        ["hagrp", "-disable", "web", "-sys", "n2"],
        ["hagrp", "-modify", "web", "-sys", "n2"],
    ]
    record = Record.parse(on.steps[2].argv[4])
    assert record.why == "kernel patch" and record.who and record.when
    view.admin = {"web": {"Enabled": {"n2": "0"}, "UserStrLocal": {"n2": record.text()}}}
    assert not any("-local" in s.argv for s in maintenance_plan(view, "web", True, "n1").steps)
    assert [(s, g, sy) for s, g, sy, _ in maintenance_list(view)] == [("web", "web", "n2")]
    off = maintenance_plan(view, "web", False, "n2")
    assert [s.argv for s in off.steps] == [
        ["hagrp", "-enable", "web", "-sys", "n2"],
        ["hagrp", "-modify", "web", "UserStrLocal", "", "-sys", "n2"],
    ]
    assert off.undo["before"] == {"web": {"n2": [False, record.text()]}}


def test_a_record_reads_back():
    r = Record("ann", "2024-01-01T00:00:00Z", "upgrade: step 2")
    assert Record.parse(r.text()) == r
    assert Record.parse("something else") is None


def _steps(plan):
    return [" ".join(s.argv[:3] + ([s.argv[-1]] if "-sys" in s.argv else [])) for s in plan.steps]


def _in_maintenance(view, group, frozen_by_vxha, systems, frozen=True):
    records = {s: Record("ann", "2024-01-01T00:00:00Z", "", frozen_by_vxha).text() for s in systems}
    view.admin = {
        group: {
            "Enabled": {s: "0" for s in systems},
            "UserStrLocal": records,
            "Frozen": {"global": "1" if frozen else "0"},
        }
    }


def test_maintenance_freezes_a_group_running_on_a_system_it_covers():
    view = view_of(config(), up={"web": ["n1"]})
    on = maintenance_plan(view, "web", True, reason="kernel patch")
    # frozen before the first disable: a fault in between is only shown
    assert _steps(on) == [
        "hagrp -local web",
        "hagrp -freeze web",
        "hagrp -disable web n1",
        "hagrp -modify web n1",
        "hagrp -disable web n2",
        "hagrp -modify web n2",
        "hagrp -disable web n3",
        "hagrp -modify web n3",
    ]
    assert on.steps[1].argv == ["hagrp", "-freeze", "web", "-persistent"]
    records = [Record.parse(s.argv[4]) for s in on.steps if s.argv[1] == "-modify"]
    assert all(r.frozen and r.why == "kernel patch" for r in records)
    assert on.undo["frozen"] == {"web": False}


def test_maintenance_leaves_the_freeze_alone_where_it_need_not_or_may_not_freeze():
    # not running on the system put in maintenance: disabling it there is enough
    view = view_of(config(), up={"web": ["n1"]})
    on = maintenance_plan(view, "web", True, "n2")
    assert "-freeze" not in [s.argv[1] for s in on.steps]
    assert not Record.parse(on.steps[-1].argv[4]).frozen
    # frozen by an admin already: not frozen again, and the record does not claim it
    view.admin = {"web": {"Frozen": {"global": "1"}}}
    on = maintenance_plan(view, "web", True, "n1")
    assert "-freeze" not in [s.argv[1] for s in on.steps]
    assert not Record.parse(on.steps[-1].argv[4]).frozen


def test_maintenance_on_again_adds_the_freeze_to_an_older_record():
    view = view_of(config(), up={"web": ["n1"]})
    _in_maintenance(view, "web", False, ["n1"], frozen=False)
    on = maintenance_plan(view, "web", True, "n1")
    assert _steps(on) == ["hagrp -freeze web", "hagrp -modify web n1"]
    record = Record.parse(on.steps[1].argv[4])
    assert record.frozen and record.who == "ann" and record.when == "2024-01-01T00:00:00Z"


def test_maintenance_off_thaws_only_what_vxha_froze_once_no_system_remains():
    view = view_of(config(), up={"web": ["n1"]})
    _in_maintenance(view, "web", True, ["n1", "n2"])
    off = maintenance_plan(view, "web", False)
    assert _steps(off)[-1] == "hagrp -unfreeze web"
    assert off.steps[-1].argv == ["hagrp", "-unfreeze", "web", "-persistent"]
    assert _steps(off)[:2] == ["hagrp -enable web n1", "hagrp -modify web n1"]
    # n2 stays in maintenance: no thaw yet
    partly = maintenance_plan(view, "web", False, "n1")
    assert _steps(partly) == ["hagrp -enable web n1", "hagrp -modify web n1"]
    # an admin's freeze (the records do not say vxha froze it) is never thawed
    _in_maintenance(view, "web", False, ["n1", "n2"])
    kept = maintenance_plan(view, "web", False)
    assert "-unfreeze" not in [s.argv[1] for s in kept.steps]
    assert any("an admin's freeze is kept" in n for n in kept.notes)
    # vxha froze it, but an admin thawed it meanwhile: nothing to thaw
    _in_maintenance(view, "web", True, ["n1", "n2"], frozen=False)
    assert "-unfreeze" not in [s.argv[1] for s in maintenance_plan(view, "web", False).steps]


def test_maintenance_off_hands_the_flag_to_the_systems_still_in_maintenance():
    view = view_of(config(), up={"web": ["n1"]})
    _in_maintenance(view, "web", True, ["n1"])
    later = Record("bob", "2024-01-02T00:00:00Z", "disk").text()  # put on n2 before n1
    view.admin["web"]["Enabled"]["n2"] = "0"
    view.admin["web"]["UserStrLocal"]["n2"] = later
    off = maintenance_plan(view, "web", False, "n1")
    assert _steps(off) == ["hagrp -enable web n1", "hagrp -modify web n1", "hagrp -modify web n2"]
    handed = Record.parse(off.steps[2].argv[4])
    assert handed.frozen and handed.who == "bob" and handed.why == "disk"
    # a system disabled by hand, with no record to carry the flag: said so
    view.admin["web"]["UserStrLocal"]["n2"] = ""
    off = maintenance_plan(view, "web", False, "n1")
    assert "-unfreeze" not in [s.argv[1] for s in off.steps]
    assert any("hagrp -unfreeze web -persistent" in n for n in off.notes)


def test_maintenance_off_names_a_fault_seen_while_frozen():
    view = view_of(config())
    view.group_states = {"web": {"n1": "PARTIAL|FAULTED"}}
    _in_maintenance(view, "web", True, ["n1"])
    off = maintenance_plan(view, "web", False, "n1")
    assert any("hagrp -clear web -sys n1" in n for n in off.notes)


def test_maintenance_undo_restores_the_freeze_around_the_rest():
    from vxha.generators.operations import maintenance_undo

    view = view_of(config(), up={"web": ["n1"]})
    _in_maintenance(view, "web", True, ["n1"])
    undo = maintenance_undo(view, {"web": {"n1": [True, ""]}}, {"web": False})
    assert _steps(undo) == ["hagrp -enable web n1", "hagrp -modify web n1", "hagrp -unfreeze web"]
    view.admin = {}
    redo = maintenance_undo(view, {"web": {"n1": [False, "x"]}}, {"web": True})
    assert _steps(redo)[0] == "hagrp -freeze web"


def test_an_old_record_without_the_freeze_field_reads_back():
    old = Record.parse("vxha-maintenance: by ann at 2024-01-01T00:00:00Z: upgrade (frozen by vxha)")
    assert old == Record("ann", "2024-01-01T00:00:00Z", "upgrade (frozen by vxha)", False)
    new = Record("ann", "2024-01-01T00:00:00Z", "upgrade: 2", frozen=True)
    assert Record.parse(new.text()) == new and "(frozen by vxha)" in new.text()
