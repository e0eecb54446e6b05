"""The .cf language: parse main.cf and types.cf files into the model, write them back as hacf.

One compiled regular expression tokenizes the whole text (the generator parses 100k-line
configurations); a small recursive-descent parser builds ``model.Config``; the writer lays
the model out exactly as ``hacf -dump`` does, using ``decl``'s value formatting.

Values: a bare integer token is an ``int``, any other scalar a ``str``; ``{ a, b }`` is a
list, ``{ k = v }`` a dict with ``str`` keys, and an empty ``{}`` an empty list (main.cf
does not say whether an empty value is a vector or an association; test with ``not v``).
"""

from __future__ import annotations

import re
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

# Whitespace and comments are absorbed in front of every token; the empty last alternative
# matches only at the end, so no match ever fails after the skip (no backtracking blow-up).
_TOKEN = re.compile(
    r"(?:\s+|//[^\n]*|/\*.*?\*/)*"
    r"(?:"
    r'"([^"\\]*(?:\\.[^"\\]*)*)"'  # 1 quoted string (body)
    r'|((?:[^\s{}()=,;@"\[\]/]|/(?![/*]))+)'  # 2 bare word
    r"|([{}()=,;@\[\]])"  # 3 punctuation
    r"|(\S)"  # 4 anything else: an error
    r"|()\Z"  # 5 end of file
    r")",
    re.S,
)
STR, WORD, PUNCT, BAD, EOF = 1, 2, 3, 4, 5
_INT = re.compile(r"-?[0-9]+\Z")
_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPED = {"n": "\n", "t": "\t"}


def _unescape(body):
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), body)


def _tokenize(text):
    kinds = []
    values = []
    starts = []
    ka, va, sa = kinds.append, values.append, starts.append
    for m in _TOKEN.finditer(text):
        k = m.lastindex
        ka(k)
        va(m.group(k))
        sa(m.start(k))
    return kinds, values, starts


def _describe(kind, value):
    if kind == EOF:
        return "end of file"
    if kind == STR:
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f'string "{shown}"'
    if kind == WORD:
        return f"'{value}'"
    if kind == PUNCT:
        return f"'{value}'"
    if value == '"':
        return "an unterminated string"
    if value == "/":
        return "an unterminated comment"
    return f"'{value}'"


# -- parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text, file):
        self.text = text
        self.file = file
        self.kinds, self.values, self.starts = _tokenize(text)
        self.i = 0
        self._line_pos = 0  # line numbers are counted incrementally (positions only grow)
        self._line_no = 1
        self._line_start = 0

    # position helpers
    def position(self, pos):
        """(line, column), both 1-based, of a character offset."""
        if pos < self._line_pos:
            line = self.text.count("\n", 0, pos) + 1
            return line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        text = self.text
        n = text.count("\n", self._line_pos, pos)
        if n:
            self._line_no += n
            self._line_start = text.rfind("\n", self._line_pos, pos) + 1
        self._line_pos = pos
        return self._line_no, pos - self._line_start + 1

    def where(self, i):
        line, col = self.position(self.starts[i])
        return Where(self.file, line, col)

    def error_at(self, i, message):
        line, col = self.position(self.starts[i])
        return CfError(self.file, line, col, message)

    def expected(self, what, i=None):
        i = self.i if i is None else i
        found = _describe(self.kinds[i], self.values[i])
        return self.error_at(i, f"expected {what}, found {found}")

    # token helpers
    def is_punct(self, ch, i=None):
        i = self.i if i is None else i
        return self.kinds[i] == PUNCT and self.values[i] == ch

    def punct(self, ch):
        if self.kinds[self.i] != PUNCT or self.values[self.i] != ch:
            raise self.expected(f"'{ch}'")
        self.i += 1

    def word(self, what):
        i = self.i
        if self.kinds[i] != WORD:
            raise self.expected(what)
        self.i = i + 1
        return self.values[i]

    def one_of(self, words, what):
        i = self.i
        if self.kinds[i] != WORD or self.values[i] not in words:
            raise self.expected(what)
        self.i = i + 1
        return self.values[i]

    def skip_semicolons(self):
        while self.kinds[self.i] == PUNCT and self.values[self.i] == ";":
            self.i += 1

    # values
    def scalar(self, typed=None):
        """A scalar token; ``typed`` is None (auto), "str", or "int"/"boolean"."""
        i = self.i
        k = self.kinds[i]
        v = self.values[i]
        if k == WORD:
            self.i = i + 1
            if typed == "str":
                return v
            if _INT.match(v):
                return int(v)
            if typed is not None:
                raise self.expected("an integer", i)
            return v
        if k == STR:
            self.i = i + 1
            if typed is not None and typed != "str":
                raise self.expected("an integer", i)
            return _unescape(v)
        raise self.expected("a value")

    def key(self):
        i = self.i
        k = self.kinds[i]
        if k == WORD:
            self.i = i + 1
            return self.values[i]
        if k == STR:
            self.i = i + 1
            return _unescape(self.values[i])
        raise self.expected("a key")

    def value(self, typed=None):
        kinds, values = self.kinds, self.values
        i = self.i
        if kinds[i] != PUNCT or values[i] != "{":
            return self.scalar(typed)
        i += 1
        if kinds[i] == PUNCT and values[i] == "}":
            self.i = i + 1
            return []
        # association when the first element is followed by '='
        if kinds[i] in (WORD, STR) and kinds[i + 1] == PUNCT and values[i + 1] == "=":
            self.i = i
            result = {}
            while True:
                ki = self.i
                key = self.key()
                self.punct("=")
                if key in result:
                    raise self.error_at(ki, f"expected a new key, found key {key!r} a second time")
                result[key] = self.scalar(typed)
                if kinds[self.i] == PUNCT and values[self.i] == ",":
                    self.i += 1
                    continue
                if kinds[self.i] == PUNCT and values[self.i] == "}":
                    self.i += 1
                    return result
                raise self.expected("',' or '}'")
        self.i = i
        result = []
        while True:
            result.append(self.scalar(typed))
            if kinds[self.i] == PUNCT and values[self.i] == ",":
                self.i += 1
                continue
            if kinds[self.i] == PUNCT and values[self.i] == "}":
                self.i += 1
                return result
            raise self.expected("',' or '}'")

    def attr_block(self, attrs, local):
        """``( Name = value ... )``; ``local`` is None where ``@system`` is not allowed."""
        self.punct("(")
        kinds, values = self.kinds, self.values
        while True:
            i = self.i
            k = kinds[i]
            if k == PUNCT:
                v = values[i]
                if v == ")":
                    self.i = i + 1
                    return
                if v == ";":
                    self.i = i + 1
                    continue
            if k != WORD:
                raise self.expected("an attribute name or ')'")
            name = values[i]
            self.i = i + 1
            system = None
            if kinds[i + 1] == PUNCT and values[i + 1] == "@" and local is not None:
                self.i = i + 2
                system = self.word("a system name after '@'")
            self.punct("=")
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
        kinds, values = self.kinds, self.values
        group = None
        names = {}  # (kind, name) -> first Where: duplicate blocks are a syntax-level error
        while True:
            i = self.i
            k = kinds[i]
            if k == EOF:
                return cfg
            if k == PUNCT and values[i] == ";":
                self.i += 1
                continue
            if k != WORD:
                raise self.expected("a statement (include, cluster, system, group, type, ...)")
            v = values[i]
            if v == "include":
                self.i += 1
                if kinds[self.i] not in (STR, WORD):
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
                if kinds[self.i] == WORD and values[self.i] in RIGIDITIES:
                    rigidity = values[self.i]
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
                if kinds[self.i] != WORD:
                    raise self.expected("a resource name after the type " + v)
                second = values[self.i]
                if second == "requires" and not self.is_punct("(", self.i + 1):
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
                if not self.is_punct("("):
                    raise self.expected(f"'(' after resource {v} {second}, or 'requires'")
                r = Resource(v, second, where=self.where(i))
                group.resources.append(r)
                self.attr_block(r.attrs, r.local)

    def type_block(self, name):
        start = self.i - 2
        self.punct("(")
        kinds, values = self.kinds, self.values
        attrs = []
        arglist = []
        statics = {}
        while True:
            i = self.i
            if kinds[i] == PUNCT and values[i] == ")":
                self.i += 1
                break
            if kinds[i] == PUNCT and values[i] == ";":
                self.i += 1
                continue
            static = temp = False
            while kinds[self.i] == WORD and values[self.i] in ("static", "temp"):
                if values[self.i] == "static":
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
            if dim == "scalar" and self.is_punct("["):
                self.i += 1
                self.punct("]")
                dim = "vector"
            elif dim == "scalar" and self.is_punct("{"):
                self.i += 1
                self.punct("}")
                dim = "association"
            default = None
            if self.is_punct("="):
                self.i += 1
                vi = self.i
                default = self.value(dtype)
                default = self.check_dim(default, dim, aname, vi)
            self.skip_semicolons()
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
        try:
            return TypeDecl(name, attrs, arglist=arglist, statics=statics)
        except ValueError as e:
            raise self.error_at(start, f"expected a valid type, found {e}") from None

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
    return _Parser(text, str(file)).config()


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
        if path.is_file():
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
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
