"""The simulator benchmark's start + crash, two git revisions alternated in one session.

On a shared, loaded machine only a same-session comparison means anything: each round runs
the base revision then this checkout's HEAD (or --rev), 1,000 and 100 servers, each run a
fresh process with that revision's tree first on sys.path (`git archive` snapshots in a
temporary directory), and prints the medians, the ratio and the cost per server.

    .venv/bin/python benchmarks/ab_simulator.py --base main [--rev HEAD] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SUBPACKAGES = ("agents", "cli", "generators", "profiles", "simulator", "vcs_types")

RUN = r"""
import gc, sys
sys.path[:0] = [sys.argv[1] + "/site", sys.argv[1] + "/src/benchmarks"]
import bench_simulator
gc.collect()
wall, cpu, online, _ = bench_simulator.scenario(int(sys.argv[2]))
print(wall, cpu, online)
"""


def snapshot(repo, rev, where):
    """The revision's files under where/src and an importable vxha under where/site."""
    src, pkg = os.path.join(where, "src"), os.path.join(where, "site", "vxha")
    os.makedirs(src)
    archive = subprocess.run(
        ["git", "-C", repo, "archive", rev], capture_output=True, check=True, timeout=120
    ).stdout
    subprocess.run(["tar", "-x", "-C", src], input=archive, check=True, timeout=120)
    shutil.copytree(os.path.join(src, "vxha"), pkg)
    for sub in SUBPACKAGES:
        os.symlink(os.path.join(src, sub), os.path.join(pkg, sub))


def run_once(tree, servers):
    out = subprocess.run(
        [sys.executable, "-S", "-c", RUN, tree, str(servers)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode:
        raise SystemExit(f"{tree}, {servers} servers:\n{out.stderr[-2000:]}")
    wall, cpu, online = out.stdout.split()
    return float(wall), float(cpu), int(online)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="main", help="the revision to compare against")
    p.add_argument("--rev", default="HEAD", help="the revision measured")
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args(argv)
    repo = os.path.dirname(HERE)
    tmp = tempfile.mkdtemp(prefix="vxha-ab-")
    try:
        trees = {}
        for label, rev in (("base", args.base), ("rev", args.rev)):
            trees[label] = os.path.join(tmp, label)
            snapshot(repo, rev, trees[label])
        runs = {}
        for _ in range(args.rounds):
            for label, tree in trees.items():
                for servers in (1000, 100):
                    runs.setdefault((label, servers), []).append(run_once(tree, servers))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(label, servers, i):
        return statistics.median(r[i] for r in runs[(label, servers)])

    for label, rev in (("base", args.base), ("rev", args.rev)):
        big, small = med(label, 1000, 1), med(label, 100, 1)
        print(
            f"{rev:>10}: 1,000 servers {med(label, 1000, 0):.2f} s wall, {big:.2f} s CPU; "
            f"100 servers {med(label, 100, 0):.3f} s wall, {small:.3f} s CPU; "
            f"CPU per server 1,000 vs 100: {big / (small * 10):.2f}x"
        )
    wall = med("rev", 1000, 0) / med("base", 1000, 0)
    cpu = med("rev", 1000, 1) / med("base", 1000, 1)
    print(
        f"{args.rev} / {args.base}, 1,000 servers: wall {wall:.2f}x, CPU {cpu:.2f}x "
        f"({args.rounds} rounds, medians)"
    )


if __name__ == "__main__":
    main()
