"""Benchmark: ``vxha validate`` on 100, 1,000 and 5,000 generated server profiles, each run
as one whole process (with the image and application profiles they use).

Target (issue 3): 1,000 servers in at most 2 s, and linear growth: the time per server,
beyond the fixed cost (process start, imports, the image profiles: ``vxha validate`` of
the images alone) is the same between sizes within 1.25x (DECISIONS.md 9).

Run alone: ``python benchmarks/bench_profiles.py [--quick]``; ``benchmarks/run.py`` calls
``run(quick)``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

from vxha.profiles import EXAMPLES

SIZES = (100, 1000, 5000)
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


def generate(root: str, count: int) -> str:
    """Write ``count`` server profiles plus the example images and cluster under ``root``."""
    shutil.copytree(os.path.join(EXAMPLES, "images"), os.path.join(root, "images"))
    shutil.copy(os.path.join(EXAMPLES, "cluster.yaml"), os.path.join(root, "cluster.yaml"))
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
            with open(os.path.join(servers, data["name"] + ".yaml"), "w") as f:
                yaml.dump(data, f, Dumper=_DUMPER, sort_keys=False)
            written += 1
        i += 1
    return root


def _time(argv: list, expect: int = 0) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != expect:
        raise RuntimeError(
            f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-2000:]}"
            f"{proc.stderr[-2000:]}"
        )
    return elapsed


def run(quick: bool = False) -> list:
    repeats = 1 if quick else 3
    sizes = SIZES[:2] if quick else SIZES
    vxha = [sys.executable, "-m", "vxha.cli.main"]
    medians = {}
    with tempfile.TemporaryDirectory(prefix="vxha-bench-profiles-") as tmp:
        # The fixed cost: process start, imports, schemas, the image and application profiles.
        root = generate(os.path.join(tmp, "0"), 0)
        startup = statistics.median(
            _time(vxha + ["validate", "-q", os.path.join(root, "images")]) for _ in range(repeats)
        )
        for n in sizes:
            root = generate(os.path.join(tmp, str(n)), n)
            argv = vxha + [
                "validate",
                "-q",
                "--cluster",
                os.path.join(root, "cluster.yaml"),
                os.path.join(root, "images"),
                os.path.join(root, "servers"),
            ]
            medians[n] = statistics.median(_time(argv) for _ in range(repeats))
    # Linear growth: the marginal cost per server between consecutive sizes stays the same.
    # (Slopes between sizes cancel the fixed cost and most of its noise.)
    slopes = {}
    prev_n, prev_ms = 0, startup
    for n in sizes:
        slopes[n] = (medians[n] - prev_ms) / (n - prev_n)
        prev_n, prev_ms = n, medians[n]
    compared = [slopes[n] for n in sizes[1:]]
    spread = max(compared) / min(compared) if len(compared) > 1 and min(compared) > 0 else 1.0
    rows = []
    for i, n in enumerate(sizes):
        since = f"since {sizes[i - 1]}" if i else "beyond the fixed cost"
        note = f"{slopes[n]:.3f} ms per added server {since}"
        if n == sizes[-1] and len(compared) > 1:
            note += f"; slopes {sizes[0]}->{sizes[1]} and on within {spread:.2f}x"
            note += " (linear)" if spread <= 1.25 else " (NOT linear within 1.25x)"
        if n == 1000:
            note += f"; {'meets' if medians[n] <= TARGET_MS else 'MISSES'} the 2 s target"
        rows.append(
            {
                "name": f"vxha validate, {n} server profiles (one process)",
                "median_ms": round(medians[n], 1),
                "baseline": "fixed cost: vxha validate of the image profiles alone",
                "baseline_ms": round(startup, 1),
                "target": "<= 2000 ms for 1,000; linear (per-server slope within 1.25x)",
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
