"""vxha upgrade | downgrade SERVER --to VERSION: move a server to another version of its
image through the plan runner (generators/upgrade.py), and say exactly where it stands when
a step fails (docs/operations.md, "Upgrades and downgrades")."""

from __future__ import annotations

import argparse
import os
import sys

from vxha.cli import ops_cmd
from vxha.generators import plan as plan_mod
from vxha.generators.hacli import HaClient


def parser(kind: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"vxha {kind}",
        description=f"Move a server to another version of its image ({kind}): check the "
        "move is allowed and every system can host the version, put the server into "
        "maintenance, run the pre-command in a one-off container, switch the image, end "
        "maintenance, restart the container, run the post-command in it, probe, and record "
        "the version in the server profile. A failing step stops and says how to go on "
        f"(vxha {kind} --resume) or back (vxha {kind} --undo).",
    )
    p.add_argument("server", nargs="?")
    p.add_argument("--to", metavar="VERSION", help="the image version to move to")
    p.add_argument("--profiles", help="the server profiles directory (default: $VXHA_PROFILES)")
    p.add_argument(
        "--cluster",
        help="the cluster description (default: $VXHA_CLUSTER, else cluster.yaml beside the "
        "profiles directory)",
    )
    p.add_argument("--images", help="the image profiles (default: images/ beside the profiles)")
    p.add_argument(
        "--restrict-systems",
        action="store_true",
        help="leave the systems that cannot host the version out of the server's SystemList",
    )
    p.add_argument(
        "--command-timeout",
        type=int,
        default=30,
        metavar="SECONDS",
        help="how long a pre- or post-command may run (VCS ends an action after its "
        "ActionTimeout, 30 s, at most MonitorInterval / 2)",
    )
    p.add_argument("--force", action="store_true", help="start anew though a plan stopped")
    ops_cmd._plan_args(p)
    return p


def _paths(args, p):
    profiles = args.profiles or os.environ.get("VXHA_PROFILES")
    if not profiles:
        p.error("name the server profiles directory (--profiles DIR or VXHA_PROFILES)")
    base = os.path.dirname(os.path.abspath(profiles))
    cluster = args.cluster or os.environ.get("VXHA_CLUSTER") or os.path.join(base, "cluster.yaml")
    images = args.images or os.path.join(base, "images")
    return profiles, cluster, images


def main(argv) -> int:
    kind, rest = argv[0], argv[1:]
    p = parser(kind)
    args = p.parse_args(rest)
    client = HaClient()
    try:
        if args.resume:
            _refuse_resuming_put_back(kind)
            return _guarded(args, client, kind, lambda: ops_cmd._resume(args, client, kind))
        if args.undo:
            return rollback(args, client, kind)
        if not args.server or not args.to:
            p.error("a server and --to VERSION are needed (or --resume / --undo)")
        if args.command_timeout < 1:
            p.error("--command-timeout must be at least 1 second")
        return move(args, client, kind, p)
    except Exception as exc:  # noqa: BLE001 - mapped below, or re-raised
        return _fail(exc)


def _refuse_resuming_put_back(kind) -> None:
    """A move put back when it stopped before its switch has nothing to finish: it is run
    again, as its own message said."""
    from vxha.generators import plan as P
    from vxha.generators.operations import OperationError

    data = P.Journal().load() or {}
    undo = (data.get("plan") or {}).get("undo") or {}
    if data.get("state") == "undone" and undo.get("kind") == "upgrade":
        raise OperationError(
            f"the last vxha {kind} stopped before its switch and was put back as it was: "
            f"nothing to resume; run vxha {kind} {undo['server']} --to {undo['to']} again"
        )


def _fail(exc) -> int:
    from vxha.generators.archive import ArchiveError
    from vxha.generators.hacli import HaError
    from vxha.generators.operations import OperationError
    from vxha.generators.ownership import OwnershipError
    from vxha.generators.plan import PlanRefused, PlanStopped
    from vxha.generators.view import ViewError
    from vxha.profiles import ProfileError
    from vxha.profiles.moves import MoveError

    known = (OperationError, HaError, TimeoutError, PlanRefused, PlanStopped, ViewError,
             OwnershipError, ArchiveError, MoveError, ProfileError, OSError)  # fmt: skip
    if isinstance(exc, known):
        print(f"vxha: {exc}", file=sys.stderr)
        return 1
    raise exc


def move(args, client, kind, p) -> int:
    from vxha.generators.archive import find_profile
    from vxha.generators.upgrade import upgrade_plan
    from vxha.generators.view import read_view
    from vxha.profiles import load_cluster
    from vxha.profiles.moves import MoveError, plan_move

    profiles, cluster_path, images = _paths(args, p)
    path = find_profile(profiles, args.server)
    if path is None:
        raise MoveError(f"no server profile of {args.server} in {profiles}")
    ops_cmd._new_plan_allowed(args)
    view = read_view(client, args.config_dir, admin=True)
    ops_cmd._refuse_editing(view, args)
    cluster = load_cluster(cluster_path)
    found = plan_move(kind, path, args.to, images, cluster)
    email = found.after.admin_email
    plan = upgrade_plan(
        view, found, cluster, args.restrict_systems, args.command_timeout, [email] if email else []
    )
    start_text = plan_mod.start_text(view.path, view.config)
    return _guarded(args, client, kind, lambda: ops_cmd._execute(plan, args, client, start_text))


def _guarded(args, client, kind, run) -> int:
    """Run the plan; when it stops, leave the server where the phase says and tell."""
    from vxha.generators import plan as P

    try:
        code = run()
    except P.PlanStopped as exc:
        report = str(exc)
        if _stopped_before_switch(P.Journal().load() or {}):
            # put back below: the plan's "--resume / --undo" would offer what is not there
            report = "\n".join(x for x in report.splitlines() if not x.startswith("to finish it:"))
        print(f"vxha: {report}", file=sys.stderr)
        after_failure(args, client, kind, str(exc).splitlines()[0])
        return 1
    where = "" if args.dry_run else state(client, args, kind)
    if where:
        print(where)
    return code


def _stopped_before_switch(data) -> bool:
    """The move of the journal ``data`` stopped before its switch or restart: after_failure
    puts it back whole, so nothing is left to resume or undo."""
    undo = (data.get("plan") or {}).get("undo") or {}
    if undo.get("kind") != "upgrade":
        return False
    done = {i for i, s in enumerate(data.get("status") or []) if s == "done"}
    return not done & set(undo["phases"]["switch"] + undo["phases"]["restart"])


def after_failure(args, client, kind, why: str) -> None:
    """The plan stopped: a failure before the switch puts maintenance back as it was
    (nothing changed); a failure after it leaves the server in maintenance, where
    ``--resume`` ends it again."""
    from vxha.generators import plan as P
    from vxha.generators.operations import OperationError, maintenance_plan, maintenance_undo
    from vxha.generators.view import read_view

    journal = P.Journal()
    data = journal.load() or {}
    plan = P.Plan.from_json(data["plan"])
    undo = plan.undo
    if undo.get("kind") != "upgrade":
        print(state(client, args, kind, undo.get("server")), file=sys.stderr)
        return
    status, phases = data["status"], undo["phases"]
    done = {i for i, s in enumerate(status) if s == "done"}
    server = undo["server"]
    view = read_view(client, plan.config_path, admin=True)
    # in the admin's session when the move joined it (found by the ops campaign: refused by
    # it, the put-back left the server frozen and half in maintenance)
    quiet = P.Runner(client, P.Journal(os.path.join(journal.directory, "compensation")),
                     out=lambda *_: None, local_actions=ops_cmd._local_actions(),
                     join=bool(getattr(args, "join", False)))  # fmt: skip
    if _stopped_before_switch(data):
        comp = maintenance_undo(view, undo.get("before", {}), undo.get("frozen"))
        for s in undo.get("dropped") or []:
            comp.steps.append(
                P.Step(
                    "command",
                    ["hagrp", "-online", undo["storage"], "-sys", s],
                    f"starts {undo['storage']} on {s} again",
                )  # fmt: skip
            )
        try:
            quiet.run(comp)
        except P.PlanStopped as exc:
            print(f"vxha: putting {server}'s maintenance back stopped too: {exc}", file=sys.stderr)
            print(state(client, args, kind, server), file=sys.stderr)
            print(_ways_on(kind, undo), file=sys.stderr)
            return
        data["state"] = "undone"
        journal.save(data)
        _tell(undo, f"vxha: {server}: {kind} to {undo['image']} {undo['to']} stopped", why)
        print(state(client, args, kind, server), file=sys.stderr)
        print(
            f"nothing was switched: {server}'s maintenance was put back as it was"
            + (
                f" and {undo['storage']} started again on {', '.join(undo['dropped'])}"
                if undo.get("dropped")
                else ""
            )  # fmt: skip
            + f"; correct the cause and run vxha {kind} {server} --to {undo['to']} again",
            file=sys.stderr,
        )
        return
    if done & set(phases["restart"]):
        off = set(phases.get("off", []))
        try:
            again = maintenance_plan(view, server, True, reason=f"vxha {kind} stopped: {why}")
            if again.steps:
                quiet.run(again)
        except (OperationError, P.PlanStopped) as exc:
            # A group in transition (VCS failing the new container over) is not put in
            # maintenance: say so, and still say where the server stands and the ways on
            # (the refusal used to end the command there).
            print(
                f"vxha: could not put {server} back into maintenance: {exc}; once it has "
                f"settled: vxha maintenance on {server}",
                file=sys.stderr,
            )
        else:
            for i in off:
                status[i] = "pending"  # --resume ends the maintenance again
            journal.save(data)
    _tell(undo, f"vxha: {server}: {kind} to {undo['image']} {undo['to']} stopped", why)
    print(state(client, args, kind, server), file=sys.stderr)
    print(_ways_on(kind, undo), file=sys.stderr)


def _ways_on(kind, undo) -> str:
    return (
        f"to finish the {kind}: vxha {kind} --resume    "
        f"to go back to {undo['image']} {undo['from']}: vxha {kind} --undo"
    )


def _tell(undo, subject, body) -> None:
    if undo.get("recipients"):
        ops_cmd._notify(",".join(undo["recipients"]), subject, body + "\n")


def state(client, args, kind, server=None) -> str:
    """Where the server stands now: maintenance per system, the image its Container is
    configured with, where it runs, the version its profile records."""
    from vxha.generators import plan as P
    from vxha.generators.phases import in_maintenance
    from vxha.generators.view import read_view

    data = P.Journal().load() or {}
    undo = (data.get("plan") or {}).get("undo") or {}
    server = server or undo.get("server") or args.server
    if not server:
        return ""
    view = read_view(client, (data.get("plan") or {}).get("config_path") or args.config_dir,
                     admin=True)  # fmt: skip
    groups = view.servers().get(server, [])
    lines = [f"{server} now:"]
    for g in groups:
        held = [s for s in view.systems_of(g) if in_maintenance(view, g, s)]
        up = view.up_on(g)
        lines.append(
            f"  group {g}: "
            + (f"in maintenance on {', '.join(held)}" if held else "not in maintenance")
            + (f"; online on {', '.join(up)}" if up else "; online nowhere")
        )
        for r in view.group(g).resources:
            if r.type == "Container":
                lines.append(f"  container {r.name}: configured with image {r.attrs.get('Image')}")
    profile = undo.get("profile")
    if profile and os.path.exists(profile):
        from vxha.profiles.moves import recorded_version

        lines.append(f"  profile {profile}: image_version {recorded_version(profile)}")
    return "\n".join(lines)


def rollback(args, client, kind) -> int:
    """--undo: back to the version before the upgrade that stopped (no lifecycle commands)."""
    from vxha.generators import plan as P
    from vxha.generators.operations import OperationError
    from vxha.generators.upgrade import rollback_plan
    from vxha.generators.view import read_view

    data = P.Journal().load()
    if not data:
        raise OperationError(f"there is no vxha {kind} to go back from")
    last = P.Plan.from_json(data["plan"])
    undo = last.undo
    if last.command != kind:
        raise OperationError(f"the last plan is a 'vxha {last.command}': run that with --undo")
    if undo.get("kind") == "rollback":
        raise OperationError(f"the last plan was a rollback: run vxha {kind} again to move on")
    if data.get("state") == "done":
        raise OperationError(
            f"the {kind} of {undo['server']} completed: go back with vxha "
            f"{'downgrade' if kind == 'upgrade' else 'upgrade'} {undo['server']} "
            f"--to {undo['from']}"
        )
    if data.get("state") == "refused":
        raise OperationError(f"the last vxha {kind} changed nothing: nothing to go back from")
    if data.get("state") == "undone":
        # it stopped before its switch and was put back then (after_failure): already back
        print(f"nothing to go back from: the {kind} of {undo['server']} stopped before its "
              f"switch and was put back as it was then")  # fmt: skip
        return 0
    status, phases = data["status"], undo["phases"]
    restarted = any(status[i] == "done" for i in phases.get("bounce", []))
    view = read_view(client, last.config_path, admin=True)
    ops_cmd._refuse_editing(view, args)
    plan = rollback_plan(view, undo, P.start_config(undo["start"], view.path), restarted)
    start_text = plan_mod.start_text(view.path, view.config)
    return _guarded(args, client, kind, lambda: ops_cmd._execute(plan, args, client, start_text))
