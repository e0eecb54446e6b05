"""Fixtures of the Container agent's tests: launchers run as VCS runs them, on the fake
driver or on a private real dockerd (session-wide, see container_dockerd.py)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time

import pytest
from container_dockerd import BUSYBOX, TOOLS, Dockerd, require_real

from vxha.agents.framework import Context, build_argv
from vxha.agents.install import AGENT_BIN, install_agents
from vxha.vcs_types.catalog import project_type

DECL = project_type("Container")
_counter = itertools.count(1)


class Run:
    """One finished entry-point process."""

    def __init__(self, proc, elapsed):
        self.code = proc.returncode
        self.out = proc.stdout
        self.elapsed = elapsed

    def __repr__(self):
        return f"Run(code={self.code}, {self.elapsed:.2f} s, out={self.out!r})"


class Agent:
    """Runs the installed Container launchers for one resource with VCS's argv."""

    def __init__(self, root, env, resource, values):
        self.bin = os.path.join(root, AGENT_BIN, "Container")
        self.env = env
        self.resource = resource
        self.values = dict(values)

    def run(self, ep, reason=None, aep=10, timeout=60, **override) -> Run:
        values = dict(self.values, **override)
        argv = build_argv(DECL, self.resource, values, ep, reason=reason, aep_timeout=aep)
        start = time.monotonic()
        proc = subprocess.run(
            [os.path.join(self.bin, ep), *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(proc, time.monotonic() - start)

    def online(self, **kw):
        return self.run("online", **kw)

    def offline(self, **kw):
        return self.run("offline", **kw)

    def monitor(self, **kw):
        return self.run("monitor", **kw)

    def clean(self, reason=4, **kw):
        return self.run("clean", reason=reason, **kw)


@pytest.fixture(scope="session")
def agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("agents")
    install_agents(str(root), sys.executable, ["Container"])
    return str(root)


def unique(prefix="ctr"):
    return f"{prefix}{os.getpid() % 10000}_{next(_counter)}"


# -- fake tier --------------------------------------------------------------------------


@pytest.fixture
def fake(node_dir):
    """The fake driver of a fresh simulated node, with local/busybox:1 present."""
    from vxha.agents.drivers.docker_fake import FakeDocker

    env = dict(os.environ)
    drv = FakeDocker(Context(env))
    drv.add_image(BUSYBOX)
    drv.env = env
    drv.node = node_dir
    return drv


@pytest.fixture
def fake_agent(fake, agent_root):
    def make(**values):
        res = values.pop("resource", None) or unique("web")
        values.setdefault("Image", BUSYBOX)
        return Agent(agent_root, fake.env, res, values)

    return make


# -- real tier --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dockerd():
    """One private dockerd in its own network namespace, with the busybox images."""
    require_real(*TOOLS)
    d = Dockerd("vxt")
    try:
        d.start()
        d.build_images()
    except BaseException:
        d.stop()
        raise
    yield d
    d.stop()


@pytest.fixture
def real(dockerd, tmp_path):
    """The private dockerd, emptied of containers after the test."""
    yield dockerd
    if dockerd.proc.poll() is None:
        try:
            os.kill(dockerd.daemon_pid(), 18)  # SIGCONT: a test may have stopped it
        except OSError:
            pass
        ids = dockerd.docker("ps", "-aq", check=False, timeout=20).stdout.split()
        if ids:
            dockerd.docker("rm", "-f", *[i.decode() for i in ids], check=False, timeout=30)


@pytest.fixture
def real_agent(real, agent_root, tmp_path):
    node = tmp_path / "node"
    node.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
    env["VXHA_NODE_DIR"] = str(node)  # locks and logs only: real drivers are selected

    def make(**values):
        res = values.pop("resource", None) or unique("web")
        values.setdefault("Image", BUSYBOX)
        values.setdefault("DockerHost", real.host)
        values.setdefault("StopTimeout", 2)
        return Agent(agent_root, env, res, values)

    return make


def inspect_cli(dockerd, name, fmt="{{.State.Status}}"):
    p = dockerd.docker("inspect", "-f", fmt, name, check=False)
    return p.stdout.decode().strip() if p.returncode == 0 else None


def sh(*argv, timeout=30):
    return subprocess.run(argv, capture_output=True, timeout=timeout, check=True)
