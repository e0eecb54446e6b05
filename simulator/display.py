"""What the ha* queries print on the simulated cluster: -state, -display, -value, -list,
-dep, -resources, -forecast and hastatus -sum, in VCS's layout.

Tables are headed ``#Group Attribute System Value`` (``global`` in the System column for
an attribute with one value cluster-wide), ``-value`` prints bare words (associations as
``key value key value``); the layouts are the ones VCS administrators' published
transcripts and public VCS client code show (docs/simulator.md).
"""

from __future__ import annotations

import re

from vxha.simulator import policies, why
from vxha.simulator.attrs import (
    CLUSTER_DEFAULTS,
    GROUP_DEFAULTS,
    RESOURCE_DEFAULTS,
    SYSTEM_DEFAULTS,
)
from vxha.simulator.engine import SimError
from vxha.simulator.model import FAULTED

NO_GROUPS = "V-16-1-50031"  # No Groups are configured
NO_GROUP_DEPS = "V-16-1-50035"  # No Group dependencies are configured
NO_RES_DEPS = "V-16-1-50034"  # No Resource dependencies are configured


def word(v):
    return str(int(v)) if isinstance(v, bool) else str(v)


def format_value(value):
    """A value as ``-value`` prints it: words separated by spaces; keys then values."""
    if value.__class__ is str:
        return value
    if isinstance(value, dict):
        return " ".join(f"{word(k)} {word(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(word(v) for v in value)
    return word(value)


# Column widths (each followed by one space) as VCS prints its tables, by the table's
# first header word: output captured on an InfoScale cluster (docs/simulator.md, "Commands").
# ``#Type`` tables: not in the captured output, chosen as before.
WIDTHS = {
    "#Group": (12, 21, 10),
    "#Resource": (16, 24, 10),
    "#System": (10, 23),
    "#Cluster": (10, 23),  # haclus -state: as hasys -state (chosen, not captured)
    "#Attribute": (24,),
    "#Type": (20, 21),
}


class Table:
    """``#Group Attribute System Value`` rows (or three columns for systems and types)."""

    def __init__(self, out, header):
        self.out = out
        self.widths = WIDTHS[header[0]]
        self.row(header)

    def row(self, cols):
        text = "".join(f"{c:<{w}} " for c, w in zip(cols, self.widths))
        self.out((text + cols[-1]).rstrip())


def _state(gi):
    return "|" + gi.state + "|"


# -- groups ------------------------------------------------------------------------------------


def group_value(e, g, attr, sname=None):
    """A group attribute's value, the system's one for per-system attributes."""
    if attr == "State":
        if sname:
            return _state(e._gi(g, sname))
        return {s: gi.state for s, gi in g.insts.items()}
    if attr == "Probed":
        if sname:
            return int(_probed(g, sname))
        return {s: int(_probed(g, s)) for s in g.insts}
    if attr == "AutoDisabled":
        if sname:
            return int(e._gi(g, sname).autodisabled)
        return {s: int(gi.autodisabled) for s, gi in g.insts.items()}
    if attr == "Enabled":
        if sname:
            return int(g.enabled and e._gi(g, sname).enabled)
        return int(g.enabled)
    if attr == "Frozen":
        return int(g.frozen)
    if attr == "TFrozen":
        return int(g.tfrozen)
    if attr == "IntentOnline":
        # 0 once the group is taken offline (hastop without -force among the ways), kept
        # while it runs, also under an engine stopped with -force
        return int(any(e._active(gi) for gi in g.insts.values()))
    if attr == "ActiveCount":  # its resources online or going online where it is active
        return sum(
            1
            for sys_name, gi in g.insts.items()
            if e._active(gi)
            for r in g.resources
            if r.enabled
            and not r.type.persistent
            and sys_name in r.insts
            and (r.insts[sys_name].is_online() or r.insts[sys_name].busy == "online")
        )
    if attr == "SystemList":
        return dict(g.systemlist)  # the engine numbers every entry, written or not
    local = g.model.local.get(attr)
    if local is not None and sname is not None:
        return local.get(sname, "")
    if attr in g.model.attrs:
        return g.model.attrs[attr]
    if attr in GROUP_DEFAULTS:
        return GROUP_DEFAULTS[attr]
    return _empty(e, "group", g.name, attr)


def _empty(e, kind, name, attr):
    dtype, dims, _ = e.attr_spec(kind, name, attr)
    if dims in ("vector", "keylist"):
        return []
    if dims == "association":
        return {}
    return 0 if dtype in ("int", "boolean") else ""


def _probed(g, sname):
    return all(r.insts[sname].probed for r in g.resources if sname in r.insts)


# Shown per system (System column) rather than global.
GROUP_PER_SYSTEM = ("AutoDisabled", "Probed", "State")
# Kept by the engine, not the configuration.
GROUP_DYNAMIC = GROUP_PER_SYSTEM + ("Enabled", "Frozen", "TFrozen")


def _group_attrs(g):
    names = set(GROUP_DEFAULTS) | set(g.model.attrs) | set(g.model.local)
    return sorted(names | set(GROUP_PER_SYSTEM) | {"IntentOnline"})


def display_groups(e, call, out):
    names = call.get("group") or list(e.groups)
    if not names:
        raise SimError("No Groups are configured", NO_GROUPS)
    groups = [e.group(n) for n in names]
    only = call.get("attribute")
    systems = call.get("sys")
    for s in systems or ():
        e.system(s)
    t = Table(out, ["#Group", "Attribute", "System", "Value"])
    for g in groups:
        for attr in only or _group_attrs(g):
            if only and attr not in GROUP_DYNAMIC:
                e.attr_spec("group", g.name, attr)
            per_system = (
                attr in GROUP_PER_SYSTEM
                or attr in g.model.local
                or (attr == "Enabled" and any(not gi.enabled for gi in g.insts.values()))
            )
            if per_system:
                for s in g.insts:
                    if systems is None or s in systems:
                        t.row([g.name, attr, s, format_value(group_value(e, g, attr, s))])
            else:
                t.row([g.name, attr, "global", format_value(group_value(e, g, attr))])


def group_state(e, call, out):
    names = call.get("group") or list(e.groups)
    systems = call.get("sys")
    t = Table(out, ["#Group", "Attribute", "System", "Value"])
    for name in names:
        g = e.group(name)
        for s, gi in g.insts.items():
            if systems is None or s in systems:
                t.row([name, "State", s, _state(gi)])


def group_list(e, call, out):
    conds = [_condition(c) for c in call.get("condition", [])]
    for g in e.groups.values():
        for s in g.systemlist:
            values = (group_value(e, g, a, _scope(g, a, s, GROUP_PER_SYSTEM)) for a, _ in conds)
            if all(ok(format_value(v)) for (_, ok), v in zip(conds, values)):
                out(f"{g.name:<20} {s}")


def _scope(obj, attr, s, per_system):
    """The system to read ``attr`` on for a -list condition, None for a global one."""
    per = attr in per_system or attr in obj.model.local
    return s if per and s in obj.insts else None


def group_dep(e, call, out):
    names = call.get("group")
    for n in names or ():
        e.group(n)
    rows = []
    for g in e.groups.values():
        for d in g.deps:
            if names and g.name not in names and d.child.name not in names:
                continue
            rows.append(f"{g.name:<20} {d.child.name:<20} {d.category} {d.location} {d.rigidity}")
    if not rows:
        raise SimError("No Group dependencies are configured", NO_GROUP_DEPS)
    out(f"{'#Parent':<20} {'Child':<20} Relationship")
    for row in rows:
        out(row)


def group_resources(e, call, out):
    for r in e.group(call["group"]).resources:
        out(r.name)


def forecast(e, call, out):
    """hagrp -forecast G [-verbose]: the system the group's policy would fail it over (or
    bring it online) to now. Refused for a parallel group and for one in transition (as the
    6.1 Administrator's Guide, "Querying service groups", describes)."""
    g = e.group(call["group"])
    if g.parallel:
        raise SimError(f"Group {g.name} is parallel: -forecast is for failover groups")
    if e._in_transition(g):
        raise SimError(f"Group {g.name} is in transition", "V-16-1-10170")
    here = [s for s, gi in g.insts.items() if e._active(gi)]
    cands = [s for s in g.systemlist if s not in here and why.skip_reason(e, g, s) is None]
    target = None
    if cands:
        chosen = policies.choose(g, [e.systems[s] for s in cands], g.policy, e.statistics)
        target = chosen.name if chosen else None
    out(target or "")
    if call.get("verbose"):
        for s in g.systemlist:
            if s == target:
                note = "target"
            elif s in here:
                note = "online here"
            else:
                note = why.skip_reason(e, g, s) or why.capacity_reason(e, g, s) or "ranked lower"
            out(f"{s:<20} {note}")


# -- resources ---------------------------------------------------------------------------------


def resource_value(e, r, attr, sname=None):
    if attr == "State":
        if sname:
            return e._ri(r, sname).display()
        return {s: ri.display() for s, ri in r.insts.items()}
    if attr == "Probed":
        if sname:
            return int(e._ri(r, sname).probed)
        return {s: int(ri.probed) for s, ri in r.insts.items()}
    if attr == "Group":
        return r.group.name
    if attr == "Type":
        return r.type.name
    local = r.model.local.get(attr)
    if local is not None and sname is not None:
        return local.get(sname, "")
    if attr in r.model.attrs:
        return r.model.attrs[attr]
    a = r.type.decl.attr(attr)
    if a is not None:
        return r.type.static(attr) if a.static else a.default
    if attr in RESOURCE_DEFAULTS:
        return RESOURCE_DEFAULTS[attr]
    return _empty(e, "resource", r.name, attr)


RESOURCE_PER_SYSTEM = ("Probed", "State")


def _resource_attrs(r):
    decl = r.type.decl
    names = {a for a, d in decl.attrs.items() if not d.static}
    names |= set(RESOURCE_DEFAULTS) | set(r.model.attrs) | set(r.model.local)
    return ["Group", "Type"] + sorted(names | set(RESOURCE_PER_SYSTEM))


def display_resources(e, call, out):
    names = call.get("resource") or list(e.resources)
    res = [e.resource(n) for n in names]
    if call.get("group"):
        groups = {e.group(n).name for n in call["group"]}
        res = [r for r in res if r.group.name in groups]
    if call.get("type"):
        res = [r for r in res if r.type.name in call["type"]]
    only = call.get("attribute")
    systems = call.get("sys")
    for s in systems or ():
        e.system(s)
    t = Table(out, ["#Resource", "Attribute", "System", "Value"])
    for r in res:
        for attr in only or _resource_attrs(r):
            if only and attr not in ("Group", "Type"):
                e.attr_spec("resource", r.name, attr)
            if attr in RESOURCE_PER_SYSTEM:  # straight from the instances: the bulk of it
                for s, ri in r.insts.items():
                    if systems is None or s in systems:
                        v = ri.display() if attr == "State" else str(int(ri.probed))
                        t.row([r.name, attr, s, v])
            elif attr in r.model.local:
                for s in r.insts:
                    if systems is None or s in systems:
                        t.row([r.name, attr, s, format_value(resource_value(e, r, attr, s))])
            else:
                t.row([r.name, attr, "global", format_value(resource_value(e, r, attr))])


def resource_state(e, call, out):
    names = [call["resource"]] if call.get("resource") else list(e.resources)
    sname = call.get("sys")
    t = Table(out, ["#Resource", "Attribute", "System", "Value"])
    for name in names:
        r = e.resource(name)
        for s, ri in r.insts.items():
            if sname is None or s == sname:
                t.row([name, "State", s, ri.display()])


def resource_list(e, call, out):
    conds = [_condition(c) for c in call.get("condition", [])]
    for r in e.resources.values():
        for s in r.insts:
            values = (
                resource_value(e, r, a, _scope(r, a, s, RESOURCE_PER_SYSTEM)) for a, _ in conds
            )
            if all(ok(format_value(v)) for (_, ok), v in zip(conds, values)):
                out(f"{r.name:<20} {s}")


def resource_dep(e, call, out):
    names = call.get("resource")
    for n in names or ():
        e.resource(n)
    rows = []
    for r in e.resources.values():
        for c in r.children:
            if names and r.name not in names and c.name not in names:
                continue
            rows.append(f"{r.group.name:<20} {r.name:<20} {c.name}")
    if not rows:
        raise SimError("No Resource dependencies are configured", NO_RES_DEPS)
    out(f"{'#Group':<20} {'Parent':<20} Child")
    for row in rows:
        out(row)


# -- systems, cluster, types -------------------------------------------------------------------


def system_value(e, s, attr):
    if attr == "SysState":
        return s.state
    if attr == "Frozen":
        return int(s.frozen)
    if attr == "TFrozen":
        return int(s.tfrozen)
    if attr in ("AvailableCapacity", "CurrentLimits"):
        return policies.system_value(s, attr)
    if attr == "LoadTimeCounter":
        return e.triggers.load.counter(s)
    if attr == "OnGrpCnt":  # the groups online, partial, starting or stopping there
        return len(s.active)
    if attr in s.model.attrs:
        return s.model.attrs[attr]
    if attr in SYSTEM_DEFAULTS:
        return SYSTEM_DEFAULTS[attr]
    return _empty(e, "system", s.name, attr)


# What VCS maintains for a system and its display shows beside what main.cf sets: its
# state, its freezes, and the AvailableCapacity and CurrentLimits left by the groups active
# there (Admin 7.0, "System attributes"; docs/simulator.md, "Placement"), the seconds its
# load has been over LoadWarningLevel (LoadTimeCounter, "About overload warning"), the
# groups active there (OnGrpCnt, which a leaving system waits for: User's 4.1, "Stopping VCS").
SYSTEM_SHOWN = {
    "SysState",
    "Frozen",
    "TFrozen",
    "AvailableCapacity",
    "CurrentLimits",
    "LoadTimeCounter",
    "OnGrpCnt",
}


def display_systems(e, call, out):
    names = call.get("system") or list(e.systems)
    only = call.get("attribute")
    t = Table(out, ["#System", "Attribute", "Value"])
    for name in names:
        s = e.system(name)
        attrs = only or sorted(SYSTEM_SHOWN | set(SYSTEM_DEFAULTS) | set(s.model.attrs))
        for attr in attrs:
            if only and attr != "SysState":
                e.attr_spec("system", name, attr)
            t.row([name, attr, format_value(system_value(e, s, attr))])


def system_state(e, call, out):
    names = [call["system"]] if call.get("system") else list(e.systems)
    t = Table(out, ["#System", "Attribute", "Value"])
    for name in names:
        t.row([name, "SysState", e.system(name).state])


def system_list(e, call, out):
    conds = [_condition(c) for c in call.get("condition", [])]
    for s in e.systems.values():
        if all(ok(format_value(system_value(e, s, a))) for a, ok in conds):
            out(s.name)


def cluster_value(e, attr):
    c = e.config.cluster
    if attr == "ClusterName":
        return c.name if c else ""
    if attr == "ReadOnly":  # haconf -makerw / -makero (docs/simulator.md, "Commands")
        return 0 if e.writable else 1
    if attr == "ClusState" and any(s.up for s in e.systems.values()):
        return "RUNNING"  # as haclus -state prints it, and SysState its system's state
    attrs = c.attrs if c else {}
    if attr in attrs:
        return attrs[attr]
    if attr in CLUSTER_DEFAULTS:
        return CLUSTER_DEFAULTS[attr]
    return _empty(e, "cluster", None, attr)


def display_cluster(e, call, out):
    attrs = e.config.cluster.attrs if e.config.cluster else {}
    names = call.get("attribute") or sorted(
        {"ClusterName", "ReadOnly"} | set(CLUSTER_DEFAULTS) | set(attrs)
    )
    t = Table(out, ["#Attribute", "Value"])
    for attr in names:
        if attr != "ClusterName":
            e.attr_spec("cluster", None, attr)
        t.row([attr, format_value(cluster_value(e, attr))])


def cluster_state(e, call, out):
    """``haclus -state [CLUSTER]``: the one cluster's ClusState, RUNNING while VCS runs on
    one of its systems."""
    name = cluster_value(e, "ClusterName")  # another cluster's: commands._check_cluster
    if not any(s.up for s in e.systems.values()):
        raise SimError("VCS is not running on any system", "V-16-1-10446")
    t = Table(out, ["#Cluster", "Attribute", "Value"])
    t.row([name, "ClusState", format_value(cluster_value(e, "ClusState"))])


def type_value(e, t, attr):
    if attr == "ArgList":
        return t.decl.arglist
    if t.decl.attr(attr) is None:
        raise SimError(f"Attribute {attr} does not exist for type {t.name}", "V-16-1-10510")
    return t.static(attr)


def display_types(e, call, out):
    names = call.get("type") or e.type_names()
    t_ = Table(out, ["#Type", "Attribute", "Value"])
    for name in names:
        t = e._decl(name)
        attrs = call.get("attribute") or ["ArgList"] + sorted(
            a for a, d in t.decl.attrs.items() if d.static
        )
        for attr in attrs:
            t_.row([name, attr, format_value(type_value(e, t, attr))])


def type_list(e, call, out):
    conds = [_condition(c) for c in call.get("condition", [])]
    for name in e.type_names():
        t = e._decl(name) if conds else None
        if all(ok(format_value(type_value(e, t, a))) for a, ok in conds):
            out(name)


def type_resources(e, call, out):
    e._decl(call["type"])
    for r in e.resources.values():
        if r.type.name == call["type"]:
            out(r.name)


# -- hastatus -sum -----------------------------------------------------------------------------


def status_summary(e, call, out):
    """hastatus -sum: SYSTEM STATE and GROUP STATE as published transcripts show them;
    RESOURCES FAILED (chosen layout) when a resource is faulted."""
    out("")
    out("-- SYSTEM STATE")
    out(f"-- {'System':<20} {'State':<20} Frozen")
    out("")
    for s in e.systems.values():
        out(f"A  {s.name:<20} {s.state:<20} {int(s.is_frozen())}")
    out("")
    out("-- GROUP STATE")
    out(f"-- {'Group':<15} {'System':<20} {'Probed':<10} {'AutoDisabled':<15} State")
    out("")
    for g in e.groups.values():
        for s, gi in g.insts.items():
            probed = "Y" if _probed(g, s) else "N"
            auto = "Y" if gi.autodisabled else "N"
            out(f"B  {g.name:<15} {s:<20} {probed:<10} {auto:<15} {gi.state}")
    failed = [
        (r, s) for r in e.resources.values() for s, ri in r.insts.items() if ri.state == FAULTED
    ]
    if failed:
        out("")
        out("-- RESOURCES FAILED")
        out(f"-- {'Group':<15} {'Type':<20} {'Resource':<20} System")
        out("")
        for r, s in failed:
            out(f"C  {r.group.name:<15} {r.type.name:<20} {r.name:<20} {s}")


# -- conditions (-list) ------------------------------------------------------------------------

_COND = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(!=|=~|=)(.*)$")


def _condition(text):
    """``Attr=Value``, ``Attr!=Value`` or ``Attr=~regex`` -> (attr, test of a value)."""
    m = _COND.match(text)
    if not m:
        raise SimError(f"{text!r} is not a condition (Attr=Value, Attr!=Value, Attr=~Value)")
    attr, op, want = m.groups()
    if op == "=":
        return attr, lambda v: v == want
    if op == "!=":
        return attr, lambda v: v != want
    try:
        rx = re.compile(want)
    except re.error as exc:
        raise SimError(f"{text!r}: {exc}") from None
    return attr, lambda v: rx.search(v) is not None
