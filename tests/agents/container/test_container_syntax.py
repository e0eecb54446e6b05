"""Unit tier: what the Container monitor checks and parses without re, json or urllib
(their imports cost a monitor more than its work) gives what those modules give.

The regular expressions here are the grammars as written before: each string-method
check must accept exactly what its expression fully matches.
"""

from __future__ import annotations

import json
import posixpath
import re
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vxha import imageref
from vxha.agents import container
from vxha.agents.drivers import jsonscan
from vxha.agents.drivers.docker import _quote

# Characters that matter to the grammars, and some that do not.
ALPHABET = st.sampled_from(
    list("aAzZ09_.-:/@=, kmgtpKMGTPibIB\t\n\\\"'{}[]")
    + ["\u212a", "\u0130", "\u0131", "\u0663", "\u00e9", "\u00df", "\u00b2", "\U0001f600"]
)
TEXT = st.text(ALPHABET, max_size=12) | st.text(max_size=8)

SYNTAXES = {
    container._is_name: r"[a-zA-Z0-9][a-zA-Z0-9_.-]+",
    imageref.env_name: r"[A-Za-z_][A-Za-z0-9_]*",
    container._is_decimal: r"\d+(?:\.\d+)?|\.\d+",
    container._is_network: r"[a-zA-Z0-9][a-zA-Z0-9_.-]*",
    container._is_user: r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?",
    container._is_cap: r"[A-Z][A-Z0-9_]*",
    container._is_tmpfs_opts: r"[A-Za-z0-9=,._-]*",
}
SIZE = re.compile(r"(\d+(?:\.\d+)?) ?([kmgtp])?(i?b)?", re.IGNORECASE)

LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REFERENCE = re.compile(
    rf"(?:{LABEL}(?:\.{LABEL})*(?::[0-9]+)?/)?{COMPONENT}(?:/{COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{12,64}")
HOST = re.compile(rf"{LABEL}(?:\.{LABEL})*")


@pytest.mark.parametrize("check", list(SYNTAXES), ids=lambda f: f.__name__)
@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_each_value_syntax_accepts_what_its_expression_matches(check, text):
    assert check(text) == bool(re.fullmatch(SYNTAXES[check], text))


@settings(max_examples=500, deadline=None)
@given(text=TEXT)
@example("5\u212ab")  # the Kelvin sign is a k to re.IGNORECASE
@example("5\u0131b")
@example("1.5 GiB")
@example("5.")
def test_size_syntax_gives_the_expressions_groups(text):
    m = SIZE.fullmatch(text)
    assert container._size(text) == (m.groups() if m else None)


REF_PARTS = st.lists(
    st.sampled_from(
        ["a", "ab", "a.b", "a_b", "a__b", "a___b", "a-b", "a--b", "a-.b", "A", "0", "a_",
         "h:5000", "h.local", "-h", "", ":1", ":latest", ":_x", ":.x", ":\u00e9", "@",
         "@sha256:" + "a" * 64, "@sha256:" + "A" * 64, "sha256:", "0" * 12, "/", ":"]
    ),
    max_size=6,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(parts=REF_PARTS, text=TEXT)
@example(parts=["registry.local:5000", "/", "pg", ":15"], text="")
@example(parts=["a" * 64], text="")
def test_image_references_are_the_grammar_they_were(parts, text):
    for ref in ("".join(parts), text):
        assert imageref.is_reference(ref) == bool(
            REFERENCE.fullmatch(ref) or IMAGE_ID.fullmatch(ref)
        )
        assert imageref.dns_name(ref) == bool(HOST.fullmatch(ref))


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=16))
def test_request_paths_are_quoted_as_urllib_quotes_them(text):
    try:
        expected = quote(text, safe="/:@")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            _quote(text)
        return
    assert _quote(text) == expected


@settings(max_examples=500, deadline=None)
@given(rest=st.lists(st.sampled_from(["", ".", "..", "a", "b.c", "..d", " "]), max_size=5))
@example(rest=[])
@example(rest=[""])
@example(rest=["", ""])
def test_host_paths_are_normalized_as_normpath_says(rest):
    """check_path refuses what posixpath.normpath would change (and '//'), naming its fix."""
    path = "/" + "/".join(rest)
    wanted = posixpath.normpath(path) == path and not path.startswith("//")
    if ".." in rest:
        wanted = False  # refused first, as '..'
    try:
        container.check_path(path, "source", "Mounts")
    except container.ConfigError as exc:
        assert not wanted, path
        assert exc.attr == "Mounts"
        if ".." not in rest:
            assert f"write {posixpath.normpath(path)!r}" in str(exc)
    else:
        assert wanted, path


def _nested(inner):
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(), _nested, max_leaves=20
)


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, pad=st.sampled_from(["", " ", "\n\t ", "\r\n"]), as_bytes=st.booleans())
def test_json_values_read_as_json_reads_them(value, pad, as_bytes):
    text = pad + json.dumps(value, indent=pad.count("\t") or None) + pad
    data = text.encode() if as_bytes else text
    assert _same(jsonscan.loads(data), json.loads(data))


@pytest.mark.parametrize(
    "data",
    ["", " ", "{", "[1,]", '{"a": 1} x', "nul", "\ufeff{}", b"\xef\xbb\xbf{}", b"\xff", "1 2",
     '"\x01"', '{"a" 1}', b'{"a": "\xed\xa0\x80"}', "[" * 100000],
)  # fmt: skip
def test_json_errors_are_jsons_own(data):
    try:
        expected = json.loads(data)
    except Exception as exc:  # noqa: BLE001 - whatever json raises, loads must raise alike
        with pytest.raises(type(exc)) as got:
            jsonscan.loads(data)
        assert str(got.value) == str(exc)
    else:
        assert _same(jsonscan.loads(data), expected)
