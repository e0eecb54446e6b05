"""Events files (DECISIONS.md 7): what happens to the cluster and when, and what must hold.

```yaml
duration: 900                 # virtual seconds to run (default: the last `at`)
events:
  - {at: 100, do: kill, resource: web_ctr, system: n1}
  - {at: 200, do: crash, system: n2}
  - {at: 300, do: cmd, args: "hagrp -switch web -to n1"}
expect:
  - {at: 180, group: web, system: n2, state: ONLINE}
  - {at: 180, resource: web_ctr, system: n1, state: FAULTED}
```
A bare list is a list of events. ``expect`` entries are written before the scenario is
first run and are checked besides its golden transcript.
"""

from __future__ import annotations

import shlex

from vxha.simulator.engine import SimError
from vxha.simulator.realnodes.world import REAL_EVENTS

# do -> (needs, help)
EVENTS = {
    "crash": ("system", "the system goes down at once: its failover groups fail over"),
    "restart": ("system", "a crashed or stopped system comes back: probed, parallel groups start"),
    "engine_hang": ("system", "the system's engine stops answering: fenced after 16 s"),
    "jeopardy": ("system", "the system is down to one heartbeat link"),
    "kill": ("resource system", "the resource stops outside VCS (any type)"),
    "container_dies": ("resource system", "the container exits (Container resource)"),
    "mount_lost": ("resource system", "the mount disappears (CFSMount resource)"),
    "ip_removed": ("resource system", "the address is removed (HostIP resource)"),
    "start_outside": ("resource system", "the resource is started outside VCS (Dummy, stand-in)"),
    "stop_intentionally": (
        "resource system",
        "an admin stops it outside VCS on purpose: its monitor says intentional offline (stand-in)",
    ),
    "fault": ("system", "set fake-driver faults (args: faults.json entries)"),
    "clear_faults": ("system", "remove every fake-driver fault of the system"),
    "hang": ("resource system", "an entry point hangs (args: entry_point, count)"),
    "fail": ("resource system", "an entry point fails (args: entry_point, count)"),
    "slow": ("resource system", "an entry point takes args.seconds (args.exit: its exit code)"),
    "heal": ("resource system", "undo hang/fail/slow (args: entry_point, default all)"),
    "install_trigger": (
        "system args",
        "a trigger script is installed on the system (args.name: preonline)",
    ),
    "cmd": ("args", "an ha* command line, as an admin types it"),
    "online": ("group", "hagrp -online (system, or -any)"),
    "offline": ("group", "hagrp -offline (system, or -any)"),
    "switch": ("group", "hagrp -switch (system: the target, or -any)"),
    "enable": ("group", "hagrp -enable [-sys]"),
    "disable": ("group", "hagrp -disable [-sys]"),
    "freeze": ("group", "hagrp -freeze (args.persistent)"),
    "unfreeze": ("group", "hagrp -unfreeze (args.persistent)"),
    "clear": ("group|resource", "hagrp -clear / hares -clear [-sys]"),
    "probe": ("resource system", "hares -probe"),
    "fail-command": ("match", "the next ha* command(s) starting with match fail (times: 1)"),
}
# Triggers an install_trigger event may install: those whose presence changes what the
# engine does (preonline: User's 5.0MP3, "preonline event trigger").
TRIGGERS = ("preonline",)
# Events of real-node mode only (vxha sim run|serve --real).
for _do, _text in REAL_EVENTS.items():
    EVENTS[_do] = ("system", f"real nodes: {_text}")

ALIASES = {
    "container_die": "container_dies",
    "ip_remove": "ip_removed",
    "mount_lose": "mount_lost",
    "fail_command": "fail-command",
}
ENTRY_POINTS = ("monitor", "online", "offline", "clean", "info", "action")
ANY = ("any", "-any")


class EventError(ValueError):
    pass


MAX_DEPTH = 100  # an events file nests a few levels; deeper is a mistake, said at once


def _parse(path_or_text: str):
    """The YAML of an events file (a path) or of its text; bad YAML is an EventError."""
    import yaml

    class Loader(yaml.SafeLoader):
        # yaml composes nested nodes recursively: the depth is bounded here, so the answer
        # does not depend on the interpreter's recursion limit (which a test runner may
        # have raised) nor on how deep the caller's stack already is
        depth = 0

        def compose_node(self, parent, index):
            if self.depth >= MAX_DEPTH:
                raise RecursionError
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    where = "events" if "\n" in path_or_text else path_or_text
    try:
        if where == "events":
            return yaml.load(path_or_text, Loader=Loader)  # noqa: S506 - a SafeLoader
        with open(path_or_text) as f:
            return yaml.load(f, Loader=Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise EventError(f"{where}: not valid YAML: {exc}") from None
    except RecursionError:
        raise EventError(f"{where}: nested too deeply") from None


def load(path_or_data):
    """(events, expectations, duration, options) from a YAML file path or loaded data."""
    data = path_or_data
    if isinstance(path_or_data, str):
        data = _parse(path_or_data)
        if "\n" not in path_or_data:  # a file: its findings name it
            try:
                return _load(data)
            except EventError as exc:
                raise EventError(f"{path_or_data}: {exc}") from None
    return _load(data)


def _load(data):
    if data is None:
        data = []
    if isinstance(data, list):
        data = {"events": data}
    if not isinstance(data, dict):
        raise EventError("an events file is a list of events or a mapping with events:")
    events = _listed(data, "events")
    expect = _listed(data, "expect")
    for i, ev in enumerate(events):
        if not isinstance(ev, dict) or "do" not in ev or "at" not in ev:
            raise EventError(f"events[{i}]: needs at: and do: ({ev!r})")
        do = ev["do"]
        do = ALIASES.get(do, do) if isinstance(do, str) else None
        if do not in EVENTS:
            raise EventError(f"events[{i}]: unknown event {ev['do']!r}; known: {', '.join(EVENTS)}")
    for i, ex in enumerate(expect):
        if not isinstance(ex, dict) or "at" not in ex or "state" not in ex:
            raise EventError(f"expect[{i}]: needs at: and state: ({ex!r})")
    times = [_seconds(e["at"], f"events[{i}]: at") for i, e in enumerate(events)]
    times += [_seconds(x["at"], f"expect[{i}]: at") for i, x in enumerate(expect)]
    duration = _seconds(data.get("duration", max(times) if times else 0), "duration")
    options = {k: v for k, v in data.items() if k not in ("events", "expect", "duration")}
    return events, expect, duration, options


def _listed(data, key):
    """``data[key]`` as a list (absent or empty: none); anything else is an EventError."""
    value = data.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise EventError(f"{key}: a list of entries, not {type(value).__name__} {value!r}")
    return list(value)


def _seconds(value, what):
    """A time in whole seconds (an integer, or its text); else an EventError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise EventError(f"{what}: whole seconds, not {value!r}")
    try:
        return int(value)
    except ValueError:
        raise EventError(f"{what}: whole seconds, not {value!r}") from None


def _with_writable(engine, fn):
    was = engine.writable
    engine.writable = True
    try:
        fn()
    finally:
        engine.writable = was


def validate(sim, ev):
    """The event's ``do`` (aliases resolved) once everything it names exists and its
    fields make sense; EventError saying what is wrong otherwise. Nothing is changed."""
    e = sim.engine
    do = ALIASES.get(ev.get("do"), ev.get("do"))
    if do not in EVENTS:
        raise EventError(f"unknown event {ev.get('do')!r}; known: {', '.join(EVENTS)}")
    for need in EVENTS[do][0].split():
        if need == "group|resource":
            if not ev.get("group") and not ev.get("resource"):
                raise EventError(f"{do} needs a group or a resource")
        elif need == "match":
            if not _match(ev):
                raise EventError(f"{do} needs match: the start of an ha* command line")
        elif not ev.get(need):
            raise EventError(f"{do} needs {need}")
    system, group, res = ev.get("system"), ev.get("group"), ev.get("resource")
    if system and system not in e.systems and not (system in ANY and do in _ADMIN):
        raise EventError(f"{do}: no system named {system!r} (systems: {', '.join(e.systems)})")
    if group and group not in e.groups:
        raise EventError(f"{do}: no group named {group!r}")
    if group and system and system not in ANY and system not in e.groups[group].insts:
        raise EventError(f"{do}: {system} is not in the SystemList of {group}")
    if res:
        r = e.resources.get(res)
        if r is None:
            raise EventError(f"{do}: no resource named {res!r}")
        if system and system not in ANY and system not in r.insts:
            raise EventError(f"{do}: {res} does not run on {system} (not in its SystemList)")
        want = {"container_dies": "Container", "mount_lost": "CFSMount", "ip_removed": "HostIP"}
        if do in want and r.type.name != want[do] and r.type.agent == "framework":
            raise EventError(f"{do}: {res} is a {r.type.name}, not a {want[do]}")
        if do == "start_outside" and r.type.agent == "framework" and r.type.name != "Dummy":
            raise EventError(f"{do}: a {r.type.name} resource cannot be started outside VCS here")
        if do == "stop_intentionally" and (
            r.type.agent != "standin" or getattr(sim.world, "real", False)
        ):
            raise EventError(
                f"{do}: {res} is a {r.type.name}: only a stand-in type's monitor reports an "
                "intentional offline here (fake mode)"
            )
    if do in REAL_EVENTS and not getattr(sim.world, "real", False):
        raise EventError(f"{do}: only on real nodes (vxha sim run|serve --real)")
    if do in REAL_EVENTS and not e.systems[system].up:
        raise EventError(f"{do}: system {system} is down")
    if do == "crash" and not e.systems[system].up:
        raise EventError(f"crash: system {system} is already down")
    if do == "restart" and e.systems[system].up:
        raise EventError(f"restart: system {system} is already running")
    args = ev.get("args")
    if do == "install_trigger" and not (isinstance(args, dict) and args.get("name") in TRIGGERS):
        raise EventError(
            f"install_trigger: args.name is one of {', '.join(TRIGGERS)} (the triggers whose "
            f"presence the engine reads), not {args!r}"
        )
    if do in ("hang", "fail", "slow", "heal", "fault") and args is not None:
        if not isinstance(args, dict):
            raise EventError(f"{do}: args is a mapping, not {args!r}")
        ep = args.get("entry_point")
        if ep is not None and ep not in ENTRY_POINTS:
            raise EventError(f"{do}: entry_point is one of {', '.join(ENTRY_POINTS)}")
        code = args.get("exit", 0)
        if do == "slow" and not (type(code) is int and 0 <= code <= 255):
            raise EventError(f"slow: exit is an exit code (0-255), not {code!r}")
        if do == "slow" and _seconds(args.get("seconds", 1), "slow: seconds") < 0:
            raise EventError(f"slow: seconds is not negative, not {args['seconds']!r}")
        count = args.get("count")
        if count is not None and (type(count) is not int or count < 1):
            raise EventError(f"{do}: count is a whole number from 1, not {count!r}")
    if do == "fault" and not isinstance(args, dict):
        raise EventError("fault needs args: faults.json entries")
    if do == "cmd" and not (isinstance(args, (str, list)) and args):
        raise EventError("cmd needs args: an ha* command line")
    if do == "fail-command":
        _times(ev)
    return do


_ADMIN = ("online", "offline", "switch")


def _match(ev):
    args = ev.get("args") if isinstance(ev.get("args"), dict) else {}
    m = ev.get("match") or args.get("match")
    return shlex.split(m) if isinstance(m, str) else [str(w) for w in m or ()]


def _times(ev):
    args = ev.get("args") if isinstance(ev.get("args"), dict) else {}
    t = ev.get("times", args.get("times", 1))
    try:
        t = int(t)
    except (TypeError, ValueError):
        t = 0
    if t < 1:
        raise EventError(f"fail-command: times is a positive number, not {t!r}")
    return t


def apply(sim, ev):
    """Apply one event now (the simulator's clock is at ``ev['at']``). An event that names
    nothing known, or cannot happen, raises EventError and changes nothing."""
    e = sim.engine
    do = validate(sim, ev)
    system = ev.get("system")
    group = ev.get("group")
    res = ev.get("resource")
    args = ev.get("args") or {}
    target = " ".join(str(x) for x in (group or res or "", system or "") if x)
    if do == "fail-command":
        match, times = _match(ev), _times(ev)
        e.command_faults.append([match, times])
        e.log("-", "event", f"fail-command {' '.join(match)} (next {times})")
        return
    if do != "cmd":
        e.log(system or "-", "event", f"{do} {target}".rstrip())
    if do == "crash":
        e.crash(system)
    elif do == "restart":
        sim.world.prepare(e, [system])
        e.restart(system)
    elif do == "jeopardy":
        e.jeopardy(system)
    elif do == "engine_hang":
        e.engine_hang(system, int(args.get("seconds", 16)) if isinstance(args, dict) else 16)
    elif do in ("kill", "container_dies", "mount_lost", "ip_removed"):
        sim.world.kill(e.resource(res), system)
    elif do == "start_outside":
        sim.world.start_outside(e.resource(res), system)
    elif do == "stop_intentionally":
        e.standin.stop_on_purpose(system, res)
    elif do == "install_trigger":
        e.triggers.installed.add((system, args["name"]))
    elif do in REAL_EVENTS:
        sim.world.real_event(do, system, args)
    elif do == "fault":
        sim.world.set_faults(system, dict(args))
    elif do == "clear_faults":
        sim.world.set_faults(system, {}, replace=True)
    elif do in ("hang", "fail", "slow"):
        ep = args.get("entry_point", "monitor")
        spec = {"mode": do, "count": args.get("count")}
        if do == "slow":
            spec["seconds"] = int(args.get("seconds", 1))
            if "exit" in args:
                spec["exit"] = args["exit"]
        e.ep_faults[(res, system, ep)] = spec
    elif do == "heal":
        ep = args.get("entry_point") if isinstance(args, dict) else None
        for key in list(e.ep_faults):
            if key[0] == res and key[1] == system and (ep is None or key[2] == ep):
                del e.ep_faults[key]
    elif do == "cmd":
        argv = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
        e.log("-", "admin", " ".join(argv))
        e.local_system = system  # the system the command is typed on (hastop -local)
        try:
            code, out, err = sim.command(argv)
        finally:
            e.local_system = None
        if code != 0:
            for line in err.strip().splitlines()[:1]:
                e.log("-", "admin", f"exit {code}: {line}")
    else:
        _admin(sim, do, ev, group, res, system, args)


def _admin(sim, do, ev, group, res, system, args):
    e = sim.engine
    any_sys = system in (None,) + ANY
    try:
        if do == "online":
            e.online_group(group, None if any_sys else system, any_sys)
        elif do == "offline":
            e.offline_group(group, None if any_sys else system, any_sys)
        elif do == "switch":
            e.switch_group(group, None if any_sys else system, any_sys)
        elif do in ("enable", "disable"):
            fn = e.enable_group if do == "enable" else e.disable_group
            _with_writable(e, lambda: fn(group, system))
        elif do in ("freeze", "unfreeze"):
            persistent = bool(args.get("persistent")) if isinstance(args, dict) else False
            fn = e.freeze_group if do == "freeze" else e.unfreeze_group
            _with_writable(e, lambda: fn(group, persistent))
        elif do == "clear":
            if res:
                e.clear_resource(res, system)
            else:
                e.clear_group(group, system)
        elif do == "probe":
            e.probe_resource(res, system)
    except SimError as exc:
        e.log(system or "-", group or res or "-", f"refused: {exc.msgid} {exc}")


def check(sim, ex):
    """None when the expectation holds, else a sentence saying what differs."""
    e = sim.engine
    want = str(ex["state"])
    system = ex.get("system")
    if "group" in ex:
        g = e.group(ex["group"])
        got = g.insts[system].state if system in g.insts else "(not in SystemList)"
        what = f"group {ex['group']} on {system}"
    elif "resource" in ex:
        r = e.resource(ex["resource"])
        got = r.insts[system].display() if system in r.insts else "(not in SystemList)"
        what = f"resource {ex['resource']} on {system}"
    else:
        got = e.system(system).state
        what = f"system {system}"
    if got != want:
        return f"T+{int(ex['at']):06d} {what}: expected {want}, got {got}"
    return None
