"""What the watch knows of the cluster, read through the operations commands' client
(generators/hacli.py: the ha* commands on PATH, bulk reads only).

The resources an event may concern, with the attributes that tie them to the node:
Container (``RuntimeName``, ``DockerHost``: the container's labels name the resource, the
attributes confirm it), HostIP (``Address``, ``Device``) and CFSMount (``MountPoint``).
The agents record nothing else a watch could use: HostIP and CFSMount keep no state
files, and the Container's record of its main process (``Container.<res>.proc``) says
nothing an engine event does not. Values localized per system are taken for this system.
Whether a group may be probed (enabled here, not frozen) is read again, for the groups
concerned only, right before each batch of probes.
"""

from __future__ import annotations

import os

from vxha.agents.drivers.addresses import canonical
from vxha.agents.drivers.docker import DEFAULT_HOST
from vxha.generators.hacli import HaError, parse_table

# type -> the attributes read for it (besides Group and Enabled)
WATCHED = {
    "Container": ("RuntimeName", "DockerHost"),
    "HostIP": ("Address", "Device"),
    "CFSMount": ("MountPoint",),
}
GROUP_FLAGS = ("Enabled", "Frozen", "TFrozen")


class Resource:
    __slots__ = ("name", "type", "group", "enabled", "attrs")

    def __init__(self, name, type_, group, enabled, attrs):
        self.name = name
        self.type = type_
        self.group = group
        self.enabled = enabled
        self.attrs = attrs

    def __repr__(self):
        return f"{self.type} {self.name}"


def value_for(values: dict, system: str) -> str:
    """An attribute's value on ``system``: its localized value there, else the global one."""
    if system in values:
        return values[system]
    return values.get("global", "")


def engine_host(value: str, env=os.environ) -> str:
    """The engine a Container resource uses: DockerHost, else what the agent defaults to."""
    return value or env.get("DOCKER_HOST") or DEFAULT_HOST


class ClusterView:
    """Resources by what identifies them on this system; refreshed by ``refresh()``."""

    def __init__(self, client, system: str, env=os.environ):
        self.client = client
        self.system = system
        self.env = env
        self.resources: dict = {}
        self.groups: dict = {}  # group -> set of systems in its SystemList
        self.loaded = False

    # -- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every watched resource (one ``hares -display`` per type) and every group's
        SystemList (one ``hagrp -display``); HaError when VCS does not answer."""
        resources = {}
        for type_, attrs in WATCHED.items():
            try:
                out = self.client.run(
                    "hares", "-display", "-type", type_, "-attribute", "Group", "Enabled", *attrs
                )
            except HaError as exc:
                if _no_such_type(exc):
                    continue
                raise
            table: dict = {}
            for name, attr, system, value in parse_table(out):
                table.setdefault(name, {}).setdefault(attr, {})[system] = value
            for name, values in table.items():
                res_attrs = {a: value_for(values.get(a, {}), self.system) for a in attrs}
                resources[name] = Resource(
                    name,
                    type_,
                    value_for(values.get("Group", {}), self.system),
                    value_for(values.get("Enabled", {}), self.system) != "0",
                    res_attrs,
                )
        out = self.client.run("hagrp", "-display", "-attribute", "SystemList")
        groups = {}
        for name, attr, _system, value in parse_table(out):
            if attr == "SystemList":
                groups[name] = set(value.split()[0::2])
        self.resources, self.groups, self.loaded = resources, groups, True

    def engines(self) -> set:
        """The engines this system's Container resources use."""
        return {
            engine_host(r.attrs["DockerHost"], self.env)
            for r in self.resources.values()
            if r.type == "Container" and self.system in self.groups.get(r.group, ())
        }

    # -- mapping ------------------------------------------------------------------------

    def concerned(self, subject) -> list:
        """The resources a subject concerns on this system (see watch/events.py)."""
        found = []
        if subject.kind == "container":
            r = self.resources.get(subject.key)
            if r is not None and r.type == "Container" and self._same_container(r, subject):
                found.append(r)
        elif subject.kind == "address":
            for r in self.resources.values():
                if r.type == "HostIP" and _canonical(r.attrs["Address"]) == subject.key:
                    found.append(r)
        elif subject.kind == "link":
            for r in self.resources.values():
                if r.type == "HostIP" and r.attrs["Device"] == subject.key:
                    found.append(r)
        elif subject.kind == "mount":
            for r in self.resources.values():
                if r.type == "CFSMount" and r.attrs["MountPoint"].rstrip("/") == subject.key:
                    found.append(r)
        return [r for r in found if self.system in self.groups.get(r.group, ())]

    def _same_container(self, r, subject) -> bool:
        if subject.container and r.attrs["RuntimeName"] not in ("", subject.container):
            return False
        return not subject.engine or engine_host(r.attrs["DockerHost"], self.env) == subject.engine

    def probe_blockers(self, resources) -> dict:
        """resource name -> why it must not be probed now (disabled, frozen), from a fresh
        read of the groups concerned; HaError when VCS does not answer."""
        groups = sorted({r.group for r in resources})
        flags: dict = {}
        if groups:
            out = self.client.run("hagrp", "-display", *groups, "-attribute", *GROUP_FLAGS)
            for name, attr, system, value in parse_table(out):
                flags.setdefault(name, {}).setdefault(attr, {})[system] = value
        why = {}
        for r in resources:
            f = flags.get(r.group, {})
            if not r.enabled:
                why[r.name] = "the resource is disabled"
            elif value_for(f.get("Enabled", {}), self.system) == "0":
                why[r.name] = f"group {r.group} is disabled on {self.system}"
            elif value_for(f.get("Frozen", {}), self.system) not in ("", "0"):
                why[r.name] = f"group {r.group} is frozen"
            elif value_for(f.get("TFrozen", {}), self.system) not in ("", "0"):
                why[r.name] = f"group {r.group} is frozen (temporarily)"
        return why


def _canonical(address: str) -> str:
    try:
        return canonical(address)
    except ValueError:
        return address


def _no_such_type(exc: HaError) -> bool:
    """VCS refusing a type the cluster does not have (CFSMount where nobody uses it)."""
    text = exc.output.lower()
    return "type" in text and ("not exist" in text or "invalid" in text or "not found" in text)
