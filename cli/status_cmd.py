"""vxha status | why: the cluster per server, and why a server is not online.

Both read the running cluster through the ha* commands (VCS's own on a node, the
simulator's shims in tests and the demo) with a constant number of processes.
Exit codes: status 0 (read), why 0 online where expected / 1 not (with reasons);
1 when the cluster cannot be read, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys

from vxha.generators.hacli import HaClient, HaError


def _err(text: str) -> int:
    print(f"vxha: {text}", file=sys.stderr)
    return 1


def cmd_status(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha status",
        description="One table like hastatus -sum, per server: its groups' state on each "
        "system, maintenance (who, when, why), faults, freezes and probing.",
    )
    p.add_argument("--json", action="store_true", help="the same as data")
    args = p.parse_args(argv)
    from vxha.generators.status import read_status, render, report

    data = report(read_status(HaClient()))
    if args.json:
        print(json.dumps(data, indent=1))
    else:
        print("\n".join(render(data)))
    return 0


def cmd_why(argv) -> int:
    p = argparse.ArgumentParser(
        prog="vxha why",
        description="Why a server's group is not online where it is expected, each reason "
        "read from the cluster with the command that clears it. Exit 0 when it is online "
        "where expected, 1 when not.",
    )
    p.add_argument("server", help="the server (its failover group), or any group's name")
    p.add_argument("--json", action="store_true", help="the answer as data")
    args = p.parse_args(argv)
    from vxha.generators.why import why

    answer = why(HaClient(), args.server)
    if args.json:
        print(json.dumps(answer.as_dict(), indent=1))
    else:
        print("\n".join(answer.lines()))
    return 0 if answer.ok else 1


COMMANDS = {"status": cmd_status, "why": cmd_why}


def main(argv) -> int:
    from vxha.generators.why import WhyError

    try:
        return COMMANDS[argv[0]](argv[1:])
    except (HaError, WhyError, TimeoutError) as exc:
        return _err(str(exc))
