"""Faults and restarts. What a periodic monitor's answer leads to: monitor timeouts
(FaultOnMonitorTimeouts, clean reason 5, the count reset an hour after its first),
ConfInterval resetting the counts, an answer that cannot tell (the last known state kept,
STATE_UNKNOWN), an unexpected offline within ToleranceLimit, an intentional offline
(IntentionalOffline), a persistent resource faulting and coming back
(AutoRestart).
Then the resource's fate: ManageFaults NONE (ADMIN_WAIT instead of any clean), RestartLimit
(clean, then online again once its children are; a failed restart is an attempt), clean and
its failure (UNABLE_TO_OFFLINE, retried after each monitor until CleanRetryLimit gives up
into ADMIN_WAIT), an ineffective online
(OnlineRetryLimit, clean reason 2 or 3). Then the group's: FaultPropagation, Critical,
Frozen, the group's OnlineRetryLimit and OnlineRetryInterval, a hard child going with its
faulted parent. Where the group fails over to is placement.py's; what its parent groups do
is dependencies.py's.
"""

from __future__ import annotations

from vxha.simulator.core import Intent, monitor_state
from vxha.simulator.model import (
    ADMIN_WAIT,
    FAULTED,
    MONITOR_TIMEDOUT,
    OFFLINE,
    ONLINE,
    STATE_UNKNOWN,
    UNABLE_TO_OFFLINE,
    UNKNOWN,
)
from vxha.simulator.runners import INTENTIONAL_OFFLINE


class Faults:
    """Fault detection, resource restarts and clean, and a fault's effect on its group."""

    # -- what a monitor answers ------------------------------------------------------------

    def _monitor_done(self, ri, code, timed_out, ctx):
        res = ri.res
        s = res.s
        if ri.admin_wait is not None:
            # Waiting for the admin: results are not acted on until -clearadminwait.
            self._schedule_monitor(ri)
            return
        if timed_out:
            self._monitor_timed_out(ri)
            return
        new = monitor_state(code)
        if ri.monitor_timeouts or ri.flags:
            self._answered(ri, new)
        if ri.clean_reason is not None and not res.group.is_frozen():
            reason, purpose = ri.clean_reason
            self._ep(ri, "clean", reason, self._clean_done, purpose)
            return
        # With AutoRestart 0 a persistent resource's fault stays until cleared: the group
        # "remains offline and faulted, even after the faulted resource becomes online"
        # (Admin 6.0.1, "About the AutoRestart attribute").
        if ri.state == FAULTED and new == ONLINE and res.type.persistent and res.group.autorestart:
            self._persistent_back(ri)
            return
        if ri.state == ONLINE and new == OFFLINE and UNABLE_TO_OFFLINE in ri.flags:
            self._set_state(ri, OFFLINE, "monitor")  # an offline that failed has happened
            self._schedule_monitor(ri)
            self._after_res_offline(ri)
            return
        if ri.state == ONLINE:
            if new == ONLINE:
                if ri.healthy_since is None:  # back after an offline tolerated
                    ri.healthy_since = self.clock.now
                if ri.res.s["ConfInterval"] <= self.clock.now - ri.healthy_since and (
                    ri.tolerance or ri.restarts
                ):
                    ri.tolerance = ri.restarts = 0
                self._schedule_monitor(ri)
            elif new == UNKNOWN:
                self._set_state(ri, UNKNOWN, "monitor")
                self._schedule_monitor(ri)
            elif code == INTENTIONAL_OFFLINE and s["IntentionalOffline"]:
                # Stopped on purpose outside VCS: not a fault, nothing to clean or move.
                self._set_state(ri, OFFLINE, "intentional offline")
                self._schedule_monitor(ri)
            else:
                self._unexpected_offline(ri)
            return
        if ri.state in (OFFLINE, UNKNOWN) and new != ri.state:
            self._set_state(ri, new, "monitor")
            if new == ONLINE:
                self._found_online(ri)
        self._schedule_monitor(ri)

    def _answered(self, ri, new):
        """A monitor that answered ends MONITOR_TIMEDOUT; one that could tell the state
        ends STATE_UNKNOWN."""
        ri.monitor_timeouts = 0
        old = ri.stable()
        ri.drop_flag(MONITOR_TIMEDOUT)
        if new != UNKNOWN:
            ri.drop_flag(STATE_UNKNOWN)
        if ri.stable() != old:
            self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} (monitor)")

    def _monitor_timed_out(self, ri):
        """FaultOnMonitorTimeouts in a row fault an online resource (clean 5; in a frozen
        group only the fault is shown); the count restarts an hour after its first."""
        now = self.clock.now
        if ri.monitor_timeouts and now - ri.first_timeout_at >= 3600:
            ri.monitor_timeouts = 0
        if not ri.monitor_timeouts:
            ri.first_timeout_at = now
        ri.monitor_timeouts += 1
        old = ri.stable()
        ri.add_flag(MONITOR_TIMEDOUT)
        if ri.stable() != old:
            self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} (monitor)")
        limit = ri.res.s["FaultOnMonitorTimeouts"]
        if ri.state != ONLINE or not limit or ri.monitor_timeouts < limit:
            self._schedule_monitor(ri)
        elif ri.res.group.is_frozen():
            self._set_state(ri, FAULTED, "monitor; group frozen: no action")
            self._schedule_monitor(ri)
        else:
            self._resource_failed(ri, 5)

    def _unexpected_offline(self, ri):
        res = ri.res
        s = res.s
        g = res.group
        if g.is_frozen():
            self._set_state(ri, FAULTED, "monitor; group frozen: no action")
            self._schedule_monitor(ri)
            return
        if ri.tolerance < s["ToleranceLimit"]:
            ri.tolerance += 1
            # it did not remain online: ConfInterval counts again from when it is found
            # online (ADG 7.3, "ToleranceLimit")
            ri.healthy_since = None
            self.log(
                ri.sys,
                res.name,
                f"offline tolerated ({ri.tolerance}/{s['ToleranceLimit']}) (monitor)",
            )
            self._schedule_monitor(ri, s["MonitorInterval"])
            return
        if res.type.persistent and g.manage_faults != "NONE":
            # Nothing to clean or restart: VCS never brought it online.
            self._set_state(ri, FAULTED, "monitor")
            self._schedule_monitor(ri)
            self._resource_faulted(ri)
            return
        self._set_state(ri, OFFLINE, "monitor")
        self._resource_failed(ri, 4)

    def _persistent_back(self, ri):
        """A faulted persistent resource is online again: the fault clears, and with
        AutoRestart a group offline everywhere is brought back online on that system."""
        g = ri.res.group
        self._set_state(ri, ONLINE, "monitor")
        self._schedule_monitor(ri)
        gi = g.insts[ri.sys]
        if not g.autorestart or "FAULTED" in gi.state or not (g.enabled and gi.enabled):
            return
        if g.is_frozen() or self._active(gi):
            return
        if g.parallel:
            self._want(Intent("autorestart", g, system=ri.sys, reason="AutoRestart"))
        elif not any(self._active(i) for i in g.insts.values()):
            self._want(Intent("autorestart", g, to=ri.sys, reason="AutoRestart"))

    # -- resource faults and restarts ------------------------------------------------------

    def _resource_failed(self, ri, reason):
        """Unexpected offline (4) or monitor hung (5): clean, then restart or fault."""
        res = ri.res
        s = res.s
        if res.group.manage_faults == "NONE":
            self._admin_wait(ri, reason)
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
            ri.clean_failures += 1
            limit = res.s["CleanRetryLimit"]
            if limit and ri.clean_failures >= limit:
                self._clean_given_up(ri, limit)
                return
            self._schedule_monitor(ri, res.s["MonitorInterval"])
            return
        ri.clean_failures = 0
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

    def _clean_given_up(self, ri, limit):
        """CleanRetryLimit cleans have failed: the framework stops calling clean and the
        resource waits for the admin (ADMIN_WAIT, cleared by hagrp -clearadminwait)."""
        reason = ri.clean_reason[0]
        ri.clean_reason = None
        ri.clean_failures = 0
        ri.admin_wait = reason
        old = ri.stable()
        ri.add_flag(ADMIN_WAIT)
        self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} (CleanRetryLimit {limit})")
        self._schedule_monitor(ri)

    @staticmethod
    def _reason_for(purpose):
        return {"restart": 4, "fault": 4, "online": 3, "retry": 3, "offline": 1}.get(purpose, 4)

    def _clean(self, ri, reason, purpose):
        if ri.res.group.manage_faults == "NONE":
            self._admin_wait(ri, reason)
            return
        ri.clean_reason = (reason, purpose)
        self._ep(ri, "clean", reason, self._clean_done, purpose)

    def _admin_wait(self, ri, reason):
        """ManageFaults NONE: no clean, no restart, no retry; the resource waits for the admin
        with the state the event leaves (OFFLINE after an online, ONLINE after an offline)."""
        ri.admin_wait = reason
        old = ri.stable()
        ri.add_flag(ADMIN_WAIT)
        if ri.stable() != old:
            self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} (ManageFaults NONE)")
        self._schedule_monitor(ri)

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

    def _online_ineffective(self, ri, reason, why=None):
        s = ri.res.s
        if ri.res.group.manage_faults == "NONE":
            self._admin_wait(ri, reason)
            return
        if why == "restart":
            # A restart whose online fails is one attempt: the next restart follows while
            # RestartLimit allows, then the resource faults.
            if ri.restarts < s["RestartLimit"]:
                ri.restarts += 1
                self.log(ri.sys, ri.res.name, f"restart {ri.restarts}/{s['RestartLimit']}")
                self._clean(ri, reason, "restart")
            else:
                self._clean(ri, reason, "online")
            return
        if ri.retries < s["OnlineRetryLimit"]:
            ri.retries += 1
            self.log(ri.sys, ri.res.name, f"online retry {ri.retries}/{s['OnlineRetryLimit']}")
            self._clean(ri, reason, "retry")
        else:
            ri.retries = 0
            self._clean(ri, reason, "online")

    # -- the group of a faulted resource ---------------------------------------------------

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
        # FaultPropagation 0 of the group, or of the faulted resource (its own value or
        # its type's: a static type attribute, ADG 9.0), keeps the fault at the resource.
        propagate = g.fault_propagation and res.s["FaultPropagation"]
        if not propagate or not critical:
            # Neither it nor a parent critical: the tree is not taken offline and the
            # group does not fail over (Admin 5.1, "VCS behavior diagrams"); an online
            # under way stops short of the resources above it.
            if gi.starting:
                self._set_moving(gi, starting=False)
                self._refresh(g, sname, f"{res.name} faulted")
            if not propagate:
                self.log(
                    sname,
                    g.name,
                    f"FaultPropagation 0: {res.name} faulted, nothing taken offline, no failover",
                )
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

    def _after_fault_offline(self, g, sname):
        gi = g.insts[sname]
        if g.is_frozen():
            return
        restartable = g.enabled and gi.enabled  # a restart in place is an online
        if gi.retries < g.retry_limit and restartable and self._retry_interval_over(g, gi):
            gi.retries += 1
            gi.restarted_at = self.clock.now
            self.log(sname, g.name, f"group restart {gi.retries}/{g.retry_limit}")
            for r in g.resources:
                ri = r.insts[sname]
                if ri.state == FAULTED:
                    self._set_state(ri, OFFLINE, "group restart")
            self._start_group(g, sname, "group restart")
            return
        if g.parallel:  # an instance has no other system to go to
            return
        # Failing over, not restarting in place (OnlineRetryLimit comes first): a hard
        # child goes with its faulted parent.
        for dep in g.deps:
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
        self._failover(g, sname, "fault")

    def _retry_interval_over(self, g, gi):
        """Group OnlineRetryInterval: a group faulting again that soon after its restart in
        place is not restarted there again."""
        if not g.retry_interval or gi.restarted_at is None:
            return True
        if self.clock.now - gi.restarted_at >= g.retry_interval:
            return True
        self.log(
            gi.sys,
            g.name,
            f"faulted again within OnlineRetryInterval ({g.retry_interval} s) of its restart "
            "in place: no restart",
        )
        return False
