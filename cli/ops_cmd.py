"""vxha apply | maintenance | delete | restore | inventory | cluster: changing a live
cluster through plans (generators/plan.py), reading it in bulk (generators/view.py)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from vxha.generators import plan as plan_mod
from vxha.generators.hacli import HaClient, HaError


def _err(text: str) -> int:
    print(f"vxha: {text}", file=sys.stderr)
    return 1


def _config_arg(p) -> None:
    p.add_argument(
        "--config-dir",
        help="the VCS configuration directory holding main.cf (default: $VXHA_CONFIG_DIR, "
        "else $VCS_CONF/conf/config)",
    )


def _plan_args(p) -> None:
    p.add_argument("--yes", action="store_true", help="do not ask before stopping services")
    p.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    p.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")
    p.add_argument(
        "--join",
        action="store_true",
        help="if someone has the configuration open, work inside their session (and never "
        "save it) instead of refusing",
    )
    p.add_argument("--resume", action="store_true", help="finish the plan that stopped halfway")
    p.add_argument("--undo", action="store_true", help="go back to before the last plan")
    _config_arg(p)


def _run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise OSError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stdout}{proc.stderr}")


def _notify(recipients: str, subject: str, body: str) -> None:
    """Tell a server's admin; a message that cannot be sent is reported, never fatal."""
    from vxha.agents.notify import NotifyError, send

    try:
        where = send(recipients.split(","), subject, body.rstrip("\n") + "\n")
    except NotifyError as exc:
        print(f"note: could not tell {recipients}: {exc}", file=sys.stderr)
        return
    print(f"told {recipients} ({where})")


def _record_version(path: str, version: str) -> None:
    from vxha.profiles.moves import MoveError, record_version

    try:
        record_version(path, version)
    except MoveError as exc:
        raise OSError(str(exc)) from None


def _local_actions():
    from vxha.generators import archive

    return {
        "move": archive.move,
        "run": lambda *argv: _run(list(argv)),
        "record-version": _record_version,
        "notify": _notify,
    }


def _execute(plan, args, client, start_text=None) -> int:
    """Show the plan; unless --dry-run, confirm, journal and run it."""
    from vxha.generators import plan as P

    if args.dry_run:
        if getattr(args, "json", False):
            print(json.dumps(plan.to_json(), indent=1))
        else:
            P.show(plan, join=args.join)
        return 0
    if not plan.steps:
        P.show(plan)
        return 0
    if plan.stopping() or any(s.confirm for s in plan.steps):
        P.show(plan, join=args.join)
    else:
        print(plan.summary)
        for note in plan.notes:
            print(f"note: {note}")
    P.confirm(plan, args.yes)
    journal = P.Journal()
    if start_text is not None:
        plan.undo["start"] = journal.save_text("start.cf", start_text)
    P.Runner(client, journal, join=args.join, local_actions=_local_actions()).run(plan)
    print(f"done: {len(plan.steps)} step(s)")
    return 0


def _read(client, args, **need):
    from vxha.generators.view import read_view

    return read_view(client, args.config_dir, **need)


def _refuse_editing(view, args, killed: str = "") -> None:
    """``killed``: the command whose journal says it was still running (it was killed,
    SIGKILL or a crash, and never closed the session it opened)."""
    from vxha.generators.plan import PlanRefused

    if view.editing and not args.join and not args.dry_run:
        mine = (
            f"; the last plan (vxha {killed}) never recorded its end: if it was killed, the "
            "open session may be its own, with what it ran: save it (haconf -dump -makero) "
            "and run this again"
            if killed
            else ""
        )
        raise PlanRefused(
            f"the configuration is open for writing ({os.path.dirname(view.path)}/.stale): "
            "someone is editing it; let them finish (haconf -dump -makero) or pass --join"
            f"{mine}; nothing was changed"
        )


def _resume(args, client, command) -> int:
    from vxha.generators import plan as P

    journal = P.Journal()
    data = journal.load()
    if not data or data.get("state") not in ("stopped", "running"):
        return _err("there is no plan to resume: the last one finished (or none was run)")
    plan = P.Plan.from_json(data["plan"])
    if plan.command != command:
        return _err(f"the plan that stopped is a 'vxha {plan.command}': run that with --resume")
    status = data["status"]
    P.retry_moves(plan, status)
    P.refuse_if_running(journal, data)
    view = _read(client, argparse.Namespace(config_dir=plan.config_path), admin=True)
    _refuse_editing(view, args, plan.command if data.get("state") == "running" else "")
    left = [i for i, s in enumerate(status) if s != "done"]
    if not left:
        data["state"] = "done"
        journal.save(data)
        print("every step of the last plan ran: nothing to resume")
        return 0
    start = left[0]
    print(f"resuming vxha {plan.command} at step {start + 1} of {len(plan.steps)}")
    P.show(plan, start=start, join=args.join)
    if args.dry_run:
        return 0
    P.confirm(plan, args.yes, start=start)
    snapshot = P.Snapshot(view.config, view.group_states, view.resource_states, view.enabled)
    runner = P.Runner(client, journal, join=args.join, local_actions=_local_actions())
    runner.run(plan, status, snapshot)
    print("done")
    return 0


def _undo(args, client, command) -> int:
    from vxha.generators import plan as P
    from vxha.generators.operations import maintenance_undo
    from vxha.generators.ownership import adopted
    from vxha.generators.phases import ApplyPlanner

    journal = P.Journal()
    data = journal.load()
    if not data or data.get("state") == "refused":
        return _err("there is no plan to undo")
    last = P.Plan.from_json(data["plan"])
    if last.command != command:
        return _err(f"the last plan is a 'vxha {last.command}': run that with --undo")
    done = [s for s, st in zip(last.steps, data["status"]) if st == "done"]
    if any(s.kind == "local" and s.argv[0] == "run" for s in done):
        return _err("the last plan destroyed volumes (--shred): it cannot be undone")
    P.refuse_if_running(journal, data)
    view = _read(client, argparse.Namespace(config_dir=last.config_path), admin=True)
    _refuse_editing(view, args, last.command if data.get("state") == "running" else "")
    adopted(view.config, [s.argv[2] for s in done if s.argv[:2] == ["hagrp", "-add"]])
    undo = last.undo
    if undo.get("kind") == "maintenance":
        plan = maintenance_undo(view, undo["before"], undo.get("frozen"))
        return _execute(plan, args, client)
    start = P.start_config(undo["start"], view.path)
    _drop_empty_records(start, view.config)
    plan = ApplyPlanner(
        view,
        start,
        # back to the saved configuration, not to a profile directory that may have lost
        # its files: removing what the stopped plan added is never a mass removal
        force=True,
        want_online=undo.get("online") or {},
        command=command,
        want_resources=undo.get("resources") or {},
    ).build()
    # only the profiles the stopped plan did move are moved back (a delete stopped before
    # its archiving step left the profile where it was; found by the randomized campaign)
    moved = {tuple(s.argv[1:]) for s in done if s.kind == "local" and s.argv[0] == "move"}
    moves = [m for m in undo.get("moves") or [] if tuple(m) in moved]
    for src, dst in reversed(moves):
        plan.steps.append(
            P.Step(
                "local",
                ["move", dst, src],
                f"puts the profile back at {src}",
                pre=[["file", dst, True]],
                done=[["file", src, True]],
            )
        )
    plan.undo = _undo_data(view, plan, [m[::-1] for m in moves])
    plan.summary = f"undo the last vxha {command}: " + plan.summary.split(": ", 1)[-1]
    with open(view.path, encoding="utf-8") as f:
        return _execute(plan, args, client, f.read())


def _drop_empty_records(start, live) -> None:
    """A group the undo adds back comes without its maintenance records when every one is
    empty: `vxha maintenance off` leaves UserStrLocal localized and empty on each system,
    which reads as no record anywhere (docs/operations.md, vxha maintenance), and setting
    it again would change admin state, which the ownership rule refuses (a delete of a
    server once in maintenance, or upgraded, could not be undone)."""
    for g in start.groups:
        if live.group(g.name) is not None:
            continue
        values = list((g.local.get("UserStrLocal") or {}).values())
        if "UserStrLocal" in g.attrs:
            values.append(g.attrs["UserStrLocal"])
        if values and all(v in ("", None) for v in values):
            g.attrs.pop("UserStrLocal", None)
            g.local.pop("UserStrLocal", None)


def _undo_data(view, plan, moves=()) -> dict:
    """What --undo needs besides the configuration: where vxha's groups were up, and its
    resources when the plan stops some (a plan that stops nothing leaves them up), and
    the profiles moved."""
    online, resources = {}, {}
    for groups in view.servers().values():
        for g in groups:
            if view.up_on(g):
                online[g] = view.up_on(g)
                if not plan.stopping():
                    continue
                for r in view.group(g).resources:
                    if view.resource_up_on(r.name):
                        resources[r.name] = view.resource_up_on(r.name)
    return {"kind": "config", "online": online, "resources": resources, "moves": list(moves)}


def _new_plan_allowed(args) -> None:
    from vxha.generators import plan as P

    if not args.dry_run:
        P.refuse_if_unfinished(P.Journal(), getattr(args, "force", False))


# -- apply ----------------------------------------------------------------------------------


def cmd_apply(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha apply",
        description="Bring the running cluster to a generated main.cf, changing only vxha's "
        "own groups: a plan that stops what must stop (asking first), changes the "
        "configuration, and starts again what was stopped; --resume finishes a plan that "
        "stopped halfway, --undo goes back.",
    )
    p.add_argument("main_cf", nargs="?", help="the new configuration (from vxha generate)")
    p.add_argument("--current", help="the cluster's main.cf (default: from --config-dir)")
    p.add_argument(
        "--force",
        action="store_true",
        help="allow a plan removing every server or more than --max-removals; start anew "
        "though the last plan stopped halfway",
    )
    p.add_argument("--max-removals", type=int, default=3, help="servers one plan may remove")
    p.add_argument(
        "--allow-include-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also read the new main.cf's includes from DIR (by default only from its own "
        "directory)",
    )
    _plan_args(p)
    args = p.parse_args(argv)
    if args.current:
        args.config_dir = args.current
    client = HaClient()
    if args.resume:
        return _resume(args, client, "apply")
    if args.undo:
        return _undo(args, client, "apply")
    if not args.main_cf:
        p.error("the new main.cf is needed (or --resume / --undo)")
    from vxha.generators.phases import ApplyPlanner
    from vxha.generators.view import parse_config
    from vxha.vcs_types.cf import CfError

    try:
        new = parse_config(args.main_cf, args.allow_include_dir)
    except CfError as exc:
        return _err(str(exc))
    except OSError as exc:  # the file named, as every other command names it
        return _err(f"{exc.filename or args.main_cf}: {exc.strerror or exc}")
    _new_plan_allowed(args)
    view = _read(client, args, admin=True)
    _refuse_editing(view, args)
    plan = ApplyPlanner(view, new, force=args.force, max_removals=args.max_removals).build()
    if not plan.steps and not (args.dry_run and args.json):
        print(f"the cluster already matches {args.main_cf}")
        for note in plan.notes:
            print(f"note: {note}")
        return 0
    plan.undo = _undo_data(view, plan)
    start_text = plan_mod.start_text(view.path, view.config)
    return _execute(plan, args, client, start_text)


# -- maintenance ----------------------------------------------------------------------------


def cmd_maintenance(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha maintenance",
        description="on: disable a server's failover group (no online, no failover there), "
        "freeze it where it runs (VCS keeps monitoring but takes no action) and record who, "
        "when and why; off: enable it again and thaw what vxha froze; list: who is in "
        "maintenance, since when, why, on which systems.",
    )
    p.add_argument("action", nargs="?", choices=["on", "off", "list"])
    p.add_argument("server", nargs="?", help="server name (its failover group)")
    p.add_argument("--sys", dest="system", help="only on this system")
    p.add_argument("--reason", default="", help="why (kept in the record)")
    p.add_argument("--storage", action="store_true", help="also the server's storage group")
    _plan_args(p)
    args = p.parse_args(argv)
    client = HaClient()
    if args.resume:
        return _resume(args, client, "maintenance")
    if args.undo:
        return _undo(args, client, "maintenance")
    if args.action is None:
        p.error("on, off or list is needed (or --resume / --undo)")
    from vxha.generators.operations import maintenance_list, maintenance_plan
    from vxha.generators.view import read_groups

    if args.action == "list":
        view = read_groups(client)
        rows = maintenance_list(view)
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "server": s,
                            "group": g,
                            "system": sy,
                            "who": r.who if r else "",
                            "when": r.when if r else "",
                            "why": r.why if r else "",
                            "frozen_by_vxha": bool(r and r.frozen),
                        }
                        for s, g, sy, r in rows
                    ],
                    indent=1,
                )
            )
            return 0
        if not rows:
            print("no server is in maintenance")
        for server, group, system, rec in rows:
            who = rec.describe() if rec else "disabled without a vxha record"
            print(f"{server:<20} {group:<28} {system:<12} {who}")
        return 0
    if not args.server:
        p.error("a server name is needed")
    _new_plan_allowed(args)
    view = read_groups(client)
    plan = maintenance_plan(
        view, args.server, args.action == "on", args.system, args.reason, args.storage
    )
    _tell_maintenance(plan, view, args)
    return _execute(plan, args, client)


def _tell_maintenance(plan, view, args) -> None:
    """A last step telling the server's admin (its marker's recipients): VCS runs no
    trigger when a group is disabled or enabled."""
    from vxha.generators.plan import Step
    from vxha.vcs_types.triggers import recipients

    group = view.group(args.server)
    who = recipients(group.attrs.get("UserStrGlobal", "")) if group is not None else []
    if not who or not plan.steps:
        return
    on = args.action == "on"
    # `off` tells only where maintenance ends: it enables every system asked, enabled or
    # not, so a second `off` (or one for a system never in maintenance) tells nobody.
    systems = sorted(
        {
            st.argv[-1]
            for st in plan.steps
            if "-sys" in st.argv
            and (
                on
                or (st.argv[1] == "-enable" and not view.enabled(st.argv[2], st.argv[-1]))
                or "UserStrLocal" in st.argv
            )
        }
    )
    if not systems and not on:
        return
    where = ", ".join(systems)
    # What each state means (docs/operations.md, "Disabling is not enough: the freeze"):
    # disabled, VCS neither brings the group online nor fails it over there; frozen, it
    # still monitors it but takes no action on it.
    froze = any(st.argv[:2] == ["hagrp", "-freeze"] for st in plan.steps)
    thawed = any(st.argv[:2] == ["hagrp", "-unfreeze"] for st in plan.steps)
    if on:
        subject = f"vxha: {args.server}: in maintenance on {where}"
        body = (
            f"Server {args.server} is in maintenance on {where}"
            + (f" ({args.reason})" if args.reason else "")
            + ": VCS does not bring it online or fail it over there"
            + ("; it is frozen: VCS still monitors it but takes no action" if froze else "")
            + " until vxha maintenance off."
        )
    else:
        subject = f"vxha: {args.server}: maintenance over on {where}"
        body = (
            f"Server {args.server} is out of maintenance on {where}: VCS may bring it online "
            "and fail it over there again"
            + ("; it is thawed: VCS acts on its faults again." if thawed else ".")
        )
    plan.steps.append(Step("local", ["notify", ",".join(who), subject, body], "tells its admin"))


# -- delete / restore -----------------------------------------------------------------------


def cmd_delete(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha delete",
        description="Delete a server: stop it (asking first), delete its container group, "
        "and with --now its storage group too, and archive its profile (vxha restore brings "
        "it back). Data stays on the volumes unless --shred, which removes them.",
    )
    p.add_argument("server", nargs="?")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--keep-data", action="store_true", help="keep the storage group")
    mode.add_argument("--now", action="store_true", help="also remove the storage group")
    p.add_argument(
        "--shred",
        action="store_true",
        help="with --now: also remove the server's volumes and the data on them",
    )
    p.add_argument("--profiles", help="the server profiles directory (default: $VXHA_PROFILES)")
    p.add_argument("--no-archive", action="store_true", help="leave the profile where it is")
    p.add_argument("--force", action="store_true", help="start anew though a plan stopped")
    _plan_args(p)
    args = p.parse_args(argv)
    client = HaClient()
    if args.resume:
        return _resume(args, client, "delete")
    if args.undo:
        return _undo(args, client, "delete")
    if not args.server or not (args.keep_data or args.now):
        p.error("a server and one of --keep-data / --now are needed (or --resume / --undo)")
    if args.shred and not args.now:
        p.error("--shred needs --now (the storage group goes first)")
    profiles = None if args.no_archive else (args.profiles or os.environ.get("VXHA_PROFILES"))
    if not args.no_archive and not profiles:
        p.error(
            "name the server profiles directory (--profiles DIR or VXHA_PROFILES) so that the "
            "profile is archived and the next apply does not bring the server back, or pass "
            "--no-archive"
        )
    from vxha.generators.operations import delete_plan

    _new_plan_allowed(args)
    view = _read(client, args, admin=True)
    _refuse_editing(view, args)
    plan = delete_plan(
        view, args.server, keep_data=args.keep_data, shred=args.shred, profiles=profiles
    )
    if args.shred and not args.dry_run and not args.yes:
        if not sys.stdin.isatty():
            return _err("--shred destroys data: confirm at a terminal, or pass --yes")
        try:
            typed = input(
                f"--shred destroys the data of {args.server}. Type the server name to confirm: "
            ).strip()
        except (EOFError, KeyboardInterrupt):
            typed = ""
        if typed != args.server:
            return _err("confirmation did not match: nothing was changed")
        args.yes = True
    start_text = plan_mod.start_text(view.path, view.config)
    return _execute(plan, args, client, start_text)


def cmd_restore(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha restore",
        description="Put a deleted server's archived profile back (the newest), so that "
        "vxha generate and vxha apply bring the server back.",
    )
    p.add_argument("server")
    p.add_argument("--profiles", help="the server profiles directory (default: $VXHA_PROFILES)")
    args = p.parse_args(argv)
    profiles = args.profiles or os.environ.get("VXHA_PROFILES")
    if not profiles:
        p.error("name the server profiles directory (--profiles DIR or VXHA_PROFILES)")
    from vxha.generators.archive import ArchiveError, restore

    try:
        path = restore(profiles, args.server)
    except (ArchiveError, OSError) as exc:
        return _err(str(exc))
    print(f"restored {path}: vxha generate and vxha apply bring {args.server} back")
    return 0


# -- inventory ------------------------------------------------------------------------------


def cmd_inventory(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha inventory",
        description="Servers, their groups and states; storage left without a server; "
        "archived server profiles.",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--profiles", help="the server profiles directory (default: $VXHA_PROFILES)")
    args = p.parse_args(argv)
    from vxha.generators.operations import inventory, state_line
    from vxha.generators.view import read_groups

    view = read_groups(HaClient())
    report = inventory(view, args.profiles or os.environ.get("VXHA_PROFILES"))
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    if not report["servers"]:
        others = len(view.group_states)
        print(f"no vxha server in the cluster ({others} group(s) that are not vxha's)")
    for entry in report["servers"]:
        print(entry["server"])
        for group, states in entry["groups"].items():
            print(state_line(group, states))
    if report["orphan_storage"]:
        print("\nstorage without a server:")
        for o in report["orphan_storage"]:
            print(f"  {o['group']:<28} delete with: {o['delete']}")
    if report["archived"]:
        print("\narchived profiles:")
        for a in report["archived"]:
            print(f"  {a['server']:<20} archived {a['archived']}  restore with: {a['restore']}")
    return 0


# -- cluster add-types ------------------------------------------------------------------------


def cmd_cluster(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha cluster",
        description="add-types: register vxha's resource types on the running cluster, or "
        "bring the ones an older vxha registered up to date (hatype -add, haattr -add, "
        "hatype -modify inside a configuration session); Veritas's CFSMount is left alone, "
        "and a type of one of vxha's names that is not vxha's stops the run before any change.",
    )
    p.add_argument("task", choices=["add-types"])
    p.add_argument("--types", help="comma-separated types (default: vxha's four)")
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    p.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--join", action="store_true", help="work inside someone's open session (never saved)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish a run that stopped (the same as running it again: it does what is left)",
    )
    _config_arg(p)
    args = p.parse_args(argv)
    from vxha.agents.cluster_types import plan_type, resolve_types, static_names
    from vxha.generators.plan import Plan, PlanStopped, Step

    types = [t for t in (args.types or "").split(",") if t] or None
    try:
        decls = resolve_types(types)
    except KeyError as exc:
        return _err(f"--types: no vxha type {exc}")
    client = HaClient()
    existing = {line.split()[0] for line in client.run("hatype", "-list").splitlines() if line}
    have = [d.name for d in decls if d.name in existing]
    saved, engine = {}, {}
    if have:
        # the declarations as saved (main.cf and its includes); ArgList and the static
        # values as the engine runs them (one hatype -display)
        saved = _read(client, args).config.types
        statics = {s: 1 for d in decls if d.name in have for s in static_names(d)}
        shown = client.display("hatype", ["ArgList", *statics], names=have)
        engine = {t: {a: v["global"] for a, v in attrs.items()} for t, attrs in shown.items()}
    plans = []
    for d in decls:
        live = saved.get(d.name) if d.name in existing else None
        if d.name in existing and live is None:
            return _err(
                f"type {d.name}: the cluster has it but the saved configuration does not "
                "declare it (someone is changing it?): save it (haconf -dump -makero) and run "
                "again; nothing was changed"
            )
        plans.append(plan_type(d, live, engine.get(d.name)))
    errors = [t.error for t in plans if t.error]
    if errors:
        return _err("\n".join(errors) + "\nnothing was changed")
    notes = [n for t in plans for n in t.notes]
    commands = [c for t in plans for c in t.commands]
    if args.dry_run:
        for note in notes:
            print(f"note: {note}")
        if commands:
            # as the runner does it: with --join, the open session is used and never saved
            joined = "   (joined: the open configuration is used)" if args.join else ""
            print("haconf -makerw" + joined)
            print("\n".join(" ".join(c) for c in commands))
            print("haconf -dump -makero" + ("   (not run: joined)" if args.join else ""))
        else:
            print("nothing to do")
        return 0
    plan = Plan("cluster add-types", summary="vxha cluster add-types", notes=notes)
    plan.steps = [Step("command", c, "", session=True) for c in commands]
    try:
        _execute(plan, args, client)
    except PlanStopped as exc:
        from vxha.generators.plan import NO_UNDO

        # the plan is made anew from the cluster each run: running it again finishes it
        told = str(exc).rsplit("\n", 1)[0]
        raise PlanStopped(
            f"{told}\nto finish it: run vxha cluster add-types again (or with --resume: the "
            f"same); there is no --undo: {NO_UNDO['cluster add-types']}"
        ) from None
    return 0


COMMANDS = {
    "apply": cmd_apply,
    "maintenance": cmd_maintenance,
    "delete": cmd_delete,
    "restore": cmd_restore,
    "inventory": cmd_inventory,
    "cluster": cmd_cluster,
}


def main(argv: list[str]) -> int:
    from vxha.generators.archive import ArchiveError
    from vxha.generators.operations import OperationError
    from vxha.generators.ownership import OwnershipError
    from vxha.generators.plan import PlanRefused, PlanStopped
    from vxha.generators.view import ViewError

    handler = COMMANDS.get(argv[0])
    if handler is None:
        return _err(f"{argv[0]} is not available yet")
    try:
        return handler(argv[1:])
    except (
        OperationError,
        HaError,
        TimeoutError,
        PlanRefused,
        PlanStopped,
        ViewError,
        OwnershipError,
        ArchiveError,
    ) as exc:
        return _err(str(exc))
