"""Why a group does not come online on a system: the engine's candidate filter
(``Engine.eligible``) put in words, for the transcript, ``hagrp -forecast -verbose`` and
``vxha why``. A test checks that ``skip_reason`` is None exactly where ``eligible`` is true.
"""

from __future__ import annotations

from vxha.simulator import dependencies as deps_mod
from vxha.simulator import policies


def skip_reason(e, g, sname, ignore_deps=False, zone=None):
    """Why ``g`` may not come online on ``sname`` now, or None when it may."""
    system = e.systems.get(sname)
    gi = g.insts.get(sname)
    if system is None:
        return "not a system of the cluster"
    if gi is None:
        return "not in its SystemList"
    if not system.up:
        return f"system {system.state}"
    if system.is_frozen():
        return "system frozen"
    if not g.enabled:
        return "group disabled"
    if not gi.enabled:
        return "group disabled on this system"
    if gi.autodisabled:
        return "autodisabled"
    if "FAULTED" in gi.state:
        return "faulted here"
    if zone is not None and g.zones.get(sname) != zone:
        return f"outside system zone {zone}"
    if not policies.prerequisites_met(g, system):
        return "Prerequisites exceed what Limits leave"
    if ignore_deps:
        return None
    missing = deps_mod.unmet(g, sname, e.up_systems())
    if missing:
        d = missing[0]
        return f"requires group {d.child.name} {d.kind()}"
    return None


def capacity_reason(e, g, sname):
    """BiggestAvailable: the first dimension of the group's Load the system cannot cover."""
    if g.policy != "BiggestAvailable" or not e.statistics or not isinstance(g.load, dict):
        return None
    system = e.systems[sname]
    avail = policies.available_dims(system, list(g.load))
    for dim, need in g.load.items():
        need = int(need) if str(need).lstrip("-").isdigit() else 0
        if avail[dim] < need:
            return f"{dim} available {avail[dim]} < Load {need}"
    return None


def reasons(e, g, systems, zone=None, autostart=False):
    """[(system, reason)] for the systems ``g`` cannot be placed on, in the order given."""
    out = []
    for s in systems:
        why = skip_reason(e, g, s, zone=zone)
        if why is None and autostart and s not in g.autostartlist:
            why = "not in AutoStartList"
        if why is None:
            why = capacity_reason(e, g, s)
        if why is not None:
            out.append((s, why))
    return out


def summary(pairs):
    """``n1 frozen; n2 requires group db online local firm``."""
    return "; ".join(f"{s} {why}" for s, why in pairs)


def note_wait(e, g, key, systems, zone=None):
    """Log once why an autostart waits: nothing fits, or what each system lacks."""
    pairs = reasons(e, g, systems, zone, autostart=True)
    text = f"autostart waits: {summary(pairs) or 'no system chosen'}"
    notes = e.__dict__.setdefault("wait_notes", {})
    if notes.get(key) != text:
        notes[key] = text
        e.log(key[1] or "-", g.name, text)


def skipped(e, g, systems, zone=None):
    """`` (n1 frozen; n2 faulted here)``: appended to a "stays offline" line."""
    pairs = reasons(e, g, systems, zone)
    return f": {summary(pairs)}" if pairs else ""
