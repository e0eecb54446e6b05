"""Simulator benchmark (DECISIONS.md 9): 32 systems, N servers with a SystemList of 4
systems each (a parallel storage group and a failover group per server, as DECISIONS.md 3
lays them out), start-up probing, autostart and one system crash with its failovers.

In-process for 100 and 1,000 servers (cost per group must stay within 1.25x), and process
mode (real launchers, one process per entry point) for 10 servers.

    .venv/bin/python benchmarks/bench_simulator.py [--quick]
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time

TARGET_S = 5.0


def make_config(servers, systems=32, span=4, vxha_types=True):
    """A main.cf model shaped like the generator's output."""
    from vxha.vcs_types.model import (
        Cluster,
        Config,
        Group,
        GroupDep,
        Resource,
        ResourceLink,
        System,
    )

    names = [f"n{i + 1:02d}" for i in range(systems)]
    cfg = Config(
        includes=["types.cf", "CVMTypes.cf", "CFSTypes.cf"],
        cluster=Cluster("bench", {}),
        systems=[System(n, {"Capacity": 100}) for n in names],
    )
    all_sl = {n: i for i, n in enumerate(names)}
    cvm = Group(
        "cvm",
        {"SystemList": all_sl, "AutoStartList": list(names), "Parallel": 1, "AutoFailOver": 0},
    )
    cvm.resources = [
        Resource("CVMVxconfigd", "cvm_vxconfigd"),
        Resource("CVMCluster", "cvm_clus", {"CVMClustName": "bench"}),
        Resource("CFSfsckd", "vxfsckd"),
    ]
    cvm.links = [ResourceLink("cvm_clus", "cvm_vxconfigd"), ResourceLink("vxfsckd", "cvm_clus")]
    cfg.groups.append(cvm)
    ctr, ip, pf = ("Container", "HostIP", "PortForward") if vxha_types else ("Dummy",) * 3
    for k in range(servers):
        srv = f"s{k:04d}"
        sl_names = [names[(k + j) % systems] for j in range(span)]
        sl = {n: j for j, n in enumerate(sl_names)}
        storage = Group(
            f"{srv}_storage", {"SystemList": sl, "AutoStartList": sl_names, "Parallel": 1}
        )
        mount = f"/vx/{srv}/data"
        dev = f"/dev/vx/dsk/{srv}dg/datavol"
        storage.resources = [
            Resource("CVMVolDg", f"{srv}_dg_{srv}dg", {"CVMDiskGroup": f"{srv}dg"}),
            Resource(
                "CFSMount" if vxha_types else "Dummy",
                f"{srv}_mnt_data",
                {"MountPoint": mount, "BlockDevice": dev} if vxha_types else {},
            ),
        ]
        storage.links = [ResourceLink(f"{srv}_mnt_data", f"{srv}_dg_{srv}dg")]
        storage.deps = [GroupDep("cvm", "online", "local", "firm")]
        cfg.groups.append(storage)
        grp = Group(
            srv,
            {"SystemList": sl, "AutoStartList": [sl_names[0]], "Priority": 1 + k % 4},
        )
        address = f"10.{k // 250}.{k % 250}.10"
        if vxha_types:
            attrs = (
                {"Name": srv, "Image": "app:1.0", "Mounts": {mount: "/data"}},
                {"Device": "eth0", "Address": address},
                {"Address": address, "Container": srv, "Ports": {"80": "8080"}},
            )
        else:
            attrs = ({}, {}, {})
        grp.resources = [
            Resource(ip, f"{srv}_ip", attrs[1]),
            Resource(ctr, f"{srv}_ctr", attrs[0]),
            Resource(pf, f"{srv}_pf", attrs[2]),
        ]
        grp.links = [
            ResourceLink(f"{srv}_pf", f"{srv}_ctr"),
            ResourceLink(f"{srv}_pf", f"{srv}_ip"),
        ]
        grp.deps = [GroupDep(f"{srv}_storage", "online", "local", "firm")]
        cfg.groups.append(grp)
    return cfg


def _run_dir():
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return tempfile.mkdtemp(prefix="vxha-bench-", dir=base)


def scenario(servers, mode="inprocess", vxha_types=True, systems=32):
    """Start, settle, crash n01, settle: (wall s, cpu s, entry-point calls, sim)."""
    from vxha.simulator.api import Simulator

    run_dir = _run_dir()
    try:
        cfg = make_config(servers, systems=systems, vxha_types=vxha_types)
        t0, c0 = time.perf_counter(), time.process_time()
        sim = Simulator(cfg, run_dir, mode=mode)
        sim.start()
        sim.settle(3600)
        sim.event("crash", system="n01")
        sim.settle(3600)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        states = sim.states()
        online = sum(
            1
            for g in sim.engine.groups.values()
            if not g.parallel and "ONLINE" in states[g.name].values()
        )
        return wall, cpu, online, sim
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _measure(servers, repeat, mode="inprocess", vxha_types=True, systems=32):
    walls, cpus, note = [], [], ""
    for _ in range(repeat):
        wall, cpu, online, sim = scenario(servers, mode, vxha_types, systems)
        walls.append(wall)
        cpus.append(cpu)
        stand_ins = sorted(t.name for t in sim.engine.types.values() if t.agent == "standin")
        note = (
            f"{servers} servers, {online} failover groups online after the crash; "
            f"stand-in agent: {', '.join(stand_ins)}"
        )
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, note


def run(quick=False):
    repeat = 1 if quick else 3
    rows = []
    big_ms, big_cpu, note = _measure(1000, repeat)
    rows.append(
        {
            "name": "simulator: 32 systems, 1,000 servers (2,000 groups), start+crash, in-process",
            "median_ms": round(big_ms, 1),
            "cpu_ms": round(big_cpu, 1),
            "baseline": None,
            "baseline_ms": None,
            "target": f"<= {TARGET_S * 1000:.0f} ms",
            "note": note,
        }
    )
    small_ms, small_cpu, note = _measure(100, repeat)
    ratio = (big_ms / 1000) / (small_ms / 100)
    rows.append(
        {
            "name": "simulator: 32 systems, 100 servers, start + crash, in-process",
            "median_ms": round(small_ms, 1),
            "cpu_ms": round(small_cpu, 1),
            "baseline": "per-server cost at 1,000 servers",
            "baseline_ms": round(big_ms / 10, 1),
            "target": f"per-server cost within 1.25x (ratio 1,000/100: {ratio:.2f})",
            "note": note,
        }
    )
    proc_ms, proc_cpu, note = _measure(10, 1, mode="process", systems=4)
    rows.append(
        {
            "name": "simulator: 4 systems, 10 servers, start + crash, process mode (launchers)",
            "median_ms": round(proc_ms, 1),
            "cpu_ms": round(proc_cpu, 1),
            "baseline": None,
            "baseline_ms": None,
            "target": "report only (cost of real launchers)",
            "note": note,
        }
    )
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
