"""Type declarations: one per VCS resource type, the source of its types.cf text,
its argv parsing and its attribute validation.

Kept free of heavy imports: every entry point loads its type's declaration at start.
"""

from __future__ import annotations

DATA_TYPES = ("str", "int", "boolean")
DIMENSIONS = ("scalar", "vector", "keylist", "association")

# Static attributes every VCS type has: name -> (data type, dimension, VCS default).
STANDARD_STATIC = {
    "ArgList": ("str", "vector", []),
    "AgentFile": ("str", "scalar", ""),
    "AgentDirectory": ("str", "scalar", ""),
    "SupportedActions": ("str", "keylist", []),
    "IMF": ("int", "association", {}),
    "IMFRegList": ("str", "vector", []),
    "MonitorInterval": ("int", "scalar", 60),
    "OfflineMonitorInterval": ("int", "scalar", 300),
    "MonitorTimeout": ("int", "scalar", 60),
    "OnlineTimeout": ("int", "scalar", 300),
    "OfflineTimeout": ("int", "scalar", 300),
    "CleanTimeout": ("int", "scalar", 60),
    "OpenTimeout": ("int", "scalar", 60),
    "CloseTimeout": ("int", "scalar", 60),
    "InfoTimeout": ("int", "scalar", 30),
    "ActionTimeout": ("int", "scalar", 30),
    "ConfInterval": ("int", "scalar", 600),
    "RestartLimit": ("int", "scalar", 0),
    "ToleranceLimit": ("int", "scalar", 0),
    "OnlineRetryLimit": ("int", "scalar", 0),
    "OnlineWaitLimit": ("int", "scalar", 2),
    "OfflineWaitLimit": ("int", "scalar", 0),
    "FaultOnMonitorTimeouts": ("int", "scalar", 4),
    "NumThreads": ("int", "scalar", 10),
    "AEPTimeout": ("int", "scalar", 0),
    "Operations": ("str", "scalar", "OnOff"),
    "LevelTwoMonitorFreq": ("int", "scalar", 0),
    "LogViaHalog": ("int", "scalar", 0),
    "RegList": ("str", "keylist", []),
}

# The timeout attribute that bounds each entry point.
TIMEOUT_ATTR = {
    "online": "OnlineTimeout",
    "offline": "OfflineTimeout",
    "monitor": "MonitorTimeout",
    "clean": "CleanTimeout",
    "info": "InfoTimeout",
    "action": "ActionTimeout",
}


class Attr:
    """One attribute of a type: data type, dimension, default, static/temp, one line of doc."""

    __slots__ = ("name", "type", "dim", "default", "static", "temp", "doc")

    def __init__(
        self,
        name,
        type="str",
        dim="scalar",
        default=None,
        static=False,
        temp=False,
        doc="",
    ):
        if type not in DATA_TYPES:
            raise ValueError(f"attribute {name}: unknown data type {type!r}")
        if dim not in DIMENSIONS:
            raise ValueError(f"attribute {name}: unknown dimension {dim!r}")
        self.name = name
        self.type = type
        self.dim = dim
        self.default = empty_value(type, dim) if default is None else default
        self.static = static
        self.temp = temp
        self.doc = doc

    def _key(self):
        return (self.name, self.type, self.dim, self.default, self.static, self.temp)

    def __eq__(self, other):
        return isinstance(other, Attr) and self._key() == other._key()

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        flags = ("static " if self.static else "") + ("temp " if self.temp else "")
        return f"Attr({flags}{self.type} {self.dim} {self.name}={self.default!r})"


def empty_value(type, dim):
    if dim in ("vector", "keylist"):
        return []
    if dim == "association":
        return {}
    return 0 if type in ("int", "boolean") else ""


class TypeDecl:
    """A resource type: its attributes, its ArgList and its static attribute values."""

    __slots__ = ("name", "attrs", "arglist", "statics", "doc", "agent", "renamed")

    def __init__(
        self, name, attrs=(), arglist=None, statics=None, doc="", agent=None, renamed=None
    ):
        self.name = name
        # Old attribute names still read (with a warning) from main.cf and argv: old -> new.
        self.renamed = dict(renamed or {})
        self.attrs = {a.name: a for a in attrs}
        if len(self.attrs) != len(attrs):
            raise ValueError(f"type {name}: an attribute is declared twice")
        self.arglist = list(arglist if arglist is not None else [a.name for a in attrs])
        self.statics = dict(statics or {})
        self.doc = doc
        self.agent = agent  # "module:Class" of the vxha agent, None for bundled types
        for arg in self.arglist:
            if arg.split(":")[0] not in self.attrs and ":" not in arg:
                raise ValueError(f"type {name}: ArgList names unknown attribute {arg!r}")
        for s in self.statics:
            if s not in STANDARD_STATIC and s not in self.attrs:
                raise ValueError(f"type {name}: unknown static attribute {s!r}")

    def current_name(self, name):
        """The attribute's name in this declaration, following a rename (None if unknown)."""
        if name in self.attrs:
            return name
        new = self.renamed.get(name)
        return new if new in self.attrs else None

    def static(self, name):
        """The value of a static attribute: declared here, else VCS's default."""
        if name in self.statics:
            return self.statics[name]
        if name in self.attrs:
            return self.attrs[name].default
        return STANDARD_STATIC[name][2]

    def attr(self, name):
        """The declaration of any attribute, standard static ones included."""
        if name in self.attrs:
            return self.attrs[name]
        if name in STANDARD_STATIC:
            t, d, default = STANDARD_STATIC[name]
            return Attr(name, t, d, self.statics.get(name, default), static=True)
        return None

    def __eq__(self, other):
        return (
            isinstance(other, TypeDecl)
            and self.name == other.name
            and self.attrs == other.attrs
            and self.arglist == other.arglist
            and self.statics == other.statics
        )

    def __repr__(self):
        return f"TypeDecl({self.name}, {list(self.attrs.values())}, arglist={self.arglist})"


# -- rendering -------------------------------------------------------------------------

_BARE_FIRST = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_BARE = _BARE_FIRST | set("0123456789")


def format_scalar(value, type="str"):
    """A value as hacf writes it: integers and identifiers bare, anything else quoted."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    s = str(value)
    if s and s[0] in _BARE_FIRST and all(c in _BARE for c in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def format_value(value, type, dim):
    if dim == "scalar":
        return format_scalar(value, type)
    if dim in ("vector", "keylist"):
        if not value:
            return "{}"
        return "{ " + ", ".join(format_scalar(v, type) for v in value) + " }"
    if not value:
        return "{}"
    items = ", ".join(f"{format_scalar(k)} = {format_scalar(v, type)}" for k, v in value.items())
    return "{ " + items + " }"


def declaration_line(attr, value=None, with_value=False):
    """`[static ][temp ]<type> <Name><dim suffix>[ = value]` as in types.cf."""
    words = []
    if attr.static:
        words.append("static")
    if attr.temp:
        words.append("temp")
    if attr.dim == "keylist":
        words.append("keylist")
        name = attr.name
    else:
        words.append(attr.type)
        name = attr.name + {"scalar": "", "vector": "[]", "association": "{}"}[attr.dim]
    line = " ".join(words) + " " + name
    default = attr.default if value is None else value
    if with_value or default != empty_value(attr.type, attr.dim):
        line += " = " + format_value(default, attr.type, attr.dim)
    return line


def render_type(decl):
    """The type's block exactly as it appears in <Type>Types.cf."""
    lines = [f"type {decl.name} ("]
    for name, value in decl.statics.items():
        if name in decl.attrs:
            continue
        t, d, _ = STANDARD_STATIC[name]
        lines.append("\t" + declaration_line(Attr(name, t, d, static=True), value, True))
    arg = Attr("ArgList", "str", "vector", static=True)
    lines.append("\t" + declaration_line(arg, decl.arglist, True))
    for attr in decl.attrs.values():
        lines.append("\t" + declaration_line(attr))
    lines.append(")")
    return "\n".join(lines) + "\n"
