"""The engine's core: the runtime model built from main.cf, the virtual clock, calling entry
points (with the hangs, failures and slowness that events inject), setting a resource's
state, and a group's state derived from its resources'.

Every rule family builds on these (engine.py lists the families and assembles them);
``SimError``, ``monitor_state`` and ``Intent`` are the words the families share.
"""

from __future__ import annotations

import gc
import importlib.util

from vxha.simulator.clock import Clock
from vxha.simulator.model import (
    FAULTED,
    OFFLINE,
    ONLINE,
    STATE_UNKNOWN,
    UNABLE_TO_OFFLINE,
    UNKNOWN,
    Dep,
    SimGroup,
    SimResource,
    SimSystem,
    SimType,
    below_disabled,
)
from vxha.simulator.runners import FRAMEWORK_TYPES, StandIn
from vxha.simulator.runners import OFFLINE as MONITOR_OFFLINE
from vxha.simulator.runners import ONLINE as MONITOR_ONLINE
from vxha.simulator.transcript import Transcript
from vxha.simulator.triggers import Triggers
from vxha.vcs_types.decl import TypeDecl
from vxha.vcs_types.shipped import is_shipped


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

    __slots__ = ("kind", "group", "system", "exclude", "to", "reason", "nopre")

    def __init__(self, kind, group, system=None, exclude=(), to=None, reason="", nopre=False):
        self.nopre = nopre  # hagrp -switch -nopre: no preonline trigger
        self.kind = kind
        self.group = group
        self.system = system  # parallel groups: the one system this intent is for
        self.exclude = set(exclude)
        self.to = to
        self.reason = reason or kind

    def key(self):
        return (self.group.name, self.system)


class EngineCore:
    """The state every rule family works on, the clock, entry points and states."""

    def __init__(self, config, runner=None, transcript=None, verbose=False, world=None):
        self.config = config
        self.clock = Clock()
        self.transcript = transcript if transcript is not None else Transcript()
        self.runner = runner
        self.standin = StandIn(target_state=self._proxy_target_state)
        self.world = world  # the fake drivers' state (crash wipes a system's)
        self.verbose = verbose
        self.types = {}
        self.changed_types = set()  # changed by hatype/haattr: haconf -dump writes them
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
        self.persistent_standins = None  # found at start
        self.local_system = None  # the system an ha command is typed on (hastop -local)
        self.writable = False
        self.warnings = []
        self.triggers = Triggers(self)
        self.epoch = {}
        paused = gc.isenabled()
        gc.disable()  # building makes only long-lived objects: nothing for the collector
        try:
            self._build()
        finally:
            if paused:
                gc.enable()

    # -- building --------------------------------------------------------------------------

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
            own = self.config.types.get(name)
            if own is not None and own is not decl and is_shipped(own):
                # an older vxha's declaration the cluster still runs (vxha cluster add-types
                # brings it up to date): the agent gets the argv that declaration makes
                decl = own
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
        if dmodel.location == "site":
            # The stored manuals say only where such a parent may run, not what VCS does on
            # a fault: refused rather than simulated as another location.
            raise SimError(
                f"group {parent.name} requires group {child.name} online site "
                f"{dmodel.rigidity}: site dependencies are not simulated"
            )
        dep = Dep(parent, child, dmodel)
        parent.deps.append(dep)
        child.rdeps.append(dep)
        return dep

    # -- logging ---------------------------------------------------------------------------

    def log(self, system, obj, text):
        self.transcript.add(self.clock.now, system, obj, text)

    # -- time ------------------------------------------------------------------------------

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

    # -- entry points ----------------------------------------------------------------------

    def _proxy_target_state(self, name, sname):
        """What a Proxy's monitor reads of its target on sname: ONLINE or OFFLINE (faulted,
        unknown, a system down or a name that is no resource count as not online), None
        while the target is not probed there."""
        r = self.resources.get(name)
        ri = r.insts.get(sname) if r is not None else None
        if ri is None or not self.systems[sname].up:
            return MONITOR_OFFLINE
        if not ri.probed:
            return None
        return MONITOR_ONLINE if ri.state == ONLINE else MONITOR_OFFLINE

    def _ep(self, ri, ep, reason, then, ctx=None):
        """Call an entry point; ``then(ri, code, timed_out, ctx)`` runs when it is over."""
        res = ri.res
        typ = res.type
        timeout = res.timeout(ep)
        duration = 0
        fault = self.ep_faults.get((res.name, ri.sys, ep)) if self.ep_faults else None
        if fault is not None:
            code, timed_out, duration = self._injected(fault, ri, ep, reason, timeout)
        elif typ.agent == "standin":
            code, timed_out = self.standin.call(res, ri.sys, ep, reason, timeout)
        elif getattr(self.runner, "concurrent", False):
            self._ep_started(ri, ep, reason, then, ctx, timeout)
            return
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

    def _ep_started(self, ri, ep, reason, then, ctx, timeout):
        """An entry point that runs while the engine goes on (real nodes): its end comes
        by the clock (realnodes/realtime.py)."""
        running = self.runner.start(ri.res, ri.sys, ep, reason, timeout)
        ri.busy = ep
        self.in_flight += 1
        epoch = self.epoch[ri.sys]

        def over(code, timed_out):
            self._ep_over((ri, ep, reason, code, timed_out, then, ctx, epoch))

        self.clock.when_done(running, over)

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
        # slow: runs normally, takes `seconds`, times out when that exceeds the timeout;
        # `exit` replaces its exit code
        seconds = int(fault.get("seconds", 1))
        if seconds >= timeout:
            return (99 if ep == "monitor" else 1), True, timeout
        if ri.res.type.agent == "standin":
            code, _ = self.standin.call(ri.res, ri.sys, ep, reason, timeout)
        else:
            code, _ = self.runner.call(ri.res, ri.sys, ep, reason, timeout)
        return fault.get("exit", code), False, seconds

    def _ep_over(self, arg):
        ri, ep, reason, code, timed_out, then, ctx, epoch = arg
        self.in_flight -= 1
        if epoch != self.epoch[ri.sys]:
            return  # the system crashed meanwhile
        ri.busy = None
        if ep != "monitor":
            what = f"{ep}({reason})" if ep == "clean" else ep
            if timed_out:
                self.log(ri.sys, ri.res.name, f"{what} timed out ({ri.res.timeout(ep)} s)")
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
            if gi is not None and not self._offline_go_on(g, ri.sys) and gi.starting:
                self._online_ready(g, ri.sys)

    # -- resource state --------------------------------------------------------------------

    def _set_state(self, ri, new, why):
        old = ri.stable()
        if new == UNKNOWN and ri.state != UNKNOWN:
            # An answer that tells nothing leaves the last known state, flagged.
            ri.add_flag(STATE_UNKNOWN)
        else:
            learnt = ri.state == UNKNOWN and new != UNKNOWN and why != "probe"
            ri.state = new
            if learnt:  # a monitor told what the probe could not
                self._autoenable_if_probed(ri.res.group, ri.sys)
            if ri.flags and new in (OFFLINE, FAULTED, ONLINE):
                ri.drop_flag(UNABLE_TO_OFFLINE)
                ri.drop_flag(STATE_UNKNOWN)
        if ri.stable() != old:
            self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} ({why})")
            if new == FAULTED:
                self.triggers.resource_faulted(ri, old.split("|", 1)[0])
        self._refresh(ri.res.group, ri.sys, why)

    # -- group state -----------------------------------------------------------------------

    @staticmethod
    def _base(gi):
        return gi.state.split("|", 1)[0]

    def _active(self, gi):
        return self._base(gi) != OFFLINE or gi.starting

    def group_state(self, g, sname):
        gi = g.insts[sname]
        on = off = 0
        faulted = busy = False
        disabled = None  # whether a resource of g is disabled, found when first needed
        for r in g.resources:
            if not r.enabled:
                continue
            ri = r.insts[sname]
            st = ri.state
            if ri.busy:
                busy = True
            if r.type.persistent:
                # Left out of ONLINE/OFFLINE (VCS never takes it offline) but faults the group.
                faulted = faulted or st == FAULTED
            elif st == ONLINE:
                on += 1
            else:
                # ONLINE means every AutoStart resource online, those below a disabled
                # resource left out (the group's online does not bring them online)
                if r.autostart:
                    if disabled is None:
                        disabled = any(not x.enabled for x in g.resources)
                    if not (disabled and below_disabled(r)):
                        off += 1
                if st == FAULTED:
                    faulted = True
        if on and off and not gi.starting and self._left_online_only(g, sname):
            on = 0  # On-Only resources the group's offline left online: the group is offline
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

    @staticmethod
    def _left_online_only(g, sname):
        """Whether every resource of g online on sname is one VCS never takes offline."""
        return all(
            r.type.on_only
            for r in g.resources
            if r.enabled and not r.type.persistent and r.insts[sname].state == ONLINE
        )

    def _activate(self, system, g):
        """``g`` now counts against ``system``'s capacity (the load warning hears of it)."""
        if g.name not in system.active:
            system.active[g.name] = g
            self.triggers.load.changed(system, g)

    def _refresh(self, g, sname, why):
        gi = g.insts[sname]
        new = self.group_state(g, sname)
        old = gi.state
        if new == old:
            return
        gi.state = new
        self.log(sname, g.name, f"{old} -> {new} ({why})")
        self.triggers.group_changed(g, sname, old, new)
        system = self.systems[sname]
        if self._active(gi):
            self._activate(system, g)
        elif system.active.pop(g.name, None) is not None:
            self._dirty_all()
            self.triggers.load.changed(system, g)
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
