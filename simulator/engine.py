"""The VCS engine model: probing, autostart, online/offline in dependency order, monitoring,
fault handling, failover and group dependencies, on a virtual clock.

Entry points complete instantly in virtual time unless they hang (then they take their
whole timeout); what follows an entry point is scheduled on the clock, so a cascade runs
in a deterministic order. The rules and their sources (Veritas guide, release, section, or
why a rule was chosen where no guide says) are the table in docs/simulator.md.

``Engine`` is the core plus one mixin per rule family; a rule goes in its family's module:

- core.py: building from main.cf, the clock, calling entry points (and injected hangs,
  failures, slowness), setting a resource's state, a group's state
- probing.py: probes (start, rejoin), autostart, concurrency violation, when the next
  monitor runs (a disabled group's resources too)
- faults.py: what a monitor answers (FaultOnMonitorTimeouts, ConfInterval, ToleranceLimit),
  ManageFaults and ADMIN_WAIT, RestartLimit, clean and CleanRetryLimit, OnlineRetryLimit,
  FaultPropagation, Critical, group OnlineRetryLimit and OnlineRetryInterval, persistent
  resources, AutoRestart
- transitions.py: online and offline in resource dependency order, OnlineWaitLimit,
  OfflineWaitLimit, hagrp -flush
- dependencies.py: group dependencies: where a parent may be online, legal links, what a
  child's fault, crash, switch or arrival does to its parents
- placement.py: intents (autostart, failover, move, switch), AutoFailOver, the candidate
  filter, the policy's choice, the placement pass by group Priority
- systems.py: system crash (jeopardy), rejoin, an engine not answering (fencing), hastop,
  AutoDisabled

Admin requests (ha* commands) are added by ``admin.SimEngine``.
"""

from __future__ import annotations

from vxha.simulator.core import EngineCore, Intent, SimError, monitor_state
from vxha.simulator.dependencies import DependencyRules
from vxha.simulator.faults import Faults
from vxha.simulator.placement import Placement
from vxha.simulator.probing import Probing
from vxha.simulator.systems import PEER_INACTIVE, Systems
from vxha.simulator.transitions import Transitions

__all__ = ["PEER_INACTIVE", "Engine", "Intent", "SimError", "monitor_state"]


class Engine(Probing, Faults, Transitions, DependencyRules, Placement, Systems, EngineCore):
    """The VCS engine model: the core and every rule family (the list above)."""
