"""``vxha watch`` on every real node, as on a real cluster: one per node, inside the node's
namespaces and cgroup (its engine socket, its netlink, its mount table), asking the
simulator for probes through the ``ha*`` shims.

The shims reach the simulator through a socket the engine serves while its clock waits
(realtime.py), so a probe is handled between two steps of the cluster, as VCS's engine
handles a command between two events. A node's watch dies with the node (a crash kills
its cgroup) and is started again when the node is made again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from vxha.simulator.daemon import Daemon
from vxha.simulator.realnodes.host import RealNodeError

READY = re.compile(r"events connected")


class Inbox(Daemon):
    """The simulator's socket for the nodes' ``ha*`` commands, remembering each command
    with the monotonic time it came."""

    def __init__(self, sim, path):
        super().__init__(sim, path)
        self.commands = []  # [(monotonic time, argv)]

    def dispatch(self, req):
        if req.get("op") == "command":
            self.commands.append((time.monotonic(), list(req.get("argv") or [])))
        return super().dispatch(req)

    def probes(self, since: float = 0.0) -> list:
        """(resource, system) of every ``hares -probe`` asked for after ``since``."""
        out = []
        for t, argv in self.commands:
            if t >= since and argv[:2] == ["hares", "-probe"] and "-sys" in argv:
                out.append((argv[2], argv[argv.index("-sys") + 1]))
        return out


def _vxha() -> list:
    exe = os.path.join(os.path.dirname(sys.executable), "vxha")
    if os.access(exe, os.X_OK):
        return [exe]
    return [sys.executable, "-m", "vxha.cli.main"]


class Watches:
    """The watch of each running node, and the socket they ask the simulator through."""

    def __init__(self, sim, extra=()):
        from vxha.simulator.shims import install_shims

        self.sim = sim
        self.cluster = sim.cluster
        base = self.cluster.base
        self.bin = os.path.join(base, "watch-bin")
        install_shims(self.bin, sys.executable)
        self.inbox = Inbox(sim, os.path.join(base, "sim.sock")).bind()
        self.extra = list(extra)
        self.procs = {}  # system -> Popen
        self.env = {k: os.environ[k] for k in ("LANG", "LC_ALL") if k in os.environ}
        self.env["PATH"] = f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"
        self.env["VXHA_SIM_SOCKET"] = self.inbox.path
        sim.engine.clock.inbox = self.inbox

    def log_path(self, system: str) -> str:
        return os.path.join(self.cluster.node(system).dir, "watch.log")

    def start(self, system: str) -> None:
        """Start the watch of ``system``'s node (its previous one, if any, is gone)."""
        node = self.cluster.node(system)
        old = self.procs.pop(system, None)
        if old is not None and old.poll() is None:
            raise RealNodeError(f"the watch of {system} runs already")
        argv = [*node.enter(), *_vxha(), "watch", "--system", system, *self.extra]
        with open(self.log_path(system), "a") as log:
            self.procs[system] = subprocess.Popen(  # noqa: S603 - argv list
                argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=node.join,  # noqa: PLW1509 - dies with the node's cgroup
            )

    def wait_ready(self, systems, seconds: float = 30) -> None:
        """Until the watch of each of ``systems`` has its engine's events (serving the
        simulator's socket meanwhile: the watch reads the configuration first)."""
        end = time.monotonic() + seconds
        waiting = list(systems)
        while waiting:
            waiting = [s for s in waiting if not READY.search(self.text(s))]
            for s in waiting:
                proc = self.procs.get(s)
                if proc is None or proc.poll() is not None:
                    raise RealNodeError(f"the watch of {s} is not running:\n{self.text(s)}")
            if time.monotonic() > end:
                raise RealNodeError(f"the watch of {waiting[0]} did not connect within "
                                    f"{seconds:g} s:\n{self.text(waiting[0])}")  # fmt: skip
            self.inbox.serve_one(0.05)

    def text(self, system: str) -> str:
        try:
            with open(self.log_path(system)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """Stop every watch (SIGTERM: each saves what it saw), then stop serving."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.procs = {}
        if self.sim.engine.clock.inbox is self.inbox:
            self.sim.engine.clock.inbox = None
        self.inbox.close()
