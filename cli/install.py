"""vxha install-agents: lay out the agents' entry points as a VCS install would."""

from __future__ import annotations

import argparse
import os
import sys

from vxha.vcs_types.catalog import EXTRA_TYPES, PROJECT_TYPES


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="vxha install-agents",
        description="Write <root>/opt/VRTSvcs/bin/<Type>/{online,offline,monitor,clean} "
        "launchers and the <Type>Agent link to ../Script51Agent, and the notification "
        "triggers under <root>/opt/VRTSvcs/bin/vxha/triggers.",
    )
    p.add_argument("--root", default="/", help="install root (default /)")
    p.add_argument("--python", default=sys.executable, help="interpreter the launchers run")
    p.add_argument(
        "--types",
        default=",".join(PROJECT_TYPES),
        help="comma-separated types (default: %(default)s; Dummy for tests)",
    )
    args = p.parse_args(argv[1:])
    types = [t for t in args.types.split(",") if t]
    if not types:  # never "all types": install_agents takes none for its default
        p.error("--types names no type")
    if not os.path.isdir(args.root):
        p.error(f"--root is not a directory: {args.root}")
    unknown = [t for t in types if t not in PROJECT_TYPES and t not in EXTRA_TYPES]
    if unknown:
        p.error(f"unknown type(s): {', '.join(unknown)}")
    if not os.path.isabs(args.python) or not os.access(args.python, os.X_OK):
        p.error(f"--python must be an absolute path to an interpreter: {args.python}")
    from vxha.agents.install import InstallError, install_agents, install_triggers

    try:
        paths = install_agents(args.root, args.python, types)
        paths += install_triggers(args.root, args.python)
    except (InstallError, OSError) as exc:
        print(f"vxha install-agents: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
