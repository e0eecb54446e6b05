"""Overload warning: a system whose online groups' Load stays at or above LoadWarningLevel
percent of its Capacity for LoadTimeThreshold seconds calls the loadwarning trigger, once,
until the load drops below the level again (VCS resets LoadTimeCounter then).

The simulator records the call ``loadwarning SYSTEM AVAILABLE_CAPACITY`` in the transcript
(docs/simulator.md gives the sources). Only single-number Capacity and Load are read: the
documents describe the warning for the Load policy.
"""

from __future__ import annotations

from vxha.simulator import policies
from vxha.simulator.model import as_int

LEVEL = 80  # percent of Capacity
THRESHOLD = 600  # seconds


class LoadWarning:
    def __init__(self, engine):
        self.e = engine
        self.above = {}  # system name -> (since, token) while its load is above the level

    def changed(self, system, g) -> None:
        """Group ``g`` became active or inactive on ``system``: start or stop counting."""
        if not g.load or not isinstance(g.load, int) or not isinstance(system.capacity, int):
            return  # its load did not change
        if self._over(system):
            if system.name not in self.above:
                token = object()
                self.above[system.name] = (self.e.clock.now, token)
                wait = as_int(system.model.attrs.get("LoadTimeThreshold"), THRESHOLD)
                self.e.clock.after(wait, self._due, (system, token))
        else:
            self.above.pop(system.name, None)

    def counter(self, system) -> int:
        """LoadTimeCounter: the seconds the system's load has been at or above the level, 0
        once it dropped below (Admin 7.0, "About overload warning")."""
        entry = self.above.get(system.name)
        return self.e.clock.now - entry[0] if entry and system.up else 0

    @staticmethod
    def _over(system) -> bool:
        level = as_int(system.model.attrs.get("LoadWarningLevel"), LEVEL)
        used = system.capacity - policies.available_capacity(system)
        # At the level counts: the guide's own example fires at exactly 80 percent.
        return used * 100 >= level * system.capacity

    def _due(self, arg) -> None:
        system, token = arg
        entry = self.above.get(system.name)
        if entry is None or entry[1] is not token or not system.up:
            return
        avail = policies.available_capacity(system)
        # A negative value is passed with a % prefix, "%-4" (User's 5.0, "System attributes").
        arg = f"%{avail}" if avail < 0 else str(avail)
        self.e.log(system.name, "system", f"trigger loadwarning {system.name} {arg}")
