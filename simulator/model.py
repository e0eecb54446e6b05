"""The simulator's runtime model: systems, groups and resources with their per-system state,
built from a parsed main.cf (``vcs_types.model.Config``) and the type declarations.

Attribute values stay in the ``Config`` objects (so ``haconf -dump`` writes what ``-modify``
changed); the fields here are decoded copies refreshed by ``reload()``.
"""

from __future__ import annotations

from vxha.vcs_types.decl import TIMEOUT_ATTR, TypeDecl
from vxha.vcs_types.model import resolve_numbers

# Resource states (hares -state) and qualifiers.
ONLINE = "ONLINE"
OFFLINE = "OFFLINE"
FAULTED = "FAULTED"
UNKNOWN = "UNKNOWN"  # monitor answered 99, or the resource was never probed
W_ONLINE = "W_ONLINE"  # going online: online called, waiting for monitor to confirm
W_OFFLINE = "W_OFFLINE"  # going offline

MONITOR_TIMEDOUT = "MONITOR_TIMEDOUT"
UNABLE_TO_OFFLINE = "UNABLE_TO_OFFLINE"
ADMIN_WAIT = "ADMIN_WAIT"
# A monitor could not tell: the last known state stands with this flag (User's 4.1 Flags).
STATE_UNKNOWN = "STATE_UNKNOWN"

STATIC_INTS = (
    "MonitorInterval",
    "OfflineMonitorInterval",
    "OnlineTimeout",
    "OfflineTimeout",
    "MonitorTimeout",
    "CleanTimeout",
    "ConfInterval",
    "RestartLimit",
    "ToleranceLimit",
    "OnlineRetryLimit",
    "OnlineWaitLimit",
    "OfflineWaitLimit",
    "FaultOnMonitorTimeouts",
    "CleanRetryLimit",
    "ActionTimeout",
    "IntentionalOffline",
    "FaultPropagation",
)

STATIC_SET = frozenset(STATIC_INTS)


def as_int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def below_disabled(r):
    """Whether r is a child, at any depth, of a disabled resource: VCS does not bring it
    online with its group (User's 4.1, "Resource Attributes", Enabled)."""
    seen = set()
    todo = list(r.parents)
    while todo:
        p = todo.pop()
        if p.name in seen:
            continue
        if not p.enabled:
            return True
        seen.add(p.name)
        todo.extend(p.parents)
    return False


def as_list(value):
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return list(value)
    return [value]


def as_dict(value):
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):  # `{}` parses as an empty list
        return {}
    return {}


class SimType:
    """A resource type as the engine needs it: declaration, agent kind, static values."""

    def __init__(self, decl: TypeDecl, agent: str):
        self.name = decl.name
        self.decl = decl
        self.agent = agent  # "framework" or "standin"
        self.overrides = {}  # hatype -modify
        self.refresh()

    def static(self, name):
        if name in self.overrides:
            return self.overrides[name]
        try:
            return self.decl.static(name)
        except KeyError:
            return None

    def refresh(self):
        self.s = self.statics({})
        # Operations = None: VCS never brings it online or offline (a persistent resource);
        # OnOnly: VCS brings it online but never takes it offline.
        ops = str(self.static("Operations"))
        self.persistent = ops == "None"
        self.on_only = ops == "OnOnly"
        self.kept_online = self.persistent or self.on_only

    def statics(self, own):
        """The static values the engine reads: ``own`` (one resource's overrides) first."""
        s = {name: as_int(own[name] if name in own else self.static(name)) for name in STATIC_INTS}
        # The agent framework ignores a ConfInterval below this floor and uses the floor.
        floor = (s["MonitorInterval"] + s["MonitorTimeout"]) * s["ToleranceLimit"]
        s["ConfInterval"] = max(s["ConfInterval"], floor + s["MonitorInterval"] + 10)
        return s


class RInst:
    """One resource on one system."""

    __slots__ = (
        "res",
        "sys",
        "state",
        "flags",
        "busy",
        "probed",
        "tolerance",
        "restarts",
        "retries",
        "monitor_timeouts",
        "first_timeout_at",
        "waits",
        "healthy_since",
        "gen",
        "clean_reason",
        "faulted_by_probe",
        "restart_pending",
        "admin_wait",
        "flushed",
        "clean_failures",
    )

    def __init__(self, res, system):
        self.res = res
        self.sys = system
        self.state = UNKNOWN
        self.flags = ()
        self.busy = None  # the entry point running, or None
        self.probed = False
        self.tolerance = 0
        self.restarts = 0
        self.retries = 0
        self.monitor_timeouts = 0
        self.first_timeout_at = 0  # FaultOnMonitorTimeouts' count restarts an hour after it
        self.waits = 0
        self.healthy_since = 0
        self.gen = 0  # bumped to cancel a scheduled monitor
        self.clean_reason = None  # a clean to retry after each monitor (clean failed)
        self.faulted_by_probe = False
        self.restart_pending = False  # cleaned for a restart, waiting for its children
        self.admin_wait = None  # ManageFaults NONE: the clean reason it waits with (0-5)
        self.flushed = False  # hagrp -flush: the running online/offline no longer counts
        self.clean_failures = 0  # failed cleans in a row, against CleanRetryLimit

    def stable(self):
        """The state and its qualifiers, as the transcript logs them."""
        if self.flags:
            return "|".join((self.state,) + tuple(self.flags))
        return self.state

    def display(self):
        """As hares -state shows it: W_ONLINE / W_OFFLINE while going online or offline."""
        if self.busy == "online" and self.state != ONLINE:
            return "|".join((W_ONLINE,) + tuple(self.flags))
        if self.busy == "offline" and self.state == ONLINE:
            return "|".join((W_OFFLINE,) + tuple(self.flags))
        return self.stable()

    def add_flag(self, flag):
        if flag not in self.flags:
            self.flags = tuple(sorted(self.flags + (flag,)))

    def drop_flag(self, flag):
        if flag in self.flags:
            self.flags = tuple(f for f in self.flags if f != flag)

    def is_online(self):
        return self.state == ONLINE


class SimResource:
    __slots__ = (
        "name",
        "model",
        "type",
        "group",
        "children",
        "parents",
        "critical",
        "enabled",
        "autostart",
        "insts",
        "argv_cache",
        "_values",
        "s",
    )

    def __init__(self, model, simtype, group):
        self.name = model.name
        self.model = model
        self.type = simtype
        self.group = group
        self.children = []
        self.parents = []
        self.insts = {}
        self.argv_cache = {}
        self._values = {}
        self.reload()

    def reload(self):
        a = self.model.attrs
        self.critical = as_int(a.get("Critical", 1), 1) != 0
        self.enabled = as_int(a.get("Enabled", 1), 1) != 0
        # AutoStart 0: not brought online with its group, nor needed for the group's ONLINE.
        self.autostart = as_int(a.get("AutoStart", 1), 1) != 0
        if not self.autostart:
            self.group.manual_start = True
        self.argv_cache = {}
        self._values = {}
        self.restatic()

    def restatic(self):
        """The statics the engine reads for this resource: its overrides (``hares -override``
        or set in its main.cf block) over its type's; the type's own dict when it has none."""
        own = STATIC_SET.intersection(self.model.attrs)
        if own:
            a = self.model.attrs
            self.s = self.type.statics({name: a[name] for name in own})
        else:
            self.s = self.type.s

    def timeout(self, ep):
        return max(1, self.s.get(TIMEOUT_ATTR.get(ep, "MonitorTimeout"), 60))

    def values(self, system):
        """Attribute values on ``system`` (localized ones resolved) for build_argv."""
        v = self._values.get(system)
        if v is None:
            v = dict(self.model.attrs)
            for attr, per in self.model.local.items():
                if system in per:
                    v[attr] = per[system]
            decl = self.type.decl
            for name in list(v):
                attr = decl.attrs.get(name)
                if attr is None:
                    continue
                if attr.dim in ("vector", "keylist"):
                    v[name] = as_list(v[name])
                elif attr.dim == "association":
                    v[name] = as_dict(v[name])
                elif attr.type in ("int", "boolean"):
                    v[name] = as_int(v[name])
            self._values[system] = v
        return v

    def ancestors(self):
        seen, todo = [], list(self.parents)
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.append(r)
                todo.extend(r.parents)
        return seen

    def descendants(self):
        seen, todo = [], list(self.children)
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.append(r)
                todo.extend(r.children)
        return seen


class Dep:
    """A group dependency ``parent requires group child category location rigidity``."""

    __slots__ = ("parent", "child", "category", "location", "rigidity", "model")

    def __init__(self, parent, child, model):
        self.parent = parent
        self.child = child
        self.model = model
        self.category = model.category
        self.location = model.location
        self.rigidity = model.rigidity if model.category == "online" else "firm"

    def kind(self):
        if self.category == "offline":
            return "offline local"
        return f"{self.category} {self.location} {self.rigidity}"


class GInst:
    """One group on one system."""

    __slots__ = (
        "group",
        "sys",
        "state",
        "starting",
        "stopping",
        "enabled",
        "autodisabled",
        "unprobed",
        "offline_set",
        "then",
        "retries",
        "restarted_at",
        "reason",
    )

    def __init__(self, group, system):
        self.group = group
        self.sys = system
        self.state = "OFFLINE"
        self.starting = False
        self.stopping = False
        self.enabled = True  # hagrp -disable G -sys S
        self.autodisabled = False
        self.unprobed = 0
        self.offline_set = None  # resources being taken offline
        self.then = None  # continuation once the offline completes
        self.retries = 0
        self.restarted_at = None  # when the group was last restarted in place
        self.reason = ""


class SimGroup:
    def __init__(self, model):
        self.name = model.name
        self.model = model
        self.resources = []
        self.manual_start = False  # a resource of it has AutoStart 0 (set, never unset)
        self.deps = []  # this group as parent
        self.rdeps = []  # this group as child
        self.insts = {}
        self.autostarted = False
        # Admin 5.1, "About the ClusterService group": it fails over despite a frozen system,
        # cannot be autodisabled and is the first group to come online
        self.cluster_service = self.name == "ClusterService"
        self.reload()

    def attr(self, name, default=None):
        return self.model.attrs.get(name, default)

    def attr_on(self, name, system, default=None):
        """The attribute's value on ``system``: localized there, else the group's own."""
        local = self.model.local.get(name)
        if local and system in local:
            return local[system]
        return self.model.attrs.get(name, default)

    def reload(self):
        a = self.model.attrs
        # The language's resolver: an unnumbered entry takes the previous number + 1.
        self.systemlist = resolve_numbers(a.get("SystemList", {}))
        self.order = {s: i for i, s in enumerate(self.systemlist)}
        self.autostartlist = as_list(a.get("AutoStartList", []))
        self.autostart = as_int(a.get("AutoStart", 1), 1) != 0
        self.parallel = as_int(a.get("Parallel", 0)) != 0
        self.autofailover = as_int(a.get("AutoFailOver", 1), 1)
        zones = a.get("SystemZones")
        self.zones = resolve_numbers(zones) if zones else {}
        self.policy = str(a.get("FailOverPolicy", "Priority") or "Priority")
        self.autostart_policy = str(a.get("AutoStartPolicy", "Order") or "Order")
        self.priority = as_int(a.get("Priority", 0))
        load = a.get("Load", 0)
        self.load = as_dict(load) if isinstance(load, (dict, list)) else as_int(load)
        self.prerequisites = {k: as_int(v) for k, v in as_dict(a.get("Prerequisites")).items()}
        self.meterweight = {k: as_int(v) for k, v in as_dict(a.get("MeterWeight")).items()}
        self.enabled = as_int(a.get("Enabled", 1), 1) != 0
        self.frozen = as_int(a.get("Frozen", 0)) != 0
        if not hasattr(self, "tfrozen"):  # set by hagrp -freeze only, kept across reloads
            self.tfrozen = as_int(a.get("TFrozen", 0)) != 0
        self.retry_limit = as_int(a.get("OnlineRetryLimit", 0))
        self.retry_interval = as_int(a.get("OnlineRetryInterval", 0))
        self.fault_propagation = as_int(a.get("FaultPropagation", 1), 1) != 0
        self.manage_faults = str(a.get("ManageFaults", "ALL") or "ALL")
        self.autorestart = as_int(a.get("AutoRestart", 1), 1) != 0

    def is_frozen(self):
        return self.frozen or self.tfrozen

    def load_of(self, dim=None):
        if dim is None:
            return self.load if isinstance(self.load, int) else 0
        return as_int(self.load.get(dim, 0)) if isinstance(self.load, dict) else 0


class SimSystem:
    def __init__(self, model):
        self.name = model.name
        self.model = model
        self.up = True
        self.state = "RUNNING"
        self.active = {}  # group name -> SimGroup, groups online/partial/starting here
        self.tfrozen = False
        self.jeopardy = False  # one heartbeat link left
        self.leaving = False  # hastop: taking its groups offline before VCS stops there
        self.reload()

    def reload(self):
        a = self.model.attrs
        cap = a.get("Capacity", 100)
        self.capacity = as_dict(cap) if isinstance(cap, (dict, list)) else as_int(cap, 100)
        self.limits = {k: as_int(v) for k, v in as_dict(a.get("Limits")).items()}
        self.frozen = as_int(a.get("Frozen", 0)) != 0

    def is_frozen(self):
        return self.frozen or self.tfrozen
