"""Time parse, write and verify on generated configurations (run: python bench_cf.py [N...]).

Not a test: DECISIONS.md 8 keeps wall-time budgets out of ``make test``.
"""

from __future__ import annotations

import sys
import time

from bigconfig import big_config

from vxha.vcs_types.cf import parse, write
from vxha.vcs_types.verify import verify


def best(fn, runs=5):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(sizes):
    print(f"{'servers':>8} {'lines':>8} {'write s':>8} {'parse s':>8} {'verify s':>9}")
    for n in sizes:
        cfg = big_config(n)
        text = write(cfg)
        parsed = parse(text)
        assert parsed == cfg
        w = best(lambda cfg=cfg: write(cfg))
        p = best(lambda text=text: parse(text))
        v = best(lambda parsed=parsed: verify(parsed))
        print(f"{n:>8} {text.count(chr(10)):>8} {w:>8.3f} {p:>8.3f} {v:>9.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 2000, 5000])
