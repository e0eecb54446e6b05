"""Systems: a crash (what ran there is wiped and its groups fail over, unless the system
was in jeopardy: then they are autodisabled there and stay put), a system's rejoin
(probed; parallel groups autostart there; failover groups are not moved back; a temporary
freeze is gone; the first system back after every one was down starts the cluster again),
an engine that stops answering (its peers fence the system, then it is a crash), and
hastop (-evacuate, -force; the cluster's EngineShutdown): VCS leaving a system on purpose.
"""

from __future__ import annotations

from vxha.simulator import policies
from vxha.simulator.core import Intent, SimError
from vxha.simulator.model import OFFLINE, UNKNOWN, as_int

# How long peers wait for a silent engine before declaring its system faulted (LLT
# peerinact, 16 s by default); then I/O fencing takes the system down (UNVERIFIED).
PEER_INACTIVE = 16


class Systems:
    """System crash, rejoin, jeopardy, hastop and an engine not answering."""

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
                ri.state = OFFLINE
                self._forget(ri)
            self._set_moving(gi, starting=False, stopping=False)
            gi.offline_set = None
            gi.then = None
            gi.unprobed = 0
            self._refresh(g, sname, why)
            if system.active.pop(g.name, None) is not None:
                self.triggers.load.changed(system, g)
        self.waiting_children = [w for w in self.waiting_children if w[1] != sname]
        for g in was_active:
            self._react_child_down(g, sname, why)
        for g in sorted(was_active, key=lambda g: (g.priority or 5, g.name)):
            if system.jeopardy:
                # With one link left the peers cannot tell a dead system from a lost
                # network: no failover, the group is autodisabled there.
                self._autodisable(g, sname, "faulted in jeopardy: no failover")
            elif not g.parallel and not g.is_frozen():
                self._failover(g, sname, why)
        self._dirty_all()
        self.clock.run_due()

    @staticmethod
    def _forget(ri):
        """What VCS knew of a resource on a system it no longer hears from."""
        ri.busy = None
        ri.flags = ()
        ri.probed = False
        ri.tolerance = ri.restarts = ri.retries = ri.monitor_timeouts = ri.waits = 0
        ri.clean_failures = 0
        ri.clean_reason = ri.admin_wait = None
        ri.restart_pending = ri.flushed = False
        ri.gen += 1

    def restart(self, sname):
        system = self.systems[sname]
        if system.up:
            raise SimError(f"system {sname} is already running")
        system.up = True
        system.jeopardy = False
        old = system.state
        system.state = "RUNNING"
        self.log(sname, "system", f"{old} -> RUNNING (restart)")
        if system.tfrozen:  # a temporary freeze does not outlive the system's VCS
            system.tfrozen = False
            self.log(sname, "system", "TFrozen 1 -> 0 (restart)")
        self._persistent_up(sname)
        if not any(other.up for other in self.systems.values() if other is not system):
            # Every system was down: this one starts the cluster again, and groups
            # autostart as when VCS is started; a temporary group freeze ends with it.
            for g in self.groups.values():
                g.autostarted = False
                if g.tfrozen:
                    g.tfrozen = False
                    self.log("-", g.name, "TFrozen 1 -> 0 (cluster restart)")
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

    def jeopardy(self, sname):
        """The system is down to one heartbeat link (LLT): a jeopardy membership."""
        self.systems[sname].jeopardy = True
        self.log(sname, "system", "jeopardy: one heartbeat link left")

    # -- AutoDisabled ----------------------------------------------------------------------

    def _autodisable(self, g, sname, why):
        if g.cluster_service:  # it "cannot be autodisabled" (Admin 5.1)
            return
        g.insts[sname].autodisabled = True
        self._refresh(g, sname, why)

    def _autoenable(self, g, sname, why):
        g.insts[sname].autodisabled = False
        self._refresh(g, sname, why)

    # -- hastop ----------------------------------------------------------------------------

    def stop_engine(self, sname, force=False, evacuate=False, autodisable=True):
        """hastop on one system: -force stops VCS and leaves the groups running; otherwise
        the groups are taken offline (parents first) and stay offline, or with -evacuate
        are switched to other systems, then VCS exits there. Groups that can run there
        are autodisabled there until it rejoins."""
        system = self.systems[sname]
        if not system.up or system.leaving:
            raise SimError(f"VCS is not running on system {sname}", "V-16-1-10446")
        if force:
            self._exit(sname, "hastop -force", autodisable)
            return
        self._refuse_admin_wait(sname)
        system.leaving = True
        old = system.state
        system.state = "LEAVING"
        self.log(sname, "system", f"{old} -> LEAVING (hastop{' -evacuate' if evacuate else ''})")
        pending = [
            g
            for g in self.groups.values()
            if sname in g.insts and (self._active(g.insts[sname]) or g.insts[sname].stopping)
        ]
        stopping = set()

        def step():
            if not pending:
                self._exit(sname, "hastop", autodisable)
                return
            for g in list(pending):
                if g.name in stopping or self._has_local_parent(g, sname, pending):
                    continue
                stopping.add(g.name)
                self._leave(g, sname, evacuate, lambda g=g: (pending.remove(g), step()))

        step()
        self.clock.run_due()

    def check_engine_shutdown(self, op, force=False, evacuate=False, autodisable=True):
        """The cluster's EngineShutdown: Disable rejects every hastop, DisableClusStop
        ``hastop -all``; neither applies to -force or to -evacuate -noautodisable. The
        Prompt values are processed: the simulator has no terminal to ask on."""
        if force or (evacuate and not autodisable):
            return
        cluster = self.config.cluster
        value = str((cluster.attrs if cluster else {}).get("EngineShutdown", "Enable"))
        if value == "Disable" or (value == "DisableClusStop" and op == "-all"):
            raise SimError(
                f"hastop {op} rejected: the cluster's EngineShutdown is {value}", "V-16-1-10630"
            )

    def stop_all(self, force=False):
        """``hastop -all [-force]``: every running system as ``hastop -sys`` stops it; an
        ADMIN_WAIT anywhere refuses the whole command before any system stops."""
        running = [s for s, system in self.systems.items() if system.up and not system.leaving]
        if not running:
            raise SimError("VCS is not running on any system", "V-16-1-10446")
        if not force:
            for sname in running:
                self._refuse_admin_wait(sname)
        for sname in running:
            self.stop_engine(sname, force)

    def _refuse_admin_wait(self, sname):
        for r in self.resources.values():
            ri = r.insts.get(sname)
            if ri is not None and ri.admin_wait is not None:
                raise SimError(
                    f"Resource {r.name} is in ADMIN_WAIT on system {sname}: use hastop -force",
                    "V-16-1-10176",
                )

    @staticmethod
    def _has_local_parent(g, sname, pending):
        return any(
            d.location == "local" and d.category == "online" and d.parent in pending
            for d in g.rdeps
        )

    def _leave(self, g, sname, evacuate, done, freeze=False):
        """Take g off sname for hastop (with -evacuate to another system first), or for
        hasys -freeze -evacuate (``freeze``: said as the switch it is)."""
        gi = g.insts[sname]
        if gi.stopping:  # already going (a switch, say): keep what follows it, then go on
            then = gi.then
            gi.then = lambda: (then() if then else None, done())
            return
        target = None
        if evacuate and not freeze and not as_int(g.attr("Evacuate", 1), 1):
            # Evacuate 0: hastop -evacuate leaves the group out (chosen as the name says)
            evacuate = False
            self.log(sname, g.name, "Evacuate 0: not evacuated, taken offline")
        if evacuate and not g.parallel:
            cands = [
                self.systems[s]
                for s in g.systemlist
                if s != sname and self.eligible(g, s, ignore_deps=True)
            ]
            target = policies.choose(g, cands, g.policy, self.statistics)
        if target is None:
            if freeze:
                self.log(sname, g.name, "no other system available: taken offline (evacuate)")
            # a child leaving: its global and remote firm parents too, after it (as a
            # switch does; local parents went first, in the callers' order)
            self._react_child_down(g, sname, "taken offline")
            self._stop_group(g, sname, "admin" if freeze else "hastop", then=done)
            return
        went, came = ("switch to", "switch from") if freeze else ("evacuate to", "evacuate from")

        def moved():
            self._want(Intent("switch", g, to=target.name, reason=f"{came} {sname}"))
            done()

        self._react_child_down(g, sname, "switched")
        self._stop_group(g, sname, f"{went} {target.name}", then=moved)

    def evacuate_system(self, sname):
        """hasys -freeze -evacuate: every failover group active on sname is switched to
        another system (taken offline when none can take it), local parents before their
        children, as hastop -evacuate moves them; a group VCS may not switch (frozen,
        disabled, in ADMIN_WAIT) stays."""
        pending = []
        for g in self.groups.values():
            gi = g.insts.get(sname)
            if gi is None or g.parallel or not self._active(gi):
                continue
            try:
                self._check_actionable(g)
                self._check_no_admin_wait(g, "switch")
            except SimError as exc:
                self.log(sname, g.name, f"not evacuated: {exc}")
                continue
            pending.append(g)
        going = set()

        def step():
            for g in list(pending):
                if g.name in going or self._has_local_parent(g, sname, pending):
                    continue
                going.add(g.name)
                self._leave(g, sname, True, lambda g=g: (pending.remove(g), step()), True)

        step()

    def _exit(self, sname, why, autodisable):
        system = self.systems[sname]
        old = system.state
        system.up = False
        system.leaving = False
        system.state = "EXITED"
        self.epoch[sname] += 1  # what ran there is no longer monitored
        self.log(sname, "system", f"{old} -> EXITED ({why})")
        for g in self.groups.values():
            gi = g.insts.get(sname)
            if gi is None:
                continue
            for r in g.resources:
                self._forget(r.insts[sname])
            self._set_moving(gi, starting=False, stopping=False)
            gi.offline_set = gi.then = None
            if autodisable:
                self._autodisable(g, sname, why)
        self.waiting_children = [w for w in self.waiting_children if w[1] != sname]
        self._dirty_all()
