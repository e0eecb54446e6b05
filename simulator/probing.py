"""Probing: every resource probed on every system at start and when a system rejoins (a
group probed there is no longer autodisabled there); autostart once a group is probed on
every running system of its SystemList (and only if not found online; parallel groups per
system); the concurrency violation (a failover group found online on two systems: offline
where it was caused); and when the next periodic monitor runs (MonitorInterval,
OfflineMonitorInterval; none while offline when it is 0), for every enabled resource, in a
disabled group too. What a monitor's answer leads to is faults.py's.
"""

from __future__ import annotations

from vxha.simulator.core import Intent, monitor_state
from vxha.simulator.model import FAULTED, MONITOR_TIMEDOUT, OFFLINE, ONLINE, UNKNOWN


class Probing:
    """Probes, autostart, concurrency violation and the monitor schedule."""

    # -- probes ----------------------------------------------------------------------------

    def start(self):
        """Probe every resource on every running system; autostart follows the probes."""
        if self.started:
            return
        self.started = True
        for s in self.systems.values():
            self.log(s.name, "system", "RUNNING (start)")
        from vxha.simulator.attrs import log_not_modelled

        log_not_modelled(self)
        for sname, s in self.systems.items():
            if s.up:
                self._persistent_up(sname)
                self._probe_system(sname)
        self.clock.run_due()

    def _persistent_up(self, sname):
        """A system boots with its persistent stand-in resources (a NIC, say) up."""
        if self.persistent_standins is None:
            self.persistent_standins = [
                r
                for r in self.resources.values()
                if r.type.persistent and r.type.agent == "standin"
            ]
        for r in self.persistent_standins:
            if sname in r.insts:
                self.standin.online.add((sname, r.name))

    def _probe_system(self, sname):
        for g in self.groups.values():
            gi = g.insts.get(sname)
            if gi is None:
                continue
            self._probe_group(g, sname, "probe")

    def _probe_group(self, g, sname, why):
        gi = g.insts[sname]
        todo = [r for r in g.resources if r.enabled]
        gi.unprobed = len(todo)
        if not todo:
            self._group_probed(g, sname, why)
        for r in todo:
            ri = r.insts[sname]
            ri.probed = False
            self._ep(ri, "monitor", None, self._probe_done, why)
        if todo and why == "probe":
            # After the probes' answers due this second (the clock is FIFO within one).
            self.clock.after(0, self._probes_pending, (g, sname, self.epoch[sname]))

    def _probes_pending(self, arg):
        """A group whose probes on a system have not all answered is autodisabled there
        until they have: VCS does not know its state there (hagrp(1M) 2.0, -autoenable)."""
        g, sname, epoch = arg
        gi = g.insts.get(sname)
        if epoch == self.epoch[sname] and gi is not None and gi.unprobed and not gi.autodisabled:
            self._autodisable(g, sname, "probe pending")

    def _probe_done(self, ri, code, timed_out, why):
        if timed_out:
            new = UNKNOWN
            ri.add_flag(MONITOR_TIMEDOUT)
        else:
            new = monitor_state(code)
        ri.probed = True
        if ri.state != FAULTED or why == "probe":
            self._set_state(ri, new, why)
        self._schedule_monitor(ri)
        gi = ri.res.group.insts[ri.sys]
        gi.unprobed -= 1
        if gi.unprobed == 0:
            self._group_probed(ri.res.group, ri.sys, why)

    def _group_probed(self, g, sname, why="probe"):
        """All resources of g probed on sname: violation check, then autostart if ready.

        Autostart follows the probes of a starting cluster or of a system joining it, not
        the probe after ``hagrp -enable``. Probed there, the group's state is known again:
        no longer autodisabled, unless a probe could not tell its resource's state: then
        it is autodisabled there, however soon the probe answered."""
        if why == "probe":
            if self._all_known(g, sname):
                self._autoenable_if_probed(g, sname)
            elif not g.insts[sname].autodisabled:
                # a probe answered unknown at once: the group is not probed there either
                self._autodisable(g, sname, "probe could not tell")
        self._check_violation(g)
        if why != "probe" or not self._probed_everywhere(g):
            return
        if g.parallel:
            # At cluster start every system once all are probed; later, the joining one.
            systems = list(g.insts) if not g.autostarted else [sname]
            g.autostarted = True
            for s in systems:
                if self._autostart_wanted(g, s):
                    self._want(Intent("autostart", g, system=s))
        elif self._autostart_wanted(g, None):
            self._want(Intent("autostart", g))

    def _autoenable_if_probed(self, g, sname):
        """Once every resource of ``g`` on ``sname`` has told its state (by its probe, or by
        a later monitor where the probe could not), the group is probed there and no
        longer autodisabled."""
        if g.insts[sname].autodisabled and self._all_known(g, sname):
            self._autoenable(g, sname, "probe")

    @staticmethod
    def _all_known(g, sname):
        """Every enabled resource of ``g`` answered its probe on ``sname`` with a state: a
        probe timed out or unknown leaves the group not probed there (KB 100018634)."""
        for r in g.resources:
            ri = r.insts[sname]
            if r.enabled and (ri.state == UNKNOWN or MONITOR_TIMEDOUT in ri.flags):
                return False
        return True

    # -- autostart -------------------------------------------------------------------------

    def _probed_everywhere(self, g):
        for s, gi in g.insts.items():
            if self.systems[s].up and gi.unprobed:
                return False
        return True

    def _autostart_wanted(self, g, sname):
        if not g.autostart or not g.enabled or g.is_frozen() or not g.autostartlist:
            return False
        if g.parallel:
            gi = g.insts[sname]
            return sname in g.autostartlist and self._base(gi) == OFFLINE and not gi.starting
        if g.autostarted:
            return False
        g.autostarted = True
        return not any(self._active(gi) for gi in g.insts.values())

    # -- concurrency violation -------------------------------------------------------------

    def _found_online(self, ri):
        """A monitor or probe found ri online outside an online VCS asked for."""
        ri.healthy_since = self.clock.now
        self._check_violation(ri.res.group, cause=ri.sys)

    def _check_violation(self, g, cause=None):
        """A failover group active on two systems goes offline on the system that caused
        it (the violation trigger's default); found so by the probes, on all but its best."""
        if g.parallel:
            return
        active = [
            s for s, gi in g.insts.items() if self._base(gi) != OFFLINE and self.systems[s].up
        ]
        if len(active) < 2:
            return
        if cause in active:
            keep = next(s for s in active if s != cause)
            stop = [cause]
        else:
            keep = min(active, key=lambda s: (g.systemlist.get(s, 0), g.order.get(s, 0)))
            stop = [s for s in active if s != keep]
        for s in stop:
            if not g.insts[s].stopping:
                self.log(s, g.name, f"concurrency violation: also online on {keep}")
                self._stop_group(g, s, "concurrency violation")

    # -- periodic monitor ------------------------------------------------------------------

    def _schedule_monitor(self, ri, delay=None):
        ri.gen += 1
        if delay is None:
            s = ri.res.s
            # OfflineMonitorInterval is for offline resources; UNKNOWN ones are watched
            # at MonitorInterval like online ones.
            online = ri.state in (ONLINE, UNKNOWN) or ri.clean_reason is not None
            if online:
                delay = s["MonitorInterval"]
            else:
                delay = s["OfflineMonitorInterval"]
                if not delay:
                    return  # OfflineMonitorInterval 0: offline resources are not monitored
        # A comparison, not max(): this runs for every monitor.
        self.clock.after(
            delay if delay > 1 else 1, self._monitor_due, (ri, ri.gen, self.epoch[ri.sys])
        )

    def _monitorable(self, ri):
        # A resource's own Enabled stops its monitoring; a disabled group's are monitored.
        # A system dropped from the SystemList has no instance left to monitor.
        return (
            self.systems[ri.sys].up
            and ri.sys in ri.res.group.insts
            and ri.res.enabled
            and ri.res.name in self.resources
        )

    def _monitor_due(self, arg):
        ri, gen, epoch = arg
        if gen != ri.gen or epoch != self.epoch[ri.sys] or not self._monitorable(ri):
            return
        if ri.busy:
            self._schedule_monitor(ri)
            return
        self._ep(ri, "monitor", None, self._monitor_done)
