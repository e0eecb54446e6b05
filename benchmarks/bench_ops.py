"""Benchmark: the operations commands against ``vxha sim serve`` through the ha* shims, on
clusters of 10 and 200 servers (8 systems; every server's SystemList holds 4).

- ``vxha maintenance list`` and ``vxha inventory``;
- ``vxha apply`` changing one server among all (its Priority, back and forth: a plan of one
  ``hagrp -modify`` inside its configuration session), with the parsed configurations
  remembered from earlier runs (the files have been read before) and without (both
  main.cf files parsed: the first apply of a newly generated configuration).

Each is a whole process; median of the runs. Target (issue 14): each at most 1 s at 200
servers, and at most 2x its own 10-server figure (the baseline of each row).

Run alone: ``python benchmarks/bench_ops.py [--quick]``; ``benchmarks/run.py`` calls
``run(quick)``.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from bench_profiles import cluster_profile as bench_cluster  # noqa: E402
from bench_profiles import generate  # noqa: E402 - sites of five related servers

SIZES = (10, 200)
SYSTEMS = 8
PER_SERVER = 4
TARGET_MS = 1000.0
IMAGES = ["nbu:10.3", "dedup:2.1", "authsvc:3.4", "mariadb:10.11"]


def cluster_profile() -> dict:
    return bench_cluster(SYSTEMS, 256, "4096GiB", IMAGES)


def _vxha():
    return [sys.executable, "-m", "vxha.cli.main"]


def _check(argv, env=None, timeout=600, codes=(0,)):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode not in codes:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stdout


class Served:
    """A generated cluster of ``n`` servers served by the simulator, its shims on PATH."""

    def __init__(self, root: str, n: int):
        from vxha.simulator.shims import install_shims

        def site_systems(site):
            first = (site * PER_SERVER) % SYSTEMS
            return [f"n{(first + k) % SYSTEMS + 1}" for k in range(PER_SERVER)]

        generate(root, n, cluster_profile(), site_systems)
        self.root = root
        self.main_cf = os.path.join(root, "main.cf")
        _check(
            _vxha()
            + ["generate", "--cluster", os.path.join(root, "cluster.yaml"),
               os.path.join(root, "servers"), "--images", os.path.join(root, "images"),
               "-o", self.main_cf]
        )  # fmt: skip
        with open(self.main_cf) as f:
            text = f.read()
        # The changed configuration: one server's Priority, the first group that has one.
        m = re.search(r"(group (\w+) \(\n(?:\t[^\n]*\n)*?\tPriority = )(\d)", text)
        self.changed = os.path.join(root, "changed.cf")
        with open(self.changed, "w") as f:
            f.write(text[: m.start(3)] + ("2" if m.group(3) != "2" else "3") + text[m.end(3) :])
        bin_dir = os.path.join(root, "bin")
        install_shims(bin_dir, sys.executable)
        run_dir = os.path.join(root, "run")
        self.env = dict(
            os.environ,
            PATH=f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            VXHA_SIM_SOCKET=os.path.join(root, "sim.sock"),
            VXHA_CONFIG_DIR=os.path.join(run_dir, "conf"),
            VXHA_STATE_DIR=os.path.join(root, "state"),
            VXHA_POLL="0.05",
        )
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            # Not started: the commands read configuration and states the same way, and
            # probing 200 servers' resources would time the simulator, not vxha.
            _vxha() + ["sim", "serve", self.main_cf, "--run-dir", run_dir, "--no-start"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        end = time.monotonic() + 300
        while not os.path.exists(self.env["VXHA_SIM_SOCKET"]):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError("vxha sim serve did not start")
            time.sleep(0.1)
        self.flip = False

    def time(self, argv, codes=(0,)) -> tuple:
        """(wall ms, CPU ms) of one vxha process (exiting with one of ``codes``)."""
        before = os.times()
        start = time.perf_counter()
        _check(_vxha() + argv, self.env, codes=codes)
        wall = (time.perf_counter() - start) * 1000
        after = os.times()
        cpu = (after.children_user + after.children_system) - (
            before.children_user + before.children_system
        )
        return wall, cpu * 1000

    def apply_one(self, cold=False) -> tuple:
        """apply, changing one server: the changed configuration and back, in turn;
        ``cold``: with no parsed configuration remembered (both main.cf files parsed)."""
        if cold:
            shutil.rmtree(os.path.join(self.env["VXHA_STATE_DIR"], "parsed"), True)
        self.flip = not self.flip
        return self.time(["apply", self.changed if self.flip else self.main_cf, "--yes"])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


COMMANDS = {
    "vxha maintenance list": lambda s: s.time(["maintenance", "list"]),
    "vxha inventory": lambda s: s.time(["inventory"]),
    "vxha apply changing one server": lambda s: s.apply_one(),
    "vxha apply changing one server, nothing remembered": lambda s: s.apply_one(cold=True),
}


def run(quick: bool = False) -> list:
    return measure(COMMANDS, quick)


def measure(commands: dict, quick: bool) -> list:
    """Rows of ``commands`` (name -> measure(Served)), each at both sizes."""
    repeats = 3 if quick else 15
    results = {}
    with tempfile.TemporaryDirectory(prefix="vxha-bench-ops-") as tmp:
        for n in SIZES:
            served = None
            try:
                served = Served(os.path.join(tmp, str(n)), n)
                for name, once in commands.items():
                    once(served)  # warm-up
                    runs = [once(served) for _ in range(repeats)]
                    results[(name, n)] = (
                        statistics.median(w for w, _ in runs),
                        statistics.median(c for _, c in runs),
                    )
            finally:
                if served is not None:
                    served.stop()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    rows = []
    for name in commands:
        small, big = results[(name, SIZES[0])], results[(name, SIZES[1])]
        ratio = big[0] / small[0]
        ok = big[0] <= TARGET_MS and ratio <= 2.0
        rows.append(
            {
                "name": f"{name}, {SIZES[1]} servers (shims)",
                "median_ms": round(big[0], 1),
                "cpu_ms": round(big[1], 1),
                "baseline": f"the same, {SIZES[0]} servers",
                "baseline_ms": round(small[0], 1),
                "target": "<= 1000 ms and <= 2x the 10-server figure",
                "note": f"{'met' if ok else 'MISSED'} ({ratio:.2f}x); CPU {big[1]:.0f} ms at "
                f"{SIZES[1]}, {small[1]:.0f} ms at {SIZES[0]}; {repeats} runs; "
                f"load average {load:.1f}",
            }
        )
    return rows


def main(argv: list) -> int:
    for r in run("--quick" in argv):
        print(
            f"{r['name']}: {r['median_ms']:.1f} ms (CPU {r['cpu_ms']:.1f} ms); "
            f"{r['baseline']}: {r['baseline_ms']:.1f} ms  {r['note']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
