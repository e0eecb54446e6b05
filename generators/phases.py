"""``vxha apply`` as a plan: the live cluster read once, each change classified, then
phases that never leave a service half-changed.

1. stop what must stop: groups removed or recreated (parents first, each waited for), and
   in the groups that stay, resources removed or whose change needs a restart (with the
   resources and vxha groups that sit on them);
2. change the configuration (the diff's commands, inside one configuration session);
3. start again what was stopped and what is new (children first, each waited for).

A restart the admin asked for (a changed port) is an ordered offline/online of the
resource, never a fault the agent has to report: it uses up no RestartLimit.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

from vxha.generators import diff, ownership
from vxha.generators.diff import needs_restart
from vxha.generators.plan import (
    Plan,
    PlanRefused,
    Step,
    offline_steps,
    online_steps,
    wait_step,
)
from vxha.generators.record import Record
from vxha.generators.view import ClusterView
from vxha.vcs_types import haforms
from vxha.vcs_types.model import Config

MAX_REMOVALS = 3


def in_maintenance(view: ClusterView, group: str, system: str) -> bool:
    return not view.enabled(group, system) or Record.parse(view.record(group, system)) is not None


def held_servers(view: ClusterView) -> Dict[str, str]:
    """Servers apply leaves as they are -> why: in maintenance on some system (who, when,
    why), or frozen by an admin (VCS would refuse to stop or start them)."""
    held = {}
    for srv, groups in view.servers().items():
        for g in groups:
            where = [s for s in view.systems_of(g) if in_maintenance(view, g, s)]
            if where:
                rec = Record.parse(view.record(g, where[0]))
                held[srv] = (
                    f"in maintenance on {', '.join(where)} ("
                    + (rec.describe() if rec else "disabled without a vxha record")
                    + ")"
                )
                break
            if view.frozen(g):
                held[srv] = f"frozen (group {g}; {view.thaw(g)} ends it)"
                break
    return held


def _differing(current: Config, target: Config):
    """``current`` and ``target`` with only the groups that differ, and those requiring
    them: the groups equal on both sides (most of them, when one server changes) can only
    add nothing to the diff, and normalizing them is most of its cost."""
    live = {g.name: g for g in current.groups}
    want = {g.name: g for g in target.groups}
    differ = {n for n in set(live) | set(want) if live.get(n) != want.get(n)}
    keep = differ | {
        g.name
        for g in list(current.groups) + list(target.groups)
        if any(d.child in differ for d in g.deps)
    }

    def part(config):
        return Config(
            includes=config.includes,
            cluster=config.cluster,
            systems=config.systems,
            groups=[g for g in config.groups if g.name in keep],
            types=config.types,
            source=config.source,
        )

    return part(current), part(target)


def _deps_on(config: Config, child: str):
    """(parent group, dependency) of every group requiring ``child``."""
    for g in config.groups:
        for d in g.deps:
            if d.child == child:
                yield g, d


def _order(names, edges) -> List[str]:
    """``names`` with every ``(first, then)`` edge respected; otherwise by name."""
    names = sorted(set(names))
    after: Dict[str, Set[str]] = {n: set() for n in names}
    for a, b in edges:
        if a in after and b in after and a != b:
            after[b].add(a)
    out, seen = [], set()

    def visit(n, stack=()):
        if n in seen:
            return
        if n in stack:
            return  # a cycle VCS would refuse anyway: keep the name order
        for m in sorted(after[n]):
            visit(m, stack + (n,))
        seen.add(n)
        out.append(n)

    for n in names:
        visit(n)
    return out


def _parents_first_groups(config: Config, names) -> List[str]:
    edges = [(g.name, d.child) for g in config.groups for d in g.deps]
    return _order(names, edges)


def _children_first_groups(config: Config, names) -> List[str]:
    edges = [(d.child, g.name) for g in config.groups for d in g.deps]
    return _order(names, edges)


def _resource_order(config: Config, names, parents_first: bool) -> List[str]:
    edges = []
    for g in config.groups:
        for lk in g.links:
            edges.append((lk.parent, lk.child) if parents_first else (lk.child, lk.parent))
    return _order(names, edges)


class ApplyPlanner:
    """Builds the plan that takes the live cluster to a generated configuration."""

    def __init__(
        self,
        view: ClusterView,
        generated: Config,
        force: bool = False,
        max_removals: int = MAX_REMOVALS,
        want_online: Optional[Dict[str, List[str]]] = None,
        command: str = "apply",
        want_resources: Optional[Dict[str, List[str]]] = None,
        release=(),
    ):
        self.view = view
        self.current = view.config
        self.generated = generated
        self.force = force
        self.max_removals = max_removals
        self.want_online = want_online  # group -> systems it must end up online on (undo)
        self.want_resources = want_resources or {}  # the same for resources
        self.command = command
        self.release = set(release)  # servers changed even in maintenance (delete)
        self.down_notes: List[str] = []  # groups not started on a system that is down

    def build(self) -> Plan:
        view, current = self.view, self.current
        held = {s: why for s, why in held_servers(view).items() if s not in self.release}
        tgt = ownership.target(current, self.generated, held=held)
        if tgt.problems:
            raise PlanRefused(
                "\n".join(
                    ["this plan cannot run; nothing was changed:"]
                    + [f"  {p}" for p in tgt.problems]
                )
            )
        self._refuse_mass_removal(tgt)
        target = tgt.config
        self.target = target
        types = self.types = diff.known_types(current, target)
        a, b = _differing(current, target)
        n_current, n_target = diff.normalize(a, types), diff.normalize(b, types)
        changes = diff.diff(n_current, n_target, types, normalized=True)
        ownership.check_changes(changes, current, target)
        cmds = ownership.marker_first(
            diff.commands(changes, n_current, n_target, types, normalized=True)
        )
        self.lookup = self._lookup()

        self._refuse_dropping_a_running_system(changes)
        self._refuse_starting_without_children(changes, held)
        plan = Plan(self.command, config_path=view.path)
        plan.notes = list(tgt.notes)
        plan.notes += [
            f"{c}: install it with 'vxha cluster add-types' first"
            for c in changes
            if c.kind == "include" and c.action == "add"
        ]
        removed_groups = {
            c.name for c in changes if c.kind == "group" and c.action == "remove" and not c.attr
        }
        added_groups = {
            c.name for c in changes if c.kind == "group" and c.action == "add" and not c.attr
        }
        removed_res = {
            c.name for c in changes if c.kind == "resource" and c.action == "remove" and not c.attr
        }
        added_res = {
            c.name for c in changes if c.kind == "resource" and c.action == "add" and not c.attr
        }
        restart: Dict[str, Set[str]] = {}
        why: Dict[str, List[str]] = {}
        for c in changes:
            if c.kind != "resource" or not c.attr or c.name in added_res:
                continue
            _, r = target.find_resource(c.name)
            if r is None or not needs_restart(types, r.type, c.attr):
                continue
            up = set(view.resource_up_on(c.name))
            systems = {c.system} & up if c.system else up
            if systems:
                restart.setdefault(c.name, set()).update(systems)
                why.setdefault(c.name, []).append(c.attr)

        g_off, r_off = self._offline_sets(removed_groups, removed_res, restart)
        bounced = {g: s for g, s in g_off.items() if g not in removed_groups or g in added_groups}
        plan.steps += self._offline_steps(
            g_off, r_off, removed_groups, added_groups, removed_res, why
        )
        plan.steps += [self._command_step(argv) for argv in cmds]
        self.down_notes = []
        plan.steps += self._online_steps(
            bounced, r_off, removed_res, added_res, added_groups, removed_groups
        )
        plan.notes += self.down_notes
        stops = len(plan.stopping())
        parts = []
        if tgt.added:
            parts.append(f"adds {', '.join(tgt.added)}")
        if tgt.removed:
            parts.append(f"removes {', '.join(tgt.removed)}")
        changed = sorted(
            {
                ownership.server_of(target.group(self._group_of(c))) or ""
                for c in changes
                if c.kind in ("group", "resource", "link", "dependency")
            }
            - set(tgt.added)
            - set(tgt.removed)
            - {""}
        )
        if changed:
            parts.append(f"changes {', '.join(changed)}")
        plan.summary = (
            f"vxha {self.command}: "
            + ("; ".join(parts) or "no server changes")
            + f" ({len(plan.steps)} steps, {stops} stop a service)"
        )
        self.changes = changes
        return plan

    # -- refusals -------------------------------------------------------------------------
    def _refuse_mass_removal(self, tgt) -> None:
        if self.force or not tgt.removed:
            return
        total = len(self.view.servers())
        if len(tgt.removed) >= total:
            raise PlanRefused(
                f"this plan removes every server ({', '.join(tgt.removed)}): if that is "
                "meant, pass --force; nothing was changed"
            )
        if len(tgt.removed) > self.max_removals:
            raise PlanRefused(
                f"this plan removes {len(tgt.removed)} servers ({', '.join(tgt.removed)}), "
                f"more than {self.max_removals}: check the profile directory, or pass --force "
                "(or --max-removals N); nothing was changed"
            )

    def _refuse_dropping_a_running_system(self, changes) -> None:
        """A group's new SystemList must keep the systems it runs on: VCS refuses to drop
        one, and moving the group away is the admin's call (it stops the service there)."""
        problems = []
        for c in changes:
            if c.kind != "group" or c.attr != "SystemList" or c.action != "change":
                continue
            kept = list(c.new or {})
            for s in sorted(set(c.old or {}) - set(kept)):
                if s not in self.view.up_on(c.name):
                    continue
                grp = self.target.group(c.name)
                if str(grp.attrs.get("Parallel", 0)) != "0" or not kept:
                    fix = f"hagrp -offline {c.name} -sys {s}"
                else:
                    fix = f"hagrp -switch {c.name} -to {kept[0]}"
                problems.append(
                    f"group {c.name} runs on {s}, which its new SystemList drops: {fix} first"
                )
        if problems:
            raise PlanRefused(
                "\n".join(
                    ["this plan cannot run; nothing was changed:"] + [f"  {p}" for p in problems]
                )
            )

    def _refuse_starting_without_children(self, changes, held) -> None:
        """A group the plan adds and starts cannot come online while a group it requires
        online is ONLINE nowhere it could run (VCS refuses, V-16-1-10165): the plan would
        stop after adding it. Refused before any command, naming the group vxha needs up
        and the way out (a group only partly online, with a resource an admin added by
        hand and left offline, counts as not online)."""
        added = {c.name for c in changes if c.kind == "group" and c.action == "add" and not c.attr}
        problems = []
        for g in sorted(added):
            grp = self.target.group(g)
            if grp is None or str(grp.attrs.get("AutoStart", 1)) == "0" or self.want_online:
                continue
            for d in grp.deps:
                if d.category != "online" or d.child in added:
                    continue
                states = self.view.group_states.get(d.child)
                if not states:
                    continue  # no state read for it: nothing to judge
                where = sorted(ownership._system_list(grp) if d.location == "local" else states)
                if any(states.get(s, "").split("|")[0] == "ONLINE" for s in where):
                    continue
                srv = ownership.server_of(self.current.group(d.child))
                if srv in held:
                    fix = f"end its maintenance first (vxha maintenance off {srv})"
                elif self.view.frozen(d.child):
                    fix = f"it is frozen: {self.view.thaw(d.child)} first"
                else:
                    fix = f"hagrp -online {d.child} -sys SYSTEM"
                seen = ", ".join(f"{s}: {states[s]}" for s in where if s in states) or "none"
                problems.append(
                    f"group {g} requires group {d.child} online {d.location}, which is ONLINE "
                    f"on none of {', '.join(where)} ({seen}): {g} could not be started after "
                    f"it is added; bring {d.child} fully online first ({fix}), then apply again"
                )
        if problems:
            raise PlanRefused(
                "\n".join(
                    ["this plan cannot run; nothing was changed:"] + [f"  {p}" for p in problems]
                )
            )

    def _group_of(self, c) -> str:
        if c.kind == "group":
            return c.name
        if c.kind == "resource":
            g = ownership.group_of(self.target, c.name) or ownership.group_of(self.current, c.name)
            return g.name if g is not None else ""
        return c.group

    # -- what stops ------------------------------------------------------------------------
    def _offline_sets(self, removed_groups, removed_res, restart):
        view, current = self.view, self.current
        g_off: Dict[str, Set[str]] = {g: set(view.up_on(g)) for g in removed_groups}
        r_off: Dict[str, Set[str]] = {}
        for r in removed_res:
            g = ownership.group_of(current, r)
            if g is not None and g.name not in removed_groups:
                r_off[r] = set(view.resource_up_on(r))
        for r, systems in restart.items():
            r_off.setdefault(r, set()).update(systems)
        # The resources that sit on a stopped resource stop first (VCS refuses to take a
        # resource offline under an online parent) and start again after it.
        changed = True
        while changed:
            changed = False
            for g in current.groups:
                for lk in g.links:
                    for s in list(r_off.get(lk.child, ())):
                        if s in view.resource_up_on(lk.parent) and s not in r_off.get(
                            lk.parent, set()
                        ):
                            r_off.setdefault(lk.parent, set()).add(s)
                            changed = True
        # A vxha group that requires a group losing resources on a system stops there too
        # (a container must not keep a mount busy while the mount is restarted).
        for r, systems in r_off.items():
            g = ownership.group_of(current, r)
            for s in systems:
                self._bounce_parents(g.name, s, g_off, local_only=True)
        for g in list(g_off):
            for s in list(g_off[g]):
                self._bounce_parents(g, s, g_off, local_only=False)
        for r in list(r_off):
            g = ownership.group_of(current, r)
            r_off[r] -= g_off.get(g.name, set())
            if not r_off[r]:
                del r_off[r]
        return {g: s for g, s in g_off.items() if s}, r_off

    def _bounce_parents(self, child: str, system: str, g_off, local_only: bool) -> None:
        for parent, d in _deps_on(self.current, child):
            if d.category != "online" or d.rigidity == "soft":
                continue
            if local_only and d.location != "local":
                continue
            up = self.view.up_on(parent.name)
            where = {system} if d.location == "local" else set(up)
            where &= set(up)
            if not where or where <= g_off.get(parent.name, set()):
                continue
            if ownership.server_of(parent) is None:
                stop = "; ".join(f"hagrp -offline {parent.name} -sys {s}" for s in sorted(where))
                raise PlanRefused(
                    f"group {parent.name} (not vxha's) requires group {child} {d.location} "
                    f"{d.rigidity}, which this plan stops on {system}: stop {parent.name} "
                    f"first ({stop}), run this again, then start it again (hagrp -online); "
                    "nothing was changed"
                )
            srv = ownership.server_of(parent)
            for s in where:
                if in_maintenance(self.view, parent.name, s):
                    raise PlanRefused(
                        f"server {srv} is in maintenance on {s} and requires group {child}, "
                        f"which this plan stops: end its maintenance first (vxha maintenance "
                        f"off {srv} --sys {s}); nothing was changed"
                    )
            g_off.setdefault(parent.name, set()).update(where)
            for s in where:
                self._bounce_parents(parent.name, s, g_off, local_only=False)

    def _offline_steps(self, g_off, r_off, removed, added, removed_res, why) -> List[Step]:
        steps: List[Step] = []
        for g in _parents_first_groups(self.current, g_off):
            if g in removed and g in added:
                reason = "recreated below (Parallel changes only on an empty group)"
            elif g in removed:
                reason = "removed below"
            else:
                reason = "started again below: a group it requires changes"
            for s in sorted(g_off[g]):
                steps += offline_steps("hagrp", g, s, f"stops group {g} on {s}: {reason}")
        for r in _resource_order(self.current, r_off, parents_first=True):
            if r in removed_res:
                reason = "removed below"
            elif r in why:
                reason = f"restarted below: {', '.join(why[r])} changed"
            else:
                reason = "restarted below: a resource it requires restarts"
            for s in sorted(r_off[r]):
                steps += offline_steps("hares", r, s, f"stops resource {r} on {s}: {reason}")
        return steps

    # -- the configuration ---------------------------------------------------------------
    def _lookup(self):
        """haforms.check's attribute lookup: resources by their type's declaration."""
        rtype = {
            r.name: r.type
            for cfg in (self.current, self.target)
            for g in cfg.groups
            for r in g.resources
        }

        def lookup(kind, obj, attr):
            if kind != "resource":
                return haforms.standard_lookup(kind, obj, attr)
            t = rtype.get(obj)
            spec = diff.resource_spec(self.types, t, attr) if t else None
            if spec is None:
                return None
            return spec[0], spec[1][0], diff.is_static(self.types, t, attr)

        return lookup

    def _command_step(self, argv: List[str]) -> Step:
        problem = haforms.check(argv, self.lookup)
        if problem:
            raise PlanRefused(f"not a documented command form, nothing was changed: {problem}")
        cmd, op = argv[0], argv[1]
        step = Step("command", list(argv), "", session=True)
        if cmd == "haclus":
            step.what = f"sets cluster attribute {argv[2]}"
            step.confirm = ownership.CLUSTER_STEPS.get(argv[2], "a cluster-wide attribute")
            step.done = [["noop", argv]]
        elif op == "-add" and cmd == "hagrp":
            step.what = f"adds group {argv[2]}"
            step.done = [["group", argv[2], True]]
        elif op == "-delete" and cmd == "hagrp":
            step.what = f"deletes group {argv[2]}"
            step.pre = [["empty", argv[2]]]
            step.done = [["group", argv[2], False]]
        elif op == "-add":
            step.what = f"adds resource {argv[2]} ({argv[3]}) to group {argv[4]}"
            step.pre = [["group", argv[4], True]]
            step.done = [["resource", argv[2], True]]
        elif op == "-delete":
            step.what = f"deletes resource {argv[2]}"
            step.pre = [["offline", argv[2]]]
            step.done = [["resource", argv[2], False]]
        elif op in ("-link", "-unlink"):
            there = op == "-link"
            if cmd == "hares":
                step.what = f"{argv[2]} {'requires' if there else 'no longer requires'} {argv[3]}"
                step.pre = [["resource", argv[2], True], ["resource", argv[3], True]]
                step.done = [["link", argv[2], argv[3], there]]
            else:
                step.what = (
                    f"group {argv[2]} {'requires' if there else 'no longer requires'} group "
                    f"{argv[3]}"
                )
                step.pre = [["group", argv[2], True], ["group", argv[3], True]]
                step.done = [["dep", argv[2], argv[3], there]]
        else:
            noun = "group" if cmd == "hagrp" else "resource"
            step.pre = [[noun, argv[2], True]]
            if op == "-override":
                step.what = f"lets {argv[2]} set the static attribute {argv[3]}"
                step.done = [["overridden", argv[2], argv[3]]]
            elif op == "-undo_override":
                step.what = f"returns {argv[3]} of {argv[2]} to its type's value"
                step.done = [["noop", argv]]
            elif argv[3:5] == ["Enabled", "1"] and cmd == "hares":
                step.what = f"enables {argv[2]} (added resources start disabled)"
                step.done = [["noop", argv]]
            else:
                step.what = f"sets {argv[3]} of {argv[2]}" + (
                    f" on {argv[-1]}" if "-sys" in argv else ""
                )
                step.done = [["noop", argv]]
        return step

    # -- what starts again ----------------------------------------------------------------
    def _online_steps(
        self, bounced, r_off, removed_res, added_res, added_groups, removed_groups
    ) -> List[Step]:
        view, target = self.view, self.target
        steps: List[Step] = []
        # Resources in groups that stay up: restarted ones, and new ones where the group runs.
        r_on: Dict[str, Set[str]] = {}
        for r, systems in r_off.items():
            if r not in removed_res:
                r_on[r] = set(systems)
        for r in added_res:
            g = ownership.group_of(target, r)
            if g is None or g.name in added_groups:
                continue
            where = set(view.up_on(g.name)) - bounced.get(g.name, set())
            if where:
                r_on.setdefault(r, set()).update(where)
        for r, systems in self.want_resources.items():
            g = ownership.group_of(target, r)
            if g is None or g.name in added_groups:
                continue
            missing = set(systems) & set(view.up_on(g.name)) - set(
                view.resource_up_on(r)
            ) - bounced.get(g.name, set())
            if missing:
                r_on.setdefault(r, set()).update(missing)
        g_on: Dict[str, Set[str]] = {
            g: set(s) for g, s in bounced.items() if target.group(g) is not None
        }
        want = self.want_online or {}
        fresh = sorted(added_groups - set(g_on))
        for g in fresh:
            grp = target.group(g)
            if g in want:
                g_on[g] = set(want[g])
            elif str(grp.attrs.get("AutoStart", 1)) != "0":
                g_on[g] = set()  # -any / its AutoStartList
        for g, systems in want.items():
            if target.group(g) is not None and g not in g_on:
                missing = set(systems) - set(view.up_on(g))
                if missing:
                    g_on[g] = missing
        by_group: Dict[str, List[str]] = {}
        for r in r_on:
            by_group.setdefault(ownership.group_of(target, r).name, []).append(r)
        for g in _children_first_groups(target, set(g_on) | set(by_group)):
            for r in _resource_order(target, by_group.get(g, []), parents_first=False):
                for s in sorted(r_on[r]):
                    steps += online_steps("hares", r, s, f"starts resource {r} on {s}")
            if g in g_on:
                steps += self._group_online(g, g_on[g])
        return steps

    def _group_online(self, g: str, systems: Set[str]) -> List[Step]:
        grp = self.target.group(g)
        parallel = str(grp.attrs.get("Parallel", 0)) != "0"
        if not systems and parallel:
            auto = grp.attrs.get("AutoStartList") or list(grp.attrs.get("SystemList") or {})
            systems = {s for s in auto if self.view.system_up(s)}
            for s in sorted(set(auto) - systems):
                self.down_notes.append(
                    f"system {s} is {self.view.system_states.get(s)}: group {g} is not started "
                    f"there now; VCS starts it there when {s} joins (it is in its AutoStartList)"
                )
        steps = []
        if not systems:
            steps.append(
                Step(
                    "command",
                    ["hagrp", "-online", g, "-any"],
                    f"starts group {g}",
                    pre=[["group", g, True]],
                    done=[["gstate", g, "", "ONLINE"]],
                )
            )
            steps.append(wait_step("hagrp", g, "", "ONLINE"))
            return steps
        for s in sorted(systems):
            steps += online_steps("hagrp", g, s, f"starts group {g} on {s}")
        return steps
