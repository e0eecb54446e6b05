"""Unit tests of V50 argv parsing, coercion and argv building."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vxha.agents.framework import ArgvError, build_argv, confidence, parse_argv
from vxha.vcs_types.catalog import project_type

DUMMY = project_type("Dummy")


def test_every_dimension_parses_to_typed_values():
    argv = [
        "r1",
        "Str",
        "1",
        "a b",
        "Int",
        "1",
        "-7",
        "Flag",
        "1",
        "1",
        "Vec",
        "2",
        "x",
        "-y",
        "Keys",
        "0",
        "Assoc",
        "4",
        "K1",
        "v 1",
        "K2",
        "",
        "AEPTimeout",
        "1",
        "42",
    ]
    name, values, reason, aep = parse_argv(DUMMY, "monitor", argv)
    assert name == "r1" and reason is None and aep == 42
    assert values["Str"] == "a b"
    assert values["Int"] == -7
    assert values["Flag"] == 1
    assert values["Vec"] == ["x", "-y"]
    assert values["Keys"] == []
    assert values["Assoc"] == {"K1": "v 1", "K2": ""}
    assert values["Delay"] == 0  # not passed: the declared default


def test_clean_takes_its_reason_after_the_resource_name():
    name, _, reason, _ = parse_argv(DUMMY, "clean", ["r1", "4", "Str", "1", "x"])
    assert (name, reason) == ("r1", 4)


@pytest.mark.parametrize(
    "argv, attr, text",
    [
        (["r1", "Str"], "Str", "value count missing"),
        (["r1", "Vec", "3", "a"], "Vec", "count 3 is more than the 1 values left"),
        (["r1", "Int", "1", "ten"], "Int", "integer expected, got 'ten'"),
        (["r1", "Flag", "1", "yes"], "Flag", "boolean must be 0 or 1, got 'yes'"),
        (["r1", "Assoc", "3", "a", "b", "c"], "Assoc", "association needs key/value pairs"),
        (["r1", "Str", "x", "a"], "Str", "value count expected, got 'x'"),
        (["r1", "Str", "2", "a", "b"], "Str", "scalar takes one value, got 2"),
        (["r1", "Str", "1", "a", "Str", "1", "b"], "Str", "passed twice"),
    ],
)
def test_malformed_argv_names_the_attribute(argv, attr, text):
    with pytest.raises(ArgvError) as err:
        parse_argv(DUMMY, "monitor", argv)
    assert err.value.attr == attr
    assert str(err.value).startswith(f"attribute {attr}: ")
    assert text in str(err.value)


@pytest.mark.parametrize("raw, reason", [("6", 5), ("99", 5), ("-1", 0), ("x", 4), ("3", 3)])
def test_an_undocumented_clean_reason_is_the_closest_documented_one(raw, reason):
    said = []
    _, _, got, _ = parse_argv(DUMMY, "clean", ["r1", raw], lambda *a: said.append(a))
    assert got == reason
    assert bool(said) == (raw != str(reason))
    if said:
        assert f"clean reason {raw!r} is not one VCS documents" in said[0][0]


def test_clean_needs_a_reason():
    with pytest.raises(ArgvError, match="clean needs a reason"):
        parse_argv(DUMMY, "clean", ["r1"])


def test_a_tuple_the_type_does_not_declare_is_accepted_and_reported():
    extra = {}
    argv = ["r1", "ContainerInfo", "3", "Zone", "z1", "1", "Str", "1", "kept"]
    name, values, _, _ = parse_argv(DUMMY, "monitor", argv, extra=extra)
    assert (name, values["Str"]) == ("r1", "kept")
    assert extra["unknown"] == [("ContainerInfo", 3)]
    assert "ContainerInfo" not in values


def test_arglist_reference_carries_the_other_resources_value():
    """ArgList { Peer, Peer:Address }: Peer names another resource, Address is its
    attribute, of a type this one need not know (Agent Developer's Guide, "ArgList
    reference attributes")."""
    from vxha.agents.framework import Context, Resource
    from vxha.vcs_types.decl import Attr, TypeDecl

    decl = TypeDecl("Ref", [Attr("Peer"), Attr("Port", "int")], ["Peer", "Peer:Address", "Port"])
    values = {"Peer": "web_ip", "Peer:Address": ["10.0.0.10"], "Port": 80}
    argv = build_argv(decl, "r", values)
    assert argv == ["r", "Peer", "1", "web_ip", "Peer:Address", "1", "10.0.0.10", "Port", "1", "80"]
    extra = {}
    _, parsed, _, _ = parse_argv(decl, "monitor", argv, extra=extra)
    assert extra["unknown"] == []
    assert parsed["Peer"] == "web_ip" and parsed["Port"] == 80
    res = Resource("r", decl, "monitor", parsed, Context({}, True), 0.0)
    assert res.ref("Peer", "Address") == ["10.0.0.10"]
    # Not configured (VCS passes no value): empty, not an error.
    _, parsed, _, _ = parse_argv(decl, "monitor", build_argv(decl, "r", {"Peer": ""}))
    assert parsed["Peer:Address"] == []


def test_info_action_and_attr_changed_argv():
    extra = {}
    name, values, _, _ = parse_argv(DUMMY, "info", ["r1", "2", "Str", "1", "s"], extra=extra)
    assert (name, values["Str"], extra["resinfo_op"]) == ("r1", "s", 2)
    with pytest.raises(ArgvError, match="resinfo_op"):
        parse_argv(DUMMY, "info", ["r1", "Str", "1", "s"])
    argv = build_argv(DUMMY, "r1", {"Str": "s"}, "action", action_args=["a b", "3"])
    assert argv[-3:] == ["2", "a b", "3"]
    extra = {}
    _, values, _, _ = parse_argv(DUMMY, "action", argv, extra=extra)
    assert values["Str"] == "s" and extra["action_args"] == ["a b", "3"]
    extra = {}
    parse_argv(DUMMY, "action", build_argv(DUMMY, "r1", {}, "action"), extra=extra)
    assert extra["action_args"] == []
    extra = {}
    parse_argv(DUMMY, "attr_changed", ["r1", "r1", "Str", "new", "value"], extra=extra)
    assert extra["changed"] == ("r1", "Str", ["new", "value"])


def test_confidence_maps_to_101_through_110():
    assert [confidence(p) for p in (10, 50, 90, 100)] == [101, 105, 109, 110]


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@given(
    s=texts,
    i=st.integers(-(2**31), 2**31 - 1),
    flag=st.integers(0, 1),
    vec=st.lists(texts, max_size=5),
    assoc=st.dictionaries(texts, texts, max_size=5),
    reason=st.integers(0, 5),
)
def test_build_then_parse_is_the_identity(s, i, flag, vec, assoc, reason):
    values = {"Str": s, "Int": i, "Flag": flag, "Vec": vec, "Keys": vec, "Assoc": assoc}
    argv = build_argv(DUMMY, "res", values, "clean", reason=reason, aep_timeout=9)
    name, parsed, got_reason, aep = parse_argv(DUMMY, "clean", argv)
    assert (name, got_reason, aep) == ("res", reason, 9)
    for k, v in values.items():
        assert parsed[k] == v


def test_renamed_attribute_old_name_is_read_as_the_new():
    """A configuration written before Container's Name became RuntimeName still works:
    build_argv passes the old value under the new name, parse_argv reads the old tuple."""
    decl = project_type("Container")
    argv = build_argv(decl, "db_ctr", {"Name": "db", "Image": "img:1"})
    assert argv[1:4] == ["RuntimeName", "1", "db"]
    extra = {}
    _, values, _, _ = parse_argv(decl, "monitor", ["db_ctr", "Name", "1", "db"], extra=extra)
    assert values["RuntimeName"] == "db" and "Name" not in values
    assert extra["renamed"] == [("Name", "RuntimeName")]
