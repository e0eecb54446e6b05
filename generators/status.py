"""The cluster at a glance, per server: what ``vxha status`` shows and ``vxha why`` starts
from, read with a constant number of ``ha*`` processes whatever the cluster's size.

Three bulk reads: ``hagrp -display -attribute ...`` (every group's states, Probed,
AutoDisabled, Enabled, Frozen, the maintenance record, marker, SystemList, Parallel),
``hares -display -attribute Group State`` and ``hasys -display -attribute SysState Frozen
TFrozen``. No main.cf: the engine's own view is what an administrator asks about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List

from vxha.generators.hacli import HaClient, clean_state
from vxha.generators.record import Record
from vxha.generators.view import ClusterView, read_groups

STATUS_ATTRS = ("Probed", "AutoDisabled")
SYSTEM_ATTRS = ("SysState", "Frozen", "TFrozen")
# Resource state words that mean something needs an administrator (VCS_REFERENCE states).
TROUBLE = (
    "FAULTED",
    "ADMIN_WAIT",
    "UNABLE_TO_OFFLINE",
    "MONITOR_TIMEDOUT",
    "UNKNOWN",
    "STATE_UNKNOWN",
)


def flag(value) -> bool:
    """A VCS boolean as -display prints it ("1", "0", "" for unset)."""
    return str(value or "0").strip() not in ("0", "")


@dataclass
class Status:
    view: ClusterView
    resources: Dict[str, Dict[str, Dict[str, str]]]  # resource -> attribute -> system -> value
    systems: Dict[str, Dict[str, Dict[str, str]]]  # system -> attribute -> {"global": value}
    deps: List[tuple] = field(default_factory=list)

    def value(self, group: str, attr: str, system: str = "global") -> str:
        """A group attribute as the engine printed it: the system's row, else the global one."""
        rows = self.view.admin.get(group, {}).get(attr, {})
        return rows.get(system, rows.get("global", ""))

    def system_state(self, system: str) -> str:
        return self.systems.get(system, {}).get("SysState", {}).get("global", "UNKNOWN")

    def system_frozen(self, system: str) -> bool:
        attrs = self.systems.get(system, {})
        return any(flag(attrs.get(a, {}).get("global")) for a in ("Frozen", "TFrozen"))

    def probed(self, group: str, system: str) -> bool:
        value = self.value(group, "Probed", system)
        return value == "" or flag(value)

    def autodisabled(self, group: str, system: str) -> bool:
        return flag(self.value(group, "AutoDisabled", system))

    def state(self, group: str, system: str) -> str:
        return self.view.group_states.get(group, {}).get(system, "")

    @cached_property
    def by_group(self) -> Dict[str, List[str]]:
        """group -> its resources, sorted: built once, every server's lookups use it."""
        index: Dict[str, List[str]] = {}
        for r, attrs in self.resources.items():
            index.setdefault(attrs.get("Group", {}).get("global", ""), []).append(r)
        for names in index.values():
            names.sort()
        return index

    def resources_of(self, groups) -> Dict[str, Dict[str, str]]:
        """resource -> system -> state, for the resources of ``groups``."""
        return {
            r: {s: clean_state(v) for s, v in self.resources[r].get("State", {}).items()}
            for g in groups
            for r in self.by_group.get(g, ())
        }

    def troubles(self, groups) -> List[dict]:
        """Resources of ``groups`` in a state an administrator must act on, per system. A
        resource not probed yet reads UNKNOWN without anything being wrong: 'not probed'
        says so on the group (its Probed is 0 until every resource of it is probed)."""
        found = []
        for g in groups:
            for r in self.by_group.get(g, ()):
                attrs = self.resources[r]
                for s, v in attrs.get("State", {}).items():
                    # VCS may print a qualifier with spaces ("STATE UNKNOWN")
                    words = clean_state(v).replace(" ", "_").split("|")
                    if not any(word in words for word in TROUBLE):
                        continue
                    if words == ["UNKNOWN"] and not flag(
                        attrs.get("Probed", {}).get(s) or self.value(g, "Probed", s) or "1"
                    ):
                        continue
                    found.append({"resource": r, "group": g, "system": s, "state": "|".join(words)})
        return found


def read_status(client: HaClient) -> Status:
    """The three bulk reads (see the module doc)."""
    view = read_groups(client, STATUS_ATTRS)
    # No resource Probed: the groups' Probed tells an unprobed UNKNOWN apart, and at 200
    # servers the column would add a third to the largest read.
    res = client.display("hares", ("Group", "State"))
    systems = client.display("hasys", SYSTEM_ATTRS)
    return Status(view, res, systems)


def _group(status: Status, g: str) -> dict:
    view = status.view
    systems = view.systems_of(g) or sorted(view.group_states.get(g, {}))
    rows = []
    for s in systems:
        record = Record.parse(view.record(g, s))
        rows.append(
            {
                "system": s,
                "state": status.state(g, s) or "UNKNOWN",
                "probed": status.probed(g, s),
                "autodisabled": status.autodisabled(g, s),
                "enabled": view.enabled(g, s),
                "maintenance": None
                if record is None
                else {"who": record.who, "when": record.when, "why": record.why},
            }
        )
    return {
        "name": g,
        "parallel": flag(status.value(g, "Parallel")),
        "frozen": flag(status.value(g, "Frozen")),
        "tfrozen": flag(status.value(g, "TFrozen")),
        "systems": rows,
    }


def report(status: Status) -> dict:
    """Everything ``vxha status`` shows, as data (``--json`` prints it as it is)."""
    view = status.view
    servers = view.servers()
    owned = {g for groups in servers.values() for g in groups}
    out = {
        "systems": [
            {"name": s, "state": status.system_state(s), "frozen": status.system_frozen(s)}
            for s in status.systems
        ],
        "servers": [],
        "other_groups": [],
    }
    for server in sorted(servers):
        groups = sorted(servers[server], key=lambda g: (g == server, g))  # storage first
        out["servers"].append(
            {
                "name": server,
                "groups": [_group(status, g) for g in groups],
                "faults": status.troubles(groups),
            }
        )
    others = [g.name for g in view.config.groups if g.name not in owned]
    out["other_groups"] = [_group(status, g) for g in others]
    if others:
        out["other_faults"] = status.troubles(others)
    return out


def cell(row: dict) -> str:
    """One group on one system: its state and what keeps VCS's hands off it there."""
    tags = []
    if row["maintenance"] is not None:
        tags.append("maintenance")
    elif not row["enabled"]:
        tags.append("disabled")
    if row["autodisabled"]:
        tags.append("autodisabled")
    if not row["probed"]:
        tags.append("not probed")
    return row["state"] + (f" ({', '.join(tags)})" if tags else "")


def render(data: dict) -> List[str]:
    """The table ``vxha status`` prints, like ``hastatus -sum`` but one row per group of each
    server, one column per system; notes on maintenance, freezes and faults after it."""
    systems = [s["name"] for s in data["systems"]]
    lines = []
    width = max([6] + [len(s["name"]) for s in data["systems"]])
    lines.append(f"{'SYSTEM':<{width}}  {'STATE':<14} FROZEN")
    for s in data["systems"]:
        lines.append(f"{s['name']:<{width}}  {s['state']:<14} {'yes' if s['frozen'] else 'no'}")
    rows = []
    for entry in data["servers"]:
        for i, g in enumerate(entry["groups"]):
            rows.append((entry["name"] if i == 0 else "", g))
    rows += [("(not vxha's)" if i == 0 else "", g) for i, g in enumerate(data["other_groups"])]
    table = [["SERVER", "GROUP"] + systems]
    for server, g in rows:
        by_system = {r["system"]: cell(r) for r in g["systems"]}
        table.append([server, g["name"]] + [by_system.get(s, "-") for s in systems])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines.append("")
    for r in table:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    notes = _notes(data)
    if notes:
        lines.append("")
        lines.extend(notes)
    return lines


def _notes(data: dict) -> List[str]:
    maint, frozen, faults = [], [], []
    for entry in data["servers"] + [{"name": "", "groups": data["other_groups"], "faults": []}]:
        for g in entry["groups"]:
            kinds = [k for k in ("frozen", "tfrozen") if g[k]]
            if kinds:
                persist = "persistent" if g["frozen"] else "temporary"
                frozen.append(f"  {g['name']}: frozen ({persist}): VCS takes no action on it")
            seen: Dict[str, List[str]] = {}
            for r in g["systems"]:
                m = r["maintenance"]
                if m is not None:
                    text = f"by {m['who']} at {m['when']}" + (f": {m['why']}" if m["why"] else "")
                    seen.setdefault(text, []).append(r["system"])
            for text, where in seen.items():
                maint.append(f"  {g['name']} on {', '.join(where)}: {text}")
        for f in entry["faults"]:
            faults.append(f"  {f['resource']} on {f['system']}: {f['state']}")
    for f in data.get("other_faults", ()):
        faults.append(f"  {f['resource']} on {f['system']}: {f['state']}")
    out = []
    for title, items in (
        ("maintenance:", maint),
        ("frozen:", frozen),
        ("resources in trouble:", faults),
    ):
        if items:
            out.append(title)
            out.extend(items)
    if faults:
        out.append(
            "('vxha why SERVER' says what keeps a server's group offline and what clears it)"
        )
    return out
