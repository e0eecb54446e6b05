"""Choosing a system for a group: FailOverPolicy and AutoStartPolicy (VCS_ENGINE.md,
"Choosing a system"). Candidates arrive already filtered (up, not frozen, enabled, not
faulted, Prerequisites met, dependencies met); these functions only rank them.
"""

from __future__ import annotations

from vxha.simulator.model import as_int

DEFAULT_DIMENSIONS = ("CPU", "Mem", "Swap")


def _priority_key(group):
    order, prio = group.order, group.systemlist
    return lambda s: (prio.get(s.name, 0), order.get(s.name, 0))


def available_capacity(system) -> int:
    """Load policy: Capacity minus the Load of the groups active there (may be negative)."""
    cap = system.capacity if isinstance(system.capacity, int) else 100
    return cap - sum(g.load_of() for g in system.active.values())


def available_dims(system, dims) -> dict:
    cap = system.capacity if isinstance(system.capacity, dict) else {}
    out = {}
    for d in dims:
        used = sum(g.load_of(d) for g in system.active.values())
        out[d] = as_int(cap.get(d, 0)) - used
    return out


def system_value(system, attr):
    """The system-maintained AvailableCapacity (per meter with a multi-dimensional Capacity)
    and CurrentLimits, as ``hasys -value`` shows them."""
    if attr == "CurrentLimits":
        return current_limits(system)
    if isinstance(system.capacity, dict):
        return available_dims(system, list(system.capacity))
    return available_capacity(system)


def current_limits(system, leaving=None) -> dict:
    """CurrentLimits: each of the system's Limits less the Prerequisites of the groups active
    there (``leaving`` not counted)."""
    active = [g for g in system.active.values() if g is not leaving]
    return {
        key: limit - sum(g.prerequisites.get(key, 0) for g in active)
        for key, limit in system.limits.items()
    }


def format_needs(values) -> str:
    """``{ ShrMemSeg = 10, Semaphores = 5 }``, as main.cf writes an association."""
    return "{ " + ", ".join(f"{k} = {v}" for k, v in values.items()) + " }"


def prerequisites_met(group, system) -> bool:
    """Prerequisites against Limits: a hard filter over the groups already active there."""
    if not group.prerequisites:
        return True
    left = current_limits(system, group)
    return all(key in left and left[key] >= need for key, need in group.prerequisites.items())


def choose(group, candidates, policy, statistics=True):
    """The system the policy picks among ``candidates`` (SimSystem list), or None."""
    if not candidates:
        return None
    key = _priority_key(group)
    if policy == "RoundRobin":
        return min(candidates, key=lambda s: (len(s.active), key(s)))
    if policy == "Load":
        return min(candidates, key=lambda s: (-available_capacity(s), s.name))
    if policy == "BiggestAvailable" and statistics:
        return biggest_available(group, candidates, key)
    return min(candidates, key=key)


def biggest_available(group, candidates, key):
    load = group.load if isinstance(group.load, dict) else {}
    weights = group.meterweight
    dims = list(load) or list(DEFAULT_DIMENSIONS)
    # MeterWeight order: heavier dimensions rank first; equal weights keep CPU, Mem, Swap.
    base = {d: i for i, d in enumerate(DEFAULT_DIMENSIONS)}
    dims.sort(key=lambda d: (-weights.get(d, 0), base.get(d, len(base)), d))
    fits = []
    for s in candidates:
        avail = available_dims(s, dims)
        if all(avail[d] >= as_int(load.get(d, 0)) for d in load):
            fits.append((tuple(-avail[d] for d in dims), key(s), s))
    if not fits:
        return None
    fits.sort(key=lambda t: (t[0], t[1]))
    return fits[0][2]


def choose_autostart(group, candidates, statistics=True):
    """AutoStartPolicy: Order (AutoStartList order), Priority, or Load, among AutoStartList."""
    asl = group.autostartlist
    cands = [s for s in candidates if s.name in asl]
    if not cands:
        return None
    policy = group.autostart_policy
    if policy == "Priority":
        return choose(group, cands, "Priority")
    if policy == "Load":
        multi = isinstance(group.load, dict) and statistics
        return choose(group, cands, "BiggestAvailable" if multi else "Load", statistics)
    return min(cands, key=lambda s: asl.index(s.name))
