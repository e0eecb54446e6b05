"""Benchmark: ``vxha validate`` on 100, 1,000 and 5,000 generated server profiles, each run
as one whole process (with the image and application profiles they use).

Target (issue 3): 1,000 servers in at most 2 s, and linear growth: the time per server
beyond the fixed cost (the same command on one site of five servers: process start,
imports, the image, application and cluster profiles) is the same at every size within
1.25x (DECISIONS.md 9); and at most 0.25 CPU ms a server beyond it, half of the generator's
budget (DECISIONS.md 8). Rows give the wall-clock median; linearity and the budget are
judged on CPU time, which other jobs on a busy machine disturb least.

Run alone: ``python benchmarks/bench_profiles.py [--quick]``; ``benchmarks/run.py`` calls
``run(quick)``.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

from vxha.profiles import EXAMPLES

SIZES = (100, 1000, 5000)
FIXED = 5
# DECISIONS.md 8: validating profiles takes at most half of the generator's budget, whose
# marginal cost is 0.5 ms a server (bench_generator.py).
TARGET_PER_SERVER_MS = 0.25
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TARGET_MS = 2000.0


def _servers(i: int) -> list:
    """Five servers forming one site: auth + master, media, db + dedup engine."""
    a, b = divmod(i, 50)
    base = 1 + 5 * b  # 10.200.a.(1..250)/16, five per site
    ip = lambda k: f"10.{200 + a // 256}.{a % 256}.{base + k}/16"  # noqa: E731
    sfx = f"{i:05d}"
    return [
        {
            "schema": "1.0.0",
            "kind": "server",
            "name": f"auth{sfx}",
            "image": "authsvc",
            "image_version": "3.4",
            "application": "service",
            "hostname": f"auth{sfx}.bench.example",
            "address": ip(0),
            "mounts": [
                {"name": "config", "diskgroup": f"a{sfx}dg", "volume": "config"},
                {"name": "data", "diskgroup": f"a{sfx}dg", "volume": "data"},
            ],
        },
        {
            "schema": "1.0.0",
            "kind": "server",
            "name": f"master{sfx}",
            "image": "nbu",
            "image_version": "10.3",
            "application": "master",
            "hostname": f"master{sfx}.bench.example",
            "address": ip(1),
            "priority": 1,
            "load": {"cpus": 4, "memory": "16GiB"},
            "mounts": [
                {"name": "config", "diskgroup": f"m{sfx}dg", "volume": "config"},
                {"name": "log", "diskgroup": f"m{sfx}dg", "volume": "log"},
            ],
            "inputs": {"site_name": f"site{sfx}"},
            "dependencies": {"authsvc": f"auth{sfx}"},
        },
        {
            "schema": "1.0.0",
            "kind": "server",
            "name": f"media{sfx}",
            "image": "nbu",
            "image_version": "10.3",
            "application": "media-net",
            "hostname": f"media{sfx}.bench.example",
            "address": ip(2),
            "systems": ["n1", "n2"],
            "mounts": [
                {"name": "config", "diskgroup": f"e{sfx}dg", "volume": "config"},
                {"name": "data", "diskgroup": f"e{sfx}dg", "volume": "data"},
                {"name": "log", "diskgroup": f"e{sfx}dg", "volume": "log"},
            ],
            "inputs": {"master_server": f"master{sfx}.bench.example"},
        },
        {
            "schema": "1.0.0",
            "kind": "server",
            "name": f"db{sfx}",
            "image": "mariadb",
            "image_version": "10.11",
            "application": "database",
            "hostname": f"db{sfx}.bench.example",
            "address": ip(3),
            "exclusive_storage": True,
            "mounts": [
                {"name": n, "diskgroup": f"d{sfx}dg", "volume": n}
                for n in ("config", "data", "log")
            ],
        },
        {
            "schema": "1.0.0",
            "kind": "server",
            "name": f"dedup{sfx}",
            "image": "dedup",
            "image_version": "2.1",
            "application": "disk",
            "hostname": f"dedup{sfx}.bench.example",
            "address": ip(4),
            "mounts": [
                {"name": n, "diskgroup": f"x{sfx}dg", "volume": n}
                for n in ("config", "data", "log")
            ],
            "dependencies": {"mariadb": f"db{sfx}"},
        },
    ]


def cluster_profile(systems: int, cpus: int, memory: str, images: list) -> dict:
    """A benchmark cluster: ``systems`` alike systems n1.. holding ``images``."""
    return {
        "schema": "1.0.0",
        "kind": "cluster",
        "name": "bench",
        "systems": [
            {
                "name": f"n{i}",
                "cpus": cpus,
                "memory": memory,
                "nic": "eth0",
                "schema_version": "1.1.0",
                "images": images,
            }
            for i in range(1, systems + 1)
        ],
    }


def generate(root: str, count: int, cluster=None, site_systems=None) -> str:
    """Write ``count`` server profiles plus the example images and a cluster under ``root``.

    ``cluster``: a cluster profile (default: the example's); ``site_systems(i)``: the
    systems the five servers of site ``i`` may run on (default: not set)."""
    shutil.copytree(os.path.join(EXAMPLES, "images"), os.path.join(root, "images"))
    if cluster is None:
        shutil.copy(os.path.join(EXAMPLES, "cluster.yaml"), os.path.join(root, "cluster.yaml"))
    else:
        with open(os.path.join(root, "cluster.yaml"), "w") as f:
            yaml.safe_dump(cluster, f, sort_keys=False)
    # The examples cap instances per image; a benchmark cluster needs thousands.
    for image in ("nbu", "dedup", "authsvc", "mariadb"):
        folder = os.path.join(root, "images", image)
        for name in os.listdir(folder):
            if name.endswith(".yaml"):
                path = os.path.join(folder, name)
                with open(path) as f:
                    data = yaml.safe_load(f)
                data.setdefault("instances", {})["servers"] = 100_000
                with open(path, "w") as f:
                    yaml.safe_dump(data, f, sort_keys=False)
    servers = os.path.join(root, "servers")
    os.makedirs(servers)
    written = 0
    i = 0
    while written < count:
        for data in _servers(i):
            if written == count:
                break
            if site_systems is not None:
                data["systems"] = site_systems(i)
            with open(os.path.join(servers, data["name"] + ".yaml"), "w") as f:
                yaml.dump(data, f, Dumper=_DUMPER, sort_keys=False)
            written += 1
        i += 1
    return root


# As installed: an installed vxha runs from compiled bytecode, so the commands may write
# and read theirs (a shell that forbids it would charge every run with compiling vxha).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(argv: list) -> tuple:
    """(wall ms, CPU ms) of one process; CPU time is what other jobs on the machine
    disturb least, so linearity is judged on it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=ENV)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-2000:]}"
            f"{proc.stderr[-2000:]}"
        )
    return wall, cpu


def _measure(argv: list, repeats: int) -> tuple:
    runs = [_time(argv) for _ in range(repeats)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def run(quick: bool = False) -> list:
    repeats = 1 if quick else 5
    sizes = SIZES[:2] if quick else SIZES
    vxha = [sys.executable, "-m", "vxha.cli.main"]
    wall, cpu = {}, {}
    with tempfile.TemporaryDirectory(prefix="vxha-bench-profiles-") as tmp:
        # The fixed cost: the same command on one site (five servers, one of each kind, so
        # every code path has run once: process start, imports, schemas, the image,
        # application and cluster profiles).
        for n in (FIXED,) + sizes:
            root = generate(os.path.join(tmp, str(n)), n)
            argv = vxha + [
                "validate",
                "-q",
                "--cluster",
                os.path.join(root, "cluster.yaml"),
                os.path.join(root, "images"),
                os.path.join(root, "servers"),
            ]
            wall[n], cpu[n] = _measure(argv, repeats)
    # Linear growth: the CPU cost per server beyond the fixed cost is the same at every size.
    per = {n: (cpu[n] - cpu[FIXED]) / (n - FIXED) for n in sizes}
    spread = max(per.values()) / min(per.values()) if min(per.values()) > 0 else float("inf")
    rows = []
    for n in sizes:
        met = "met" if per[n] <= TARGET_PER_SERVER_MS else "MISSED"
        note = (
            f"CPU {cpu[n]:.0f} ms, {per[n]:.3f} CPU ms per server beyond the fixed cost "
            f"(budget {TARGET_PER_SERVER_MS} ms: {met}); load average {os.getloadavg()[0]:.1f}"
        )
        if n == sizes[-1]:
            note += f"; per-server cost within {spread:.2f}x across sizes"
            note += " (linear)" if spread <= 1.25 else " (NOT linear within 1.25x)"
        if n == 1000:
            note += f"; {'meets' if wall[n] <= TARGET_MS else 'MISSES'} the 2 s target"
        rows.append(
            {
                "name": f"vxha validate, {n} server profiles (one process)",
                "median_ms": round(wall[n], 1),
                "cpu_ms": round(cpu[n], 1),
                "baseline": f"fixed cost: the same command on {FIXED} servers (one site)",
                "baseline_ms": round(wall[FIXED], 1),
                "target": "<= 2000 ms for 1,000; <= 0.25 CPU ms a server beyond the fixed "
                "cost; linear (per-server slope within 1.25x)",
                "note": note,
            }
        )
    return rows


def main(argv: list) -> int:
    rows = run("--quick" in argv)
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(
            f"{r['name']:<{width}}  {r['median_ms']:>9.1f} ms  (fixed {r['baseline_ms']} ms)"
            f"  {r['note']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
