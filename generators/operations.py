"""Cluster workflows through the ha commands: maintenance, deletion, inventory, apply.

Every step is an ha command, so the same code runs on a VCS cluster and against the
simulator's shims. Steps are applied in an order that never leaves a dangling dependency,
and a failing step stops the workflow with a report of what was done and what is left.
"""

from __future__ import annotations

import getpass
import time

from vxha.generators.hacli import HaClient, HaError, in_transition, parse_table

MAINTENANCE_TAG = "vxha-maintenance:"


class OperationError(Exception):
    """A workflow was refused or stopped; the message says why and what state is left."""


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in a container
        return "unknown"


def server_groups(client: HaClient, server: str, need_failover: bool = True):
    """(failover group, storage group) of a server, found by its tag; either may be None
    (a storage group left without its server) unless ``need_failover``."""
    servers = client.servers()
    groups = servers.get(server)
    if not groups:
        known = ", ".join(sorted(servers)) or "none"
        raise OperationError(f"no server named {server!r} in the cluster (servers: {known})")
    failover = server if server in groups else None
    storage = f"{server}_storage" if f"{server}_storage" in groups else None
    if failover is None and need_failover:
        raise OperationError(f"server {server!r} has no failover group named {server!r}")
    return failover, storage


def state_line(group: str, states: dict) -> str:
    """``  <group>  n1=ONLINE  n2=OFFLINE``: one group's state on each system."""
    return f"  {group:<28} " + "  ".join(f"{s}={v}" for s, v in sorted(states.items()))


def state_lines(client: HaClient, groups) -> list:
    return [state_line(g, client.group_states(g)) for g in groups]


def _refuse_transition(client, group, systems=None):
    for system, state in client.group_states(group).items():
        if (systems is None or system in systems) and in_transition(state):
            raise OperationError(
                f"group {group} is in transition on {system} ({state}): "
                "retry when it has settled (hagrp -state " + group + ")"
            )


def maintenance(
    client: HaClient, server: str, on: bool, system=None, reason="", storage=False, out=print
) -> None:
    """Disable (on) or enable (off) a server's failover group, recording who and why.

    The record is the group's UserStrLocal on each system concerned (cluster-wide,
    visible from every node); enabling clears it and probes the group's resources."""
    failover, storage_group = server_groups(client, server)
    groups = [failover] + ([storage_group] if storage and storage_group else [])
    systems = [system] if system else client.group_systems(failover)
    if system and system not in client.group_systems(failover):
        raise OperationError(f"system {system!r} is not in the SystemList of group {failover}")
    for g in groups:
        _refuse_transition(client, g, systems)
    out(f"before ({'maintenance on' if on else 'maintenance off'} for {server}):")
    for line in state_lines(client, groups):
        out(line)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    record = f"{MAINTENANCE_TAG} by {_who()} at {stamp}" + (f": {reason}" if reason else "")
    client.makerw()
    try:
        for g in groups:
            verb = "-disable" if on else "-enable"
            client.run("hagrp", verb, g, *(["-sys", system] if system else []), change=True)
            _localize(client, g, "UserStrLocal")
            for s in systems:
                client.run(
                    "hagrp",
                    "-modify",
                    g,
                    "UserStrLocal",
                    record if on else "",
                    "-sys",
                    s,
                    change=True,
                )
    finally:
        client.dump_makero()
    if not on:
        up = client.system_states()
        for g in groups:
            for res in client.resources(g):
                for s in systems:
                    if up.get(s) != "RUNNING":
                        continue  # probed when it joins the cluster again
                    client.run("hares", "-probe", res, "-sys", s, change=True)
    out("after:")
    for line in state_lines(client, groups):
        out(line)


def _localize(client: HaClient, group: str, attr: str) -> None:
    """``hagrp -local`` unless already localized: ``-modify ... -sys`` needs it."""
    rows = parse_table(client.run("hagrp", "-display", group, "-attribute", attr))
    if not any(system != "global" for _, _, system, _ in rows):
        client.run("hagrp", "-local", group, attr, change=True)


def maintenance_list(client: HaClient) -> list:
    """(server, group, system, record) for every group disabled on some system."""
    found = []
    for server, groups in sorted(client.servers().items()):
        for g in groups:
            for s in client.group_systems(g):
                if client.group_value(g, "Enabled", s) == "0":
                    record = client.group_value(g, "UserStrLocal", s)
                    found.append((server, g, s, record))
    return found


# -- deletion -------------------------------------------------------------------------


class Plan:
    """An ordered list of ha commands, applied one by one and stopped at the first failure."""

    def __init__(self):
        self.steps = []

    def add(self, *argv, wait=None):
        self.steps.append((list(argv), wait))

    def apply(self, client: HaClient, out=print) -> None:
        done = 0
        try:
            for argv, wait in self.steps:
                out("  " + " ".join(argv))
                client.run(*argv, change=True)
                if wait:
                    wait()
                done += 1
        except (HaError, TimeoutError) as exc:
            left = [" ".join(a) for a, _ in self.steps[done + 1 :]]
            raise OperationError(
                f"stopped at step {done + 1} of {len(self.steps)}: {exc}\n"
                f"done: {done} step(s); not done: {len(left) + 1} step(s)"
                + "".join(f"\n    {x}" for x in left)
                + "\nnothing after the failed step ran; the configuration was not dumped "
                "(haconf -dump -makero keeps what was done)"
            ) from exc


def _offline_everywhere(client, group, step):
    def wait():
        client.wait_group(group, lambda s: s.startswith("OFFLINE"), step=step)

    return wait


def _volumes(client: HaClient, group: str) -> list:
    """(disk group, volume) of the CVMVolDg resources of a storage group."""
    found = []
    for res in client.resources(group):
        if client.run("hares", "-value", res, "Type").strip() != "CVMVolDg":
            continue
        dg = client.run("hares", "-value", res, "CVMDiskGroup").strip()
        for vol in client.run("hares", "-value", res, "CVMVolume").split():
            found.append((dg, vol))
    return found


def delete_plan(
    client: HaClient, server: str, keep_data: bool, shred: bool = False, step=None
) -> Plan:
    """The commands deleting a server: its failover group, its storage unless keep_data,
    and with shred its volumes (``vxassist remove volume``) once nothing uses them."""
    failover, storage = server_groups(client, server, need_failover=False)
    if failover is None and keep_data:
        raise OperationError(f"server {server!r} has only storage left: use --now to delete it")
    removing = ({failover} if failover else set()) | (
        set() if keep_data or not storage else {storage}
    )
    dependents = sorted(
        {p for p, c, *_ in client.dependencies() if c in removing and p not in removing}
    )
    if dependents:
        raise OperationError(
            f"cannot delete {server}: group(s) {', '.join(dependents)} depend on it; "
            "delete or unlink them first"
        )
    ordered = [g for g in (failover, storage) if g in removing]  # parents before children
    volumes = _volumes(client, storage) if shred and storage in removing else []
    plan = Plan()
    for group in ordered:
        plan.add("hagrp", "-offline", group, "-any", wait=_offline_everywhere(client, group, step))
    plan.add("haconf", "-makerw")
    for group in ordered:
        for parent, child, *_ in client.dependencies():
            if parent == group:
                plan.add("hagrp", "-unlink", group, child)
        for parent, child in client.resource_links(group):
            plan.add("hares", "-unlink", parent, child)
        for res in client.resources(group):
            plan.add("hares", "-delete", res)
        plan.add("hagrp", "-delete", group)
    plan.add("haconf", "-dump", "-makero")
    if shred and storage in removing:
        for dg, vol in volumes:
            plan.add("vxassist", "-g", dg, "remove", "volume", vol)
    return plan


def inventory(client: HaClient) -> dict:
    """Servers with their groups and states, and storage groups whose server is gone."""
    servers = client.servers()
    report = {"servers": [], "orphan_storage": []}
    for server, groups in sorted(servers.items()):
        entry = {"server": server, "groups": {}}
        for g in sorted(groups):
            entry["groups"][g] = client.group_states(g)
        report["servers"].append(entry)
        if server not in groups:
            for g in groups:
                if g.endswith("_storage"):
                    report["orphan_storage"].append(
                        {
                            "group": g,
                            "server": server,
                            "delete": f"vxha delete {server} --now",
                            "resources": client.resources(g),
                        }
                    )
    return report
