"""The vxha command: dispatches to one module per command family, imported on demand."""

from __future__ import annotations

import importlib
import sys

# command -> (module under vxha.cli, one line of help). Each module has main(argv) -> int.
COMMANDS = {
    "install-agents": ("install", "lay out agent launchers as a VCS install would"),
    "render-types": ("types", "render the <Type>Types.cf files from the type catalog"),
    "validate": ("profiles_cmd", "validate image directories, application and server profiles"),
    "compat": ("profiles_cmd", "answer schema and node compatibility questions"),
    "server": ("profiles_cmd", "provision a server profile (server new)"),
    "generate": ("generate_cmd", "turn server profiles into a verified main.cf"),
    "verify": ("generate_cmd", "check a main.cf (or config directory) like hacf -verify"),
    "graph": ("generate_cmd", "draw a main.cf as DOT or SVG"),
    "sim": ("sim_cmd", "run the VCS engine simulator"),
    "maintenance": ("ops_cmd", "put a server into or out of maintenance"),
    "delete": ("ops_cmd", "delete a server, keeping or removing its storage"),
    "restore": ("ops_cmd", "put a deleted server's archived profile back"),
    "inventory": ("ops_cmd", "list servers, their groups and storage"),
    "apply": ("ops_cmd", "apply a generated main.cf to a running cluster"),
    "upgrade": ("upgrade_cmd", "move a server to a newer version of its image"),
    "downgrade": ("upgrade_cmd", "move a server back to an older version of its image"),
    "cluster": ("ops_cmd", "cluster-wide tasks (add-types)"),
    "watch": ("watch_cmd", "detect faults as they happen and ask VCS to probe at once"),
    "demo": ("demo_cmd", "the end-to-end demonstration on a simulated cluster"),
    "demo-real": ("demo_real_cmd", "the failover demonstration on real nodes, timed (root)"),
}


def usage() -> str:
    lines = ["usage: vxha COMMAND [ARGS...]", "", "commands:"]
    for name, (_, text) in COMMANDS.items():
        lines.append(f"  {name:<15} {text}")
    lines.append("")
    lines.append("Run 'vxha COMMAND --help' for a command's options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] == "--version":
        from vxha import __version__

        print(f"vxha {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"vxha: unknown command {args[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f"vxha.cli.{entry[0]}")
    except ImportError as exc:
        print(f"vxha: command {args[0]!r} is not available: {exc}", file=sys.stderr)
        return 2
    return int(module.main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
