"""The record of shipped declarations (vcs_types/shipped.py) and the ownership rule built on
it (agents/cluster_types.py; docs/packaging.md, "Types already on the cluster")."""

from __future__ import annotations

import os
import subprocess

import pytest

from vxha.agents.cluster_types import plan_type, whose
from vxha.vcs_types.catalog import PROJECT_TYPES, bundled_types, project_type
from vxha.vcs_types.decl import Attr, TypeDecl
from vxha.vcs_types.shipped import SHIPPED, shape, shipped

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERITAS_CFSMOUNT = next(d for d in bundled_types()["CFSTypes.cf"] if d.name == "CFSMount")


@pytest.mark.parametrize("name", list(PROJECT_TYPES))
def test_the_current_declaration_is_the_last_one_recorded(name):
    """A change to a type must add its entry to the record: otherwise the next vxha could
    not tell this release's declaration on a cluster from a foreign one."""
    assert shipped(name)[-1][1] == project_type(name)


def test_every_recorded_commit_is_in_the_history():
    if not os.path.isdir(os.path.join(ROOT, ".git")) and not os.path.isfile(
        os.path.join(ROOT, ".git")
    ):
        pytest.skip("not a git checkout")
    for name, entries in SHIPPED.items():
        for e in entries:
            proc = subprocess.run(
                ["git", "-C", ROOT, "cat-file", "-e", f"{e['commit']}^{{commit}}"],
                capture_output=True,
                timeout=30,
                check=False,
            )
            assert proc.returncode == 0, (name, e["commit"])


def test_veritas_cfsmount_is_not_vxha_s_though_close_to_a_subset():
    """DECISIONS.md 6: Veritas's CFSMount is never taken for vxha's. Its attributes are
    (nearly) a subset of vxha's, so "a subset of ours" would adopt it."""
    ours = project_type("CFSMount")
    assert set(VERITAS_CFSMOUNT.attrs) <= set(ours.attrs)
    assert whose(VERITAS_CFSMOUNT, ours) is None
    plan = plan_type(ours, VERITAS_CFSMOUNT)
    assert plan.kind == "veritas" and plan.commands == [] and not plan.error


def test_an_interrupted_upgrade_is_still_vxha_s_and_a_foreign_type_is_not():
    """What a run stopped midway leaves (an older declaration with some of the current
    attributes added, ArgList not yet changed) is vxha's, so running again finishes; the
    same additions to a declaration no vxha shipped are not."""
    current = project_type("Container")
    commit, old = next((c, d) for c, d in shipped("Container") if "Name" not in d.attrs)
    new = [a for n, a in current.attrs.items() if n not in old.attrs]
    half = TypeDecl("Container", [*old.attrs.values(), *new[:3]], old.arglist)
    assert whose(half, current)[0] == commit
    plan = plan_type(current, half)
    assert plan.kind == "upgrade"
    added = [c[3] for c in plan.commands if c[:2] == ["haattr", "-add"]]
    assert added == [a.name for a in new[3:]]
    foreign = TypeDecl("Container", [Attr("Image"), *new[:3]], ["Image"])
    assert whose(foreign, current) is None
    plan = plan_type(current, foreign)
    assert plan.kind == "foreign" and "not vxha's" in plan.error and plan.commands == []


def test_an_attribute_the_current_declaration_dropped_is_kept_and_said():
    """Never delete an attribute (resources may hold values): the first Container declared
    Name, which the current one renamed RuntimeName."""
    current = project_type("Container")
    old = shipped("Container")[0][1]
    assert "Name" in old.attrs and "Name" not in current.attrs
    plan = plan_type(current, old)
    assert not any(c[:2] == ["haattr", "-delete"] for c in plan.commands)
    assert any("kept attribute Name" in n for n in plan.notes)
    assert ["hatype", "-modify", "Container", "ArgList", *current.arglist] in plan.commands


def test_a_static_is_updated_only_from_a_value_vxha_shipped():
    """A static still at a value some vxha shipped is brought to the current one; any other
    value is an admin's: kept and said."""
    current = project_type("Container")
    old = next(d for _, d in shipped("Container") if "Name" not in d.attrs)
    args = " ".join(old.arglist)
    assert (
        str(old.static("LevelTwoMonitorFreq")) == "0" != str(current.static("LevelTwoMonitorFreq"))
    )
    ours = plan_type(current, old, {"ArgList": args, "LevelTwoMonitorFreq": "0"})
    assert ["hatype", "-modify", "Container", "LevelTwoMonitorFreq", "1"] in ours.commands
    admin = plan_type(current, old, {"ArgList": args, "LevelTwoMonitorFreq": "3"})
    assert not any("LevelTwoMonitorFreq" in c for c in admin.commands)
    assert any("kept LevelTwoMonitorFreq = 3" in n for n in admin.notes)


def test_shape_ignores_defaults_and_statics_but_not_arglist():
    current = project_type("HostIP")
    tuned = TypeDecl(
        "HostIP",
        [
            Attr(a.name, a.type, a.dim, default=a.default, static=a.static)
            for a in current.attrs.values()
        ],
        current.arglist,
        statics={"MonitorInterval": 5},
    )
    assert shape(tuned) == shape(current)
    reordered = TypeDecl("HostIP", list(current.attrs.values()), current.arglist[::-1])
    assert shape(reordered) != shape(current)


def test_a_type_without_a_record_is_judged_against_this_vxha_s_declaration():
    """Dummy (tests and benchmarks only) has no record: this vxha's declaration is vxha's,
    any other is foreign, and neither raises."""
    dummy = project_type("Dummy")
    assert plan_type(dummy, dummy).kind == "current"
    other = plan_type(dummy, TypeDecl("Dummy", [Attr("X")], ["X"]))
    assert other.kind == "foreign" and "not vxha's" in other.error


def test_an_engine_running_an_older_declaration_than_the_saved_one():
    """The engine's ArgList picks the running declaration when one shipped shape has it;
    an ArgList no shipped declaration has picks none: refused, nothing planned."""
    current = project_type("Container")
    commit, old = next((c, d) for c, d in shipped("Container") if "Name" not in d.attrs)
    plan = plan_type(current, current, {"ArgList": " ".join(old.arglist)})
    assert plan.kind == "upgrade" and plan.base == commit
    assert ["hatype", "-modify", "Container", "ArgList", *current.arglist] in plan.commands
    cfs = project_type("CFSMount")
    odd = plan_type(cfs, cfs, {"ArgList": "MountPoint BlockDevice"})
    assert odd.kind == "foreign" and "haconf -dump" in odd.error and odd.commands == []
