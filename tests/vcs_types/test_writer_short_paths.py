"""The writer's short paths for the common values write exactly what the declarations'
general formatting writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vxha.vcs_types.decl import format_name, format_scalar
from vxha.vcs_types.writer import _fmt, scalar_text

# strings made of the characters that decide the short paths: digits (ASCII and others),
# signs, quotes, escapes, line ends, letters (ASCII and others), separators
texts = st.text(alphabet=st.sampled_from('09-_aZ."\\\n\r /:²١é '), max_size=6)
scalars = st.one_of(texts, st.integers(-1000, 1000), st.booleans())


@settings(max_examples=1000, deadline=None)
@given(scalars)
def test_scalar_text_is_format_scalar(value):
    assert scalar_text(value) == format_scalar(value)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(texts, st.one_of(st.none(), scalars), max_size=4))
def test_associations_as_format_name_and_format_scalar_write_them(value):
    items = [
        format_name(k) if v is None else f"{format_name(k)} = {format_scalar(v)}"
        for k, v in value.items()
    ]
    assert _fmt(value) == ("{ " + ", ".join(items) + " }" if value else "{}")


def test_the_common_values():
    assert scalar_text("eth0") == "eth0"
    assert scalar_text("10.0.0.1") == '"10.0.0.1"'
    assert scalar_text("0755") == "0755"
    assert scalar_text("-12") == '"-12"'
    assert scalar_text("12") == '"12"'
    assert _fmt({"n1": 0, "n2": None}) == "{ n1 = 0, n2 }"


def test_an_association_repeated_with_other_classes_is_written_for_its_classes():
    # equal associations of other classes (1 == True == 1.0) are formatted once each
    for value in ({"a": 1}, {"a": True}, {"a": 1.0}, {1: 2}, {True: 2}, {"a": 1}):
        items = [f"{format_name(k)} = {format_scalar(v)}" for k, v in value.items()]
        assert _fmt(value) == "{ " + ", ".join(items) + " }"
    assert _fmt({"a": 1.0}) == '{ a = "1.0" }'
    assert _fmt({True: 2}) == "{ True = 2 }"


def test_equal_associations_written_differently_are_each_written_as_they_are():
    # -0.0 == 0.0 with one class; a subclass of str or int is not cached at all
    class Name(str):
        pass

    class Number(int):
        pass

    for value in ({"a": -0.0}, {"a": 0.0}, {Name("a"): 1}, {"a": Number(3)}, {"a": 3}):
        items = [f"{format_name(k)} = {format_scalar(v)}" for k, v in value.items()]
        assert _fmt(value) == "{ " + ", ".join(items) + " }"
    assert _fmt({"a": -0.0}) == '{ a = "-0.0" }'
    assert _fmt({"a": 0.0}) == '{ a = "0.0" }'


def test_an_association_changed_in_place_is_written_as_it_now_is():
    value = {"n1": 0, "n2": 1}
    assert _fmt(value) == "{ n1 = 0, n2 = 1 }"
    value["n3"] = 2
    assert _fmt(value) == "{ n1 = 0, n2 = 1, n3 = 2 }"


def test_writing_builds_no_reference_cycles():
    # the commands run with the collector off: a cycle a group would live until exit
    import gc

    from bigconfig import big_config

    from vxha.vcs_types.writer import write

    cfg = big_config(3)
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        write(cfg)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


@settings(max_examples=500, deadline=None)
@given(st.lists(scalars, max_size=4))
def test_lists_as_format_scalar_writes_their_items(value):
    text = "{ " + ", ".join(map(format_scalar, value)) + " }" if value else "{}"
    assert _fmt(value) == text


def test_lists_of_words_and_of_others():
    assert _fmt({"n1": 0, "n2": 1}) == "{ n1 = 0, n2 = 1 }"
    assert _fmt({"n1": True}) == "{ n1 = 1 }"
    assert _fmt({"n1": 0, "n2": "x y"}) == '{ n1 = 0, n2 = "x y" }'
    assert _fmt(["a", "b-c", "é", 7]) == '{ a, "b-c", "é", 7 }'


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["A", "B", "C"]),
        st.one_of(
            scalars,
            st.lists(scalars, max_size=3),
            st.dictionaries(texts, st.one_of(st.none(), scalars), max_size=3),
        ),
        max_size=3,
    ),
    texts,
)
def test_a_block_s_lines_are_written_as_fmt_writes_each_value(attrs, name):
    # the attribute lines, the group's head and a requires-group line are written by
    # short paths inside write(): each as _fmt, format_scalar and format_name write it
    from vxha.vcs_types.model import Config, Group, GroupDep, Resource
    from vxha.vcs_types.writer import write

    group = Group(name, attrs=dict(attrs), deps=[GroupDep(name)])
    group.resources = [Resource("T", "r", attrs=dict(attrs))]

    def lines(indent):
        return "".join(f"{indent}{k} = {_fmt(v)}\n" for k, v in attrs.items())

    expected = (
        f"group {format_name(name)} (\n"
        + lines("\t")
        + "\t)\n\n\tT r (\n"
        + lines("\t\t")
        + f"\t\t)\n\n\trequires group {format_name(name)} online local firm\n"
    )
    assert write(Config(groups=[group])).startswith(expected)
