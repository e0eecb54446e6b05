"""The verifier: what ``hacf -verify`` would reject in a configuration, as a list of issues.

``verify`` runs every function of ``RULES`` on one ``Context``; a rule yields ``Issue``s.
Add a rule by writing ``def rule_x(ctx)`` below and appending it to ``RULES`` (the
generator's group-dependency rules go there too). Rules must stay linear in the size of
the configuration: the generator verifies 5,000-server configurations.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from vxha.vcs_types.decl import STANDARD_STATIC

__all__ = [
    "Issue",
    "Context",
    "RULES",
    "CORE_RULES",
    "verify",
    "check_value",
    "GROUP_ATTRS",
    "SYSTEM_ATTRS",
    "CLUSTER_ATTRS",
    "RESOURCE_ATTRS",
]


@dataclass(frozen=True)
class Issue:
    """One problem: ``where`` is ``file:line`` (or the source name when built in memory)."""

    where: str
    message: str
    rule: str = ""

    def __str__(self):
        return f"{self.where}: {self.message}"


# -- standard attributes --------------------------------------------------------------------
# name -> (data type, dimension or tuple of accepted dimensions). Values follow the VCS
# administrator's guides; read-only and system-maintained attributes are listed too, since
# hacf accepts them in main.cf.

_S, _V, _K, _A = "scalar", "vector", "keylist", "association"

GROUP_ATTRS = {
    "ActiveCount": ("int", _S),
    "AdministratorGroups": ("str", _K),
    "Administrators": ("str", _K),
    "Authority": ("int", _S),
    "AutoDisabled": ("int", _S),
    "AutoFailOver": ("int", _S),
    "AutoRestart": ("int", _S),
    "AutoStart": ("int", _S),
    "AutoStartIfPartial": ("int", _S),
    "AutoStartList": ("str", _K),
    "AutoStartPolicy": ("str", _S),
    "ClusterFailOverPolicy": ("str", _S),
    "ClusterList": ("int", _A),
    "ContainerInfo": ("str", _A),
    "CurrentCount": ("int", _S),
    "DeferAutoStart": ("int", _S),
    "Enabled": ("int", _S),
    "Evacuate": ("int", _S),
    "Evacuating": ("int", _S),
    "ExtMonApp": ("str", _S),
    "ExtMonArgs": ("str", _V),
    "FailOverPolicy": ("str", _S),
    "FaultPropagation": ("int", _S),
    "Frozen": ("int", _S),
    "GroupOwner": ("str", _S),
    "GroupRecipients": ("int", _A),
    "Guests": ("str", _K),
    "IntentOnline": ("int", _S),
    "Load": ("int", (_S, _A)),  # one number (Load policy) or per meter (BiggestAvailable)
    "ManageFaults": ("str", _S),
    "ManualOps": ("int", _S),
    "MeterWeight": ("int", _A),
    "NumRetries": ("int", _S),
    "OnlineAtUnfreeze": ("int", _S),
    "OnlineClearParent": ("int", _S),
    "OnlineRetryInterval": ("int", _S),
    "OnlineRetryLimit": ("int", _S),
    "OperatorGroups": ("str", _K),
    "Operators": ("str", _K),
    "Parallel": ("int", _S),
    "PolicyIntention": ("int", _S),
    "PreOffline": ("int", _S),
    "PreOfflineTimeout": ("int", _S),
    "PreOnline": ("int", _S),
    "PreOnlineTimeout": ("int", _S),
    "PreSwitch": ("int", _S),
    "PreSwitchTimeout": ("int", _S),
    "Prerequisites": ("int", _A),
    "PrintTree": ("int", _S),
    "Priority": ("int", _S),
    "ProPCV": ("int", _S),
    "Restart": ("int", _S),
    "SourceFile": ("str", _S),
    "SysDownPolicy": ("str", _K),
    "SystemList": ("int", _A),
    "SystemZones": ("int", _A),
    "Tag": ("str", _S),
    "TFrozen": ("int", _S),
    "TriggerEvent": ("int", _S),
    "TriggerPath": ("str", _S),
    "TriggerResFault": ("int", _S),
    "TriggerResRestart": ("int", _S),
    "TriggerResStateChange": ("int", _S),
    "TriggersEnabled": ("str", _K),
    "TypeDependencies": ("str", _K),
    "UserAssoc": ("str", _A),
    "UserIntGlobal": ("int", _S),
    "UserIntLocal": ("int", _S),
    "UserStr": ("str", _S),
    "UserStrGlobal": ("str", _S),
    "UserStrLocal": ("str", _S),
}

SYSTEM_ATTRS = {
    "AgentsStopped": ("int", _S),
    "AvailableCapacity": ("int", (_S, _A)),
    "Capacity": ("int", (_S, _A)),  # one number (Load policy) or per meter (BiggestAvailable)
    "ConfigBlockCount": ("int", _S),
    "ConfigCheckSum": ("int", _S),
    "ConfigDiskState": ("int", _S),
    "ConfigFile": ("str", _S),
    "ConfigInfoCnt": ("int", _S),
    "ConfigModDate": ("str", _S),
    "CPUThresholdLevel": ("int", _A),
    "CPUUsage": ("int", _S),
    "CPUUsageMonitoring": ("str", _A),
    "CurrentLimits": ("int", _A),
    "DynamicLoad": ("int", _S),
    "EngineRestarted": ("int", _S),
    "EngineVersion": ("str", _S),
    "FencingWeight": ("int", _S),
    "Frozen": ("int", _S),
    "GUIIPAddr": ("str", _S),
    "HostAvailableForecast": ("int", _A),
    "HostMonLogLvl": ("str", _S),
    "HostUtilization": ("int", _A),
    "LicenseType": ("int", _S),
    "Limits": ("int", _A),
    "LinkHbStatus": ("str", _A),
    "LLTNodeId": ("int", _S),
    "LoadTimeCounter": ("int", _S),
    "LoadTimeThreshold": ("int", _S),
    "LoadWarningLevel": ("int", _S),
    "MemThresholdLevel": ("int", _A),
    "MeterRecord": ("int", _A),
    "NoAutoDisable": ("int", _S),
    "NodeId": ("int", _S),
    "OnGrpCnt": ("int", _S),
    "PhysicalServer": ("str", _S),
    "ReservedCapacity": ("int", _A),
    "ShutdownTimeout": ("int", _S),
    "Site": ("str", _S),
    "SourceFile": ("str", _S),
    "SwapThresholdLevel": ("int", _A),
    "SysInfo": ("str", _S),
    "SysName": ("str", _S),
    "SysState": ("str", _S),
    "SystemLocation": ("str", _S),
    "SystemOwner": ("str", _S),
    "SystemRecipients": ("int", _A),
    "TFrozen": ("int", _S),
    "TRSE": ("int", _S),
    "UpDownState": ("str", _S),
    "UserInt": ("int", _S),
    "UserStr": ("str", _S),
    "VCSFeatures": ("int", _S),
    "VCSMode": ("int", _S),
}

CLUSTER_ATTRS = {
    "AdministratorGroups": ("str", _K),
    "Administrators": ("str", _K),
    "AutoAddSystemtoCSG": ("int", _S),
    "AutoStartTimeout": ("int", _S),
    "BackupInterval": ("int", _S),
    "CID": ("str", _S),
    "ClusState": ("str", _S),
    "ClusterAddress": ("str", _S),
    "ClusterLocation": ("str", _S),
    "ClusterName": ("str", _S),
    "ClusterOwner": ("str", _S),
    "ClusterRecipients": ("int", _A),
    "ClusterTime": ("str", _S),
    "ClusterUUID": ("str", _S),
    "CompareRSM": ("int", _S),
    "CounterInterval": ("int", _S),
    "CounterMissAction": ("str", _S),
    "CounterMissTolerance": ("int", _S),
    "CredRenewFrequency": ("int", _S),
    "DefaultGuestAccess": ("int", _S),
    "DeleteOnlineResource": ("int", _S),
    "EnableFFDC": ("int", _S),
    "EnableVMAutoDiscovery": ("int", _S),
    "EngineClass": ("str", _S),
    "EnginePriority": ("str", _S),
    "EngineShutdown": ("str", _S),
    "FipsMode": ("int", _S),
    "GlobalCounter": ("int", _S),
    "GroupLimit": ("int", _S),
    "Guests": ("str", _K),
    "HacliUserLevel": ("str", _S),
    "HostMonLogLvl": ("str", _S),
    "LockMemory": ("str", _S),
    "LogClusterUUID": ("int", _S),
    "LogSize": ("int", _S),
    "MeterControl": ("int", _A),
    "MeterWeight": ("int", _A),
    "Notifier": ("str", _A),
    "OperatorGroups": ("str", _K),
    "Operators": ("str", _K),
    "PanicOnNoMem": ("int", _S),
    "PreferredFencingPolicy": ("str", _S),
    "PrintMsg": ("int", _S),
    "ProcessClass": ("str", _S),
    "ProcessPriority": ("str", _S),
    "ReadOnly": ("int", _S),
    "ResourceLimit": ("int", _S),
    "SecInfo": ("str", _S),
    "SecInfoLevel": ("str", _S),
    "SecureClus": ("int", _S),
    "SiteAware": ("int", _S),
    "SourceFile": ("str", _S),
    "Statistics": ("str", _S),
    "Stewards": ("str", _K),
    "SystemRebootAction": ("str", _S),
    "TypeLimit": ("int", _S),
    "UseFence": ("str", _S),
    "UserNames": ("str", _A),
    "VCSFeatures": ("int", _S),
    "VCSMode": ("int", _S),
    "WACPort": ("int", _S),
}

# Attributes every resource has besides its type's (static ones may be overridden per
# resource, so STANDARD_STATIC is accepted too).
RESOURCE_ATTRS = {
    "AutoStart": ("int", _S),
    "ComputeStats": ("int", _S),
    "ConfidenceLevel": ("int", _S),
    "ConfidenceMsg": ("str", _V),
    "Critical": ("int", _S),
    "Enabled": ("int", _S),
    "Flags": ("str", _S),
    "Group": ("str", _S),
    "IState": ("int", _S),
    "LastOnline": ("str", _S),
    "MonitorOnly": ("int", _S),
    "MonitorTimeStats": ("str", _A),
    "Name": ("str", _S),
    "Path": ("int", _S),
    "Probed": ("int", _S),
    "ResourceInfo": ("str", _A),
    "ResourceOwner": ("str", _S),
    "ResourceRecipients": ("int", _A),
    "Signaled": ("int", _S),
    "Start": ("int", _S),
    "State": ("int", _S),
    "TriggerEvent": ("int", _S),
    "TriggerPath": ("str", _S),
    "TriggerResRestart": ("int", _S),
    "TriggerResStateChange": ("int", _S),
    "TriggersEnabled": ("str", _K),
    "Type": ("str", _S),
}

# A name hacf accepts for a system, group or resource: a letter, then letters, digits,
# '_' or '-' (UNVERIFIED beyond the guides' examples; keep this the one place for it).
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
KEYWORDS = frozenset(("include", "cluster", "system", "group", "type", "requires"))


# -- value checks ---------------------------------------------------------------------------

_ARTICLE = {"scalar": "a", "vector": "a", "keylist": "a", "association": "an"}


def _describe(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, dict):
        return "an association { key = value }"
    if isinstance(value, list):
        return "a list { a, b }" if value else "an empty {}"
    return f"a {type(value).__name__}"


def _scalar_problem(v, dtype):
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        return f"{_describe(v)} is not a {dtype}"
    if dtype == "str":
        return None
    if not isinstance(v, int):
        return f"{_describe(v)} is not an integer"
    if dtype == "boolean" and v not in (0, 1):
        return f"{v} is not a boolean (0 or 1)"
    return None


def check_value(value, dtype, dims):
    """Why ``value`` does not fit data type ``dtype`` and dimension(s) ``dims``, or None."""
    if isinstance(dims, str):
        dims = (dims,)
    if isinstance(value, dict):
        if "association" not in dims:
            return f"expected {_ARTICLE[dims[0]]} {dims[0]}, found {_describe(value)}"
        for k, v in value.items():
            why = _scalar_problem(v, dtype)
            if why:
                return f"key {k}: {why}"
        return None
    if isinstance(value, list):
        if not value and ("association" in dims or "vector" in dims or "keylist" in dims):
            return None
        kind = next((d for d in dims if d in ("vector", "keylist")), None)
        if kind is None:
            return f"expected {_ARTICLE[dims[0]]} {dims[0]}, found {_describe(value)}"
        for v in value:
            why = _scalar_problem(v, dtype)
            if why:
                return why
        if kind == "keylist" and len(set(value)) != len(value):
            seen = set()
            dup = next(v for v in value if v in seen or seen.add(v))
            return f"keylist names {dup!r} twice"
        return None
    if "scalar" not in dims:
        return f"expected {_ARTICLE[dims[0]]} {dims[0]} {{ ... }}, found {_describe(value)}"
    return _scalar_problem(value, dtype)


# -- context ---------------------------------------------------------------------------------

_CATALOG = None


def catalog_types():
    """Every type vxha knows without a types file: Veritas's bundled ones, then vxha's own."""
    global _CATALOG
    if _CATALOG is None:
        from vxha.vcs_types import catalog

        known = {}
        for decls in catalog.bundled_types().values():
            for d in decls:
                known[d.name] = d
        for d in catalog.project_types():
            known[d.name] = d  # vxha's CFSMount is a superset of Veritas's
        _CATALOG = known
    return _CATALOG


class Context:
    """What rules share: the configuration, the known types and systems, issue making."""

    def __init__(self, config):
        self.config = config
        self.types = dict(catalog_types())
        self.types.update(config.types)
        self.systems = {s.name for s in config.systems}
        self.source = config.source or "main.cf"
        self._lines = None

    def where(self, obj, attr=None, system=None):
        """``file:line`` of a block, or of its line setting ``attr`` (``@system``) if found."""
        w = getattr(obj, "where", None)
        if w is None or not w.line:
            return self.source
        if attr is not None:
            line = self._attr_line(w, attr, system)
            if line:
                return f"{w.file}:{line}"
        return f"{w.file}:{w.line}"

    def _attr_line(self, w, attr, system):
        # The model keeps one Where per block; an attribute's own line is looked up in the
        # parsed text, only when an issue is reported.
        text = self.config.text
        if not text or w.file != self.config.source:
            return None
        if self._lines is None:
            self._lines = text.split("\n")
        lines = self._lines
        pattern = re.compile(
            re.escape(attr) + (r"\s*@\s*" + re.escape(system) if system else "") + r"\s*[=@]"
        )
        for n in range(w.line - 1, len(lines)):
            stripped = lines[n].strip()
            if n >= w.line and stripped.startswith(")"):
                return None
            if pattern.match(stripped):
                return n + 1
        return None

    def issue(self, obj, message, rule="", attr=None, system=None):
        return Issue(self.where(obj, attr, system), message, rule)

    def resources(self):
        """(group, resource) for every resource of the configuration."""
        for g in self.config.groups:
            for r in g.resources:
                yield g, r


# -- rules -----------------------------------------------------------------------------------


def rule_names(ctx):
    """Names of systems, groups and resources are legal and unique (resources cluster-wide)."""
    cfg = ctx.config
    kinds = [("system", cfg.systems), ("group", cfg.groups)]
    kinds.append(("resource", [r for _, r in ctx.resources()]))
    for kind, objs in kinds:
        seen = {}
        for obj in objs:
            if not NAME.match(obj.name) or obj.name in KEYWORDS:
                yield ctx.issue(obj, f"{kind} name {obj.name!r} is not a legal VCS name")
            first = seen.get(obj.name)
            if first is not None:
                yield ctx.issue(
                    obj, f"{kind} {obj.name} is declared twice (first at {ctx.where(first)})"
                )
            else:
                seen[obj.name] = obj


def rule_types_known(ctx):
    """Every resource's type is declared in an included types file or in the catalog."""
    for g, r in ctx.resources():
        if r.type not in ctx.types:
            yield ctx.issue(
                r,
                f"resource {r.name} (group {g.name}): unknown type {r.type}: include its types "
                "file or declare it",
            )


def _check_attrs(ctx, obj, label, table, local=None):
    for name, value in obj.attrs.items():
        spec = table(name)
        if spec is None:
            yield ctx.issue(obj, f"{label}: unknown attribute {name}", attr=name)
            continue
        why = check_value(value, spec[0], spec[1])
        if why:
            yield ctx.issue(obj, f"{label}: attribute {name}: {why}", attr=name)
    for name, per_sys in (local or {}).items():
        spec = table(name)
        if spec is None:
            yield ctx.issue(obj, f"{label}: unknown attribute {name} (localized)", attr=name)
            continue
        for system, value in per_sys.items():
            why = check_value(value, spec[0], spec[1])
            if why:
                yield ctx.issue(
                    obj, f"{label}: attribute {name} @{system}: {why}", attr=name, system=system
                )


def rule_attributes(ctx):
    """Attributes exist for their object and hold values of their data type and dimension."""
    cfg = ctx.config
    if cfg.cluster is not None:
        c = cfg.cluster
        yield from _check_attrs(ctx, c, f"cluster {c.name}", CLUSTER_ATTRS.get)
    for s in cfg.systems:
        yield from _check_attrs(ctx, s, f"system {s.name}", SYSTEM_ATTRS.get)
    for g in cfg.groups:
        yield from _check_attrs(ctx, g, f"group {g.name}", GROUP_ATTRS.get, g.local)
    for _, r in ctx.resources():
        decl = ctx.types.get(r.type)
        if decl is None:
            continue  # rule_types_known reports it

        def spec(name, decl=decl):
            a = decl.attrs.get(name)
            if a is not None:
                return a.type, a.dim
            s = STANDARD_STATIC.get(name) or RESOURCE_ATTRS.get(name)
            return None if s is None else (s[0], s[1])

        yield from _check_attrs(ctx, r, f"resource {r.name} ({r.type})", spec, r.local)


def rule_localized_systems(ctx):
    """``Attr @system`` names an existing system; so do SystemList and AutoStartList."""
    for g in ctx.config.groups:
        objs = [(g, f"group {g.name}")] + [(r, f"resource {r.name}") for r in g.resources]
        for obj, label in objs:
            for name, per_sys in obj.local.items():
                for system in per_sys:
                    if system not in ctx.systems:
                        yield ctx.issue(
                            obj,
                            f"{label}: {name} @{system}: no system {system} is declared",
                            attr=name,
                            system=system,
                        )
        for attr in ("SystemList", "AutoStartList"):
            value = g.attrs.get(attr)
            if isinstance(value, (dict, list)):
                for system in value:
                    if system not in ctx.systems:
                        # at the group's line: tests/generators/test_verify_groups.py
                        # expects it there (attr= would give the attribute's own line)
                        yield ctx.issue(
                            g, f"group {g.name}: {attr} names {system}, which is not a system"
                        )
        sl = g.attrs.get("SystemList")
        asl = g.attrs.get("AutoStartList")
        if isinstance(sl, (dict, list)) and isinstance(asl, list):
            for system in asl:
                if system in ctx.systems and system not in sl:
                    yield ctx.issue(
                        g,
                        f"group {g.name}: AutoStartList names {system}, not in its SystemList",
                        attr="AutoStartList",
                    )


def rule_resource_links(ctx):
    """``parent requires child`` names two resources of the link's group, once, no cycles."""
    owner = {r.name: g.name for g, r in ctx.resources()}
    for g in ctx.config.groups:
        local = {r.name for r in g.resources}
        seen = set()
        children = {}
        for link in g.links:
            ok = True
            for end in (link.parent, link.child):
                if end not in local:
                    ok = False
                    other = owner.get(end)
                    hint = f"it is in group {other}" if other else "no such resource"
                    yield ctx.issue(
                        link,
                        f"group {g.name}: {link.parent} requires {link.child}: {end} is not a "
                        f"resource of group {g.name} ({hint})",
                    )
            key = (link.parent, link.child)
            if key in seen:
                yield ctx.issue(link, f"group {g.name}: {link.parent} requires {link.child} twice")
            seen.add(key)
            if ok:
                children.setdefault(link.parent, []).append(link.child)
        for cycle in _cycles(children, [r.name for r in g.resources]):
            first = next((lk for lk in g.links if lk.parent == cycle[0]), g)
            yield ctx.issue(
                first, f"group {g.name}: resource links form a cycle: {' -> '.join(cycle)}"
            )


def _cycles(children, nodes):
    """A closed path per back edge met by an iterative depth-first search."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(nodes, WHITE)
    for start in nodes:
        if colour.get(start) != WHITE:
            continue
        path = [start]
        stack = [iter(children.get(start, ()))]
        colour[start] = GREY
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = BLACK
                stack.pop()
                continue
            c = colour.get(nxt, BLACK)
            if c == GREY:
                yield path[path.index(nxt) :] + [nxt]
            elif c == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                stack.append(iter(children.get(nxt, ())))


# The core rules (syntax-level: names, types, attributes, links).
CORE_RULES = [
    rule_names,
    rule_types_known,
    rule_attributes,
    rule_localized_systems,
    rule_resource_links,
]


def _all_rules():
    # verify_groups (required attributes, group dependencies) imports this module lazily
    from vxha.vcs_types.verify_groups import RULES as group_rules

    return CORE_RULES + [r for r in group_rules if r not in CORE_RULES]


# The rules verify runs by default, in order: append new ones here or in verify_groups.
RULES = _all_rules()


def verify(config_or_path, rules=None):
    """Every issue of a configuration (a ``Config``, or a path to main.cf); [] when valid.

    A path is parsed with its includes resolved; a syntax error is the only issue then.
    """
    if isinstance(config_or_path, (str, Path)):
        from vxha.vcs_types.cf import CfError, parse_file

        try:
            config = parse_file(config_or_path)
        except CfError as e:
            return [Issue(f"{e.file}:{e.line}:{e.column}", e.message, "syntax")]
        except OSError as e:
            return [Issue(str(config_or_path), f"cannot read: {e.strerror or e}", "syntax")]
    else:
        config = config_or_path
    ctx = Context(config)
    issues = []
    for rule in RULES if rules is None else rules:
        name = rule.__name__[5:] if rule.__name__.startswith("rule_") else rule.__name__
        for issue in rule(ctx):
            issues.append(issue if issue.rule else Issue(issue.where, issue.message, name))
    return issues


class _CallableModule(types.ModuleType):
    # ``from vxha.vcs_types import verify`` names this module (a submodule always wins over
    # a package attribute of the same name): let it be called like the function as well.
    def __call__(self, config_or_path, rules=None):
        return verify(config_or_path, rules)


sys.modules[__name__].__class__ = _CallableModule
