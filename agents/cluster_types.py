"""Register vxha's resource types on a running cluster, or bring the ones an older vxha
registered up to date (``vxha cluster add-types``).

Installing the packages changes no running cluster: the ``<Type>Types.cf`` files only take
effect when VCS next loads its configuration. This module turns each type's declaration
(the same one that renders its ``<Type>Types.cf``) into the commands that add it to a
running cluster::

    haconf -makerw
    hatype -add T
    haattr -add [-static | -temp] T Attr -string|-integer|-boolean \
        -scalar|-vector|-keylist|-assoc [default...]
    hatype -modify T ArgList A B C
    hatype -modify T <static attribute> <value...>
    haconf -dump -makero

The haattr synopsis is Veritas's (haattr(1M), 5.0MP3 and 7.3 manual pages):
``haattr -add [-temp | -static] restype attribute [VALUETYPE] [DIMENSION] [default]``.
UNVERIFIED, kept here in one place: the spellings of VALUETYPE and DIMENSION
(``-string``/``-integer``/``-boolean``, ``-scalar``/``-vector``/``-keylist``/``-assoc``)
and that an association default and an association static value are given as ``key
value`` pairs. Values are escaped by ``vcs_types.haforms.escape`` (a leading ``-`` or
``%`` gets a ``%``; the manual pages' NOTES describe the escape).

A type the cluster already has (``hatype -list``) is compared with the record of every
declaration some vxha version shipped (``vcs_types/shipped.py``; docs/packaging.md, "Types
already on the cluster"):

- the shape of one of them (attribute names, value types, dimensions, flags, ArgList), or
  one an interrupted upgrade from it left (some of the current attributes added, ArgList
  the old or the current one): vxha's. Brought up to date by ``haattr -add`` of each missing
  attribute (with its default), ``hatype -modify T ArgList`` and each static attribute whose
  value is still one an earlier vxha shipped (any other value is an admin's: kept and
  said). An attribute the current declaration dropped is kept and said (resources may hold
  values); nothing is ever deleted.
- CFSMount of any other shape: Veritas's, left as it is (DECISIONS.md 6).
- any other type of one of vxha's names: not vxha's; the run changes nothing and names
  the first difference.

UNVERIFIED besides: that ``haattr -add`` gives the resources that exist already the new
attribute with its default (haattr(1M) speaks of the instances created afterwards; the
simulator gives it to every resource).
"""

from __future__ import annotations

from vxha.vcs_types.decl import STANDARD_STATIC, empty_value
from vxha.vcs_types.haforms import clear, escape, value_words

VALUE_TYPE = {"str": "-string", "int": "-integer", "boolean": "-boolean"}
DIMENSION = {
    "scalar": "-scalar",
    "vector": "-vector",
    "keylist": "-keylist",
    "association": "-assoc",
}


def value_args(value, dim) -> list:
    """A value as command arguments (the documented forms' own rule)."""
    return value_words(value, dim)


def attr_command(type_name: str, attr) -> list:
    cmd = ["haattr", "-add"]
    if attr.static:
        cmd.append("-static")
    elif attr.temp:
        cmd.append("-temp")
    cmd += [type_name, attr.name, VALUE_TYPE[attr.type], DIMENSION[attr.dim]]
    if attr.default != empty_value(attr.type, attr.dim):
        cmd += value_args(attr.default, attr.dim)
    return cmd


def type_commands(decl) -> list:
    """The commands that declare one type, in the order VCS needs (attributes before the
    ArgList that names them)."""
    cmds = [["hatype", "-add", decl.name]]
    for attr in decl.attrs.values():
        cmds.append(attr_command(decl.name, attr))
    cmds.append(["hatype", "-modify", decl.name, "ArgList"] + [escape(a) for a in decl.arglist])
    for name, value in decl.statics.items():
        if name in decl.attrs:  # its value is the attribute's default (as in Types.cf)
            continue
        dim = STANDARD_STATIC[name][1]
        args = value_args(value, dim)
        if not args:  # an empty list: the type's default already
            continue
        cmds.append(["hatype", "-modify", decl.name, name] + args)
    return cmds


def resolve_types(types=None) -> list:
    """Declarations for type names (default: vxha's own four), in catalog order."""
    from vxha.vcs_types.catalog import PROJECT_TYPES, project_type

    names = list(PROJECT_TYPES) if types is None else list(types)
    return [project_type(n) if isinstance(n, str) else n for n in names]


def add_types_commands(types=None, existing=()) -> list:
    """``haconf -makerw``, the commands of each type not in ``existing``, then
    ``haconf -dump -makero``. Without a type to add, an empty list."""
    skip = set(existing)
    body = []
    for decl in resolve_types(types):
        if decl.name not in skip:
            body += type_commands(decl)
    if not body:
        return []
    return [["haconf", "-makerw"]] + body + [["haconf", "-dump", "-makero"]]


# -- types the cluster already has -------------------------------------------------------------


class TypePlan:
    """What add-types does with one type: ``kind`` is add, current, upgrade, veritas or
    foreign; ``commands`` the ha* argvs (no haconf); ``notes`` what it tells the admin;
    ``error`` why the run must change nothing."""

    __slots__ = ("name", "kind", "commands", "notes", "error", "base")

    def __init__(self, name, kind, commands=(), notes=(), error="", base=""):
        self.name = name
        self.kind = kind
        self.commands = list(commands)
        self.notes = list(notes)
        self.error = error
        self.base = base  # the commit whose declaration the cluster holds


def shown(value, dim) -> str:
    """A value as ``hatype -display`` prints it (words separated by one space)."""
    if dim == "scalar":
        return str(int(value)) if isinstance(value, bool) else str(value)
    if dim == "association":
        return " ".join(f"{k} {shown(v, 'scalar')}" for k, v in value.items())
    return " ".join(shown(v, "scalar") for v in value)


def _describe(a) -> str:
    t, d, static, temp = a
    return " ".join(w for w in ("static" if static else "", "temp" if temp else "", t, d) if w)


def differences(live, decl) -> list:
    """How ``live`` differs from ``decl`` in shape, first difference first."""
    from vxha.vcs_types.shipped import shape

    (have, have_args), (want, want_args) = shape(live), shape(decl)
    out = []
    for name, a in want.items():
        if name not in have:
            out.append(f"it has no attribute {name}")
        elif have[name] != a:
            out.append(f"attribute {name} is {_describe(have[name])}, not {_describe(a)}")
    out += [f"it has an attribute {n} vxha never declared" for n in have if n not in want]
    if have_args != want_args:
        out.append(f"its ArgList is {{{', '.join(have_args)}}}, not {{{', '.join(want_args)}}}")
    return out


def whose(live, current):
    """``(commit, declaration)`` of the shipped declaration ``live`` is (or an interrupted
    upgrade from it to ``current`` left), else None. Never "a subset of ours": Veritas's
    CFSMount is close to a subset of vxha's and is not vxha's."""
    from vxha.vcs_types.shipped import shape, shipped

    (have, have_args), (now, now_args) = shape(live), shape(current)
    record = shipped(live.name) or [("this vxha", current)]
    # an attribute an admin added (haattr -add) that no vxha ever declared and no ArgList
    # passes to the agent: the admin's, on vxha's type (chosen because the agent never
    # sees it, and taking the type for another's refused every apply and add-types)
    ever = {n for _, d in record for n in d.attrs} | set(now)
    have = {n: a for n, a in have.items() if n in ever or n in have_args}
    # the current declaration is the record's last entry (a test type, Dummy, has none)
    for commit, decl in record:
        was, was_args = shape(decl)
        added = {n: a for n, a in have.items() if n not in was}
        if (
            all(have.get(n) == a for n, a in was.items())
            and all(now.get(n) == a for n, a in added.items())
            and have_args in (was_args, now_args)
        ):
            return commit, decl
    # a first declaration stopped midway (hatype -add, some of the haattr -add, ArgList not
    # yet or already set): running add-types again must finish it (docs/packaging.md)
    if all(now.get(n) == a for n, a in have.items()) and have_args in ([], now_args):
        return "a stopped add", current
    return None


def static_names(decl) -> list:
    """The static attributes some vxha declaration of ``decl``'s type sets, in VCS's order:
    those add-types keeps up to date (and reads from the engine)."""
    from vxha.vcs_types.decl import STANDARD_STATIC
    from vxha.vcs_types.shipped import shipped

    decls = [d for _, d in shipped(decl.name)] + [decl]
    names = {n for d in decls for n in d.statics if n not in d.attrs}
    return sorted(names, key=list(STANDARD_STATIC).index)


def plan_type(decl, live, engine=None) -> TypePlan:
    """The plan for vxha's ``decl`` on a cluster whose declaration of that name is ``live``
    (None: the cluster has no such type). ``engine``: attribute -> value as the running
    engine shows it (``hatype -display -attribute``), for ArgList and the static values."""
    from vxha.vcs_types.shipped import attr_shape, shape, shipped

    name = decl.name
    if live is None:
        return TypePlan(
            name, "add", type_commands(decl), [f"type {name}: added (the cluster does not have it)"]
        )
    found = whose(live, decl)
    if found is None:
        if name == "CFSMount":
            return TypePlan(
                name,
                "veritas",
                notes=[f"type {name}: Veritas's, left as it is (DECISIONS.md 6)"],
            )
        record = [d for _, d in shipped(name)] or [decl]  # a test type has no record
        closest = min(record, key=lambda d: len(differences(live, d)))
        first = differences(live, closest)[0]
        return TypePlan(
            name,
            "foreign",
            error=f"type {name} on the cluster is not vxha's: {first} (vxha's agent cannot "
            "run its resources); rename or remove that type, or leave it out with --types",
        )
    # a vxha declaration saved: the engine may run an older one (a package upgrade replaces
    # <Type>Types.cf beside main.cf, not the running declaration); the engine's ArgList
    # tells which, when one shipped shape has it
    engine = engine or {}
    notes = []
    args = engine.get("ArgList")
    if args is not None and args.split() != [str(a) for a in live.arglist]:
        running = {
            repr(shape(d)): d
            for _, d in shipped(name)
            if [str(a) for a in d.arglist] == args.split()
        }
        if len(running) != 1:
            return TypePlan(
                name,
                "foreign",
                error=f"type {name}: the running engine's ArgList ({args}) is not the saved "
                f"configuration's ({' '.join(live.arglist)}) and tells no one vxha "
                "declaration: save what VCS runs (haconf -makerw; haconf -dump -makero) and "
                "run vxha cluster add-types again",
            )
        live = next(iter(running.values()))
        found = whose(live, decl)
        notes.append(
            f"type {name}: the saved declaration is newer than the one VCS runs (a package "
            "upgrade replaced the types file): upgrading the running one"
        )
    base, _ = found
    cmds, done = [], []
    for a in decl.attrs.values():
        have = live.attrs.get(a.name)
        if have is None:
            cmds.append(attr_command(name, a))
            done.append(a.name)
        elif attr_shape(have) != attr_shape(a):
            return TypePlan(
                name,
                "foreign",
                error=f"type {name}: attribute {a.name} is {_describe(attr_shape(have))} on the "
                f"cluster and {_describe(attr_shape(a))} in this vxha: an attribute is never "
                "deleted, so it cannot be changed",
            )
    if list(live.arglist) != list(decl.arglist):
        cmds.append(["hatype", "-modify", name, "ArgList"] + [escape(a) for a in decl.arglist])
        done.append("ArgList")
    record = [d for _, d in shipped(name)]
    for static in static_names(decl):
        dim = STANDARD_STATIC[static][1]
        want = shown(decl.static(static), dim)
        have = " ".join(engine.get(static, shown(live.static(static), dim)).split())
        if have == want:
            continue
        if not any(shown(d.static(static), dim) == have for d in record):
            notes.append(
                f"type {name}: kept {static} = {have or '{}'} (an admin's value; this vxha "
                f"ships {want or '{}'})"
            )
            continue
        words = value_args(decl.static(static), dim)
        cmds.append(
            ["hatype", "-modify", name, static] + words
            if words or dim == "scalar"
            else clear("hatype", name, static)
        )
        done.append(static)
    for n in live.attrs:
        if n not in decl.attrs and not any(n in d.attrs for d in record):
            notes.append(f"type {name}: kept attribute {n} (an admin's: no vxha declares it)")
        elif n not in decl.attrs:
            notes.append(
                f"type {name}: kept attribute {n}, which this vxha no longer declares "
                "(resources may hold values)"
            )
    if not cmds:
        return TypePlan(name, "current", notes=[f"type {name}: up to date"] + notes, base=base)
    head = f"type {name}: upgraded from vxha's declaration of {base[:12]} ({', '.join(done)})"
    return TypePlan(name, "upgrade", cmds, [head] + notes, base=base)
