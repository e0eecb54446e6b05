"""Timing whole processes: wall and CPU (user + system of the child) medians."""

from __future__ import annotations

import os
import statistics
import subprocess
import time


def time_process(argv, runs=30, env=None, warmup=2, ok_codes=None, timeout=60):
    """Median wall and CPU milliseconds of running ``argv`` as a process ``runs`` times."""
    walls, cpus = [], []
    for i in range(warmup + runs):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            raise
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if ok_codes is not None and proc.returncode not in ok_codes:
            raise RuntimeError(f"{argv[0]} exited {proc.returncode}, expected {ok_codes}")
        if i >= warmup:
            walls.append(wall * 1000)
            cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def row(name, median_ms, cpu_ms=None, baseline=None, baseline_ms=None, target="", note=""):
    return {
        "name": name,
        "median_ms": median_ms,
        "cpu_ms": cpu_ms,
        "baseline": baseline,
        "baseline_ms": baseline_ms,
        "target": target,
        "note": note,
    }
