"""The verifier's rules about required attributes and group dependencies.

``verify.py`` runs the rules of ``RULES`` after its own; each takes the verifier's
``Context`` and yields ``Issue``s. The VCS rules come from the administrator's guides
(VCS_ENGINE.md, group dependencies); where they are UNVERIFIED the choice is made here,
in one place, and docs/generator.md lists it.
"""

from __future__ import annotations

# Attributes a resource of a type must set: the agent cannot work without them.
# Types declared in a types file may also mark attributes ``required`` on the declaration.
REQUIRED = {
    "Container": ("Image",),
    "HostIP": ("Device", "Address"),
    "PortForward": ("Address", "Ports"),
    "CFSMount": ("MountPoint", "BlockDevice"),
    "CVMVolDg": ("CVMDiskGroup",),
    "CVMCluster": ("CVMClustName", "CVMNodeId"),
}

# "In VCS, a dependency tree may be up to five levels deep" (Administrator's Guide 6.0,
# Linux, "About service group dependencies"; the 4.1 User's Guide, "Dependency
# Limitations", allowed three). A level is a tier of groups, so the levels are counted as
# the groups on the longest chain parent -> child -> ... (chosen: the stricter reading of
# "levels", which the guides do not define further).
MAX_LEVELS = 5
LEVELS_SOURCE = 'Administrator\'s Guide 6.0, "About service group dependencies"'


def _issue(ctx, obj, message, rule, warning=False):
    from vxha.vcs_types.verify import ERROR, WARNING, Issue

    return Issue(ctx.where(obj), message, rule, WARNING if warning else ERROR)


def _is_set(value) -> bool:
    return value not in (None, "", [], {})


def _required(ctx, r):
    names = list(REQUIRED.get(r.type, ()))
    decl = ctx.types.get(r.type)
    if decl is not None:
        for a in decl.attrs.values():
            if getattr(a, "required", False) and a.name not in names:
                names.append(a.name)
    return names


def rule_required_attributes(ctx):
    """Every resource sets its type's required attributes (globally or on each system)."""
    required = {}  # type name -> its required attributes, worked out once a type
    for g in ctx.config.groups:
        systems = None
        for r in g.resources:
            names = required.get(r.type)
            if names is None:
                names = required[r.type] = _required(ctx, r)
            attrs = r.attrs
            for name in names:
                value = attrs.get(name)
                if value or _is_set(value):
                    continue
                if systems is None:
                    systems = g.attrs.get("SystemList") or ()
                per_sys = r.local.get(name)
                if not per_sys:
                    detail = "not set"
                else:
                    missing = _unset_on(systems, per_sys)
                    if not missing:
                        continue
                    detail = f"not set for {', '.join(missing)}"
                yield _issue(
                    ctx,
                    r,
                    f"resource {r.name} ({r.type}): required attribute {name} is {detail}",
                    "required_attributes",
                )


def _unset_on(systems, per_sys):
    """The systems of ``systems`` for which ``per_sys`` holds no value."""
    values = per_sys.values()
    # most often every system has a value: told with set and membership tests in C
    if not (None in values or "" in values or [] in values or {} in values):
        try:
            if per_sys.keys() >= set(systems):
                return ()
        except TypeError:
            pass  # a name that cannot be hashed: the loop below
    return [s for s in systems if not _is_set(per_sys.get(s))]


def _parallel(group) -> bool:
    value = group.attrs.get("Parallel", 0)
    return isinstance(value, int) and value != 0


def rule_group_dependencies(ctx):
    """``requires group`` names another existing group, once, with a link VCS accepts."""
    groups = {g.name: g for g in ctx.config.groups}
    for g in ctx.config.groups:
        seen = set()
        for d in g.deps:
            child = groups.get(d.child)
            if child is not None and d.child not in seen and d.child != g.name:
                # the common case, told without wording a label
                seen.add(d.child)
                if not link_problem(d, _parallel(g), _parallel(child)):
                    continue
                seen.discard(d.child)
            label = f"group {g.name}: requires group {d.child}"
            if d.child == g.name:
                yield _issue(ctx, d, f"{label}: a group cannot depend on itself", "group_deps")
                continue
            if child is None:
                yield _issue(ctx, d, f"{label}: no group {d.child} is declared", "group_deps")
                continue
            if d.child in seen:
                yield _issue(ctx, d, f"{label}: the child is named twice", "group_deps")
            seen.add(d.child)
            why = link_problem(d, _parallel(g), _parallel(child))
            if why:
                yield _issue(
                    ctx, d, f"{label} {d.category} {d.location} {d.rigidity}: {why}", "group_deps"
                )


def link_problem(dep, parent_parallel: bool, child_parallel: bool):
    """Why VCS refuses this dependency between these kinds of groups, or None."""
    if dep.category == "offline" and dep.location != "local":
        return "offline dependencies exist only as offline local"
    if dep.rigidity == "hard" and not (dep.category == "online" and dep.location == "local"):
        return "hard dependencies exist only as online local"
    if dep.category != "online":
        return None
    if not parent_parallel and child_parallel and dep.rigidity == "hard":
        return "a failover group cannot have a hard dependency on a parallel group"
    if parent_parallel and not child_parallel and dep.location == "local":
        return "a parallel group cannot depend online local on a failover group"
    if parent_parallel and child_parallel:
        if dep.location != "local" or dep.rigidity == "hard":
            return (
                "between parallel groups only online local soft/firm and offline local are allowed"
            )
    return None


def _graph(ctx):
    """Group name -> the groups it depends on (declared, not itself); built once a
    verification (the cycle and level rules share it)."""
    children = getattr(ctx, "_group_graph", None)
    if children is None:
        groups = ctx.config.groups
        names = {g.name for g in groups}
        children = {}
        for g in groups:
            deps = g.deps
            if not deps:
                children[g.name] = []
            elif len(deps) == 1:
                child = deps[0].child
                ok = child in names and child != g.name
                children[g.name] = [child] if ok else []
            else:
                kids = [d.child for d in deps if d.child in names and d.child != g.name]
                children[g.name] = kids
        ctx._group_graph = children
    return children


def rule_group_dependency_cycles(ctx):
    """Group dependencies form no cycle."""
    from vxha.vcs_types.verify import _cycles

    children = _graph(ctx)
    if not _depths(ctx)[1]:
        return
    groups = {g.name: g for g in ctx.config.groups}
    for cycle in _cycles(children, list(children)):
        g = groups[cycle[0]]
        dep = next((d for d in g.deps if d.child == cycle[1]), g)
        yield _issue(
            ctx, dep, f"group dependencies form a cycle: {' -> '.join(cycle)}", "group_cycles"
        )


def _depths(ctx):
    """(group name -> groups on its longest dependency chain, whether any cycle exists);
    worked out once a verification."""
    known = getattr(ctx, "_group_depths", None)
    if known is not None:
        return known
    children = _graph(ctx)
    depth = {}
    cyclic = False
    for start, kids in children.items():
        if start in depth:
            continue
        if not kids:
            depth[start] = 1
            continue
        if len(kids) == 1 and kids[0] in depth:
            # groups come after what they depend on in most files: no search needed
            depth[start] = 1 + depth[kids[0]]
            continue
        # iterative post-order; a node met again while open is on a cycle
        stack = [(start, iter(kids))]
        open_ = {start}
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                open_.discard(node)
                depth[node] = 1 + max((depth.get(c, 0) for c in children[node]), default=0)
            elif nxt in open_:
                cyclic = True
            elif nxt not in depth:
                open_.add(nxt)
                stack.append((nxt, iter(children[nxt])))
    ctx._group_depths = depth, cyclic
    return ctx._group_depths


def rule_group_dependency_levels(ctx):
    """No chain of group dependencies is deeper than VCS supports."""
    children = _graph(ctx)
    depth = _depths(ctx)[0]
    # A too-deep chain is reported once, at its top (a group nothing depends on).
    has_parent = {c for kids in children.values() for c in kids}
    for g in ctx.config.groups:
        if depth.get(g.name, 0) > MAX_LEVELS and g.name not in has_parent:
            yield _issue(
                ctx,
                g,
                f"group {g.name}: its dependency chain is {depth[g.name]} groups deep: "
                f"{' -> '.join(_chain(g.name, children, depth))}; VCS supports at most "
                f"{MAX_LEVELS} levels ({LEVELS_SOURCE})",
                "group_levels",
            )


# Types the guides allow in one kind of group only. hacf accepts either (no guide says it
# refuses them), so these are warnings: the configuration loads, but does not do what it
# should. Phantom: BARG 7.2 (Linux) "Phantom agent" (not in failover groups, nor alone in a
# group). NotifierMngr: Admin 7.0 (Linux) "About the notifier process" and BARG 7.3.1
# (Windows) "NotifierMngr agent" (one notifier a cluster, so never in a parallel group).
# The same loop asks what a Mount's agent needs (``_mount_fsckopt``).
def rule_group_kind_of_types(ctx):
    """Phantom only in a parallel group with other resources; NotifierMngr only in a
    failover group; a Mount's FsckOpt (warnings)."""
    for g in ctx.config.groups:
        for r in g.resources:
            rtype = r.type
            if rtype == "Mount":
                yield from _mount_fsckopt(ctx, g, r)
            elif rtype == "Phantom":
                if not _parallel(g):
                    why = "Phantom belongs in parallel groups only (the group has Parallel = 0)"
                elif len(g.resources) == 1:
                    why = "a Phantom must not be the only resource of its group"
                else:
                    continue
                message = f"resource {r.name} (group {g.name}): {why}"
                yield _issue(ctx, r, message, "group_kind", warning=True)
            elif rtype == "NotifierMngr" and _parallel(g):
                message = (
                    f"resource {r.name} (group {g.name}): NotifierMngr belongs in a failover "
                    "group: only one notifier may run in a cluster"
                )
                yield _issue(ctx, r, message, "group_kind", warning=True)


MOUNT_SOURCE = (
    'Bundled Agents Reference Guide 6.0 (HP-UX), "Attributes for Mount agent"; '
    '5.1 (AIX), "Attributes"'
)


def _mount_fsckopt(ctx, g, r):
    """A Mount of a file system other than NFS sets FsckOpt, with -y or -n (-p: AIX).

    Only where FSType names the file system (chosen: without it the Mount may be NFS).

    The guides make FsckOpt "mandatory for non-NFS mounts" ("Its value must include either
    -y or -n"; 5.1 AIX adds -p for jfs and jfs2). It is the agent's need, which hacf does
    not check (it checks syntax: UG 4.1, "Verifying a Configuration"), so a warning.
    """
    fstypes = [r.attrs.get("FSType"), *r.local.get("FSType", {}).values()]
    if not any(fstypes) or any(isinstance(t, str) and t.lower() == "nfs" for t in fstypes):
        return  # NFS, or no file system named: nothing says FsckOpt is needed
    value = r.attrs.get("FsckOpt")
    per_sys = r.local.get("FsckOpt")
    if _is_set(value):
        values = [value]
    else:
        missing = _unset_on(g.attrs.get("SystemList") or (), per_sys) if per_sys else None
        if missing is None or missing:
            where = f" for {', '.join(map(str, missing))}" if missing else ""
            message = (
                f"resource {r.name} (Mount): FsckOpt is not set{where}: the Mount agent needs "
                f"it for a file system other than NFS, with -y or -n ({MOUNT_SOURCE})"
            )
            yield _issue(ctx, r, message, "agent_attributes", warning=True)
            return
        values = [v for v in per_sys.values() if _is_set(v)]
    for v in values:
        if not any(flag in str(v) for flag in ("-y", "-n", "-p")):
            message = (
                f"resource {r.name} (Mount): FsckOpt {v!r} includes neither -y nor -n, "
                f"which the Mount agent needs ({MOUNT_SOURCE})"
            )
            yield _issue(ctx, r, message, "agent_attributes", warning=True)
            return


def _chain(name, children, depth):
    out = [name]
    while children.get(out[-1]):
        nxt = max(children[out[-1]], key=lambda c: depth.get(c, 0))
        if nxt in out:
            break
        out.append(nxt)
    return out


RULES = [
    rule_required_attributes,
    rule_group_dependencies,
    rule_group_dependency_cycles,
    rule_group_dependency_levels,
    rule_group_kind_of_types,
]
