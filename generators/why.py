"""Why a server's group is not online where it is expected, each reason read from the live
cluster with ``ha*`` commands and paired with the command that clears it.

Five processes whatever the cluster's size: ``hagrp -display -attribute ...`` (every
group: states, admin state, placement attributes), ``hares -display -group ...`` (the
server's resources and its child groups'), ``hasys -display -attribute ...``, ``hagrp
-dep`` and, for a failover group online nowhere, ``hagrp -forecast``. The rules and
their sources are in docs/operations.md ("vxha why").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from vxha.generators.hacli import HaClient
from vxha.generators.record import Record
from vxha.generators.status import STATUS_ATTRS, SYSTEM_ATTRS, Status, flag
from vxha.generators.view import read_groups

WHY_ATTRS = (
    "AutoStart",
    "AutoFailOver",
    "FailOverPolicy",
    "Prerequisites",
    "Load",
    "ManageFaults",
)
WHY_SYSTEM_ATTRS = ("Limits", "Capacity")


class WhyError(Exception):
    """The server is unknown or the cluster could not be read."""


@dataclass
class Reason:
    group: str
    system: str  # "" for a reason that holds on every system
    text: str
    source: str  # the attribute or command the reason was read from
    clear: List[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "system": self.system,
            "reason": self.text,
            "read_from": self.source,
            "clear": self.clear,
        }


@dataclass
class Answer:
    server: str
    group: str
    expected: str
    online_on: List[str]
    ok: bool
    reasons: List[Reason]
    forecast: Optional[str] = None

    def lines(self) -> List[str]:
        """The answer as ``vxha why`` prints it: the verdict, then each reason with where it
        was read from and what clears it."""
        where = ", ".join(self.online_on) or "no system"
        if self.ok:
            return [f"{self.group} is online where expected ({self.expected}): ONLINE on {where}"]
        out = [f"{self.group} is not online where expected ({self.expected}); ONLINE on {where}"]
        for r in self.reasons:
            head = f"  {r.system}: " if r.system else "  "
            sub = "" if r.group == self.group else f"{r.group}: "
            out.append(f"{head}{sub}{r.text}")
            out.append(f"      read from: {r.source}")
            out.extend(f"      clear: {c}" for c in r.clear)
        return out

    def as_dict(self) -> dict:
        return {
            "server": self.server,
            "group": self.group,
            "expected": self.expected,
            "online_on": self.online_on,
            "ok": self.ok,
            "forecast": self.forecast,
            "reasons": [r.as_dict() for r in self.reasons],
        }


def session(commands: List[str]) -> List[str]:
    """Commands that change the configuration, inside the session VCS requires for them."""
    return ["haconf -makerw", *commands, "haconf -dump -makero"]


def _words(value: str) -> Dict[str, int]:
    """An association as -display prints it (``CPU 2 Mem 4096``) -> {key: int}."""
    words = value.split()
    out = {}
    for k, v in zip(words[::2], words[1::2]):
        try:
            out[k] = int(v)
        except ValueError:
            continue
    return out


def _base(state: str) -> str:
    return state.split("|")[0]


def _up(state: str) -> bool:
    return _base(state) in ("ONLINE", "PARTIAL") or "STARTING" in state


class Why:
    def __init__(self, status: Status, server: str, forecast=None):
        self.st = status
        self.view = status.view
        self.server = server
        self.forecast = forecast

    # -- one group on one system --------------------------------------------------------
    def on_system(self, g: str, s: str, depth: int = 0) -> List[Reason]:
        """Why ``g`` is not (and cannot come) online on ``s``; empty when nothing blocks."""
        st, view = self.st, self.view
        out: List[Reason] = []
        sys_state = st.system_state(s)
        if sys_state != "RUNNING":
            state = st.state(g, s)
            if _up(state) and st.autodisabled(g, s):
                # hastop -force leaves the group running; VCS autodisables it there and
                # refuses it elsewhere (KB 100018634; docs/operations.md "vxha why")
                out.append(
                    Reason(
                        g,
                        s,
                        f"system {s} is {sys_state}; {g} was {_base(state)} there when VCS "
                        "stopped and may still run there (AutoDisabled: VCS does not know)",
                        "hasys SysState, hagrp State",
                        [
                            f"hastart on {s}: VCS probes {g} there",
                            f"or, once {g} is stopped on {s} outside VCS: "
                            f"hagrp -autoenable {g} -sys {s}",
                        ],
                    )
                )
                return out
            if sys_state == "LEAVING":  # hastop: VCS still runs there until its groups are offline
                text = (
                    f"system {s} is LEAVING: VCS is stopping there (hastop) once its groups "
                    "are offline"
                )
                clear = [f"hasys -wait {s} SysState EXITED -time 300", f"then hastart on {s}"]
            else:
                text = f"system {s} is {sys_state}"
                clear = ["start VCS on it (hastart), or wait for it to rejoin"]
            source = "hasys SysState"
            if st.autodisabled(g, s):  # KB 100018634: make sure it is not active there
                source += ", hagrp AutoDisabled"
                text += f"; {g} is AutoDisabled there: VCS cannot tell whether it still runs there"
                clear.append(
                    f"or, once {g} is stopped on {s} outside VCS: hagrp -autoenable {g} -sys {s}"
                )
            out.append(Reason(g, s, text, source, clear))
            return out
        if st.system_frozen(s):
            # Frozen (persistent) needs a configuration session, TFrozen does not (User's
            # 4.1, "Freezing a System")
            persistent = flag(st.systems.get(s, {}).get("Frozen", {}).get("global"))
            out.append(
                Reason(
                    g,
                    s,
                    f"system {s} is frozen: VCS brings no group online on it",
                    "hasys Frozen/TFrozen",
                    session([f"hasys -unfreeze -persistent {s}"])
                    if persistent
                    else [f"hasys -unfreeze {s}"],
                )
            )
        if not view.enabled(g, s):
            record = Record.parse(view.record(g, s))
            if record is not None:
                out.append(
                    Reason(
                        g,
                        s,
                        f"in maintenance on {s} ({record.describe()}): Enabled = 0",
                        "hagrp Enabled, UserStrLocal",
                        [f"{self._off(g)} --sys {s}"],
                    )
                )
            else:
                out.append(
                    Reason(
                        g,
                        s,
                        f"disabled on {s} (Enabled = 0)",
                        "hagrp Enabled",
                        session([f"hagrp -enable {g} -sys {s}"]),
                    )
                )
        if st.autodisabled(g, s):
            out.append(
                Reason(
                    g,
                    s,
                    f"AutoDisabled on {s}: VCS could not tell the group's state there",
                    "hagrp AutoDisabled",
                    [f"hagrp -autoenable {g} -sys {s}"],
                )
            )
        resources = st.resources_of([g])
        unprobed = sorted(
            r for r in resources if not flag(st.resources[r].get("Probed", {}).get(s, "1"))
        )
        if unprobed or not st.probed(g, s):
            names = ", ".join(unprobed) or "its resources"
            out.append(
                Reason(
                    g,
                    s,
                    f"not probed on {s} ({names}): VCS starts a group only once probed",
                    "hagrp Probed, hares Probed",
                    [f"hares -probe {r} -sys {s}" for r in unprobed] or [f"hagrp -state {g}"],
                )
            )
        out.extend(self._resources(g, s, resources))
        out.extend(self._dependencies(g, s, depth))
        out.extend(self._limits(g, s))
        out.extend(self._capacity(g, s))
        return out

    def _server_of(self, g: str) -> str:
        for server, groups in self.view.servers().items():
            if g in groups:
                return server
        return g

    def _off(self, g: str) -> str:
        """The maintenance off that ends ``g``'s maintenance: a storage group's needs
        --storage, without it off leaves it there (docs/operations.md, vxha maintenance)."""
        server = self._server_of(g)
        return f"vxha maintenance off {server}" + (" --storage" if g != server else "")

    def _frozen_by_maintenance(self, g: str) -> bool:
        """A maintenance record of ``g`` on any system says vxha froze it."""
        for s in self.view.systems_of(g) or sorted(self.view.group_states.get(g, {})):
            record = Record.parse(self.view.record(g, s))
            if record is not None and record.frozen:
                return True
        return False

    def _resources(self, g, s, resources) -> List[Reason]:
        out = []
        faulted, adminwait, unable, unknown = [], [], [], []
        for r, states in sorted(resources.items()):
            words = states.get(s, "").split("|")
            if "ADMIN_WAIT" in words:
                adminwait.append(r)
            elif "UNABLE_TO_OFFLINE" in words:
                unable.append(r)
            elif "FAULTED" in words:
                faulted.append(r)
            elif words == ["UNKNOWN"] and flag(
                self.st.resources[r].get("Probed", {}).get(s, "1")
            ):  # probed, and still unknown: monitor 99 (VCS_REFERENCE.md, entry points)
                unknown.append(r)
        for r in unknown:
            out.append(
                Reason(
                    g,
                    s,
                    f"{r} UNKNOWN on {s}: its monitor cannot tell the state (a misconfigured "
                    f"resource answers so; the agent's log on {s} says why)",
                    "hares State",
                    [f"hares -probe {r} -sys {s} (once corrected)"],
                )
            )
        if faulted or "FAULTED" in self.st.state(g, s):
            names = ", ".join(faulted) or "a resource"
            out.append(
                Reason(
                    g,
                    s,
                    f"faulted on {s} ({names} FAULTED): VCS does not bring it online there "
                    "until the fault is cleared",
                    "hares State",
                    [f"hares -clear {r} -sys {s}" for r in faulted]
                    or [f"hagrp -clear {g} -sys {s}"],
                )
            )
        if adminwait:
            out.append(
                Reason(
                    g,
                    s,
                    f"{', '.join(adminwait)} in ADMIN_WAIT on {s} (ManageFaults = "
                    f"{self.st.value(g, 'ManageFaults') or 'NONE'}): VCS waits for an "
                    "administrator; online, offline and switch are refused",
                    "hares State",
                    [
                        f"hagrp -clearadminwait {g} -sys {s}",
                        f"hagrp -clearadminwait -fault {g} -sys {s}",
                    ],
                )
            )
        if unable:
            out.append(
                Reason(
                    g,
                    s,
                    f"{', '.join(unable)} UNABLE_TO_OFFLINE on {s}: clean failed, so the "
                    "resource may still hold what it manages and the group cannot move",
                    "hares State",
                    ["stop it outside VCS: clean is retried after each monitor"]
                    + [f"hares -probe {r} -sys {s}" for r in unable],
                )
            )
        return out

    def _dependencies(self, g, s, depth) -> List[Reason]:
        out = []
        st = self.st
        for parent, child, category, location, rigidity in st.deps:
            if parent != g:
                continue
            link = f"{category} {location} {rigidity}"
            where = {x: st.state(child, x) for x in self.view.group_states.get(child, {})}
            online = [x for x, v in where.items() if v == "ONLINE"]
            if category == "offline":
                if s in online:
                    out.append(
                        Reason(
                            g,
                            s,
                            f"requires group {child} {link}: {child} is ONLINE on {s}",
                            "hagrp -dep, State",
                            [
                                f"hagrp -switch {child} -to SYSTEM",
                                f"hagrp -offline {child} -sys {s}",
                            ],
                        )
                    )
                continue
            if location == "local":
                if s in online:
                    continue
                now = where.get(s) or "not configured"
                text = f"requires group {child} {link}: {child} is {now} on {s}"
                clear = [f"hagrp -online {child} -sys {s}"]
                if online and not flag(st.value(child, "Parallel")):
                    # a failover child runs on one system at a time: VCS refuses its
                    # online on S while it is online elsewhere (V-16-1-10167); move it
                    text += f" (online on {', '.join(online)})"
                    clear = [f"hagrp -switch {child} -to {s}"]
            elif location == "global":
                if online:
                    continue
                text = f"requires group {child} {link}: {child} is online nowhere"
                clear = [f"hagrp -online {child} -any"]
            else:  # remote
                if [x for x in online if x != s]:
                    continue
                text = f"requires group {child} {link}: {child} is online on no other system"
                clear = [f"hagrp -online {child} -sys OTHER_SYSTEM"]
            out.append(Reason(g, s, text, "hagrp -dep, State", clear))
            if depth < 4:  # the child's own reasons, where it is needed (VCS: 5 levels)
                systems = [s] if location == "local" else self.view.systems_of(child)
                for x in systems:
                    out.extend(self.on_system(child, x, depth + 1))
        return out

    def _limits(self, g, s) -> List[Reason]:
        need = _words(self.st.value(g, "Prerequisites"))
        if not need:
            return []
        limits = _words(self.st.systems.get(s, {}).get("Limits", {}).get("global", ""))
        users = self._active_on(s, exclude=g)
        out = []
        for key, amount in need.items():
            limit = limits.get(key)
            used = sum(_words(self.st.value(u, "Prerequisites")).get(key, 0) for u in users)
            if limit is None or limit - used < amount:
                holders = [u for u in users if key in _words(self.st.value(u, "Prerequisites"))]
                left = "no Limits entry" if limit is None else f"{limit - used} of {limit} left"
                out.append(
                    Reason(
                        g,
                        s,
                        f"Prerequisites {key} = {amount}, but {s} has {left}"
                        + (f" (used by {', '.join(holders)})" if holders else ""),
                        "hagrp Prerequisites, hasys Limits",
                        session([f"hasys -modify {s} Limits -update {key} {used + amount}"])
                        if limit is not None
                        else session([f"hasys -modify {s} Limits -add {key} {amount}"]),
                    )
                )
                if holders:
                    out[-1].clear.append(f"hagrp -switch {holders[0]} -to OTHER_SYSTEM")
        return out

    def _capacity(self, g, s) -> List[Reason]:
        if self.st.value(g, "FailOverPolicy") != "BiggestAvailable":
            return []
        load = _words(self.st.value(g, "Load"))
        capacity = _words(self.st.systems.get(s, {}).get("Capacity", {}).get("global", ""))
        if not load or not capacity:
            return []
        users = [u for u in self._active_on(s, exclude=g) if not flag(self.st.value(u, "Parallel"))]
        for dim, need in load.items():
            used = sum(_words(self.st.value(u, "Load")).get(dim, 0) for u in users)
            avail = capacity.get(dim, 0) - used
            if avail < need:
                return [
                    Reason(
                        g,
                        s,
                        f"{dim}: {avail} available on {s} (Capacity {capacity.get(dim, 0)} - "
                        f"Load of {', '.join(users) or 'nothing'}), the group's Load is {need}",
                        "hagrp Load, FailOverPolicy; hasys Capacity",
                        [f"hagrp -switch {users[0] if users else 'GROUP'} -to OTHER_SYSTEM"],
                    )
                ]
        return []

    def _active_on(self, s, exclude) -> List[str]:
        return sorted(
            name
            for name, states in self.view.group_states.items()
            if name != exclude and _up(states.get(s, ""))
        )

    # -- the whole answer ---------------------------------------------------------------
    def group_reasons(self, g: str) -> List[Reason]:
        """Reasons that hold on every system (frozen, AutoStart, AutoFailOver)."""
        st = self.st
        out = []
        if flag(st.value(g, "Frozen")) or flag(st.value(g, "TFrozen")):
            persistent = flag(st.value(g, "Frozen"))
            text = (
                f"frozen ({'persistent' if persistent else 'temporary'}): VCS takes no "
                "online, offline or failover action on it"
            )
            clear = (
                session([f"hagrp -unfreeze -persistent {g}"])
                if persistent
                else [f"hagrp -unfreeze {g}"]
            )
            if self._frozen_by_maintenance(g):
                # Thawing by hand would leave the records claiming a freeze that is gone;
                # maintenance off thaws when the last system leaves maintenance.
                text += " (frozen by vxha maintenance)"
                clear = [self._off(g)]
            out.append(Reason(g, "", text, "hagrp Frozen/TFrozen, UserStrLocal", clear))
        states = self.view.group_states.get(g, {})
        faulted = [s for s, v in states.items() if "FAULTED" in v]
        if faulted and st.value(g, "AutoFailOver") == "0":
            out.append(
                Reason(
                    g,
                    "",
                    f"AutoFailOver = 0: VCS does not fail it over after the fault on "
                    f"{', '.join(faulted)}",
                    "hagrp AutoFailOver",
                    [f"hagrp -online {g} -sys SYSTEM (once a system is clear)"],
                )
            )
        if not faulted and st.value(g, "AutoStart") == "0":
            out.append(
                Reason(
                    g,
                    "",
                    "AutoStart = 0: VCS does not start it when the cluster starts",
                    "hagrp AutoStart",
                    [f"hagrp -online {g} -sys SYSTEM"],
                )
            )
        return out

    def answer(self, g: str) -> Answer:
        view = self.view
        states = view.group_states.get(g, {})
        parallel = flag(self.st.value(g, "Parallel"))
        systems = view.systems_of(g) or sorted(states)
        online = [s for s in systems if states.get(s) == "ONLINE"]
        running = [s for s in systems if self.st.system_state(s) == "RUNNING"]
        if parallel:
            expected = f"online on every running system of its SystemList ({', '.join(running)})"
            missing = [s for s in running if s not in online]
        else:
            expected = f"online on one of {', '.join(systems)}"
            missing = [] if online else systems
        whole = [] if not missing else self.group_reasons(g)
        transit = [
            s for s in systems if "STARTING" in states.get(s, "") or "STOPPING" in states.get(s, "")
        ]
        reasons, free = [], []
        for s in missing:
            found = self.on_system(g, s)
            if not found and s in transit:
                toward = "OFFLINE" if "STOPPING" in states[s] else "ONLINE"
                found = [
                    Reason(
                        g,
                        s,
                        f"{states[s]} on {s}: in transition",
                        "hagrp State",
                        [f"hagrp -wait {g} State {toward} -sys {s} -time 300"],
                    )
                ]
            if not found and _base(states.get(s, "")) == "PARTIAL":
                down = sorted(
                    r
                    for r, v in self.st.resources_of([g]).items()
                    if _base(v.get(s, "")) != "ONLINE"
                )
                found = [
                    Reason(
                        g,
                        s,
                        f"PARTIAL on {s}: {', '.join(down) or 'some resources'} not online",
                        "hares State",
                        [f"hagrp -online {g} -sys {s}"],
                    )
                ]
            if not found:
                free.append(s)
            reasons.extend(found)
        # A system where nothing blocks it is the answer that matters most: the group could
        # be online there now. The other systems' reasons follow it.
        # A failover group PARTIAL, starting or stopping somewhere, or left running where
        # VCS stopped, is active there for VCS, which refuses it on any other system
        # (V-16-1-10167, docs/operations.md "vxha why"): only that system's reason is the
        # way on.
        active = not parallel and any(_up(v) or "STOPPING" in v for v in states.values())
        first = [] if whole or active else self._free(g, free, parallel)
        return Answer(
            self.server,
            g,
            expected,
            online,
            not missing,
            _unique(whole + first + reasons),
            self.forecast,
        )

    def _free(self, g: str, free: List[str], parallel: bool) -> List[Reason]:
        """Reasons for systems where nothing keeps ``g`` offline: it was taken offline."""
        if parallel:
            return [
                Reason(
                    g,
                    s,
                    f"nothing keeps it offline on {s}: it was taken offline there",
                    "hagrp State",
                    [f"hagrp -online {g} -sys {s}"],
                )
                for s in free
            ]
        if self.forecast:
            text = (
                f"nothing keeps it offline: VCS would place it on {self.forecast} (hagrp -forecast)"
            )
            return [
                Reason(g, "", text, "hagrp -forecast", [f"hagrp -online {g} -sys {self.forecast}"])
            ]
        if free:
            text = (
                f"nothing keeps it offline on {', '.join(free)}: it was taken offline, "
                "or never started"
            )
            return [Reason(g, "", text, "hagrp State", [f"hagrp -online {g} -sys {free[0]}"])]
        return []


def _unique(reasons: List[Reason]) -> List[Reason]:
    seen, out = set(), []
    for r in reasons:
        key = (r.group, r.system, r.text)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _children(deps, group) -> List[str]:
    found, todo = [], [group]
    while todo:
        g = todo.pop()
        for parent, child, *_ in deps:
            if parent == g and child not in found:
                found.append(child)
                todo.append(child)
    return found


def why(client: HaClient, server: str) -> Answer:
    """Read the cluster (see the module doc) and answer for the server's failover group (or
    a group of that name when no server is)."""
    deps = client.group_dependencies()
    view = read_groups(client, STATUS_ATTRS + WHY_ATTRS)
    groups = view.servers().get(server)
    if groups:
        group = server if server in groups else groups[0]
    elif server in view.group_states:
        group = server
    else:
        known = ", ".join(sorted(view.servers())) or "none"
        raise WhyError(f"no server named {server!r} in the cluster (servers: {known})")
    wanted = [group] + [g for g in _children(deps, group) if g in view.group_states]
    resources = client.display("hares", ("Group", "State", "Probed"), options=["-group", *wanted])
    systems = client.display("hasys", SYSTEM_ATTRS + WHY_SYSTEM_ATTRS)
    status = Status(view, resources, systems, deps)
    forecast = None
    states = view.group_states.get(group, {})
    in_transit = any("STARTING" in v or "STOPPING" in v for v in states.values())
    if not flag(status.value(group, "Parallel")) and not in_transit:
        if not any(_base(v) in ("ONLINE", "PARTIAL") for v in states.values()):
            forecast = client.forecast(group)
            if forecast not in view.systems_of(group):  # its output is in no stored manual
                forecast = None
    answer = Why(status, server, forecast).answer(group)
    if groups and server not in groups:  # what delete --keep-data leaves: not the server
        left = ", ".join(groups)
        text = (
            f"{server} has no failover group: only {left} is left (what vxha delete "
            "--keep-data leaves)"
        )
        clear = [
            f"vxha delete {server} --now",
            f"or vxha restore {server}, then vxha generate and vxha apply",
        ]
        answer.reasons.insert(0, Reason(group, "", text, "hagrp UserStrGlobal", clear))
        answer.group, answer.online_on, answer.ok = server, [], False
        answer.expected = "its failover group online on one system"
    return answer
