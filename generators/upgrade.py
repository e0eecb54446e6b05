"""``vxha upgrade`` and ``vxha downgrade`` as plans for the one runner (DECISIONS.md 10).

A move (profiles/moves.py says whether it is allowed) becomes, in this order:

1. **prepare**: with ``--restrict-systems``, the storage group stops on the systems that
   cannot host the new version; the server goes into maintenance (``maintenance_plan``);
   the pre-command runs in a one-off container (``hares -action <ctr> oneoff``).
2. **switch**: the server's groups become what its profile says at the new version (the
   same diff and ownership rule as ``vxha apply``): the Container's Image and labels, and
   whatever else the version changes in place.
3. **restart**: maintenance ends (a disabled group is never brought online), the resources
   whose attributes changed restart as an ordered offline/online where the server runs,
   the post-command runs in the new container (``hares -action <ctr> exec``), the
   resources are probed, the server profile records the new version, the admin is told.

``Phases`` says which steps belong to which phase: a failure in the first leaves nothing
changed (maintenance is put back as it was), later ones leave the server in maintenance
(cli/upgrade_cmd.py carries that out).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Dict, List, Optional

from vxha.generators import ownership
from vxha.generators.operations import (
    OperationError,
    maintenance_plan,
    only_storage,
    server_groups,
)
from vxha.generators.phases import ApplyPlanner, in_maintenance
from vxha.generators.plan import (
    Plan,
    PlanRefused,
    Step,
    offline_steps,
    online_steps,
    wait_step,
)
from vxha.generators.view import ClusterView
from vxha.vcs_types import haforms
from vxha.vcs_types.model import Config

COMMAND_TIMEOUT = 30  # seconds: VCS's ActionTimeout default (capped at MonitorInterval/2)


def cfsmount_mode(config: Config, group: Optional[str]) -> str:
    """The CFSMount attributes the live storage group carries (DECISIONS.md 6)."""
    g = config.group(group) if group else None
    extras = {"FSType", "ForceUnmount", "SecondLevelMonitor"}
    for r in g.resources if g is not None else []:
        if r.type == "CFSMount" and extras & set(r.attrs):
            return "vxha"
    return "veritas"


def with_groups(current: Config, server: str, groups) -> Config:
    """``current`` with ``server``'s groups replaced by ``groups`` (Group models)."""
    mine = set(ownership.servers(current).get(server, []))
    out = copy.copy(current)
    out.groups = [g for g in current.groups if g.name not in mine] + list(groups)
    return out


def generated_groups(cluster, move, mode: str):
    """The server's groups as its profile says at the target version."""
    from vxha.generators.build import Options
    from vxha.generators.generate import generate

    result = generate(cluster, [move.after] + list(move.others), Options(cfsmount=mode))
    names = {move.server, f"{move.server}_storage"}
    return [g for g in result.config.groups if g.name in names], result.warnings


def _container(view: ClusterView, group: str) -> str:
    g = view.group(group)
    for r in g.resources if g is not None else []:
        if r.type == "Container":
            return r.name
    raise OperationError(f"group {group} has no Container resource")


def action_limit(config: Config, ctr: str) -> int:
    """How long VCS lets ``ctr``'s actions run: ActionTimeout, at most MonitorInterval / 2
    (VCS 7.3 Agent Developer's Guide, "ActionTimeout"), from the cluster's Container type
    (vxha's declaration when it has none) and the resource's overrides."""
    from vxha.vcs_types.catalog import project_type

    decl = config.types.get("Container") or project_type("Container")
    _, r = config.find_resource(ctr)
    attrs = r.attrs if r is not None else {}

    def value(name, default):
        try:
            return int(attrs.get(name, decl.static(name) or default))
        except (TypeError, ValueError):
            return default

    return max(1, min(value("ActionTimeout", 30), value("MonitorInterval", 60) // 2))


def action_step(ctr, token, args, system, what, timeout) -> Step:
    words = [haforms.escape(a) for a in args]
    argv = ["hares", "-action", ctr, token, "-actionargs", *words, "-sys", system]
    problem = haforms.check(argv)
    if problem:
        raise PlanRefused(f"not a documented command form, nothing was changed: {problem}")
    return Step("command", argv, what, pre=[["resource", ctr, True]], timeout=timeout)


def command_step(ctr, command, system, seconds, running: bool) -> Step:
    """The step running a lifecycle command (profiles/moves.Command) on ``system``."""
    words = command.text.split()
    if command.where == "exec" and running:
        what = f"runs {command.what} '{command.text}' in the new container on {system}"
        return action_step(ctr, "exec", [str(seconds), *words], system, what, seconds + 30)
    what = (
        f"runs {command.what} '{command.text}' in a one-off container of {command.image} "
        f"on {system} (the server's mounts and environment, at most {seconds} s)"
    )
    args = [command.image, str(seconds), *words]
    return action_step(ctr, "oneoff", args, system, what, seconds + 30)


def _as_in_maintenance(view: ClusterView, groups: List[str], on_steps: List[Step]):
    """The view as it reads once ``on_steps`` ran: each group disabled with its record, and
    frozen where they froze it."""
    admin = copy.deepcopy(view.admin)
    for st in on_steps:
        argv = st.argv
        if st.kind != "command" or argv[0] != "hagrp" or argv[2] not in groups:
            continue
        g, system = argv[2], argv[-1]
        row = admin.setdefault(g, {})
        if argv[1] == "-freeze":
            row.setdefault("Frozen", {})["global"] = "1"
        elif argv[1] == "-disable":
            row.setdefault("Enabled", {})[system] = "0"
        elif argv[1] == "-modify" and argv[3] == "UserStrLocal":
            row.setdefault("UserStrLocal", {})[system] = haforms.unescape(argv[4])
    return dataclasses.replace(view, admin=admin)


def _state_without(view: ClusterView, group: str, systems) -> ClusterView:
    """The view with ``group`` (and its resources) down on ``systems``: what the plan
    sees once its first steps stopped it there."""
    gstates = copy.deepcopy(view.group_states)
    rstates = copy.deepcopy(view.resource_states)
    for s in systems:
        gstates.get(group, {})[s] = "OFFLINE"
        for r in view.group(group).resources:
            rstates.get(r.name, {})[s] = "OFFLINE"
    return dataclasses.replace(view, group_states=gstates, _resource_states=rstates)


IN_PLACE = ("group", "resource")  # an attribute of either, set, changed or unset per system


def upgrade_plan(
    view: ClusterView,
    move,
    cluster,
    restrict: bool = False,
    seconds: int = COMMAND_TIMEOUT,
    recipients=(),
) -> Plan:
    """The plan moving ``move.server`` to ``move.target`` (see the module doc)."""
    server, kind = move.server, move.kind
    failover, storage = server_groups(view, server)
    if failover is None:
        raise only_storage(server, storage, view)
    systems = view.systems_of(failover)
    for g in (failover, storage):
        if g and view.frozen(g):
            raise OperationError(
                f"group {g} is frozen: VCS would neither stop nor start it ({view.thaw(g)} "
                "first); nothing was changed"
            )
        held = [s for s in view.systems_of(g) if g and in_maintenance(view, g, s)]
        if held:
            raise OperationError(
                f"server {server} is in maintenance on {', '.join(held)}: end it first "
                f"(vxha maintenance off {server}); vxha {kind} puts it into maintenance "
                "itself and ends it after the switch; nothing was changed"
            )
    where = view.up_on(failover)
    lacking = {s: why for s, why in move.lacking().items() if s in systems}
    if lacking and not restrict:
        lines = [f"{s}: {'; '.join(why)}" for s, why in sorted(lacking.items())]
        raise OperationError(
            f"{len(lacking)} system(s) of {failover}'s SystemList cannot host "
            f"{move.after.image} {move.target}:\n  "
            + "\n  ".join(lines)
            + f"\nload the image there (and list it in the cluster description), or pass "
            f"--restrict-systems to leave them out of {server}'s SystemList; nothing was "
            "changed"
        )
    keep = [s for s in systems if s not in lacking]
    if not keep:
        raise OperationError(
            f"no system of {failover}'s SystemList can host {move.after.image} "
            f"{move.target}; nothing was changed"
        )
    busy = sorted(set(where) & set(lacking))
    if busy:
        raise OperationError(
            f"{server} runs on {', '.join(busy)}, which cannot host {move.target}: move it "
            f"first (hagrp -switch {failover} -to {keep[0]}); nothing was changed"
        )
    run_on = where[0] if where else _storage_system(view, storage, keep)
    ctr = _container(view, failover)
    limit = action_limit(view.config, ctr)
    if (move.pre or move.post) and seconds > limit:
        raise OperationError(
            f"VCS ends {ctr}'s actions after {limit} s (ActionTimeout, at most MonitorInterval "
            f"/ 2), less than the {seconds} s asked for the {kind} commands: ask for at most "
            f"{limit} s, or raise ActionTimeout (and MonitorInterval, whose half caps it) "
            f"first (hares -override {ctr} ActionTimeout; hares -modify {ctr} ActionTimeout "
            f"{seconds}); nothing was changed"
        )

    mode = cfsmount_mode(view.config, storage)
    groups, warnings = generated_groups(cluster, move, mode)
    generated = with_groups(view.config, server, groups)
    drop_storage = sorted(set(lacking) & set(view.up_on(storage))) if storage else []
    planning = _state_without(view, storage, drop_storage) if drop_storage else view
    planner = ApplyPlanner(planning, generated, command=kind)
    inner = planner.build()
    odd = [str(c) for c in planner.changes if c.kind not in IN_PLACE or not c.attr]
    if odd:
        # The same changes against the profile at the current version: the cluster, not
        # the move, differs (a resource deleted or a link changed by hand)
        now, _ = generated_groups(cluster, dataclasses.replace(move, after=move.before), mode)
        again = ApplyPlanner(planning, with_groups(view.config, server, now), command=kind)
        try:
            again.build()
            drift = [str(c) for c in again.changes if c.kind not in IN_PLACE or not c.attr]
        except PlanRefused:
            drift = []
        if drift:
            raise OperationError(
                f"{server}'s groups differ from its profile at {move.current}, changed by hand "
                "since the last apply (" + "; ".join(drift) + "): run vxha apply with its "
                f"current profile first (it puts them back), then the {kind}; nothing was "
                "changed"
            )
        raise OperationError(
            f"{move.after.image} {move.target} changes more than the server's attributes "
            "(" + "; ".join(odd) + "): apply the new profile with vxha generate and vxha "
            "apply instead; nothing was changed"
        )

    plan = Plan(kind, config_path=view.path)
    plan.notes = list(inner.notes) + [w for w in warnings if server in w]
    # Step indices by phase; "off" (ending maintenance) and "bounce" (the restart) too.
    phases: Dict[str, List[int]] = {
        k: [] for k in ("prepare", "switch", "restart", "off", "bounce")
    }

    def add(phase, steps, also=None):
        for st in steps:
            phases[phase].append(len(plan.steps))
            if also:
                phases[also].append(len(plan.steps))
            plan.steps.append(st)

    for s in drop_storage:
        add(
            "prepare",
            offline_steps(
                "hagrp",
                storage,
                s,
                f"stops {storage} on {s}, which cannot host {move.target} (--restrict-systems)",
            ),
        )
    reason = f"vxha {kind} to {move.after.image} {move.target}"
    on = maintenance_plan(view, server, True, reason=reason)
    add("prepare", on.steps)
    if move.pre:
        add("prepare", [command_step(ctr, move.pre, run_on, seconds, running=False)])
    add("switch", [st for st in inner.steps if st.session])
    off = maintenance_plan(_as_in_maintenance(view, [failover], on.steps), server, False)
    # The systems the switch dropped are no longer in the SystemList: nothing to enable.
    add("restart", [st for st in off.steps if st.argv[-1] in keep or "-sys" not in st.argv], "off")
    add("restart", [st for st in inner.steps if not st.session], "bounce")
    if move.post:
        add("restart", [command_step(ctr, move.post, run_on, seconds, running=bool(where))])
    if where:
        probes = [
            Step(
                "command",
                ["hares", "-probe", r.name, "-sys", where[0]],
                f"VCS monitors {r.name} on {where[0]} now",
                pre=[["resource", r.name, True]],
            )
            for r in view.group(failover).resources
        ]
        # back to the state it had: a group only partly online before (a resource an admin
        # added by hand and left offline) never reaches ONLINE, and waiting for it stopped
        # the move after its restart
        was = view.group_states.get(failover, {}).get(where[0], "")
        want = "ONLINE" if was.split("|")[0] == "ONLINE" else "UP"
        add("restart", probes + [wait_step("hagrp", failover, where[0], want)])
    add(
        "restart",
        [
            Step(
                "local",
                ["record-version", move.profile, move.target],
                f"the server profile records image version {move.target}",
                pre=[["file", move.profile, True]],
            )
        ],
    )
    if recipients:
        subject = f"vxha: {server}: {kind} to {move.after.image} {move.target} done"
        body = (
            f"Server {server} runs {move.after.image} {move.target} (was {move.current})"
            + (f" on {where[0]}" if where else "")
            + f"; its maintenance ({reason}) is over."
        )
        add(
            "restart",
            [Step("local", ["notify", ",".join(recipients), subject, body], "tells its admin")],
        )
    plan.undo = {
        "kind": "upgrade",
        "server": server,
        "move": kind,
        "image": move.after.image,
        "from": move.current,
        "to": move.target,
        "profile": move.profile,
        "before": on.undo.get("before", {}),
        "frozen": on.undo.get("frozen", {}),
        "dropped": drop_storage,
        "storage": storage,
        "phases": phases,
        "recipients": list(recipients),
    }
    stops = len(plan.stopping())
    plan.summary = (
        f"vxha {kind} {server}: {move.after.image} {move.current} -> {move.target}"
        + (f" on {where[0]}" if where else " (not running)")
        + f" ({len(plan.steps)} steps, {stops} stop a service)"
    )
    if lacking:
        plan.notes.append(
            f"SystemList of {server} without {', '.join(sorted(lacking))} (--restrict-systems)"
        )
    return plan


def _storage_system(view: ClusterView, storage: Optional[str], keep) -> str:
    """Where a server that does not run gets its commands: a system whose storage is up."""
    up = view.up_on(storage) if storage else list(keep)
    for s in keep:
        if s in up:
            return s
    raise OperationError(
        f"the server does not run and its storage group {storage} is up on none of "
        f"{', '.join(keep)}: start it there first (hagrp -online {storage} -sys {keep[0]})"
    )


def rollback_plan(view: ClusterView, undo: dict, start: Config, restarted: bool) -> Plan:
    """Back to the server as it was before the upgrade that stopped: its groups as in
    ``start``, maintenance as before, and, when the upgrade had restarted the container
    (``restarted``), the container restarted on the old image. No lifecycle commands."""
    from vxha.generators.operations import maintenance_undo

    server, kind = undo["server"], undo["move"]
    failover, storage = server_groups(view, server)
    old = [g for g in start.groups if ownership.server_of(g) == server]
    generated = with_groups(view.config, server, old)
    planner = ApplyPlanner(view, generated, command=kind, release={server})
    inner = planner.build()
    plan = Plan(kind, config_path=view.path)
    plan.steps += [st for st in inner.steps if st.session]
    plan.steps += maintenance_undo(view, undo.get("before", {}), undo.get("frozen")).steps
    if restarted:
        plan.steps += [st for st in inner.steps if not st.session]
    for s in undo.get("dropped") or []:
        plan.steps += online_steps("hagrp", storage, s, f"starts {storage} on {s} again")
    where = view.up_on(failover)
    if where:
        # a move stopped in its restart leaves what it took offline (the port forwarding
        # the container's restart needs) offline: the group is brought online again whole
        down = [
            r.name
            for r in view.group(failover).resources
            if where[0] not in view.resource_up_on(r.name)
        ]
        if down:
            why = f"starts {', '.join(down)} again on {where[0]}"
            plan.steps += online_steps("hagrp", failover, where[0], why)
        else:
            plan.steps.append(wait_step("hagrp", failover, where[0], "ONLINE"))
    plan.undo = {"kind": "rollback", "server": server}
    plan.summary = (
        f"roll back vxha {kind} {server}: {undo['image']} {undo['to']} -> {undo['from']}"
        + ("" if restarted else " (the container still runs the old image: not restarted)")
    )
    return plan
