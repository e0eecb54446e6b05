"""The framework's own cost: a no-op monitor through the real launcher vs a bare interpreter."""

from __future__ import annotations

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import row, time_process  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402


def run(quick=False):
    runs = 5 if quick else 40
    with tempfile.TemporaryDirectory() as tmp:
        install_agents(tmp, sys.executable, ["Dummy"])
        env = dict(os.environ, VXHA_DRIVERS="fake", VXHA_NODE_DIR=os.path.join(tmp, "node"))
        argv = build_argv(project_type("Dummy"), "bench", {}, "monitor", aep_timeout=10)
        monitor = [os.path.join(tmp, "opt/VRTSvcs/bin/Dummy/monitor"), *argv]
        bare = [sys.executable, "-I", "-c", "pass"]
        # Interleave the two so drift in machine load hits both alike.
        b1, bc1 = time_process(bare, runs // 2, env)
        m1, mc1 = time_process(monitor, runs // 2, env, ok_codes={100})
        b2, bc2 = time_process(bare, runs - runs // 2, env)
        m2, mc2 = time_process(monitor, runs - runs // 2, env, ok_codes={100})
    base, mon = (b1 + b2) / 2, (m1 + m2) / 2
    return [
        row(
            "no-op monitor (Dummy) through the launcher",
            mon,
            (mc1 + mc2) / 2,
            "python -I -c pass",
            base,
            "<= bare + 10 ms",
            f"framework overhead {mon - base:.1f} ms",
        )
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
