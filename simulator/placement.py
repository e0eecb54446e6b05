"""Placement: the groups the engine wants online somewhere (``Intent``: autostart,
failover, a soft parent's move, a switch), AutoFailOver, the candidate filter (system up
and not frozen, group enabled and not faulted there, Prerequisites, the SystemZones
zone of the system a failover leaves: first with AutoFailOver 1, only with 2;
dependencies), the system chosen by FailOverPolicy or AutoStartPolicy
(policies.py), and the pass that places the groups one at a time by group Priority. A
group that finds no system waits while a child group is moving, else stays offline.
"""

from __future__ import annotations

from vxha.simulator import dependencies as deps_mod
from vxha.simulator import policies, why
from vxha.simulator.core import Intent


class Placement:
    """Intents and the placement pass."""

    # -- intents ---------------------------------------------------------------------------

    def _failover(self, g, sname, why):
        if g.parallel or g.is_frozen():
            return
        if g.autofailover == 0:
            self.log(sname, g.name, "AutoFailOver 0: no failover")
            return
        if not g.enabled:
            self.log(sname, g.name, "disabled (Enabled 0): no failover")
            return
        self._want(Intent("failover", g, exclude=(sname,), reason=f"failover from {sname}"))

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

    # -- the placement pass ----------------------------------------------------------------

    def _pass(self, _=None):
        self.pass_pending = False
        if not self.dirty:
            return
        keys = [k for k in self.dirty if k in self.intents]
        self.dirty = set()
        self._drop_stale()

        def order(k):
            g = self.groups[k[0]]
            first = 0 if g.cluster_service else 1
            return (first, g.priority if g.priority > 0 else 5, k[0], k[1] or "")

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
        if system is None or gi is None or not system.up:
            return False
        if system.is_frozen() and not g.cluster_service:
            return False
        if system.leaving:
            return False
        if not (g.enabled and gi.enabled) or gi.autodisabled:
            return False
        if "FAULTED" in gi.state:
            return False
        if zone is not None and g.zones.get(sname) != zone:
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
        if intent.kind == "failover" and g.zones and intent.exclude:
            zone = g.zones.get(sorted(intent.exclude)[0])
        base = [s for s in targets if self.eligible(g, s, True, zone)]
        cands = [s for s in base if self.eligible(g, s, False, zone)]
        if zone is not None and not cands and g.autofailover != 2:
            # Its own zone first; with AutoFailOver 1 any other zone after.
            zone = None
            base = [s for s in targets if self.eligible(g, s, True)]
            cands = [s for s in base if self.eligible(g, s)]
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
            held = (
                intent.kind in ("failover", "switch")
                and not intent.nopre
                and self.triggers.preonline(
                    g, target.name, "fault", min(intent.exclude) if intent.exclude else None
                )
            )
            if not held:
                self._start_group(g, target.name, intent.reason)
            return
        moving = bool(base) and self._child_in_motion(g)
        if intent.kind == "autostart" or moving:
            if intent.kind == "autostart" and not (moving and not cands):
                why.note_wait(self, g, key, targets, zone)
            return  # waits for a system or a child
        self._drop(key)
        if intent.kind == "failover":
            self.triggers.no_failover(g, min(intent.exclude) if intent.exclude else None)
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
