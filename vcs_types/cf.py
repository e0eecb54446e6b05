"""The .cf language: parse main.cf and types.cf files into the model, write them back as hacf.

One compiled regular expression tokenizes the whole text (the generator parses 100k-line
configurations); a small recursive-descent parser builds ``model.Config``; the writer lays
the model out exactly as ``hacf -dump`` does, using ``decl``'s value formatting.

Values: a bare integer token is an ``int``, any other scalar a ``str``; ``{ a, b }`` is a
list, ``{ k = v }`` a dict with ``str`` keys, and an empty ``{}`` an empty list (main.cf
does not say whether an empty value is a vector or an association; test with ``not v``).
"""

from __future__ import annotations

import gc
import re
from itertools import chain
from operator import itemgetter
from pathlib import Path

from vxha.vcs_types.decl import (
    STANDARD_STATIC,
    Attr,
    TypeDecl,
    format_scalar,
    format_value,
    render_type,
)
from vxha.vcs_types.model import (
    Cluster,
    Config,
    Group,
    GroupDep,
    Resource,
    ResourceLink,
    System,
    Where,
)

__all__ = ["CfError", "parse", "parse_file", "resolve_includes", "write", "write_types", "KEYWORDS"]

# Words that start a top-level statement: never usable as type, group or resource names.
KEYWORDS = frozenset(("include", "cluster", "system", "group", "type", "requires"))
CATEGORIES = ("online", "offline")
LOCATIONS = ("local", "global", "remote")
RIGIDITIES = ("soft", "firm", "hard")


class CfError(ValueError):
    """A syntax (or declaration) error at ``file:line:column``."""

    def __init__(self, file, line, column, message):
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"{file}:{line}:{column}: {message}")


# -- tokenizer ---------------------------------------------------------------------------

# Whitespace and comments (group 1) are absorbed in front of every token (group 2). Every
# alternative of group 2 can match after the greedy skip (the last two match anything
# left, the empty one only at the end), so a match never fails and never backtracks.
# Tokens stay strings: a quoted string keeps its quotes, "" is the end of the file.
_TOKEN = re.compile(
    r"((?:\s+|//[^\n]*|/\*.*?\*/)*)"
    r"("
    r'"[^"\\]*(?:\\.[^"\\]*)*"'  # quoted string
    r'|(?:[^\s{}()=,;@"\[\]/]|/(?![/*]))+'  # bare word
    r"|[{}()=,;@\[\]]"  # punctuation
    r"|/\*|\S"  # an unterminated comment or string: an error
    r"|\Z"  # end of file
    r")",
    re.S,
)
_NOT_WORD = frozenset('"{}()=,;@[]')
_INT_FIRST = frozenset("-0123456789")
_INT = re.compile(r"-?[0-9]+\Z")
_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPED = {"n": "\n", "t": "\t"}


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
    return f"'{t}'"


# Attributes of every resource that an ArgList may pass besides the type's own.
_RESOURCE_ARGS = frozenset(STANDARD_STATIC) | {
    "State",
    "IState",
    "Name",
    "Type",
    "Group",
    "Enabled",
    "Critical",
    "Probed",
    "ResourceInfo",
    "MonitorOnly",
    "ContainerInfo",
    "ResContainerInfo",
    "ResourceOwner",
}


# -- parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text, file):
        self.text = text
        self.file = file
        self.pairs = _TOKEN.findall(text)  # (skip, token): offsets are summed on demand
        self.toks = list(map(itemgetter(1), self.pairs))
        self.i = 0
        self._off_i = 0  # token index and character offset of its skip: offsets only grow
        self._off = 0
        self._line_pos = 0  # likewise for line numbers
        self._line_no = 1
        self._line_start = 0

    # position helpers
    def offset(self, i):
        """Character offset of token ``i``."""
        if i < self._off_i:
            self._off_i = self._off = 0
        self._off += sum(map(len, chain.from_iterable(self.pairs[self._off_i : i])))
        self._off_i = i
        return self._off + len(self.pairs[i][0])

    def position(self, pos):
        """(line, column), both 1-based, of a character offset."""
        text = self.text
        if pos < self._line_pos:
            return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
        n = text.count("\n", self._line_pos, pos)
        if n:
            self._line_no += n
            self._line_start = text.rfind("\n", self._line_pos, pos) + 1
        self._line_pos = pos
        return self._line_no, pos - self._line_start + 1

    def where(self, i):
        line, col = self.position(self.offset(i))
        return Where(self.file, line, col)

    def error_at(self, i, message):
        line, col = self.position(self.offset(i))
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
            return int(t)
        if typed is not None:
            raise self.expected("an integer", i)
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
        i += 1
        if toks[i] == "}":
            self.i = i + 1
            return []
        # an association when the first element is followed by '='
        if toks[i] != "" and toks[i + 1] == "=":
            self.i = i
            result = {}
            while True:
                ki = self.i
                key = self.key()
                self.punct("=")
                if key in result:
                    raise self.error_at(ki, f"expected a new key, found key {key!r} a second time")
                result[key] = self.scalar(typed)
                t = toks[self.i]
                self.i += 1
                if t == ",":
                    continue
                if t == "}":
                    return result
                self.i -= 1
                raise self.expected("',' or '}'")
        self.i = i
        result = []
        while True:
            result.append(self.scalar(typed))
            t = toks[self.i]
            self.i += 1
            if t == ",":
                continue
            if t == "}":
                return result
            self.i -= 1
            raise self.expected("',' or '}'")

    def attr_block(self, attrs, local):
        """``( Name = value ... )``; ``local`` is None where ``@system`` is not allowed."""
        self.punct("(")
        toks = self.toks
        while True:
            i = self.i
            name = toks[i]
            if name == ")":
                self.i = i + 1
                return
            if name == ";":
                self.i = i + 1
                continue
            if not _is_word(name):
                raise self.expected("an attribute name or ')'")
            system = None
            if toks[i + 1] == "@" and local is not None:
                self.i = i + 2
                system = self.word("a system name after '@'")
            else:
                self.i = i + 1
            if toks[self.i] != "=":
                raise self.expected("'='")
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
            if not _is_word(v):
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
                child = self.word("a group name")
                category = self.one_of(CATEGORIES, "online or offline")
                location = self.one_of(LOCATIONS, "local, global or remote")
                rigidity = "firm"
                if toks[self.i] in RIGIDITIES:
                    rigidity = toks[self.i]
                    self.i += 1
                group.deps.append(GroupDep(child, category, location, rigidity, self.where(i)))
            elif v in ("cluster", "system", "group", "type"):
                self.i += 1
                name = self.word(f"a {v} name")
                if name in KEYWORDS:
                    raise self.expected(f"a {v} name", self.i - 1)
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
                if v == "cluster":
                    if cfg.cluster is not None:
                        raise self.error_at(i, "expected one cluster block, found a second one")
                    cfg.cluster = Cluster(name, where=where)
                    self.attr_block(cfg.cluster.attrs, None)
                elif v == "system":
                    s = System(name, where=where)
                    cfg.systems.append(s)
                    self.attr_block(s.attrs, None)
                else:
                    group = Group(name, where=where)
                    cfg.groups.append(group)
                    self.attr_block(group.attrs, group.local)
            else:
                # `parent requires child` or `<Type> <name> ( ... )`
                self.i += 1
                second = toks[self.i]
                if not _is_word(second):
                    raise self.expected("a resource name after the type " + v)
                if second == "requires" and toks[self.i + 1] != "(":
                    if group is None:
                        raise self.error_at(
                            i,
                            "expected a group block first, found a resource link outside any group",
                        )
                    self.i += 1
                    child = self.word("a resource name after 'requires'")
                    group.links.append(ResourceLink(v, child, self.where(i)))
                    continue
                if group is None:
                    raise self.error_at(
                        i,
                        f"expected a group block first, found resource {second} outside any group",
                    )
                self.i += 1
                if toks[self.i] != "(":
                    raise self.expected(f"'(' after resource {v} {second}, or 'requires'")
                r = Resource(v, second, where=self.where(i))
                group.resources.append(r)
                self.attr_block(r.attrs, r.local)

    def type_block(self, name):
        start = self.i - 2
        self.punct("(")
        toks = self.toks
        attrs = []
        arglist = []
        statics = {}
        while True:
            i = self.i
            if toks[i] == ")":
                self.i += 1
                break
            if toks[i] == ";":
                self.i += 1
                continue
            static = temp = False
            while toks[self.i] in ("static", "temp"):
                if toks[self.i] == "static":
                    static = True
                else:
                    temp = True
                self.i += 1
            dtype = self.one_of(
                ("str", "int", "boolean", "keylist"), "an attribute declaration or ')'"
            )
            dim = "scalar"
            if dtype == "keylist":
                dtype, dim = "str", "keylist"
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
            if toks[self.i] == "=":
                self.i += 1
                vi = self.i
                default = self.value(dtype)
                default = self.check_dim(default, dim, aname, vi)
            while toks[self.i] == ";":
                self.i += 1
            if static and aname == "ArgList":
                arglist = default or []
            elif static and aname in STANDARD_STATIC:
                if default is not None:
                    statics[aname] = default
            else:
                try:
                    attrs.append(Attr(aname, dtype, dim, default, static, temp))
                except ValueError as e:
                    raise self.error_at(
                        i, f"expected a valid attribute declaration, found {e}"
                    ) from None
        # ArgList may also pass attributes every resource has (Veritas's own types pass
        # State and IState): TypeDecl checks the others, these are put back after it.
        declared = {a.name for a in attrs}
        checked = [a for a in arglist if a in declared or ":" in a or a not in _RESOURCE_ARGS]
        try:
            decl = TypeDecl(name, attrs, arglist=checked, statics=statics)
        except ValueError as e:
            raise self.error_at(start, f"expected a valid type, found {e}") from None
        decl.arglist = list(arglist)
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


def parse(text, file="main.cf"):
    """Parse the text of a main.cf or types.cf into a ``Config`` (includes not followed)."""
    # The model is hundreds of thousands of young objects and no cycles: the cyclic
    # collector would only rescan them (it costs about 40% of a large parse).
    enabled = gc.isenabled()
    gc.disable()
    try:
        config = _Parser(text, str(file)).config()
        config.text = text
        return config
    finally:
        if enabled:
            gc.enable()


def _read(path):
    # newline="" keeps a carriage return inside a quoted string as it is
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def parse_file(path, resolve_includes=True):
    """Parse a file; with ``resolve_includes`` the included types land in ``Config.types``.

    An include is read from the file's directory; when absent, Veritas's ``types.cf``,
    ``CVMTypes.cf`` and ``CFSTypes.cf`` resolve to the bundled declarations and vxha's
    ``<Type>Types.cf`` to the catalog. ``Config.type_origin`` records where each came from.
    """
    path = Path(path)
    cfg = parse(_read(path), str(path))
    if resolve_includes:
        _resolve(cfg, path.parent, {path.resolve()})
    return cfg


def resolve_includes(config, directory):
    """Add the types of ``config``'s includes, read from ``directory`` or the catalog."""
    _resolve(config, Path(directory), set())
    return config


def _include_where(cfg, name):
    for inc, where in zip(cfg.includes, cfg.include_where):
        if inc == name:
            return where.line, where.column
    return 1, 1


def _catalog_type(type_name):
    from vxha.vcs_types import catalog

    return type_name in catalog.PROJECT_TYPES or type_name in getattr(catalog, "EXTRA_TYPES", {})


def _resolve(cfg, directory, seen):
    from vxha.vcs_types import catalog

    for name in cfg.includes:
        path = directory / name
        key = path.resolve()
        if key in seen:
            continue  # included twice, or by another types file already
        seen.add(key)
        if path.is_file():
            sub = parse(_read(path), str(path))
            _resolve(sub, path.parent, seen)
            found = [(d, sub.type_origin.get(d.name, name)) for d in sub.types.values()]
        elif name in catalog.bundled_types():
            found = [(d, name) for d in catalog.bundled_types()[name]]
        elif name.endswith("Types.cf") and _catalog_type(name[: -len("Types.cf")]):
            found = [(catalog.project_type(name[: -len("Types.cf")]), name)]
        else:
            line, col = _include_where(cfg, name)
            raise CfError(cfg.source, line, col, f"expected an include file, found no file {path}")
        for decl, origin in found:
            if decl.name in cfg.types:
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


# -- writer ------------------------------------------------------------------------------


def _fmt(value):
    if isinstance(value, list):
        return format_value(value, "str", "vector")
    if isinstance(value, dict):
        return format_value(value, "str", "association")
    return format_scalar(value)


def _attr_lines(out, indent, attrs, local):
    for name, value in attrs.items():
        out.append(f"{indent}{name} = {_fmt(value)}\n")
        if local and name in local:
            for system, v in local[name].items():
                out.append(f"{indent}{name} @{system} = {_fmt(v)}\n")
    if local:
        for name, per_sys in local.items():
            if name in attrs:
                continue
            for system, v in per_sys.items():
                out.append(f"{indent}{name} @{system} = {_fmt(v)}\n")


def _tree(out, group):
    """The ``// resource dependency tree`` comment hacf appends to every group."""
    by_name = {r.name: r for r in group.resources}
    children = {}
    required = set()
    for link in group.links:
        children.setdefault(link.parent, []).append(link.child)
        required.add(link.child)
    out.append(f"\t// resource dependency tree\n\t//\n\t//\tgroup {group.name}\n\t//\t{{\n")

    def emit(name, indent, path):
        r = by_name.get(name)
        out.append(f"\t//\t{indent}{r.type + ' ' if r else ''}{name}\n")
        kids = children.get(name)
        if kids and name not in path:
            path.add(name)
            out.append(f"\t//\t{indent}    {{\n")
            for kid in kids:
                emit(kid, indent + "    ", path)
            out.append(f"\t//\t{indent}    }}\n")
            path.discard(name)

    for r in group.resources:
        if r.name not in required:
            emit(r.name, "", set())
    out.append("\t//\t}\n\n\n")


def write(config):
    """The configuration as text, laid out as hacf writes main.cf."""
    out = []
    for name in config.includes:
        q = format_scalar(name)
        out.append(f"include {q if q.startswith(chr(34)) else chr(34) + q + chr(34)}\n")
    if config.includes:
        out.append("\n")
    for decl in config.types.values():
        if decl.name not in config.type_origin:
            out.append(render_type(decl))
            out.append("\n")
    c = config.cluster
    if c is not None:
        out.append(f"cluster {c.name} (\n")
        _attr_lines(out, "\t", c.attrs, None)
        out.append("\t)\n\n")
    for s in config.systems:
        out.append(f"system {s.name} (\n")
        _attr_lines(out, "\t", s.attrs, None)
        out.append("\t)\n\n")
    for g in config.groups:
        out.append(f"group {g.name} (\n")
        _attr_lines(out, "\t", g.attrs, g.local)
        out.append("\t)\n\n")
        for r in g.resources:
            out.append(f"\t{r.type} {r.name} (\n")
            _attr_lines(out, "\t\t", r.attrs, r.local)
            out.append("\t\t)\n\n")
        for d in g.deps:
            out.append(f"\trequires group {d.child} {d.category} {d.location} {d.rigidity}\n")
        for link in g.links:
            out.append(f"\t{link.parent} requires {link.child}\n")
        out.append("\n\n")
        _tree(out, g)
    return "".join(out)


def write_types(decls):
    """A types file holding the declarations (a list or a name -> TypeDecl dict)."""
    if isinstance(decls, dict):
        decls = list(decls.values())
    return "\n".join(render_type(d) for d in decls)
