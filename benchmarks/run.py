"""make bench: run every benchmarks/bench_*.py and print one table (medians, whole processes).

Each module's run(quick) returns rows; a module that fails is reported, not fatal.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def fmt(v):
    return "" if v is None else f"{v:.1f}"


def table(rows):
    out = [
        "| benchmark | median ms | CPU ms | baseline | baseline ms | ratio | target | note |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    for r in rows:
        ratio = ""
        if r.get("baseline_ms"):
            ratio = f"{r['median_ms'] / r['baseline_ms']:.2f}x"
        out.append(
            f"| {r['name']} | {fmt(r['median_ms'])} | {fmt(r.get('cpu_ms'))} | "
            f"{r.get('baseline') or ''} | {fmt(r.get('baseline_ms'))} | {ratio} | "
            f"{r.get('target') or ''} | {r.get('note') or ''} |"
        )
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="few runs, for a smoke test")
    p.add_argument("--only", action="append", default=[], help="run only bench_<name>.py")
    p.add_argument("-o", "--output", help="also write the table (markdown) to this file")
    args = p.parse_args(argv)
    names = sorted(
        f[6:-3] for f in os.listdir(HERE) if f.startswith("bench_") and f.endswith(".py")
    )
    if args.only:
        names = [n for n in names if n in args.only]
    rows, failed = [], []
    for name in names:
        start = time.monotonic()
        try:
            got = importlib.import_module(f"bench_{name}").run(args.quick)
        except Exception:
            failed.append(name)
            traceback.print_exc()
            continue
        rows.extend(got)
        print(
            f"# bench_{name}: {len(got)} rows in {time.monotonic() - start:.1f} s", file=sys.stderr
        )
    text = table(rows)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
