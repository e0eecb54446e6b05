"""Group dependencies (VCS_ENGINE.md, "Group dependencies"): when a parent may be online
where and which links are legal (functions of the groups' states), and the engine's
reactions (``DependencyRules``): a child leaving a system (fault, crash, switch) takes its
firm and hard parents offline and they follow it, while a soft local parent moves with it;
a child's own offline waits for its local firm and hard parents; a child arriving on a
system moves its remote and offline local parents away. An admin may not bring a child
online where an online parent forbids it (``parent_forbidding``).
"""

from __future__ import annotations

from vxha.simulator.core import Intent

ONLINE = "ONLINE"


def child_online_on(child, system_name) -> bool:
    gi = child.insts.get(system_name)
    return gi is not None and gi.state.split("|", 1)[0] == ONLINE and not gi.stopping


def child_active_on(child, system_name) -> bool:
    """The child is online or partially online (or coming online) there."""
    gi = child.insts.get(system_name)
    if gi is None:
        return False
    base = gi.state.split("|", 1)[0]
    return base != "OFFLINE" or gi.starting


def child_online_systems(child, up_systems):
    return [s for s in up_systems if child_online_on(child, s)]


def dep_met(dep, system_name, up_systems) -> bool:
    """Whether ``dep.parent`` may be online on ``system_name`` given the child's state now."""
    child = dep.child
    if dep.category == "offline":
        return not child_active_on(child, system_name)
    if dep.location == "local":
        return child_online_on(child, system_name)
    online = child_online_systems(child, up_systems)
    if dep.location == "global":
        return bool(online)
    return any(s != system_name for s in online)  # remote


def deps_met(group, system_name, up_systems) -> bool:
    for dep in group.deps:
        if not dep_met(dep, system_name, up_systems):
            return False
    return True


def unmet(group, system_name, up_systems):
    return [d for d in group.deps if not dep_met(d, system_name, up_systems)]


def parent_forbidding(child, system_name, leaving=None):
    """(dep, parent's system) of an online parent that forbids bringing ``child`` online on
    ``system_name`` by hand, or None: a remote or offline local parent online there, or a
    local parent online on another system (a parallel child may run beside it; a parent on
    the system the child is ``leaving`` follows it)."""
    for dep in child.rdeps:
        for psys in dep.parent.insts:
            if not child_active_on(dep.parent, psys):
                continue
            if dep.category == "offline" or dep.location == "remote":
                if psys == system_name:
                    return dep, psys
            elif dep.location == "local" and not child.parallel:
                if psys not in (system_name, leaving):
                    return dep, psys
    return None


def link_error(parent, child, category, location, rigidity):
    """Why ``hagrp -link`` must refuse this link (None when it is legal)."""
    if parent is child:
        return "a group cannot depend on itself"
    if category not in ("online", "offline"):
        return f"unknown category {category!r}"
    if location not in ("local", "global", "remote"):
        return f"unknown location {location!r}"
    if rigidity not in ("soft", "firm", "hard"):
        return f"unknown rigidity {rigidity!r}"
    if category == "offline" and location != "local":
        return "offline dependencies exist only as offline local"
    if any(d.child is child for d in parent.deps):
        return f"group {parent.name} already depends on {child.name}"
    if _reaches(child, parent):
        return "the link would make a dependency cycle"
    if _depth(child) + _height(parent) + 1 > 5:
        return "more than 5 levels of dependency"
    # The kinds of links VCS allows are hacf -verify's rule, so -link never makes a
    # configuration verify refuses (hard only online local, parallel pairs).
    from vxha.vcs_types.model import GroupDep
    from vxha.vcs_types.verify_groups import link_problem  # only -link needs the verifier

    link = GroupDep(child.name, category, location, rigidity)
    return link_problem(link, parent.parallel, child.parallel)


def _reaches(src, dst):
    todo, seen = [src], set()
    while todo:
        g = todo.pop()
        if g is dst:
            return True
        if g.name in seen:
            continue
        seen.add(g.name)
        todo.extend(d.child for d in g.deps)
    return False


def _depth(group):
    """Levels below ``group`` (0 for a group without children)."""
    return max((1 + _depth(d.child) for d in group.deps), default=0)


def _height(group):
    return max((1 + _height(d.parent) for d in group.rdeps), default=0)


class DependencyRules:
    """What a child group's fault, crash, switch or arrival does to its parent groups."""

    # -- a child leaving a system ----------------------------------------------------------

    def _react_child_down(self, child, sname, why):
        """What a child leaving ``sname`` (fault, crash, switch) does to its parents."""
        for dep in child.rdeps:
            parent = dep.parent
            if parent.is_frozen() or dep.category == "offline":
                continue
            if dep.location == "local":
                pi = parent.insts.get(sname)
                if pi is None or not self._active(pi) or pi.stopping:
                    continue
                if dep.rigidity == "soft":
                    if not parent.parallel:
                        self._want(Intent("move", parent, reason=f"child {child.name} moved"))
                    continue
                # the parent follows its child wherever it comes online, the same system
                # too (a child group restarted in place: OnlineRetryLimit)
                self._stop_for_child(
                    parent,
                    sname,
                    f"child {child.name} {why}",
                    then=lambda p=parent, s=sname: self._follow(p, s),
                )
                continue
            if dep.rigidity == "soft":
                continue
            # global / remote firm: the parent needs an instance of the child, except that
            # a parallel child's instance faulting takes a global firm parent offline all
            # the same (it comes back where an instance still runs)
            every_fault = dep.location == "global" and child.parallel
            for psys, pi in parent.insts.items():
                if not self._active(pi) or pi.stopping:
                    continue
                if not every_fault and any(
                    s != sname
                    and self.systems[s].up
                    and child_online_on(child, s)
                    and (dep.location == "global" or s != psys)
                    for s in child.insts
                ):
                    continue
                stop = lambda p=parent, s=psys: self._stop_parent(p, s, child, why)  # noqa: E731
                if dep.location == "global":
                    self._after_child_offline(child, sname, stop)
                else:
                    stop()

    def _stop_parent(self, parent, sname, child, why):
        """Take a global or remote firm parent offline on ``sname`` and let it follow; by
        then the admin, a crash or a freeze may have dealt with it."""
        pi = parent.insts[sname]
        if not self._active(pi) or pi.stopping or parent.is_frozen():
            return
        self._stop_for_child(
            parent,
            sname,
            f"child {child.name} {why}",
            then=lambda: self._follow(parent, sname),
        )

    def _stop_for_child(self, group, sname, why, then=None):
        """Take ``group`` offline on ``sname`` for a dependency: leaving, it is a child
        leaving for its own firm and hard local parents, which go offline first."""
        self._react_child_down(group, sname, "going offline")
        self._after_parents(group, sname, lambda: self._stop_group(group, sname, why, then=then))

    def _follow(self, parent, sname):
        """A parent taken offline for its child goes where the child is online again (the
        system it left too: a child restarted in place)."""
        if parent.parallel:
            self._want(Intent("failover", parent, system=sname, reason="child back"))
            return
        self._want(Intent("failover", parent, reason="follow child"))

    def _after_parents(self, child, sname, fn):
        waiting = {
            dep.parent.name
            for dep in child.rdeps
            if dep.location == "local"
            and dep.category == "online"
            and dep.rigidity != "soft"
            and sname in dep.parent.insts
            and dep.parent.insts[sname].stopping
        }
        if not waiting:
            fn()
            return
        self.waiting_children.append([waiting, sname, fn])

    def _after_child_offline(self, child, sname, fn):
        """Run ``fn`` once ``child`` is offline on ``sname``: a global firm parent is taken
        offline after its child."""
        ci = child.insts.get(sname)
        if ci is None or not self._active(ci):
            fn()
            return
        self.waiting_children.append([{child.name}, sname, fn])

    def _parent_offline(self, g, sname):
        """``g`` went offline on ``sname``: run what waited for it there."""
        for entry in list(self.waiting_children):
            waiting, where, fn = entry
            if where == sname and g.name in waiting:
                waiting.discard(g.name)
                if not waiting:
                    self.waiting_children.remove(entry)
                    fn()

    # -- a child arriving on a system ------------------------------------------------------

    def _react_child_up(self, child, sname):
        """A child became ONLINE on ``sname``: remote and offline-local parents move away."""
        for dep in child.rdeps:
            if dep.location == "local" and dep.category == "online":
                continue
            if dep.location == "global":
                continue
            parent = dep.parent
            if parent.is_frozen():
                continue
            pi = parent.insts.get(sname)
            if pi is None or not self._active(pi) or pi.stopping:
                continue
            why = f"child {child.name} online here ({dep.kind()})"
            then = None
            if not parent.parallel:  # a parallel instance has nowhere to go
                then = lambda p=parent, s=sname: self._want(  # noqa: E731
                    Intent("failover", p, exclude=(s,), reason=f"away from {child.name}")
                )
            self._stop_for_child(parent, sname, why, then=then)
