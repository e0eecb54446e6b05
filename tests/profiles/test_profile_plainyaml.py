"""The plain YAML reader gives what PyYAML (through the loader's converter) gives, or steps
aside: never a different value."""

from __future__ import annotations

import glob
import os
import sys

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vxha.profiles import EXAMPLES
from vxha.profiles.loader import LoadFailed, _parse_yaml, parse_text
from vxha.profiles.plainyaml import read

BENCHMARKS = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")
SCALARS = [
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "null",
    "~",
    "",
    "1",
    "-1",
    "+1",
    "007",
    "0x1F",
    "0o17",
    "1_000",
    "1:30",
    "1.5",
    "1e3",
    ".5",
    ".inf",
    "2024-01-31",
    "2024-01-31 10:00:00",
    "10.3",
    "1.0.0",
    "nbu:10.3",
    "a b",
    "it's",
    'say "hi"',
    "a:b",
    "a: b",
    "a #b",
    "#a",
    "- a",
    "-a",
    "?a",
    "a,b",
    ",a",
    ",",
    ", a",
    ":a",
    "?",
    "/opt/x",
    "16GiB",
    "10.200.0.7/16",
    " lead",
    "trail ",
    "x\n",
]
KEYS = ["name", "on", "1", "a.b", "vxos.image", "a-b", "_k", "8443/tcp", "x y", "no"]


def _same(a, b):
    """Equal, and of the same types all the way down (True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def _slow(text):
    try:
        return _parse_yaml(text, "p.yaml").data
    except LoadFailed:
        return LoadFailed


def _check(text):
    fast = read(text)
    if fast is not None:
        slow = _slow(text)
        assert slow is not LoadFailed, text
        assert _same(fast, slow), (text, fast, slow)
    return fast


def _profiles():
    return sorted(glob.glob(os.path.join(EXAMPLES, "**", "*.yaml"), recursive=True))


@pytest.mark.parametrize("path", _profiles(), ids=os.path.basename)
def test_examples_read_plainly(path):
    with open(path) as f:
        text = f.read()
    _check(text)


def test_generated_profiles_take_the_fast_path(tmp_path):
    sys.path.insert(0, BENCHMARKS)
    try:
        from bench_profiles import generate
    finally:
        sys.path.remove(BENCHMARKS)
    root = generate(str(tmp_path), 5, None)
    paths = glob.glob(os.path.join(root, "servers", "*.yaml"))
    assert paths
    for path in paths:
        with open(path) as f:
            assert _check(f.read()) is not None, path


LAYOUTS = [
    "a: 1\nb:\n- x\n- y\nc: z\n",
    "a:\n  - x\n  - y\n",
    "a:\n- k: 1\n  l: 2\n- k: 3\n",
    "a:\n-   k: 1\n    l: 2\n",
    "a:\n  b:\n    c: d\n  e: f\n",
    "a:\n-\n  k: 1\n- x\n",
    "a:\n- k:\n  - 1\n  l: 2\n",
    "a: 1\n# comment\n  # indented comment\nb: 2\n",
    "a:\nb: 1\n",
    "a: 'q'\nb: \"r\"\n",
    "a: x\n  y\n",
    "a:\n  x\n",
    "a: 1\na: 2\n",
    "a: 1 # c\n",
    "a: 'it''s'\n",
    '"a": 1\n',
    "  a: 1\n",
    "a: [1, 2]\n",
    "a: &x 1\nb: *x\n",
    "- a\n- b\n",
    "plain\n",
    "a:\n- - x\n",
    "a: b: c\n",
    "a:b\n",
    "a:\n    b: 1\n  c: 2\n",
]


@pytest.mark.parametrize("text", LAYOUTS)
def test_layouts(text):
    _check(text)


def test_what_needs_pyyaml_is_left_to_it():
    for text in ("a: &x 1\n", "a: !!str 1\n", "a: |\n  x\n", "a: {b: 1}\n", "a: 1\na: 2\n"):
        assert read(text) is None, text


def test_what_needs_pyyaml_anywhere_in_a_document_is_left_to_it():
    # Lines are looked at one by one and remembered: a line read before in a plain
    # document does not make a later document that needs PyYAML elsewhere plain.
    assert read("name: x\nload:\n  cpus: 2\n") == {"name": "x", "load": {"cpus": 2}}
    for tail in (
        "# see [the docs]\n",  # a comment holding a flow collection's bracket
        "  # a & b\n",
        "# a tab\there\n",
        "---\n",  # a document marker at a line's start
        "...\n",
        "other: x\r\n",
        "note: caf\u00e9 \u2028\n",  # a line separator YAML does not allow plain
        "\ufeff\n",
        "x: 'a\\b'\n",
    ):
        assert read("name: x\nload:\n  cpus: 2\n" + tail) is None, tail
        assert read(tail + "name: x\n") is None, tail


def test_positions_come_from_pyyaml_on_demand():
    doc = parse_text("name: x\nload:\n  cpus: 2\n", "p.yaml")
    assert doc._marks is None
    assert doc.where(("load", "cpus")) == (3, 3)
    assert doc.where(("load",)) == (2, 1)


_scalar = st.sampled_from(SCALARS)
_key = st.sampled_from(KEYS)
_data = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_key, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_key, _data, min_size=1, max_size=4), st.integers(0, 3))
def test_dumped_documents_agree(data, style):
    # PyYAML's own block layouts, with and without indented sequences
    text = yaml.safe_dump(
        data,
        default_flow_style=False,
        sort_keys=False,
        indent=2 + style % 2,
        width=10_000,
        allow_unicode=True,
    )
    if style >= 2:
        text = text.replace("\n- ", "\n  - ")
    _check(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from(["-", "- ", ""]), _key, _scalar),
        min_size=1,
        max_size=8,
    )
)
def test_arbitrary_lines_agree(rows):
    lines = []
    for indent, dash, key, value in rows:
        lines.append(" " * indent + dash + (f"{key}: {value}" if key != "x y" else value))
    _check("\n".join(lines) + "\n")


# Any text of the characters a plain scalar may hold, and of the indicators that decide
# whether it is one: the plain reader agrees with PyYAML
# or steps aside (",authsvc" was read plainly while PyYAML refuses it).
_TEXT = st.text(alphabet=st.sampled_from(list(" ab01-_.:,?/~+='\"#")), max_size=6)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "- "]), _TEXT), min_size=1, max_size=4))
def test_any_printable_value_agrees(rows):
    _check(
        "".join(
            f"{dash}k{i}: {value}\n" if not dash else f"k{i}:\n{dash}{value}\n"
            for i, (dash, value) in enumerate(rows)
        )
    )


def test_a_refused_text_taken_plainly_reports_pyyaml_s_error_not_a_crash():
    # Should the two readers ever disagree, the first problem reported carries PyYAML's
    # error instead of raising from inside the report.
    from vxha.profiles.loader import Doc

    doc = Doc("p.yaml", {"name": ",x"}, None, "name: ,x\n")
    doc.report(("name",), "a problem")
    assert [p.message for p in doc.problems][-1] == "a problem"
    assert any("malformed YAML" in p.message for p in doc.problems)
