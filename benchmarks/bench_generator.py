"""Benchmark: ``vxha generate`` then ``vxha verify`` for 100, 1,000 and 5,000 servers, each
a whole process, on a 32-system cluster where every server's SystemList holds 4 systems
(DECISIONS.md 9). Generation includes loading and validating the profiles.

Targets: 1,000 servers in at most 2 s (generate + verify; the generator issue), and the
marginal cost per server beyond the 1-server run at most 0.5 ms, linear within 1.25x from
100 to 5,000 servers (the configuration issue).

Run alone: ``python benchmarks/bench_generator.py [--quick]``; ``benchmarks/run.py`` calls
``run(quick)``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from bench_profiles import ENV as _ENV  # noqa: E402
from bench_profiles import cluster_profile as bench_cluster  # noqa: E402
from bench_profiles import generate  # noqa: E402 - sites of five related servers

SIZES = (100, 1000, 5000)
SYSTEMS = 32
PER_SERVER = 4
TARGET_MS = 2000.0
TARGET_PER_SERVER_MS = 0.5
IMAGES = ["nbu:10.3", "dedup:2.1", "authsvc:3.4", "mariadb:10.11"]


def cluster_profile() -> dict:
    return bench_cluster(SYSTEMS, 64, "256GiB", IMAGES)


def write_profiles(root: str, count: int) -> str:
    """``count`` server profiles (sites of five related servers) plus images and cluster;
    a site's servers share their 4 systems, so local relationships can be met."""

    def site_systems(site):
        first = (site * PER_SERVER) % SYSTEMS
        return [f"n{first + k + 1}" for k in range(PER_SERVER)]

    return generate(root, count, cluster_profile(), site_systems)


def _time(argv: list) -> tuple:
    """(wall ms, CPU ms) of one process; RuntimeError when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_ENV
    )
    try:
        out, err = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    wall = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{err.decode()[-3000:]}")
    return wall, _child_cpu_ms()


_LAST_CPU = [0.0]


def _child_cpu_ms() -> float:
    import resource

    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (u.ru_utime + u.ru_stime) * 1000
    delta, _LAST_CPU[0] = total - _LAST_CPU[0], total
    return delta


def measure(root: str, vxha: list) -> tuple:
    """(wall ms, CPU ms, generate ms, verify ms, generate CPU ms, verify CPU ms) of generate
    then verify."""
    out = os.path.join(root, "main.cf")
    gen = vxha + [
        "generate",
        "--cluster",
        os.path.join(root, "cluster.yaml"),
        os.path.join(root, "servers"),
        "--images",
        os.path.join(root, "images"),
        "-o",
        out,
    ]
    g_wall, g_cpu = _time(gen)
    v_wall, v_cpu = _time(vxha + ["verify", out])
    return g_wall + v_wall, g_cpu + v_cpu, g_wall, v_wall, g_cpu, v_cpu


def repeats_for(n: int, quick: bool) -> int:
    """Runs per size: the small sizes' cost per server is a difference of two similar
    start-up times, so they take more runs for a stable median."""
    if quick:
        return 1
    return 9 if n <= 100 else 3


def run(quick: bool = False) -> list:
    sizes = SIZES[:2] if quick else SIZES
    vxha = [sys.executable, "-m", "vxha.cli.main"]
    _child_cpu_ms()
    results = {}
    with tempfile.TemporaryDirectory(prefix="vxha-bench-generator-") as tmp:
        for n in (1,) + sizes:
            root = write_profiles(os.path.join(tmp, str(n)), n)
            runs = [measure(root, vxha) for _ in range(repeats_for(n, quick))]
            results[n] = [statistics.median(col) for col in zip(*runs)]
    # The fixed cost (two interpreters, imports, template compilation) is the 1-server run;
    # linear means the cost per server beyond it stays within 1.25x across the sizes.
    base_wall, base_cpu = results[1][0], results[1][1]
    per = {n: (results[n][0] - base_wall) / n for n in sizes}
    per_cpu = {n: (results[n][1] - base_cpu) / n for n in sizes}
    spread = max(per.values()) / min(per.values())
    spread_cpu = max(per_cpu.values()) / min(per_cpu.values())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    rows = []
    # each command's own share, beside the issue's: generate at most 0.3 ms a server, the
    # rest is verify's (parse and rules)
    per_gen = {n: (results[n][4] - results[1][4]) / n for n in sizes}
    per_verify = {n: (results[n][5] - results[1][5]) / n for n in sizes}
    for n in sizes:
        wall, cpu, g, v = results[n][:4]
        met = "met" if per[n] <= TARGET_PER_SERVER_MS else "MISSED"
        met_cpu = "met" if per_cpu[n] <= TARGET_PER_SERVER_MS else "MISSED"
        note = (
            f"generate {g:.0f} ms + verify {v:.0f} ms; per server beyond the 1-server run "
            f"{per[n]:.3f} ms wall ({met}), {per_cpu[n]:.3f} ms CPU ({met_cpu}); spread "
            "across sizes "
            f"{spread:.2f}x wall, {spread_cpu:.2f}x CPU (target 1.25x); CPU per server: "
            f"generate {per_gen[n]:.3f} ms, verify {per_verify[n]:.3f} ms; "
            f"load average {load:.1f}"
        )
        if n == 1000:
            note += (
                f"; 2 s target: {'met' if wall <= TARGET_MS else 'MISSED'} (wall), "
                f"{'met' if cpu <= TARGET_MS else 'MISSED'} (CPU)"
            )
        rows.append(
            {
                "name": f"vxha generate + vxha verify, {n} servers, {SYSTEMS} systems",
                "median_ms": round(wall, 1),
                "cpu_ms": round(cpu, 1),
                "baseline": "the same for 1 server (start-up, imports, templates)",
                "baseline_ms": round(base_wall, 1),
                "target": "<= 2000 ms for 1,000 incl. profiles; <= 0.5 ms a server beyond "
                "1 server, linear within 1.25x",
                "note": note,
            }
        )
    return rows


def main(argv: list) -> int:
    for r in run("--quick" in argv):
        print(f"{r['name']}: {r['median_ms']:.1f} ms (CPU {r['cpu_ms']:.1f} ms)  {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
