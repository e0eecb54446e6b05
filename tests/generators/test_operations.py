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
