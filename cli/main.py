"""The vxha command: dispatches to one module per command family, imported on demand."""

from __future__ import annotations

import importlib
import os
import select
import stat
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
    "status": ("status_cmd", "the cluster per server: states, maintenance, faults"),
    "why": ("status_cmd", "why a server is not online where expected, and what clears it"),
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


# Commands that build one large model and may leave it to the end of the process instead of
# freeing it, object by object, when they return (``run``).
HELD_TO_EXIT = ("generate", "verify")


def main(argv: list[str] | None = None, held: list | None = None) -> int:
    """Run one command; whatever happens, a message and an exit code, never a traceback.
    ``held``: run's list, for the commands of HELD_TO_EXIT."""
    try:
        code = _dispatch(list(sys.argv[1:] if argv is None else argv), held)
        sys.stdout.flush()
        return code
    except SystemExit as exc:  # argparse: usage errors are 2, --help 0
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vxha: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError as exc:
        if _stdout_gone():
            # The reader of our output went away (`vxha status | head`): what it read
            # stands, and nothing is left to say to it.
            _silence_stdout()
            return 0
        # Another pipe (a child process, the simulator's socket): a failure to report.
        print(f"vxha: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"vxha: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as exc:  # a command read a file without naming its encoding
        print(f"vxha: a file read is not UTF-8 text ({exc.reason})", file=sys.stderr)
        return 1
    except Exception as exc:  # a defect: still one line, and the tests look for it
        if os.environ.get("VXHA_DEBUG"):
            raise
        print(f"vxha: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def run() -> None:
    """The vxha program (console script, ``python -m``): main, then exit; a model left in
    ``held`` is never freed, the process ending once stdout and stderr are flushed
    (docs/generator.md, "Ninth round (generate)")."""
    held: list = []
    code = main(held=held)
    if held:
        _end_now(code)
    sys.exit(code)


def _end_now(code: int) -> None:
    """os._exit(code) once stdout and stderr are flushed; returns when a flush fails,
    so that the interpreter's own exit reports it as it does for every command."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _stdout_gone() -> bool:
    """True when stdout is a pipe whose reader has closed it (poll reports POLLERR)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), 0)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _dispatch(args: list, held: list | None = None) -> int:
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
    if any("\x00" in arg for arg in args):  # no path or name holds one; open() refuses it
        print("vxha: an argument holds a NUL character", file=sys.stderr)
        return 2
    refused = special_file(args[1:])
    if refused:
        print(f"vxha: {refused}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f"vxha.cli.{entry[0]}")
    except ImportError as exc:
        print(f"vxha: command {args[0]!r} is not available: {exc}", file=sys.stderr)
        return 2
    if held is not None and args[0] in HELD_TO_EXIT:
        return int(module.main(args, held) or 0)
    return int(module.main(args) or 0)


def special_file(args) -> str:
    """Why an argument naming a FIFO or a device is refused, else "". Opening a FIFO nobody
    writes blocks for ever and a device such as /dev/zero never ends; /dev/null is allowed
    (it is empty) and so are sockets (the simulator's is passed with --socket)."""
    for arg in args:
        path = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if not path or path == os.devnull or path.startswith("-"):
            continue
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            continue
        if stat.S_ISFIFO(mode):
            return f"{path}: a FIFO: vxha reads and writes regular files and directories only"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            return f"{path}: a device: vxha reads and writes regular files and directories only"
    return ""


if __name__ == "__main__":
    run()
