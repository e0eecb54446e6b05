"""Timing whole processes: wall and CPU (user + system of the child) medians."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time

# The interpreter the packages bind their launchers to (packaging/build.py, DEFAULT_PYTHON):
# what a node runs. The bench venv's may be another build (a pyenv one without PGO/LTO and
# with a shared libpython starts about 40% slower), so HostIP and the no-op monitor are timed
# on both.
PACKAGED_PYTHON = "/usr/bin/python3"


def _once(argv, env, ok_codes, timeout):
    """(wall ms, CPU ms) of one run of ``argv``."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        raise
    finally:
        watchdog.cancel()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if ok_codes is not None and code not in ok_codes:
        raise RuntimeError(f"{argv[0]} exited {code}, expected {ok_codes}")
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def time_process(argv, runs=30, env=None, warmup=2, ok_codes=None, timeout=60):
    """Median wall and CPU milliseconds of running ``argv`` as a process ``runs`` times."""
    walls, cpus = [], []
    for i in range(warmup + runs):
        wall, cpu = _once(argv, env, ok_codes, timeout)
        if i >= warmup:
            walls.append(wall)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


class Case:
    """One process to time: its argv, environment and the exit codes that mean success."""

    __slots__ = ("argv", "env", "ok_codes")

    def __init__(self, argv, env=None, ok_codes=None):
        self.argv = list(argv)
        self.env = env
        self.ok_codes = ok_codes


class Chain:
    """Processes run one after the other as one sample (``vxha generate`` then ``vxha
    verify``): their times add. ``steps`` keeps each run's (wall ms, CPU ms) per step."""

    __slots__ = ("cases", "steps")

    def __init__(self, cases):
        self.cases = list(cases)
        self.steps = [[] for _ in self.cases]


def _sample(case, timeout):
    """(wall ms, CPU ms) of one run of a Case, or of a Chain's processes together."""
    if not isinstance(case, Chain):
        return _once(case.argv, case.env, case.ok_codes, timeout)
    wall = cpu = 0.0
    for step, one in zip(case.steps, case.cases):
        times = _once(one.argv, one.env, one.ok_codes, timeout)
        step.append(times)
        wall += times[0]
        cpu += times[1]
    return wall, cpu


def interleaved(cases: dict, runs=30, warmup=2, timeout=60) -> dict:
    """{name: (median wall ms, median CPU ms)} of each Case, run in turn (A B A B ...)
    so that drift in the machine's load hits every case alike."""
    walls = {name: [] for name in cases}
    cpus = {name: [] for name in cases}
    for i in range(warmup + runs):
        for name, case in cases.items():
            wall, cpu = _once(case.argv, case.env, case.ok_codes, timeout)
            if i >= warmup:
                walls[name].append(wall)
                cpus[name].append(cpu)
    return {n: (statistics.median(walls[n]), statistics.median(cpus[n])) for n in cases}


def paired_excess(base: Case, cases: dict, rounds: int, pairs=None, warmup=1, timeout=60):
    """{name: (median wall ms, median CPU ms)} of each Case's (or Chain's) excess over ``base``.

    Each run of a case follows a run of ``base`` (the pair's difference is the sample), and
    every round visits every case (``pairs[name]`` times, 1 unless given): all cases are
    sampled across the same minutes, so a change in the machine's load hits them alike.
    """
    pairs = pairs or {}
    walls = {name: [] for name in cases}
    cpus = {name: [] for name in cases}
    for i in range(warmup + rounds):
        for name, case in cases.items():
            for _ in range(pairs.get(name, 1)):
                base_wall, base_cpu = _sample(base, timeout)
                wall, cpu = _sample(case, timeout)
                if i >= warmup:
                    walls[name].append(wall - base_wall)
                    cpus[name].append(cpu - base_cpu)
    return {n: (statistics.median(walls[n]), statistics.median(cpus[n])) for n in cases}


def load() -> str:
    """The machine's load averages (1, 5 min), for the notes: other work shares the CPUs."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def verdict(ratio: float, limit: float) -> str:
    return f"{'met' if ratio <= limit else 'MISSED'} ({ratio:.2f}x)"


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


def packaged_python():
    """PACKAGED_PYTHON when it is another interpreter of this one's Python X.Y (it can then
    run this install's vxha and its compiled bytecode), else None."""
    if not os.access(PACKAGED_PYTHON, os.X_OK):
        return None
    if os.path.realpath(PACKAGED_PYTHON) == os.path.realpath(sys.executable):
        return None
    probe = subprocess.run([PACKAGED_PYTHON, "-I", "-c", "import sys; print(sys.version_info[:2])"],
                           capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    return PACKAGED_PYTHON if probe.stdout.strip() == str(sys.version_info[:2]) else None
