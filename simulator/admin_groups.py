"""hagrp requests on a group's state: online, offline and switch (refused as VCS refuses
them: disabled, frozen, faulted, in transition, a resource in ADMIN_WAIT, a dependency not
met, a parent that forbids the child there, a firm parent online) and their -propagate
forms, enable and disable, freeze and unfreeze, clear, clearadminwait [-fault], flush and
autoenable.
"""

from __future__ import annotations

from vxha.simulator import dependencies as deps_mod
from vxha.simulator import policies
from vxha.simulator.core import Intent, SimError
from vxha.simulator.model import ADMIN_WAIT, FAULTED, OFFLINE, ONLINE, UNABLE_TO_OFFLINE


class GroupRequests:
    """hagrp -online, -offline, -switch, -enable, -disable, -freeze, -clear, -clearadminwait."""

    # -- online, offline, switch -----------------------------------------------------------

    def online_group(self, name, sname=None, any_system=False, propagate=False, nopre=False):
        g = self.group(name)
        if nopre and (any_system or propagate):
            raise SimError("hagrp -online -nopre needs -sys SYSTEM (not -any or -propagate)")
        self._check_actionable(g)
        self._check_manual_ops(g, "online")
        self._check_no_admin_wait(g, "online", sname)
        if propagate:
            self._online_propagate(g, sname, any_system)
            self.clock.run_due()
            return
        if any_system:
            cands = [
                s
                for s in g.systemlist
                if self.eligible(g, s) and not deps_mod.parent_forbidding(g, s)
            ]
            if not cands:
                raise SimError(
                    f"Group {name} cannot be brought online on any system", "V-16-1-10165"
                )
            if g.parallel:
                for s in cands:
                    if not self._active(g.insts[s]):
                        self._start_group(g, s, "admin")
            else:
                if any(self._active(gi) for gi in g.insts.values()):
                    raise SimError(f"Group {name} is already online", "V-16-1-10163")
                target = policies.choose(
                    g, [self.systems[s] for s in cands], g.policy, self.statistics
                )
                if target is None:  # BiggestAvailable: no system has room for its Load
                    raise SimError(
                        f"Group {name} cannot be brought online on any system", "V-16-1-10165"
                    )
                self._start_admin(g, target.name)
        else:
            gi = self._gi(g, sname)
            if not self.systems[sname].up:
                raise SimError(f"System {sname} is not up", "V-16-1-10446")
            # A PARTIAL group may be brought online where it is: its offline resources start.
            if self._base(gi) == "ONLINE" or gi.starting or gi.stopping:
                raise SimError(f"Group {name} is already online on system {sname}", "V-16-1-10163")
            if not g.parallel:
                other = [s for s, i in g.insts.items() if s != sname and self._active(i)]
                if other:
                    raise SimError(
                        f"Group {name} is online on system {other[0]}: a failover group runs "
                        "on one system at a time",
                        "V-16-1-10167",
                    )
            if "FAULTED" in gi.state:
                raise SimError(
                    f"Group {name} is faulted on system {sname}: clear it first", "V-16-1-10172"
                )
            if not (g.enabled and gi.enabled):
                raise SimError(f"Group {name} is disabled on system {sname}", "V-16-1-10168")
            if not self._active(gi):  # a PARTIAL group completes where it is
                self._check_system_allows(g, sname)
            self._check_dependencies_allow(g, sname)
            self._start_admin(g, sname, nopre)
        self._drop((g.name, None))
        self.clock.run_due()

    def _start_admin(self, g, sname, nopre=False):
        """hagrp -online: through the preonline trigger where PreOnline asks for it."""
        if nopre or not self.triggers.preonline(g, sname, "manual"):
            self._start_group(g, sname, "admin")

    def _check_system_allows(self, g, sname):
        """Refuse bringing g (or one of its resources) online on a frozen system, or on one
        whose Limits left do not cover g's Prerequisites."""
        system = self.systems[sname]
        if system.is_frozen():
            raise SimError(
                f"Group {g.name} cannot be brought online on system {sname}: the system is frozen",
                "V-16-1-10165",
            )
        if g.insts[sname].autodisabled:  # hagrp(1M) 2.0, -autoenable
            raise SimError(
                f"Group {g.name} is autodisabled on system {sname}: hagrp -autoenable it there "
                "first",
                "V-16-1-10165",
            )
        if not policies.prerequisites_met(g, system):
            raise SimError(
                f"Group {g.name} cannot be brought online on system {sname}: its Prerequisites "
                f"{policies.format_needs(g.prerequisites)} exceed the system's CurrentLimits "
                f"{policies.format_needs(policies.current_limits(system, g))}",
                "V-16-1-10165",
            )

    def _check_dependencies_allow(self, g, sname):
        """Refuse bringing g (or one of its resources) online on sname where its own
        dependencies are not met or an online parent forbids it."""
        missing = deps_mod.unmet(g, sname, self.up_systems())
        if missing:
            d = missing[0]
            raise SimError(
                f"Group {g.name} requires group {d.child.name} ({d.kind()}): "
                f"the dependency is not met on system {sname}",
                "V-16-1-10190",
            )
        self._check_parents_allow(g, sname)

    def _check_parents_allow(self, g, sname, leaving=None):
        forbid = deps_mod.parent_forbidding(g, sname, leaving)
        if forbid is not None:
            dep, psys = forbid
            where = "there" if psys == sname else f"on system {psys}"
            raise SimError(
                f"Group {g.name} cannot be brought online on system {sname}: its parent group "
                f"{dep.parent.name} is online {where} ({dep.kind()})",
                "V-16-1-10191",
            )

    def _firm_parents(self, g, sname):
        """(parent, system) instances that forbid taking g offline on sname: firm or hard,
        online, and depending on this instance of g."""
        out = []
        for dep in g.rdeps:
            if dep.category != "online" or dep.rigidity == "soft":
                continue
            p = dep.parent
            if dep.location == "local":
                pi = p.insts.get(sname)
                if pi is not None and self._active(pi):
                    out.append((p, sname))
            else:
                # global: any other instance will do; remote: one not on the parent's system
                for psys, pi in p.insts.items():
                    if not self._active(pi):
                        continue
                    others = [
                        s
                        for s in g.insts
                        if s != sname
                        and (dep.location == "global" or s != psys)
                        and deps_mod.child_online_on(g, s)
                    ]
                    if not others:
                        out.append((p, psys))
        return out

    def offline_group(self, name, sname=None, any_system=False, propagate=False):
        g = self.group(name)
        self._check_actionable(g)
        self._check_manual_ops(g, "offline")
        self._check_no_admin_wait(g, "offline", sname)
        systems = [s for s, gi in g.insts.items() if self._active(gi)] if any_system else [sname]
        for s in systems:
            gi = self._gi(g, s)
            parents = self._firm_parents(g, s)
            if parents and not propagate:
                raise SimError(
                    f"Group {name} cannot be taken offline on {s}: its parent group "
                    f"{parents[0][0].name} is online and depends on it",
                    "V-16-1-10194",
                )
            if not self._active(gi):
                continue
            self._drop((g.name, None))
            self._drop((g.name, s))
            if propagate:
                self._offline_propagate(g, s)
            else:
                self._stop_group(g, s, "admin")
        self.clock.run_due()

    # -- -propagate ------------------------------------------------------------------------

    def _online_propagate(self, g, sname, any_system):
        """hagrp -online -propagate: the child groups g requires are brought online first
        (local ones on g's system, global and remote ones by their own policy), then g."""
        active = [s for s, i in g.insts.items() if self._active(i)]
        if active and not g.parallel:
            raise SimError(
                f"Group {g.name} is already online on system {active[0]}", "V-16-1-10163"
            )
        if any_system and g.parallel:
            # as hagrp -online -any: a parallel group on every system it may come online on
            targets = [s for s in g.systemlist if self._propagate_refusal(g, s) is None]
            if not targets:
                raise SimError(
                    f"Group {g.name} cannot be brought online on any system", "V-16-1-10165"
                )
            for s in targets:
                self._want_online(g, s)
            return
        if any_system:
            cands = [s for s in g.systemlist if self.eligible(g, s, ignore_deps=True)]
            target = policies.choose(g, [self.systems[s] for s in cands], g.policy, self.statistics)
            if target is None:
                raise SimError(
                    f"Group {g.name} cannot be brought online on any system", "V-16-1-10165"
                )
            sname = target.name
        self._gi(g, sname)
        refusal = self._propagate_refusal(g, sname)
        if refusal is not None:
            raise refusal
        self._want_online(g, sname)

    def _propagate_refusal(self, g, sname):
        """Why g cannot be brought online with -propagate on sname (a SimError), or None."""
        if not self.eligible(g, sname, ignore_deps=True) or self._active(g.insts[sname]):
            return SimError(
                f"Group {g.name} cannot be brought online on system {sname}", "V-16-1-10165"
            )
        for d in g.deps:
            if d.category == "offline" and not deps_mod.dep_met(d, sname, self.up_systems()):
                return SimError(
                    f"Group {g.name} requires group {d.child.name} ({d.kind()}): "
                    f"the dependency is not met on system {sname}",
                    "V-16-1-10190",
                )
        try:
            self._check_parents_allow(g, sname)
            self._check_local_children_can_run(g, sname)
        except SimError as exc:
            return exc
        return None

    def _check_local_children_can_run(self, g, sname):
        """Refuse -propagate before anything starts when a local child (or one of its own)
        that is not online on sname could not be brought online there."""
        for dep in g.deps:
            c = dep.child
            if dep.category != "online" or dep.location != "local":
                continue
            if deps_mod.child_active_on(c, sname):
                continue
            if sname not in c.insts or not self.eligible(c, sname, ignore_deps=True):
                raise SimError(
                    f"Group {g.name} requires group {c.name} ({dep.kind()}), which cannot be "
                    f"brought online on system {sname}",
                    "V-16-1-10190",
                )
            self._check_local_children_can_run(c, sname)

    def _want_online(self, g, sname):
        for dep in g.deps:
            if dep.category != "online":
                continue
            c = dep.child
            if dep.location == "local":
                # a parallel child's intents are per system: one for another system of a
                # parallel parent brought online everywhere does not bring it here
                pending = self.intent_keys.get(c.name, ())
                if not deps_mod.child_active_on(c, sname) and not (
                    (c.name, None) in pending or (c.name, sname) in pending
                ):
                    self._want_online(c, sname)
                continue
            elsewhere = [
                s
                for s, ci in c.insts.items()
                if self._active(ci) and (dep.location == "global" or s != sname)
            ]
            if elsewhere or self.intent_keys.get(c.name):
                continue
            cands = [
                self.systems[s]
                for s in c.systemlist
                if (dep.location == "global" or s != sname)
                and self.eligible(c, s, ignore_deps=True)
            ]
            target = policies.choose(c, cands, c.policy, self.statistics)
            if target is not None:
                self._want_online(c, target.name)
        if g.parallel:
            self._want(Intent("propagate", g, system=sname, reason="online -propagate"))
        else:
            self._want(Intent("propagate", g, to=sname, reason="online -propagate"))

    def _offline_propagate(self, g, sname, done=None):
        """hagrp -offline -propagate: the firm and hard parents depending on this instance
        are taken offline first (theirs before them), then g."""
        parents = self._firm_parents(g, sname)

        def stop():
            self._stop_group(g, sname, "offline -propagate", then=done)

        if not parents:
            stop()
            return
        left = {(p.name, s) for p, s in parents}

        def parent_done(key):
            left.discard(key)
            if not left:
                stop()

        for p, s in parents:
            self._offline_propagate(p, s, lambda key=(p.name, s): parent_done(key))

    def switch_group(self, name, to=None, any_system=False, nopre=False):
        g = self.group(name)
        self._check_actionable(g)
        self._check_manual_ops(g, "switch")
        self._check_no_admin_wait(g, "switch")
        if g.parallel:
            raise SimError(f"Group {name} is parallel: it cannot be switched", "V-16-1-10198")
        current = [s for s, gi in g.insts.items() if self._active(gi)]
        if not current:
            raise SimError(f"Group {name} is not online anywhere", "V-16-1-10199")
        here = current[0]
        if self._in_transition(g):
            raise SimError(f"Group {name} is in transition", "V-16-1-10170")
        parents = self._firm_parents(g, here)
        if parents:
            raise SimError(
                f"Group {name} cannot be switched: its parent group {parents[0][0].name} is online "
                "and depends on it",
                "V-16-1-10194",
            )
        if any_system:
            cands = [s for s in g.systemlist if s != here and self._switch_ok(g, s, here)]
            if not cands:
                raise SimError(f"No system is available to switch group {name} to", "V-16-1-10165")
            to = policies.choose(
                g, [self.systems[s] for s in cands], g.policy, self.statistics
            ).name
        else:
            self._gi(g, to)
            if to == here:
                raise SimError(f"Group {name} is already online on system {to}", "V-16-1-10163")
            self._check_parents_allow(g, to, leaving=here)
            if not self._switch_ok(g, to, here):
                raise SimError(f"Group {name} cannot be switched to system {to}", "V-16-1-10165")
        self._react_child_down(g, here, "switched")
        self._stop_group(
            g,
            here,
            f"switch to {to}",
            then=lambda: self._want(
                Intent(
                    "switch", g, exclude=(here,), to=to, reason=f"switch from {here}", nopre=nopre
                )
            ),
        )
        self.clock.run_due()

    def _switch_ok(self, g, target, here):
        if not self.eligible(g, target, ignore_deps=True):
            return False
        if deps_mod.parent_forbidding(g, target, leaving=here):
            return False
        for dep in g.deps:  # judge dependencies as if g had left `here`
            if not deps_mod.dep_met(dep, target, self.up_systems()):
                return False
        return True

    def flush_group(self, name, sname, force=False):
        """hagrp -flush [-force] G -sys S: resources waiting to go online (with -force, also
        offline) stop waiting and the group's online (offline) on S ends where it is. The
        entry points already running are not stopped: the monitor after them sets the state."""
        g = self.group(name)
        gi = self._gi(g, sname)
        self._check_no_admin_wait(g, "flush", sname)
        waits = ("online", "offline") if force else ("online",)
        for r in g.resources:
            ri = r.insts[sname]
            if ri.busy in waits:
                ri.flushed = True
        if gi.starting:
            self._set_moving(gi, starting=False)
            self._refresh(g, sname, "flush")
        if force and gi.stopping:
            self._set_moving(gi, stopping=False)
            gi.offline_set = gi.then = None
            self._refresh(g, sname, "flush -force")
        elif force:
            gi.offline_set = None  # a hares -offline's resources still to go stay online
        self._drop((g.name, sname))
        self._dirty_all()
        self.clock.run_due()

    def autoenable_group(self, name, sname):
        """hagrp -autoenable G -sys S: the admin vouches for the group's state on S."""
        g = self.group(name)
        gi = self._gi(g, sname)
        if gi.autodisabled:
            self._autoenable(g, sname, "autoenable")
        self._dirty_all()
        self.clock.run_due()

    # -- enable, disable, freeze, clear ----------------------------------------------------

    def enable_group(self, name, sname=None):
        """hagrp -enable [-sys]: the group may be brought online and fail over again. Its
        resources were monitored all along, so there is nothing to probe."""
        g = self.group(name)
        self.need_writable()
        if sname is None:
            if g.enabled:
                return
            g.model.attrs["Enabled"] = 1
            g.enabled = True
        else:
            gi = self._gi(g, sname)
            if gi.enabled and g.enabled:
                return
            gi.enabled = True
            if not g.enabled:
                g.model.attrs["Enabled"] = 1
                g.enabled = True
        self.log(sname or "-", g.name, "Enabled 0 -> 1 (admin)")
        self._dirty_all()
        self.clock.run_due()

    def disable_group(self, name, sname=None):
        """hagrp -disable [-sys]: no online and no failover there; monitoring goes on."""
        g = self.group(name)
        self.need_writable()
        if sname is None:
            if not g.enabled:
                return
            g.model.attrs["Enabled"] = 0
            g.enabled = False
        else:
            gi = self._gi(g, sname)
            if not gi.enabled:
                return
            gi.enabled = False
        for key in [k for k in self.intents if k[0] == g.name]:
            if sname is None or key[1] in (None, sname):
                if sname is None or g.parallel:
                    self._drop(key)
        self.log(sname or "-", g.name, "Enabled 1 -> 0 (admin): no online, no failover")

    def freeze_group(self, name, persistent=False):
        g = self.group(name)
        if persistent:
            self.need_writable()
        if self._in_transition(g):
            raise SimError(f"Group {name} is in transition: it cannot be frozen", "V-16-1-10170")
        if persistent:
            g.model.attrs["Frozen"] = 1
            g.frozen = True
        else:
            g.tfrozen = True  # not in the configuration: haconf -dump does not keep it
        self.log("-", g.name, f"{'Frozen' if persistent else 'TFrozen'} 0 -> 1 (admin)")

    def unfreeze_group(self, name, persistent=False):
        g = self.group(name)
        if persistent:
            self.need_writable()
            g.model.attrs.pop("Frozen", None)  # back to the default: main.cf no longer sets it
            g.frozen = False
        else:
            g.tfrozen = False
        self.log("-", g.name, f"{'Frozen' if persistent else 'TFrozen'} 1 -> 0 (admin)")
        self._dirty_all()
        self.clock.run_due()

    def clear_group(self, name, sname=None):
        g = self.group(name)
        systems = list(g.insts) if sname is None else [self._gi(g, sname).sys]
        for s in systems:
            gi = g.insts[s]
            gi.retries = 0
            gi.restarted_at = None
            for r in g.resources:
                ri = r.insts[s]
                self._clear_ri(ri)
        self._dirty_all()
        self.clock.run_due()

    def _clear_ri(self, ri):
        old = ri.stable()
        changed = False
        if ri.state == FAULTED:
            ri.state = OFFLINE
            changed = True
        if ri.flags:
            ri.flags = ()
            changed = True
        ri.tolerance = ri.restarts = ri.retries = ri.monitor_timeouts = 0
        ri.clean_failures = 0
        ri.clean_reason = None
        if changed:
            self.log(ri.sys, ri.res.name, f"{old} -> {ri.stable()} (clear)")
            self._refresh(ri.res.group, ri.sys, "clear")

    def clear_admin_wait(self, name, sname, fault=False):
        """hagrp -clearadminwait [-fault] G -sys S. Without -fault the resources return to
        their state before the event and are monitored as usual (still wrong: ADMIN_WAIT
        again); with -fault, after an offline (reasons 0, 1) they are ONLINE|UNABLE_TO_OFFLINE,
        otherwise FAULTED without calling clean, and the fault is handled as usual."""
        g = self.group(name)
        gi = self._gi(g, sname)
        waiting = [r.insts[sname] for r in g.resources if r.insts[sname].admin_wait is not None]
        if not waiting:
            raise SimError(f"Group {name} is not in ADMIN_WAIT on system {sname}", "V-16-1-10175")
        why = "clearadminwait -fault" if fault else "clearadminwait"
        faulted = []
        for ri in waiting:
            reason, ri.admin_wait = ri.admin_wait, None
            old = ri.stable()
            ri.drop_flag(ADMIN_WAIT)
            after_offline = reason in (0, 1)
            if fault and not after_offline:
                ri.state = FAULTED
                ri.flags = ()
                ri.monitor_timeouts = 0
                faulted.append(ri)
            elif fault:
                ri.add_flag(UNABLE_TO_OFFLINE)
            else:
                ri.state = OFFLINE if reason in (2, 3) else ONLINE
            self.log(sname, ri.res.name, f"{old} -> {ri.stable()} ({why})")
            self._refresh(g, sname, why)
            self._schedule_monitor(ri)
        for ri in faulted:
            self._resource_faulted(ri)
        if gi.starting:
            self._online_ready(g, sname)
        elif gi.stopping:
            self._offline_ready(g, sname)
        self.clock.run_due()
