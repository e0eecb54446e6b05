"""States ClusterLabs' docker and podman agents handle (resource-agents 4.12,
`heartbeat/docker`, `heartbeat/podman`), each met by the Container agent on the real
engines; the expected outcome is the VCS entry-point contract's (docs/container.md,
"Compared with ClusterLabs' docker and podman")."""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import _agent_factory, _empty
from container_engines import BUSYBOX, BUSYBOX_NOTERM
from container_helpers import inspect_cli, unique

pytestmark = pytest.mark.real


def names(engine):
    return set(engine.docker("ps", "-a", "--format", "{{.Names}}").stdout.decode().split())


def test_a_container_removed_by_someone_while_online(real, real_agent):
    """`docker rm -f` behind VCS's back (ClusterLabs' docker: monitor "not running", stop
    succeeds): 100, offline and clean 0, and a foreign container stays."""
    foreign = unique("foreign")
    real.docker("create", "--name", foreign, BUSYBOX)
    a = real_agent()
    assert a.online().code == 0
    real.docker("rm", "-f", a.resource)
    assert a.monitor().code == 100
    r = a.offline()
    assert r.code == 0 and "already gone" in r.out, r
    assert a.clean().code == 0
    assert foreign in names(real)


def test_our_container_left_created_is_offline_and_replaced(real, real_agent):
    """Ours in the engine's `created` state (a start that never ran; ClusterLabs' podman
    sees it through `podman exec` as not running): 100, and online replaces it."""
    a = real_agent()
    assert a.online().code == 0
    labels = real.docker("inspect", "-f", "{{json .Config.Labels}}", a.resource).stdout.decode()
    args = [f"--label={k}={v}" for k, v in json.loads(labels).items()]
    real.docker("rm", "-f", a.resource)
    real.docker("create", "--name", a.resource, *args, BUSYBOX)
    assert inspect_cli(real, a.resource) == "created"
    r = a.monitor()
    assert r.code == 100 and r.out == "", r  # nothing ran: nothing to say
    r = a.online()
    assert r.code == 0 and "replacing our leftover created container" in r.out, r
    assert a.monitor().code == 110
    assert a.clean().code == 0
    assert a.resource not in names(real)


@pytest.fixture
def podman_agent(podman, agent_root, tmp_path):
    yield _agent_factory(podman, agent_root, tmp_path)
    _empty(podman)


def test_podman_container_whose_conmon_died(podman, podman_agent):
    """ClusterLabs' podman: `podman stop` fails when conmon died ("stopped:-1") and its
    stop goes on to `podman rm`. Here the main process still runs: 110; offline stops and
    removes it, and no process of it is left."""
    real = podman
    a = podman_agent()
    assert a.online().code == 0
    pid = real.container_pid(a.resource)
    with open(f"/proc/{pid}/stat") as f:
        conmon = int(f.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{conmon}/comm") as f:
        assert f.read().strip() == "conmon"
    os.kill(conmon, signal.SIGKILL)
    assert a.monitor().code == 110  # the main process runs
    r = a.offline()
    assert r.code == 0, r
    assert not os.path.exists(f"/proc/{pid}")
    assert a.resource not in names(real)
    assert a.monitor().code == 100
    assert a.clean().code == 0


SILENT_REGISTRY = (
    "import socket\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', 5999))\n"
    "s.listen(8)\n"
    "held = []\n"
    "while True:\n"
    "    held.append(s.accept())\n"
)


def test_a_pull_from_a_registry_that_never_answers_is_a_hang(real, real_agent):
    """ClusterLabs pulls at start with no bound but the start's timeout. AllowPull from a
    registry that accepts and never answers: online ends as a hang (DECISIONS.md 8, VCS's
    OnlineTimeout decides), within its timeout plus the framework's 5 s, nothing created;
    monitor 100, clean 0."""
    server = subprocess.Popen(  # noqa: S603 - argv list
        [*real.place.enter, sys.executable, "-c", SILENT_REGISTRY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        a = real_agent(Image="127.0.0.1:5999/vxt/none:1", AllowPull=1)
        r = a.online(aep=3, timeout=30)
        assert r.code == 1, r
        assert 3 <= r.elapsed < 3 + 5 + 2, r
        assert "pulling image 127.0.0.1:5999/vxt/none:1" in r.out
        assert "online did not finish by its deadline" in r.out
        assert a.resource not in names(real)
        assert a.monitor().code == 100
        assert a.clean().code == 0
    finally:
        server.kill()
        server.wait(5)


def test_a_stop_in_progress_outside_vcs(real, real_agent):
    """`docker stop -t 20` by someone, the main process ignoring TERM (ClusterLabs' podman
    reads any state but running as not running; its stop then only removes). Docker says
    `running` until the kill: 110, the process runs; Podman says `stopping`: 100, and VCS
    cleans. clean kills and removes at once either way, not after the other stop's 20 s."""
    a = real_agent(Image=BUSYBOX_NOTERM)
    assert a.online().code == 0
    stopper = subprocess.Popen(  # noqa: S603 - argv list
        ["docker", "-H", real.host, "stop", "-t", "20", a.resource],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        expected = "running" if real.kind == "docker" else "stopping"
        end = time.monotonic() + 10
        while inspect_cli(real, a.resource) != expected and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.3)  # the stop has begun: TERM sent and ignored
        assert inspect_cli(real, a.resource) == expected
        r = a.monitor()
        if real.kind == "docker":
            assert r.code == 110, r
        else:
            assert r.code == 100 and f"container {a.resource} is stopping" in r.out, r
        r = a.clean()
        assert r.code == 0 and r.elapsed < 10, r
        assert a.resource not in names(real)
        assert a.monitor().code == 100
    finally:
        stopper.wait(30)


def _leftovers(cid: str) -> list:
    """Processes naming the container (conmon, containerd-shim) and cgroups of it."""
    from vxha.simulator.realnodes.engines import processes_mentioning

    found = [f"pid {p}" for p in processes_mentioning(cid) if _running(p)]
    return found + glob.glob(f"/sys/fs/cgroup/**/*{cid}*", recursive=True)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_clean_without_the_engine_leaves_nothing_once_it_is_back(real, real_agent):
    """ClusterLabs' podman writes systemd drop-ins so that conmon and the container's scopes
    are ordered at shutdown; what a kill leaves behind is the engine's. clean with the
    engine SIGSTOPped kills the recorded tree only (conmon and containerd-shim are the
    engine's); once the engine answers again no process or cgroup of the container is
    left, monitor says 100 and online replaces it."""
    a = real_agent()
    assert a.online().code == 0
    cid = inspect_cli(real, a.resource, "{{.Id}}")
    assert _leftovers(cid)  # conmon or the shim, and the cgroups, while it runs
    real.signal(signal.SIGSTOP)
    try:
        r = a.clean(reason=5, aep=5)
        assert r.code == 0 and "and its descendants killed" in r.out, r
    finally:
        real.signal(signal.SIGCONT)
    end = time.monotonic() + 15
    while _leftovers(cid) and time.monotonic() < end:
        time.sleep(0.2)
    assert _leftovers(cid) == []
    assert a.monitor().code == 100
    r = a.online()
    assert r.code == 0 and "replacing our leftover exited container" in r.out, r
    assert a.clean().code == 0


def test_a_name_taken_between_the_look_and_the_create(real, tmp_path, monkeypatch):
    """ClusterLabs' podman checks `container exists` then runs: another creator can come
    in between. Here online's first inspect is made to miss a foreign container created
    meanwhile: the engine's conflict fails online, naming it, and the foreign container is
    left as it was."""
    from vxha.agents.drivers.docker import DockerDriver
    from vxha.agents.framework import build_argv, execute
    from vxha.vcs_types.catalog import project_type

    name = unique("web")
    real.docker("create", "--name", name, BUSYBOX)
    foreign = inspect_cli(real, name, "{{.Id}} {{.State.Status}}")
    looks = []
    inspect = DockerDriver.inspect

    def late(self, n, timeout):
        looks.append(n)
        return None if len(looks) == 1 else inspect(self, n, timeout)

    monkeypatch.setattr(DockerDriver, "inspect", late)
    values = {"Image": BUSYBOX, "DockerHost": real.host}
    argv = build_argv(project_type("Container"), name, values, "online", aep_timeout=20)
    env = {"VXHA_NODE_DIR": str(tmp_path)}
    # run as a launcher runs it (its deadline armed), in this process for the patch above:
    # the framework's SIGTERM and SIGALRM handlers are a launcher's, put back after it
    armed = {n: signal.getsignal(n) for n in (signal.SIGTERM, signal.SIGALRM)}
    try:
        out = execute("Container", "online", argv, env)
    finally:
        for n, handler in armed.items():
            signal.signal(n, handler)
    assert out.code == 1, out.lines
    text = " ".join(out.lines)
    assert f"container {name}" in text and "already in use" in text, text
    assert inspect_cli(real, name, "{{.Id}} {{.State.Status}}") == foreign


def test_stop_timeout_zero_is_force_kill(real, real_agent):
    """ClusterLabs' `force_kill` stops with `docker kill`; here `StopTimeout = 0`: the
    engine's stop kills at once, a main process ignoring TERM included."""
    a = real_agent(Image=BUSYBOX_NOTERM, StopTimeout=0)
    assert a.online().code == 0
    r = a.offline()
    assert r.code == 0 and r.elapsed < 5, r
    assert a.resource not in names(real)
