"""The real nodes' world: what the simulator's events do on real components.

The same interface as the fake drivers' world (simulator/world.py): the engine prepares
it, crashes a system through it, and the events file's outside-VCS events reach it; the
agents find out by monitoring, as on a real node. Besides those, the events only real
nodes have (``REAL_EVENTS``): the node's container engine stopped with its containers,
hung (SIGSTOP), resumed, started again; its link down or up.
"""

from __future__ import annotations

from vxha.simulator.realnodes.host import RealNodeError

REAL_EVENTS = {
    "runtime_stop": "the node's container engine stops, with its containers",
    "runtime_hang": "the node's container engine stops answering (SIGSTOP)",
    "runtime_resume": "a hung container engine answers again (SIGCONT)",
    "runtime_start": "a stopped container engine starts again",
    "link_down": "the node's link to the public network goes down (args.device: one NIC)",
    "link_up": "the node's link comes back",
}


class RealWorld:
    real = True

    def __init__(self, run_dir, standin, cluster):
        self.run_dir = str(run_dir)
        self.standin = standin
        self.cluster = cluster

    # -- set-up ---------------------------------------------------------------------------

    def prepare(self, engine, systems=None):
        """The machine made ready for the configuration (first call), or a crashed
        system's node made again (its rejoin)."""
        if self.cluster.ledger is None:
            self.cluster.build(engine, systems)
            return
        for s in systems or ():
            node = self.cluster.nodes.get(s)
            if node is None or not node.up:
                self.cluster.start_node(s)

    def ensure(self, systems):
        """A system added by ``hasys -add`` gets its node when it joins (restart)."""

    def ensure_nics(self, system, devices):
        node = self.cluster.nodes.get(system)
        if node is not None and node.up:
            self.cluster.public.plug(node, [d for d in devices if d])

    # -- events ---------------------------------------------------------------------------

    def crash(self, system):
        self.cluster.crash_node(system)

    def kill(self, res, system):
        """The resource stops outside VCS, as its component fails on a real node."""
        if res.type.agent != "framework":
            self.standin.kill(system, res.name)
            return
        node = self.cluster.node(system)
        v = res.values(system)
        kind = res.type.name
        if kind == "Container":
            name = v.get("RuntimeName") or v.get("Name") or res.name
            node.running_engine().docker("kill", name, timeout=30)
        elif kind == "HostIP":
            self.remove_ip(system, v.get("Address"), v.get("PrefixLen"), v.get("Device"))
        elif kind == "CFSMount":
            node.sh("umount", "--lazy", v.get("MountPoint"))
        else:
            raise ValueError(f"cannot kill a {kind} resource on a real node")

    def remove_ip(self, system, address, prefixlen=None, device=None):
        node = self.cluster.node(system)
        node.sh("ip", "addr", "del", f"{address}/{prefixlen or 32}", "dev", device)

    def start_outside(self, res, system):
        if res.type.agent != "framework":
            self.standin.online.add((system, res.name))
            return
        raise ValueError(f"cannot start a {res.type.name} resource outside VCS on a real node")

    def set_faults(self, system, faults, replace=False):
        raise ValueError(
            "fake-driver faults (faults.json) do not reach real nodes: use runtime_hang,"
            " runtime_stop or link_down"
        )

    def real_event(self, do, system, args):
        node = self.cluster.node(system)
        if do in ("link_down", "link_up"):
            device = args.get("device") if isinstance(args, dict) else None
            self.cluster.public.set_link(node, do == "link_up", device)
        elif do == "runtime_stop":
            node.engine_stop()
        elif do == "runtime_hang":
            node.engine_hang()
        elif do == "runtime_resume":
            node.engine_resume()
        elif do == "runtime_start":
            node.engine_start()
        else:
            raise RealNodeError(f"unknown real-node event {do}")

    def close(self):
        return self.cluster.remove()
