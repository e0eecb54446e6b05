"""vxha maintenance | delete | inventory | apply | cluster: cluster workflows via ha commands."""

from __future__ import annotations

import argparse
import json
import sys

from vxha.generators.hacli import HaClient, HaError
from vxha.generators.operations import (
    OperationError,
    delete_plan,
    inventory,
    maintenance,
    maintenance_list,
    state_line,
)


def _err(text: str) -> int:
    print(f"vxha: {text}", file=sys.stderr)
    return 1


def cmd_maintenance(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha maintenance",
        description="Disable (on) or enable (off) a server's failover group so that VCS "
        "stops (or resumes) monitoring and failing it over; 'list' shows what is disabled.",
    )
    p.add_argument("action", choices=["on", "off", "list"])
    p.add_argument("server", nargs="?", help="server name (its failover group)")
    p.add_argument("--sys", dest="system", help="only on this system")
    p.add_argument("--reason", default="", help="recorded with the group (UserStrLocal)")
    p.add_argument("--storage", action="store_true", help="also the server's storage group")
    args = p.parse_args(argv)
    client = HaClient()
    if args.action == "list":
        rows = maintenance_list(client)
        if not rows:
            print("no server is in maintenance")
        for server, group, system, record in rows:
            print(f"{server:<20} {group:<28} {system:<12} {record}")
        return 0
    if not args.server:
        p.error("a server name is needed")
    maintenance(client, args.server, args.action == "on", args.system, args.reason, args.storage)
    return 0


def cmd_delete(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha delete",
        description="Delete a server: its container group, and with --now its storage group "
        "too. Data stays on the volumes unless --shred, which removes them.",
    )
    p.add_argument("server")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--keep-data", action="store_true", help="keep the storage group")
    mode.add_argument("--now", action="store_true", help="also remove the storage group")
    p.add_argument(
        "--shred",
        action="store_true",
        help="with --now: also remove the server's volumes and the data on them",
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = p.parse_args(argv)
    if args.shred and not args.now:
        p.error("--shred needs --now (the storage group goes first)")
    client = HaClient()
    plan = delete_plan(client, args.server, keep_data=args.keep_data, shred=args.shred)
    print(f"deleting {args.server} ({'keeping' if args.keep_data else 'with'} its storage group):")
    if args.dry_run:
        for step, _ in plan.steps:
            print("  " + " ".join(step))
        return 0
    if args.shred and not args.yes:
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
    plan.apply(client)
    print(f"deleted {args.server}" + (" (storage kept)" if args.keep_data else ""))
    return 0


def cmd_inventory(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha inventory",
        description="Servers, their groups and states; storage left without a server.",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    report = inventory(HaClient())
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    for entry in report["servers"]:
        print(entry["server"])
        for group, states in entry["groups"].items():
            print(state_line(group, states))
    if report["orphan_storage"]:
        print("\nstorage without a server:")
        for o in report["orphan_storage"]:
            print(f"  {o['group']:<28} delete with: {o['delete']}")
    return 0


def cmd_cluster(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha cluster",
        description="add-types: register vxha's resource types on the running cluster "
        "(haconf -makerw, hatype -add, haattr -add, haconf -dump -makero); types the "
        "cluster already has (Veritas's CFSMount) are left alone.",
    )
    p.add_argument("task", choices=["add-types"])
    p.add_argument("--types", help="comma-separated types (default: vxha's four)")
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = p.parse_args(argv)
    from vxha.agents.cluster_types import AddTypesError, add_types_commands, run_add_types

    types = [t for t in (args.types or "").split(",") if t] or None
    if args.dry_run:
        for cmd in add_types_commands(types):
            print(" ".join(cmd))
        return 0
    try:
        result = run_add_types(types=types)
    except AddTypesError as exc:
        return _err(f"{exc}; nothing was saved: run 'haconf -dump -makero' after fixing it")
    for name in result.added:
        print(f"added type {name}")
    for name in result.skipped:
        print(f"skipped type {name}: the cluster already has it")
    return 0


def cmd_apply(argv) -> int:
    import os

    p = argparse.ArgumentParser(
        prog="vxha apply",
        description="Bring the running cluster to a generated main.cf: the groups, resources "
        "and attributes that differ are changed with ha commands (vxha generate --diff "
        "--as-commands), applied one by one and stopped at the first failure.",
    )
    p.add_argument("main_cf", help="the new configuration (from vxha generate)")
    default = os.path.join(os.environ.get("VCS_CONF", "/etc/VRTSvcs"), "conf/config/main.cf")
    p.add_argument("--current", default=default, help="the cluster's main.cf (%(default)s)")
    p.add_argument("--dry-run", action="store_true", help="print the diff and commands only")
    p.add_argument(
        "--allow-include-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also read includes from DIR (by default only from each main.cf's directory)",
    )
    args = p.parse_args(argv)
    from vxha.generators import diff
    from vxha.generators.operations import Plan
    from vxha.vcs_types.cf import CfError, parse_file

    client = HaClient()
    if not args.dry_run and os.path.exists(args.current):
        try:  # make the file on disk match the running configuration first
            client.run("haconf", "-dump")
        except HaError:
            pass
    try:
        allow = args.allow_include_dir
        current = parse_file(args.current, allow_include_dirs=allow)
        new = parse_file(args.main_cf, allow_include_dirs=allow)
    except (CfError, OSError) as exc:
        return _err(str(exc))
    types = diff.known_types(current, new)
    changes = diff.diff(current, new, types)
    if not changes:
        print("the cluster already matches", args.main_cf)
        return 0
    print(diff.format_diff(changes))
    cmds = diff.commands(changes, current, new, types)
    if args.dry_run:
        print(diff.format_commands(cmds))
        return 0
    plan = Plan()
    for cmd in cmds:
        plan.add(*cmd)
    plan.apply(client)
    print(f"applied {len(cmds)} command(s)")
    return 0


COMMANDS = {
    "apply": cmd_apply,
    "maintenance": cmd_maintenance,
    "delete": cmd_delete,
    "inventory": cmd_inventory,
    "cluster": cmd_cluster,
}


def main(argv: list[str]) -> int:
    handler = COMMANDS.get(argv[0])
    if handler is None:
        return _err(f"{argv[0]} is not available yet")
    try:
        return handler(argv[1:])
    except (OperationError, HaError, TimeoutError) as exc:
        return _err(str(exc))
