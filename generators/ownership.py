"""What vxha may change on a live cluster, and the configuration it aims for.

vxha owns the groups that carry its marker (``UserStrGlobal = "vxha:server=<srv>"``,
DECISIONS.md 3), their resources, and on those only the attributes its generator writes.
Everything else (ClusterService, the cvm group, other groups, systems, cluster attributes,
users, include lines, and the admin state of vxha's own groups: Enabled, freezes, the
maintenance record, overrides and tuning of attributes vxha does not set) is read and kept.

``target(current, generated)`` is the live configuration with vxha's part replaced by the
generated one: the diff between ``current`` and that target can only touch what vxha owns,
and ``check_changes`` proves it before any command is emitted.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from vxha.generators import diff
from vxha.vcs_types.model import Config, Group, Resource

MARKER = "vxha:server="

# Group attributes the generator writes (templates/server.cf.j2).
GROUP_ATTRS = frozenset(
    {
        "SystemList",
        "AutoStartList",
        "Priority",
        "UserStrGlobal",
        "Parallel",
        "FailOverPolicy",
        "AutoStartPolicy",
        "AutoFailOver",
        "Load",
        # The server's notifications (vcs_types/triggers.py): the group's own triggers.
        "TriggerPath",
        "TriggersEnabled",
    }
)

# Resource attributes the generator writes, per type (templates/server.cf.j2).
RESOURCE_ATTRS = {
    "CVMVolDg": frozenset({"CVMDiskGroup", "CVMVolume", "CVMActivation"}),
    "CFSMount": frozenset(
        {"MountPoint", "BlockDevice", "FSType", "ForceUnmount", "SecondLevelMonitor"}
    ),
    "HostIP": frozenset({"Device", "Address", "PrefixLen"}),
    "Container": frozenset(
        {
            "RuntimeName",
            "Image",
            "Hostname",
            "Env",
            "Mounts",
            "CPUs",
            "Memory",
            "Privileged",
            "HealthCmd",
            "StartupCmds",
            "Labels",
        }
    ),
    "PortForward": frozenset({"Address", "Container", "Ports"}),
}

# Admin state on vxha's own groups and resources: never vxha's to set through apply, even
# if a template wrote it (maintenance sets Enabled and UserStrLocal through its own plan).
ADMIN_STATE = frozenset({"Enabled", "Frozen", "TFrozen", "UserStrLocal"})

# Cluster attributes vxha sets, each shown as its own confirmed step saying what else it
# affects (docs/operations.md gives the source).
CLUSTER_STEPS = {
    "Statistics": (
        "cluster-wide: VCS meters every system's CPU, memory and swap; every system's "
        "Capacity is then measured by VCS (a Capacity set by hand stops counting) and every "
        "group with FailOverPolicy Load or BiggestAvailable is placed by the measured values"
    ),
}


class OwnershipError(Exception):
    """A change would touch something vxha does not own (a defect: nothing was run)."""


def marked(group: Optional[Group]) -> Optional[str]:
    """The server a group's marker names, whatever the group's name."""
    tag = group.attrs.get("UserStrGlobal") if group is not None else None
    if isinstance(tag, str) and tag.startswith(MARKER):
        return tag[len(MARKER) :].split(";")[0] or None
    return None


def server_of(group: Optional[Group]) -> Optional[str]:
    """The server a group belongs to, or None for a group vxha does not own: its marker,
    on a group named as vxha names a server's groups (<srv>, <srv>_storage, DECISIONS.md
    3). A marker copied onto another group (an admin's copy of a vxha group) does not make
    it vxha's: chosen because vxha never made a group of another name, and taking it for
    vxha's would delete it with the server."""
    srv = marked(group)
    return srv if srv is not None and group.name in (srv, f"{srv}_storage") else None


def servers(config: Config) -> Dict[str, List[str]]:
    """server -> its groups (in configuration order), found by the marker."""
    found: Dict[str, List[str]] = {}
    for g in config.groups:
        srv = server_of(g)
        if srv:
            found.setdefault(srv, []).append(g.name)
    return found


def admins_resources(group: Group, generated: Optional[Group] = None) -> List[Resource]:
    """The resources an admin added by hand to vxha's ``group``: neither in the generated
    group (an admin's templates may add any type) nor shaped as the generator names its
    own (a type it writes, named ``<srv>_...``: generators/build.py). Chosen because vxha
    names every resource after its server, as it names its groups, and an admin's resource
    in a vxha group (a monitor linked to the container) used to be deleted by apply."""
    srv = server_of(group)
    made = {(r.name, r.type) for r in generated.resources} if generated is not None else set()
    return [
        r
        for r in group.resources
        if (r.name, r.type) not in made
        and not (r.type in RESOURCE_ATTRS and r.name.startswith(f"{srv}_"))
    ]


def owned_attrs(kind: str, generated) -> Set[str]:
    """Attributes vxha sets on an object: the generator's table, plus what this generated
    object carries (an admin's templates may add some), never admin state."""
    table = GROUP_ATTRS if kind == "group" else RESOURCE_ATTRS.get(kind, frozenset())
    names = set(table)
    if generated is not None:
        names |= set(generated.attrs) | set(generated.local)
    return names - ADMIN_STATE


# The target shares values with its inputs (nothing downstream changes a configuration in
# place: diff works on normalized copies), so building it costs no deep copy.


def _merge(live, generated, names: Set[str]):
    """``live``'s attributes with those in ``names`` taken from ``generated``."""
    attrs = {k: v for k, v in live.attrs.items() if k not in names}
    local = {k: v for k, v in live.local.items() if k not in names}
    for k in [n for n in generated.attrs if n in names] + sorted(names - set(generated.attrs)):
        if k in generated.attrs:
            attrs[k] = generated.attrs[k]
        if k in generated.local:
            local[k] = generated.local[k]
    return attrs, local


def _merge_group(live: Group, gen: Group, unowned: Set[str] = frozenset()) -> Group:
    """``gen`` with the admin's part of ``live`` kept: its attributes vxha does not set, and
    the dependencies an admin added from it onto groups vxha does not own (``unowned``)."""
    attrs, local = _merge(live, gen, owned_attrs("group", gen))
    out = Group(gen.name, attrs=attrs, local=local)
    live_res = {r.name: r for r in live.resources}
    for r in gen.resources:
        old = live_res.get(r.name)
        if old is not None and old.type == r.type:
            attrs, local = _merge(old, r, owned_attrs(r.type, r))
            r = Resource(r.type, r.name, attrs, local)
        out.resources.append(r)
    theirs = admins_resources(live, gen)
    out.resources += theirs
    names = {r.name for r in theirs}
    out.links = list(gen.links) + [
        lk for lk in live.links if {lk.parent, lk.child} & names and lk not in gen.links
    ]
    out.deps = list(gen.deps)
    mine = {d.child for d in gen.deps}
    out.deps += [d for d in live.deps if d.child in unowned and d.child not in mine]
    return out


@dataclass
class Target:
    """The configuration vxha aims for, and what stands in the way."""

    config: Config
    problems: List[str] = field(default_factory=list)  # refuse: nothing may run
    notes: List[str] = field(default_factory=list)  # reported, not blocking
    added: List[str] = field(default_factory=list)  # servers
    removed: List[str] = field(default_factory=list)  # servers
    held: Dict[str, str] = field(default_factory=dict)  # server -> why it is left as it is


def target(
    current: Config,
    generated: Config,
    cvm_group: Optional[str] = None,
    held: Optional[Dict[str, str]] = None,
) -> Target:
    """``current`` with vxha's groups replaced by ``generated``'s (see the module doc).

    ``held``: servers left exactly as they are live (in maintenance), with the reason."""
    held = dict(held or {})
    live = {g.name: g for g in current.groups}
    gen = {g.name: g for g in generated.groups}
    cfg = Config(
        includes=list(current.includes),
        cluster=copy.copy(current.cluster),
        systems=list(current.systems),
        types=dict(current.types),
        source=current.source,
    )
    if cfg.cluster is not None:
        cfg.cluster.attrs = dict(cfg.cluster.attrs)
    out = Target(cfg, held={})
    live_servers = servers(current)
    gen_servers = servers(generated)

    # Types are installed (vxha cluster add-types), include lines only ever added.
    for inc in generated.includes:
        if inc not in cfg.includes:
            cfg.includes.append(inc)
    for name, decl in generated.types.items():
        cfg.types.setdefault(name, decl)

    if generated.cluster is not None and cfg.cluster is not None:
        for attr in CLUSTER_STEPS:
            want = generated.cluster.attrs.get(attr)
            if want is not None:
                cfg.cluster.attrs[attr] = want

    for srv in sorted(set(held) & (set(live_servers) | set(gen_servers))):
        out.held[srv] = held[srv]
        out.notes.append(
            f"server {srv} is {held[srv]}: left as it is; run vxha apply again once that is over"
        )
    keep = {g for srv in out.held for g in live_servers.get(srv, [])}
    for g in current.groups:
        srv = marked(g)
        if srv is not None and server_of(g) is None:
            out.notes.append(
                f"group {g.name} carries vxha's marker for server {srv} but is not one of its "
                f"groups ({srv}, {srv}_storage): vxha leaves it alone; if it is yours, remove "
                f'the marker (hagrp -modify {g.name} UserStrGlobal "")'
            )

    unowned_res = {
        r.name: g.name for g in current.groups if server_of(g) is None for r in g.resources
    }
    for g in generated.groups:
        srv = server_of(g)
        if srv is None:
            continue  # a group vxha does not own (the cvm group): the live one stays
        if srv in out.held:
            continue
        old = live.get(g.name)
        if old is not None and server_of(old) is None:
            out.problems.append(
                f"group {g.name} exists and is not vxha's (no {MARKER} marker): rename "
                f"server {srv}, or the group; if it is server {srv}'s own group whose marker "
                f"was removed by hand, put the marker back (hagrp -modify {g.name} "
                f"UserStrGlobal {MARKER}{srv})"
            )
        for r in g.resources:
            if r.name in unowned_res and unowned_res[r.name] != g.name:
                out.problems.append(
                    f"resource {r.name} exists in group {unowned_res[r.name]}, which is not "
                    f"vxha's: rename server {srv}'s resource, or the other"
                )

    _check_storage(current, generated, out)

    groups: List[Group] = []
    unowned = {g.name for g in current.groups if server_of(g) is None}
    for g in current.groups:
        srv = server_of(g)
        if srv is None or g.name in keep:
            groups.append(g)
        elif g.name in gen and server_of(gen[g.name]) is not None:
            # Equal as a whole (no admin state, nothing changed): the live one is the merge.
            groups.append(g if g == gen[g.name] else _merge_group(g, gen[g.name], unowned))
        # else: a vxha group the profiles no longer have: removed
    for g in generated.groups:
        srv = server_of(g)
        if srv is not None and srv not in out.held and g.name not in live:
            groups.append(g)
    cfg.groups = groups

    out.added = sorted(s for s in gen_servers if s not in live_servers and s not in out.held)
    out.removed = sorted(s for s in live_servers if s not in gen_servers and s not in out.held)
    _check_dependents(current, cfg, out)
    _check_admins_resources(current, generated, cfg, out)
    _check_requirements(current, generated, cfg, cvm_group, out)
    return out


def _storage(r) -> List[Tuple[str, str]]:
    """(attribute, value) of a resource's MountPoint and BlockDevice, global and per
    system."""
    out = []
    for attr in ("MountPoint", "BlockDevice"):
        values = [r.attrs.get(attr), *(r.local.get(attr) or {}).values()]
        out += [(attr, str(v)) for v in values if isinstance(v, str) and v]
    return out


def _check_storage(current: Config, generated: Config, out: Target) -> None:
    """A mount point of vxha's at, inside or above one of a resource vxha does not own (an
    admin's Mount or CFSMount), or a block device such a resource mounts: refused, as for
    a name taken (chosen because mounting there hides the admin's file system or makes its
    unmount fail; the same rule as between servers, generators/build.py
    nested_host_paths)."""
    from vxha.profiles.checks import nested

    named = {g.name for g in generated.groups if server_of(g) is not None}
    theirs = [
        (attr, value, r.name, g.name)
        for g in current.groups
        if server_of(g) is None and g.name not in named  # a name taken: refused already
        for r in g.resources
        for attr, value in _storage(r)
    ]
    if not theirs:
        return
    for g in generated.groups:
        srv = server_of(g)
        if srv is None or srv in out.held:
            continue
        for r in g.resources:
            for attr, value in _storage(r):
                for their_attr, their_value, res, grp in theirs:
                    same = (
                        value == their_value
                        if attr == "BlockDevice"
                        else nested(value.rstrip("/") or "/", their_value.rstrip("/") or "/")
                    )
                    if their_attr == attr and same:
                        out.problems.append(
                            f"{attr} {value} of resource {r.name} (server {srv}) conflicts "
                            f"with {their_value} of resource {res} in group {grp}, which is "
                            f"not vxha's: change server {srv}'s mounts, or the other"
                        )


def _needs(group: Group, child: str) -> bool:
    return any(d.child == child for d in group.deps)


def _check_dependents(current: Config, cfg: Config, out: Target) -> None:
    """A group vxha removes, or deletes and adds again (VCS changes Parallel only on an
    empty group), must not be required by a group it keeps but does not own: the link
    would have to go, and it is not vxha's."""
    kept = {g.name for g in cfg.groups}
    recreated = set()
    for g in cfg.groups:
        old = current.group(g.name) if server_of(g) is not None else None
        if old is not None and diff.recreated(old, g):  # the plan's own rule
            recreated.add(g.name)
    for g in current.groups:
        if server_of(g) is not None:
            continue
        for d in g.deps:
            if d.child not in kept:
                out.problems.append(
                    f"group {g.name} (not vxha's) requires group {d.child}, which this plan "
                    f"removes: unlink it first (hagrp -unlink {g.name} {d.child})"
                )
            elif d.child in recreated:
                out.problems.append(
                    f"group {g.name} (not vxha's) requires group {d.child}, which this plan "
                    "deletes and adds again (Parallel changes only on an empty group): unlink "
                    f"it first (hagrp -unlink {g.name} {d.child}) and link it again after"
                )


def _check_admins_resources(current: Config, generated: Config, cfg: Config, out: Target):
    """An admin's resource in a vxha group is kept, with its links (docs/operations.md,
    "What vxha owns"). vxha never deletes it: a plan that removes the group (or deletes
    and adds it again for Parallel), or a resource of vxha's it requires or that requires
    it, is refused naming it and the command that clears the way."""
    for g in current.groups:
        srv = server_of(g)
        if srv is None or srv in out.held:
            continue
        gen = generated.group(g.name)
        theirs = admins_resources(g, gen if server_of(gen) is not None else None)
        if not theirs:
            continue
        new = cfg.group(g.name)
        own = {r.name for r in theirs}
        names = ", ".join(r.name for r in theirs)
        if new is None or diff.recreated(g, new):
            why = "removes" if new is None else "deletes and adds again (Parallel changes)"
            out.problems.append(
                f"group {g.name} (server {srv}) holds resource(s) {names}, which vxha did not "
                f"make and never deletes; this plan {why} the group: move them to a group of "
                f"yours or delete them first (hares -delete {theirs[0].name})"
            )
            continue
        kept = {r.name for r in new.resources}
        for r in theirs:
            other = generated.find_resource(r.name)[0]
            if other is not None:
                out.problems.append(
                    f"resource {r.name} ({r.type}) in group {g.name} is not vxha's, and server "
                    f"{server_of(other) or srv} names one of its own {r.name}: rename yours"
                )
        for lk in g.links:
            if {lk.parent, lk.child} & own:
                gone = [x for x in (lk.parent, lk.child) if x not in kept]
                if gone:
                    out.problems.append(
                        f"resource {lk.parent} requires {lk.child} in group {g.name}, a link of "
                        f"a resource vxha did not make, and this plan removes {gone[0]}: unlink "
                        f"it first (hares -unlink {lk.parent} {lk.child})"
                    )
        out.notes.append(
            f"group {g.name} (server {srv}) holds resource(s) {names}, which vxha did not "
            "make: kept with their links; vxha delete refuses while they are there"
        )


def _check_requirements(current, generated, cfg, cvm_group, out: Target) -> None:
    """What vxha's groups need from things vxha does not own, with the command that fixes it."""
    # A group vxha's groups require that the cluster lacks (the cvm group on an SFHA
    # cluster): vxha never adds a group it does not own, whether or not the generated
    # configuration carries one (DECISIONS.md 4).
    names = {g.name for g in cfg.groups}
    missing: Dict[str, List[str]] = {}
    for g in cfg.groups:
        if server_of(g) is not None:
            for d in g.deps:
                if d.child not in names:
                    missing.setdefault(d.child, []).append(g.name)
    for child, parents in sorted(missing.items()):
        out.problems.append(
            f"the cluster has no group {child}, which {', '.join(sorted(parents))} "
            f"require(s): configure it first (for the cvm group: cfscluster config)"
        )
    # A type vxha's resources use that the cluster does not declare: `hares -add` would
    # stop the plan halfway. Types are installed, never planned (vxha cluster add-types).
    # A configuration read without any type says nothing about them.
    if current.types:
        used = {r.type for g in cfg.groups if server_of(g) is not None for r in g.resources}
        from vxha.vcs_types.catalog import PROJECT_TYPES

        for t in sorted(used - set(current.types)):
            if t in PROJECT_TYPES:
                fix = "register vxha's types first (vxha cluster add-types)"
            else:
                # add-types registers only vxha's own types: naming it for another
                # product's (CVMVolDg, Veritas's CVM) sent an SFHA admin round in a loop
                fix = (
                    "it is not one of vxha's types (vxha cluster add-types does not add it): "
                    "install and configure the product that declares it"
                    + (
                        " (Veritas's Cluster Volume Manager, CVMTypes.cf)"
                        if t.startswith("CVM")
                        else ""
                    )
                )
            out.problems.append(f"the cluster has no resource type {t}: {fix}")
        _check_types(current, cfg, out)
    systems = {s.name for s in current.systems}
    wanted: Set[str] = set()
    for g in cfg.groups:
        if server_of(g) is None:
            continue
        for s in _system_list(g):
            wanted.add(s)
            if systems and s not in systems:
                out.problems.append(
                    f"system {s} (SystemList of group {g.name}) is not in the cluster: add the "
                    f"node first (the installer's add-node procedure, which runs hasys -add {s})"
                )
    gen_systems = {s.name for s in generated.systems}
    for s in sorted(systems - gen_systems):
        users = sorted(g.name for g in cfg.groups if s in _system_list(g))
        if users:
            out.notes.append(
                f"system {s} is not in the cluster profile; vxha leaves it (groups "
                f"{', '.join(users)} list it)"
            )
        else:
            out.notes.append(
                f"system {s} is not in the cluster profile and no group lists it; vxha never "
                f"removes systems: to remove the node, hasys -delete {s}"
            )
    cvm_name = cvm_group or _cvm_name(cfg)
    cvm = cfg.group(cvm_name) if cvm_name else None
    if cvm is None:
        return
    cvm_systems = set(_system_list(cvm))
    for s in sorted(wanted - cvm_systems):
        users = sorted(g.name for g in cfg.groups if _needs(g, cvm.name) and s in _system_list(g))
        if users:
            out.notes.append(
                f"system {s} is not in the SystemList of group {cvm.name}, which "
                f"{', '.join(users)} require(s) there: add the node to CVM "
                f"(cfscluster config) or the group cannot come online on {s}"
            )
    gen_cvm = generated.group(cvm.name)
    needs_fsckd = gen_cvm is not None and any(r.type == "CFSfsckd" for r in gen_cvm.resources)
    has_mounts = any(r.type == "CFSMount" for g in cfg.groups if server_of(g) for r in g.resources)
    if needs_fsckd and has_mounts and not any(r.type == "CFSfsckd" for r in cvm.resources):
        out.notes.append(
            f"group {cvm.name} has no CFSfsckd resource, which CFSMount needs: "
            f"cfscluster config adds it (hares -add vxfsckd CFSfsckd {cvm.name})"
        )


def _check_types(current: Config, cfg: Config, out: Target) -> None:
    """The cluster's declaration of each type vxha's resources use must be able to take
    them: a type of one of vxha's names that is not vxha's (a site's own HostIP) would run
    vxha's servers under another agent, and an attribute the declaration lacks (an older
    vxha's Container, Veritas's CFSMount with vxha's extras) stops the plan at its
    `hares -modify`, after the groups were added. Refused before any command, naming the
    way out. Only resources the plan adds or changes: a delete of what runs is never held
    up by the type it runs under."""
    from vxha.agents.cluster_types import differences, whose
    from vxha.vcs_types.catalog import PROJECT_TYPES, project_type

    live = {r.name: r for g in current.groups if server_of(g) is not None for r in g.resources}
    changed = [
        r
        for g in cfg.groups
        if server_of(g) is not None
        for r in g.resources
        if live.get(r.name) != r
    ]
    missing: Dict[Tuple[str, str], List[str]] = {}
    for r in changed:
        decl = current.types.get(r.type)
        for a in r.attrs:
            if decl is not None and diff.resource_spec({r.type: decl}, r.type, a) is None:
                missing.setdefault((r.type, a), []).append(r.name)
    foreign = set()
    for t in sorted({t for t, _ in missing} | (set(PROJECT_TYPES) & set(current.types))):
        if t not in PROJECT_TYPES or t == "CFSMount":
            continue
        mine = project_type(t)
        if whose(current.types[t], mine) is None and any(r.type == t for r in changed):
            foreign.add(t)
            first = differences(current.types[t], mine)[:1]
            out.problems.append(
                f"the cluster's type {t} is not vxha's ({', '.join(first)}): vxha's resources "
                f"cannot run under it; rename or remove that type first (vxha cluster add-types "
                f"--dry-run names the difference)"
            )
    for (t, a), users in sorted(missing.items()):
        if t in foreign:
            continue
        if t == "CFSMount" and whose(current.types[t], project_type(t)) is None:
            fix = "it is Veritas's CFSMount: generate with --cfsmount veritas (DECISIONS.md 6)"
        elif t in PROJECT_TYPES:
            fix = "bring vxha's types up to date first (vxha cluster add-types)"
        else:
            fix = f"update the product that declares type {t}, or the server's profile"
        out.problems.append(
            f"the cluster's type {t} has no attribute {a}, which {', '.join(users)} set(s): {fix}"
        )


def _cvm_name(cfg: Config) -> Optional[str]:
    for g in cfg.groups:
        if server_of(g) is not None:
            for d in g.deps:
                child = cfg.group(d.child)
                if child is not None and server_of(child) is None:
                    return child.name
    return None


def _system_list(group: Group) -> List[str]:
    value = group.attrs.get("SystemList") or {}
    return list(value) if isinstance(value, (dict, list)) else []


def group_of(config: Config, resource: str) -> Optional[Group]:
    g, _ = config.find_resource(resource)
    return g


def check_changes(changes: Iterable, current: Config, tgt: Config) -> None:
    """Raise OwnershipError if a change touches anything vxha does not own."""
    bad = []
    for c in changes:
        if c.kind == "include":
            continue  # listed, never commanded
        if c.kind == "cluster":
            if c.attr not in CLUSTER_STEPS:
                bad.append(str(c))
            continue
        if c.kind == "system":
            bad.append(str(c))
            continue
        if c.kind == "group":
            name = c.name
        elif c.kind == "resource":
            g = group_of(tgt, c.name) or group_of(current, c.name)
            name = g.name if g is not None else ""
        else:
            name = c.group
        for cfg in (current, tgt):
            g = cfg.group(name)
            if g is not None and server_of(g) is None:
                bad.append(str(c))
                break
        if c.attr and c.attr in ADMIN_STATE:
            bad.append(str(c))
    if bad:
        raise OwnershipError(
            "refusing to change what vxha does not own:\n" + "".join(f"  {b}\n" for b in bad)
        )


def marker_first(cmds: List[List[str]]) -> List[List[str]]:
    """``cmds`` with each added group's marker set right after its ``hagrp -add``: a plan
    that stops between the two would leave a group no vxha command recognizes as its own,
    which ``--undo`` could then not delete."""
    added = {argv[2] for argv in cmds if argv[:2] == ["hagrp", "-add"]}
    marks = {
        argv[2]: argv
        for argv in cmds
        if argv[:2] == ["hagrp", "-modify"] and argv[2] in added and argv[3] == "UserStrGlobal"
    }
    out = []
    for argv in cmds:
        if argv[:2] == ["hagrp", "-modify"] and marks.get(argv[2]) is argv:
            continue
        out.append(argv)
        if argv[:2] == ["hagrp", "-add"] and argv[2] in marks:
            out.append(marks[argv[2]])
    return out


def adopted(config: Config, added: Iterable[str]) -> List[str]:
    """Groups of ``added`` (created by a plan that stopped) that carry no marker yet: the
    plan stopped between adding one and marking it. Marked in ``config`` so that undoing
    the plan deletes them like any group of vxha's."""
    found = []
    for name in added:
        g = config.group(name)
        if g is not None and server_of(g) is None and not g.resources:
            g.attrs["UserStrGlobal"] = f"{MARKER}{name}"
            found.append(name)
    return found
