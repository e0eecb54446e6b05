"""The main.cf model: what the parser produces, the writer prints and the verifier checks.

Values: a scalar is ``int`` (bare integer token) or ``str`` (bare word or quoted string);
a vector or keylist is a ``list``; an association is a ``dict`` (insertion-ordered).
A keylist and a vector look alike in main.cf; the type declaration tells them apart.
Localized values (``Attr @sys = value``, or ``@cluster`` for global-cluster objects) live
in ``local[attr][name]``. An association may leave some numbers out (``SystemList = { a,
b = 2, c }``): the model keeps ``None`` for them and ``resolve_numbers`` gives the numbers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence


class Where:
    """Where a block or line was read from (for messages); not part of equality.

    The parser gives a token index and a resolver; line and column are worked out only
    when someone asks (a clean configuration never needs them, and a large one has
    tens of thousands of blocks). The line reader sets only ``file``, ``_resolver`` and
    ``_index``: ``_line`` and ``_column`` exist once resolved.
    """

    __slots__ = ("file", "_line", "_column", "_resolver", "_index")

    def __init__(self, file="", line=0, column=0, resolver=None, index=0):
        self.file = file
        self._line = line
        self._column = column
        self._resolver = resolver
        self._index = index

    def _resolve(self):
        self._line, self._column = self._resolver(self._index)
        self._resolver = None

    @property
    def line(self):
        if self._resolver is not None:
            self._resolve()
        return self._line

    @line.setter
    def line(self, value):
        if self._resolver is not None:
            # a position made lazily has no column yet: the one it would have had unasked
            self._resolver = None
            self._column = 0
        self._line = value

    @property
    def column(self):
        if self._resolver is not None:
            self._resolve()
        return self._column

    @column.setter
    def column(self, value):
        if self._resolver is not None:
            self._resolve()
        self._column = value

    def __eq__(self, other):
        return isinstance(other, Where) and (self.file, self.line, self.column) == (
            other.file,
            other.line,
            other.column,
        )

    def __hash__(self):
        return hash((self.file, self.line, self.column))

    def __repr__(self):
        return f"Where({self.file!r}, {self.line}, {self.column})"

    def __str__(self):
        if self.column:
            return f"{self.file}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}"


# "Integers cannot exceed the value of a 32-bit signed integer: 2147483647" (Bundled Agents
# Reference Guide 7.2 Linux, "Attributes", attribute data types; User's Guide 4.1 "Attribute
# Data Types").
# (bounds, not a range: `in` on a range walks it for an int subclass such as WideInt)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class WideInt(int):
    """An integer read from a file that a 32-bit attribute cannot hold, kept as written: its
    own class takes it off the verifier's short paths (which test the class of a value, not
    its size), so the general path reports it; a string attribute takes it."""

    __slots__ = ()


def _where():
    return field(default_factory=Where, compare=False, repr=False)


def _order():
    # The order attributes were read in, kept only where values are localized (the writer
    # puts a localized value where its attribute stood); not part of equality. Empty, it
    # is a shared tuple: a list a block would be one more object for the cyclic collector
    # to walk when a command exits.
    return field(default=(), compare=False, repr=False)


@dataclass
class Resource:
    type: str
    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    local: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    where: Where = _where()
    order: Sequence[str] = _order()


@dataclass
class ResourceLink:
    """``parent requires child`` inside a group."""

    parent: str
    child: str
    where: Where = _where()


@dataclass
class GroupDep:
    """``requires group child category location rigidity`` (the parent is the group)."""

    child: str
    category: str = "online"  # online | offline
    location: str = "local"  # local | global | remote | site
    rigidity: str = "firm"  # soft | firm | hard
    where: Where = _where()
    # False when the file left the rigidity out (it defaults to firm: VCS 4.1 User's Guide,
    # "Linking Service Groups"): the writer leaves it out again while it is firm, so the
    # file comes back as written. Not part of equality: the dependency is the same.
    rigidity_written: bool = field(default=True, compare=False, repr=False)


@dataclass
class Group:
    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    local: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    resources: List[Resource] = field(default_factory=list)
    links: List[ResourceLink] = field(default_factory=list)
    deps: List[GroupDep] = field(default_factory=list)
    where: Where = _where()
    order: Sequence[str] = _order()

    def resource(self, name: str) -> Optional[Resource]:
        for r in self.resources:
            if r.name == name:
                return r
        return None

    def system_priorities(self) -> Dict[str, int]:
        """SystemList as system -> priority number (``resolve_numbers``)."""
        return resolve_numbers(self.attrs.get("SystemList"))


@dataclass
class System:
    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    where: Where = _where()


@dataclass
class Cluster:
    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    where: Where = _where()
    local: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    order: Sequence[str] = _order()


@dataclass
class RemoteCluster:
    """``remotecluster name ( ... )``: another cluster of a global cluster."""

    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    local: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    where: Where = _where()
    order: Sequence[str] = _order()


@dataclass
class Heartbeat:
    """``heartbeat Icmp ( ... )``: a wide-area heartbeat; values localize per cluster."""

    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    local: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    where: Where = _where()
    order: Sequence[str] = _order()


@dataclass
class Site:
    """``site name ( SystemList = { ... } ... )``: systems of one site (site-aware clusters)."""

    name: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    where: Where = _where()


@dataclass
class Config:
    """A whole main.cf (or a types file: then only ``types`` is filled)."""

    includes: List[str] = field(default_factory=list)
    cluster: Optional[Cluster] = None
    systems: List[System] = field(default_factory=list)
    groups: List[Group] = field(default_factory=list)
    remoteclusters: List[RemoteCluster] = field(default_factory=list)
    heartbeats: List[Heartbeat] = field(default_factory=list)
    sites: List[Site] = field(default_factory=list)
    # name -> vcs_types.decl.TypeDecl: the types declared in this file itself (types.cf
    # files) and, after cf.parse_file, those of its includes (see type_origin).
    types: Dict[str, Any] = field(default_factory=dict)
    source: str = field(default="", compare=False)
    # Type name -> the include it was resolved from (parse_file); absent: declared here.
    # The writer writes only the types declared in the file itself.
    type_origin: Dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # Where each include line was read (parallel to ``includes``).
    include_where: List[Where] = field(default_factory=list, compare=False, repr=False)
    # The text parsed (the verifier looks attribute lines up in it for its messages).
    text: str = field(default="", compare=False, repr=False)
    # True once the includes were read (cf.parse_file, cf.resolve_includes): then the
    # types known are exactly those declared or included, as for hacf.
    includes_resolved: bool = field(default=False, compare=False, repr=False)
    # The included files that declare objects (a cluster, systems, groups, ...), nested ones
    # too, in the order read (cf.parse_file): verified with this file, never written into it.
    included: Sequence[Config] = field(default=(), compare=False, repr=False)

    def group(self, name: str) -> Optional[Group]:
        for g in self.groups:
            if g.name == name:
                return g
        return None

    def system(self, name: str) -> Optional[System]:
        for s in self.systems:
            if s.name == name:
                return s
        return None

    def find_resource(self, name: str):
        """(group, resource) holding the resource of that name, or (None, None)."""
        for g in self.groups:
            r = g.resource(name)
            if r is not None:
                return g, r
        return None, None


_OBJECTS = ("systems", "groups", "remoteclusters", "heartbeats", "sites")


def with_included(config: Config) -> Config:
    """The configuration with the objects its includes declare, as the engine holds them
    (docs/vcs-language.md, "Includes and types"): main.cf's own first, then each include's,
    the same objects (not copies). ``included`` is kept, so ``split_by_file`` can give
    each object back to the file that declared it; a configuration whose includes declare
    nothing is returned as it is."""
    if not config.included or getattr(config, "merged", False):
        return config
    merged = copy.copy(config)
    for kind in _OBJECTS:
        objs = list(getattr(config, kind))
        for sub in config.included:
            objs += getattr(sub, kind)
        setattr(merged, kind, objs)
    if merged.cluster is None:
        merged.cluster = next((s.cluster for s in config.included if s.cluster), None)
    merged.merged = True  # an instance attribute: a field would cost every parse
    return merged


def split_by_file(config: Config) -> List[Config]:
    """``config`` (from ``with_included``, then changed) as one configuration per file:
    main.cf's first, then each include that declares objects, each holding the objects it
    declared that still exist, in their order (its SourceFile: docs/vcs-language.md). An
    object added since (by a command) goes to main.cf. Types and include lines stay each
    file's own."""
    parts = [config, *config.included]
    owner = {}  # id of an object -> the part that declared it
    for part in config.included:
        for kind in _OBJECTS:
            for obj in getattr(part, kind):
                owner[id(obj)] = part
        if part.cluster is not None:
            owner[id(part.cluster)] = part
    out = []
    for part in parts:
        piece = copy.copy(part)
        piece.included = ()
        for kind in _OBJECTS:
            setattr(
                piece,
                kind,
                [o for o in getattr(config, kind) if owner.get(id(o), config) is part],
            )
        cluster = config.cluster
        piece.cluster = (
            cluster if cluster is not None and owner.get(id(cluster), config) is part else None
        )
        if part is config:
            piece.merged = False
        out.append(piece)
    return out


def resolve_numbers(value) -> Dict[str, int]:
    """The numbers of a numbered list such as SystemList (name -> number): an entry
    without one gets the previous entry's + 1, the first 0 (docs/vcs-language.md)."""
    # `{ A, B = 2, C }` gives A=0, B=2, C=3; `{ A, B = 0, C }` gives 0, 0, 1 (VCS 4.1
    # User's Guide, "SystemList Attribute"). A value that is no list gives {}.
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((name, None) for name in value)
    else:
        return {}
    out = {}
    previous = -1
    for name, number in items:
        if isinstance(number, bool) or not isinstance(number, int):
            try:
                number = int(number)
            except (TypeError, ValueError):
                number = previous + 1
        out[str(name)] = number
        previous = number
    return out
