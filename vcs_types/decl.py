"""Type declarations: one per VCS resource type, the source of its types.cf text,
its argv parsing and its attribute validation.

Kept free of heavy imports: every entry point loads its type's declaration at start.
"""

DATA_TYPES = ("str", "int", "boolean")
DIMENSIONS = ("scalar", "vector", "keylist", "association")

# The standard static (type-level) attributes every VCS type has, as the InfoScale 9.0
# Agent Developer's Guide lists them ("Static type attribute definitions"): name ->
# (data type, dimension, VCS default). The one list: types files, resource overrides
# (`hares -override`) and the verifier use it (docs/vcs-language.md gives the sources).
STANDARD_STATIC = {
    "ActionTimeout": ("int", "scalar", 30),
    "AdvDbg": ("str", "keylist", []),
    "AEPTimeout": ("boolean", "scalar", 0),
    "AgentClass": ("str", "scalar", "TS"),
    "AgentDirectory": ("str", "scalar", ""),
    "AgentFailedOn": ("str", "keylist", []),
    "AgentFile": ("str", "scalar", ""),
    "AgentPriority": ("str", "scalar", "0"),
    "AgentReplyTimeout": ("int", "scalar", 130),
    "AgentStartTimeout": ("int", "scalar", 60),
    "AlertOnMonitorTimeouts": ("int", "scalar", 0),
    "ArgList": ("str", "vector", []),
    "AttrChangedTimeout": ("int", "scalar", 60),
    "AvailableMeters": ("str", "keylist", []),
    "CleanRetryLimit": ("int", "scalar", 0),
    "CleanTimeout": ("int", "scalar", 60),
    "CloseTimeout": ("int", "scalar", 60),
    "ConfInterval": ("int", "scalar", 600),
    "ContainerOpts": ("int", "association", {}),
    "EPClass": ("str", "scalar", "-1"),
    "EPPriority": ("str", "scalar", "-1"),
    "ExternalStateChange": ("str", "keylist", []),
    "FaultOnMonitorTimeouts": ("int", "scalar", 4),
    "FaultPropagation": ("boolean", "scalar", 1),
    "FireDrill": ("boolean", "scalar", 0),
    "IMF": ("int", "association", {}),
    "IMFRegList": ("str", "vector", []),
    "InfoInterval": ("int", "scalar", 0),
    "InfoTimeout": ("int", "scalar", 30),
    "IntentionalOffline": ("boolean", "scalar", 0),
    "LevelTwoMonitorFreq": ("int", "scalar", 0),
    "LogDbg": ("str", "keylist", []),
    "LogFileSize": ("int", "scalar", 33554432),
    "LogViaHalog": ("boolean", "scalar", 0),
    "MigrateTimeout": ("int", "scalar", 600),
    "MigrateWaitLimit": ("int", "scalar", 2),
    "MonitorInterval": ("int", "scalar", 60),
    "MeterControl": ("int", "association", {"MeterInterval": 600, "ForecastCycle": 0}),
    "Meters": ("str", "keylist", ["SCPU", "SMem"]),
    "MinCompatAgentVersion": ("str", "scalar", ""),
    "MonitorStatsParam": ("str", "association", {}),
    "MonitorTimeout": ("int", "scalar", 60),
    "NumThreads": ("int", "scalar", 10),
    "OfflineMonitorInterval": ("int", "scalar", 300),
    "OfflineTimeout": ("int", "scalar", 300),
    "OfflineWaitLimit": ("int", "scalar", 0),
    "OnlineClass": ("str", "scalar", "-1"),
    "OnlinePriority": ("str", "scalar", "-1"),
    "OnlineRetryLimit": ("int", "scalar", 0),
    "OnlineTimeout": ("int", "scalar", 300),
    "OnlineWaitLimit": ("int", "scalar", 2),
    "OpenTimeout": ("int", "scalar", 60),
    "Operations": ("str", "scalar", "OnOff"),
    "RegList": ("str", "keylist", []),
    "RestartLimit": ("int", "scalar", 0),
    "ScriptClass": ("str", "scalar", "-1"),
    "ScriptPriority": ("str", "scalar", "-1"),
    "SourceFile": ("str", "scalar", ""),
    "SupportedActions": ("str", "keylist", []),
    "SupportedOperations": ("str", "keylist", []),
    "ToleranceLimit": ("int", "scalar", 0),
    "TypeDefinitionVersion": ("str", "scalar", ""),
    "TypeOwner": ("str", "scalar", ""),
    "TypeRecipients": ("str", "association", {}),
}

# The standard static attributes whose value the guides say a resource cannot override,
# each with the guide and section that says so: hacf -verify and `hares -override` refuse
# them (docs/vcs-language.md).
NOT_OVERRIDABLE = {
    "AEPTimeout": "Agent Developer's Guide 7.3 and 9.0, static attribute AEPTimeout",
    "ArgList": "Agent Developer's Guide 5.0MP3, static attribute ArgList",
    "MeterControl": "Agent Developer's Guide 7.3, static attribute MeterControl",
    "Meters": "Agent Developer's Guide 7.3 and 9.0, static attribute Meters",
}

# Attributes every resource has that an ArgList may pass besides the type's own (Veritas's
# types pass State, IState, MonitorOnly, ConfidenceLevel).
RESOURCE_ARGS = frozenset(STANDARD_STATIC) | {
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
    "ConfidenceLevel",
    "ContainerInfo",
    "ResContainerInfo",
    "ResourceOwner",
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

    __slots__ = (
        "name",
        "type",
        "dim",
        "default",
        "static",
        "temp",
        "doc",
        "i18n",
        "explicit",
        "bare",
    )

    def __init__(
        self,
        name,
        type="str",
        dim="scalar",
        default=None,
        static=False,
        temp=False,
        doc="",
        i18n=False,
        explicit=False,
        bare=False,
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
        self.i18n = i18n  # declared ``i18nstr``: a str whose value may be localized text
        # `int X = 0` was written so, not `int X`: the same default, kept for the layout
        # (Veritas's types.cf writes `boolean MonitorReservation = 0` beside `int UmountVolumes`)
        self.explicit = explicit
        # `str StartVolumes = 1` (Veritas's Solaris types.cf) was written without quotes: the
        # declared type reads it back as the same string, so it is written back bare; for a
        # string list or association, the frozenset of the integers written bare in it
        self.bare = bare

    def _key(self):
        return (self.name, self.type, self.dim, self.default, self.static, self.temp, self.i18n)

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
    return 0 if type in ("int", "boolean", "float") else ""


class DeclError(ValueError):
    """A type declaration at odds with itself; ``attr`` names the declaration line at fault."""

    def __init__(self, message, attr=None):
        super().__init__(message)
        self.attr = attr


def _case_hint(name, declared):
    # A published types file names "SDatabaseName" in ArgList and declares "sDatabaseName".
    same = [d for d in declared if d.lower() == name.lower()]
    return f" (the type declares {same[0]!r}, which differs only in case)" if same else ""


class TypeDecl:
    """A resource type: its attributes, its ArgList and its static attribute values."""

    __slots__ = (
        "name",
        "attrs",
        "arglist",
        "statics",
        "doc",
        "agent",
        "renamed",
        "order",
        "static_decls",
        "where",
        "settings",
    )

    def __init__(
        self,
        name,
        attrs=(),
        arglist=None,
        statics=None,
        doc="",
        agent=None,
        renamed=None,
        settings=None,
    ):
        self.name = name
        # Type-level settings that are no attribute (``NameRule = resource.MountPoint``).
        self.settings = dict(settings or {})
        # Old attribute names still read (with a warning) from main.cf and argv: old -> new.
        self.renamed = dict(renamed or {})
        self.attrs = {a.name: a for a in attrs}
        if len(self.attrs) != len(attrs):
            raise ValueError(f"type {name}: an attribute is declared twice")
        self.arglist = list(arglist if arglist is not None else [a.name for a in attrs])
        self.statics = dict(statics or {})
        self.doc = doc
        self.agent = agent  # "module:Class" of the vxha agent, None for bundled types
        # As read from a types file (not part of equality): the order of its lines, and
        # the declarations of the standard static attributes it sets, so that it renders
        # back as written.
        self.order = []
        self.static_decls = {}
        self.where = {}  # "" (the block) or attribute name -> model.Where, when read
        for arg in self.arglist:
            if arg in self.attrs or arg in RESOURCE_ARGS:
                continue
            # `Attr3:Attr_A`: Attr_A of the resource that Attr3 names; "one has to first add
            # the attribute Attr3 to type T1" (ADG 5.0MP3, "ArgList reference attributes")
            ref, colon, other = arg.partition(":")
            if colon and other and ref in self.attrs:
                continue
            if colon and not other:
                raise DeclError(
                    f"type {name}: ArgList reference {arg!r} names no attribute after ':'",
                    "ArgList",
                )
            if colon:
                raise DeclError(
                    f"type {name}: ArgList reference {arg!r} names {ref!r}, which is no "
                    f"attribute of {name}: declare the attribute holding the other "
                    "resource's name first" + _case_hint(ref, self.attrs),
                    "ArgList",
                )
            raise DeclError(
                f"type {name}: ArgList names unknown attribute {arg!r}"
                + _case_hint(arg, self.attrs),
                "ArgList",
            )
        for s in self.statics:
            if s not in STANDARD_STATIC and s not in self.attrs:
                raise DeclError(f"type {name}: unknown static attribute {s!r}", s)

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
            and self.settings == other.settings
        )

    def __repr__(self):
        return f"TypeDecl({self.name}, {list(self.attrs.values())}, arglist={self.arglist})"


# -- rendering -------------------------------------------------------------------------

# Written with str methods, not re: every entry point imports this module.


def _bare(s):
    """Whether ``s`` is ``[A-Za-z][A-Za-z0-9_]*`` (a bare word starts with a letter:
    docs/vcs-language.md, "Layout")."""
    return s.isascii() and s.isidentifier() and s[0] != "_"


def _integer(s):
    """Whether ``s`` is ``-?[0-9]+``."""
    digits = s[1:] if s[:1] == "-" else s
    return digits.isascii() and digits.isdigit()


def _name(s):
    """Whether ``s`` is ``[A-Za-z][A-Za-z0-9_-]*``."""
    return s[:1] not in ("-", "_") and s.isascii() and s.replace("-", "_").isidentifier()


def _quote(s):
    return (
        '"'
        + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        + '"'
    )


class DecimalText(str):
    """A decimal number read bare (``Capacity = { CPU = 2.5 }``): the string as written,
    equal to it, whose own class tells the writer to write it bare again (a float attribute's
    value; a quoted ``"2.5"`` stays a plain string and is written quoted). Its class takes it
    off the verifier's short paths, as WideInt's does."""

    __slots__ = ()


def format_scalar(value, type="str"):
    """A value as hacf writes it: integers and identifiers bare, anything else quoted.

    A string of digits that no integer is written as (``0755``, ``-0``) stays bare, as it
    was read; a raw carriage return or newline is never written (``\\r``, ``\\n``).
    """
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if value.__class__ is DecimalText:
        return str(value)
    s = value if value.__class__ is str else str(value)
    if _bare(s):
        return s
    if _integer(s) and str(int(s)) != s:
        return s
    return _quote(s)


def format_name(value):
    """An object name, system or association key: bare when the grammar allows (letters,
    digits, ``_`` and ``-``, a letter first), else quoted."""
    s = value if value.__class__ is str else str(value)
    if _name(s):
        return s
    return format_scalar(s)


def format_value(value, type, dim, bare=()):
    """``value`` as written in a file; a string in ``bare`` (integers a types file wrote
    without quotes in a string list or association) is written bare again."""
    if dim == "scalar":
        return format_scalar(value, type)

    def scalar(v):
        return v if v in bare else format_scalar(v, type)

    def key(k):
        return k if k in bare else format_name(k)

    if dim in ("vector", "keylist"):
        if not value:
            return "{}"
        return "{ " + ", ".join(scalar(v) for v in value) + " }"
    if not value:
        return "{}"
    items = ", ".join(key(k) if v is None else f"{key(k)} = {scalar(v)}" for k, v in value.items())
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
        words.append("i18nstr" if attr.i18n else attr.type)
        name = attr.name + {"scalar": "", "vector": "[]", "association": "{}"}[attr.dim]
    line = " ".join(words) + " " + name
    default = attr.default if value is None else value
    if with_value or attr.explicit or default != empty_value(attr.type, attr.dim):
        if attr.bare and default.__class__ is str and _integer(default):
            return f"{line} = {default}"
        bare = attr.bare if attr.bare.__class__ is frozenset else ()
        line += " = " + format_value(default, attr.type, attr.dim, bare)
    return line


_NOT_IN_WORD = frozenset('{}()=,;@"[]/')


def _word(s):
    """Whether ``s`` is one or more characters, none of them white space or {}()=,;@"[]/."""
    return bool(s) and not any(c.isspace() or c in _NOT_IN_WORD for c in s)


class SettingExpr(str):
    """A type setting of terms joined by '+' (``NameRule = group.Name + "_" +
    resource.MountPoint``), its terms formatted as written back: written as it is."""

    __slots__ = ()


def _setting(value):
    # a setting's value is written as a bare word where the grammar reads one back
    if isinstance(value, SettingExpr):
        return str(value)
    s = str(value)
    return s if _word(s) and s not in ("/*",) else format_scalar(s)


def render_type(decl):
    """The type's block exactly as it appears in <Type>Types.cf.

    A declaration read from a types file renders its lines in the order read; one built
    in Python puts the standard static attributes first, then ArgList, then the others.
    """
    lines = [f"type {decl.name} ("]
    arg = Attr("ArgList", "str", "vector", static=True)
    done = set()
    for name in decl.order:
        if name in decl.settings:
            lines.append(f"\t{name} = {_setting(decl.settings[name])}")
        elif name in decl.attrs:
            lines.append("\t" + declaration_line(decl.attrs[name]))
        elif name == "ArgList":
            a = decl.static_decls.get(name, arg)
            lines.append("\t" + declaration_line(a, decl.arglist, True))
        elif name in decl.static_decls:
            a = decl.static_decls[name]
            if name in decl.statics:
                lines.append("\t" + declaration_line(a, decl.statics[name], True))
            else:
                lines.append("\t" + declaration_line(a))
        else:
            continue
        done.add(name)
    for name, value in decl.statics.items():
        if name in decl.attrs or name in done:
            continue
        t, d, _ = STANDARD_STATIC[name]
        lines.append("\t" + declaration_line(Attr(name, t, d, static=True), value, True))
    if not decl.order and (decl.arglist or not decl.where):
        # built in Python; a type read with no lines (`type T (` `)`) stays without one
        lines.append("\t" + declaration_line(arg, decl.arglist, True))
    for name, value in decl.settings.items():
        if name not in done:
            lines.append(f"\t{name} = {_setting(value)}")
    for attr in decl.attrs.values():
        if attr.name not in done:
            lines.append("\t" + declaration_line(attr))
    lines.append(")")
    return "\n".join(lines) + "\n"
