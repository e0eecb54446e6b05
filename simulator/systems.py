"""Systems: a crash (what ran there is wiped and its groups fail over), a crashed system's
rejoin (probed; parallel groups autostart there; failover groups are not moved back) and
an engine that stops answering (its peers fence the system, then it is a crash).
"""

from __future__ import annotations

from vxha.simulator.core import SimError
from vxha.simulator.model import OFFLINE, UNKNOWN

# How long peers wait for a silent engine before declaring its system faulted (LLT
# peerinact, 16 s by default); then I/O fencing takes the system down (UNVERIFIED).
PEER_INACTIVE = 16


class Systems:
    """System crash, rejoin and an engine not answering."""

    def crash(self, sname, why="crash"):
        system = self.systems[sname]
        if not system.up:
            raise SimError(f"system {sname} is already down")
        old = system.state
        system.up = False
        system.state = "FAULTED"
        self.epoch[sname] += 1
        self.log(sname, "system", f"{old} -> FAULTED ({why})")
        self.standin.crash(sname)
        if self.world is not None:
            self.world.crash(sname)
        was_active = []
        for g in self.groups.values():
            gi = g.insts.get(sname)
            if gi is None:
                continue
            if self._active(gi) or gi.stopping:
                was_active.append(g)
            for r in g.resources:
                ri = r.insts[sname]
                if ri.busy:
                    ri.busy = None
                ri.state = OFFLINE
                ri.flags = ()
                ri.probed = False
                ri.tolerance = ri.restarts = ri.retries = ri.monitor_timeouts = ri.waits = 0
                ri.clean_reason = None
                ri.restart_pending = False
                ri.gen += 1
            self._set_moving(gi, starting=False, stopping=False)
            gi.offline_set = None
            gi.then = None
            gi.unprobed = 0
            self._refresh(g, sname, why)
            system.active.pop(g.name, None)
        self.waiting_children = [w for w in self.waiting_children if w[1] != sname]
        for g in was_active:
            self._react_child_down(g, sname, why)
        for g in sorted(was_active, key=lambda g: (g.priority or 5, g.name)):
            if not g.parallel and not g.is_frozen():
                self._failover(g, sname, why)
        self._dirty_all()
        self.clock.run_due()

    def restart(self, sname):
        system = self.systems[sname]
        if system.up:
            raise SimError(f"system {sname} is already running")
        system.up = True
        old = system.state
        system.state = "RUNNING"
        self.log(sname, "system", f"{old} -> RUNNING (restart)")
        for g in self.groups.values():
            if sname in g.insts:
                for r in g.resources:
                    r.insts[sname].state = UNKNOWN
                g.insts[sname].state = self.group_state(g, sname)
        self._probe_system(sname)
        self._dirty_all()
        self.clock.run_due()

    def engine_hang(self, sname, seconds=PEER_INACTIVE):
        self.log(sname, "system", "engine not answering")
        epoch = self.epoch[sname]

        def fence(_):
            if self.epoch[sname] == epoch and self.systems[sname].up:
                self.crash(sname, "engine not answering: fenced")

        self.clock.after(seconds, fence)
