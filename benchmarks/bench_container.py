"""Container monitor of a running container through the launcher, beside ClusterLabs'
ocf:heartbeat:docker and ocf:heartbeat:podman monitors of the same container, on private
engines (a dockerd, and Podman's Docker-compatible API service), interleaved in one run.

The OCF agents come from Debian's resource-agents (TESTBED.md, "Baselines for make
bench"): run with OCF_ROOT and OCF_RESKEY_<param>; docker honours DOCKER_HOST, and the
podman CLI is pointed at the service's storage with CONTAINERS_STORAGE_CONF.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "agents", "container"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # realtier, imported by the fixture

from common import Case, interleaved, load, row, time_process, verdict  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402

OCF_ROOT = "/usr/lib/ocf"
OCF_AGENT = OCF_ROOT + "/resource.d/heartbeat/{}"
LIMIT = 0.4
NAME = "Container monitor, running container, {}"
RESOURCE = "bench_ctr"


def _skip(why):
    return [
        row(NAME.format(kind), float("nan"), None, None, None, f"<= {LIMIT}x", f"skipped: {why}")
        for kind in ("dockerd", "Podman")
    ]


def run(quick=False):
    if os.geteuid() != 0:
        return _skip("needs root (private engines)")
    tools = ("dockerd", "docker", "podman", "catatonit", "nsenter", "busybox", "ip")
    missing = [t for t in tools if not shutil.which(t)]
    missing += [a for a in ("docker", "podman") if not os.access(OCF_AGENT.format(a), os.X_OK)]
    if missing:
        return _skip("missing " + ", ".join(missing) + " (scripts/setup-testbed.sh)")
    from container_engines import BUSYBOX, Dockerd, Podman

    runs = 5 if quick else 30
    rows = []
    for engine_cls, measure in ((Dockerd, _docker), (Podman, _podman)):
        engine = engine_cls("vxb")
        try:
            engine.start()
            engine.build_images(only=[BUSYBOX])
            with tempfile.TemporaryDirectory() as tmp:
                rows += measure(engine, tmp, runs, BUSYBOX)
        finally:
            engine.stop()
    return rows


def _online(engine, tmp, image):
    """Install the launchers, bring the container online with them; (values, bin dir, env)."""
    install_agents(tmp, sys.executable, ["Container"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
    env["VXHA_NODE_DIR"] = os.path.join(tmp, "node")
    decl = project_type("Container")
    values = {"RuntimeName": RESOURCE, "Image": image, "DockerHost": engine.host,
              "Memory": "64m", "StopTimeout": 1}  # fmt: skip
    bin_dir = os.path.join(tmp, "opt/VRTSvcs/bin/Container")
    online = [os.path.join(bin_dir, "online"), *build_argv(decl, RESOURCE, values, "online")]
    time_process(online, runs=1, env=env, warmup=0, ok_codes={0})
    return values, bin_dir, env


def _monitor(values, bin_dir, env):
    argv = build_argv(project_type("Container"), RESOURCE, values, "monitor", aep_timeout=30)
    return Case([os.path.join(bin_dir, "monitor"), *argv], env, {110})


def _ocf_env(base, image):
    env = dict(base, OCF_ROOT=OCF_ROOT, OCF_RESOURCE_INSTANCE=RESOURCE)
    env.update(OCF_RESKEY_name=RESOURCE, OCF_RESKEY_image=image)
    return env


def _docker(engine, tmp, runs, image):
    values, bin_dir, env = _online(engine, tmp, image)
    ocf_env = _ocf_env(dict(os.environ, DOCKER_HOST=engine.host), image)
    got = interleaved(
        {
            "monitor": _monitor(values, bin_dir, env),
            "ocf": Case([OCF_AGENT.format("docker"), "monitor"], ocf_env, {0}),
            "cli": Case(
                [
                    shutil.which("docker"),
                    "-H",
                    engine.host,
                    "inspect",
                    "-f",
                    "{{.State.Status}}",
                    RESOURCE,
                ],
                env,
                {0},
            ),  # fmt: skip
        },
        runs,
    )
    (mon, mon_cpu), (ocf, ocf_cpu), (cli, cli_cpu) = got["monitor"], got["ocf"], got["cli"]
    note = load()
    # Informative: the same monitor with a HealthCmd (one exec in the container).
    hvalues = dict(values, HealthCmd="true")
    health, health_cpu = time_process(
        _monitor(hvalues, bin_dir, env).argv, runs, env, ok_codes={110}
    )
    # Informative: what docker-py would add to any entry point using it (docs/container.md,
    # "docker-py"): its import, beside the driver's, as whole processes.
    imports = {}
    for what in ("import vxha.agents.drivers.docker", "import docker"):
        imports[what] = time_process([sys.executable, "-I", "-c", what], runs, env, ok_codes={0})
    return [
        row(
            NAME.format("dockerd"),
            mon,
            mon_cpu,
            "ocf:heartbeat:docker monitor",
            ocf,
            f"<= {LIMIT}x",
            f"{verdict(mon / ocf, LIMIT)}; OCF CPU {ocf_cpu:.1f} ms "
            f"(CPU {mon_cpu / ocf_cpu:.2f}x); "
            f"median of {runs}, interleaved; {note}",
        ),  # fmt: skip
        row(
            "(same run) vs the docker CLI",
            mon,
            mon_cpu,
            "docker -H unix://... inspect",
            cli,
            "informative",
            f"CLI CPU {cli_cpu:.1f} ms",
        ),  # fmt: skip
        row(
            "Container monitor with HealthCmd (one exec)",
            health,
            health_cpu,
            "monitor without HealthCmd",
            mon,
            "informative",
            "exec create + start + inspect through the engine",
        ),  # fmt: skip
        row(
            "python -I -c 'import docker' (docker-py)",
            *imports["import docker"],
            "python -I -c 'import vxha.agents.drivers.docker'",
            imports["import vxha.agents.drivers.docker"][0],
            "informative",
            "why the agents do not use docker-py (docs/container.md)",
        ),  # fmt: skip
    ]


def _podman(engine, tmp, runs, image):
    values, bin_dir, env = _online(engine, tmp, image)
    # The podman CLI works on the service's storage directly (no API): the same roots.
    storage = os.path.join(engine.dir, "storage.conf")
    with open(storage, "w") as f:
        f.write(f'[storage]\ndriver = "vfs"\ngraphroot = "{engine.dir}/root"\n'
                f'runroot = "{engine.dir}/run"\n')  # fmt: skip
    ocf_env = _ocf_env(dict(engine.env(), CONTAINERS_STORAGE_CONF=storage), image)
    got = interleaved(
        {
            "monitor": _monitor(values, bin_dir, env),
            "ocf": Case([OCF_AGENT.format("podman"), "monitor"], ocf_env, {0}),
        },
        runs,
    )
    (mon, mon_cpu), (ocf, ocf_cpu) = got["monitor"], got["ocf"]
    return [
        row(
            NAME.format("Podman"),
            mon,
            mon_cpu,
            "ocf:heartbeat:podman monitor",
            ocf,
            f"<= {LIMIT}x",
            f"{verdict(mon / ocf, LIMIT)}; OCF CPU {ocf_cpu:.1f} ms (CPU {mon_cpu / ocf_cpu:.2f}x) "
            f"(podman exec); median of {runs}, interleaved; {load()}",
        ),  # fmt: skip
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
