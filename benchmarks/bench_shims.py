"""Bulk reads through the simulator's shims (DECISIONS.md 10: the operations client reads
the live cluster with -display, never one process per group): hagrp -display, hares
-display, hastatus -sum at 10 and 200 servers (8 systems, SystemLists of 4, the
simulator benchmark's shape), each a whole shim process and one daemon round trip. The
baseline is what the bulk read replaces: one ``hagrp -state G`` process per group.

    .venv/bin/python benchmarks/bench_shims.py [--quick]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from bench_simulator import make_config
from common import row, time_process

TARGET_MS = 1000.0
READS = (
    ("hagrp", "-display"),
    ("hagrp", "-display", "-attribute", "State", "Enabled", "Frozen", "TFrozen", "UserStrGlobal"),
    ("hares", "-display"),
    ("hastatus", "-sum"),
)


class Served:
    """A settled simulator of ``servers`` behind a daemon, with the shims installed."""

    def __init__(self, servers):
        from vxha.simulator.api import Simulator
        from vxha.simulator.daemon import Daemon
        from vxha.simulator.shims import install_shims

        base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.dir = tempfile.mkdtemp(prefix="vxha-bench-shims-", dir=base)
        self.sim = Simulator(make_config(servers, systems=8), self.dir).start()
        self.sim.settle()
        sock = os.path.join(self.dir, "sim.sock")
        self.daemon = Daemon(self.sim, sock).start_thread()
        self.bin = os.path.join(self.dir, "bin")
        install_shims(self.bin)
        self.env = dict(os.environ, VXHA_SIM_SOCKET=sock)

    def time(self, argv, runs):
        return time_process(
            [os.path.join(self.bin, argv[0]), *argv[1:]], runs=runs, env=self.env, ok_codes=(0,)
        )

    def close(self):
        self.daemon.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(quick=False):
    runs = 3 if quick else 15
    rows = []
    small, big = Served(10), Served(200)
    try:
        groups = [g for g in small.sim.engine.groups]
        per_group = sum(small.time(["hagrp", "-state", g], max(2, runs // 5))[0] for g in groups)
        for argv in READS:
            ms10, _ = small.time(argv, runs)
            ms200, cpu200 = big.time(argv, runs)
            rows.append(
                row(
                    f"shims: {' '.join(argv)} at 200 servers (401 groups)",
                    ms200,
                    cpu200,
                    f"one hagrp -state per group, 10 servers ({len(groups)} processes)",
                    per_group,
                    f"<= {TARGET_MS:.0f} ms",
                    f"10 servers: {ms10:.0f} ms, 200 vs 10: {ms200 / ms10:.2f}x",
                )
            )
    finally:
        small.close()
        big.close()
    return rows


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    for r in run("--quick" in sys.argv):
        print(r)
