"""The table of documented ha* forms: parsing, values, check() and the emitting helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vxha.vcs_types import haforms
from vxha.vcs_types.haforms import FormError, check, new_value, parse

ROOT = Path(__file__).resolve().parents[2]


def example(form):
    """The smallest argv the form's syntax allows (required words and options only)."""
    choices = dict(form.choices)
    optmap = {o.flag: o for o in form.opts}
    argv = [form.cmd] + ([form.op] if form.op else [])  # hastart has no option word
    for spec in form.args:
        if spec.startswith("["):
            continue
        name = spec.rstrip(".")
        argv.append(choices.get(name.lower(), ("w" + name.lower(),))[0])
    for grp in form.need:
        o = optmap[grp[0]]
        argv += [o.flag] + (["x"] if o.value else [])
    return argv


@pytest.mark.parametrize("form", haforms.FORMS, ids=lambda f: f.key)
def test_every_form_accepts_its_documented_syntax(form):
    call = parse(example(form))
    assert call.form is form
    assert form.source, f"{form.key} names no source"


@pytest.mark.parametrize("form", haforms.FORMS, ids=lambda f: f.key)
def test_every_form_refuses_an_option_it_does_not_have(form):
    with pytest.raises(FormError, match="unknown option -bogus"):
        parse(example(form) + ["-bogus"])


@pytest.mark.parametrize(
    "form", [f for f in haforms.FORMS if any(not a.startswith("[") for a in f.args)], ids=str
)
def test_every_form_refuses_a_missing_word(form):
    argv = example(form)
    words = [w for w in argv[2:] if not w.startswith("-") and w != "x"]
    argv.remove(words[-1])
    with pytest.raises(FormError, match="missing|needs"):
        parse(argv)


@pytest.mark.parametrize("form", [f for f in haforms.FORMS if f.need], ids=lambda f: f.key)
def test_forms_that_need_an_option_refuse_none(form):
    argv = [w for w in example(form) if w not in {o.flag for o in form.opts} and w != "x"]
    with pytest.raises(FormError, match="needs"):
        parse(argv)


def test_words_by_placeholder_and_options_anywhere():
    c = parse(["hagrp", "-modify", "-sys", "n1", "web", "UserStrLocal", "%-x"])
    assert (c["group"], c["attr"], c["value"], c["sys"]) == ("web", "UserStrLocal", ["-x"], "n1")
    c = parse(["hagrp", "-display", "a", "b", "-attribute", "State", "-attribute", "Frozen"])
    assert c["group"] == ["a", "b"] and c["attribute"] == ["State", "Frozen"]
    c = parse(["hagrp", "-link", "p", "c", "online", "global"])
    assert "rigidity" not in c.args  # the documented default (firm) is the engine's
    assert parse(["hastatus", "-summary"]).form is parse(["hastatus", "-sum"]).form
    assert parse(["/opt/VRTSvcs/bin/hagrp", "-state"]).form.cmd == "hagrp"


@pytest.mark.parametrize(
    "argv, why",
    [
        ("hagrp -link p c", "missing CATEGORY"),
        ("hagrp -link p c online", "missing LOCATION"),
        ("hagrp -link p c online nearby", "location is one of local, global, remote"),
        ("hagrp -link p c online local rigid", "rigidity is one of soft, firm, hard"),
        ("hagrp -online web", "needs -sys or -any"),
        ("hagrp -online web -sys n1 -any", "exactly one of -sys or -any"),
        ("hagrp -online web -force -propagate -any", "exclude each other"),
        ("hagrp -freeze web -persistent -persistent", "given twice"),
        ("hares -global r A", "missing VALUE"),
        ("hagrp -global g A", "missing VALUE"),
        ("hares -modify r Env K -v", "unknown option -v .*written %-v"),
        ("hares -modify r Attr", "missing VALUE"),
        ("hagrp -modify g Load -sys", "-sys needs SYSTEM"),
        ("hagrp -state -sys", "-sys needs SYSTEM"),
        ("hagrp -value g", "missing ATTR"),
        ("hagrp -value g A n1 extra", "unexpected argument extra"),
        ("hagrp -nosuch g", "unknown option -nosuch"),
        ("hagrp", "needs an option"),
        ("hafoo -x", "unknown command hafoo"),
        ("hastop", "needs an option"),
        ("haattr -add -string -integer T A", "exclude each other"),
    ],
)
def test_refused_forms_say_why(argv, why):
    with pytest.raises(FormError, match=why):
        parse(argv.split())


def test_modify_words_and_escapes():
    c = parse("hagrp -modify g SystemList -add n3 2".split())
    assert c["value"] == ["-add", "n3", "2"]
    c = parse("hagrp -modify g AutoStartList -delete -keys".split())
    assert c["value"] == ["-delete", "-keys"]
    c = parse(["hares", "-modify", "r", "Env", "K", "%%a", "L", "%-b"])
    assert c["value"] == ["K", "%a", "L", "-b"]
    # -add is an operation only as the first value word
    with pytest.raises(FormError, match="unknown option -add"):
        parse("hagrp -modify g SystemList n1 -add".split())


@given(st.text(min_size=0, max_size=12))
def test_escape_round_trips_through_parse(text):
    argv = ["hagrp", "-modify", "g", "UserStrGlobal", haforms.escape(text)]
    assert parse(argv)["value"] == [text]


def test_new_value_by_dimension():
    assert new_value("A", "int", "scalar", None, ["42"]) == 42
    assert new_value("A", "str", "scalar", None, [""]) == ""
    assert new_value("S", "int", "association", {}, ["n1", "0", "n2", "1"]) == {"n1": 0, "n2": 1}
    assert new_value("S", "int", "association", {"n1": 0}, ["-add", "n3", "2"]) == {
        "n1": 0,
        "n3": 2,
    }
    assert new_value("S", "int", "association", {"n1": 0}, ["-update", "n1", "5"]) == {"n1": 5}
    assert new_value("S", "int", "association", {"n1": 0, "n3": 2}, ["-delete", "n1"]) == {"n3": 2}
    assert new_value("S", "int", "association", {"n1": 0}, ["-delete", "-keys"]) == {}
    assert new_value("K", "str", "keylist", ["a"], ["-add", "b"]) == ["a", "b"]
    assert new_value("K", "str", "keylist", ["a", "b"], ["-delete", "a"]) == ["b"]
    assert new_value("K", "str", "keylist", ["a", "b"], ["-delete", "-keys"]) == []
    assert new_value("V", "str", "vector", ["a"], ["a", "a"]) == ["a", "a"]


@pytest.mark.parametrize(
    "dtype, dim, current, words, why",
    [
        ("int", "scalar", None, ["a"], "not an integer"),
        ("boolean", "scalar", None, ["2"], "0 or 1"),
        ("str", "scalar", None, ["a", "b"], "takes one value"),
        ("str", "scalar", None, ["-add", "x"], "applies to lists"),
        ("int", "association", {"CPU": 2}, ["0"], "key value pairs .to clear it: -delete -keys"),
        ("int", "association", {}, ["a", "1", "a", "2"], "given twice"),
        ("int", "association", {"a": 1}, ["-add", "a", "2"], "already exists"),
        ("int", "association", {}, ["-update", "a", "2"], "not found"),
        ("int", "association", {}, ["-delete", "a"], "not found"),
        ("str", "keylist", [], [""], "empty word is no key"),
        ("str", "keylist", ["a"], ["-add", "a"], "already in the keylist"),
        ("str", "keylist", [], ["-delete", "z"], "not found"),
        ("str", "keylist", [], ["-update", "a"], "-update applies to vectors"),
        ("str", "keylist", [], ["-add"], "needs values"),
    ],
)
def test_new_value_refusals(dtype, dim, current, words, why):
    with pytest.raises(FormError, match=why):
        new_value("A", dtype, dim, current, words)


@pytest.mark.parametrize(
    "argv, why",
    [
        ("hagrp -modify g Load 0", "association: it takes key value pairs"),
        ("hasys -modify n1 Capacity 0", "association: it takes key value pairs"),
        ("haclus -modify Administrators ''", "empty word is no key"),
        ("hagrp -modify g Enabled 1", "hagrp -enable"),
        ("hagrp -modify g Frozen 0", "hagrp -freeze | -unfreeze GROUP -persistent"),
        ("hasys -modify n1 Frozen 1", "hasys -freeze"),
        ("hagrp -modify g AutoFailOver x", "not an integer"),
        ("hares -modify r Env DEDUP_POOL -pool2", "written %-pool2"),
        ("hares -global r Attr", "missing VALUE"),
        ("hagrp -link p c", "missing CATEGORY"),
    ],
)
def test_check_names_what_vcs_refuses(argv, why):
    words = [w if w != "''" else "" for w in argv.split()]
    problem = check(words)
    assert problem is not None and why in problem, problem


def test_check_accepts_the_documented_ways():
    ok = [
        "hagrp -modify g Load -delete -keys",
        "hagrp -modify g Load CPU 2 Mem 4096",
        "hasys -modify n1 Capacity CPU 16 Mem 65536",
        "haclus -modify Administrators -delete -keys",
        "hares -modify r Env DEDUP_POOL %-pool2",
        "hagrp -enable g -sys n1",
        "hagrp -unfreeze g -persistent",
        "hares -override r MonitorInterval",
        "hares -undo_override r MonitorInterval",
        "hagrp -link p c online local",
        "hagrp -modify g UnknownToTheTables 1",  # not checkable without the cluster: passes
    ]
    for argv in ok:
        assert check(argv.split()) is None, argv


def test_check_uses_a_lookup_for_resource_attributes():
    def lookup(kind, obj, attr):
        return {"Env": ("str", "association", False), "Port": ("int", "scalar", False)}.get(attr)

    assert check("hares -modify r Port 80".split(), lookup) is None
    assert "not an integer" in check("hares -modify r Port eighty".split(), lookup)
    assert "key value pairs" in check("hares -modify r Env K".split(), lookup)


def test_emitting_helpers_emit_documented_forms():
    emitted = [
        haforms.modify("hagrp", "g", "Load", {}, "association"),
        haforms.modify("hagrp", "g", "AutoStartList", [], "keylist"),
        haforms.modify("haclus", None, "Administrators", [], "keylist"),
        haforms.modify("hasys", "n1", "Capacity", {"CPU": 16}, "association"),
        haforms.modify("hares", "r", "Env", {"POOL": "-pool2", "P": "%x"}, "association"),
        haforms.modify("hagrp", "g", "UserStrLocal", "-x", "scalar", system="n1"),
        haforms.clear("hares", "r", "Mounts", system="n2"),
        haforms.localize("hares", "r", "Device"),
        haforms.globalize("hares", "r", "Device", "eth0", "scalar"),
        haforms.override("r", "MonitorInterval"),
        haforms.undo_override("r", "MonitorInterval"),
        haforms.enable("g"),
        haforms.disable("g", "n1"),
        haforms.freeze("g"),
        haforms.unfreeze("g", persistent=False),
        haforms.link("p", "c", "online", "local", "firm"),
    ]
    for argv in emitted:
        assert check(argv) is None, argv
    assert emitted[0] == ["hagrp", "-modify", "g", "Load", "-delete", "-keys"]
    assert emitted[2] == ["haclus", "-modify", "Administrators", "-delete", "-keys"]
    assert emitted[4][4:] == ["POOL", "%-pool2", "P", "%%x"]
    assert parse(emitted[4])["value"] == ["POOL", "-pool2", "P", "%x"]
    with pytest.raises(ValueError, match="needs a value"):
        haforms.globalize("hagrp", "g", "AutoStartList", [], "keylist")


def test_docs_show_the_table():
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text.split("## Command forms", 1)[1]
    assert haforms.markdown_table() in section, (
        "docs/operations.md's Command forms table differs from haforms.markdown_table()"
    )
