"""vxha sim: run the VCS engine simulator.

vxha sim run main.cf --events events.yaml     print the transcript (exit 1: expectations failed)
vxha sim serve main.cf [--socket PATH]        serve the ha* shims on a unix socket
vxha sim run|serve --real main.cf ...         the same on real nodes, in real time (root)
vxha sim cleanup RUN_DIR                      remove what a killed real-node run left
vxha sim advance SECONDS                      run a served simulator's virtual time forward
vxha sim event DO [--system S] [--group G] [--resource R] [--args JSON]
vxha sim event fail-command --match 'hares -delete db1_ctr' [--times N]
vxha sim state | transcript [--since N] | stop

Exit codes: 0 done, 1 failed (expectations of `run`, a daemon that did not answer, a
clean-up that left something), 2 bad input (a missing or broken file, an event naming
nothing known, --real without root).
vxha sim shims BIN_DIR                        write the hagrp, hares, ... shims into BIN_DIR
vxha sim provision [main.cf] [--image REF] --run-dir DIR   load images, create CFS volumes
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile


def _parser():
    p = argparse.ArgumentParser(prog="vxha sim", description="The VCS engine simulator.")
    sub = p.add_subparsers(dest="action", required=True)

    r = sub.add_parser("run", help="run a main.cf through an events file, print the transcript")
    r.add_argument("main_cf")
    r.add_argument("--events", help="events.yaml (default: no events, just start)")
    r.add_argument("--run-dir", help="where the simulated systems keep their state")
    r.add_argument("--mode", choices=("inprocess", "process"), default="inprocess")
    r.add_argument("--duration", type=int, help="virtual seconds to run (default: the file's)")
    r.add_argument("--verbose", action="store_true", help="also log routine monitors")
    r.add_argument("--table", action="store_true", help="print the state table at the end")
    s_real = "real nodes: namespaces, engines and volumes of this machine, in real time (root)"
    r.add_argument("--real", action="store_true", help=s_real)
    s_mi = "with --real: MonitorInterval of vxha's types, set (hatype -modify) before start"
    r.add_argument("--monitor-interval", type=int, metavar="SECONDS", help=s_mi)
    s_allow = "also read includes from DIR (by default only from the main.cf's directory)"
    r.add_argument("--allow-include-dir", action="append", default=[], metavar="DIR", help=s_allow)

    s = sub.add_parser("serve", help="serve the ha* shims on a unix socket")
    s.add_argument("main_cf")
    s.add_argument("--run-dir", help="state directory (default: a new temporary one)")
    s.add_argument("--socket", help="socket path (default: $VXHA_SIM_SOCKET or RUN_DIR/sim.sock)")
    s.add_argument("--mode", choices=("inprocess", "process"), default="inprocess")
    s.add_argument("--speed", type=float, default=0.0, help="virtual seconds per real second")
    s.add_argument("--no-start", action="store_true", help="do not probe and autostart")
    s.add_argument("--real", action="store_true", help=s_real + "; implies --speed 1")
    s.add_argument("--monitor-interval", type=int, metavar="SECONDS", help=s_mi)
    s_watch = "with --real: run `vxha watch` on every node, as on a real cluster (docs/watch.md)"
    s.add_argument("--watch", action="store_true", help=s_watch)
    s.add_argument("--allow-include-dir", action="append", default=[], metavar="DIR", help=s_allow)

    a = sub.add_parser("advance", help="run a served simulator's virtual time forward")
    a.add_argument("seconds", type=int)
    a.add_argument("--socket")

    e = sub.add_parser("event", help="apply an event to a served simulator now")
    e.add_argument("do")
    e.add_argument("--system")
    e.add_argument("--group")
    e.add_argument("--resource")
    e.add_argument("--args", help="JSON")
    e.add_argument("--match", help="fail-command: the start of the ha* command line to fail")
    e.add_argument("--times", type=int, help="fail-command: how many times (default 1)")
    e.add_argument("--socket")

    for name, text in (("state", "print the state table"), ("stop", "stop the daemon")):
        x = sub.add_parser(name, help=text)
        x.add_argument("--socket")
    t = sub.add_parser("transcript", help="print the transcript")
    t.add_argument("--since", type=int, default=0)
    t.add_argument("--socket")

    sh = sub.add_parser("shims", help="write the ha* shims into a directory")
    sh.add_argument("bin_dir")

    c = sub.add_parser("cleanup", help="remove what a killed real-node run left")
    c.add_argument("run_dir")

    pv = sub.add_parser(
        "provision",
        help="load the images and create the CFS volumes a main.cf names, on every system "
        "of a served simulator (what an admin does before vxha apply adds servers)",
    )
    pv.add_argument("main_cf", nargs="?")
    pv.add_argument("--run-dir", required=True, help="the served simulator's run directory")
    pv.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="REF",
        help="also load this image (a version an upgrade moves to), on every system",
    )
    return p


def main(argv):
    args = _parser().parse_args(argv[1:])
    try:
        return _main(args)
    except BrokenPipeError:  # `vxha sim transcript | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(args):
    action = args.action
    if action == "run":
        return _run(args)
    if action == "serve":
        return _serve(args)
    if action == "shims":
        return _shims(args.bin_dir)
    if action == "cleanup":
        return _cleanup(args.run_dir)
    if action == "provision":
        return _provision(args.main_cf, args.run_dir, args.image)
    from vxha.simulator.client import SimClient, SimClientError

    try:
        client = SimClient(args.socket)
        if action == "advance":
            print(f"T+{client.advance(args.seconds):06d}")
        elif action == "event":
            client.event(args.do, **_event_fields(args))
        elif action == "state":
            sys.stdout.write(client.state_table())
        elif action == "transcript":
            for line in client.transcript(args.since):
                print(line)
        elif action == "stop":
            client.stop()
    except _BadArgs as exc:
        print(f"vxha sim: {exc}", file=sys.stderr)
        return 2
    except SimClientError as exc:
        print(f"vxha sim: {exc}", file=sys.stderr)
        return 2 if exc.kind == "usage" else 1
    return 0


class _BadArgs(ValueError):
    pass


def _event_fields(args):
    fields = {k: getattr(args, k) for k in ("system", "group", "resource", "match", "times")}
    fields = {k: v for k, v in fields.items() if v is not None}
    if args.args:
        try:
            fields["args"] = json.loads(args.args)
        except ValueError as exc:
            raise _BadArgs(f"--args is not JSON: {exc}") from None
    return fields


def _shims(bin_dir):
    from vxha.simulator.shims import install_shims

    try:
        install_shims(bin_dir)
    except OSError as exc:
        print(f"vxha sim shims: cannot write the shims into {bin_dir}: {exc}", file=sys.stderr)
        return 2
    print(os.path.abspath(bin_dir))
    return 0


def _load_problem(main_cf, allow_include_dirs=()):
    """Why main.cf cannot be simulated (missing, unreadable, not valid), or None."""
    from vxha.vcs_types.cf import CfError
    from vxha.vcs_types.verify import errors, verify

    if not os.path.isfile(main_cf):
        return f"{main_cf}: no such file"
    try:
        issues = errors(verify(main_cf, allow_include_dirs=allow_include_dirs))
    except (OSError, CfError, ValueError) as exc:
        return f"{main_cf}: {exc}"
    if issues:
        return "\n".join(str(i) for i in issues[:20]) + f"\n{main_cf}: {len(issues)} problem(s)"
    return None


def _run(args):
    from vxha.simulator.api import Simulator, run_scenario
    from vxha.simulator.engine import SimError
    from vxha.simulator.events import EventError

    problem = _load_problem(args.main_cf, args.allow_include_dir)
    if problem:
        print(f"vxha sim run: {problem}", file=sys.stderr)
        return 2
    if args.real:
        return _run_real(args)
    if args.monitor_interval is not None:
        print("vxha sim run: --monitor-interval goes with --real", file=sys.stderr)
        return 2
    run_dir = args.run_dir or tempfile.mkdtemp(prefix="vxha-sim-")
    try:
        if args.events:
            sim, failures = run_scenario(
                args.main_cf,
                args.events,
                run_dir,
                mode=args.mode,
                verbose=args.verbose or None,
                allow_include_dirs=args.allow_include_dir,
            )
        else:
            sim = Simulator.from_file(
                args.main_cf,
                run_dir,
                mode=args.mode,
                verbose=args.verbose,
                allow_include_dirs=args.allow_include_dir,
            )
            sim.start()
            failures = []
        if args.duration is not None and args.duration > sim.now:
            sim.run_until(args.duration)
    except (OSError, EventError, SimError, ValueError) as exc:
        print(f"vxha sim run: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(sim.transcript.text())
    if args.table:
        sys.stdout.write("\n" + sim.state_table())
    for problem in failures:
        print(f"EXPECTATION FAILED: {problem}", file=sys.stderr)
    return 1 if failures else 0


def _serve(args):
    import shutil
    import signal

    from vxha.simulator.api import Simulator
    from vxha.simulator.daemon import Daemon
    from vxha.simulator.engine import SimError

    problem = _load_problem(args.main_cf, args.allow_include_dir)
    if problem:
        print(f"vxha sim serve: {problem}", file=sys.stderr)
        return 2
    why = _real_refused(args.real) or _watch_refused(args)
    if why:
        print(f"vxha sim serve: {why}", file=sys.stderr)
        return 2
    run_dir = os.path.abspath(args.run_dir or tempfile.mkdtemp(prefix="vxha-sim-"))
    conf = os.path.join(run_dir, "conf")
    try:
        os.makedirs(conf, exist_ok=True)
        src_dir = os.path.dirname(os.path.abspath(args.main_cf))
        for name in os.listdir(src_dir):  # the configuration directory, as VCS keeps it
            if name.endswith(".cf") and os.path.isfile(os.path.join(src_dir, name)):
                shutil.copy(os.path.join(src_dir, name), os.path.join(conf, name))
        shutil.copy(args.main_cf, os.path.join(conf, "main.cf"))
        cls, mode = Simulator, args.mode
        if args.real:
            from vxha.simulator.realnodes.sim import RealSimulator as cls

            mode = "real"
        sim = cls.from_file(
            os.path.join(conf, "main.cf"),
            run_dir,
            mode=mode,
            dump=True,
            allow_include_dirs=args.allow_include_dir,
        )
        _monitor_interval(sim, args)
    except (OSError, SimError, ValueError, RuntimeError) as exc:
        print(f"vxha sim serve: {exc}", file=sys.stderr)
        return 2
    path = args.socket or os.environ.get("VXHA_SIM_SOCKET") or os.path.join(run_dir, "sim.sock")
    try:
        daemon = Daemon(sim, path, 1.0 if args.real else args.speed).bind()
    except OSError as exc:
        print(f"vxha sim serve: cannot listen on {path}: {exc}", file=sys.stderr)
        return 2
    if not args.real:
        if not args.no_start:
            sim.start()
        signal.signal(signal.SIGTERM, lambda *_: setattr(daemon, "running", False))
        print(f"VXHA_SIM_SOCKET={path}", flush=True)
        try:
            daemon.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            daemon.close()
        return 0
    code = 0
    try:
        with terminate_as_interrupt():
            if not args.no_start:
                sim.start()
            if args.watch:
                sim.start_watches()
            print(f"VXHA_SIM_SOCKET={path}", flush=True)
            daemon.serve_forever()
    except KeyboardInterrupt:
        pass
    except (OSError, SimError, ValueError, RuntimeError) as exc:
        print(f"vxha sim serve: {exc}", file=sys.stderr)
        code = 1
    finally:
        daemon.close()
        code = close_real(sim, "vxha sim serve") or code
    return code


def _monitor_interval(sim, args):
    from vxha.simulator.realnodes.sim import FRAMEWORK_TYPES, monitor_intervals

    if args.monitor_interval is None:
        return
    if not args.real:
        raise ValueError("--monitor-interval goes with --real")
    if args.monitor_interval < 1:
        raise ValueError(f"--monitor-interval {args.monitor_interval}: at least 1 second")
    monitor_intervals(sim, {t: args.monitor_interval for t in FRAMEWORK_TYPES})


def _watch_refused(args):
    """Why --watch cannot go with the other options, or None."""
    if args.watch and not args.real:
        return "--watch goes with --real (the watch reads real nodes' events)"
    if args.watch and args.no_start:
        return "--watch needs the nodes started: drop --no-start"
    return None


def _real_refused(real):
    """Why --real cannot run here (not root), or None."""
    if real and os.geteuid() != 0:
        return "--real needs root (it makes namespaces, mounts, loop devices and engines)"
    return None


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C: what a real-node run made is removed on the way out."""


def terminate_as_interrupt():
    import contextlib
    import signal

    @contextlib.contextmanager
    def handler():
        def stop(*_):
            raise _Terminated()

        old = signal.signal(signal.SIGTERM, stop)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, old)

    return handler()


def close_real(sim, who):
    """Remove what the real-node run made; 1 (and what is left, printed) if not all."""
    import signal

    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop it
    try:
        problems = sim.close()
    finally:
        signal.signal(signal.SIGINT, old)
    for problem in problems:
        print(f"{who}: left behind: {problem}", file=sys.stderr)
    if problems:
        print(f"{who}: run `vxha sim cleanup {sim.run_dir}` to try again", file=sys.stderr)
        return 1
    return 0


def _run_real(args):
    from vxha.simulator import events as events_mod
    from vxha.simulator.api import run_events
    from vxha.simulator.engine import SimError
    from vxha.simulator.realnodes.sim import RealSimulator

    why = _real_refused(True)
    if why:
        print(f"vxha sim run: {why}", file=sys.stderr)
        return 2
    run_dir = args.run_dir or tempfile.mkdtemp(prefix="vxha-real-")
    try:
        evs, expect, duration, options = (
            events_mod.load(args.events) if args.events else ([], [], 0, {})
        )
        verbose = args.verbose or bool(options.get("verbose", False))
        sim = RealSimulator.from_file(
            args.main_cf,
            run_dir,
            verbose=verbose,
            sink=lambda line: print(line, flush=True),
            allow_include_dirs=args.allow_include_dir,
        )
        _monitor_interval(sim, args)
    except (OSError, events_mod.EventError, SimError, ValueError, RuntimeError) as exc:
        print(f"vxha sim run: {exc}", file=sys.stderr)
        return 2
    code, failures = 0, []
    try:
        with terminate_as_interrupt():
            sim.start()
            failures = run_events(sim, evs, expect, duration)
            if args.duration is not None and args.duration > sim.now:
                sim.run_until(args.duration)
            if args.table:
                sys.stdout.write("\n" + sim.state_table())
    except KeyboardInterrupt:
        print("vxha sim run: interrupted", file=sys.stderr)
        code = 130
    except (events_mod.EventError, SimError, ValueError) as exc:
        print(f"vxha sim run: {exc}", file=sys.stderr)
        code = 2
    except (OSError, RuntimeError) as exc:
        print(f"vxha sim run: {exc}", file=sys.stderr)
        code = 1
    finally:
        code = close_real(sim, "vxha sim run") or code
        if not args.run_dir and code != 1:  # a directory it made itself
            import shutil

            shutil.rmtree(run_dir, ignore_errors=True)
    for problem in failures:
        print(f"EXPECTATION FAILED: {problem}", file=sys.stderr)
    return code or (1 if failures else 0)


def _provision(main_cf, run_dir, extra_images=()):
    """What a real admin does outside VCS before adding servers (docker load, vxassist make
    and mkfs): the simulator prepares only the configuration it started with
    (simulator/world.py, World.prepare), so a server vxha apply adds later would find
    neither its image nor its volume. Images and volumes already there are kept."""
    from vxha.agents.container import addon_image
    from vxha.simulator.world import World
    from vxha.vcs_types.cf import CfError, parse_file
    from vxha.vcs_types.model import with_included

    if not os.path.isdir(os.path.join(run_dir, "conf")):
        print(f"vxha sim provision: {run_dir}: not a simulator's run directory", file=sys.stderr)
        return 2
    if not main_cf and not extra_images:
        print("vxha sim provision: name a main.cf, or --image REF", file=sys.stderr)
        return 2
    path = main_cf or os.path.join(run_dir, "conf", "main.cf")  # its systems, for --image
    try:
        config = with_included(parse_file(path))  # servers an include declares too
    except (OSError, CfError, ValueError) as exc:
        print(f"vxha sim provision: {path}: {exc}", file=sys.stderr)
        return 2
    world = World(run_dir)
    systems = [s.name for s in config.systems]
    world.ensure(systems)
    images, volumes = set(extra_images), set()
    for g in config.groups if main_cf else ():
        for r in g.resources:
            if r.type == "Container" and isinstance(r.attrs.get("Image"), str):
                extra = [*r.attrs.get("AddOns", []), *r.attrs.get("Hotfixes", [])]
                images |= {r.attrs["Image"], *(addon_image(e) for e in extra)}
            elif r.type == "CFSMount" and isinstance(r.attrs.get("BlockDevice"), str):
                if r.attrs.get("FSType", "vxfs") == "vxfs":
                    volumes.add(r.attrs["BlockDevice"])
    for s in systems:
        docker, mounts = world.driver(s, "docker"), world.driver(s, "mounts")
        there = docker.state.read().get("images", {})
        for image in sorted(images - set(there)):
            docker.add_image(image)
        for device in sorted(volumes):
            mounts.create_device(device)
    print(
        f"vxha sim provision: {len(images)} image(s) loaded and {len(volumes)} volume(s) "
        f"created on {', '.join(systems)}"
    )
    return 0


def _cleanup(run_dir):
    from vxha.simulator.realnodes import ledger

    if os.geteuid() != 0:
        print("vxha sim cleanup: needs root", file=sys.stderr)
        return 2
    if not os.path.isdir(run_dir):
        print(f"vxha sim cleanup: {run_dir}: no such directory", file=sys.stderr)
        return 2
    if not os.path.exists(ledger.Ledger(run_dir).path):
        print(f"vxha sim cleanup: nothing recorded in {run_dir}: nothing to remove")
        return 0
    problems = ledger.remove_all(run_dir)
    for problem in problems:
        print(f"vxha sim cleanup: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"vxha sim cleanup: removed everything the run in {run_dir} made")
    return 0
