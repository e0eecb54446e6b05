"""A restart policy set outside VCS on the container Reuse keeps (docs/container.md,
"offline"): Docker starts an `always` container again when the daemon starts, even one
that was stopped (Docker's "Start containers automatically"), so a node's reboot would
bring the service up outside VCS while VCS runs it on another system."""

from __future__ import annotations

import os
import signal
import time

import pytest
from container_engines import BUSYBOX, start_engine
from container_helpers import Agent, inspect_cli, unique

pytestmark = pytest.mark.real


def test_a_kept_container_is_not_started_by_the_engine_after_offline(agent_root, tmp_path):
    engine = start_engine("docker", "vxt", (BUSYBOX,))
    try:
        node = tmp_path / "node"
        node.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
        env["VXHA_NODE_DIR"] = str(node)
        values = {"Image": BUSYBOX, "DockerHost": engine.host, "StopTimeout": 2, "Reuse": 1}
        a = Agent(agent_root, env, unique("web"), values)
        assert a.online().code == 0
        engine.docker("update", "--restart", "always", a.resource)
        r = a.offline()
        assert r.code == 0, r
        assert "restart policy always set outside VCS: set back to no" in r.out
        assert inspect_cli(engine, a.resource) == "exited"  # kept: Reuse
        assert inspect_cli(engine, a.resource, "{{.HostConfig.RestartPolicy.Name}}") == "no"
        engine.stop_engine()  # the node reboots, or the engine is upgraded
        engine.start()
        assert inspect_cli(engine, a.resource) == "exited"
        assert a.monitor().code == 100
        assert a.online().code == 0  # reused, still VCS's to start
        assert a.monitor().code == 110
        assert a.offline().code == 0
        # set while the container is kept: online, reusing it, sets it back too
        engine.docker("update", "--restart", "always", a.resource)
        r = a.online()
        assert r.code == 0 and "restart policy always set outside VCS: set back to no" in r.out
        assert inspect_cli(engine, a.resource, "{{.HostConfig.RestartPolicy.Name}}") == "no"
        assert a.clean().code == 0
    finally:
        engine.stop()


def test_a_restart_by_the_engine_is_said(dockerd, agent_root, tmp_path):
    # With a restart policy set outside VCS the engine restarts a container whose main
    # process died before any monitor saw it down: VCS never learns of the failure.
    # monitor says 110 (the service runs) and says that the engine restarted it.
    node = tmp_path / "node"
    node.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
    env["VXHA_NODE_DIR"] = str(node)
    values = {"Image": BUSYBOX, "DockerHost": dockerd.host, "StopTimeout": 2}
    a = Agent(agent_root, env, unique("web"), values)
    assert a.online().code == 0
    first = a.monitor()
    assert first.code == 110 and "restarted" not in first.out
    dockerd.docker("update", "--restart", "always", a.resource)
    pid = dockerd.container_pid(a.resource)
    os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        new = inspect_cli(dockerd, a.resource, "{{.State.Pid}}")
        if inspect_cli(dockerd, a.resource) == "running" and new not in (None, "0", str(pid)):
            break
        time.sleep(0.1)
    r = a.monitor()
    assert r.code == 110
    assert (
        f"container {a.resource} was restarted outside VCS: main process {pid} is now {new}"
        " (restart policy always)"
    ) in r.out
    again = a.monitor()
    assert again.code == 110 and "restarted" not in again.out  # said once per restart
    assert a.clean().code == 0
