"""Fixtures of the Container agent's tests: launchers run as VCS runs them, on the fake
driver or on a private real dockerd (session-wide, see container_dockerd.py)."""

from __future__ import annotations

import os
import sys

import pytest
from container_dockerd import BUSYBOX, TOOLS, Dockerd, require_real
from container_helpers import Agent, unique

from vxha.agents.framework import Context
from vxha.agents.install import install_agents


@pytest.fixture(scope="session")
def agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("agents")
    install_agents(str(root), sys.executable, ["Container"])
    return str(root)


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
