"""Container monitor of a running container through the launcher, on a private real dockerd,
beside `docker inspect` (CLI) and the same check written plainly with docker-py."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "agents", "container"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # realtier, imported by the fixture

from common import row, time_process  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402

NAME = "Container monitor of a running container through the launcher"
TARGET = "<= 40 ms wall, <= 25 ms CPU, <= 0.5x docker-py"

DOCKER_PY = """
import sys, docker
c = docker.DockerClient(base_url=sys.argv[1]).containers.get(sys.argv[2])
sys.exit(110 if c.status == "running" else 100)
"""


def _skip(why):
    return [row(NAME, float("nan"), None, None, None, TARGET, f"skipped: {why}")]


def run(quick=False):
    if os.geteuid() != 0:
        return _skip("needs root (a private dockerd)")
    missing = [t for t in ("dockerd", "docker", "nsenter", "busybox", "ip") if not shutil.which(t)]
    if missing:
        return _skip("missing " + ", ".join(missing))
    from container_engines import BUSYBOX, Dockerd

    runs = 5 if quick else 30
    d = Dockerd("vxb")
    try:
        d.start()
        d.build_images()
        with tempfile.TemporaryDirectory() as tmp:
            return _measure(d, tmp, runs, BUSYBOX)
    finally:
        d.stop()


def _measure(d, tmp, runs, image):
    install_agents(tmp, sys.executable, ["Container"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
    env["VXHA_NODE_DIR"] = os.path.join(tmp, "node")
    decl = project_type("Container")
    values = {"Image": image, "DockerHost": d.host, "Memory": "64m", "StopTimeout": 1}
    bin_dir = os.path.join(tmp, "opt/VRTSvcs/bin/Container")
    online = [os.path.join(bin_dir, "online"), *build_argv(decl, "bench_ctr", values, "online")]
    time_process(online, runs=1, env=env, warmup=0, ok_codes={0})
    argv = build_argv(decl, "bench_ctr", values, "monitor", aep_timeout=30)
    monitor = [os.path.join(bin_dir, "monitor"), *argv]
    cli = [shutil.which("docker"), "-H", d.host, "inspect", "-f", "{{.State.Status}}", "bench_ctr"]
    script = os.path.join(tmp, "dockerpy_check.py")
    with open(script, "w") as f:
        f.write(DOCKER_PY)
    dockerpy = [sys.executable, "-I", script, d.host, "bench_ctr"]
    # Interleave halves so drift in machine load hits all three alike.
    half = [runs // 2, runs - runs // 2]
    m, mc, c, cc, p, pc = [], [], [], [], [], []
    for n in half:
        w, u = time_process(monitor, n, env, ok_codes={110})
        m.append(w), mc.append(u)
        w, u = time_process(cli, n, env, ok_codes={0})
        c.append(w), cc.append(u)
        w, u = time_process(dockerpy, n, env, ok_codes={110})
        p.append(w), pc.append(u)
    # Informative: the same monitor with a HealthCmd (one exec in the container).
    hvalues = dict(values, HealthCmd="true")
    hargv = build_argv(decl, "bench_ctr", hvalues, "monitor", aep_timeout=30)
    health, health_cpu = time_process(
        [os.path.join(bin_dir, "monitor"), *hargv], runs, env, ok_codes={110}
    )
    # Informative: what docker-py would add to any entry point using it (docs/container.md,
    # "docker-py"): its import, beside the driver's, as whole processes.
    imports = {}
    for what in ("import vxha.agents.drivers.docker", "import docker"):
        imports[what] = time_process([sys.executable, "-I", "-c", what], runs, env, ok_codes={0})
    mon, mon_cpu = sum(m) / 2, sum(mc) / 2
    cli_ms, py_ms = sum(c) / 2, sum(p) / 2
    ok = mon <= 40 and mon_cpu <= 25 and mon <= py_ms / 2
    verdict = "meets target" if ok else "MISSES target"
    return [
        row(
            NAME,
            mon,
            mon_cpu,
            "docker-py containers.get",
            py_ms,
            TARGET,
            f"{verdict}; {mon / py_ms:.2f}x docker-py, {mon / cli_ms:.2f}x docker inspect CLI",
        ),
        row(
            "Container monitor vs docker inspect (CLI)",
            mon,
            mon_cpu,
            "docker -H unix://... inspect",
            cli_ms,
            "informative",
            f"CLI CPU {sum(cc) / 2:.1f} ms; docker-py CPU {sum(pc) / 2:.1f} ms",
        ),
        row(
            "Container monitor with HealthCmd (one exec)",
            health,
            health_cpu,
            "monitor without HealthCmd",
            mon,
            "informative",
            "exec create + start + inspect through the engine",
        ),
        row(
            "python -I -c 'import docker' (docker-py)",
            imports["import docker"][0],
            imports["import docker"][1],
            "python -I -c 'import vxha.agents.drivers.docker'",
            imports["import vxha.agents.drivers.docker"][0],
            "informative",
            "why the agents do not use docker-py (docs/container.md)",
        ),
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
