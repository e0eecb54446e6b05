"""The simulator's Python API.

```python
sim = Simulator.from_file("main.cf", run_dir, mode="inprocess")
sim.start()                       # probe everything, autostart
sim.advance(300)                  # virtual seconds
sim.event("kill", resource="web_ctr", system="n1")
sim.command(["hagrp", "-switch", "web", "-to", "n2"])  # -> (code, stdout, stderr)
print(sim.state_table())
sim.transcript.lines              # ['T+000000 n1 system RUNNING (start)', ...]
```
``run_scenario(main_cf, events_yaml, run_dir)`` runs a whole events file and returns the
transcript with the expectations that failed.
"""

from __future__ import annotations

import os

from vxha.simulator import commands, events
from vxha.simulator.admin import SimEngine
from vxha.simulator.runners import InProcessRunner, ProcessRunner
from vxha.simulator.transcript import Transcript
from vxha.simulator.world import World

MODES = ("inprocess", "process")


class Simulator:
    MODES = MODES

    def __init__(self, config, run_dir, mode="inprocess", verbose=False, sink=None, **process):
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {', '.join(self.MODES)}, not {mode!r}")
        self.run_dir = os.path.abspath(str(run_dir))
        os.makedirs(self.run_dir, exist_ok=True)
        self.mode = mode
        runner = self._make_runner(mode, process)
        self.transcript = Transcript(sink)
        self.engine = SimEngine(config, runner, self.transcript, verbose=verbose)
        self.world = self._make_world()
        self.engine.world = self.world
        self.engine.config_path = None
        self.config = config

    def _make_runner(self, mode, process):
        if mode == "process":
            return ProcessRunner(self.run_dir, **process)
        return InProcessRunner(self.run_dir)

    def _make_world(self):
        return World(self.run_dir, self.engine.standin)

    @classmethod
    def from_file(cls, main_cf, run_dir, mode="inprocess", dump=False, allow_include_dirs=(), **kw):
        """Load main.cf with its includes. ``dump``: haconf -dump rewrites this file
        (otherwise -dump checks and writes nothing, so scenarios never change)."""
        from vxha.vcs_types.cf import parse_file
        from vxha.vcs_types.model import with_included

        # the groups, systems, ... an include declares run too (docs/simulator.md)
        config = with_included(parse_file(str(main_cf), allow_include_dirs=allow_include_dirs))
        sim = cls(config, run_dir, mode, **kw)
        if dump:
            sim.engine.config_path = os.path.abspath(str(main_cf))
        return sim

    @classmethod
    def from_text(cls, text, run_dir, mode="inprocess", **kw):
        """A main.cf given as text (its includes resolve from the type catalog)."""
        path = os.path.join(os.path.abspath(str(run_dir)), "main.cf")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return cls.from_file(path, run_dir, mode, dump=True, **kw)

    # -- time ----------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self.engine.clock.now

    def start(self, prepare=True):
        """Probe every resource on every system; autostart follows."""
        if prepare:
            self.world.prepare(self.engine)
        self.engine.start()
        return self

    def advance(self, seconds):
        self.engine.advance(seconds)
        return self

    def run_until(self, when):
        self.engine.run_until(when)
        return self

    def settle(self, limit=3600) -> bool:
        """Run until no entry point or group transition is in flight (at most ``limit``)."""
        return self.engine.settle(limit)

    # -- acting ----------------------------------------------------------------------------

    def event(self, do, **fields):
        """Apply one event now: ``sim.event("crash", system="n1")`` (see events.EVENTS)."""
        ev = dict(fields, do=do, at=self.now)
        events.apply(self, ev)
        self.engine.clock.run_due()

    def command(self, argv):
        """An ha* command line -> (exit code, stdout, stderr), as the shims print it."""
        return commands.run(self.engine, argv)

    # -- looking ----------------------------------------------------------------------------

    def group_state(self, group, system) -> str:
        return self.engine.group(group).insts[system].state

    def resource_state(self, resource, system) -> str:
        return self.engine.resource(resource).insts[system].display()

    def system_state(self, system) -> str:
        return self.engine.system(system).state

    def state_table(self) -> str:
        """Groups and resources by system, like `hastatus -sum` laid out as a grid."""
        e = self.engine
        systems = list(e.systems)
        width = max([12] + [len(s) + 2 for s in systems])
        rows = [["", *systems], ["SYSTEM", *[e.systems[s].state for s in systems]]]
        for g in e.groups.values():
            rows.append([g.name, *[g.insts[s].state if s in g.insts else "" for s in systems]])
            for r in g.resources:
                rows.append(
                    [
                        "  " + r.name,
                        *[r.insts[s].display() if s in r.insts else "" for s in systems],
                    ]
                )
        first = max(len(r[0]) for r in rows) + 2
        lines = []
        for row in rows:
            line = row[0].ljust(first) + "".join(c.ljust(width + 4) for c in row[1:])
            lines.append(line.rstrip())
        return "\n".join(lines) + "\n"

    def states(self) -> dict:
        """{group: {system: state}} for every group."""
        return {
            g.name: {s: gi.state for s, gi in g.insts.items()} for g in self.engine.groups.values()
        }


def run_scenario(
    main_cf, events_file, run_dir, mode="inprocess", verbose=None, sink=None, allow_include_dirs=()
):
    """Run an events file against a main.cf: (Simulator, failed expectations)."""
    evs, expect, duration, options = events.load(str(events_file))
    if verbose is None:
        verbose = bool(options.get("verbose", False))
    sim = Simulator.from_file(
        main_cf,
        run_dir,
        mode=mode,
        verbose=verbose,
        sink=sink,
        allow_include_dirs=allow_include_dirs,
    )
    sim.start()
    return sim, run_events(sim, evs, expect, duration)


def run_events(sim, evs, expect, duration):
    """Apply events and check expectations at their times; the failed expectations."""
    failures = []
    checks = sorted(expect, key=lambda x: int(x["at"]))
    schedule = sorted(
        [(int(ev["at"]), 0, i, ev) for i, ev in enumerate(evs)]
        + [(int(ex["at"]), 1, i, ex) for i, ex in enumerate(checks)],
        key=lambda t: (t[0], t[1], t[2]),
    )
    for at, kind, _, item in schedule:
        if at > sim.now:
            sim.run_until(at - 1 if kind == 0 else at)
            if kind == 0:
                sim.engine.clock.now = at
        if kind == 0:
            sim.engine.clock.now = max(sim.now, at)
            events.apply(sim, item)
            sim.engine.clock.run_due()
        else:
            sim.run_until(at)
            problem = events.check(sim, item)
            if problem:
                failures.append(problem)
    if duration > sim.now:
        sim.run_until(duration)
    return failures
