"""The VCS engine model: probing, autostart, online/offline in dependency order, monitoring,
fault handling, failover and group dependencies, on a virtual clock.

Entry points complete instantly in virtual time unless they hang (then they take their
whole timeout); what follows an entry point is scheduled on the clock, so a cascade runs
in a deterministic order. The rules followed are VCS_ENGINE.md's; the choices made where
VCS's behaviour is not public are the table in docs/simulator.md.
"""

from __future__ import annotations

import gc
import importlib.util

from vxha.simulator import dependencies as deps_mod
from vxha.simulator import policies, why
from vxha.simulator.clock import Clock
from vxha.simulator.model import (
    ADMIN_WAIT,
    FAULTED,
    MONITOR_TIMEDOUT,
    OFFLINE,
    ONLINE,
    UNABLE_TO_OFFLINE,
    UNKNOWN,
    Dep,
    SimGroup,
    SimResource,
    SimSystem,
    SimType,
)
from vxha.simulator.runners import FRAMEWORK_TYPES, StandIn
from vxha.simulator.transcript import Transcript
from vxha.vcs_types.decl import TypeDecl

# How long peers wait for a silent engine before declaring its system faulted (LLT
# peerinact, 16 s by default); then I/O fencing takes the system down (UNVERIFIED).
PEER_INACTIVE = 16


class SimError(Exception):
    """An admin request the engine refuses; ``msgid`` is VCS's message number."""

    def __init__(self, message, msgid="V-16-1-10000"):
        super().__init__(message)
        self.msgid = msgid


def monitor_state(code):
    if code == 100 or code == 200:
        return OFFLINE
    if 101 <= code <= 110:
        return ONLINE
    return UNKNOWN


class Intent:
    """A group the engine wants online somewhere: autostart, failover, a move or a switch."""

    __slots__ = ("kind", "group", "system", "exclude", "to", "reason")

    def __init__(self, kind, group, system=None, exclude=(), to=None, reason=""):
        self.kind = kind
        self.group = group
        self.system = system  # parallel groups: the one system this intent is for
        self.exclude = set(exclude)
        self.to = to
        self.reason = reason or kind

    def key(self):
        return (self.group.name, self.system)


class Engine:
    def __init__(self, config, runner=None, transcript=None, verbose=False, world=None):
        self.config = config
        self.clock = Clock()
        self.transcript = transcript if transcript is not None else Transcript()
        self.runner = runner
        self.standin = StandIn()
        self.world = world  # the fake drivers' state (crash wipes a system's)
        self.verbose = verbose
        self.types = {}
        self.systems = {}
        self.groups = {}
        self.resources = {}
        self.intents = {}
        self.intent_keys = {}  # group name -> its intents' keys
        self.dirty = set()
        self.pass_pending = False
        self.waiting_children = []  # [parents still stopping, system, continuation]
        self.ep_faults = {}  # (resource, system, entry point) -> {"mode", "count", "seconds"}
        self.in_flight = 0
        self.moving = 0  # group instances starting or stopping
        self.started = False
        self.writable = False
        self.warnings = []
        self.epoch = {}
        paused = gc.isenabled()
        gc.disable()  # building makes only long-lived objects: nothing for the collector
        try:
            self._build()
        finally:
            if paused:
                gc.enable()

    # -- building ------------------------------------------------------------------------

    def _build(self):
        cfg = self.config
        attrs = cfg.cluster.attrs if cfg.cluster else {}
        self.statistics = str(attrs.get("Statistics", "")) == "Enabled"
        for s in cfg.systems:
            self.systems[s.name] = SimSystem(s)
            self.epoch[s.name] = 0
        for g in cfg.groups:
            self._add_group(g)
        for g in cfg.groups:
            for d in g.deps:
                self._add_dep(self.groups[g.name], d)

    def sim_type(self, name):
        t = self.types.get(name)
        if t is not None:
            return t
        decl, agent = None, "standin"
        if name in FRAMEWORK_TYPES:
            from vxha.vcs_types.catalog import project_type

            decl = project_type(name)
            module = (decl.agent or "").partition(":")[0]
            if module and importlib.util.find_spec(module) is not None:
                agent = "framework"
            else:
                self.warnings.append(f"type {name}: agent {module} missing, stand-in used")
        if decl is None:
            decl = self.config.types.get(name)
        if decl is None:
            from vxha.vcs_types.catalog import bundled_types

            for decls in bundled_types().values():
                for d in decls:
                    if d.name == name:
                        decl = d
        if decl is None:
            decl = TypeDecl(name, attrs=[], arglist=[])
        t = self.types[name] = SimType(decl, agent)
        return t

    def _add_group(self, gmodel):
        g = SimGroup(gmodel)
        self.groups[g.name] = g
        for rmodel in gmodel.resources:
            r = SimResource(rmodel, self.sim_type(rmodel.type), g)
            g.resources.append(r)
            self.resources[r.name] = r
        for link in gmodel.links:
            self._add_link(g, link.parent, link.child)
        self._make_insts(g)
        return g

    def _make_insts(self, g):
        from vxha.simulator.model import GInst, RInst

        for s in g.systemlist:
            if s not in self.systems:
                continue
            if s not in g.insts:
                g.insts[s] = GInst(g, s)
            for r in g.resources:
                if s not in r.insts:
                    r.insts[s] = RInst(r, s)

    def _add_link(self, g, parent, child):
        p, c = self.resources.get(parent), self.resources.get(child)
        if p is None or c is None or p.group is not g or c.group is not g:
            raise SimError(f"link {parent} -> {child}: both resources must be in group {g.name}")
        if c not in p.children:
            p.children.append(c)
            c.parents.append(p)

    def _add_dep(self, parent, dmodel):
        child = self.groups.get(dmodel.child)
        if child is None:
            raise SimError(f"group {parent.name} requires unknown group {dmodel.child}")
        dep = Dep(parent, child, dmodel)
        parent.deps.append(dep)
        child.rdeps.append(dep)
        return dep

    # -- logging -------------------------------------------------------------------------

    def log(self, system, obj, text):
        self.transcript.add(self.clock.now, system, obj, text)

    # -- time ----------------------------------------------------------------------------

    def advance(self, seconds):
        self.clock.run_until(self.clock.now + int(seconds))

    def run_until(self, when):
        self.clock.run_until(int(when))

    def settled(self):
        return self.in_flight == 0 and self.moving == 0 and not self.pass_pending

    def settle(self, limit=3600):
        """Run until nothing is in flight (periodic monitors aside), at most ``limit`` s."""
        end = self.clock.now + limit
        self.clock.run_due()
        while not self.settled():
            nxt = self.clock.next_time()
            if nxt is None or nxt > end:
                break
            self.clock.run_until(nxt)
        return self.settled()

    # -- start ---------------------------------------------------------------------------

    def start(self):
        """Probe every resource on every running system; autostart follows the probes."""
        if self.started:
            return
        self.started = True
        for s in self.systems.values():
            self.log(s.name, "system", "RUNNING (start)")
        for sname, s in self.systems.items():
            if s.up:
                self._probe_system(sname)
        self.clock.run_due()

    def _probe_system(self, sname):
        for g in self.groups.values():
            gi = g.insts.get(sname)
            if gi is None:
                continue
            self._probe_group(g, sname, "probe")

    def _probe_group(self, g, sname, why):
        gi = g.insts[sname]
        if not (g.enabled and gi.enabled):
            return
        todo = [r for r in g.resources if r.enabled]
        gi.unprobed = len(todo)
        if not todo:
            self._group_probed(g, sname, why)
        for r in todo:
            ri = r.insts[sname]
            ri.probed = False
            self._ep(ri, "monitor", None, self._probe_done, why)

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
        the probe after ``hagrp -enable``."""
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

    def _probed_everywhere(self, g):
        for s, gi in g.insts.items():
            if self.systems[s].up and g.enabled and gi.enabled and gi.unprobed:
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

    def _check_violation(self, g):
        if g.parallel:
            return
        active = [
            s for s, gi in g.insts.items() if self._base(gi) != OFFLINE and self.systems[s].up
        ]
        if len(active) < 2:
            return
        keep = min(active, key=lambda s: (g.systemlist.get(s, 0), g.order.get(s, 0)))
        for s in active:
            if s != keep and not g.insts[s].stopping:
                self.log(s, g.name, f"concurrency violation: also online on {keep}")
                self._stop_group(g, s, "concurrency violation")

    # -- entry points ---------------------------------------------------------------------

    def _ep(self, ri, ep, reason, then, ctx=None):
        """Call an entry point; ``then(ri, code, timed_out, ctx)`` runs when it is over."""
        res = ri.res
        typ = res.type
        timeout = typ.timeout(ep)
        duration = 0
        fault = self.ep_faults.get((res.name, ri.sys, ep)) if self.ep_faults else None
        if fault is not None:
            code, timed_out, duration = self._injected(fault, ri, ep, reason, timeout)
        elif typ.agent == "standin":
            code, timed_out = self.standin.call(res, ri.sys, ep, reason, timeout)
        else:
            code, timed_out = self.runner.call(res, ri.sys, ep, reason, timeout)
        if timed_out:
            duration = timeout
        ri.busy = ep
        self.in_flight += 1
        self.clock.after(
            duration,
            self._ep_over,
            (ri, ep, reason, code, timed_out, then, ctx, self.epoch[ri.sys]),
        )

    def _injected(self, fault, ri, ep, reason, timeout):
        if fault.get("count") is not None:
            fault["count"] -= 1
            if fault["count"] <= 0:
                del self.ep_faults[(ri.res.name, ri.sys, ep)]
        mode = fault["mode"]
        if mode == "hang":
            return (99 if ep == "monitor" else 1), True, timeout
        if mode == "fail":
            return (99 if ep == "monitor" else 1), False, 0
        # slow: runs normally, takes `seconds`, times out when that exceeds the timeout
        seconds = int(fault.get("seconds", 1))
        if seconds >= timeout:
            return (99 if ep == "monitor" else 1), True, timeout
        if ri.res.type.agent == "standin":
            code, _ = self.standin.call(ri.res, ri.sys, ep, reason, timeout)
        else:
            code, _ = self.runner.call(ri.res, ri.sys, ep, reason, timeout)
        return code, False, seconds

    def _ep_over(self, arg):
        ri, ep, reason, code, timed_out, then, ctx, epoch = arg
        self.in_flight -= 1
        if epoch != self.epoch[ri.sys]:
            return  # the system crashed meanwhile
        ri.busy = None
        if ep != "monitor":
            what = f"{ep}({reason})" if ep == "clean" else ep
            if timed_out:
                self.log(ri.sys, ri.res.name, f"{what} timed out ({ri.res.type.timeout(ep)} s)")
            else:
                self.log(ri.sys, ri.res.name, f"{what} exit {code}")
        elif timed_out:
            self.log(ri.sys, ri.res.name, "monitor timed out")
        elif self.verbose:
            self.log(ri.sys, ri.res.name, f"monitor exit {code}")
        then(ri, code, timed_out, ctx)
        if ri.busy is None:
            if ri.state == ONLINE:
                for p in ri.res.parents:
                    pri = p.insts[ri.sys]
                    if pri.restart_pending and not pri.busy:
                        self._restart_when_ready(pri)
            # A group in transition may have been waiting for this resource to be free.
            g = ri.res.group
            gi = g.insts.get(ri.sys)
            if gi is not None and gi.stopping:
                self._offline_ready(g, ri.sys)
            elif gi is not None and gi.starting:
                self._online_ready(g, ri.sys)

    # -- resource state ------------------------------------------------------------------

    def _set_state(self, ri, new, why):
        old = ri.stable()
        ri.state = new
        if new in (OFFLINE, FAULTED, ONLINE):
            ri.drop_flag(UNABLE_TO_OFFLINE)
        if ri.stable() != old:
            self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} ({why})")
        self._refresh(ri.res.group, ri.sys, why)

    def _schedule_monitor(self, ri, delay=None):
        ri.gen += 1
        if delay is None:
            s = ri.res.type.s
            # OfflineMonitorInterval is for offline resources; UNKNOWN ones are watched
            # at MonitorInterval like online ones.
            online = ri.state in (ONLINE, UNKNOWN) or ri.clean_reason is not None
            delay = s["MonitorInterval"] if online else s["OfflineMonitorInterval"]
        self.clock.after(max(1, delay), self._monitor_due, (ri, ri.gen, self.epoch[ri.sys]))

    def _monitorable(self, ri):
        g = ri.res.group
        return (
            self.systems[ri.sys].up
            and g.enabled
            and g.insts[ri.sys].enabled
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

    def _monitor_done(self, ri, code, timed_out, ctx):
        res = ri.res
        s = res.type.s
        if timed_out:
            ri.monitor_timeouts += 1
            old = ri.stable()
            ri.add_flag(MONITOR_TIMEDOUT)
            if ri.stable() != old:
                self.log(ri.sys, res.name, f"{old} -> {ri.stable()} (monitor)")
            limit = s["FaultOnMonitorTimeouts"]
            if (
                ri.state == ONLINE
                and limit
                and ri.monitor_timeouts >= limit
                and not res.group.is_frozen()
            ):
                self._resource_failed(ri, 5)
            else:
                self._schedule_monitor(ri)
            return
        if ri.monitor_timeouts or MONITOR_TIMEDOUT in ri.flags:
            ri.monitor_timeouts = 0
            old = ri.stable()
            ri.drop_flag(MONITOR_TIMEDOUT)
            self.log(ri.sys, res.name, f"{old} -> {ri.stable()} (monitor)")
        new = monitor_state(code)
        if ri.clean_reason is not None and not res.group.is_frozen():
            reason, purpose = ri.clean_reason
            self._ep(ri, "clean", reason, self._clean_done, purpose)
            return
        if ri.state == ONLINE:
            if new == ONLINE:
                if ri.res.type.s["ConfInterval"] <= self.clock.now - ri.healthy_since and (
                    ri.tolerance or ri.restarts
                ):
                    ri.tolerance = ri.restarts = 0
                self._schedule_monitor(ri)
            elif new == UNKNOWN:
                self._set_state(ri, UNKNOWN, "monitor")
                self._schedule_monitor(ri)
            else:
                self._unexpected_offline(ri)
            return
        if ri.state in (OFFLINE, UNKNOWN) and new != ri.state:
            self._set_state(ri, new, "monitor")
            if new == ONLINE:
                ri.healthy_since = self.clock.now
                self._check_violation(res.group)
        self._schedule_monitor(ri)

    def _unexpected_offline(self, ri):
        res = ri.res
        s = res.type.s
        g = res.group
        if g.is_frozen():
            self._set_state(ri, FAULTED, "monitor; group frozen: no action")
            self._schedule_monitor(ri)
            return
        if ri.tolerance < s["ToleranceLimit"]:
            ri.tolerance += 1
            self.log(
                ri.sys,
                res.name,
                f"offline tolerated ({ri.tolerance}/{s['ToleranceLimit']}) (monitor)",
            )
            self._schedule_monitor(ri, s["MonitorInterval"])
            return
        self._set_state(ri, OFFLINE, "monitor")
        self._resource_failed(ri, 4)

    def _resource_failed(self, ri, reason):
        """Unexpected offline (4) or monitor hung (5): clean, then restart or fault."""
        res = ri.res
        s = res.type.s
        if res.group.manage_faults == "NONE":
            old = ri.stable()
            ri.add_flag(ADMIN_WAIT)
            self.log(ri.sys, res.name, f"{old} -> {ri.stable()} (ManageFaults NONE)")
            self._schedule_monitor(ri)
            return
        if ri.restarts < s["RestartLimit"]:
            ri.restarts += 1
            purpose = "restart"
            self.log(ri.sys, res.name, f"restart {ri.restarts}/{s['RestartLimit']}")
        else:
            purpose = "fault"
        self._ep(ri, "clean", reason, self._clean_done, purpose)

    def _clean_done(self, ri, code, timed_out, purpose):
        res = ri.res
        if timed_out or code != 0:
            ri.clean_reason = (ri.clean_reason or (None,))[0], purpose
            if ri.clean_reason[0] is None:
                ri.clean_reason = (self._reason_for(purpose), purpose)
            old = ri.stable()
            ri.add_flag(UNABLE_TO_OFFLINE)
            if ri.stable() != old:
                self.log(ri.sys, res.name, f"{old} -> {ri.stable()} (clean failed)")
            self._schedule_monitor(ri, res.type.s["MonitorInterval"])
            return
        ri.clean_reason = None
        ri.drop_flag(UNABLE_TO_OFFLINE)
        if purpose == "restart":
            ri.healthy_since = self.clock.now
            self._set_state(ri, OFFLINE, "clean")
            self._restart_when_ready(ri)
        elif purpose in ("fault", "online"):
            self._set_state(ri, FAULTED, "clean")
            self._schedule_monitor(ri)
            self._resource_faulted(ri)
        elif purpose == "retry":
            self._set_state(ri, OFFLINE, "clean")
            self._online_res(ri, "retry")
        else:  # offline
            self._set_state(ri, OFFLINE, "clean")
            self._schedule_monitor(ri)
            self._after_res_offline(ri)

    @staticmethod
    def _reason_for(purpose):
        return {"restart": 4, "fault": 4, "online": 3, "retry": 3, "offline": 1}.get(purpose, 4)

    def _clean(self, ri, reason, purpose):
        ri.clean_reason = (reason, purpose)
        self._ep(ri, "clean", reason, self._clean_done, purpose)

    # -- online / offline of one resource -------------------------------------------------

    def _online_res(self, ri, why):
        if ri.busy:
            return
        ri.waits = 0
        self._ep(ri, "online", None, self._online_done, why)

    def _online_done(self, ri, code, timed_out, why):
        if timed_out:
            self._online_ineffective(ri, 2)
            return
        self._ep(ri, "monitor", None, self._online_check, why)

    def _online_check(self, ri, code, timed_out, why):
        s = ri.res.type.s
        if not timed_out and monitor_state(code) == ONLINE:
            ri.waits = 0
            ri.retries = 0
            ri.healthy_since = self.clock.now
            self._set_state(ri, ONLINE, "online" if why in ("group", "admin") else why)
            self._schedule_monitor(ri)
            self._after_res_online(ri)
            return
        if ri.waits < s["OnlineWaitLimit"]:
            ri.waits += 1
            ri.busy = "online"  # no periodic monitor while waiting
            self.in_flight += 1
            self.clock.after(s["MonitorInterval"], self._online_wait, (ri, why, self.epoch[ri.sys]))
            return
        self._online_ineffective(ri, 3)

    def _online_wait(self, arg):
        ri, why, epoch = arg
        self.in_flight -= 1
        if epoch != self.epoch[ri.sys]:
            return
        ri.busy = None
        self._ep(ri, "monitor", None, self._online_check, why)

    def _online_ineffective(self, ri, reason):
        s = ri.res.type.s
        if ri.retries < s["OnlineRetryLimit"]:
            ri.retries += 1
            self.log(ri.sys, ri.res.name, f"online retry {ri.retries}/{s['OnlineRetryLimit']}")
            self._clean(ri, reason, "retry")
        else:
            ri.retries = 0
            self._clean(ri, reason, "online")

    def _offline_res(self, ri):
        if ri.busy:
            return
        self._ep(ri, "offline", None, self._offline_done)

    def _offline_done(self, ri, code, timed_out, ctx):
        if timed_out:
            self._clean(ri, 0, "offline")
            return
        self._ep(ri, "monitor", None, self._offline_check, 0)

    def _offline_check(self, ri, code, timed_out, waits):
        if not timed_out and monitor_state(code) != ONLINE:
            self._set_state(ri, OFFLINE, "offline")
            self._schedule_monitor(ri)
            self._after_res_offline(ri)
            return
        s = ri.res.type.s
        if waits < s["OfflineWaitLimit"]:
            ri.busy = "offline"
            self.in_flight += 1
            self.clock.after(
                s["MonitorInterval"], self._offline_wait, (ri, waits + 1, self.epoch[ri.sys])
            )
            return
        self._clean(ri, 1, "offline")

    def _offline_wait(self, arg):
        ri, waits, epoch = arg
        self.in_flight -= 1
        if epoch != self.epoch[ri.sys]:
            return
        ri.busy = None
        self._ep(ri, "monitor", None, self._offline_check, waits)

    # -- groups --------------------------------------------------------------------------

    @staticmethod
    def _base(gi):
        return gi.state.split("|", 1)[0]

    def _active(self, gi):
        return self._base(gi) != OFFLINE or gi.starting

    def group_state(self, g, sname):
        gi = g.insts[sname]
        on = off = 0
        faulted = busy = False
        for r in g.resources:
            if not r.enabled:
                continue
            ri = r.insts[sname]
            st = ri.state
            if ri.busy:
                busy = True
            if st == ONLINE:
                on += 1
            else:
                off += 1
                if st == FAULTED:
                    faulted = True
        if on and not off:
            state = ONLINE
        elif on:
            state = "PARTIAL"
        else:
            state = OFFLINE
        if faulted:
            state += "|FAULTED"
        # A transition about to complete is not shown: no ONLINE|STARTING line before ONLINE.
        if gi.starting and not (on and not off):
            state += "|STARTING"
        if gi.stopping and (on or busy):
            state += "|STOPPING"
        if gi.autodisabled:
            state += "|AUTODISABLED"
        return state

    def _refresh(self, g, sname, why):
        gi = g.insts[sname]
        new = self.group_state(g, sname)
        old = gi.state
        if new == old:
            return
        gi.state = new
        self.log(sname, g.name, f"{old} -> {new} ({why})")
        system = self.systems[sname]
        if self._active(gi):
            system.active[g.name] = g
        elif system.active.pop(g.name, None) is not None:
            self._dirty_all()
        old_base, new_base = old.split("|", 1)[0], new.split("|", 1)[0]
        if old_base != new_base:
            for dep in g.rdeps:
                self._dirty_group(dep.parent)
            if new_base == ONLINE:
                self._react_child_up(g, sname)

    def _set_moving(self, gi, starting=None, stopping=None):
        before = gi.starting or gi.stopping
        if starting is not None:
            gi.starting = starting
        if stopping is not None:
            gi.stopping = stopping
        after = gi.starting or gi.stopping
        self.moving += int(after) - int(before)

    def _start_group(self, g, sname, why):
        gi = g.insts[sname]
        self._set_moving(gi, starting=True)
        self.systems[sname].active[g.name] = g
        self._refresh(g, sname, why)
        self._online_ready(g, sname)

    def _online_ready(self, g, sname):
        gi = g.insts[sname]
        if not gi.starting:
            return
        complete = True
        for r in g.resources:
            if not r.enabled:
                continue
            ri = r.insts[sname]
            if ri.state == ONLINE:
                continue
            complete = False
            if ri.busy or ri.state == FAULTED or ri.clean_reason is not None:
                continue
            if all(c.insts[sname].state == ONLINE for c in r.children if c.enabled):
                self._online_res(ri, "group")
        if complete:
            self._set_moving(gi, starting=False)
            self._refresh(g, sname, "online")

    def _restart_when_ready(self, ri):
        """Bring a restarted resource online once its children are online again."""
        if ri.state != OFFLINE:  # brought online (or faulted) meanwhile
            ri.restart_pending = False
            return
        ready = True
        for c in ri.res.children:
            ci = c.insts[ri.sys]
            if c.enabled and (ci.state != ONLINE or ci.busy or ci.clean_reason is not None):
                ready = False
        if ready:
            ri.restart_pending = False
            self._online_res(ri, "restart")
        else:
            ri.restart_pending = True

    def _after_res_online(self, ri):
        for p in ri.res.parents:
            pri = p.insts[ri.sys]
            if pri.restart_pending and not pri.busy:
                self._restart_when_ready(pri)
        g = ri.res.group
        gi = g.insts[ri.sys]
        if gi.stopping:
            self._offline_ready(g, ri.sys)
        elif gi.starting:
            self._online_ready(g, ri.sys)

    def _stop_group(self, g, sname, why, resources=None, then=None):
        gi = g.insts[sname]
        self._set_moving(gi, starting=False, stopping=True)
        gi.offline_set = set(resources if resources is not None else g.resources)
        gi.then = then
        self._refresh(g, sname, why)
        self._offline_ready(g, sname)

    def _offline_ready(self, g, sname):
        gi = g.insts[sname]
        if not gi.stopping:
            return
        pending = False
        for r in reversed(g.resources):
            if r not in gi.offline_set or not r.enabled:
                continue
            ri = r.insts[sname]
            if not ri.is_online() and not ri.busy and ri.clean_reason is None:
                continue
            pending = True
            if ri.busy or ri.clean_reason is not None:
                continue
            if all(not p.insts[sname].is_online() for p in r.parents if p.enabled):
                self._offline_res(ri)
        if not pending:
            self._set_moving(gi, stopping=False)
            gi.offline_set = None
            then, gi.then = gi.then, None
            self._refresh(g, sname, "offline")
            if then is not None:
                then()
            if self.waiting_children:
                self._parent_offline(g, sname)

    def _after_res_offline(self, ri):
        g = ri.res.group
        gi = g.insts[ri.sys]
        if gi.stopping:
            self._offline_ready(g, ri.sys)

    # -- faults --------------------------------------------------------------------------

    def _resource_faulted(self, ri):
        res = ri.res
        g = res.group
        sname = ri.sys
        gi = g.insts[sname]
        if g.is_frozen():
            return
        ancestors = res.ancestors()
        critical = res.critical or any(a.critical for a in ancestors)
        if gi.stopping:
            self._offline_ready(g, sname)
            return
        if not critical:
            if gi.starting:
                self._set_moving(gi, starting=False)
            online = [a for a in ancestors if a.insts[sname].is_online()]
            if online:
                self._stop_group(g, sname, f"{res.name} faulted", resources=online)
            else:
                self._refresh(g, sname, f"{res.name} faulted")
            return
        self._react_child_down(g, sname, "fault")
        # The child's own offline waits for its local firm/hard parents to be offline.
        self._after_parents(
            g,
            sname,
            lambda: self._stop_group(
                g, sname, f"{res.name} faulted", then=lambda: self._after_fault_offline(g, sname)
            ),
        )

    def _after_parents(self, child, sname, fn):
        waiting = {
            dep.parent.name
            for dep in child.rdeps
            if dep.location == "local"
            and dep.category == "online"
            and dep.rigidity != "soft"
            and sname in dep.parent.insts
            and dep.parent.insts[sname].stopping
        }
        if not waiting:
            fn()
            return
        self.waiting_children.append([waiting, sname, fn])

    def _parent_offline(self, g, sname):
        for entry in list(self.waiting_children):
            waiting, where, fn = entry
            if where == sname and g.name in waiting:
                waiting.discard(g.name)
                if not waiting:
                    self.waiting_children.remove(entry)
                    fn()

    def _after_fault_offline(self, g, sname):
        gi = g.insts[sname]
        if g.is_frozen() or g.parallel:
            return
        for dep in g.deps:  # a hard child goes with its faulted parent
            if dep.category == "online" and dep.location == "local" and dep.rigidity == "hard":
                child = dep.child
                ci = child.insts.get(sname)
                if ci is not None and self._active(ci) and not child.parallel:
                    self._stop_group(
                        child,
                        sname,
                        f"parent {g.name} faulted (hard)",
                        then=lambda c=child: self._failover(c, sname, "parent faulted"),
                    )
        if gi.retries < g.retry_limit:
            gi.retries += 1
            self.log(sname, g.name, f"group restart {gi.retries}/{g.retry_limit}")
            for r in g.resources:
                ri = r.insts[sname]
                if ri.state == FAULTED:
                    self._set_state(ri, OFFLINE, "group restart")
            self._start_group(g, sname, "group restart")
            return
        self._failover(g, sname, "fault")

    def _failover(self, g, sname, why):
        if g.parallel or g.is_frozen():
            return
        if g.autofailover == 0:
            self.log(sname, g.name, "AutoFailOver 0: no failover")
            return
        self._want(Intent("failover", g, exclude=(sname,), reason=f"failover from {sname}"))

    def _react_child_down(self, child, sname, why):
        """What a child leaving ``sname`` (fault, crash, switch) does to its parents."""
        for dep in child.rdeps:
            parent = dep.parent
            if parent.is_frozen() or dep.category == "offline":
                continue
            if dep.location == "local":
                pi = parent.insts.get(sname)
                if pi is None or not self._active(pi) or pi.stopping:
                    continue
                if dep.rigidity == "soft":
                    if not parent.parallel:
                        self._want(Intent("move", parent, reason=f"child {child.name} moved"))
                    continue
                self._stop_group(
                    parent,
                    sname,
                    f"child {child.name} {why}",
                    then=lambda p=parent, s=sname: self._follow(p, s),
                )
                continue
            if dep.rigidity == "soft":
                continue
            # global / remote firm or hard: the parent needs an instance of the child
            for psys, pi in parent.insts.items():
                if not self._active(pi) or pi.stopping:
                    continue
                others = [
                    s
                    for s, ci in child.insts.items()
                    if s != sname
                    and self.systems[s].up
                    and deps_mod.child_online_on(child, s)
                    and (dep.location == "global" or s != psys)
                ]
                if others:
                    continue
                self._stop_group(
                    parent,
                    psys,
                    f"child {child.name} {why}",
                    then=lambda p=parent, s=psys: self._follow(p, s, keep=True),
                )

    def _follow(self, parent, sname, keep=False):
        if parent.parallel:
            self._want(Intent("failover", parent, system=sname, reason="child back"))
            return
        exclude = () if keep else (sname,)
        self._want(Intent("failover", parent, exclude=exclude, reason="follow child"))

    def _react_child_up(self, child, sname):
        """A child became ONLINE on ``sname``: remote and offline-local parents move away."""
        for dep in child.rdeps:
            if dep.location == "local" and dep.category == "online":
                continue
            if dep.location == "global":
                continue
            parent = dep.parent
            if parent.is_frozen() or parent.parallel:
                continue
            pi = parent.insts.get(sname)
            if pi is None or not self._active(pi) or pi.stopping:
                continue
            self._stop_group(
                parent,
                sname,
                f"child {child.name} online here ({dep.kind()})",
                then=lambda p=parent, s=sname: self._want(
                    Intent("failover", p, exclude=(s,), reason=f"away from {child.name}")
                ),
            )

    # -- placement -----------------------------------------------------------------------

    def _want(self, intent):
        key = intent.key()
        self.intents[key] = intent
        self.intent_keys.setdefault(key[0], set()).add(key)
        self.dirty.add(key)
        self._schedule_pass()

    def _drop(self, key):
        self.intents.pop(key, None)
        keys = self.intent_keys.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.intent_keys[key[0]]

    def _schedule_pass(self):
        if not self.pass_pending:
            self.pass_pending = True
            self.clock.after(0, self._pass)

    def _dirty_group(self, g):
        keys = self.intent_keys.get(g.name)
        if keys:
            self.dirty.update(keys)
            self._schedule_pass()

    def _dirty_all(self):
        if self.intents:
            self.dirty.update(self.intents)
            self._schedule_pass()

    def _pass(self, _=None):
        self.pass_pending = False
        if not self.dirty:
            return
        keys = [k for k in self.dirty if k in self.intents]
        self.dirty = set()
        self._drop_stale()

        def order(k):
            g = self.groups[k[0]]
            return (g.priority if g.priority > 0 else 5, k[0], k[1] or "")

        for key in sorted(keys, key=order):
            intent = self.intents.get(key)
            if intent is not None:
                self._try_place(intent)

    def _drop_stale(self):
        """Keep the group index in step with intents removed directly by admin requests."""
        for name in [
            n for n, keys in self.intent_keys.items() if not any(k in self.intents for k in keys)
        ]:
            del self.intent_keys[name]

    def up_systems(self):
        return [s for s, sy in self.systems.items() if sy.up]

    def eligible(self, g, sname, ignore_deps=False, zone=None):
        """Whether VCS may bring g online on sname now (the candidate filter)."""
        system = self.systems.get(sname)
        gi = g.insts.get(sname)
        if system is None or gi is None or not system.up or system.is_frozen():
            return False
        if not (g.enabled and gi.enabled) or gi.autodisabled:
            return False
        if "FAULTED" in gi.state:
            return False
        if zone is not None and system.zone != zone:
            return False
        if not policies.prerequisites_met(g, system):
            return False
        if ignore_deps:
            return True
        return deps_mod.deps_met(g, sname, self.up_systems())

    def _child_in_motion(self, g):
        for dep in g.deps:
            c = dep.child
            if self.intent_keys.get(c.name):
                return True
            if any(ci.starting or ci.stopping for ci in c.insts.values()):
                return True
        return False

    def _try_place(self, intent):
        g = intent.group
        key = intent.key()
        if g.is_frozen() or not g.enabled:
            self._drop(key)
            return
        if any(gi.stopping for gi in g.insts.values()):
            return  # placed once its offline completes
        if intent.kind == "move":
            self._try_move(intent)
            return
        if g.parallel:
            targets = [intent.system]
            gi = g.insts[intent.system]
            if self._active(gi):
                self._drop(key)
                return
        else:
            if any(self._active(gi) for gi in g.insts.values()):
                self._drop(key)
                return
            targets = [s for s in g.systemlist if s not in intent.exclude]
        zone = None
        if intent.kind == "failover" and g.autofailover == 2 and intent.exclude:
            zone = self.systems[sorted(intent.exclude)[0]].zone
        base = [s for s in targets if self.eligible(g, s, True, zone)]
        cands = [s for s in base if self.eligible(g, s, False, zone)]
        target = None
        if cands:
            systems = [self.systems[s] for s in cands]
            if g.parallel:
                target = systems[0]
            elif intent.to is not None:
                target = self.systems[intent.to] if intent.to in cands else None
            elif intent.kind == "autostart":
                target = policies.choose_autostart(g, systems, self.statistics)
            else:
                target = policies.choose(g, systems, g.policy, self.statistics)
        if target is not None:
            self._drop(key)
            self._start_group(g, target.name, intent.reason)
            return
        moving = bool(base) and self._child_in_motion(g)
        if intent.kind == "autostart" or moving:
            if intent.kind == "autostart" and not (moving and not cands):
                why.note_wait(self, g, key, targets, zone)
            return  # waits for a system or a child
        self._drop(key)
        where = intent.system or "-"
        note = why.skipped(self, g, targets, zone)
        if base and not cands:
            self.log(
                where,
                g.name,
                f"no system meets its dependencies: stays offline ({intent.reason}){note}",
            )
        else:
            self.log(where, g.name, f"no system available: stays offline ({intent.reason}){note}")

    def _try_move(self, intent):
        """Soft local parent: follow its child to the child's new system."""
        g = intent.group
        key = intent.key()
        current = [s for s, gi in g.insts.items() if self._active(gi)]
        if not current:
            self._drop(key)
            self._want(Intent("failover", g, reason=intent.reason))
            return
        here = current[0]
        cands = [s for s in g.systemlist if s != here and self.eligible(g, s)]
        if cands:
            self._drop(key)
            target = policies.choose(g, [self.systems[s] for s in cands], g.policy)
            self._stop_group(
                g,
                here,
                intent.reason,
                then=lambda: self._want(Intent("switch", g, to=target.name, reason=intent.reason)),
            )
            return
        if not self._child_in_motion(g):
            self._drop(key)

    # -- systems -------------------------------------------------------------------------

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
