"""Admin requests on the engine: what hagrp/hares/hasys/haconf/hatype/haattr ask for.

Each method checks the request as VCS does and raises ``SimError`` (with VCS's message
number where the public guides give one) instead of acting when VCS would refuse.
Configuration changes need a writable configuration (``haconf -makerw``).

By module: admin_groups.py holds the hagrp requests on a group's state (online, offline,
switch, enable, disable, freeze, clear, clearadminwait, autoenable); admin_config.py the
configuration (haconf, -add, -delete, -link, -unlink, hasys -add/-delete, hatype, haattr);
attrs.py attribute changes (-modify, -local, -global, -override); this module the lookups
every request starts from and the hares and hasys requests (clear, probe, online,
offline; freeze, unfreeze, evacuate). What a request sets in motion (probes, faults,
placement) is the engine's rule families' (engine.py).
"""

from __future__ import annotations

from vxha.simulator.admin_config import ConfigChanges
from vxha.simulator.admin_groups import GroupRequests
from vxha.simulator.attrs import AttrMixin
from vxha.simulator.engine import Engine, SimError
from vxha.simulator.model import FAULTED, OFFLINE, ONLINE, UNKNOWN, as_int


class AdminMixin(GroupRequests, ConfigChanges, AttrMixin):
    """Every admin request: the lookups and hares/hasys here, hagrp and configuration mixed in."""

    # -- lookups ---------------------------------------------------------------------------

    def group(self, name):
        g = self.groups.get(name)
        if g is None:
            raise SimError(f"Group {name} does not exist in the local cluster", "V-16-1-40131")
        return g

    def resource(self, name):
        r = self.resources.get(name)
        if r is None:
            raise SimError(f"Resource {name} does not exist in the local cluster", "V-16-1-40130")
        return r

    def system(self, name):
        s = self.systems.get(name)
        if s is None:
            raise SimError(f"System {name} does not exist in the local cluster", "V-16-1-40132")
        return s

    def _inst(self, insts, group, sname):
        """The per-system instance of a group or resource; SimError as VCS words it."""
        self.system(sname)
        inst = insts.get(sname)
        if inst is None:
            raise SimError(
                f"System {sname} is not in the SystemList of group {group}", "V-16-1-40133"
            )
        return inst

    def _gi(self, g, sname):
        return self._inst(g.insts, g.name, sname)

    def _ri(self, r, sname):
        return self._inst(r.insts, r.group.name, sname)

    def admin_log(self, argv):
        self.log("-", "admin", " ".join(argv))

    def _in_transition(self, g):
        return any(gi.starting or gi.stopping for gi in g.insts.values())

    def _check_actionable(self, g):
        if not g.enabled:
            raise SimError(f"Group {g.name} is disabled", "V-16-1-10168")
        if g.is_frozen():
            raise SimError(f"Group {g.name} is frozen", "V-16-1-10169")

    def _check_manual_ops(self, g, op):
        """ManualOps 0: an admin's online, offline and switch of the group are refused (no
        stored page describes the attribute: chosen as its name says; docs/simulator.md)."""
        if not as_int(g.attr("ManualOps", 1), 1):
            raise SimError(
                f"Group {g.name} does not allow manual operations (ManualOps 0): {op} refused",
                "V-16-1-10558",
            )

    def _check_no_admin_wait(self, g, op, sname=None):
        """A resource in ADMIN_WAIT blocks online, offline, switch and flush of its group (of
        a parallel group, on that system)."""
        systems = [sname] if g.parallel and sname else list(g.insts)
        for s in systems:
            for r in g.resources:
                ri = r.insts.get(s)
                if ri is not None and ri.admin_wait is not None:
                    raise SimError(
                        f"Group {g.name} has resource {r.name} in ADMIN_WAIT on system {s}: "
                        f"{op} refused",
                        "V-16-1-10176",
                    )

    # -- resources -------------------------------------------------------------------------

    def modify_attr(self, kind, name, attr, words, sname=None):
        if kind == "resource" and attr == "Enabled" and len(words) == 1:
            if not as_int(words[0], 1):
                self._check_can_disable(self.resource(name), sname)
        super().modify_attr(kind, name, attr, words, sname)

    def enable_group_resources(self, name, enabled):
        """``hagrp -enableresources | -disableresources G``: every resource's Enabled, as
        ``hares -modify R Enabled`` sets it; a refusal for any one changes none."""
        g = self.group(name)
        self.need_writable()
        if not enabled:
            for r in g.resources:
                self._check_can_disable(r)
        for r in g.resources:
            if r.enabled != enabled:
                super().modify_attr("resource", r.name, "Enabled", ["1" if enabled else "0"])

    def _check_can_disable(self, r, sname=None):
        """A non-persistent resource is disabled only in a clean OFFLINE state (not waiting);
        a persistent one only when its parents are."""
        if not r.enabled:
            return
        for s in [sname] if sname else list(r.insts):
            ri = self._ri(r, s)
            if r.type.persistent:
                for p in r.parents:
                    pi = p.insts[s]
                    if p.enabled and (pi.state != OFFLINE or pi.busy or pi.flags):
                        raise SimError(
                            f"Resource {r.name} has parent {p.name} {pi.display()} on system "
                            f"{s}: a persistent resource's parents must be OFFLINE to disable it",
                            "V-16-1-10277",
                        )
            elif ri.state != OFFLINE or ri.busy or ri.flags:
                raise SimError(
                    f"Resource {r.name} is {ri.display()} on system {s}: a non-persistent "
                    "resource must be OFFLINE to be disabled",
                    "V-16-1-10277",
                )

    def clear_resource(self, name, sname=None):
        r = self.resource(name)
        for s in [sname] if sname else list(r.insts):
            self._clear_ri(self._ri(r, s))
        self._dirty_all()
        self.clock.run_due()

    def probe_resource(self, name, sname):
        r = self.resource(name)
        ri = self._ri(r, sname)
        if not self.systems[sname].up:
            raise SimError(f"System {sname} is not up", "V-16-1-10446")
        self._check_resource_enabled(r)
        if ri.busy:
            raise SimError(f"Resource {name} is busy on {sname}", "V-16-1-10261")

        def done(ri, code, timed_out, why):
            from vxha.simulator.engine import monitor_state

            if ri.probed and ri.state == ONLINE:
                # An online resource found otherwise is a fault, whoever asked for the monitor.
                self._monitor_done(ri, code, timed_out, why)
                return
            new = UNKNOWN if timed_out else monitor_state(code)
            was = ri.state
            if was != FAULTED:
                self._set_state(ri, new, "probe")
            self._schedule_monitor(ri)
            if new == ONLINE and was in (OFFLINE, UNKNOWN):
                self._found_online(ri)

        self._ep(ri, "monitor", None, done)
        self.clock.run_due()

    @staticmethod
    def _check_resource_enabled(r):
        """A disabled resource is not monitored and cannot be brought online or taken
        offline (Admin 7.0, "About disabling resources")."""
        if not r.enabled:
            raise SimError(f"Resource {r.name} is not enabled", "V-16-1-10260")

    def _check_not_persistent(self, r):
        if r.type.persistent:
            raise SimError(
                f"Resource {r.name} is persistent (Operations None): VCS does not bring it "
                "online or take it offline",
                "V-16-1-10268",
            )

    def online_resource(self, name, sname):
        r = self.resource(name)
        ri = self._ri(r, sname)
        if not self.systems[sname].up:  # no agent runs there (found by the property campaign)
            raise SimError(f"System {sname} is not up", "V-16-1-10446")
        self._check_actionable(r.group)
        self._check_not_persistent(r)
        self._check_resource_enabled(r)
        if ri.state == ONLINE:
            raise SimError(f"Resource {name} is already online on {sname}", "V-16-1-10263")
        if ri.state == FAULTED:
            raise SimError(f"Resource {name} is faulted on {sname}: clear it first", "V-16-1-10264")
        if any(c.insts[sname].state != ONLINE for c in r.children if c.enabled):
            raise SimError(f"Resource {name} has children offline on {sname}", "V-16-1-10265")
        g = r.group
        if not g.parallel and any(self._active(gi) for s, gi in g.insts.items() if s != sname):
            raise SimError(f"Group {g.name} is online on another system", "V-16-1-10167")
        # The group comes (partially) online there: as for hagrp -online, the system and
        # its group dependencies must allow it (User's 4.1, "Manual Operations for Service
        # Group Dependencies").
        if not self._active(g.insts[sname]):
            self._check_system_allows(g, sname)
        self._check_dependencies_allow(g, sname)
        self._online_res(ri, "admin")
        self.clock.run_due()

    def offline_resource(self, name, sname, ignoreparent=False, parentprop=False, offprop=False):
        """hares -offline [-ignoreparent | -parentprop] and -offprop [-ignoreparent]: R offline
        on S, after its online parents (-parentprop) or before its online children (-offprop)."""
        r = self.resource(name)
        ri = self._ri(r, sname)
        g = r.group
        self._check_actionable(g)
        self._check_not_persistent(r)
        self._check_resource_enabled(r)
        if not ri.is_online():
            raise SimError(f"Resource {name} is not online on {sname}", "V-16-1-10266")
        parents = [p for p in r.parents if p.enabled and p.insts[sname].is_online()]
        if parents and not (ignoreparent or parentprop):
            raise SimError(
                f"Resource {name} has parents online on {sname} ({parents[0].name}): take "
                "them offline first, or give -ignoreparent or -parentprop",
                "V-16-1-10267",
            )
        if ignoreparent or parentprop or offprop:
            self._check_group_parents_allow_offline(g, sname, name)
        todo = {r}
        if parentprop:
            todo |= self._online_relatives(r, sname, "parents")
            for p in todo:
                self._check_not_persistent(p)
        if offprop:
            todo |= self._children_to_offline(r, sname)
        self._offline_in_order(g, sname, todo)
        self.clock.run_due()

    def _check_group_parents_allow_offline(self, g, sname, name):
        """A resource offline leaves its group short of ONLINE there: refused while a firm
        or hard parent group depends on that instance, as hagrp -offline is."""
        if self._base(g.insts[sname]) != ONLINE:
            return
        parents = self._firm_parents(g, sname)
        if parents:
            raise SimError(
                f"Resource {name} cannot be taken offline on {sname}: its group {g.name} "
                f"would leave ONLINE while its parent group {parents[0][0].name} depends on it",
                "V-16-1-10194",
            )

    @staticmethod
    def _online_relatives(r, sname, side):
        """Every enabled resource above (``parents``) or below (``children``) r that is
        online on sname, through online ones only."""
        found, todo = set(), [r]
        while todo:
            for rel in getattr(todo.pop(), side):
                if rel not in found and rel.enabled and rel.insts[sname].is_online():
                    found.add(rel)
                    todo.append(rel)
        return found

    def _children_to_offline(self, r, sname):
        """hares -offprop: r's online descendants VCS may take offline (not persistent or
        On-Only ones), leaving out any a parent staying online still needs."""
        out = {r}
        candidates = self._online_relatives(r, sname, "children")
        changed = True
        while changed:
            changed = False
            for c in list(candidates):
                if c.type.kept_online:
                    candidates.discard(c)
                    continue
                if not any(
                    p not in out and p.enabled and p.insts[sname].is_online() for p in c.parents
                ):
                    out.add(c)
                    candidates.discard(c)
                    changed = True
        return out - {r}

    # -- systems ---------------------------------------------------------------------------

    def freeze_system(self, sname, persistent=False, evacuate=False):
        system = self.system(sname)
        if persistent:
            self.need_writable()
            system.model.attrs["Frozen"] = 1
            system.frozen = True
        else:
            system.tfrozen = True
        self.log(sname, "system", f"{'Frozen' if persistent else 'TFrozen'} 0 -> 1 (admin)")
        if evacuate:
            self.evacuate_system(sname)
        self.clock.run_due()

    def unfreeze_system(self, sname, persistent=False):
        system = self.system(sname)
        if persistent:
            self.need_writable()
            system.model.attrs.pop("Frozen", None)  # back to the default: not written
            system.frozen = False
        else:
            system.tfrozen = False
        self.log(sname, "system", f"{'Frozen' if persistent else 'TFrozen'} 1 -> 0 (admin)")
        self._dirty_all()
        self.clock.run_due()


class SimEngine(AdminMixin, Engine):
    """The engine with its admin requests: what the API, the daemon and the shims drive."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.command_faults = []  # [words to match, failures left] (fail-command events)
