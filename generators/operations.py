"""Maintenance, deletion and inventory of servers on a live cluster, as plans.

Maintenance is owned state (DECISIONS.md 10): per system, the group's Enabled = 0 and a
record of who, when and why in the group's UserStrLocal on that system, plus a persistent
freeze of the group where it runs, which the record marks "frozen by vxha". apply never
changes them; ``maintenance off`` clears only the systems it is told and thaws only what
vxha froze.
"""

from __future__ import annotations

import copy
from typing import Dict, List, Optional, Tuple

from vxha.generators import archive
from vxha.generators.hacli import in_transition, is_up
from vxha.generators.ownership import server_of
from vxha.generators.phases import ApplyPlanner, in_maintenance
from vxha.generators.plan import Plan, Step
from vxha.generators.record import Record
from vxha.generators.view import ClusterView
from vxha.vcs_types import haforms
from vxha.vcs_types.model import Config


class OperationError(Exception):
    """A workflow was refused or stopped; the message says why and what state is left."""


def server_groups(view: ClusterView, server: str) -> Tuple[Optional[str], Optional[str]]:
    """(failover group, storage group) of a server, found by its marker."""
    servers = view.servers()
    groups = servers.get(server)
    if not groups:
        known = ", ".join(sorted(servers)) or "none"
        raise OperationError(f"no server named {server!r} in the cluster (servers: {known})")
    failover = server if server in groups else None
    storage = f"{server}_storage" if f"{server}_storage" in groups else None
    return failover, storage


def unmarked(view: ClusterView, name: str, server: str) -> Optional[str]:
    """The way back for a group named as ``server``'s that carries no marker (removed by
    hand), or None: vxha never takes it for its own (generators/ownership.py)."""
    g = view.config.group(name)
    if g is None or server_of(g) is not None:
        return None
    return (
        f"group {name} exists but carries no vxha marker (removed by hand?): if it is "
        f"server {server}'s, put the marker back (hagrp -modify {name} UserStrGlobal "
        f"vxha:server={server}) and run the command again"
    )


def only_storage(server: str, storage: Optional[str], view=None) -> OperationError:
    """The refusal for a server whose failover group is gone (deleted with --keep-data):
    what is left, and the ways on."""
    hint = unmarked(view, server, server) if view is not None else None
    if hint:
        return OperationError(f"{hint}; nothing was changed")
    return OperationError(
        f"server {server!r} has no failover group named {server!r}, only its storage group "
        f"{storage} (deleted with --keep-data?): bring it back with vxha restore {server} "
        f"then vxha generate and vxha apply, or remove the storage with vxha delete {server} "
        "--now; nothing was changed"
    )


def state_line(group: str, states: dict) -> str:
    """``  <group>  n1=ONLINE  n2=OFFLINE``: one group's state on each system."""
    return f"  {group:<28} " + "  ".join(f"{s}={v}" for s, v in sorted(states.items()))


# -- maintenance --------------------------------------------------------------------------


def maintenance_plan(
    view: ClusterView, server: str, on: bool, system=None, reason="", storage=False
) -> Plan:
    """Freeze (where it runs), disable (on) or enable and thaw (off) a server's groups on
    the systems concerned, with the record; only the systems named (all of the SystemList
    without ``system``)."""
    failover, storage_group = server_groups(view, server)
    if failover is None:
        raise only_storage(server, storage_group, view)
    groups = [failover] + ([storage_group] if storage and storage_group else [])
    if system and system not in view.systems_of(failover):
        raise OperationError(f"system {system!r} is not in the SystemList of group {failover}")
    systems = [system] if system else view.systems_of(failover)
    for g in groups:
        for s, state in view.group_states.get(g, {}).items():
            if s in systems and in_transition(state):
                raise OperationError(
                    f"group {g} is in transition on {s} ({state}): retry when it has settled "
                    f"(hagrp -state {g})"
                )
    record = Record.new(reason)
    plan = Plan("maintenance", config_path=view.path)
    before: Dict[str, Dict[str, list]] = {}
    frozen_before: Dict[str, bool] = {}
    for g in groups:
        here = [s for s in systems if s in view.systems_of(g)]
        for s in here:
            before.setdefault(g, {})[s] = [view.enabled(g, s), view.record(g, s)]
        frozen_before[g] = view.frozen(g)
        if on:
            steps = _on_steps(view, g, here, record)
        else:
            steps = _off_steps(view, g, here, plan.notes)
        if any("UserStrLocal" in st.argv for st in steps) and not view.localized(g, "UserStrLocal"):
            # A value per system needs the attribute localized first (the -modify forms,
            # VCS 5.1 Administrator's Guide, "Defining attributes as local").
            argv = haforms.localize("hagrp", g, "UserStrLocal")
            steps.insert(
                0,
                Step(
                    "command",
                    argv,
                    f"lets {g} keep a record per system",
                    session=True,
                    pre=[["group", g, True]],
                    done=[["noop", argv]],
                ),
            )
        plan.steps += steps
    plan.undo = {"kind": "maintenance", "before": before, "frozen": frozen_before}
    if not on and not storage and storage_group:
        # off acts on what it is given: the storage group put in maintenance with --storage
        # stays there (disabled, and frozen where it runs) until an off with --storage
        left = [s for s in systems if in_maintenance(view, storage_group, s)]
        if left:
            plan.notes.append(
                f"group {storage_group} stays in maintenance on {', '.join(left)}: vxha "
                f"maintenance off {server} --storage ends it"
            )
    word = "on" if on else "off"
    plan.summary = f"vxha maintenance {word} {server} on {', '.join(systems)}"
    if not plan.steps:
        plan.notes.append(f"{server} is already {'in' if on else 'out of'} maintenance there")
    return plan


def _records(view: ClusterView, group: str, systems) -> Dict[str, Record]:
    found = {}
    for s in systems:
        rec = Record.parse(view.record(group, s))
        if rec is not None:
            found[s] = rec
    return found


def _on_steps(view: ClusterView, group: str, systems: List[str], record: Record) -> List[Step]:
    """Freeze the group if it runs on a system put in maintenance (a disabled group is
    still monitored and acted on: docs/operations.md, "Maintenance"), then disable and
    record on each system, the record saying whether vxha froze it."""
    steps = []
    frozen = view.frozen(group)
    freeze = not frozen and any(is_up(view.group_states.get(group, {}).get(s, "")) for s in systems)
    if freeze:
        steps.append(freeze_step(group))
    # Every vxha record of a group vxha froze carries the flag, so whichever maintenance
    # ends last knows to thaw it.
    ours = freeze or (
        frozen and any(r.frozen for r in _records(view, group, view.systems_of(group)).values())
    )
    for s in systems:
        steps += maintenance_steps(
            group, s, True, record.with_frozen(ours), view.enabled(group, s), view.record(group, s)
        )
    return steps


def _off_steps(view: ClusterView, group: str, systems: List[str], notes: List[str]) -> List[Step]:
    """Enable and clear the record on each system; thaw only a freeze a record says vxha
    made, and only once no other system of the group is in maintenance."""
    steps = []
    for s in systems:
        steps += maintenance_steps(
            group, s, False, Record("", ""), view.enabled(group, s), view.record(group, s)
        )
    ending = _records(view, group, systems)
    remaining = [
        s for s in view.systems_of(group) if s not in systems and in_maintenance(view, group, s)
    ]
    ours = any(r.frozen for r in ending.values()) and view.frozen(group)
    if ours and not remaining:
        steps.append(unfreeze_step(group))
    elif ours:
        others = _records(view, group, remaining)
        for s, rec in others.items():
            if not rec.frozen:  # hand the flag on, so the last one out still thaws
                steps.append(record_step(group, s, rec.with_frozen(True)))
        if not others:
            notes.append(
                f"{group} stays frozen: {', '.join(remaining)} still disabled without a vxha "
                f"record; run hagrp -unfreeze {group} -persistent when that maintenance ends"
            )
    elif view.frozen(group):
        notes.append(f"{group} stays frozen: vxha did not freeze it (an admin's freeze is kept)")
    for s in systems:
        if "FAULTED" in view.group_states.get(group, {}).get(s, ""):
            notes.append(
                f"{group} is FAULTED on {s}: a fault seen while frozen is not acted on after "
                f"the thaw; clear it (hagrp -clear {group} -sys {s}) and bring it online"
            )
    return steps


def freeze_step(group: str) -> Step:
    return Step(
        "command",
        haforms.freeze(group, persistent=True),
        f"VCS keeps monitoring {group} but takes no action on it (no clean, no failover)",
        session=True,
        pre=[["group", group, True]],
        done=[["frozen", group, True]],
    )


def unfreeze_step(group: str) -> Step:
    return Step(
        "command",
        haforms.unfreeze(group, persistent=True),
        f"VCS acts on {group} again (vxha froze it for this maintenance)",
        session=True,
        pre=[["group", group, True]],
        done=[["frozen", group, False]],
    )


def record_step(group: str, system: str, record: Record) -> Step:
    argv = haforms.modify("hagrp", group, "UserStrLocal", record.text(), "scalar", system)
    return Step(
        "command",
        argv,
        f"records who, when and why on {system}",
        session=True,
        pre=[["group", group, True]],
        done=[["noop", argv]],
    )


def maintenance_steps(group, system, on, record: Record, enabled: bool, text: str) -> List[Step]:
    """Disable and record (on), or enable and clear the record (off), for one group on one
    system; the freeze is the group's (``_on_steps``, ``_off_steps``)."""
    steps = []
    if on:
        if enabled:
            steps.append(
                Step(
                    "command",
                    haforms.disable(group, system),
                    f"VCS no longer brings {group} online or fails it over to {system}",
                    session=True,
                    pre=[["group", group, True]],
                    done=[["enabled", group, system, False]],
                )
            )
        old = Record.parse(text)
        if old is None or enabled:
            steps.append(record_step(group, system, record))
        elif record.frozen and not old.frozen:
            # Already in maintenance (a record from before the freeze): only the flag is new.
            steps.append(record_step(group, system, old.with_frozen(True)))
        return steps
    # Enabled on every system asked, not only where it reads 0: an engine may show only
    # the group-wide value, and enabling an enabled group changes nothing.
    steps.append(
        Step(
            "command",
            haforms.enable(group, system),
            f"VCS may bring {group} online and fail it over to {system} again",
            session=True,
            pre=[["group", group, True]],
            done=[["enabled", group, system, True]],
        )
    )
    if text:
        # The attribute's empty value (string-scalar, default "": the record is gone).
        argv = haforms.modify("hagrp", group, "UserStrLocal", "", "scalar", system)
        steps.append(
            Step(
                "command",
                argv,
                f"clears the maintenance record on {system}",
                session=True,
                pre=[["group", group, True]],
                done=[["noop", argv]],
            )
        )
    return steps


def maintenance_undo(view: ClusterView, before: dict, frozen: Optional[dict] = None) -> Plan:
    """The steps putting Enabled, the record and the freeze back as they were before the
    plan (a freeze first, a thaw last, so the group is never disabled and unfrozen)."""
    plan = Plan("maintenance", config_path=view.path, summary="undo the maintenance change")
    now: Dict[str, Dict[str, list]] = {}
    now_frozen: Dict[str, bool] = {}
    plan.undo = {"kind": "maintenance", "before": now, "frozen": now_frozen}
    for g, per_sys in before.items():
        if view.config.group(g) is None:
            continue
        steps = []
        for s, (enabled, text) in per_sys.items():
            now_enabled, now_text = view.enabled(g, s), view.record(g, s)
            now.setdefault(g, {})[s] = [now_enabled, now_text]
            if now_enabled != enabled:
                steps.append(
                    Step(
                        "command",
                        (haforms.enable if enabled else haforms.disable)(g, s),
                        f"{'enables' if enabled else 'disables'} {g} on {s} as before",
                        session=True,
                        done=[["enabled", g, s, enabled]],
                    )
                )
            if now_text != text:
                argv = haforms.modify("hagrp", g, "UserStrLocal", text, "scalar", s)
                steps.append(Step("command", argv, f"puts the record of {s} back", session=True))
        was = (frozen or {}).get(g)
        now_frozen[g] = view.frozen(g)
        if was is not None and was != now_frozen[g]:
            if was:
                steps.insert(0, freeze_step(g))
            else:
                steps.append(unfreeze_step(g))
        plan.steps += steps
    return plan


def maintenance_list(view: ClusterView) -> list:
    """(server, group, system, Record or None) for every vxha group in maintenance."""
    found = []
    for server, groups in sorted(view.servers().items()):
        for g in groups:
            for s in view.systems_of(g):
                if in_maintenance(view, g, s):
                    found.append((server, g, s, Record.parse(view.record(g, s))))
    return found


# -- deletion -------------------------------------------------------------------------


def _device_refs(dg: str, vol: str) -> Tuple[str, str]:
    return f"/dev/vx/dsk/{dg}/{vol}", f"/dev/vx/rdsk/{dg}/{vol}"


def _words(value) -> List[str]:
    if isinstance(value, dict):
        return [str(x) for kv in value.items() for x in kv]
    if isinstance(value, list):
        return [str(x) for x in value]
    return [str(value)]


def volume_users(config: Config, dg: str, vol: str, mine) -> List[str]:
    """Resources outside ``mine`` (group names) that use a volume: one naming its block
    device, a CVMVolDg listing it, or a DiskGroup / CVMVolDg importing its disk group."""
    devices = _device_refs(dg, vol)
    users = []
    for g in config.groups:
        if g.name in mine:
            continue
        for r in g.resources:
            values = list(r.attrs.values()) + [v for d in r.local.values() for v in d.values()]
            words = [w for v in values for w in _words(v)]
            if any(any(dev in w for dev in devices) for w in words):
                users.append(f"{g.name}/{r.name}")
            elif r.type in ("CVMVolDg", "DiskGroup") and dg in (
                str(r.attrs.get("CVMDiskGroup", "")),
                str(r.attrs.get("DiskGroup", "")),
            ):
                users.append(f"{g.name}/{r.name} (disk group {dg})")
    return users


def _volumes(config: Config, group: str) -> List[Tuple[str, str]]:
    g = config.group(group)
    found = []
    for r in g.resources if g is not None else []:
        if r.type == "CVMVolDg":
            dg = str(r.attrs.get("CVMDiskGroup", ""))
            for vol in r.attrs.get("CVMVolume") or []:
                found.append((dg, str(vol)))
    return found


def delete_plan(
    view: ClusterView,
    server: str,
    keep_data: bool,
    shred: bool = False,
    profiles: Optional[str] = None,
) -> Plan:
    """Stop and delete a server's groups (its storage too unless ``keep_data``), archive
    its profile, and with ``shred`` remove its volumes once nothing else uses them."""
    failover, storage = server_groups(view, server)
    if failover is None and keep_data:
        raise only_storage(server, storage, view)
    removing = {g for g in (failover, storage) if g and (g == failover or not keep_data)}
    current = view.config
    dependents = sorted(
        (g.name, d.child, server_of(g))
        for g in current.groups
        if g.name not in removing
        for d in g.deps
        if d.child in removing
    )
    if dependents:
        hints = [h for h in (unmarked(view, name, server) for name, _, _ in dependents) if h]
        raise OperationError(
            f"cannot delete {server}: group(s) "
            f"{', '.join(sorted({name for name, _, _ in dependents}))} depend on it; "
            + "; ".join(_dependent_fix(name, child, owner) for name, child, owner in dependents)
            + "".join(f"; {h}" for h in hints)
        )
    _refuse_held(view, server, sorted(removing))
    volumes = _volumes(current, storage) if shred and storage in removing else []
    used = []
    for dg, vol in volumes:
        for user in volume_users(current, dg, vol, removing):
            used.append(f"volume {vol} of disk group {dg} is used by {user}")
    if used:
        raise OperationError("--shred refused, nothing was changed: " + "; ".join(used))
    generated = copy.deepcopy(current)
    generated.groups = [g for g in generated.groups if g.name not in removing]
    planner = ApplyPlanner(view, generated, force=True, command="delete", release={server})
    plan = planner.build()
    for name in [server] + ([] if keep_data else [f"{server}_storage"]):
        hint = unmarked(view, name, server)
        if hint:
            plan.notes.append(f"{hint}; this delete leaves it")
    moves = []
    if profiles is not None:
        src = archive.find_profile(profiles, server)
        if src is None:
            plan.notes.append(f"no profile of {server} in {profiles}: nothing to archive")
        elif not keep_data or failover:
            dst = archive.archive_path(profiles, src)
            moves.append([src, dst])
            plan.steps.append(
                Step(
                    "local",
                    ["move", src, dst],
                    f"archives {server}'s profile (vxha restore {server} brings it back)",
                    pre=[["file", src, True]],
                    done=[["file", dst, True], ["file", src, False]],
                )
            )
    for dg, vol in volumes:
        plan.steps.append(
            Step(
                "local",
                ["run", "vxassist", "-g", dg, "remove", "volume", vol],
                f"destroys volume {vol} of disk group {dg} and its data",
                stops=True,
            )
        )
    online = {g: view.up_on(g) for g in removing if view.up_on(g)}
    resources = {
        r.name: view.resource_up_on(r.name)
        for g in removing
        for r in current.group(g).resources
        if view.resource_up_on(r.name)
    }
    plan.undo = {"kind": "config", "online": online, "resources": resources, "moves": moves}
    if keep_data and storage:
        plan.summary += f"; storage group {storage} kept"
    return plan


def _dependent_fix(group: str, child: str, owner) -> str:
    """What lifts one dependency that stops a delete: a vxha server's group is changed by
    its own profile; an admin's group by the command that unlinks it (as apply says)."""
    if owner is not None:
        return (
            f"group {group} (server {owner}) requires group {child}: delete server {owner} "
            f"first or remove the dependency from its profile"
        )
    return (
        f"group {group} (not vxha's) requires group {child}: unlink it first "
        f"(hagrp -unlink {group} {child})"
    )


def _refuse_held(view: ClusterView, server: str, groups: List[str]) -> None:
    """Refuse, before anything changes, a group delete would have to stop that VCS will not
    stop: online and frozen, or online and disabled for the whole cluster."""
    for g in groups:
        up = view.up_on(g)
        if not up:
            continue
        if view.frozen(g):
            held = "frozen"
            if any(in_maintenance(view, g, s) for s in view.systems_of(g)):
                # the storage group's maintenance ends only with --storage
                more = " --storage" if g != server else ""
                fix = f"run vxha maintenance off {server}{more} first"
            else:
                fix = f"an admin froze it: {view.thaw(g)} ends the freeze"
        elif not view.enabled(g, "global"):
            held, fix = "disabled", f"hagrp -enable {g} first, in a configuration session"
        else:
            continue
        raise OperationError(
            f"cannot delete {server}, nothing was changed: group {g} is online on "
            f"{', '.join(up)} and {held}, and VCS refuses to take a {held} group offline; {fix}"
        )


# -- inventory ------------------------------------------------------------------------


def inventory(view: ClusterView, profiles: Optional[str] = None) -> dict:
    """Servers with their groups and states, storage whose server is gone, and archived
    profiles."""
    report = {"servers": [], "orphan_storage": [], "archived": []}
    for server, groups in sorted(view.servers().items()):
        entry = {"server": server, "groups": {}}
        for g in sorted(groups):
            entry["groups"][g] = view.group_states.get(g, {})
        report["servers"].append(entry)
        if server not in groups:
            for g in groups:
                report["orphan_storage"].append(
                    {"group": g, "server": server, "delete": f"vxha delete {server} --now"}
                )
    if report["orphan_storage"]:
        owner = _resource_groups(view)
        for entry in report["orphan_storage"]:
            entry["resources"] = sorted(r for r, g in owner.items() if g == entry["group"])
    if profiles:
        report["archived"] = archive.archived(profiles)
    return report


def _resource_groups(view: ClusterView) -> Dict[str, str]:
    """resource -> group: from the configuration read, else one ``hares -display``."""
    found = {r.name: g.name for g in view.config.groups for r in g.resources}
    if found or view.client is None:
        return found
    from vxha.generators.hacli import parse_table

    out = view.client.run("hares", "-display", "-attribute", "Group")
    return {name: value for name, attr, _s, value in parse_table(out) if attr == "Group"}


def maintenance(
    client, server, on, system=None, reason="", storage=False, out=print, config=None, state=None
) -> None:
    """Put a server into (or out of) maintenance in one call: read, plan, run. For
    programs (the demo); the vxha command shows and journals the same plan."""
    from vxha.generators.plan import Journal, Runner
    from vxha.generators.view import ADMIN_ATTRS, read_view

    if isinstance(config, Config):  # a model in memory (the demo's simulator holds one)
        view = ClusterView(config, "", client)
        view.group_states, view.admin = client.group_display(ADMIN_ATTRS)
    else:
        view = read_view(client, config, admin=True)
    plan = maintenance_plan(view, server, on, system, reason, storage)
    out(plan.summary)
    for note in plan.notes:
        out(f"note: {note}")
    Runner(client, Journal(state), out=lambda *_: None).run(plan)
