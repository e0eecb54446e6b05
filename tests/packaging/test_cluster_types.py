"""vxha cluster add-types: the command list against VCS's syntax (agents/cluster_types.py)."""

from __future__ import annotations

import pytest

from vxha.agents.cluster_types import (
    add_types_commands,
    escape,
    type_commands,
)
from vxha.vcs_types.catalog import PROJECT_TYPES, project_type
from vxha.vcs_types.decl import Attr, TypeDecl

VALUE_TYPES = {"-string", "-integer", "-boolean"}
DIMENSIONS = {"-scalar", "-vector", "-keylist", "-assoc"}

SAMPLE = TypeDecl(
    "Sample",
    attrs=[
        Attr("Name"),
        Attr("Count", "int", default=3),
        Attr("Flag", "boolean", default=1),
        Attr("Off", "boolean"),
        Attr("Devs", dim="vector", default=["a", "-b"]),
        Attr("Keys", dim="keylist"),
        Attr("Env", dim="association", default={"K": "v"}),
        Attr("Mode", default="-x"),
        Attr("Primary", temp=True),
        Attr("Level", "int", static=True, default=2),
    ],
    arglist=["Name", "Count", "Devs", "Env"],
    statics={
        "AEPTimeout": 1,
        "OnlineTimeout": 120,
        "SupportedActions": ["logs", "primary"],
        "IMF": {"Mode": 0, "MonitorFreq": 1},
        "IMFRegList": [],
    },
)


def haattr_shape_ok(cmd):
    """haattr -add [-temp | -static] restype attribute VALUETYPE DIMENSION [default...]"""
    assert cmd[:2] == ["haattr", "-add"]
    rest = cmd[2:]
    if rest[0] in ("-static", "-temp"):
        rest = rest[1:]
    _type, attr, vtype, dim, *default = rest
    assert attr[0].isalpha() and vtype in VALUE_TYPES and dim in DIMENSIONS
    if dim == "-scalar":
        assert len(default) <= 1
    if dim == "-assoc":
        assert len(default) % 2 == 0
    return default


def test_sample_type_commands_exactly():
    assert type_commands(SAMPLE) == [
        ["hatype", "-add", "Sample"],
        ["haattr", "-add", "Sample", "Name", "-string", "-scalar"],
        ["haattr", "-add", "Sample", "Count", "-integer", "-scalar", "3"],
        ["haattr", "-add", "Sample", "Flag", "-boolean", "-scalar", "1"],
        ["haattr", "-add", "Sample", "Off", "-boolean", "-scalar"],
        ["haattr", "-add", "Sample", "Devs", "-string", "-vector", "a", "%-b"],
        ["haattr", "-add", "Sample", "Keys", "-string", "-keylist"],
        ["haattr", "-add", "Sample", "Env", "-string", "-assoc", "K", "v"],
        ["haattr", "-add", "Sample", "Mode", "-string", "-scalar", "%-x"],
        ["haattr", "-add", "-temp", "Sample", "Primary", "-string", "-scalar"],
        ["haattr", "-add", "-static", "Sample", "Level", "-integer", "-scalar", "2"],
        ["hatype", "-modify", "Sample", "ArgList", "Name", "Count", "Devs", "Env"],
        ["hatype", "-modify", "Sample", "AEPTimeout", "1"],
        ["hatype", "-modify", "Sample", "OnlineTimeout", "120"],
        ["hatype", "-modify", "Sample", "SupportedActions", "logs", "primary"],
        ["hatype", "-modify", "Sample", "IMF", "Mode", "0", "MonitorFreq", "1"],
    ]


def test_escape():
    assert escape("-x") == "%-x"
    assert escape("%y") == "%%y"
    assert escape(True) == "1"
    assert escape(0) == "0"
    assert escape("a-b") == "a-b"


@pytest.mark.parametrize("name", list(PROJECT_TYPES))
def test_project_type_commands_follow_vcs_syntax(name):
    decl = project_type(name)
    cmds = add_types_commands([name])
    assert cmds[0] == ["haconf", "-makerw"]
    assert cmds[-1] == ["haconf", "-dump", "-makero"]
    assert cmds[1] == ["hatype", "-add", name]
    body = cmds[2:-1]
    added = []
    for cmd in body:
        if cmd[0] == "haattr":
            haattr_shape_ok(cmd)
            added.append(cmd[cmd.index(name) + 1])
        else:
            assert cmd[:3] == ["hatype", "-modify", name]
    # every declared attribute is added once, before the ArgList that names it
    assert added == list(decl.attrs)
    arglist = next(c for c in body if c[3] == "ArgList")
    assert arglist[4:] == decl.arglist
    assert body.index(arglist) == len(decl.attrs)
    # DECISIONS.md 1: every vxha type declares static AEPTimeout = 1
    assert ["hatype", "-modify", name, "AEPTimeout", "1"] in body
    # the command values agree with the rendered Types.cf defaults
    for cmd in body:
        if cmd[0] == "haattr":
            attr = decl.attrs[cmd[cmd.index(name) + 1]]
            default = haattr_shape_ok(cmd)
            if attr.dim == "scalar" and default:
                assert default[0].lstrip("%") == str(
                    int(attr.default) if attr.type != "str" else attr.default
                )


def test_default_is_the_four_types_in_one_session():
    cmds = add_types_commands()
    adds = [c[2] for c in cmds if c[:2] == ["hatype", "-add"]]
    assert adds == list(PROJECT_TYPES)
    assert [c for c in cmds if c[0] == "haconf"] == [
        ["haconf", "-makerw"],
        ["haconf", "-dump", "-makero"],
    ]


def test_existing_types_are_skipped_and_nothing_left_is_no_session():
    cmds = add_types_commands(existing=["CFSMount"])
    assert ["hatype", "-add", "CFSMount"] not in cmds
    assert not any("CFSMount" in c for c in cmds)
    assert add_types_commands(existing=list(PROJECT_TYPES)) == []
