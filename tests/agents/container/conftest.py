"""Fixtures of the Container agent's tests: launchers run as VCS runs them, on the fake
driver or on private real engines, Docker and Podman (see container_engines.py)."""

from __future__ import annotations

import os
import signal
import sys

import pytest
from container_engines import BUSYBOX, start_engine
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
#
# Every real test runs against both engines a node may run (DECISIONS.md 10 "Engines"):
# Docker's daemon and Podman's Docker-compatible service, one of each per session.

ENGINE_PARAMS = [
    pytest.param("docker", marks=pytest.mark.real),
    pytest.param("podman", marks=pytest.mark.real),
]


def _engine(kind, images=None):
    return start_engine(kind, "vxt", images)


@pytest.fixture(scope="session")
def dockerd():
    """One private dockerd in its own network namespace, with the busybox images."""
    e = _engine("docker")
    yield e
    e.stop()


@pytest.fixture(scope="session")
def podman():
    """One private Podman API service in its own network namespace, with the images."""
    e = _engine("podman")
    yield e
    e.stop()


@pytest.fixture(params=ENGINE_PARAMS)
def real(request):
    """A session's engine of each kind, emptied of containers after the test."""
    engine = request.getfixturevalue("dockerd" if request.param == "docker" else "podman")
    yield engine
    _empty(engine)


@pytest.fixture(params=ENGINE_PARAMS)
def fresh_engine(request):
    """An engine of each kind for this test alone (tests that kill or stop it)."""
    e = _engine(request.param, images=(BUSYBOX,))
    yield e
    e.stop()


def _empty(engine):
    if engine.proc.poll() is not None:
        return
    try:
        engine.signal(signal.SIGCONT)  # a test may have stopped it
    except OSError:
        pass
    ids = engine.docker("ps", "-aq", check=False, timeout=20).stdout.split()
    if ids:
        engine.docker("rm", "-f", *[i.decode() for i in ids], check=False, timeout=30)


def _agent_factory(engine, agent_root, tmp_path):
    node = tmp_path / "node"
    node.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
    env["VXHA_NODE_DIR"] = str(node)  # locks, state and logs only: real drivers are selected

    def make(**values):
        res = values.pop("resource", None) or unique("web")
        values.setdefault("Image", BUSYBOX)
        values.setdefault("DockerHost", engine.host)
        values.setdefault("StopTimeout", 2)
        return Agent(agent_root, env, res, values)

    return make


@pytest.fixture
def real_agent(real, agent_root, tmp_path):
    return _agent_factory(real, agent_root, tmp_path)


@pytest.fixture
def fresh_agent(fresh_engine, agent_root, tmp_path):
    return _agent_factory(fresh_engine, agent_root, tmp_path)
