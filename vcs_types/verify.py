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
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from vxha.vcs_types.decl import NOT_OVERRIDABLE, STANDARD_STATIC, DecimalText
from vxha.vcs_types.model import INT32_MAX, INT32_MIN, Where, resolve_numbers, with_included

__all__ = [
    "Issue",
    "ERROR",
    "WARNING",
    "errors",
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


ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Issue:
    """One finding: ``where`` is ``file:line:column`` (the source name when built in
    memory); ``severity`` is ``error`` (hacf -verify would refuse it) or ``warning``."""

    where: str
    message: str
    rule: str = ""
    severity: str = ERROR

    def __str__(self):
        if self.severity == ERROR:
            return f"{self.where}: {self.message}"
        return f"{self.where}: {self.severity}: {self.message}"


def errors(issues):
    """The findings that make a configuration invalid (warnings left out)."""
    return [i for i in issues if i.severity == ERROR]


# -- standard attributes --------------------------------------------------------------------
# name -> (data type, dimension or tuple of accepted dimensions). Values follow the VCS
# administrator's guides; read-only and system-maintained attributes are listed too, since
# hacf accepts them in main.cf. Where releases differ, the entry accepts both; each entry's
# source: docs/vcs-language.md, "The verifier's attribute tables".

_S, _V, _K, _A = "scalar", "vector", "keylist", "association"

GROUP_ATTRS = {
    "ActiveCount": ("int", _S),
    "AdministratorGroups": ("str", _K),
    "Administrators": ("str", _K),
    "Authority": ("int", _S),
    "AutoDisabled": ("boolean", _S),
    "AutoFailOver": ("int", _S),
    "AutoRestart": ("int", _S),
    "AutoStart": ("boolean", _S),
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
    "GroupRecipients": ("str", _A),
    "Guests": ("str", _K),
    "IntentOnline": ("int", _S),
    "Load": ("float", (_S, _A)),  # one number (Load policy) or per meter (BiggestAvailable)
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
    "AvailableCapacity": ("float", (_S, _A)),  # an integer before 7.0
    "Capacity": ("float", (_S, _A)),  # one number (Load policy) or per meter (BiggestAvailable)
    "ConfigBlockCount": ("int", _S),
    "ConfigCheckSum": ("int", _S),
    "ConfigDiskState": ("int", _S),
    "ConfigFile": ("str", _S),
    "ConfigInfoCnt": ("int", _S),
    "ConfigModDate": ("int", _S),
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
    "SystemRecipients": ("str", _A),
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
    "ClusState": ("int", _S),
    "ClusterAddress": ("str", _S),
    "ClusterLocation": ("str", _S),
    "ClusterName": ("str", _S),
    "ClusterOwner": ("str", _S),
    "ClusterRecipients": ("str", _A),
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
    "HostMeters": ("str", _K),
    "HostMonLogLvl": ("str", _S),
    "LockMemory": ("str", _S),
    "LogClusterUUID": ("int", _S),
    "LogSize": ("int", _S),
    "MeterControl": ("int", _A),
    "MeterUnit": ("str", _A),
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
    "ArgListValues": ("str", _V),
    "AutoStart": ("boolean", _S),
    "ComputeStats": ("boolean", _S),
    "ConfidenceLevel": ("int", _S),
    "ConfidenceMsg": ("str", _V),
    "Critical": ("boolean", _S),
    "Enabled": ("boolean", _S),
    "Flags": ("int", _S),
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
    "ResourceRecipients": ("str", _A),
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

# Global-cluster objects and sites. Heartbeat attributes: VCS 4.1 and 5.0 User's Guides,
# "Heartbeat attributes"; remote cluster and site attributes: the attributes those guides
# name for them (UNVERIFIED as complete: an unknown one is a warning, not an error).
HEARTBEAT_ATTRS = {
    "AgentState": ("int", _S),
    "Arguments": ("str", _V),
    "AYAInterval": ("int", _S),
    "AYARetryLimit": ("int", _S),
    "AYATimeout": ("int", _S),
    "CleanTimeOut": ("int", _S),
    "ClusterList": ("str", _K),
    "InitTimeout": ("int", _S),
    "LogDbg": ("str", (_S, _K)),
    "State": ("int", _S),
    "StartTimeout": ("int", _S),
    "StopTimeout": ("int", _S),
}

REMOTECLUSTER_ATTRS = {
    "AdministratorGroups": ("str", _K),
    "Administrators": ("str", _K),
    "CID": ("str", _S),
    "ClusState": ("int", _S),
    "ClusterAddress": ("str", _S),
    "ClusterName": ("str", _S),
    "ClusterUUID": ("str", _S),
    "ConnectTimeout": ("int", _S),
    "DeclaredState": ("str", _S),
    "EngineVersion": ("str", _S),
    "Guests": ("str", _K),
    "OperatorGroups": ("str", _K),
    "Operators": ("str", _K),
    "SocketTimeout": ("int", _S),
    "SourceFile": ("str", _S),
    "VCSi3Info": ("str", _A),
}

SITE_ATTRS = {
    "Preference": ("int", _S),
    "SiteOwner": ("str", _S),
    "SiteRecipients": ("str", _A),
    "SystemList": ("str", _K),
}

# Attribute names no type may declare: VCS keywords and reserved words. No stored copy of
# the Administrator's Guide's appendix of them was found: this is the list of
# VCS_REFERENCE.md 5 (as remembered, UNVERIFIED), plus the language's own words.
RESERVED_WORDS = frozenset(
    (
        "ArgListValues",
        "ConfidenceLevel",
        "Group",
        "IState",
        "MonitorOnly",
        "Name",
        "NameRule",
        "Path",
        "Probed",
        "Signaled",
        "Start",
        "State",
        "Type",
    )
)
LANGUAGE_WORDS = frozenset(
    (
        "boolean",
        "cluster",
        "firm",
        "global",
        "group",
        "hard",
        "heartbeat",
        "i18nstr",
        "include",
        "int",
        "keylist",
        "local",
        "offline",
        "online",
        "remote",
        "remotecluster",
        "requires",
        "site",
        "soft",
        "static",
        "str",
        "system",
        "temp",
        "type",
    )
)

# A name hacf accepts for a system, group or resource: a letter, then letters, digits,
# '_' or '-' (UNVERIFIED beyond the guides' examples; keep this the one place for it).
_NAME = r"[A-Za-z][A-Za-z0-9_-]*"
NAME = re.compile(_NAME + r"\Z")
# System names are host names (``uname -n``), dots included; older installers wrote them
# quoted.
_SYSTEM_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
SYSTEM_NAME = re.compile(_SYSTEM_NAME + r"\Z")
# Every name of a list at once, one a line (a name holding a line break is caught by
# counting the lines).
# Possessive repeats (Python 3.11) match the same names without the engine's bookkeeping
# for giving characters back: a fourth of the work (a name a line cannot end early).
_P = "+" if sys.version_info >= (3, 11) else ""
_NAMES = re.compile(rf"(?:{_NAME}{_P}\n)*{_P}\Z").match
_SYSTEM_NAMES = re.compile(rf"(?:{_SYSTEM_NAME}{_P}\n)*{_P}\Z").match
KEYWORDS = frozenset(
    ("include", "cluster", "system", "group", "type", "requires", "remotecluster", "heartbeat")
    + ("site",)
)


# -- value checks ---------------------------------------------------------------------------

_ARTICLE = {"scalar": "a", "vector": "a", "keylist": "a", "association": "an"}
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z").match
_INTEGER = re.compile(r"-?[0-9]+\Z").match


def _describe(value):
    if value.__class__ is DecimalText:
        return f"decimal {value}"
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
    if dtype == "float":
        # the parser keeps a decimal such as 2.5 as its text
        if isinstance(v, int) or _DECIMAL(v):
            return None
        return f"{_describe(v)} is not a number"
    if not isinstance(v, int):
        if _INTEGER(v) and str(int(v)) == v:
            # quoted: a string ("Attribute data types": an integer is a sequence of digits)
            return f"{_describe(v)} is not an integer: write it without quotes ({v})"
        return f"{_describe(v)} is not an integer"
    if dtype == "boolean" and v not in (0, 1):
        return f"{v} is not a boolean (0 or 1)"
    if not INT32_MIN <= v <= INT32_MAX:
        return f"{v} does not fit a 32-bit signed integer ({INT32_MIN} to {INT32_MAX})"
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


def _bundled_decls():
    """Name -> declaration of the built-in files already read: a configuration's built-in
    declaration came from one of them, so the others are never built for the check."""
    from vxha.vcs_types.bundled_files import loaded

    return {d.name: d for _, decls in loaded() for d in decls}


def _bundled_file(type_name):
    from vxha.vcs_types.bundled_files import loaded

    for file, decls in loaded():
        if any(d.name == type_name for d in decls):
            return file
    return "its types file"


class Context:
    """What rules share: the configuration, the known types and systems, issue making."""

    def __init__(self, config):
        # the text of each included file that declares objects, for _attr_line
        self._texts = {sub.source: sub.text for sub in config.included}
        if config.included:
            config = with_included(config)
        self.config = config
        if config.includes_resolved:
            self.types = dict(config.types)  # a type not included is unknown, as for hacf
        else:
            self.types = dict(catalog_types())  # a model built in memory: the catalog's
            self.types.update(config.types)
        self.systems = {s.name for s in config.systems}
        self.source = config.source or "main.cf"
        # Types known only from vxha's built-in declarations of Veritas's files (no real
        # types file was read): an attribute they lack may still be Veritas's.
        bundled = _bundled_decls()
        self.builtin = {name for name, decl in self.types.items() if bundled.get(name) is decl}
        self._starts = {}  # file -> where each line of its text starts (_attr_line)

    def where(self, obj, attr=None, system=None):
        """``file:line:column`` of a block, or of its line setting ``attr`` (``@system``)."""
        w = getattr(obj, "where", None)
        if not isinstance(w, Where) or not w.line:
            return self.source
        if attr is not None:
            found = self._attr_line(w, attr, system)
            if found:
                return f"{w.file}:{found[0]}:{found[1]}"
        return f"{w.file}:{w.line}:{w.column or 1}"

    def _attr_line(self, w, attr, system):
        # The model keeps one Where per block; an attribute's own line is looked up in the
        # parsed text, only when an issue is reported: the first place inside the block's
        # ( ... ), outside any { ... } value, where it is set. Strings (which may span
        # lines) and comments are skipped as the tokenizer skips them: a block may sit on
        # one line, and a value or a comment may hold an attribute's name or a parenthesis.
        text = self.config.text if w.file == self.config.source else self._texts.get(w.file)
        if not text:
            return None
        starts = self._starts.get(w.file)
        if starts is None:
            starts = self._starts[w.file] = [0] + [m.end() for m in re.finditer("\n", text)]
        if w.line > len(starts):
            return None
        where = (
            r"\s*@\s*(?:" + re.escape(system) + r'|"' + re.escape(system) + r'")\s*='
            if system
            else r"\s*[=@]"
        )
        pattern = re.compile(
            r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|^[ \t]*\#[^\n]*|([(){}])'
            + r"|(?<![\w.:+\-])("
            + re.escape(attr)
            + ")"
            + where,
            re.M | re.S,
        )
        inside = False
        depth = 0  # of { ... } values
        for m in pattern.finditer(text, starts[w.line - 1] + max(w.column - 1, 0)):
            bracket = m.group(1)
            if bracket == "(":
                inside = True
            elif bracket == ")":
                if inside:
                    return None  # the block's end
            elif bracket == "{":
                depth += 1
            elif bracket == "}":
                depth -= 1
            elif m.group(2) and inside and depth == 0:
                at = m.start(2)
                line = bisect_right(starts, at)
                return line, at - starts[line - 1] + 1
        return None

    def issue(self, obj, message, rule="", attr=None, system=None, severity=ERROR):
        return Issue(self.where(obj, attr, system), message, rule, severity)

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
    kinds.append(("resource", [r for g in cfg.groups for r in g.resources]))
    kinds += [("remotecluster", cfg.remoteclusters), ("heartbeat", cfg.heartbeats)]
    kinds.append(("site", cfg.sites))
    for kind, objs in kinds:
        if _plain_names([obj.name for obj in objs], kind == "system"):
            continue
        seen = {}
        group_of = None  # resource -> its group's name, for the messages only
        legal = SYSTEM_NAME if kind == "system" else NAME
        for obj in objs:
            if not legal.match(obj.name) or obj.name in KEYWORDS:
                yield ctx.issue(obj, f"{kind} name {obj.name!r} is not a legal VCS name")
            first = seen.get(obj.name)
            if first is not None:
                if kind == "resource":  # names are cluster-wide: say which groups hold them
                    if group_of is None:
                        group_of = {id(r): g.name for g, r in ctx.resources()}
                    yield ctx.issue(
                        obj,
                        f"resource {obj.name} (group {group_of[id(obj)]}) is declared twice "
                        f"(first at {ctx.where(first)}, group {group_of[id(first)]}): resource "
                        "names are unique in the cluster",
                    )
                    continue
                yield ctx.issue(
                    obj, f"{kind} {obj.name} is declared twice (first at {ctx.where(first)})"
                )
            else:
                seen[obj.name] = obj


def _plain_names(names, systems):
    """True when every name is legal, no keyword, and named once (no finding to word)."""
    if not names:
        return True
    try:
        if len(set(names)) != len(names) or not KEYWORDS.isdisjoint(names):
            return False
        text = "\n".join(names) + "\n"
    except TypeError:
        return False  # not all text: the general loop says which
    legal = _SYSTEM_NAMES if systems else _NAMES
    return text.count("\n") == len(names) and legal(text) is not None


def rule_types_known(ctx):
    """Every resource's type is declared in the file or an include (in the catalog for a
    model whose includes were not read)."""
    for tname, real, builtin, where in getattr(ctx.config, "standins", ()):
        yield Issue(
            where,
            f"type {tname}: declared by {real} and by vxha's built-in {builtin}: {real}'s "
            f"declaration is used; if the cluster's own {builtin} declares {tname} too, hacf "
            "refuses the second declaration",
            "types_known",
            WARNING,
        )
    types = ctx.types
    standin = None
    for g in ctx.config.groups:
        for r in g.resources:
            if r.type in types:
                continue
            if standin is None:
                # types.cf resolved to vxha's built-in declarations (Linux): the real file
                # of another platform (Solaris Zone, AIX WPAR) or release declares more
                standin = any(_bundled_file(name) == "types.cf" for name in ctx.builtin)
            message = f"resource {r.name} (group {g.name}): unknown type {r.type}"
            close = _close_name(r.type, types)
            if close:
                yield ctx.issue(r, f"{message}; did you mean {close}?")
            elif standin:
                # chosen because the built-in follows one platform and release: a type it
                # lacks may be in the real file, as an attribute may (_check_builtin)
                yield ctx.issue(
                    r,
                    f"{message}: not in vxha's built-in types.cf; put Veritas's types.cf "
                    "beside main.cf to check it",
                    severity=WARNING,
                )
            else:
                yield ctx.issue(r, f"{message}: include its types file or declare it")


def _numbered_problem(value, dtype):
    """A key written without a number is allowed only in integer associations."""
    if isinstance(value, dict) and dtype != "int":
        missing = [k for k, v in value.items() if v is None]
        if missing:
            return (
                f"key {missing[0]} has no value: only integer associations (SystemList ...) "
                "may leave numbers out"
            )
    return None


def _check_value(value, spec):
    if isinstance(value, dict) and None in value.values():
        why = _numbered_problem(value, spec[0])
        if why:
            return why
        value = {k: v for k, v in value.items() if v is not None}
    return check_value(value, spec[0], spec[1])


# Integer associations that number their keys, which may be written as a plain list
# (`SystemList = { a, b }`) or with some numbers left out (VCS 4.1 User's Guide,
# "SystemList Attribute"; ClusterList and SystemZones number the same way).
# in the order rule_numbers reports them (a frozenset's order changes with the hash seed)
_NUMBERED_ORDER = ("SystemList", "ClusterList", "SystemZones")
NUMBERED = frozenset(_NUMBERED_ORDER)
# the ones whose numbers are priorities, one a system or cluster; a zone number names a
# subset of systems, which several share (User's Guide 5.0MP3, "About system zones")
_DISTINCT_NUMBERS = ("SystemList", "ClusterList")


def _check_attrs(ctx, obj, label, table, local=None, unknown=ERROR, known=None):
    """Findings of an object's attributes against ``table`` (a name -> spec lookup).

    ``known``: the table itself where it may lack what a later release defines (the
    cluster, system, group and heartbeat tables, which follow the Administrator's Guides
    up to 7.2): a name close to one in it is an error that names it, any other a warning.
    """
    for name, value in obj.attrs.items():
        spec = table(name)
        if spec is None:
            yield _unknown(ctx, obj, label, name, "", unknown, known)
            continue
        t = type(value)
        dtype, dims = spec
        if (t is str and dtype == "str") or (t is int and dtype == "int"):
            # the common scalars, checked without the general path
            if dims == "scalar" or "scalar" in dims:
                continue
        if name in NUMBERED and t is list and dtype == "int":
            if _fits(value, "str", "keylist"):
                continue
            why = check_value(value, "str", "keylist")
        else:
            if _fits(value, dtype, dims):
                continue
            why = _check_value(value, spec)
        if why:
            yield ctx.issue(obj, f"{label}: attribute {name}: {why}", attr=name)
    for name, per_sys in (local or {}).items():
        spec = table(name)
        if spec is None:
            yield _unknown(ctx, obj, label, name, " (localized)", unknown, known)
            continue
        for system, value in per_sys.items():
            why = _check_value(value, spec)
            if why:
                yield ctx.issue(
                    obj, f"{label}: attribute {name} @{system}: {why}", attr=name, system=system
                )


def _unknown(ctx, obj, label, name, localized, severity, known):
    message = f"{label}: unknown attribute {name}{localized}"
    if known is not None and severity == ERROR:
        close = _close_name(name, known)
        if close:
            message += f"; did you mean {close}?"
        else:
            # chosen because vxha's tables follow the guides up to 7.2: a name in a later
            # release's table is not refused, a misspelling of a known one still is
            severity = WARNING
            message += (
                ": not in vxha's table, which follows the Administrator's Guides up to 7.2; "
                "a later release may define it: check its spelling against your release"
            )
    return ctx.issue(obj, message, attr=name, severity=severity)


def _close_name(name, known):
    """The known attribute ``name`` most likely misspells (case aside, or close), or None."""
    lower = name.lower()
    for k in known:
        if k.lower() == lower:
            return k
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.8)
    return close[0] if close else None


def _scalars(table):
    """Attribute name -> the class (``str`` or ``int``) of a scalar value that fits it."""
    out = {}
    for name, (dtype, dims) in table.items():
        if (dims == "scalar" or "scalar" in dims) and dtype in ("str", "int", "float"):
            out[name] = str if dtype == "str" else int  # an integer fits a float too
    return out


_NO_SCALARS: dict = {}


def _quiet(attrs, local, spec, scalars=_NO_SCALARS):
    """True when ``_check_attrs`` finds nothing, told from the common values alone (for
    anything else False: then ``_check_attrs`` decides); ``scalars`` is ``_scalars``'s."""
    for name, value in attrs.items():
        if scalars.get(name) is value.__class__:
            continue  # most values: a plain scalar of the attribute's own data type
        s = spec(name)
        if s is None:
            return False
        t = value.__class__
        dtype, dims = s
        if (t is str and dtype == "str") or (t is int and (dtype == "int" or dtype == "float")):
            if dims == "scalar" or "scalar" in dims:
                continue
            return False
        # _fits's tests of the common lists and associations, without its call (about 800
        # instructions: a tenth of a block's check)
        if t is dict and "association" in dims:
            if dtype == "int":
                for v in value.values():
                    if v.__class__ is not int:
                        return False
            elif dtype == "str":
                for v in value.values():
                    if v.__class__ is not str and v.__class__ is not int:
                        return False
            elif dtype == "float":  # Capacity, Load per meter: integers fit (decimals: below)
                for v in value.values():
                    if v.__class__ is not int:
                        return False
            else:
                return False
            continue
        if t is list and dtype == "str" and (dims == "keylist" or dims == "vector"):
            if not value:
                return False
            for v in value:
                if v.__class__ is not str and v.__class__ is not int:
                    return False
            if dims == "keylist" and len(set(value)) != len(value):
                return False
            continue
        if name in NUMBERED and t is list and dtype == "int":
            if not _fits(value, "str", "keylist"):
                return False
        elif not _fits(value, dtype, dims):
            return False
    if local:
        for name, per_sys in local.items():
            s = spec(name)
            if s is None:
                return False
            dtype, dims = s
            fit = scalars.get(name)
            for value in per_sys.values():
                t = value.__class__
                if t is fit:
                    continue
                if (t is str and dtype == "str") or (
                    t is int and (dtype == "int" or dtype == "float")
                ):
                    if dims == "scalar" or "scalar" in dims:
                        continue
                    return False
                if not _fits(value, dtype, dims):
                    return False
    return True


def _fits(value, dtype, dims):
    """True when ``check_value`` finds nothing wrong, for the common lists and associations
    of plain strings and integers (anything else: False, and the general path decides)."""
    t = value.__class__
    if t is list:
        if dims.__class__ is str:
            kind = dims if dims in ("vector", "keylist") else None
        else:
            kind = next((d for d in dims if d in ("vector", "keylist")), None)
        if kind is None or not value:
            return False
        if dtype == "str":
            for v in value:
                if v.__class__ is not str and v.__class__ is not int:
                    return False
        elif dtype == "int":
            for v in value:
                if v.__class__ is not int:
                    return False
        else:
            return False
        return kind == "vector" or len(set(value)) == len(value)
    if t is dict and "association" in dims:
        if dtype == "str":
            for v in value.values():
                if v.__class__ is not str and v.__class__ is not int:
                    return False
            return True
        if dtype == "int" or dtype == "float":
            for v in value.values():
                if v.__class__ is not int:
                    return False
            return True
    return False


def _resource_spec(decl):
    """The (data type, dimension) of each attribute a resource of ``decl`` may set: the
    type's own, then the standard static ones, then those every resource has."""
    specs = {n: (s[0], s[1]) for n, s in RESOURCE_ATTRS.items()}
    specs.update((n, (s[0], s[1])) for n, s in STANDARD_STATIC.items())
    specs.update((n, (a.type, a.dim)) for n, a in decl.attrs.items())
    return specs


def _renamed(ctx, r, decl):
    """Attributes a resource sets under a type's old name: a warning, read as the new."""
    for old, new in decl.renamed.items():
        if old in decl.attrs or (old not in r.attrs and old not in r.local):
            continue
        if new in r.attrs or new in r.local:
            yield ctx.issue(
                r,
                f"resource {r.name} ({r.type}): {old} and {new} are both set; {old} is the old "
                f"name of {new}: remove {old}",
                attr=old,
            )
        else:
            yield ctx.issue(
                r,
                f"resource {r.name} ({r.type}): attribute {old} is now {new}: read as {new}; "
                f"rename it to {new}",
                attr=old,
                severity=WARNING,
            )


def rule_attributes(ctx):
    """Attributes exist for their object and hold values of their data type and dimension."""
    # A resource may set its type's attributes, the attributes every resource has, and any
    # standard static attribute (a `hares -override` value); a type's renamed attribute
    # under its old name is read as the new one, with a warning.
    # A block whose values all fit on the short path (_quiet) is not looked at again; any
    # other goes through _check_attrs, which words the findings.
    cfg = ctx.config
    if cfg.cluster is not None:
        c = cfg.cluster
        yield from _check_attrs(
            ctx, c, f"cluster {c.name}", CLUSTER_ATTRS.get, c.local, known=CLUSTER_ATTRS
        )
    for rc in cfg.remoteclusters:
        yield from _check_attrs(
            ctx, rc, f"remotecluster {rc.name}", REMOTECLUSTER_ATTRS.get, rc.local, WARNING
        )
    for hb in cfg.heartbeats:
        yield from _check_attrs(
            ctx, hb, f"heartbeat {hb.name}", HEARTBEAT_ATTRS.get, hb.local, known=HEARTBEAT_ATTRS
        )
    system_spec = SYSTEM_ATTRS.get
    system_scalars = _scalars(SYSTEM_ATTRS)
    for s in cfg.systems:
        if not _quiet(s.attrs, None, system_spec, system_scalars):
            yield from _check_attrs(ctx, s, f"system {s.name}", system_spec, known=SYSTEM_ATTRS)
    for site in cfg.sites:
        yield from _check_attrs(ctx, site, f"site {site.name}", SITE_ATTRS.get, None, WARNING)
    group_spec = GROUP_ATTRS.get
    types = ctx.types
    builtin = ctx.builtin
    group_scalars = _scalars(GROUP_ATTRS)
    specs = {}  # type name -> (its attributes' specs, _scalars of them), built once a type
    for g in cfg.groups:
        if not _quiet(g.attrs, g.local, group_spec, group_scalars):
            yield from _check_attrs(
                ctx, g, f"group {g.name}", group_spec, g.local, known=GROUP_ATTRS
            )
    for g in cfg.groups:
        for r in g.resources:
            decl = types.get(r.type)
            if decl is None:
                continue  # rule_types_known reports it
            known = specs.get(r.type)
            if known is None:
                table = _resource_spec(decl)
                known = specs[r.type] = (table.get, _scalars(table))
            spec, scalars = known
            renamed = decl.renamed
            if renamed and not (
                renamed.keys().isdisjoint(r.attrs) and renamed.keys().isdisjoint(r.local)
            ):
                yield from _renamed(ctx, r, decl)

                def spec(name, base=spec, decl=decl):
                    return base(name if name in decl.attrs else decl.renamed.get(name, name))

            elif _quiet(r.attrs, r.local, spec, scalars):
                continue
            if r.type in builtin:
                yield from _check_builtin(ctx, r, spec)
            else:
                yield from _check_attrs(ctx, r, f"resource {r.name} ({r.type})", spec, r.local)


def _check_builtin(ctx, r, spec):
    label = f"resource {r.name} ({r.type})"
    for issue in _check_attrs(ctx, r, label, spec, r.local, WARNING):
        if issue.severity == WARNING and "unknown attribute" in issue.message:
            file = _bundled_file(r.type)
            issue = Issue(
                issue.where,
                f"{issue.message}: not in vxha's built-in declaration of {r.type}; put "
                f"Veritas's {file} beside main.cf to check it",
                issue.rule,
                WARNING,
            )
        yield issue


def rule_static_overrides(ctx):
    """A resource does not override a standard static attribute the guides keep type-level."""
    # One set test a resource: every resource of every configuration passes here.
    clear = _NOT_OVERRIDABLE.isdisjoint
    for g in ctx.config.groups:
        for r in g.resources:
            if clear(r.attrs) and (not r.local or clear(r.local)):
                continue
            decl = ctx.types.get(r.type)
            for name in sorted(NOT_OVERRIDABLE):
                if (name in r.attrs or name in r.local) and (
                    decl is None or name not in decl.attrs
                ):
                    yield ctx.issue(
                        r,
                        f"resource {r.name} ({r.type}): {name} cannot be overridden in a "
                        f"resource ({NOT_OVERRIDABLE[name]}): set it in type {r.type}'s "
                        "declaration instead",
                        attr=name,
                    )


_NOT_OVERRIDABLE = frozenset(NOT_OVERRIDABLE)


def _both_scopes(ctx, g, obj, name, per_sys):
    # An attribute is global or local in scope (Administrator's Guide 7.0, Linux, "Attribute
    # scope across systems"; 5.1, "Defining attributes as local": a localized attribute has
    # a value for each system); no stored page says what hacf makes of both. A warning:
    # both are kept, and the simulator reads the @system value there, the global elsewhere.
    label = f"{'group' if obj is g else 'resource'} {obj.name}"
    each = ", ".join(f"{name} @{s} = ..." for s in resolve_numbers(g.attrs.get("SystemList")))
    return ctx.issue(
        obj,
        f"{label}: {name} is set both globally and for {', '.join(per_sys)}: an attribute is "
        f"global or local in scope; give each system its value ({each}) or one global value",
        attr=name,
        severity=WARNING,
    )


def rule_localized_systems(ctx):
    """``Attr @name`` names a system (or, for global-cluster objects, a cluster); so do
    SystemList and AutoStartList; a heartbeat's ClusterList names remote clusters."""
    clusters = {rc.name for rc in ctx.config.remoteclusters}
    if ctx.config.cluster is not None:
        clusters.add(ctx.config.cluster.name)
    for hb in ctx.config.heartbeats:
        for name, per_cluster in hb.local.items():
            for cluster in per_cluster:
                if cluster not in clusters:
                    yield ctx.issue(
                        hb,
                        f"heartbeat {hb.name}: {name} @{cluster}: no remotecluster {cluster} "
                        "is declared",
                        attr=name,
                        system=cluster,
                    )
        for cluster in hb.attrs.get("ClusterList") or ():
            if cluster not in clusters:
                yield ctx.issue(
                    hb,
                    f"heartbeat {hb.name}: ClusterList names {cluster}, which is not a "
                    "remotecluster",
                    attr="ClusterList",
                )
    for site in ctx.config.sites:
        for system in site.attrs.get("SystemList") or ():
            if system not in ctx.systems:
                yield ctx.issue(
                    site,
                    f"site {site.name}: SystemList names {system}, which is not a system",
                    attr="SystemList",
                )
    systems = ctx.systems
    for g in ctx.config.groups:
        for obj in [g] + g.resources if g.local else g.resources:
            if not obj.local:
                continue
            for name, per_sys in obj.local.items():
                if name in obj.attrs:
                    yield _both_scopes(ctx, g, obj, name, per_sys)
                if systems.issuperset(per_sys):
                    continue
                for system in per_sys:
                    if system not in systems and system not in clusters:
                        label = f"{'group' if obj is g else 'resource'} {obj.name}"
                        yield ctx.issue(
                            obj,
                            f"{label}: {name} @{system}: no system {system} is declared",
                            attr=name,
                            system=system,
                        )
        sl = g.attrs.get("SystemList")
        asl = g.attrs.get("AutoStartList")
        if (
            sl.__class__ is dict
            and asl.__class__ is list
            and systems.issuperset(sl)
            and systems.issuperset(asl)
            and sl.keys() >= set(asl)
        ):
            continue  # the common group, told in a few calls in C: nothing below reports
        for attr, value in (("SystemList", sl), ("AutoStartList", asl)):
            if isinstance(value, (dict, list)) and not systems.issuperset(value):
                for system in value:
                    if system not in systems:
                        yield ctx.issue(
                            g,
                            f"group {g.name}: {attr} names {system}, which is not a system",
                            attr=attr,
                        )
        if isinstance(sl, (dict, list)) and isinstance(asl, list):
            for system in asl:
                if system in ctx.systems and system not in sl:
                    yield ctx.issue(
                        g,
                        f"group {g.name}: AutoStartList names {system}, not in its SystemList",
                        attr="AutoStartList",
                    )


def rule_numbers(ctx):
    """A numbered list (SystemList, ClusterList) gives no two entries the same number."""
    from vxha.vcs_types.model import resolve_numbers

    for g in ctx.config.groups:
        for attr in _DISTINCT_NUMBERS:
            value = g.attrs.get(attr)
            if not isinstance(value, dict):
                continue
            numbers = list(value.values())
            if None not in numbers and len(set(numbers)) == len(numbers):
                continue
            first = {}
            for name, number in resolve_numbers(value).items():
                if number in first:
                    yield ctx.issue(
                        g,
                        f"group {g.name}: {attr} gives {first[number]} and {name} the same "
                        f"number {number}: number every entry, or none",
                        attr=attr,
                        severity=WARNING,
                    )
                    break
                first[number] = name


class _TypeWhere:
    """Where a type declaration (or one of its attributes) was read, for ``ctx.issue``."""

    def __init__(self, where):
        self.where = where


def rule_type_declarations(ctx):
    """No type declares a reserved word, or an attribute every resource has, as an
    attribute (the Administrator's Guide's keywords and reserved words)."""
    builtin = set(RESOURCE_ATTRS) | set(STANDARD_STATIC)
    for tname, decl in ctx.config.types.items():
        wheres = getattr(decl, "where", None) or {}
        for aname, attr in decl.attrs.items():
            if aname in RESERVED_WORDS or aname in LANGUAGE_WORDS:
                why = "is a VCS reserved word"
            elif aname in builtin:
                kind = "standard static" if aname in STANDARD_STATIC else "resource"
                if aname in STANDARD_STATIC and attr.static:
                    continue  # a type's own value of a standard static attribute
                why = f"is the name of a {kind} attribute every type has"
            else:
                continue
            message = f"type {tname}: attribute {aname} {why}: rename it"
            yield _type_issue(ctx, tname, wheres, aname, message)


def _type_issue(ctx, tname, wheres, aname, message):
    """A finding at a type's attribute declaration (at the type when built in memory)."""
    w = wheres.get(aname) or wheres.get("")
    if w is None:
        origin = ctx.config.type_origin.get(tname)
        return Issue(f"{origin or ctx.source} (built in)", message, "type_declarations")
    return ctx.issue(_TypeWhere(w), message, "type_declarations")


def rule_standard_static_declarations(ctx):
    """A type that declares a standard static attribute declares it with the data type and
    dimension the guides give it (booleans and integers are taken for each other)."""
    for tname, decl in ctx.config.types.items():
        if not decl.static_decls:
            continue
        wheres = getattr(decl, "where", None) or {}
        for aname, attr in decl.static_decls.items():
            spec = STANDARD_STATIC.get(aname)
            if spec is None or aname == "ArgList":
                continue
            dtype, dim = spec[0], spec[1]
            same_type = attr.type == dtype or {attr.type, dtype} == {"int", "boolean"}
            if same_type and attr.dim == dim:
                continue
            message = (
                f"type {tname}: standard static attribute {aname} is declared "
                f"{_kind(attr.type, attr.dim)}; VCS defines it as {_kind(dtype, dim)}: "
                "declare it so"
            )
            yield _type_issue(ctx, tname, wheres, aname, message)


def _kind(dtype, dim):
    """``string keylist``, ``integer association``, ... as the guides' tables word them."""
    words = {"str": "string", "int": "integer", "boolean": "boolean"}
    return f"{words.get(dtype, dtype)} {dim}"


def rule_resource_links(ctx):
    """``parent requires child`` names two resources of the link's group, once, no cycles."""
    owner = {}  # resource -> its group, for the messages only (filled on the first one)
    for g in ctx.config.groups:
        if not g.links:
            continue
        local = {r.name for r in g.resources}
        # one loop filling three sets: cheaper than comprehensions on a group's few links
        parents, kids, pairs = set(), set(), set()
        for link in g.links:
            parent, child = link.parent, link.child
            parents.add(parent)
            kids.add(child)
            pairs.add((parent, child))
        if (
            len(pairs) == len(g.links)
            and local.issuperset(parents)
            and local.issuperset(kids)
            and parents.isdisjoint(kids)
        ):
            # every end a resource of the group, no link twice, no resource both requires
            # and is required (so no cycle): nothing to report
            continue
        yield from group_link_issues(ctx, g, local, owner)


def group_link_issues(ctx, g, local, owner):
    """The findings of one group's resource links (``local``: its resources' names;
    ``owner``: resource -> group, filled when a message needs it)."""
    seen = set()
    children = {}
    for link in g.links:
        ok = True
        for end in (link.parent, link.child):
            if end not in local:
                ok = False
                if not owner:
                    owner.update((r.name, g2.name) for g2, r in ctx.resources())
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
    if not any(child in children for kids in children.values() for child in kids):
        return  # no resource both requires and is required: no cycle
    for cycle in _cycles(children, [r.name for r in g.resources]):
        first = next((lk for lk in g.links if lk.parent == cycle[0]), g)
        yield ctx.issue(first, f"group {g.name}: resource links form a cycle: {' -> '.join(cycle)}")


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
    rule_type_declarations,
    rule_standard_static_declarations,
    rule_types_known,
    rule_attributes,
    rule_static_overrides,
    rule_localized_systems,
    rule_numbers,
    rule_resource_links,
]


def _all_rules():
    # verify_groups (required attributes, group dependencies) imports this module lazily
    from vxha.vcs_types.verify_groups import RULES as group_rules

    return CORE_RULES + [r for r in group_rules if r not in CORE_RULES]


# The rules verify runs by default, in order: append new ones here or in verify_groups.
RULES = _all_rules()


def verify(config_or_path, rules=None, allow_include_dirs=()):
    """Every issue of a configuration (a ``Config``, or a path to main.cf); [] when valid.

    A path is parsed with its includes resolved; a syntax error is the only issue then.
    """
    if isinstance(config_or_path, (str, Path)):
        from vxha.vcs_types.cf import CfError, parse_file

        try:
            config = parse_file(config_or_path, allow_include_dirs=allow_include_dirs)
        except CfError as e:
            return [
                Issue(f"{x.file}:{x.line}:{x.column}", x.message, "syntax")
                for x in getattr(e, "errors", (e,))
            ]
        except OSError as e:
            return [Issue(str(config_or_path), f"cannot read: {e.strerror or e}", "syntax")]
    else:
        config = config_or_path
    ctx = Context(config)
    issues = []
    for rule in RULES if rules is None else rules:
        name = rule.__name__[5:] if rule.__name__.startswith("rule_") else rule.__name__
        for issue in rule(ctx):
            issues.append(
                issue if issue.rule else Issue(issue.where, issue.message, name, issue.severity)
            )
    return issues


class _CallableModule(types.ModuleType):
    # ``from vxha.vcs_types import verify`` names this module (a submodule always wins over
    # a package attribute of the same name): let it be called like the function as well.
    def __call__(self, config_or_path, rules=None, allow_include_dirs=()):
        return verify(config_or_path, rules, allow_include_dirs)


sys.modules[__name__].__class__ = _CallableModule
