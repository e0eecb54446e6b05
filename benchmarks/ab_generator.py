"""The generator benchmark's ``vxha generate`` + ``vxha verify``, two git revisions
alternated in one session.

On a shared, loaded machine only a same-session comparison means anything: each round runs
the base revision then this checkout's HEAD (or --rev) on the same profiles (bench_generator's
shape), 1 server and each size, every command a fresh process with that revision's tree
first on sys.path, and prints each command's CPU time per server beyond the 1-server run,
medians, and the ratio of the two revisions.

    .venv/bin/python benchmarks/ab_generator.py --base main [--rev HEAD] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from ab_simulator import snapshot  # noqa: E402
from bench_generator import write_profiles  # noqa: E402
from bench_profiles import ENV  # noqa: E402

# The tree's vxha first: the checkout's own editable install comes after sys.path. Run as
# the vxha program runs (``python -m vxha.cli.main``), exit included.
RUN = r"""
import runpy, sys
sys.path.insert(0, sys.argv[1] + "/site")
del sys.argv[1]
runpy.run_module("vxha.cli.main", run_name="__main__", alter_sys=True)
"""


def cpu_ms(tree: str, args: list) -> float:
    """CPU ms of one ``vxha`` command run from ``tree``'s code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", RUN, tree] + args,
        capture_output=True,
        text=True,
        timeout=900,
        env=ENV,
    )
    if out.returncode:
        raise SystemExit(f"{tree}: vxha {' '.join(args[:1])} failed:\n{out.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000 * (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)


def one_round(tree: str, root: str) -> tuple:
    """(generate CPU ms, verify CPU ms) for the profiles under ``root``."""
    out = os.path.join(root, f"{os.path.basename(os.path.dirname(tree))}.cf")
    gen = cpu_ms(
        tree,
        ["generate", "--cluster", f"{root}/cluster.yaml", f"{root}/servers"]
        + ["--images", f"{root}/images", "-o", out],
    )
    return gen, cpu_ms(tree, ["verify", out])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="main", help="the revision to compare against")
    p.add_argument("--rev", default="HEAD", help="the revision measured")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--sizes", default="1000,5000", help="server counts, comma-separated")
    args = p.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    repo = os.path.dirname(HERE)
    tmp = tempfile.mkdtemp(prefix="vxha-ab-generator-")
    runs: dict = {}
    try:
        trees = {}
        for label, rev in (("base", args.base), ("rev", args.rev)):
            trees[label] = os.path.join(tmp, label, "tree")
            snapshot(repo, rev, trees[label])
        roots = {n: write_profiles(os.path.join(tmp, "profiles", str(n)), n) for n in [1] + sizes}
        for _ in range(args.rounds):
            for n in [1] + sizes:
                for label, tree in trees.items():
                    runs.setdefault((label, n), []).append(one_round(tree, roots[n]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(label, n, i):
        return statistics.median(r[i] for r in runs[(label, n)])

    def per_server(label, n, i):
        return (med(label, n, i) - med(label, 1, i)) / n

    for label, rev in (("base", args.base), ("rev", args.rev)):
        parts = [
            f"{n} servers: generate {per_server(label, n, 0):.3f}, "
            f"verify {per_server(label, n, 1):.3f}"
            for n in sizes
        ]
        print(f"{rev:>10}: CPU ms a server beyond 1 server: " + "; ".join(parts))
    for n in sizes:
        ratios = [per_server("rev", n, i) / per_server("base", n, i) for i in (0, 1)]
        print(
            f"{args.rev} / {args.base}, {n} servers: generate {ratios[0]:.2f}x, "
            f"verify {ratios[1]:.2f}x ({args.rounds} rounds, medians; load average "
            f"{os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
