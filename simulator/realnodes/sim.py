"""The simulator on real nodes: the same engine, transcript, events, daemon and ha* shims,
with entry points run by the real launchers on real drivers inside each node
(runners.RealRunner), the world of real components (world.py) and a clock that is the
wall clock (realtime.py).

```python
sim = RealSimulator.from_file("main.cf", run_dir)   # root only
try:
    sim.start()                    # builds the nodes, probes, autostarts (real time)
    sim.event("crash", system="n1")
    sim.settle(120)
finally:
    sim.close()                    # removes everything the run made
```
"""

from __future__ import annotations

import os

from vxha.simulator.api import Simulator
from vxha.simulator.realnodes.cluster import RealCluster
from vxha.simulator.realnodes.host import RealNodeError
from vxha.simulator.realnodes.realtime import RealClock
from vxha.simulator.realnodes.storage import local_fstype
from vxha.simulator.realnodes.watches import Watches
from vxha.simulator.realnodes.world import RealWorld
from vxha.simulator.runners import RealRunner


def local_filesystems(config) -> list:
    """CFSMount FSType values this machine cannot mount (vxfs) changed to the file system
    its volumes get (storage.py); one sentence per change."""
    notes = []
    for g in config.groups:
        for r in g.resources:
            if r.type != "CFSMount":
                continue
            values = [(None, r.attrs.get("FSType", "vxfs"))]
            values += list(r.local.get("FSType", {}).items())
            for system, fstype in values:
                local = local_fstype(fstype)
                if fstype in ("tmpfs", "bind", local):
                    continue
                if system is None:
                    r.attrs["FSType"] = local
                else:
                    r.local["FSType"][system] = local
                where = "" if system is None else f" @{system}"
                notes.append(f"{r.name}: FSType {fstype} -> {local}{where} (no VxFS here)")
    return notes


class RealSimulator(Simulator):
    MODES = ("real",)

    def __init__(
        self, config, run_dir, mode="real", verbose=False, sink=None, concurrent=False, **_
    ):
        """``concurrent``: entry points of different resources run at the same time, as
        VCS's agents run them (off by default: docs/simulator.md, "Time")."""
        if os.geteuid() != 0:
            raise RealNodeError("real-node mode needs root (namespaces, mounts, engines)")
        notes = local_filesystems(config)
        self.concurrent = concurrent
        self.cluster = RealCluster(str(run_dir))
        super().__init__(config, run_dir, "real", verbose=verbose, sink=sink)
        self.engine.clock = RealClock()
        self.watches = None
        for note in notes:
            self.engine.log("-", "real", note)

    def _make_runner(self, mode, process):
        return RealRunner(self.run_dir, self.cluster.nodes, concurrent=self.concurrent)

    def _make_world(self):
        return RealWorld(self.run_dir, self.engine.standin, self.cluster)

    def start(self, prepare=True):
        if prepare:
            self.world.prepare(self.engine)
            for run_dir, problems in self.cluster.swept:
                what = "removed" if not problems else "partly removed: " + "; ".join(problems)
                self.engine.log("-", "real", f"what a killed run left in {run_dir}: {what}")
        self.engine.start()
        return self

    def advance(self, seconds):
        """Run ``seconds`` on, but never stay behind the wall clock (a served simulator
        catches up with the time its requests and entry points took)."""
        clock = self.engine.clock
        self.engine.run_until(max(clock.now + int(seconds), int(clock.real_now())))
        return self

    def start_watches(self, *extra) -> Watches:
        """``vxha watch`` (with ``extra`` options) on every running node, each asking for
        probes through the ha* shims, served while the cluster runs; returns once each
        reads its engine's events. A node made again gets its watch again."""
        if self.watches is not None:
            raise RealNodeError("the nodes run their watches already")
        self.watches = Watches(self, extra)
        self.cluster.on_node_start = self.watches.start
        up = [s for s, node in self.cluster.nodes.items() if node.up]
        for system in up:
            self.watches.start(system)
        self.watches.wait_ready(up)
        return self.watches

    def stop_watches(self) -> None:
        if self.watches is not None:
            self.cluster.on_node_start = None
            self.watches.stop()
            self.watches = None

    def close(self) -> list:
        """Remove everything the run made; what could not be removed (empty: nothing)."""
        self.stop_watches()
        return self.cluster.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


FRAMEWORK_TYPES = ("Container", "HostIP", "PortForward", "CFSMount")  # vxha's agents


def monitor_intervals(sim, seconds: dict) -> None:
    """Set types' MonitorInterval ({type: seconds}) with the commands an admin types."""
    cmds = [["haconf", "-makerw"]]
    cmds += [["hatype", "-modify", t, "MonitorInterval", str(s)] for t, s in seconds.items()]
    cmds.append(["haconf", "-dump", "-makero"])
    for argv in cmds:
        code, _, err = sim.command(argv)
        if code != 0:
            raise RealNodeError(f"{' '.join(argv)}: {err.strip()}")
