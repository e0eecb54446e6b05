"""main.cf in the layouts hacf, the writer and the generator's templates produce, read a line
at a time.

The general parser (``cf.py``) tokenizes the whole text and reads it token by token. A
generated main.cf has one statement or attribute per line, which this reader takes with one
regular-expression match per line, several times faster. It reads a line only where the
general parser would read the same thing, and gives up (None) at the first line it does
not know or at anything the general parser refuses (a name set twice, a block left open,
...): the general parser then reads the whole file and reports any error with its position.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from typing import Optional

from vxha.vcs_types.decl import DecimalText
from vxha.vcs_types.model import (
    INT32_MAX,
    INT32_MIN,
    Cluster,
    Config,
    Group,
    GroupDep,
    Resource,
    ResourceLink,
    System,
    Where,
    WideInt,
)

# The words and strings this reader takes: a subset of the general tokenizer's (no '/', no
# escapes, no line breaks in strings), so that each reads the same either way.
_WORD = r"[A-Za-z0-9_.:+\-]+"
_STRING = r'"[^"\\\n]*"'
_SCALAR = f"(?:{_STRING}|{_WORD})"

# One match per statement line, with the empty lines before it; the empty group closing
# each alternative names it (``lastgroup``). A whole block is one match ("block"): its body
# runs to the first ")" after the head, which must stand on a line of blanks (the body is
# found by one loop over its characters, not a match a line); its lines are then each read
# as an attribute line (_LINE, once for each text of a line: _LINES). When a line of the
# body is one _LINE refuses (a comment, a blank line, ...), the block is read again from its
# head statement by statement ("open", "attr", "comment", "close"), as is a block whose
# first ")" stands elsewhere. Consecutive comment lines are one match ("comment"): a repeat
# trying blank and comment lines before every statement cost more than the match a group's
# dependency-tree comment now makes. Anything else on a line is "other" (empty: a line of
# blanks). The alternatives are tried in the order a generated file holds them most (no two
# match the same line, but a "block" is also an "open"): a line tried against fewer
# alternatives that fail costs less. Groups: block 1-3 (keyword or type, name, body), dep
# 6-9, link 11-12, open 14-15, attr 18-20 (name, system, value), include 22, other 24.


def _statements_pattern(possessive: bool) -> str:
    """The statement pattern; ``possessive`` marks every repeat that backtracking could
    never shorten to a match (what follows it cannot start with what it repeats).

    Possessive repeats (Python 3.11) match the same text and skip the engine's bookkeeping
    for giving characters back: two fifths of the pattern's work on a generated file.
    """
    p = "+" if possessive else ""
    word = _WORD + p
    value = rf"(?:{_STRING}|{word}|\{{[^\n]*\}})"
    blank = rf"[ \t]*{p}"
    return (
        rf"\n*{p}{blank}(?:"
        # the body gives back the blanks before ")" (never possessive)
        rf"({word}) ({word}) \({blank}\n((?:[^)]*\n)?){blank}\)(?P<block>)"
        rf"|(?:(?://|\#)[^\n]*{p}(?:\n{blank}(?://|\#)[^\n]*{p})*{p})(?P<comment>)"
        rf"|requires group ({word}) (online|offline) (local|global|remote|site)"
        r"(?: (soft|firm|hard))?(?P<dep>)"
        rf"|({word}) requires ({word})(?P<link>)"
        rf"|({word}) ({word}) \((?P<open>)"
        r"|\)(?P<close>)"
        rf"|({word})(?: @({word}))? = ({value})(?P<attr>)"
        r'|include "([^"\\\n]*)"(?P<include>)'
        r"|([^\n]*)(?P<other>)"
        rf"){blank}(?:\n|\Z)"
    )


_STATEMENTS = re.compile(_statements_pattern(sys.version_info >= (3, 11))).finditer
_VECTOR = re.compile(rf"\{{ {_SCALAR}(?:, {_SCALAR})* \}}\Z").match
_ASSOCIATION = re.compile(rf"\{{ {_SCALAR} = {_SCALAR}(?:, {_SCALAR} = {_SCALAR})* \}}\Z").match
_ITEMS = re.compile(f"{_STRING}|{_WORD}").findall
# One line of a "block" body: what the "attr" alternative takes, blanks around it
_LINE = re.compile(
    rf"[ \t]*({_WORD})(?: @({_WORD}))? = ({_STRING}|{_WORD}|\{{[^\n]*\}})[ \t]*\Z"
).match
_INT = re.compile(r"-?[0-9]+\Z").match
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+\Z").match

_KEYWORDS = frozenset(
    ("include", "cluster", "system", "group", "type", "requires")
    + ("remotecluster", "heartbeat", "site")
)


class _GiveUp(Exception):
    pass


def _scalar(t: str):
    """A token as the general parser reads it: strings unquoted, integers as written."""
    if t[0] == '"':
        return t[1:-1]
    return number(t)


def number(t: str):
    """A bare token as written: ``int`` when it reads back the same (a ``WideInt`` beyond
    32 bits), a ``DecimalText`` for a decimal number (``2.5``), else the ``str``; both
    readers read numbers with it."""
    if t[0] in "-0123456789":
        if _INT(t):
            n = int(t)
            if str(n) == t:
                return n if INT32_MIN <= n <= INT32_MAX else WideInt(n)
        elif _DECIMAL(t):
            return DecimalText(t)
    return t


def _braces(raw: str):
    """``{ ... }`` on one line: a list or an association (a copy: the model's values are
    its own; many repeat, SystemList and Load above all, and are read once)."""
    known = _BRACES.get(raw)
    if known is None:
        if len(_BRACES) >= 4096:
            _BRACES.clear()
        known = _BRACES[raw] = _read_braces(raw)
    return known.copy()


_BRACES: dict = {}


def _read_braces(raw: str):
    if raw == "{}" or raw == "{ }":
        return []
    association = " = " in raw and _ASSOCIATION(raw)
    if not association and (" = " not in raw or '"' in raw):
        if _VECTOR(raw):
            return [_scalar(t) for t in _ITEMS(raw)]
        raise _GiveUp
    if association:
        items = _ITEMS(raw)
        out = {}
        for i in range(0, len(items), 2):
            k = items[i]
            if k[0] == '"':
                k = k[1:-1]
            if k in out:
                raise _GiveUp
            out[k] = _scalar(items[i + 1])
        return out
    raise _GiveUp


def _read_line(line):
    """``(name, system or None, value, whether the value is a list or dict)`` of a block's
    line, remembered by its text: most lines of a generated file repeat (Parallel = 1,
    SystemList = ..., Device @n1 = eth0)."""
    # What _LINE takes, read with str methods: the text before the first " = " (a name and
    # its system, the same few in every block) is matched once; the value by its first
    # character. Anything else goes to _LINE, which decides.
    head, _, raw = line.partition(" = ")
    named = _HEADS.get(head)
    if named is None:
        named = _head(head)
    raw = raw.rstrip(" \t")
    first = raw[:1]
    # _remember's work done here, without its call (each branch knows its value's class)
    if first == '"':
        if raw.find('"', 1) != len(raw) - 1 or "\\" in raw:
            return _read_line_matched(line)
        read = (*named, raw[1:-1], False)
    elif first == "{":
        if raw[-1] != "}":
            return _read_line_matched(line)
        read = (*named, _read_braces(raw), True)  # a list or a dict
    elif raw.isalnum() and raw.isascii():
        read = (*named, number(raw) if first in "-0123456789" else raw, False)
    else:
        return _read_line_matched(line)
    if len(_LINES) >= 4096:
        _LINES.clear()
    _LINES[line] = read
    return read


def _head(head):
    """The interned ``(name, system or None)`` of a line's text before " = "."""
    m = _HEAD(head)
    if m is None:
        raise _GiveUp
    name, system = m.groups()
    if system is not None:
        if system in _KEYWORDS:
            raise _GiveUp
        system = sys.intern(system)
    if len(_HEADS) >= 4096:
        _HEADS.clear()
    named = _HEADS[head] = (sys.intern(name), system)
    return named


_HEADS: dict = {}
_HEAD = re.compile(rf"[ \t]*({_WORD})(?: @({_WORD}))?\Z").match


def _read_line_matched(line):
    """``_read_line`` of a line its short path does not take, by _LINE."""
    m = _LINE(line)
    if m is None:
        raise _GiveUp
    name, system, raw = m.groups()
    head = line[: m.end(2) if system is not None else m.end(1)]
    named = _HEADS.get(head)
    if named is None:
        named = _head(head)
    return _remember(line, named, _value(raw, _read_braces))


def _remember(line, named, value):
    read = (*named, value, value.__class__ is list or value.__class__ is dict)
    if len(_LINES) >= 4096:
        _LINES.clear()
    _LINES[line] = read
    return read


_LINES: dict = {}


def _attribute(attrs, local, order, name, system, raw):
    """One ``Name [@system] = value`` line into the block's ``attrs`` or ``local``, as the
    general parser's attribute block reads it; returns the block's ``order``."""
    value = _value(raw, _braces)
    if system is not None and system in _KEYWORDS:
        raise _GiveUp
    return _set(attrs, local, order, name, system, value)


def _value(raw, braces):
    """A line's value as the general parser reads it; ``braces`` reads a ``{ ... }``."""
    first = raw[0]
    if first == '"':
        return raw[1:-1]
    if first == "{":
        return braces(raw)
    if first in "-0123456789":
        return _scalar(raw)
    return raw


def _set(attrs, local, order, name, system, value):
    """``value`` into ``attrs`` (or ``local`` for a system); returns the block's ``order``."""
    if system is None:
        if name in attrs:
            raise _GiveUp
        attrs[name] = value
    else:
        if local is None:
            raise _GiveUp
        if order is None:
            order = list(attrs)
        per_system = local.setdefault(name, {})
        if system in per_system:
            raise _GiveUp
        per_system[system] = value
    if order is not None and name not in order:
        order.append(name)
    return order


def parse_lines(text: str, file: str) -> Optional[Config]:
    """The configuration, or None when the general parser must read ``text``."""
    try:
        return _Reader(file, text).read()
    except _GiveUp:
        return None


class _Offsets:
    """Line and column of a character offset, worked out on the first question (only a
    finding or an error needs one)."""

    def __init__(self, text: str):
        self.text = text
        self.newlines: Optional[list] = None

    def __call__(self, offset: int):
        if self.newlines is None:
            self.newlines = [m.start() for m in re.finditer("\n", self.text)]
        before = bisect_left(self.newlines, offset)
        start = self.newlines[before - 1] + 1 if before else 0
        return before + 1, offset - start + 1


_new = object.__new__


def _where(file, offsets, offset):
    """A position worked out on the first question (``Where``'s fields set directly)."""
    w = _new(Where)
    w.file, w._resolver, w._index = file, offsets, offset
    return w


class _Reader:
    def __init__(self, file: str, text: str):
        self.file = file
        self.text = text
        self.offsets = _Offsets(text)
        self.cfg = Config(source=file)
        self.group: Optional[Group] = None
        self.names: set = set()  # (keyword, name) of blocks read

    def where(self, offset: int) -> Where:
        return _where(self.file, self.offsets, offset)

    def read(self) -> Config:
        obj = None  # the object whose ( ... ) block is open, read statement by statement
        attrs = local = order = None
        text, file, offsets = self.text, self.file, self.offsets
        # attribute and type names repeat in every block: one string each, not one a line
        intern = sys.intern
        known = _LINES.get
        resources = None  # the open group's resources
        start = 0
        while start is not None:
            statements, start = _STATEMENTS(text, start), None
            for m in statements:
                kind = m.lastgroup
                # the kinds in the order a generated file holds them most
                if kind == "comment":
                    continue
                if kind == "block":
                    if obj is not None:
                        raise _GiveUp
                    keyword, name, body = m.group(1, 2, 3)
                    lines = body.split("\n")
                    lines.pop()  # the empty text after the last line break
                    attrs, local, order = {}, {}, None
                    try:
                        if "@" not in body:
                            for line in lines:
                                read = known(line)
                                if read is None:
                                    read = _read_line(line)
                                value = read[2]
                                attrs[read[0]] = value.copy() if read[3] else value
                            if len(attrs) != len(lines):
                                raise _GiveUp  # an attribute set twice
                        else:
                            for line in lines:
                                read = known(line)
                                if read is None:
                                    read = _read_line(line)
                                attr, system, value, mutable = read
                                if mutable:
                                    value = value.copy()
                                order = _set(attrs, local, order, attr, system, value)
                    except _GiveUp:
                        # a line _LINE refuses: the block statement by statement
                        obj = self.open(intern(keyword), name, m.start(1), {}, {})
                        if self.group is not None:
                            resources = self.group.resources
                        attrs = obj.attrs
                        local = getattr(obj, "local", None)
                        order = None
                        start = m.start(3)
                        break
                    if resources is None or keyword in _KEYWORDS or name in _KEYWORDS:
                        block = self.open(intern(keyword), name, m.start(1), attrs, local)
                        if self.group is not None:
                            resources = self.group.resources
                    else:
                        # a resource, as open makes it, without the call (five a server)
                        w = _new(Where)
                        w.file, w._resolver, w._index = file, offsets, m.start(1)
                        block = _new(Resource)
                        block.type, block.name, block.attrs, block.local, block.where = (
                            intern(keyword),
                            name,
                            attrs,
                            local,
                            w,
                        )
                        resources.append(block)
                    if order is not None:
                        block.order = order
                elif kind == "attr":
                    if obj is None:
                        raise _GiveUp
                    name, system, raw = m.group(18, 19, 20)
                    order = _attribute(attrs, local, order, name, system, raw)
                elif kind == "close":
                    if obj is None:
                        raise _GiveUp
                    if order is not None:
                        obj.order = order
                    obj = None
                elif obj is not None:
                    if kind == "other" and not m.group(24):
                        continue  # a line of blanks
                    raise _GiveUp
                elif kind == "open":
                    obj = self.open(intern(m.group(14)), m.group(15), m.start(14), {}, {})
                    if self.group is not None:
                        resources = self.group.resources
                    attrs = obj.attrs
                    local = getattr(obj, "local", None)
                    order = None
                elif kind == "link":
                    parent, child = m.group(11, 12)
                    if resources is None or parent in _KEYWORDS or child in _KEYWORDS:
                        raise _GiveUp
                    link = _new(ResourceLink)
                    link.parent, link.child = parent, child
                    link.where = _where(file, offsets, m.start(11))
                    self.group.links.append(link)
                elif kind == "dep":
                    child, category, location, rigidity = m.group(6, 7, 8, 9)
                    # without its rigidity, the general parser takes the next word for it
                    # (`soft requires x` on the next line): its reading, not this one's
                    if resources is None or child in _KEYWORDS or rigidity is None:
                        raise _GiveUp
                    dep = _new(GroupDep)
                    dep.child, dep.category, dep.location, dep.rigidity = (
                        child,
                        category,
                        location,
                        rigidity,
                    )
                    dep.where = _where(file, offsets, m.start(6) - 15)  # at 'requires group'
                    self.group.deps.append(dep)
                elif kind == "include":
                    self.cfg.includes.append(m.group(22))
                    self.cfg.include_where.append(self.where(m.start(22) - len('include "')))
                elif m.group(24):
                    raise _GiveUp  # a line this reader does not know
        if obj is not None:
            raise _GiveUp
        return self.cfg

    def open(self, kind: str, name: str, offset: int, attrs: dict, local: dict):
        """The object of a block's head, with the block's ``attrs`` and ``local`` values."""
        if name in _KEYWORDS:
            raise _GiveUp
        if kind not in _KEYWORDS:
            group = self.group
            if group is None:
                raise _GiveUp
            # objects made without their classes' __init__ (a third of their cost, tens of
            # thousands of them): every field set here, the defaults left to the class; the
            # position as _where makes it, without the call (about 1,000 instructions each)
            w = _new(Where)
            w.file, w._resolver, w._index = self.file, self.offsets, offset
            r = _new(Resource)
            r.type, r.name, r.attrs, r.local, r.where = kind, name, attrs, local, w
            group.resources.append(r)
            return r
        cfg = self.cfg
        if (kind, name) in self.names:
            raise _GiveUp
        self.names.add((kind, name))
        if kind == "group":
            g = self.group = _new(Group)
            g.name, g.attrs, g.local, g.where = (
                name,
                attrs,
                local,
                _where(self.file, self.offsets, offset),
            )
            g.resources, g.links, g.deps = [], [], []
            cfg.groups.append(g)
            return g
        if kind == "system" and not local:
            s = System(name, attrs, where=self.where(offset))
            cfg.systems.append(s)
            return s
        if kind == "cluster" and cfg.cluster is None:
            cfg.cluster = Cluster(name, attrs, where=self.where(offset), local=local)
            return cfg.cluster
        raise _GiveUp  # type, site, remotecluster, heartbeat: the general parser's
