"""The line reader gives the general parser's model, positions and order included, or steps
aside; on text the general parser refuses it always steps aside."""

from __future__ import annotations

import dataclasses
import glob
import os
import re
import sys

import pytest
from bigconfig import big_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cf_properties import configs

from vxha.vcs_types.cf import CfError, _Parser, parse, write
from vxha.vcs_types.cf_lines import _statements_pattern, parse_lines
from vxha.vcs_types.model import Where

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _general(text, file="main.cf"):
    try:
        return _Parser(text, file).config()
    except CfError:
        return CfError


def _same(a, b, path="config"):
    """Equal in every field, those left out of == (positions, order) too."""
    if isinstance(a, Where) or isinstance(b, Where):
        assert (a.file, a.line, a.column) == (b.file, b.line, b.column), path
        return
    assert type(a) is type(b), (path, a, b)
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            if f.name != "text":
                _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
        for extra in ("order",):
            _same(getattr(a, extra, None), getattr(b, extra, None), f"{path}.{extra}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)


def _check(text, file="main.cf"):
    """The line reader's answer, checked against the general parser's."""
    fast = parse_lines(text, file)
    if fast is not None:
        slow = _general(text, file)
        assert slow is not CfError, text
        _same(fast, slow)
    return fast


def _files():
    return sorted(glob.glob(os.path.join(TESTS, "**", "*.cf"), recursive=True))


def test_every_configuration_of_the_tests():
    read = 0
    for path in _files():
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if "\x00" not in text and _check(text, path) is not None:
            read += 1
    assert read >= 3  # the generator's goldens at least


def test_generated_configurations_take_the_line_reader():
    text = write(big_config(3))
    assert _check(text) is not None
    golden = os.path.join(TESTS, "generators", "golden", "examples-veritas.main.cf")
    with open(golden) as f:
        assert _check(f.read()) is not None


def test_rendered_templates_take_the_line_reader():
    from vxha.generators.build import Options, plan
    from vxha.generators.generate import render
    from vxha.profiles import EXAMPLES, load_cluster, load_servers

    cluster = load_cluster(os.path.join(EXAMPLES, "cluster.yaml"))
    servers = load_servers(
        [os.path.join(EXAMPLES, "servers")], os.path.join(EXAMPLES, "images"), cluster
    )
    for cfsmount in ("veritas", "vxha"):
        text = render(plan(cluster, servers, Options(cfsmount=cfsmount)).context)
        assert _check(text, "<rendered main.cf>") is not None


def test_parse_gives_the_same_either_way():
    text = write(big_config(2))
    _same(parse(text), _general(text))


LINES = [
    "group g (",
    "group g2 (",
    "system s (",
    "system s",
    "cluster c (",
    ")",
    "    )",
    "\tA = 1",
    "\tA = 0",
    "\tA = 00",
    "\tA = 0755",
    "\tA = -0",
    "\tA = -12",
    "\tA @s = x",
    "\tA @group = x",
    '\tB = "x y"',
    '\tB = "a\\"b"',
    "\tC = { a, b }",
    "\tC = { a = 1, b = 2 }",
    "\tC = { a, b = 2 }",
    "\tC = { a = 1, a = 2 }",
    "\tC = {}",
    "\tC = { }",
    '\tC = { "k k" = "v", k2 = 3 }',
    "\tD = x // comment",
    "\tRes r (",
    "\tRes requires (",
    "\tr requires q",
    "\trequires group h online local firm",
    "\trequires group h offline global",
    "\trequires group group online local",
    "// comment",
    "# hash line",
    "/* block */",
    'include "types.cf"',
    "type T (",
    "site s (",
    "",
]


@SETTINGS
@given(st.lists(st.sampled_from(LINES), max_size=14))
def test_arbitrary_lines_agree(lines):
    text = "\n".join(lines) + "\n"
    if _check(text) is None:
        return
    assert _general(text) is not CfError


@SETTINGS
@given(configs())
def test_written_configurations_agree(cfg):
    _check(write(cfg))


@SETTINGS
@given(st.data())
def test_damaged_generated_text_agrees(data):
    lines = write(big_config(1)).split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        how = data.draw(st.sampled_from(["drop", "twice", "swap", "junk"]))
        if how == "drop":
            del lines[i]
        elif how == "twice":
            lines.insert(i, lines[i])
        elif how == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif how == "junk":
            lines[i] += data.draw(st.sampled_from([" (", " )", " =", " x", "@", ";", "{"]))
    _check("\n".join(lines))


# lines that may stand in a block, those ending in ")" among them
BLOCK_LINES = LINES + ["\t\tA = x)", '\t\tB = "a)"', "\t\t// (x)", "\t) x", "\t\t) ", "\t \t"]


def _orders(cfg):
    objects = [cfg.cluster, *cfg.groups, *(r for g in cfg.groups for r in g.resources)]
    return [getattr(o, "order", None) for o in objects]


@SETTINGS
@given(
    st.sampled_from(["group g", "system s", "cluster c", "\tProc p", "\tProc requires"]),
    st.lists(st.sampled_from(BLOCK_LINES), max_size=6),
    st.sampled_from(["\t)", "\t\t) \t", ")", "\t) x", ""]),
)
def test_a_block_reads_the_same_whole_or_statement_by_statement(head, lines, close):
    # a comment line in a block makes the reader take it statement by statement
    before = "group g0 (\n\t)\n" if head.startswith("\t") else ""
    whole = before + "\n".join([head + " (", *lines, close, ""])
    by_statement = before + "\n".join([head + " (", "\t// c", *lines, close, ""])
    a, b = _check(whole), _check(by_statement)
    assert (a is None) == (b is None), whole
    if a is not None:
        assert a == b and _orders(a) == _orders(b), whole


def test_a_block_with_comments_and_blank_lines_takes_the_line_reader():
    text = (
        "group g (\n\tParallel = 1\n\t// a comment (with parentheses)\n\n"
        "\tAutoStartList = { a }\n\t)\n\n\tProc p (\n\t\t# hash\n\t\tArgs = x\n\t\t)\n"
    )
    cfg = _check(text)
    assert cfg is not None
    assert cfg.groups[0].attrs == {"Parallel": 1, "AutoStartList": ["a"]}
    assert cfg.groups[0].resources[0].attrs == {"Args": "x"}


def test_a_position_set_before_it_is_worked_out_keeps_no_column():
    # the general parser's positions behave so (Where(file, resolver=..., index=...))
    cfg = parse_lines(REPEATED, "main.cf")
    for where in (cfg.groups[0].where, cfg.groups[0].resources[1].where):
        where.line = 7
        assert (where.line, where.column, str(where)) == (7, 0, "main.cf:7")
    where = cfg.groups[0].resources[0].where
    where.column = 3
    assert (where.line, where.column) == (5, 3)


def _statements(possessive, text):
    pattern = re.compile(_statements_pattern(possessive))
    return [(m.lastgroup, m.span(), m.groups()) for m in pattern.finditer(text)]


POSSESSIVE = pytest.mark.skipif(sys.version_info < (3, 11), reason="possessive repeats: 3.11")


@POSSESSIVE
@SETTINGS
@given(st.lists(st.sampled_from(LINES + ["\t", " \t// c ", "\tA = x \t", "\tA = {x}"]), max_size=9))
def test_possessive_statements_match_as_the_plain_ones(lines):
    text = "\n".join(lines)
    assert _statements(True, text) == _statements(False, text)
    assert _statements(True, text + "\n") == _statements(False, text + "\n")


@POSSESSIVE
def test_possessive_statements_match_as_the_plain_ones_on_every_file():
    texts = [write(big_config(3))]
    for path in _files():
        with open(path, encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    for text in texts:
        assert _statements(True, text) == _statements(False, text)


REPEATED = """\
group g (
\tSystemList = { n1 = 0, n2 = 1 }
\t)

\tProc p1 (
\t\tArgs = { a, b }
\t\tEnv @n1 = { X = 1 }
\t\t)

\tProc p2 (
\t\tArgs = { a, b }
\t\tEnv @n1 = { X = 1 }
\t\t)
"""


def test_a_repeated_line_gives_each_block_its_own_list_or_association():
    first = _check(REPEATED)
    p1, p2 = first.groups[0].resources
    assert p1.attrs["Args"] == p2.attrs["Args"] == ["a", "b"]
    assert p1.attrs["Args"] is not p2.attrs["Args"]
    assert p1.local["Env"]["n1"] is not p2.local["Env"]["n1"]
    # what one model's owner changes in place reaches neither another block nor the next
    # parse of the same lines
    p1.attrs["Args"].append("c")
    p1.local["Env"]["n1"]["Y"] = 2
    first.groups[0].attrs["SystemList"]["n3"] = 2
    assert p2.attrs["Args"] == ["a", "b"]
    assert p2.local["Env"]["n1"] == {"X": 1}
    again = _check(REPEATED)
    assert again.groups[0].attrs["SystemList"] == {"n1": 0, "n2": 1}
    assert [r.attrs["Args"] for r in again.groups[0].resources] == [["a", "b"], ["a", "b"]]
    assert [r.local["Env"] for r in again.groups[0].resources] == [{"n1": {"X": 1}}] * 2
