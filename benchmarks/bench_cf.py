"""Benchmark: parse + verify + write of a generated main.cf, as one whole process, for 100,
1,000 and 5,000 servers beside the same for 1 server (the fixed cost: interpreter, imports,
the type catalog), on 32 systems (DECISIONS.md 9); and the refusal of bad input.

Target (the configuration issue): marginal CPU cost per server at most 0.3 ms, linear
within 1.25x across the sizes (each size timed in turns with the 1-server run, medians);
every refusal (a 100 MB file, 10,000-deep nesting, a NUL byte, bytes that are not UTF-8)
a clear error within a second.

Run alone: ``python benchmarks/bench_cf.py [--quick]``; ``benchmarks/run.py`` calls
``run(quick)``.
"""

from __future__ import annotations

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (HERE, os.path.join(HERE, "..", "tests", "vcs_types")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bigconfig import big_config  # noqa: E402 - the generator's shape, two groups a server
from common import Case, interleaved, row, time_process  # noqa: E402

from vxha.vcs_types.cf import write  # noqa: E402

SIZES = (100, 1000, 5000)
TARGET_PER_SERVER_MS = 0.3
TARGET_REFUSAL_MS = 1000.0

# parse (includes resolved), verify (every rule), write: what vxha verify and the
# generator do with a configuration, with the cyclic collector off as those commands run
_ROUND = (
    "import gc, sys\n"
    "gc.disable()\n"
    "from vxha.vcs_types import cf\n"
    "from vxha.vcs_types.verify import verify\n"
    "c = cf.parse_file(sys.argv[1])\n"
    "assert verify(c) == []\n"
    "cf.write(c)\n"
)


def _write_configs(root: str, sizes) -> dict:
    paths = {}
    for n in sizes:
        d = os.path.join(root, str(n))
        os.makedirs(d)
        paths[n] = os.path.join(d, "main.cf")
        with open(paths[n], "w") as f:
            f.write(write(big_config(n)))
    return paths


def _bad_inputs(root: str) -> dict:
    d = os.path.join(root, "bad")
    os.makedirs(d)
    files = {
        "a 100 MB file": None,
        "10,000-deep nesting": "group g (\n\tA = " + "{ " * 10_000 + "x" + " }" * 10_000 + "\n)\n",
        "a NUL byte": "group g (\n\tA = x\x00y\n)\n",
        "bytes that are not UTF-8": b'group g (\n\tA = "caf\xe9"\n)\n',
    }
    paths = {}
    for i, (what, content) in enumerate(files.items()):
        path = os.path.join(d, f"{i}.cf")
        if content is None:
            with open(path, "wb") as f:
                f.truncate(100 * 1024 * 1024)  # sparse
        else:
            with open(path, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        paths[what] = path
    return paths


# Runs of each size, each beside as many runs of the 1-server configuration taken in turn
# (1, n, 1, n, ...) so that a change in the machine's load hits both alike. The marginal
# cost of 100 servers is a difference of about 0.05 s of CPU: it takes the most runs.
RUNS = {100: 41, 1000: 15, 5000: 7}
QUICK_RUNS = {100: 7, 1000: 3}


def run(quick: bool = False) -> list:
    sizes = SIZES[:2] if quick else SIZES
    runs = QUICK_RUNS if quick else RUNS
    rows = []
    with tempfile.TemporaryDirectory(prefix="vxha-bench-cf-") as tmp:
        paths = _write_configs(tmp, (1,) + sizes)
        argv = [sys.executable, "-c", _ROUND]
        results, base = {}, {}
        for n in sizes:
            cases = {
                1: Case(argv + [paths[1]], ok_codes=(0,)),
                n: Case(argv + [paths[n]], ok_codes=(0,)),
            }
            timed = interleaved(cases, runs=runs[n], warmup=1)
            results[n], base[n] = timed[n], timed[1]
        # CPU time (user + system of the process) is the figure judged: wall time also
        # counts the waits for a CPU that other work on the machine causes
        per = {n: (results[n][0] - base[n][0]) / n for n in sizes}
        per_cpu = {n: (results[n][1] - base[n][1]) / n for n in sizes}
        spread_cpu = max(per_cpu.values()) / min(per_cpu.values())
        load = os.getloadavg()[0]
        for n in sizes:
            met_cpu = "met" if per_cpu[n] <= TARGET_PER_SERVER_MS else "MISSED"
            rows.append(
                row(
                    f"parse + verify + write a generated main.cf, {n} servers",
                    round(results[n][0], 1),
                    round(results[n][1], 1),
                    "the same for 1 server",
                    round(base[n][0], 1),
                    f"<= {TARGET_PER_SERVER_MS} ms CPU a server beyond 1 server; linear within "
                    "1.25x",
                    f"per server {per_cpu[n]:.3f} ms CPU ({met_cpu}; {per[n]:.3f} ms wall), "
                    f"median of {runs[n]} beside as many 1-server runs; spread across sizes "
                    f"{spread_cpu:.2f}x CPU; load average {load:.1f}",
                )
            )
        verify_argv = [sys.executable, "-m", "vxha.cli.main", "verify"]
        base = time_process([sys.executable, "-c", "import vxha.vcs_types.cf"], runs=5)
        for what, path in _bad_inputs(tmp).items():
            wall, cpu = time_process(verify_argv + [path], runs=3, warmup=1, ok_codes=(1,))
            rows.append(
                row(
                    f"vxha verify refuses {what}",
                    round(wall, 1),
                    round(cpu, 1),
                    "importing the parser",
                    round(base[0], 1),
                    "< 1 s, one located error",
                    "met" if wall < TARGET_REFUSAL_MS else "MISSED",
                )
            )
    return rows


def main(argv: list) -> int:
    for r in run("--quick" in argv):
        print(f"{r['name']}: {r['median_ms']:.1f} ms (CPU {r['cpu_ms']:.1f} ms)  {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
