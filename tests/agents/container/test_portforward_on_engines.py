"""PortForward with `Container` (not TargetAddress) on the real engines: the target is the
container's address as the engine the Container agent started it on reports it, whatever
the node's default engine, and a container replaced with another address makes the rules
stale until online repairs them (docs/network.md, PortForward "monitor" and "Which
engine"). PortForward runs in the engine's network namespace, as on a node."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import _empty
from container_engines import BUSYBOX
from container_helpers import unique

from vxha.agents.framework import build_argv
from vxha.agents.install import AGENT_BIN, install_agents
from vxha.vcs_types.catalog import project_type

pytestmark = pytest.mark.real

VIP = "10.79.0.1"
SERVE = "mkdir -p /w && hostname > /w/index.html && exec httpd -f -p 7000 -h /w"


@pytest.fixture(scope="module")
def pf_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("pfagents")
    install_agents(str(root), sys.executable, ["PortForward"])
    return str(root)


@pytest.fixture
def vip(real):
    """An address on the loopback of the engine's namespace (made for the tests)."""
    ns = ["ip", "-n", real.netns]
    subprocess.run([*ns, "addr", "add", f"{VIP}/32", "dev", "lo"], check=True, timeout=10)
    yield VIP
    subprocess.run([*ns, "addr", "del", f"{VIP}/32", "dev", "lo"], timeout=10)
    subprocess.run([*real.place.enter, "nft", "delete", "table", "inet", "vxha"],
                   capture_output=True, timeout=10)  # fmt: skip


@pytest.fixture
def other(request, real):
    """The session's engine of the other kind: this node's default engine in the test,
    running a container of the same name as ours (not ours)."""
    engine = request.getfixturevalue("podman" if real.kind == "docker" else "dockerd")
    yield engine
    _empty(engine)


def pf(real, root, tmp_path, ep, values, reason=None, default=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
    env["VXHA_NODE_DIR"] = str(tmp_path / "node")  # the node of real_agent's Container
    # PortForward has no DockerHost: the default engine of this node is another one, and
    # it must ask the engine the Container agent noted (docs/network.md, "Which engine")
    env["DOCKER_HOST"] = default or f"unix://{tmp_path}/default-engine.sock"
    argv = build_argv(project_type("PortForward"), "web_pf", values, ep, reason, 10)
    launcher = os.path.join(root, AGENT_BIN, "PortForward", ep)
    p = subprocess.run([*real.place.enter, launcher, *argv], env=env, capture_output=True,
                       text=True, timeout=30)  # fmt: skip
    return p.returncode, p.stdout


def fetch(real):
    argv = [*real.place.enter, "busybox", "wget", "-q", "-O", "-", f"http://{VIP}:8080/"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    return p.stdout.strip()


def address(real, name):
    fmt = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    return real.docker("inspect", "-f", fmt, name).stdout.decode().strip()


def test_a_container_replaced_with_another_address(real, real_agent, vip, pf_root, tmp_path):
    a = real_agent(Command=["/bin/sh", "-c", SERVE])
    assert a.online().code == 0
    values = {"Address": vip, "Container": a.resource, "Ports": {"8080": "7000"}}
    code, out = pf(real, pf_root, tmp_path, "online", values)
    assert code == 0, out
    assert pf(real, pf_root, tmp_path, "monitor", values)[0] == 110
    first, served = address(real, a.resource), fetch(real)
    assert served
    # someone removes the container; another takes its address meanwhile
    real.docker("rm", "-f", a.resource)
    real.docker("run", "-d", "--name", unique("filler"), BUSYBOX)
    code, out = pf(real, pf_root, tmp_path, "monitor", values)
    assert code == 100 and "is not running: its forwarding is dead" in out, out
    assert a.online().code == 0
    assert address(real, a.resource) != first
    code, out = pf(real, pf_root, tmp_path, "monitor", values)
    assert code == 100 and f"point at {first}" in out, out
    code, out = pf(real, pf_root, tmp_path, "online", values)
    assert code == 0, out
    assert pf(real, pf_root, tmp_path, "monitor", values)[0] == 110
    assert fetch(real) not in ("", served)  # the new container answers
    assert pf(real, pf_root, tmp_path, "offline", values)[0] == 0
    assert pf(real, pf_root, tmp_path, "monitor", values)[0] == 100
    assert a.clean().code == 0


def test_the_engine_of_the_container_not_the_node_s_default(real, real_agent, other, vip,
                                                           pf_root, tmp_path):  # fmt: skip
    """The node's default engine runs a container of the same name, not ours: PortForward
    forwards to ours, on the engine the Container agent started it on."""
    a = real_agent(Command=["/bin/sh", "-c", SERVE])
    other.docker("run", "-d", "--name", a.resource, BUSYBOX)
    assert a.online().code == 0
    ours = address(real, a.resource)
    values = {"Address": vip, "Container": a.resource, "Ports": {"8080": "7000"}}
    code, out = pf(real, pf_root, tmp_path, "online", values, default=other.host)
    assert code == 0 and f"to {ours}" in out, out
    assert pf(real, pf_root, tmp_path, "monitor", values, default=other.host)[0] == 110
    assert fetch(real)
    assert pf(real, pf_root, tmp_path, "offline", values, default=other.host)[0] == 0
    assert a.clean().code == 0
