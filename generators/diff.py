"""Changing a live cluster: the difference of two configurations, the ha* commands that
apply it, and a model of those commands (``apply``) to prove the round trip.

Both configurations are first ``normalize``d the way VCS itself sees them: values take
their attribute's data type, attributes at their default are dropped (hacf does not dump
them either) and groups, resources and links are sorted. So ``apply(old, commands(diff(
old, new)))`` normalizes to ``normalize(new)``.
"""

from __future__ import annotations

import copy
import re
import shlex
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from vxha.generators.hacli import unescape
from vxha.vcs_types import haforms
from vxha.vcs_types.decl import STANDARD_STATIC, empty_value, format_value
from vxha.vcs_types.model import Config, Group, GroupDep, Resource, ResourceLink, System

# Defaults VCS gives group, resource and cluster attributes a configuration may leave out.
GROUP_DEFAULTS = {
    "AutoFailOver": 1,
    "AutoStart": 1,
    "AutoStartPolicy": "Order",
    "Enabled": 1,
    "FailOverPolicy": "Priority",
    "Frozen": 0,
    "Parallel": 0,
    "Priority": 0,
    "TFrozen": 0,
    "UserStrGlobal": "",
    "OnlineRetryLimit": 0,
}
RESOURCE_DEFAULTS = {"Critical": 1, "Enabled": 1, "AutoStart": 1}
SYSTEM_DEFAULTS: Dict[str, Any] = {}
CLUSTER_DEFAULTS: Dict[str, Any] = {}

_INT = re.compile(r"-?[0-9]+\Z")


# -- attribute specs ------------------------------------------------------------------------


def _tables():
    from vxha.vcs_types import verify

    return verify


def known_types(*configs) -> dict:
    from vxha.vcs_types.verify import catalog_types

    types = dict(catalog_types())
    for c in configs:
        if c is None:
            continue
        for name, decl in c.types.items():
            known = types.get(name)
            # Keep the richer of two declarations (vxha's CFSMount holds Veritas's): an
            # attribute either configuration sets must have a data type and a default.
            if known is None or not set(decl.attrs) < set(known.attrs):
                types[name] = decl
    return types


def _std(table, name, defaults):
    spec = table.get(name)
    if spec is None:
        return None
    dims = spec[1] if isinstance(spec[1], tuple) else (spec[1],)
    return spec[0], dims, defaults.get(name, _MISSING)


_MISSING = object()


def resource_spec(types, rtype, name):
    """(data type, dimensions, default) of a resource attribute; None when unknown."""
    decl = types.get(rtype)
    if decl is not None and name in decl.attrs:
        a = decl.attrs[name]
        return a.type, (a.dim,), a.default
    if name in STANDARD_STATIC:
        t, d, default = STANDARD_STATIC[name]
        if decl is not None:
            default = decl.static(name)
        return t, (d,), default
    return _std(_tables().RESOURCE_ATTRS, name, RESOURCE_DEFAULTS)


def group_spec(name):
    return _std(_tables().GROUP_ATTRS, name, GROUP_DEFAULTS)


def system_spec(name):
    return _std(_tables().SYSTEM_ATTRS, name, SYSTEM_DEFAULTS)


def cluster_spec(name):
    return _std(_tables().CLUSTER_ATTRS, name, CLUSTER_DEFAULTS)


def _coerce_scalar(v, dtype):
    if dtype == "str":
        return str(v)
    if isinstance(v, str) and _INT.match(v):
        return int(v)
    return v


def coerce(value, spec):
    """A value in the attribute's data type (``8443`` and ``"8443"`` are one str value).

    Unknown attributes read digits as an integer, as the parser does with bare tokens."""
    dtype = spec[0] if spec is not None else "int"
    if isinstance(value, dict):
        return {str(k): _coerce_scalar(v, dtype) for k, v in value.items()}
    if isinstance(value, list):
        if not value and spec is not None and spec[1] == ("association",):
            return {}
        return [_coerce_scalar(v, dtype) for v in value]
    return _coerce_scalar(value, dtype)


def default_of(spec):
    """The attribute's default, or its empty value."""
    if spec is None:
        return None
    if spec[2] is not _MISSING:
        return spec[2]
    return empty_value(spec[0], spec[1][0])


def _is_default(value, spec):
    if spec is None:
        return False
    if value in ([], {}, None):
        return True
    return value == default_of(spec)


def _norm_attrs(attrs, spec_of):
    out = {}
    for name, value in attrs.items():
        spec = spec_of(name)
        value = coerce(value, spec)
        if not _is_default(value, spec):
            out[name] = value
    return out


def _norm_local(local, spec_of):
    out = {}
    for name, per_sys in local.items():
        spec = spec_of(name)
        out[name] = {s: coerce(v, spec) for s, v in sorted(per_sys.items())}
    return out


def normalize(config: Config, types: Optional[dict] = None) -> Config:
    """The configuration as VCS holds it (see the module doc); a new object."""
    types = types if types is not None else known_types(config)
    # Types are left out: they are installed (type files), not part of the comparison.
    out = Config(
        includes=list(config.includes),
        cluster=copy.deepcopy(config.cluster),
        source=config.source,
    )
    if out.cluster is not None:
        out.cluster.attrs = _norm_attrs(out.cluster.attrs, cluster_spec)
    out.systems = [
        System(s.name, _norm_attrs(s.attrs, system_spec))
        for s in sorted(config.systems, key=lambda s: s.name)
    ]
    for g in sorted(config.groups, key=lambda g: g.name):
        ng = Group(
            g.name,
            attrs=_norm_attrs(g.attrs, group_spec),
            local=_norm_local(g.local, group_spec),
        )
        for r in sorted(g.resources, key=lambda r: r.name):

            def spec_of(name, rtype=r.type):
                return resource_spec(types, rtype, name)

            attrs = _norm_attrs(r.attrs, spec_of)
            local = _norm_local(r.local, spec_of)
            for name in local:
                attrs.pop(name, None)  # a localized attribute has no global value
            ng.resources.append(Resource(r.type, r.name, attrs, local))
        ng.links = [
            ResourceLink(p, c) for p, c in sorted({(lk.parent, lk.child) for lk in g.links})
        ]
        ng.deps = [
            GroupDep(d.child, d.category, d.location, d.rigidity)
            for d in sorted(g.deps, key=lambda d: d.child)
        ]
        out.groups.append(ng)
    return out


# -- diff ------------------------------------------------------------------------------------


@dataclass
class Change:
    """One difference. ``kind``: system, cluster, group, resource, link, dependency;
    ``attr`` set for an attribute change (``system`` for a localized value)."""

    action: str  # add | remove | change
    kind: str
    name: str
    attr: str = ""
    system: str = ""
    old: Any = None
    new: Any = None
    group: str = ""
    type: str = ""
    restarts: bool = False  # a change of a resource that stays, applied by restarting it

    def __str__(self):
        sign = {"add": "+", "remove": "-", "change": "~"}[self.action]
        if self.attr:
            label = self.attr + (f" @{self.system}" if self.system else "")
            old = "(unset)" if self.old is None else _show(self.old)
            new = "(unset)" if self.new is None else _show(self.new)
            then = f" (restarts {self.name})" if self.restarts else ""
            return f"{sign} {self.kind} {self.name}: {label} {old} -> {new}{then}"
        if self.kind == "resource":
            return f"{sign} resource {self.name} ({self.type}) in group {self.group}"
        if self.kind == "link":
            return f"{sign} link in group {self.group}: {self.name}"
        if self.kind == "dependency":
            return f"{sign} dependency: group {self.group} requires group {self.name}"
        return f"{sign} {self.kind} {self.name}"


def _show(value):
    if isinstance(value, (list, dict)):
        return format_value(value, "str", "association" if isinstance(value, dict) else "vector")
    return format_value(value, "str", "scalar")


def _attr_changes(kind, name, old_attrs, new_attrs, old_local, new_local, out):
    for attr in list(new_attrs) + [a for a in old_attrs if a not in new_attrs]:
        o, n = old_attrs.get(attr), new_attrs.get(attr)
        if o != n and not (n is None and attr in new_local):
            action = "add" if o is None and attr not in old_local else "change"
            out.append(Change(action if n is not None else "remove", kind, name, attr, "", o, n))
    for attr in list(new_local) + [a for a in old_local if a not in new_local]:
        o_sys, n_sys = old_local.get(attr, {}), new_local.get(attr, {})
        for system in list(n_sys) + [s for s in o_sys if s not in n_sys]:
            o, n = o_sys.get(system), n_sys.get(system)
            if o != n:
                action = (
                    "change"
                    if o is not None and n is not None
                    else "add"
                    if o is None
                    else "remove"
                )
                out.append(Change(action, kind, name, attr, system, o, n))


def recreated(og: Group, ng: Group) -> bool:
    """VCS changes Parallel only on an empty group: such a group is deleted and re-added."""
    return og.attrs.get("Parallel", 0) != ng.attrs.get("Parallel", 0)


def diff(
    old: Config, new: Config, types: Optional[dict] = None, normalized: bool = False
) -> List[Change]:
    """What turns ``old`` into ``new``: systems, cluster, groups, resources, attributes."""
    types = types if types is not None else known_types(old, new)
    if not normalized:
        old, new = normalize(old, types), normalize(new, types)
    out: List[Change] = []
    # Type files are installed, not commanded (vxha cluster add-types): listed only.
    for inc in new.includes:
        if inc not in old.includes:
            out.append(Change("add", "include", inc))
    for inc in old.includes:
        if inc not in new.includes:
            out.append(Change("remove", "include", inc))
    osys = {s.name: s for s in old.systems}
    nsys = {s.name: s for s in new.systems}
    for s in new.systems:
        if s.name not in osys:
            out.append(Change("add", "system", s.name))
            _attr_changes("system", s.name, {}, s.attrs, {}, {}, out)
        else:
            _attr_changes("system", s.name, osys[s.name].attrs, s.attrs, {}, {}, out)
    for s in old.systems:
        if s.name not in nsys:
            out.append(Change("remove", "system", s.name))
    if new.cluster is not None:
        oc = old.cluster.attrs if old.cluster is not None else {}
        _attr_changes("cluster", new.cluster.name, oc, new.cluster.attrs, {}, {}, out)

    ogroups = {g.name: g for g in old.groups}
    ngroups = {g.name: g for g in new.groups}
    recreate = {n for n, g in ngroups.items() if n in ogroups and recreated(ogroups[n], g)}
    ores = {r.name: (g, r) for g in old.groups for r in g.resources}
    nres = {r.name: (g, r) for g in new.groups for r in g.resources}

    def gone(g):
        return g.name not in ngroups or g.name in recreate

    def moved(name):
        og, orr = ores[name]
        ng, nr = nres[name]
        return og.name != ng.name or orr.type != nr.type or og.name in recreate

    def stale(name):
        """A link end that is removed, or deleted and added again."""
        return name not in ores or name not in nres or moved(name)

    # A group equal on both sides (and requiring no recreated group) has nothing to say:
    # most groups, in a plan that changes one server.
    same = {
        n
        for n, g in ngroups.items()
        if n in ogroups and ogroups[n] == g and not any(d.child in recreate for d in g.deps)
    }
    # removals
    for g in old.groups:
        if g.name in same:
            continue
        for d in g.deps:
            ng = ngroups.get(g.name)
            keep = ng is not None and not gone(g) and d in ng.deps and d.child not in recreate
            if not keep:
                out.append(Change("remove", "dependency", d.child, group=g.name, old=d))
        for lk in g.links:
            ng = ngroups.get(g.name)
            keep = (
                ng is not None
                and not gone(g)
                and lk in ng.links
                and not stale(lk.parent)
                and not stale(lk.child)
            )
            if not keep:
                out.append(Change("remove", "link", _link(lk), group=g.name, old=lk))
        for r in g.resources:
            if r.name not in nres or moved(r.name):
                out.append(Change("remove", "resource", r.name, group=g.name, type=r.type))
        if gone(g):
            out.append(Change("remove", "group", g.name))
    # additions and changes
    for g in new.groups:
        if g.name in same:
            continue
        og = ogroups.get(g.name)
        fresh = og is None or g.name in recreate
        if fresh:
            out.append(Change("add", "group", g.name))
            _attr_changes("group", g.name, {}, g.attrs, {}, g.local, out)
        else:
            _attr_changes("group", g.name, og.attrs, g.attrs, og.local, g.local, out)
        for r in g.resources:
            if r.name not in ores or moved(r.name):
                out.append(Change("add", "resource", r.name, group=g.name, type=r.type))
                _attr_changes("resource", r.name, {}, r.attrs, {}, r.local, out)
            else:
                orr = ores[r.name][1]
                start = len(out)
                _attr_changes("resource", r.name, orr.attrs, r.attrs, orr.local, r.local, out)
                for c in out[start:]:
                    c.restarts = needs_restart(types, r.type, c.attr)
        for lk in g.links:
            was = not fresh and lk in og.links and not stale(lk.parent) and not stale(lk.child)
            if not was:
                out.append(Change("add", "link", _link(lk), group=g.name, new=lk))
        for d in g.deps:
            was = not fresh and d in og.deps and d.child not in recreate
            if not was:
                out.append(Change("add", "dependency", d.child, group=g.name, new=d))
    return out


def _link(lk):
    return f"{lk.parent} requires {lk.child}"


def format_diff(changes: List[Change]) -> str:
    return "".join(f"{c}\n" for c in changes)


# -- commands --------------------------------------------------------------------------------
# The forms are the documented ones (docs/operations.md, "Command forms"): values through
# ``escape``, empty lists and associations cleared with ``-delete -keys``, static attributes
# through ``-override`` / ``-undo_override``, ``-global`` always with a value. Systems are
# never commanded: they belong to the cluster, not to vxha (generators/ownership.py).


def _dim(value, spec) -> str:
    if isinstance(value, dict):
        return "association"
    if isinstance(value, list):
        return spec[1][0] if spec is not None and spec[1][0] != "association" else "vector"
    return "scalar"


def _values(value) -> List[str]:
    return haforms.value_words(value, _dim(value, None))


def _modify(cmd, obj, attr, value, spec, system=""):
    """``ha* -modify`` argv setting a whole value (clearing it when empty)."""
    if value is None:
        value = default_of(spec)
    return haforms.modify(cmd, obj, attr, value, _dim(value, spec), system or None)


# Attributes an agent reads afresh at every monitor, or that only matter at offline: a
# change takes effect without a restart. Everything else a resource is started with needs
# one (a container is created with its image, memory and mounts; forwarding rules and
# addresses are put in place at online).
SAFE_ONLINE = {
    "Container": {"HealthCmd", "HealthTimeout", "UseImageHealth", "StopTimeout", "AllowPull"},
    "HostIP": {"CheckLinkStatus", "DadCheck", "ArpCount", "ArpInterval"},
    "PortForward": set(),
    "CFSMount": {"ForceUnmount", "SecondLevelMonitor", "SecondLevelTimeout", "ForceOff"},
    "CVMVolDg": set(),
}
ANY_TYPE_SAFE = {"Critical", "Enabled", "AutoStart"}


def needs_restart(types, rtype: str, attr: str) -> bool:
    """Whether a changed attribute of a resource that stays takes a restart (apply does one)."""
    if attr in ANY_TYPE_SAFE or is_static(types, rtype, attr):
        return False
    return attr not in SAFE_ONLINE.get(rtype, set())


def is_static(types, rtype, name) -> bool:
    """A type-level attribute a resource changes only through ``hares -override``."""
    decl = types.get(rtype)
    if decl is not None and name in decl.attrs:
        return bool(decl.attrs[name].static)
    return name in STANDARD_STATIC


def commands(
    changes: List[Change], old: Config, new: Config, types=None, normalized: bool = False
) -> List[List[str]]:
    """The ha* command lines (argv lists) that apply ``changes`` to a running cluster.

    The configuration must be writable around them (the plan runner opens and closes it);
    system changes are never commanded (``ValueError`` if one is given). ``normalized``:
    ``old`` and ``new`` already went through ``normalize``."""
    types = types if types is not None else known_types(old, new)
    if not normalized:
        old, new = normalize(old, types), normalize(new, types)
    objs = {
        "group": ({g.name: g for g in old.groups}, {g.name: g for g in new.groups}),
        "resource": (
            {r.name: r for g in old.groups for r in g.resources},
            {r.name: r for g in new.groups for r in g.resources},
        ),
    }
    by = {k: [c for c in changes if c.kind == k] for k in _KINDS}
    if by["system"]:
        raise ValueError(f"systems are not vxha's to change: {by['system'][0]}")
    out: List[List[str]] = []
    for c in by["cluster"]:
        out.append(_modify("haclus", None, c.attr, c.new, cluster_spec(c.attr)))
    for c in by["dependency"]:
        if c.action == "remove":
            out.append(["hagrp", "-unlink", c.group, c.name])
    for c in by["link"]:
        if c.action == "remove":
            out.append(["hares", "-unlink", c.old.parent, c.old.child])
    for c in by["resource"]:
        if c.action == "remove" and not c.attr:
            out.append(["hares", "-delete", c.name])
    for c in by["group"]:
        if c.action == "remove" and not c.attr:
            out.append(["hagrp", "-delete", c.name])
    new_groups = set()
    for c in by["group"]:
        if c.action == "add" and not c.attr:
            out.append(["hagrp", "-add", c.name])
            new_groups.add(c.name)
    # SystemList (and Parallel) first: AutoStartList and localized values need SystemList.
    gattrs = _changed_attrs(by["group"])
    gattrs.sort(key=lambda key: key[1] not in ("SystemList", "Parallel"))
    for name, attr in gattrs:
        o = None if name in new_groups else objs["group"][0].get(name)
        n = objs["group"][1][name]
        out += _attr_commands("hagrp", name, attr, o, n, group_spec(attr))
    added = []
    for c in by["resource"]:
        if c.action == "add" and not c.attr:
            out.append(["hares", "-add", c.name, c.type, c.group])
            added.append(c.name)
    added_set = set(added)
    for name, attr in _changed_attrs(by["resource"]):
        n = objs["resource"][1][name]
        o = None if name in added_set else objs["resource"][0].get(name)
        spec = resource_spec(types, n.type, attr)
        if is_static(types, n.type, attr):
            out += _static_commands(name, attr, o, n, spec)
        else:
            out += _attr_commands("hares", name, attr, o, n, spec)
    for c in by["link"]:
        if c.action == "add":
            out.append(["hares", "-link", c.new.parent, c.new.child])
    for name in added:
        # Resources added on the command line start with Enabled = 0 (VCS admin guide).
        if objs["resource"][1][name].attrs.get("Enabled", 1) != 0:
            out.append(["hares", "-modify", name, "Enabled", "1"])
    for c in by["dependency"]:
        if c.action == "add":
            d = c.new
            out.append(haforms.link(c.group, d.child, d.category, d.location, d.rigidity))
    return out


_KINDS = ("system", "cluster", "group", "resource", "link", "dependency")


def _changed_attrs(changes):
    seen = {}
    for c in changes:
        if c.attr:
            seen.setdefault((c.name, c.attr), None)
    return list(seen)


def _static_commands(name, attr, old, new, spec):
    """A static attribute set on one resource: override it first, undo the override to
    return to the type's value."""
    had = old is not None and (attr in old.attrs or attr in old.local)
    n_value = new.attrs.get(attr)
    if n_value is None and attr not in new.local:
        return [haforms.undo_override(name, attr)] if had else []
    out = [] if had else [haforms.override(name, attr)]
    return out + _attr_commands("hares", name, attr, old if had else None, new, spec)


def _attr_commands(cmd, name, attr, old, new, spec):
    """Commands taking one attribute of one object from ``old`` to ``new`` (objects)."""
    o_local = old.local.get(attr) if old is not None else None
    n_local = new.local.get(attr)
    o_value = old.attrs.get(attr) if old is not None else None
    n_value = new.attrs.get(attr)
    out = []
    if n_local is not None:
        if o_local is None:
            out.append(haforms.localize(cmd, name, attr))
            o_local = {}
        for system, value in n_local.items():
            if o_local.get(system) != value:
                out.append(_modify(cmd, name, attr, value, spec, system))
        # A system that leaves the SystemList takes its localized values with it.
        return out
    if o_local is not None:
        value = n_value if n_value is not None else default_of(spec)
        if isinstance(value, (list, dict)) and not value:
            # -global needs a value (hares(1M), hagrp(1M) SYNOPSIS): the first system's,
            # then the list cleared.
            first = next(iter(o_local.values()))
            return [
                haforms.globalize(cmd, name, attr, first, _dim(first, spec)),
                _modify(cmd, name, attr, value, spec),
            ]
        return [haforms.globalize(cmd, name, attr, value, _dim(value, spec))]
    if o_value != n_value:
        out.append(_modify(cmd, name, attr, n_value, spec))
    return out


def format_commands(cmds: List[List[str]]) -> str:
    return "".join(" ".join(shlex.quote(a) for a in argv) + "\n" for argv in cmds)


# -- applying commands to a model ------------------------------------------------------------


class CommandError(ValueError):
    pass


def apply(config: Config, cmds: List[List[str]], types: Optional[dict] = None) -> Config:
    """What the commands make of ``config`` (a copy), modelled as VCS would apply them."""
    types = types if types is not None else known_types(config)
    cfg = copy.deepcopy(config)
    for argv in cmds:
        try:
            _apply_one(cfg, argv, types)
        except (KeyError, IndexError, ValueError) as exc:
            raise CommandError(f"{' '.join(argv)}: {exc}") from exc
    return cfg


def _overridden(resource) -> set:
    """Static attributes ``hares -override`` opened on a resource (a note of the model,
    outside the dataclass fields, so never compared or written)."""
    if "overridden" not in resource.__dict__:
        resource.__dict__["overridden"] = set(resource.attrs) | set(resource.local)
    return resource.__dict__["overridden"]


def _find_group(cfg, name) -> Group:
    g = cfg.group(name)
    if g is None:
        raise KeyError(f"no group {name}")
    return g


def _find_resource(cfg, name):
    g, r = cfg.find_resource(name)
    if r is None:
        raise KeyError(f"no resource {name}")
    return g, r


def _parse_value(words, spec):
    dims = spec[1] if spec else ("scalar",)
    if len(dims) > 1 and len(words) > 1:
        dims = ("association",)  # Load / Capacity given per meter
    if dims[0] == "association":
        if len(words) % 2:
            raise ValueError("an association needs key value pairs")
        return {words[i]: words[i + 1] for i in range(0, len(words), 2)}
    if dims[0] in ("vector", "keylist"):
        return list(words)
    if len(words) != 1:
        raise ValueError("a scalar takes one value")
    return words[0]


def _set(attrs, local, argv_rest, spec, cmd_target):
    attr, words = argv_rest[0], argv_rest[1:]
    system = ""
    if len(words) >= 2 and words[-2] == "-sys":
        system, words = words[-1], words[:-2]
    if words[:2] == ["-delete", "-keys"]:
        value = empty_value(spec[0], spec[1][0]) if spec else []
    else:
        if any(w.startswith("-") for w in words):
            raise ValueError(f"value {' '.join(words)!r}: a value starting with '-' needs '%'")
        words = [unescape(w) for w in words]
        value = coerce(_parse_value(words, spec), spec)
    if system:
        if attr not in local:
            raise ValueError(f"{attr} of {cmd_target} is not localized (-local first)")
        local[attr][system] = value
    else:
        if attr in local:
            raise ValueError(f"{attr} of {cmd_target} is localized (use -global)")
        attrs[attr] = value


def _prune_local(group: Group, keep: set) -> None:
    """Localized values exist only for the systems of the group's SystemList."""
    for obj in [group] + group.resources:
        for per_sys in obj.local.values():
            for system in [s for s in per_sys if s not in keep]:
                del per_sys[system]


def _apply_one(cfg: Config, argv: List[str], types):
    cmd, op, rest = argv[0], argv[1], argv[2:]
    if cmd == "haconf":
        return
    if cmd == "haclus" and op == "-modify":
        _set(cfg.cluster.attrs, {}, rest, cluster_spec(rest[0]), "the cluster")
        return
    if cmd == "hagrp":
        if op == "-add":
            if cfg.group(rest[0]) is not None:
                raise ValueError(f"group {rest[0]} exists")
            cfg.groups.append(Group(rest[0]))
        elif op == "-delete":
            g = _find_group(cfg, rest[0])
            if g.resources:
                raise ValueError(f"group {g.name} still has resources")
            cfg.groups.remove(g)
        elif op == "-modify":
            g = _find_group(cfg, rest[0])
            if rest[1] == "Parallel" and g.resources:
                raise ValueError(f"Parallel of {g.name} changes only while it has no resources")
            _set(g.attrs, g.local, rest[1:], group_spec(rest[1]), g.name)
            if rest[1] == "SystemList":
                _prune_local(g, set(g.attrs["SystemList"]))
        elif op == "-local":
            g = _find_group(cfg, rest[0])
            g.local.setdefault(rest[1], {})
            g.attrs.pop(rest[1], None)
        elif op == "-global":
            g = _find_group(cfg, rest[0])
            g.local.pop(rest[1], None)
            _set(g.attrs, g.local, rest[1:], group_spec(rest[1]), g.name)
        elif op == "-link":
            g = _find_group(cfg, rest[0])
            _find_group(cfg, rest[1])
            g.deps.append(GroupDep(rest[1], *rest[2:5]))
        elif op == "-unlink":
            g = _find_group(cfg, rest[0])
            before = len(g.deps)
            g.deps = [d for d in g.deps if d.child != rest[1]]
            if len(g.deps) == before:
                raise KeyError(f"{rest[0]} does not depend on {rest[1]}")
        else:
            raise ValueError(f"unsupported hagrp {op}")
        return
    if cmd == "hares":
        if op == "-add":
            name, rtype, group = rest[0], rest[1], rest[2]
            if cfg.find_resource(name)[1] is not None:
                raise ValueError(f"resource {name} exists")
            if rtype not in types:
                raise ValueError(f"unknown type {rtype}")
            _find_group(cfg, group).resources.append(Resource(rtype, name, {"Enabled": 0}))
        elif op == "-delete":
            g, r = _find_resource(cfg, rest[0])
            if any(r.name in (lk.parent, lk.child) for lk in g.links):
                raise ValueError(f"resource {r.name} is still linked")
            g.resources.remove(r)
        elif op in ("-override", "-undo_override"):
            g, r = _find_resource(cfg, rest[0])
            if not is_static(types, r.type, rest[1]):
                raise ValueError(f"{rest[1]} is not a static attribute of type {r.type}")
            if op == "-override":
                _overridden(r).add(rest[1])
            else:
                _overridden(r).discard(rest[1])
                r.attrs.pop(rest[1], None)
                r.local.pop(rest[1], None)
        elif op in ("-modify", "-local", "-global"):
            g, r = _find_resource(cfg, rest[0])
            spec = resource_spec(types, r.type, rest[1])
            if is_static(types, r.type, rest[1]) and rest[1] not in _overridden(r):
                raise ValueError(f"{rest[1]} of {r.name} is static: hares -override first")
            if op == "-local":
                r.local.setdefault(rest[1], {})
                r.attrs.pop(rest[1], None)
            elif op == "-global":
                r.local.pop(rest[1], None)
                _set(r.attrs, r.local, rest[1:], spec, r.name)
            else:
                _set(r.attrs, r.local, rest[1:], spec, r.name)
        elif op == "-link":
            g, _ = _find_resource(cfg, rest[0])
            g2, _ = _find_resource(cfg, rest[1])
            if g is not g2:
                raise ValueError("resources of different groups cannot be linked")
            g.links.append(ResourceLink(rest[0], rest[1]))
        elif op == "-unlink":
            g, _ = _find_resource(cfg, rest[0])
            before = len(g.links)
            g.links = [lk for lk in g.links if (lk.parent, lk.child) != (rest[0], rest[1])]
            if len(g.links) == before:
                raise KeyError(f"{rest[0]} does not require {rest[1]}")
        else:
            raise ValueError(f"unsupported hares {op}")
        return
    raise ValueError(f"unsupported command {cmd} {op}")
