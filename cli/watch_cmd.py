"""vxha watch: detect faults as they happen and ask VCS to probe (docs/watch.md)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time

SYSNAME = "/etc/VRTSvcs/conf/sysname"
LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}


def this_system() -> str:
    """VCS's name for this node: the sysname file VCS's installer writes, else the short
    host name (cluster systems are host names: vcs_types/verify.py)."""
    try:
        with open(SYSNAME) as f:
            words = f.read().split()
        if words:
            return words[0]
    except OSError:
        pass
    return socket.gethostname().split(".")[0]


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value

    return parse


def _engine(text):
    if not text.startswith("unix:///") or len(text) <= len("unix:///"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected the engine's unix:///PATH")
    return text


def parser():
    from vxha.watch.dispatch import TUNING

    p = argparse.ArgumentParser(
        prog="vxha watch",
        description="Watch this node's container engines, network addresses and links, and "
        "mount table, and ask VCS to probe the vxha resource an event concerns at once "
        "(hares -probe RES -sys SYSTEM). VCS's monitor still decides every state.",
    )
    p.add_argument(
        "--system",
        help=f"this node's VCS system name (default: {SYSNAME}, else the short host name)",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="handle what happened since the last run, then exit (exit 1 if VCS did not answer)",
    )
    p.add_argument(
        "--engine",
        action="append",
        default=[],
        type=_engine,
        metavar="unix:///PATH",
        help="watch this engine only (repeatable; default: the DockerHost of this "
        "system's Container resources)",
    )
    for what in ("containers", "network", "mounts"):
        p.add_argument(f"--no-{what}", action="store_true", help=f"do not watch {what}")
    p.add_argument(
        "--debounce",
        type=_positive(float),
        default=TUNING["debounce"],
        metavar="S",
        help="events of one resource within S seconds are one probe (%(default)g)",
    )
    p.add_argument(
        "--gap",
        type=_positive(float),
        default=TUNING["gap"],
        metavar="S",
        help="at least S seconds between two probes of one resource (%(default)g)",
    )
    p.add_argument(
        "--rate",
        type=_positive(float),
        default=TUNING["rate"],
        metavar="N",
        help="at most N probes a second on this node (%(default)g)",
    )
    p.add_argument(
        "--max-wait",
        type=_positive(float),
        default=TUNING["max_wait"],
        metavar="S",
        help="a probe held back by the rate limit longer is dropped, and logged (%(default)g)",
    )
    p.add_argument(
        "--attempts",
        type=_positive(int),
        default=TUNING["attempts"],
        metavar="N",
        help="tries of a probe when VCS does not answer, then give up (%(default)g)",
    )
    p.add_argument(
        "--timeout",
        type=_positive(float),
        default=10.0,
        metavar="S",
        help="time given to each ha command (10)",
    )
    p.add_argument(
        "--refresh",
        type=_positive(float),
        default=TUNING["refresh"],
        metavar="S",
        help="read the configuration again, and renew the engines' event streams, every S "
        "seconds (%(default)g; SIGHUP: the configuration now)",
    )
    p.add_argument(
        "--state-dir",
        help="where the watch saves what it saw (default: the agents' state directory)",
    )
    p.add_argument("--log-level", choices=list(LEVELS), default="info")
    return p


def make_log(level: str, stream=None):
    from vxha.agents.agentlog import one_line  # the journal takes a line as an entry

    threshold = LEVELS[level]

    def log(severity: str, text: str) -> None:
        if LEVELS.get(severity, 1) < threshold:
            return
        out = stream or sys.stderr
        stamp = time.strftime("%Y/%m/%d %H:%M:%S")
        try:
            out.write(f"{stamp} vxha-watch {severity.upper()} {one_line(str(text))}\n")
            out.flush()
        except (OSError, ValueError):
            pass

    return log


def main(argv: list) -> int:
    args = parser().parse_args(argv[1:])
    import threading

    from vxha.generators.hacli import HaClient
    from vxha.watch.dispatch import TUNING
    from vxha.watch.service import Options, Watch, install_signals

    opts = Options(
        args.system or this_system(),
        engines=args.engine,
        containers=not args.no_containers,
        network=not args.no_network,
        mounts=not args.no_mounts,
        state_dir=args.state_dir,
        **{name: getattr(args, name) for name in TUNING if hasattr(args, name)},
    )
    log = make_log(args.log_level)
    try:
        watch = Watch(opts, HaClient(timeout=args.timeout), log, os.environ)
        taken = watch.claim()
        if taken:
            log("error", taken)
            return 1
        if args.once:
            return watch.once()
        stop = threading.Event()
        install_signals(watch, stop)
        watch.run(stop)
    except OSError as exc:
        log("error", f"cannot watch: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
