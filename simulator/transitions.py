"""Online and offline in dependency order: a group's resources brought online children
first and taken offline parents first, one entry point at a time per resource; an online
confirmed by monitor within OnlineWaitLimit intervals, an offline within OfflineWaitLimit
(an offline that times out or stays ineffective is cleaned); persistent resources are
never brought online or offline, On-Only ones never offline, AutoStart 0 ones not with their
group; an online or offline cut
short by ``hagrp -flush`` ends with a monitor and nothing else. An online that stays
ineffective is faults.py's.
"""

from __future__ import annotations

from vxha.simulator.core import monitor_state
from vxha.simulator.model import (
    FAULTED,
    OFFLINE,
    ONLINE,
    UNABLE_TO_OFFLINE,
    UNKNOWN,
    below_disabled,
)


class Transitions:
    """A resource's online and offline, and a group's start and stop on one system."""

    # -- online / offline of one resource --------------------------------------------------

    def _online_res(self, ri, why):
        if ri.busy:
            return
        ri.waits = 0
        self._ep(ri, "online", None, self._online_done, why)

    def _online_done(self, ri, code, timed_out, why):
        if ri.flushed:
            self._flush_settle(ri)
            return
        if timed_out:
            self._online_ineffective(ri, 2, why)
            return
        if code and code > 0:
            # the exit code: seconds to wait before the monitor checks (ADG 5.0MP3)
            ri.busy = "online"
            self.in_flight += 1
            self.clock.after(code, self._online_wait, (ri, why, self.epoch[ri.sys]))
            return
        self._ep(ri, "monitor", None, self._online_check, why)

    def _online_check(self, ri, code, timed_out, why):
        if ri.flushed:
            self._flush_monitored(ri, code, timed_out, why)
            return
        s = ri.res.s
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
        self._online_ineffective(ri, 3, why)

    def _online_wait(self, arg):
        ri, why, epoch = arg
        self.in_flight -= 1
        if epoch != self.epoch[ri.sys]:
            return
        ri.busy = None
        if ri.flushed:
            self._flush_settle(ri)
            return
        self._ep(ri, "monitor", None, self._online_check, why)

    def _offline_res(self, ri):
        if ri.busy:
            return
        self._ep(ri, "offline", None, self._offline_done)

    def _offline_done(self, ri, code, timed_out, ctx):
        if ri.flushed:
            self._flush_settle(ri)
            return
        if timed_out:
            self._clean(ri, 0, "offline")
            return
        if code and code > 0:
            # the exit code: seconds to wait before the monitor checks (ADG 5.0MP3)
            ri.busy = "offline"
            self.in_flight += 1
            self.clock.after(code, self._offline_wait, (ri, 0, self.epoch[ri.sys]))
            return
        self._ep(ri, "monitor", None, self._offline_check, 0)

    def _offline_check(self, ri, code, timed_out, waits):
        if ri.flushed:
            self._flush_monitored(ri, code, timed_out, waits)
            return
        # An answer that cannot tell is not offline: the offline has not taken yet.
        if not timed_out and monitor_state(code) == OFFLINE:
            self._set_state(ri, OFFLINE, "offline")
            self._schedule_monitor(ri)
            self._after_res_offline(ri)
            return
        s = ri.res.s
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
        if ri.flushed:
            self._flush_settle(ri)
            return
        self._ep(ri, "monitor", None, self._offline_check, waits)

    # -- hagrp -flush ----------------------------------------------------------------------

    def _flush_settle(self, ri):
        """An online or offline cut short by hagrp -flush ended: a monitor says where."""
        self._ep(ri, "monitor", None, self._flush_monitored)

    def _flush_monitored(self, ri, code, timed_out, ctx):
        ri.flushed = False
        new = UNKNOWN if timed_out else monitor_state(code)
        if new != ri.state:
            self._set_state(ri, new, "monitor")
        self._schedule_monitor(ri)

    # -- a group on one system -------------------------------------------------------------

    def _start_group(self, g, sname, why):
        gi = g.insts[sname]
        self._set_moving(gi, starting=True)
        self._activate(self.systems[sname], g)
        self._refresh(g, sname, why)
        self._online_ready(g, sname)

    def _online_ready(self, g, sname):
        gi = g.insts[sname]
        if not gi.starting:
            return
        complete = True
        leaves = g.manual_start or any(not r.enabled for r in g.resources)
        for r in g.resources:
            if not r.enabled or r.type.persistent:
                continue
            ri = r.insts[sname]
            if ri.state == ONLINE or (leaves and self._left_to_admin(r, sname)):
                continue
            complete = False
            if (
                ri.busy
                or ri.state == FAULTED
                or ri.clean_reason is not None
                or ri.admin_wait is not None
            ):
                continue
            if all(c.insts[sname].state == ONLINE for c in r.children if c.enabled):
                self._online_res(ri, "group")
        if complete:
            self._set_moving(gi, starting=False)
            self._refresh(g, sname, "online")

    def _left_to_admin(self, r, sname):
        """A resource the group's online does not bring online: AutoStart 0, a child (at
        any depth) of a disabled resource, or above such a resource still offline."""
        if not r.autostart or below_disabled(r):
            return True
        for c in r.children:
            if c.enabled and c.insts[sname].state != ONLINE and self._left_to_admin(c, sname):
                return True
        return False

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
        pending = self._offline_pass(g, sname, gi.offline_set, True)
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
        self._offline_go_on(ri.res.group, ri.sys)

    def _offline_go_on(self, g, sname):
        """The next step of an offline in progress on sname: the group's (stopping, which
        always has its offline_set) or hares -offline's; False when none is."""
        gi = g.insts[sname]
        if gi.stopping:
            self._offline_ready(g, sname)
        elif gi.offline_set is not None:
            self._offline_in_order_ready(g, sname)
        else:
            return False
        return True

    def _offline_pass(self, g, sname, todo, whole):
        """One pass of an ordered offline on sname: each resource of ``todo`` still online
        goes once those holding it back are offline; True while one has yet to go.
        ``whole``: the group's own offline, where a resource VCS does not take offline
        (disabled, persistent, On-Only) neither goes nor holds its children back; else
        (hares -offline and its forms) only ``todo``'s own parents hold back."""
        pending = False
        for r in reversed(g.resources):  # the order a group's offline goes in
            if r not in todo or (whole and (not r.enabled or r.type.kept_online)):
                continue
            ri = r.insts[sname]
            if not ri.is_online() and not ri.busy and ri.clean_reason is None:
                continue
            pending = True
            if ri.busy or ri.clean_reason is not None or ri.admin_wait is not None:
                continue
            if UNABLE_TO_OFFLINE in ri.flags:
                continue  # its offline failed: the admin or a monitor finding it offline ends it
            if whole:
                held = any(
                    p.insts[sname].is_online()
                    for p in r.parents
                    if p.enabled and not p.type.kept_online
                )
            else:
                held = any(p.insts[sname].is_online() for p in r.parents if p in todo)
            if not held:
                self._offline_res(ri)
        return pending

    # -- some of a group's resources (hares -offline and its propagating forms) -------------

    def _offline_in_order(self, g, sname, resources):
        """Take ``resources`` offline on sname, each once those of them above it are offline;
        the group is not stopping (a group offline coming meanwhile takes the set over)."""
        gi = g.insts[sname]
        if gi.stopping:
            gi.offline_set.update(resources)
            self._offline_ready(g, sname)
            return
        gi.offline_set = set(resources) | (gi.offline_set or set())
        self._offline_in_order_ready(g, sname)

    def _offline_in_order_ready(self, g, sname):
        gi = g.insts[sname]
        pending = self._offline_pass(g, sname, gi.offline_set, False)
        if not pending:
            gi.offline_set = None
