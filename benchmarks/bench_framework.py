"""The framework's own cost: a no-op monitor (Dummy) through the real launcher beside the
bare interpreter the launcher starts (``python -I -S -c pass``), interleaved in one run."""

from __future__ import annotations

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, interleaved, load, packaged_python, row, verdict  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402

LIMIT = 1.25


def run(quick=False):
    runs = 5 if quick else 40
    packaged = packaged_python()
    with tempfile.TemporaryDirectory() as tmp:
        install_agents(tmp, sys.executable, ["Dummy"])
        launcher = os.path.join(tmp, "opt/VRTSvcs/bin/Dummy/monitor")
        with open(launcher) as f:
            shebang = f.readline().strip()
        env = dict(os.environ, VXHA_DRIVERS="fake", VXHA_NODE_DIR=os.path.join(tmp, "node"))
        argv = build_argv(project_type("Dummy"), "bench", {}, "monitor", aep_timeout=10)
        cases = {
            "bare": Case([sys.executable, "-I", "-S", "-c", "pass"], env, {0}),
            "monitor": Case([launcher, *argv], env, {100}),
        }
        if packaged:
            install_agents(os.path.join(tmp, "packaged"), packaged, ["Dummy"])
            other = os.path.join(tmp, "packaged/opt/VRTSvcs/bin/Dummy/monitor")
            cases["bare_packaged"] = Case([packaged, "-I", "-S", "-c", "pass"], env, {0})
            cases["packaged"] = Case([other, *argv], env, {100})
        got = interleaved(cases, runs)
    (mon, mon_cpu), (base, base_cpu) = got["monitor"], got["bare"]
    out = []
    if packaged:
        (pk, pk_cpu), (pk_base, pk_base_cpu) = got["packaged"], got["bare_packaged"]
        out.append(row(f"no-op monitor (Dummy), launcher on {packaged} (the packages')", pk,
                       pk_cpu, f"{packaged} -I -S -c pass", pk_base, f"<= {LIMIT}x",
                       f"{verdict(pk / pk_base, LIMIT)}; framework +{pk - pk_base:.1f} ms; "
                       f"CPU {pk_cpu / pk_base_cpu:.2f}x of {pk_base_cpu:.1f} ms; interleaved "
                       f"with the row above; {load()}"))  # fmt: skip
    return [
        row(
            "no-op monitor (Dummy) through the launcher",
            mon,
            mon_cpu,
            "python -I -S -c pass",
            base,
            f"<= {LIMIT}x",
            f"{verdict(mon / base, LIMIT)}; framework +{mon - base:.1f} ms; "
            f"CPU {mon_cpu / base_cpu:.2f}x of {base_cpu:.1f} ms; launcher "
            f"{shebang.split()[-1]}; median of {runs}; {load()}",
        ),
        *out,
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
