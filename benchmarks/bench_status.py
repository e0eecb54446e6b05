"""Benchmark: ``vxha status`` and ``vxha why SERVER`` against ``vxha sim serve`` through the
ha* shims, on clusters of 10 and 200 servers (the clusters of bench_ops.py).

The simulator is served unstarted (as in bench_ops.py): every group is OFFLINE, so ``why``
takes its longest path, the forecast included (five ha* processes). Each is a whole
process; median of the runs. Target (issue 15): each at most 1 s at 200 servers, and at most
2x its own 10-server figure (the baseline of each row).

Run alone: ``python benchmarks/bench_status.py [--quick]``; ``benchmarks/run.py`` calls
``run(quick)``.
"""

from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from bench_ops import Served, measure  # noqa: E402 - the same clusters and table


def first_server(served: Served) -> str:
    with open(served.main_cf) as f:
        return re.search(r'"vxha:server=([\w-]+)"', f.read()).group(1)


COMMANDS = {
    "vxha status": lambda s: s.time(["status"]),
    "vxha why SERVER (offline: every reason checked, forecast asked)": lambda s: s.time(
        ["why", first_server(s)], codes=(1,)
    ),
}


def run(quick: bool = False) -> list:
    return measure(COMMANDS, quick)


def main(argv: list) -> int:
    from run import table

    print(table(run("--quick" in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
