"""The .cf language: parse main.cf and types.cf files into the model (writer: ``writer.py``).

One compiled regular expression tokenizes the whole text (the generator parses 100k-line
configurations); a small recursive-descent parser builds ``model.Config``. The grammar and
the source of each rule are in docs/vcs-language.md.

Values: a bare integer token is an ``int`` (``0755``, not written as an integer would be,
stays the ``str`` it was written as), any other scalar a ``str``; ``{ a, b }`` is a list,
``{ k = v }`` a dict with ``str`` keys (a key written without ``= v`` holds ``None``: the
numbered forms such as SystemList), and an empty ``{}`` an empty list (main.cf does not say
whether an empty value is a vector or an association; test with ``not v``).
"""

from __future__ import annotations

import gc
import os
import re
from bisect import bisect_left
from pathlib import Path

from vxha.vcs_types.cf_lines import number as _number
from vxha.vcs_types.cf_lines import parse_lines
from vxha.vcs_types.decl import STANDARD_STATIC, Attr, SettingExpr, TypeDecl
from vxha.vcs_types.model import (
    Cluster,
    Config,
    Group,
    GroupDep,
    Heartbeat,
    RemoteCluster,
    Resource,
    ResourceLink,
    Site,
    System,
    Where,
)
from vxha.vcs_types.writer import write, write_types

__all__ = [
    "CfError",
    "tokens",
    "parse",
    "parse_file",
    "read_config_text",
    "resolve_includes",
    "write",
    "write_types",
    "KEYWORDS",
    "MAX_BYTES",
]

# Words that start a top-level statement: never usable as type, group or resource names.
KEYWORDS = frozenset(
    (
        "include",
        "cluster",
        "system",
        "group",
        "type",
        "requires",
        "remotecluster",
        "heartbeat",
        "site",
    )
)
CATEGORIES = ("online", "offline")
LOCATIONS = ("local", "global", "remote", "site")
RIGIDITIES = ("soft", "firm", "hard")
TYPE_WORDS = ("str", "i18nstr", "int", "boolean", "keylist")

# The largest file read: a 5,000-server main.cf is about 10 MB (chosen so that a runaway
# or wrong file is refused at once, before it is read).
MAX_BYTES = 64 * 1024 * 1024


class CfError(ValueError):
    """A syntax (or declaration) error at ``file:line:column``."""

    def __init__(self, file, line, column, message):
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"{file}:{line}:{column}: {message}")


class CfErrors(CfError):
    """Several errors found in one pass (every missing include); the first is its own."""

    def __init__(self, errors):
        first = errors[0]
        super().__init__(first.file, first.line, first.column, first.message)
        self.errors = list(errors)
        self.args = ("\n".join(f"{e.file}:{e.line}:{e.column}: {e.message}" for e in errors),)


# -- tokenizer ---------------------------------------------------------------------------

# Whitespace and comments (group 1) are absorbed in front of every token (group 2): `//`
# to the end of the line, `/* ... */`, and a line whose first non-blank character is `#`.
# Newlines are taken one at a time so that each can start a `#` line. Every alternative
# of group 2 can match after the greedy skip (the last two match anything left, the empty
# one only at the end), so a match never fails and never backtracks. Tokens stay
# strings: a quoted string keeps its quotes, "" is the end of the file.
_TOKEN = re.compile(
    r"((?:[^\S\n]+|\n(?:[^\S\n]*#[^\n]*)?|\A[^\S\n]*#[^\n]*|//[^\n]*|/\*.*?\*/)*)"
    r"("
    r'"[^"\\]*(?:\\.[^"\\]*)*"'  # quoted string
    r'|(?:[^\s{}()=,;@"\[\]/]|/(?![/*]))+'  # bare word
    r"|[{}()=,;@\[\]]"  # punctuation
    r"|/\*|\S"  # an unterminated comment or string: an error
    r"|\Z"  # end of file
    r")",
    re.S,
)
# The parser reads tokens from this faster expression, which returns comments as tokens
# (dropped afterwards) and no positions: _TOKEN, which gives each token the text skipped
# before it, is run only when a position is asked for (a finding, an error).
_FAST = re.compile(
    r"\A[^\S\n]*#[^\n]*"  # a '#' line at the start of the file
    r"|\n[^\S\n]*#[^\n]*"  # a '#' line
    r"|//[^\n]*|/\*.*?\*/"  # comments
    r'|"[^"\\]*(?:\\.[^"\\]*)*"'
    r'|(?:[^\s{}()=,;@"\[\]/]|/(?![/*]))+'
    r"|[{}()=,;@\[\]]"
    r"|/\*|\S",
    re.S,
)
# Without '#' lines (generated files have none) the expression needs no '#' alternatives,
# which cost it half its speed.
_PLAIN = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"'
    r'|(?:[^\s{}()=,;@"\[\]/]|/(?![/*]))+'
    r"|[{}()=,;@\[\]]"
    r"|//[^\n]*|/\*.*?\*/|/\*|\S",
    re.S,
)
_HASH_LINE = re.compile(r"(?m)^[^\S\n]*#")
_FIRST_HASH = re.compile(r"[^\S\n]*#")
# A word that starts with a typographic quote (“ ” „, pasted from a formatted page) is no
# word: an error that says what to write, rather than quotes kept in a value. The
# tokenizer stays ASCII (a character class with these costs every word).
_TYPOGRAPHIC_QUOTES = "“”„"
_NOT_WORD = frozenset('"{}()=,;@[]' + _TYPOGRAPHIC_QUOTES)
_NOT_WORD_OR_INT = _NOT_WORD | frozenset("-0123456789")
# What cannot start a name the writer puts first on a line (an attribute, a type, a link's
# parent): written there, a '#' would start a comment line.
_NOT_LINE_START = _NOT_WORD | frozenset("#")
_INT_FIRST = frozenset("-0123456789")
_INT = re.compile(r"-?[0-9]+\Z")
_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r"}
_SEPARATORS = (",", ";")  # both separate values (Administrator's Guide, attribute dimensions)


def _unescape(body):
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), body)


def _is_word(t):
    return t != "" and t[0] not in _NOT_WORD and t != "/*"


def _is_string(t):
    return len(t) > 1 and t[0] == '"'


def _describe(t):
    if t == "":
        return "end of file"
    if _is_string(t):
        return "string " + (t if len(t) <= 32 else t[:28] + '..."')
    if t == '"':
        return "an unterminated string"
    if t == "/*":
        return "an unterminated comment"
    if t[0] == "#":
        return f"'{t}' (a '#' starts a comment only at the start of a line)"
    if t[0] in _TYPOGRAPHIC_QUOTES:
        return f"'{t}' (a typographic quote: quote with a straight \")"
    return f"'{t}'"


# -- parser ------------------------------------------------------------------------------


def tokens(text):
    """The tokens of a text, comments left out, then the end of the file ("") twice."""
    if "#" in text and _HASH_LINE.search(text):
        toks = _FAST.findall(text)
        if toks and _FIRST_HASH.match(text):
            del toks[0]  # a '#' line first in the file
    else:
        toks = _PLAIN.findall(text)
    if "\n" in text or "/" in text:
        toks = [
            t
            for t in toks
            if t[0] not in "\n/" or (t[0] == "/" and t[1:2] not in ("/", "*")) or t == "/*"
        ]
    toks += ["", ""]
    return toks


class _Positions:
    """Line and column of token ``i``, worked out on the first question."""

    def __init__(self, text):
        self.text = text
        self._starts = None
        self._newlines = None

    def offset(self, i):
        if self._starts is None:
            starts = []
            pos = 0
            for skip, tok in _TOKEN.findall(self.text):
                pos += len(skip)
                starts.append(pos)
                pos += len(tok)
            self._starts = starts
        return self._starts[min(i, len(self._starts) - 1)]

    def __call__(self, i):
        pos = self.offset(i)
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        before = bisect_left(self._newlines, pos)
        start = self._newlines[before - 1] + 1 if before else 0
        return before + 1, pos - start + 1


class _Parser:
    def __init__(self, text, file):
        self.text = text
        self.file = file
        self.toks = tokens(text)
        self.i = 0
        self.positions = _Positions(text)

    # position helpers
    def where(self, i):
        return Where(self.file, resolver=self.positions, index=i)

    def error_at(self, i, message):
        line, col = self.positions(i)
        return CfError(self.file, line, col, message)

    def expected(self, what, i=None):
        i = self.i if i is None else i
        return self.error_at(i, f"expected {what}, found {_describe(self.toks[i])}")

    # token helpers
    def punct(self, ch):
        if self.toks[self.i] != ch:
            raise self.expected(f"'{ch}'")
        self.i += 1

    def word(self, what):
        i = self.i
        t = self.toks[i]
        if not _is_word(t):
            raise self.expected(what)
        self.i = i + 1
        return t

    def name(self, what):
        """An object's name: a word that is no keyword, or a quoted string."""
        i = self.i
        t = self.toks[i]
        if _is_string(t):
            name = _unescape(t[1:-1])
            if name in KEYWORDS:
                # written back bare it would start a statement (and it is no legal name)
                raise self.error_at(
                    i, f"expected {what}, found {_describe(t)}: a keyword names no object"
                )
            self.i = i + 1
            return name
        if not _is_word(t) or t in KEYWORDS:
            raise self.expected(what)
        self.i = i + 1
        return t

    def one_of(self, words, what):
        i = self.i
        t = self.toks[i]
        if t not in words:
            raise self.expected(what)
        self.i = i + 1
        return t

    # values
    def scalar(self, typed=None):
        """A scalar token; ``typed`` is None (auto), "str", or "int"/"boolean"."""
        i = self.i
        t = self.toks[i]
        if t == "" or t[0] in _NOT_WORD or t == "/*":
            if _is_string(t):
                if typed is not None and typed != "str":
                    raise self.expected("an integer", i)
                self.i = i + 1
                return _unescape(t[1:-1])
            raise self.expected("a value")
        self.i = i + 1
        if typed == "str":
            return t
        if t[0] in _INT_FIRST and _INT.match(t):
            return _number(t)
        if typed is not None:
            raise self.expected("an integer", i)
        if t[0] in _INT_FIRST:
            return _number(t)  # a decimal number stays one (DecimalText), others the str
        return t

    def key(self):
        i = self.i
        t = self.toks[i]
        if _is_string(t):
            self.i = i + 1
            return _unescape(t[1:-1])
        if _is_word(t):
            self.i = i + 1
            return t
        raise self.expected("a key")

    def value(self, typed=None):
        toks = self.toks
        i = self.i
        if toks[i] != "{":
            return self.scalar(typed)
        start = i + 1
        if toks[start] == "}":
            self.i = start + 1
            return []
        # an association when an element is followed by '=' (its other keys may go
        # without a number: `{ a, b = 2, c }`)
        if toks[start] != "" and toks[start + 1] == "=":
            self.i = start
            return self.association(typed)
        self.i = start
        result = []
        while True:
            result.append(self.scalar(typed))
            t = toks[self.i]
            self.i += 1
            if t == "," or t == ";":
                continue
            if t == "}":
                return result
            self.i -= 1
            if t == "=":
                self.i = start
                return self.association(typed)
            raise self.expected("',' or '}'")

    def association(self, typed):
        toks = self.toks
        result = {}
        while True:
            ki = self.i
            key = self.key()
            if toks[self.i] == "=":
                self.i += 1
                value = self.scalar(typed)
            else:
                value = None
            if key in result:
                raise self.error_at(ki, f"expected a new key, found key {key!r} a second time")
            result[key] = value
            t = toks[self.i]
            self.i += 1
            if t == "," or t == ";":
                continue
            if t == "}":
                return result
            self.i -= 1
            raise self.expected("',' or '}'")

    def attr_block(self, obj, local):
        """``( Name = value ... )`` into ``obj.attrs``; ``local`` is None where ``@name``
        is not allowed. Where values are localized, ``obj.order`` keeps the attribute order.
        """
        self.punct("(")
        attrs = obj.attrs
        toks = self.toks
        order = None
        i = self.i
        while True:
            name = toks[i]
            if name == ")":
                self.i = i + 1
                if order is not None:
                    obj.order = order
                return
            if name == ";":
                i += 1
                continue
            if not name or name[0] in _NOT_LINE_START or name == "/*":
                self.i = i
                raise self.expected("an attribute name or ')'")
            nxt = toks[i + 1]
            if nxt == "=" and name not in attrs and order is None:
                # the common line `Name = value`: a bare word or a quoted string
                v = toks[i + 2]
                if v and v[0] not in _NOT_WORD_OR_INT and v != "/*":
                    attrs[name] = v
                    i += 3
                    continue
                if len(v) > 1 and v[0] == '"':
                    attrs[name] = _unescape(v[1:-1])
                    i += 3
                    continue
                self.i = i + 2
                attrs[name] = self.value()
                i = self.i
                continue
            system = None
            if nxt == "@" and local is not None:
                self.i = i + 2
                system = self.name("a system or cluster name after '@'")
                if order is None:
                    order = list(attrs)
                    for n in local:
                        if n not in attrs:
                            order.append(n)
            else:
                self.i = i + 1
            if toks[self.i] != "=":
                raise self.not_an_attribute(i, local)
            self.i += 1
            value = self.value()
            if system is None:
                if name in attrs:
                    raise self.error_at(
                        i, f"expected a new attribute, found {name} set a second time"
                    )
                attrs[name] = value
            else:
                per_sys = local.setdefault(name, {})
                if system in per_sys:
                    raise self.error_at(
                        i, f"expected a new attribute, found {name} @{system} set a second time"
                    )
                per_sys[system] = value
            if order is not None and name not in order:
                order.append(name)
            i = self.i

    def not_an_attribute(self, i, local):
        """The error for ``name`` at ``i`` followed by no '=': most often a block whose ')'
        is missing, or an '@' where values are not localized."""
        toks = self.toks
        nxt = toks[i + 1]
        if toks[i + 2] == "(" and (_is_word(nxt) or _is_string(nxt)):
            opened = i - 1
            while toks[opened] != "(":
                opened -= 1
            line, column = self.positions(opened)
            return self.error_at(
                i,
                f"expected ')' closing the block opened at {line}:{column}, found a new block "
                f"{toks[i]} {nxt} (",
            )
        if nxt == "@" and local is None:
            return self.error_at(
                i + 1, "expected '=', found '@' (a system's or a site's attributes take no @ value)"
            )
        if (nxt == "[" and toks[i + 2] == "]") or (nxt == "{" and toks[i + 2] == "}"):
            if toks[i + 3] == "=":
                # `BackupSys[] = { ... }`: a declaration's brackets on a value's line
                return self.error_at(
                    i + 1,
                    f"expected '=', found '{nxt}{toks[i + 2]}' after {toks[i]}: a dimension's "
                    f"brackets belong to the type's declaration; write {toks[i]} = {{ ... }}",
                )
        return self.expected("'='")

    # statements
    def config(self):
        cfg = Config(source=self.file)
        toks = self.toks
        group = None
        names = {}  # (kind, name) -> first Where: duplicate blocks are a syntax-level error
        while True:
            i = self.i
            v = toks[i]
            if v == "":
                return cfg
            if v == ";":
                self.i += 1
                continue
            if _is_string(v) and toks[i + 1] == "requires":
                # `"parent" requires child`: a name that is no bare word, quoted (the
                # writer quotes it so)
                if group is None:
                    raise self.error_at(
                        i, "expected a group block first, found a resource link outside any group"
                    )
                self.i = i + 2
                child = self.link_child()
                group.links.append(ResourceLink(_unescape(v[1:-1]), child, self.where(i)))
                continue
            if not _is_word(v) or v[0] == "#":
                raise self.expected("a statement (include, cluster, system, group, type, ...)")
            if v == "include":
                self.i += 1
                if not (_is_string(toks[self.i]) or _is_word(toks[self.i])):
                    raise self.expected("a file name in quotes")
                cfg.includes.append(self.key())
                cfg.include_where.append(self.where(i))
            elif v == "requires":
                if group is None:
                    raise self.error_at(
                        i, "expected a group block first, found 'requires group' outside any group"
                    )
                self.i += 1
                self.one_of(("group",), "'group'")
                child = self.name("a group name")
                category = self.one_of(CATEGORIES, "online or offline")
                location = self.one_of(LOCATIONS, "local, global, remote or site")
                if toks[self.i] in RIGIDITIES:
                    rigidity = toks[self.i]
                    self.i += 1
                    dep = GroupDep(child, category, location, rigidity, self.where(i))
                else:  # optional, firm by default (docs/vcs-language.md, "Grammar")
                    dep = GroupDep(child, category, location, "firm", self.where(i), False)
                group.deps.append(dep)
            elif v in KEYWORDS:
                self.i += 1
                name = self.name(f"a {v} name")
                where = self.where(i)
                if v == "type":
                    decl = self.type_block(name)
                    if name in cfg.types:
                        raise self.error_at(
                            i, f"expected a new type, found type {name} declared a second time"
                        )
                    cfg.types[name] = decl
                    continue
                if (v, name) in names:
                    raise self.error_at(
                        i,
                        f"expected a new {v} name, found {v} {name} declared a second time "
                        f"(first at {names[v, name]})",
                    )
                names[v, name] = where
                if v == "group":
                    group = Group(name, where=where)
                    cfg.groups.append(group)
                    self.attr_block(group, group.local)
                elif v == "system":
                    s = System(name, where=where)
                    cfg.systems.append(s)
                    if toks[self.i] == "(":  # `system name` alone is allowed
                        self.attr_block(s, None)
                elif v == "cluster":
                    if cfg.cluster is not None:
                        raise self.error_at(i, "expected one cluster block, found a second one")
                    cfg.cluster = Cluster(name, where=where)
                    if toks[self.i] == "(":  # `cluster name` alone, as UG 4.1 prints it
                        self.attr_block(cfg.cluster, cfg.cluster.local)
                elif v == "remotecluster":
                    rc = RemoteCluster(name, where=where)
                    cfg.remoteclusters.append(rc)
                    self.attr_block(rc, rc.local)
                elif v == "heartbeat":
                    hb = Heartbeat(name, where=where)
                    cfg.heartbeats.append(hb)
                    self.attr_block(hb, hb.local)
                else:  # site
                    site = Site(name, where=where)
                    cfg.sites.append(site)
                    self.attr_block(site, None)
            else:
                # `parent requires child` or `<Type> <name> ( ... )`
                self.i += 1
                second = toks[self.i]
                if not (_is_word(second) or _is_string(second)):
                    raise self.expected("a resource name after the type " + v)
                if second == "requires" and toks[self.i + 1] != "(":
                    if group is None:
                        raise self.error_at(
                            i,
                            "expected a group block first, found a resource link outside any group",
                        )
                    self.i += 1
                    child = self.link_child()
                    group.links.append(ResourceLink(v, child, self.where(i)))
                    continue
                if group is None:
                    # `Heartbeat Icmp (` as printed in a guide: keywords are lower case
                    hint = f" (the keyword is {v.lower()})" if v.lower() in KEYWORDS else ""
                    raise self.error_at(
                        i,
                        f"expected a group block first, found resource {second} outside any "
                        f"group{hint}",
                    )
                rname = self.name("a resource name")
                if toks[self.i] != "(":
                    raise self.expected(f"'(' after resource {v} {rname}, or 'requires'")
                r = Resource(v, rname, where=self.where(i))
                group.resources.append(r)
                self.attr_block(r, r.local)

    def link_child(self):
        """The child of `parent requires child`. An atleast dependency (`requires atleast
        N ...`, VCS 6.2 and later) is refused by name: its main.cf form is in no stored
        guide (docs/vcs-language.md, "Grammar")."""
        toks = self.toks
        i = self.i
        if toks[i] == "atleast" and _INT.match(toks[i + 1]):
            raise self.error_at(
                i,
                "expected a resource name after 'requires', found an atleast dependency "
                "(requires atleast N ...): vxha reads only one-to-one resource links "
                "(parent requires child)",
            )
        return self.name("a resource name after 'requires'")

    def type_block(self, name):
        start = self.i - 2
        wheres = {"": self.where(start)}
        self.punct("(")
        toks = self.toks
        attrs = []
        arglist = []
        statics = {}
        static_decls = {}
        settings = {}
        order = []
        starts = {}  # attribute name -> token index of its declaration line
        while True:
            i = self.i
            if toks[i] == ")":
                self.i += 1
                break
            if toks[i] == ";":
                self.i += 1
                continue
            if (
                toks[i + 1] == "="
                and _is_word(toks[i])
                and toks[i] not in TYPE_WORDS
                and toks[i][0] != "#"
            ):
                # a type-level setting such as `NameRule = resource.MountPoint`
                self.i = i + 2
                if toks[i] in order:
                    raise self.error_at(
                        i, f"expected a new setting, found {toks[i]} set a second time"
                    )
                value = self.scalar("str")
                if toks[self.i] == "+":
                    # terms joined by '+', each kept as written, quoted or bare (chosen:
                    # docs/vcs-language.md, "Grammar")
                    terms = [toks[i + 2]]
                    while toks[self.i] == "+":
                        self.i += 1
                        term = toks[self.i]
                        if term in TYPE_WORDS or term in ("static", "temp", "+"):
                            raise self.expected(f"a term after '+' in {toks[i]}", self.i)
                        self.scalar("str")
                        terms.append(term)
                    value = SettingExpr(" + ".join(terms))
                settings[toks[i]] = value
                order.append(toks[i])
                continue
            static = temp = False
            while toks[self.i] in ("static", "temp"):
                if toks[self.i] == "static":
                    static = True
                else:
                    temp = True
                self.i += 1
            dtype = self.one_of(TYPE_WORDS, "an attribute declaration or ')'")
            dim = "scalar"
            i18n = dtype == "i18nstr"
            if dtype == "keylist":
                dtype, dim = "str", "keylist"
            elif i18n:
                dtype = "str"
            aname = self.word("an attribute name")
            if dim == "scalar" and toks[self.i] == "[":
                self.i += 1
                self.punct("]")
                dim = "vector"
            elif dim == "scalar" and toks[self.i] == "{":
                self.i += 1
                self.punct("}")
                dim = "association"
            default = None
            explicit = toks[self.i] == "="
            if not explicit and toks[self.i] == "{" and dim != "scalar":
                # `static str ArgList[] { A }` (printed so by the SFCFS 5.1 SP1 guide)
                raise self.error_at(
                    self.i, f"expected '=' between {aname} and its value, found '{{'"
                )
            if explicit:
                self.i += 1
                vi = self.i
                default = self.value(dtype)
                default = self.check_dim(default, dim, aname, vi)
            while toks[self.i] == ";":
                self.i += 1
            if aname in order:
                raise self.error_at(
                    i, f"expected a new attribute, found {aname} declared a second time"
                )
            order.append(aname)
            wheres[aname] = self.where(i)
            starts[aname] = i
            # `str StartVolumes = 1`: a string default written bare is written back bare;
            # in a list or association, the integers written bare (`static str
            # MonitorStatsParam{} = { Frequency = 10 }`, ADG 9.0)
            bare = explicit and dim == "scalar" and not _is_string(toks[vi])
            if explicit and dim != "scalar" and dtype == "str":
                bare = frozenset(
                    t for t in toks[vi : self.i] if t and t[0] in _INT_FIRST and _INT.match(t)
                )
            if static and aname == "ArgList":
                arglist = default or []
                if i18n:  # written back as declared: `static i18nstr ArgList[]`
                    static_decls[aname] = Attr(aname, "str", "vector", static=True, i18n=True)
            elif static and aname in STANDARD_STATIC:
                if default is not None:
                    statics[aname] = default
                static_decls[aname] = Attr(
                    aname, dtype, dim, static=True, temp=temp, i18n=i18n, bare=bare
                )
            else:
                try:
                    attrs.append(
                        Attr(
                            aname,
                            dtype,
                            dim,
                            default,
                            static,
                            temp,
                            i18n=i18n,
                            explicit=explicit,
                            bare=bare,
                        )
                    )
                except ValueError as e:
                    raise self.error_at(
                        i, f"expected a valid attribute declaration, found {e}"
                    ) from None
        try:
            decl = TypeDecl(name, attrs, arglist=arglist, statics=statics, settings=settings)
        except ValueError as e:
            at = starts.get(getattr(e, "attr", None), start)
            raise self.error_at(at, f"expected a valid type, found {e}") from None
        decl.order = order
        decl.static_decls = static_decls
        decl.where = wheres
        return decl

    def check_dim(self, value, dim, name, i):
        if dim == "scalar":
            if isinstance(value, (list, dict)):
                raise self.error_at(i, f"expected a scalar value for {name}, found a {{...}} list")
            return value
        if dim == "association":
            if isinstance(value, list) and not value:
                return {}
            if not isinstance(value, dict):
                raise self.expected(f"an association {{ key = value, ... }} for {name}", i)
            return value
        if isinstance(value, dict):
            raise self.error_at(i, f"expected a {dim} {{ a, b }} for {name}, found an association")
        if not isinstance(value, list):
            raise self.expected(f"a {dim} {{ a, b }} for {name}", i)
        return value


def _check_text(text, file):
    """Refuse what no configuration holds before tokenizing: NUL bytes, a byte order mark,
    and a carriage return that ends no line (CR LF line ends are read as LF)."""
    nul = text.find("\x00")
    if nul >= 0:
        raise _error_at_offset(text, file, nul, "expected text, found a NUL byte")
    if text.startswith("\ufeff"):
        raise CfError(
            file, 1, 1, "expected text, found a byte order mark (U+FEFF): save the file without it"
        )
    if "\r" in text:
        alone = _LONE_CR.search(text)
        if alone is not None:
            raise _error_at_offset(
                text,
                file,
                alone.start(),
                "expected a line end (LF or CR LF), found a carriage return without a line feed",
            )


_LONE_CR = re.compile(r"\r(?!\n)")


def _error_at_offset(text, file, offset, message):
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return CfError(file, line, col, message)


def parse(text, file="main.cf"):
    """Parse the text of a main.cf or types.cf into a ``Config`` (includes not followed)."""
    file = str(file)
    _check_text(text, file)
    # The model is hundreds of thousands of young objects and no cycles: the cyclic
    # collector would only rescan them (it costs about 40% of a large parse).
    enabled = gc.isenabled()
    gc.disable()
    try:
        # generated files in their usual layout take the line reader; the rest (and every
        # error) the general parser
        config = parse_lines(text, file)
        if config is None:
            config = _Parser(text, file).config()
        config.text = text
        return config
    finally:
        if enabled:
            gc.enable()


def read_config_text(path):
    """The text of a configuration file; CfError (with a position) when it cannot be one.

    Refused: a file over ``MAX_BYTES`` (before reading it) and bytes that are not UTF-8.
    """
    path = str(path)
    size = os.stat(path).st_size
    if size > MAX_BYTES:
        raise CfError(
            path,
            1,
            1,
            f"expected a configuration file of at most {MAX_BYTES // (1024 * 1024)} MiB, "
            f"found {size / (1024 * 1024):.0f} MiB",
        )
    with open(path, "rb") as f:
        data = f.read()
    try:
        # line ends are the parser's: CR LF ends a line as LF does; a lone CR is refused
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = len(data[data.rfind(b"\n", 0, e.start) + 1 : e.start].decode("utf-8", "replace"))
        raise CfError(
            path, line, col + 1, f"expected UTF-8 text, found byte 0x{data[e.start]:02x}"
        ) from None


def parse_file(path, resolve_includes=True, allow_include_dirs=()):
    """Parse a file; with ``resolve_includes`` the included types land in ``Config.types``.

    An include is read from the file's directory; when absent, a Veritas type file vxha
    declares built in (``types.cf``, ``CVMTypes.cf``, ... : ``bundled_files.MODULES``)
    resolves to those declarations and vxha's ``<Type>Types.cf`` to the catalog.
    ``Config.type_origin`` records where each came from.
    An include outside the file's directory is refused unless its directory is (under) one
    of ``allow_include_dirs``.
    """
    path = Path(path)
    cfg = parse(read_config_text(path), str(path))
    if resolve_includes:
        _resolve(cfg, path.parent, {path.resolve()}, _allowed(path.parent, allow_include_dirs))
    return cfg


def resolve_includes(config, directory, allow_include_dirs=()):
    """Add the types of ``config``'s includes, read from ``directory`` or the catalog."""
    directory = Path(directory)
    _resolve(config, directory, set(), _allowed(directory, allow_include_dirs))
    return config


def _lexical(path):
    # Lexical, not resolved: a symbolic link the administrator put in the directory counts
    # as inside it.
    return Path(os.path.normpath(os.path.abspath(str(path))))


def _allowed(directory, extra):
    return [_lexical(directory)] + [_lexical(d) for d in extra]


def _include_where(cfg, name):
    for inc, where in zip(cfg.includes, cfg.include_where):
        if inc == name:
            return where.line, where.column
    return 1, 1


def _catalog_type(type_name):
    from vxha.vcs_types import catalog

    return type_name in catalog.PROJECT_TYPES or type_name in getattr(catalog, "EXTRA_TYPES", {})


def _inside(path, dirs):
    for d in dirs:
        if path == d or d in path.parents:
            return True
    return False


def _beside(name, path, directory):
    """The file name an include names in the including file's own directory
    (`"./types.cf"`, or the directory's absolute path: `types.cf`), else the name as
    written: an absent Veritas file is stood in for there only."""
    if "/" not in name:
        return name
    return path.name if _lexical(path).parent == _lexical(directory) else name


def _declares_objects(cfg):
    return bool(
        cfg.cluster
        or cfg.systems
        or cfg.groups
        or cfg.remoteclusters
        or cfg.heartbeats
        or cfg.sites
    )


def _kind(decl):
    """Where a declaration came from: "builtin" (vxha's stand-in for an absent Veritas
    file), "catalog" (vxha's own type) or "real" (a file read)."""
    from vxha.vcs_types import catalog
    from vxha.vcs_types.bundled_files import loaded

    if any(decl is d for _, decls in loaded() for d in decls):
        return "builtin"
    if _catalog_type(decl.name) and catalog.project_type(decl.name) is decl:
        return "catalog"
    return "real"


def _standin(cfg, decl, origin, name):
    """A type declared by a real file and by a built-in stand-in for an absent Veritas file:
    the real one wins (DECISIONS.md 10), and the verifier says so. False otherwise (two
    real files: the duplicate stays an error)."""
    kinds = (_kind(cfg.types[decl.name]), _kind(decl))
    if kinds not in (("builtin", "real"), ("real", "builtin")):
        return False
    if kinds[0] == "builtin":
        real, builtin = origin, cfg.type_origin[decl.name]
        cfg.types[decl.name] = decl
        cfg.type_origin[decl.name] = origin
        line, col = _include_where(cfg, name)
    else:
        real, builtin = cfg.type_origin.get(decl.name, cfg.source), origin
        line, col = _include_where(cfg, real)
    _note_standins(cfg, ((decl.name, real, builtin, f"{cfg.source}:{line}:{col}"),))
    return True


def _note_standins(cfg, notes):
    # (type, real file, built-in file, where): set only when there is one, as an attribute
    # of the instance rather than a field of Config (a field more costs every parse of a
    # generated main.cf a sixth of a percent, measured with cachegrind)
    cfg.standins = getattr(cfg, "standins", ()) + tuple(notes)


def _resolve(cfg, directory, seen, allowed, missing=None):
    # Includes that are missing or refused are collected, so that one run names them all
    # (nested ones too); any other error stops at once.
    from vxha.vcs_types import catalog

    top = missing is None
    if top:
        missing = []
    cfg.includes_resolved = True
    for name in cfg.includes:
        path = directory / name
        key = path.resolve()
        if key in seen:
            continue  # included twice, or by another types file already
        seen.add(key)
        where = _lexical(path).parent
        if not _inside(where, allowed):
            line, col = _include_where(cfg, name)
            missing.append(
                CfError(
                    cfg.source,
                    line,
                    col,
                    f"expected an include inside the configuration directory, found {name} "
                    f"({where} is outside it; allow it with --allow-include-dir {where})",
                )
            )
            continue
        if path.is_file():
            try:
                sub = parse(read_config_text(path), str(path))
            except OSError as e:
                line, col = _include_where(cfg, name)
                raise CfError(
                    cfg.source, line, col, f"expected a readable include, found {e.strerror}"
                ) from None
            _resolve(sub, path.parent, seen, allowed, missing)
            if hasattr(sub, "standins"):
                _note_standins(cfg, sub.standins)
            found = [(d, sub.type_origin.get(d.name, name)) for d in sub.types.values()]
            if sub.included or _declares_objects(sub):
                # an include may hold groups, systems, ... (their SourceFile names it)
                own = (sub,) if _declares_objects(sub) else ()
                cfg.included = (*cfg.included, *own, *sub.included)
        elif _beside(name, path, directory) in catalog.bundled_types():
            found = [(d, name) for d in catalog.bundled_types()[_beside(name, path, directory)]]
        elif name.endswith("Types.cf") and _catalog_type(name[: -len("Types.cf")]):
            found = [(catalog.project_type(name[: -len("Types.cf")]), name)]
        else:
            line, col = _include_where(cfg, name)
            missing.append(
                CfError(cfg.source, line, col, f"expected an include file, found no file {path}")
            )
            continue
        for decl, origin in found:
            if decl.name in cfg.types:
                if _standin(cfg, decl, origin, name):
                    continue
                line, col = _include_where(cfg, name)
                first = cfg.type_origin.get(decl.name, cfg.source)
                raise CfError(
                    cfg.source,
                    line,
                    col,
                    f"expected each type declared once, found type {decl.name} of {name} "
                    f"already declared in {first}",
                )
            cfg.types[decl.name] = decl
            cfg.type_origin[decl.name] = origin
    if top and missing:
        raise missing[0] if len(missing) == 1 else CfErrors(missing)
