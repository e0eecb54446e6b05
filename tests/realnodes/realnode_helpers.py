"""Helpers of the real-node tests: waiting in real time, what a node still holds, and
what a run left on the machine."""

from __future__ import annotations

import json
import os
import time

from realtier import require_real

from vxha.simulator.realnodes.cgroups import hierarchies
from vxha.simulator.realnodes.cluster import missing_requirements
from vxha.simulator.realnodes.ledger import REGISTRY, read_entries

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER_CF = os.path.join(HERE, "cluster.cf")  # web and app on n1, n2 (Docker), n3 (Podman)
SMALL_CF = os.path.join(HERE, "small.cf")  # one server on two Docker nodes
# Short intervals keep the tests quick (VCS's default is 60 s); stated in docs/simulator.md.
MONITOR = {"Container": 3, "HostIP": 3, "PortForward": 3, "CFSMount": 30}


def require_realnodes(*kinds) -> None:
    require_real("ip", "nsenter", "unshare", "docker")
    why = missing_requirements(kinds or ("docker",))
    if why:
        import pytest

        pytest.skip(why)


def wait_for(sim, what: str, cond, seconds: float = 90):
    """Run the cluster in real time until ``cond()`` is true (its value is returned)."""
    end = time.monotonic() + seconds
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > end:
            tail = "\n".join(sim.transcript.lines[-40:])
            raise AssertionError(f"not within {seconds} s: {what}\n{sim.state_table()}\n{tail}")
        sim.advance(1)


def online_on(sim, group: str) -> list:
    return [s for s, st in sim.states()[group].items() if st == "ONLINE"]


def served_again(sim, server: str, since: float):
    """(fault -> first failure, fault -> served again) in seconds, once served again."""
    fail, ok = sim.cluster.served_again(server, since)
    if fail is None or ok is None:
        return None
    return fail - since, ok - since


def node_holds(sim, system: str, server: str) -> list:
    """What the node still holds of the server's failover group: its container (running),
    its address, its forwarding rules, mounts beyond the storage group's own."""
    node = sim.cluster.node(system)
    found = []
    ps = node.running_engine().docker(
        "ps", "-q", "--filter", f"label=vxha.resource={server}_ctr", timeout=30
    )
    if ps.stdout.split():
        found.append(f"container of {server} running")
    address = sim.cluster.plan.targets[server][0]
    addrs = json.loads(node.sh("ip", "-j", "addr"))
    for link in addrs:
        for a in link.get("addr_info", []):
            if a.get("local") == address:
                found.append(f"address {address} on {link['ifname']}")
    rules = node.sh("nft", "list", "ruleset")
    if f"vxha:{server}_pf" in rules:
        found.append(f"forwarding rules of {server}_pf")
    mounts = json.loads(node.sh("findmnt", "-J", "-o", "TARGET,SOURCE")).get("filesystems", [])
    targets = [m["target"] for m in _flatten(mounts) if m["target"].startswith(f"/vx/{server}/")]
    if len(targets) > 1:
        found.append(f"mounts {targets} (the storage group's own is one)")
    return found


def _flatten(tree):
    for m in tree:
        yield m
        yield from _flatten(m.get("children", []))


def run_prefix(run_dir: str) -> tuple:
    """(prefix, base directory) of the real-node run in ``run_dir``."""
    base = os.path.join(os.path.abspath(run_dir), "real")
    run = next(e for e in read_entries(os.path.join(base, "ledger.jsonl")) if e["kind"] == "run")
    return run["prefix"], base


def leftovers(prefix: str, base: str) -> list:
    """Everything of the run still on the machine: namespaces, cgroups, loop devices,
    mounts, processes, its registry entry, its directory."""
    found = []
    try:
        found += [f"netns {n}" for n in os.listdir("/run/netns") if n.startswith(prefix)]
    except FileNotFoundError:
        pass
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            own[ctrls] = path
    for mountpoint, _, _, _ in hierarchies():
        for path in set(own.values()):
            d = mountpoint + path.rstrip("/")
            try:
                found += [f"cgroup {d}/{n}" for n in os.listdir(d) if n.startswith(prefix)]
            except OSError:
                continue
    for name in os.listdir("/sys/block"):
        try:
            with open(f"/sys/block/{name}/loop/backing_file") as f:
                if f.read().startswith(base + "/"):
                    found.append(f"loop device {name}")
        except OSError:
            pass
    with open("/proc/self/mountinfo") as f:
        found += [f"mount {line.split()[4]}" for line in f if f" {base}" in line]
    me = os.getpid()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if base.encode() in f.read():
                    found.append(f"process {pid}")
        except OSError:
            pass
    if os.path.exists(os.path.join(REGISTRY, prefix)):
        found.append(f"registry entry {prefix}")
    if os.path.exists(base):
        found.append(f"directory {base}")
    return sorted(set(found))
