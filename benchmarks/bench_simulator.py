"""Simulator benchmark (DECISIONS.md 9): 32 systems, N servers with a SystemList of 4
systems each (a parallel storage group and a failover group per server, as DECISIONS.md 3
lays them out), start-up probing, autostart and one system crash with its failovers.

In-process for 100 and 1,000 servers (cost per group must stay within 1.25x), and process
mode (real launchers, one process per entry point) for 10 servers.

    .venv/bin/python benchmarks/bench_simulator.py [--quick]
"""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import sys
import tempfile
import time

TARGET_S = 5.0


def make_config(servers, systems=32, span=4, vxha_types=False):
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


def scenario(servers, mode="inprocess", vxha_types=False, systems=32, fast=True):
    """Start, settle, crash n01, settle: (wall s, cpu s, failover groups online, sim)."""
    from vxha.simulator.api import Simulator
    from vxha.simulator.runners import InProcessRunner

    run_dir = _run_dir()
    try:
        cfg = make_config(servers, systems=systems, vxha_types=vxha_types)
        t0, c0 = time.perf_counter(), time.process_time()
        sim = Simulator(cfg, run_dir, mode=mode)
        if mode == "inprocess" and not fast:
            sim.engine.runner = InProcessRunner(sim.run_dir, fast=False)
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


def _measure(servers, repeat, **kw):
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()  # what earlier runs left must not be collected during this one
        wall, cpu, online, sim = scenario(servers, **kw)
        walls.append(wall)
        cpus.append(cpu)
    groups = sum(1 for g in sim.engine.groups.values() if not g.parallel)
    framework = sorted(t.name for t in sim.engine.types.values() if t.agent == "framework")
    note = (
        f"{online}/{groups} failover groups online after the crash; "
        f"framework agents: {', '.join(framework)}; CVM types: stand-in"
    )
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, note


def _row(name, ms, cpu, target, note, baseline=None, baseline_ms=None):
    return {
        "name": name,
        "median_ms": round(ms, 1),
        "cpu_ms": round(cpu, 1),
        "baseline": baseline,
        "baseline_ms": None if baseline_ms is None else round(baseline_ms, 1),
        "target": target,
        "note": note,
    }


def run(quick=False):
    """Rows for make bench (median of 3 runs, 1 with --quick)."""
    repeat = 1 if quick else 3
    rows = []
    big, big_cpu, note = _measure(1000, repeat)
    rows.append(
        _row(
            "simulator: 32 systems, 1,000 servers (2,000 groups), start + crash, in-process",
            big,
            big_cpu,
            f"<= {TARGET_S * 1000:.0f} ms",
            note,
        )
    )
    small, small_cpu, note = _measure(100, repeat)
    rows.append(
        _row(
            "simulator: 32 systems, 100 servers, start + crash, in-process (x10 per server)",
            small * 10,
            small_cpu * 10,
            "within 1.25x of the 1,000-server run (cost per group constant)",
            f"measured {small:.0f} ms, shown x10 to compare per server; CPU per server "
            f"1,000 vs 100: {big_cpu / (small_cpu * 10):.2f}x; " + note,
            "1,000 servers",
            big,
        )
    )
    if not quick:
        slow, slow_cpu, note = _measure(1000, 1, fast=False)
        rows.append(
            _row(
                "simulator: 1,000 servers, framework execute() with argv on every call",
                slow,
                slow_cpu,
                "report only (the in-process fast path's gain)",
                note,
                "fast path (argv parsed once)",
                big,
            )
        )
        real, real_cpu, note = _measure(100, 1, vxha_types=True)
        rows.append(
            _row(
                "simulator: 100 servers with vxha's agents on their fakes, in-process",
                real,
                real_cpu,
                "report only",
                "the extra cost is the agents' own work and the fakes' JSON state; " + note,
                "Dummy agent, 100 servers",
                small,
            )
        )
    proc, proc_cpu, note = _measure(10, 1, mode="process", systems=4, vxha_types=True)
    rows.append(
        _row(
            "simulator: 4 systems, 10 servers, start + crash, process mode (launchers)",
            proc,
            proc_cpu,
            "report only (cost of real launchers)",
            note + "; CPU is the simulator's own, not the launchers'",
        )
    )
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
