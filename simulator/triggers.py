"""VCS's event triggers on the simulated engine: which event calls which trigger, on which
system, with which arguments (vcs_types/triggers.py names the sources).

- ``resfault SYSTEM RESOURCE PREVIOUS_STATE``: a resource faults (TriggerResFault not 0);
  PREVIOUS_STATE is ONLINE for one that failed while up, OFFLINE for a failed online.
- ``postonline SYSTEM GROUP``: a group reaches ONLINE on a system where it was offline.
- ``postoffline SYSTEM GROUP``: a group that was online or partly online there is offline.
- ``nofailover SYSTEM GROUP``: a faulted failover group finds no system; SYSTEM is the
  last it ran on, and the trigger runs on the lowest-numbered running system.
- ``preonline SYSTEM GROUP manual|fault [LEFT]``: PreOnline 1 (per system where localized)
  and ``hagrp -online`` (manual) or a failover or switch (fault, LEFT the system it left):
  the group is not brought online; the trigger does that with ``hagrp -online -nopre``.
  Only where a preonline script is installed (the ``install_trigger`` event): without one
  VCS goes on bringing the group online (User's 5.0MP3, "preonline event trigger").

Only for groups whose TriggersEnabled lists the trigger (per system where localized). VCS
does not wait for a trigger (VCS 7.1 Administrator's Guide, "About VCS event triggers"):
the simulator records the call in the transcript and runs the trigger right after the
engine step. The trigger run is vxha's own (agents/notify.py), when the group's
TriggerPath is vxha's, in this process, with the node's environment and its ha reads
answered by the engine; any other trigger path is recorded, not run.
"""

from __future__ import annotations

from vxha.simulator.loadwarning import LoadWarning
from vxha.simulator.model import as_int
from vxha.vcs_types import triggers as spec

UP = ("ONLINE", "PARTIAL")


def _base(state: str) -> str:
    return state.split("|", 1)[0]


class Triggers:
    def __init__(self, engine):
        self.e = engine
        self.load = LoadWarning(engine)  # loadwarning: its own clock, per system
        self.up = {}  # (group, system) -> "partial" | "online": where a group is up
        self.installed = set()  # (system, trigger): scripts installed (install_trigger event)

    # -- events ------------------------------------------------------------------------
    def group_changed(self, g, system, old, new) -> None:
        key = (g.name, system)
        base = _base(new)
        was = self.up.get(key)
        if base == "ONLINE" and was != "online":
            self.up[key] = "online"
            self._fire("postonline", g, system, [system, g.name])
        elif base == "PARTIAL" and was is None:
            self.up[key] = "partial"
        elif base not in UP and was is not None:
            del self.up[key]
            self._fire("postoffline", g, system, [system, g.name])

    def resource_faulted(self, ri, previous) -> None:
        g = ri.res.group
        if str(g.attr("TriggerResFault", 1)).strip() == "0":
            return
        gi = g.insts.get(ri.sys)
        if previous == "OFFLINE" and gi is not None and not gi.starting:
            # The monitor that found it down marked it OFFLINE for a moment, which VCS
            # does not show: it was online when it failed (an online that fails is not).
            previous = "ONLINE"
        self._fire("resfault", g, ri.sys, [ri.sys, ri.res.name, previous])

    def no_failover(self, g, last) -> None:
        running = [s for s in g.systemlist if self.e.systems[s].up]
        where = min(running, key=lambda s: list(self.e.systems).index(s)) if running else None
        if where is not None:
            self._fire("nofailover", g, where, [last or where, g.name])

    def preonline(self, g, system, why, left=None) -> bool:
        """PreOnline 1 for ``system``: the preonline trigger is called instead of bringing
        the group online there; the trigger brings it online with ``hagrp -online -nopre``."""
        if not as_int(g.attr_on("PreOnline", system, 0)):
            return False
        if (system, "preonline") not in self.installed:
            # "If the trigger does not exist, VCS continues to bring the group online."
            self.e.log(system, g.name, "PreOnline 1, no preonline trigger here: online goes on")
            return False
        args = [system, g.name, why] + ([left] if left else [])
        self.e.log(
            system,
            g.name,
            f"trigger preonline {' '.join(args)} (online waits for hagrp -online -nopre)",
        )
        return True

    # -- calling -----------------------------------------------------------------------
    def enabled(self, g, system, name) -> bool:
        keys = g.attr_on("TriggersEnabled", system) or []
        return name.upper() in {str(k).upper() for k in keys}

    def _fire(self, name, g, system, args) -> None:
        if not (g.attr("TriggersEnabled") or g.model.local.get("TriggersEnabled")):
            return
        if not self.enabled(g, system, name):
            return
        path = str(g.attr("TriggerPath", "") or "")
        ours = path.strip("/") == spec.TRIGGER_PATH
        self.e.log(
            system, g.name, f"trigger {name} {' '.join(args)}" + ("" if ours else f" ({path})")
        )
        if ours:
            self.e.clock.after(0, self._run, (name, system, list(args)))

    def _run(self, arg) -> None:
        from vxha.agents import notify
        from vxha.agents.agentlog import AgentLog
        from vxha.agents.framework import Context

        name, system, args = arg
        env = self.e.runner.env(system) if hasattr(self.e.runner, "env") else {}
        log = AgentLog(Context(env, inprocess=True), "vxha_notify", name, "trigger")
        notify.handle(name, args, self._ha, log, env)

    def _ha(self, argv) -> str:
        """An ha read answered by the engine (a trigger on a node asks its own had)."""
        from vxha.agents.notify import NotifyError
        from vxha.simulator import commands
        from vxha.simulator.engine import SimError
        from vxha.vcs_types import haforms

        out = commands.Out()
        try:
            call = haforms.parse(argv)
            commands.HANDLERS[call.form.key](self.e, call, out)
        except (SimError, haforms.FormError, KeyError) as exc:
            raise NotifyError(f"{' '.join(argv)}: {exc}") from None
        return out.text()
