"""The plain block YAML that profiles are written in, read without PyYAML's node graph.

PyYAML builds a node for every value and resolves each scalar in Python, which made it the
second cost of loading thousands of profiles. Most profiles use only block mappings, block
sequences, plain scalars and simply quoted ones: this reader takes exactly that and returns
None for anything else (anchors, tags, flow collections, multi-line scalars, escapes,
comments after a value, odd indentation, duplicate or non-string keys), so the loader
falls back to PyYAML and its checks. Scalars resolve with PyYAML's own implicit resolvers and
constructors (YAML 1.1 as SafeLoader reads it), so both readers give the same values.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

import yaml

from vxha.memo import Memo

_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "timestamp")
)
# Characters that make the document need PyYAML: anchors, aliases, tags, block scalars,
# flow collections, directives, escapes, tabs, carriage returns, and in ASCII text the
# control characters YAML forbids; other text is checked whole (_NOT_PLAIN_TEXT). None of
# them is a line break, so each line is checked on its own, once a run (_line_new); so are
# the document markers at a line's start.
_NEEDS_PYYAML = re.compile(r"[&*!|>{}\[\]%@`\\\x00-\x09\x0b-\x1f\x7f]")
_MARKERS = ("---", "...")
# what YAML forbids, its other line breaks, and a byte order mark
_NOT_PLAIN_TEXT = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# The key of `key: value` or `key:`: a plain word (anything else goes to PyYAML)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*\Z")


class _NotPlain(Exception):
    pass


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


def yaml11_number(tag: str, text: str, value: Any) -> Optional[Tuple[str, str]]:
    """(message, hint) when ``text`` is a number only YAML 1.1 reads so: 0755 (octal 493;
    755 in YAML 1.2) and 1:30 (base 60, 90; text in YAML 1.2). The loader refuses them."""
    if tag != _INT and tag != _FLOAT:
        return None
    if ":" in text:
        return (
            f"{text} is a base-60 number in YAML 1.1 (read as {value})",
            f'quote it ("{text}") if it is text',
        )
    digits = text.lstrip("+-")
    if tag == _INT and len(digits) > 1 and digits[0] == "0" and digits[1] not in "bx":
        decimal = text[: len(text) - len(digits)] + (digits.lstrip("0_") or "0")
        return (
            f"{text} is an octal number in YAML 1.1 (read as {value})",
            f'write {decimal}, or quote it ("{text}") if it is text',
        )
    return None


def _resolve_new(value: str) -> Any:
    resolvers = _RESOLVERS.get(value[0] if value else "", [])
    wildcard = _RESOLVERS.get(None, [])
    for tag, regexp in resolvers + wildcard if wildcard else resolvers:
        if regexp.match(value):
            if tag not in _SCALAR_TAGS:
                raise _NotPlain(tag)
            if (tag == _INT or tag == _FLOAT) and yaml11_number(tag, value, None):
                raise _NotPlain(value)  # PyYAML's reader reports it, with its position
            node = yaml.ScalarNode(tag, value)
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
    return value


def _scalar(text: str) -> Any:
    first = text[0]
    if first == "'":
        if len(text) < 2 or text[-1] != "'" or "'" in text[1:-1]:
            raise _NotPlain(text)
        return text[1:-1]
    if first == '"':
        if len(text) < 2 or text[-1] != '"' or '"' in text[1:-1]:
            raise _NotPlain(text)
        return text[1:-1]
    # A plain scalar starts with no indicator: "," never, "-", "?" and ":" only before a
    # character that is not a blank (PyYAML's check_plain; the others are in _NEEDS_PYYAML)
    if first == "," or (first in "-?:" and (len(text) == 1 or text[1] == " ")):
        raise _NotPlain(text)
    if first in "#'\"" or ": " in text or " #" in text or text.endswith(":"):
        raise _NotPlain(text)
    # Not remembered: a value is read when its line is first met, and a line met again is
    # remembered whole (_LINES); the values of new lines (names, addresses, disk groups)
    # are new themselves, and a table's miss cost more than reading them.
    return _resolve_new(text)


def _key_new(word: str) -> Any:
    """The key ``word`` reads as, or _NOT_A_KEY when the plain reader does not take it."""
    if _KEY.match(word) is None:
        return _NOT_A_KEY
    key = _resolve_new(word)
    return key if type(key) is str and key != "<<" else _NOT_A_KEY


# The text before a line's first colon -> its key: keys recur from line to line, so a
# line met for the first time is split with str.partition and its key looked up.
_KEYS = Memo(_key_new)
_NOT_A_KEY = object()
_OPEN = object()  # `key:` with nothing after it: the value is the block below
_Line = Tuple[int, str, Any, Any]


def _entry(content: str) -> Tuple[str, Any]:
    """``key: value`` (one space or more) or ``key:``, the key a plain word."""
    word, colon, rest = content.partition(":")
    key = _KEYS[word] if colon else _NOT_A_KEY
    if key is _NOT_A_KEY:
        raise _NotPlain(content)
    if not rest:
        return key, _OPEN
    value = rest.lstrip(" ")
    if len(value) == len(rest) or not value:
        raise _NotPlain(content)
    return key, _scalar(value)


class _Reader:
    def __init__(self, lines: List[_Line]):
        self.lines = lines  # (indent, content, key, value) of every line holding something
        self.i = 0

    def node(self, indent: int, depth: int) -> Any:
        """The block starting at the current line, indented by ``indent``."""
        if depth >= 60:  # the loader's depth limit is PyYAML's path's to report
            raise _NotPlain("deep")
        content = self.lines[self.i][1]
        if content == "-" or content.startswith("- "):
            return self.sequence(indent, depth)
        return self.mapping(indent, depth)

    def value_after(self, indent: int, depth: int, seq_ok: bool) -> Any:
        """The value of a ``key:`` (or ``-``) with nothing after it: a block below, or null."""
        if self.i < len(self.lines):
            nxt_indent, nxt = self.lines[self.i][:2]
            if nxt_indent > indent:
                return self.node(nxt_indent, depth + 1)
            if seq_ok and nxt_indent == indent and (nxt == "-" or nxt.startswith("- ")):
                return self.sequence(indent, depth + 1)
        return None

    def mapping(self, indent: int, depth: int) -> dict:
        out: dict = {}
        lines = self.lines
        count = len(lines)
        i = self.i
        while i < count:
            ind, content, key, value = lines[i]
            if ind != indent:
                if ind < indent:
                    break
                raise _NotPlain(content)
            if key.__class__ is not str or key in out:
                raise _NotPlain(content)
            i += 1
            if value is not _OPEN:
                out[key] = value
            else:
                self.i = i
                out[key] = self.value_after(indent, depth, True)
                i = self.i
        self.i = i
        return out

    def sequence(self, indent: int, depth: int) -> list:
        out: list = []
        lines = self.lines
        while self.i < len(lines):
            ind, content, kind, item = lines[self.i]
            if ind < indent:
                break
            if ind > indent:
                raise _NotPlain(content)
            if content == "-":
                self.i += 1
                out.append(self.value_after(indent, depth, False))
                continue
            if not content.startswith("- "):
                break  # the mapping holding this sequence goes on
            if kind is not _ITEM:
                raise _NotPlain(content)
            pad, body, opens, key, value = item
            if opens:
                # `- key: value` opens a mapping at the column of `key`
                lines[self.i] = (indent + 2 + pad, body, key, value)
                out.append(self.mapping(indent + 2 + pad, depth + 1))
            else:
                self.i += 1
                out.append(value)
        return out


def _item_new(content: str) -> Tuple[int, str, bool, Any, Any]:
    """(spaces after the dash, the rest, whether it opens a mapping, and the rest read as
    a mapping line when it does, else (None, its value))."""
    body = content[2:]
    pad = len(body) - len(body.lstrip(" "))
    body = body[pad:]
    if body.startswith("- ") or body == "-":
        raise _NotPlain(content)
    key, sep, rest = body.partition(":")
    opens = bool(sep and (not rest or rest[0] == " ") and not body.startswith(("'", '"')))
    if opens:
        return (pad, body, True) + _entry(body)
    return pad, body, False, None, _scalar(body)


def _lines(text: str) -> List[_Line]:
    """(indentation, content, key, value) of every line holding something, trailing
    blanks left out (blank lines and comment lines hold nothing)."""
    lines = _LINES
    return [x for x in map(lines.__getitem__, text.split("\n")) if x is not None]


def _line_new(line: str) -> Optional[_Line]:
    if (
        _NEEDS_PYYAML.search(line)
        or line.startswith(_MARKERS)
        or (not line.isascii() and _NOT_PLAIN_TEXT.search(line))
    ):
        return _FOR_PYYAML
    content = line.strip(" ")
    if not content or content[0] == "#":
        return None
    indent = len(line) - len(line.lstrip(" "))
    # Every line of a document the reader takes is read, so each is read here, once a run:
    # one that cannot be is marked, and reading the document then gives up.
    if content == "-":
        return (indent, content, _ITEM, None)  # its value is the block below
    try:
        if content.startswith("- "):
            return (indent, content, _ITEM, _item_new(content))
        return (indent, content) + _entry(content)
    except (_NotPlain, ValueError, TypeError, KeyError):
        return (indent, content, _UNREADABLE, None)


# A line -> (indentation, content, key, value), the key _ITEM for a `- ...` line (then
# the value is _item_new's) and _UNREADABLE for a line only PyYAML reads (a comment too,
# when it holds what _NEEDS_PYYAML looks for); None when it holds nothing. Most lines of a
# set of profiles recur: each is then read with one lookup. The reader gives up at the
# first _UNREADABLE line it meets, and a document it takes has every line met.
_LINES = Memo(_line_new)
_ITEM = object()
_UNREADABLE = object()
_FOR_PYYAML = (0, "", _UNREADABLE, None)


def read(text: str) -> Optional[Any]:
    """The document's value when it is a plain block mapping, else None (ask PyYAML)."""
    # Anchors and flow collections, what most documents for PyYAML hold, are found at
    # once (memchr) before any of their lines is read.
    if "&" in text or "{" in text or "[" in text:
        return None
    lines = _lines(text)
    if not lines or lines[0][0] != 0:
        return None
    reader = _Reader(lines)
    try:
        data = reader.node(0, 0)
    except (_NotPlain, ValueError, TypeError, KeyError):
        return None
    if reader.i != len(lines) or not isinstance(data, dict):
        return None
    return data
