"""One interface suite for the container driver, run against the real dockerd and the fake,
so the fake cannot drift from what the engine does."""

from __future__ import annotations

import contextlib
import json
import os
import time

import pytest
from conftest import _empty as empty
from container_engines import BUSYBOX, BUSYBOX_HEALTH, BUSYBOX_NOTERM

from vxha.agents.drivers.docker import DockerDriver, ExecTimeout
from vxha.agents.drivers.docker_fake import FakeDocker
from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable
from vxha.agents.framework import Context

LABELS = {"vxha.resource": "web_ctr", "vxha.type": "Container"}
ADDON = "drv-addon:1"
ADDON_LABELS = {"vxos.image.type": "drv-addon", "vxos.image.version": "1"}


def spec(image=BUSYBOX, **kw):
    s = {"image": image, "labels": dict(LABELS), "init": True, "stop_timeout": 1}
    s.update(kw)
    return s


class RealWorld:
    kind = "real"

    def __init__(self, engine):
        self.d = engine
        self.drv = DockerDriver(Context({}), host=engine.host)

    def kill_outside(self, name):
        self.d.docker("kill", name)

    def ignore_term(self, name):
        """Real: the image's main process ignores TERM (the container is made from it)."""

    def noterm_image(self):
        return BUSYBOX_NOTERM

    def unavailable(self, tmp_path):
        return DockerDriver(Context({}), host=f"unix://{tmp_path}/absent.sock")

    def slow_exec(self, name, cmd):
        pass  # the real command really sleeps

    def processes(self, name):
        return self.d.docker("top", name).stdout.decode()

    def health_timer(self):
        return self.d.health_timer()

    @property
    def network(self):
        return {"docker": "bridge", "podman": "podman"}[self.d.kind]

    def addon_image(self):
        self.d.build_addon(ADDON, {"/opt/addon/a.txt": "a\n"}, "/opt/addon", ADDON_LABELS)
        return ADDON

    def volumes(self):
        return set(self.d.docker("volume", "ls", "-q").stdout.decode().split())


class FakeWorld:
    kind = "fake"

    def __init__(self, node_dir):
        self.ctx = Context(dict(os.environ))
        self.drv = FakeDocker(self.ctx)
        self.drv.add_image(BUSYBOX)
        self.drv.add_image(BUSYBOX_HEALTH, healthcheck=True)
        self.drv.add_image(BUSYBOX_NOTERM)
        self.node_dir = node_dir

    def kill_outside(self, name):
        self.drv.kill_outside(name)

    def ignore_term(self, name):
        self.drv.ignore_term(name)

    def noterm_image(self):
        return BUSYBOX_NOTERM

    def unavailable(self, tmp_path):
        (self.node_dir / "faults.json").write_text(
            json.dumps({"docker.inspect": {"mode": "unavailable"}})
        )
        return self.drv

    def slow_exec(self, name, cmd):
        self.drv.set_exec(name, cmd, code=0, seconds=30)

    def processes(self, name):
        return "\n".join(self.drv.running_execs(name))

    def health_timer(self):
        return contextlib.nullcontext()

    network = "bridge"

    def addon_image(self):
        self.drv.add_image(ADDON, labels=ADDON_LABELS, volumes=["/opt/addon"])
        return ADDON

    def volumes(self):
        return set(self.drv.volumes())


@pytest.fixture(
    params=[
        "fake",
        pytest.param("docker", marks=pytest.mark.real),
        pytest.param("podman", marks=pytest.mark.real),
    ]
)
def world(request, tmp_path):
    if request.param == "fake":
        yield FakeWorld(request.getfixturevalue("node_dir"))
        return
    engine = request.getfixturevalue("dockerd" if request.param == "docker" else "podman")
    yield RealWorld(engine)
    empty(engine)


def test_absent_container_and_images(world):
    drv = world.drv
    assert drv.inspect("nosuch_ctr", timeout=5) is None
    assert drv.container_address("nosuch_ctr") is None
    assert drv.image_present(BUSYBOX, timeout=5) is True
    assert drv.image_present("local/absent:1", timeout=5) is False
    assert drv.stop("nosuch_ctr", 1, timeout=5) is False
    assert drv.kill("nosuch_ctr", timeout=5) is False
    assert drv.remove("nosuch_ctr", timeout=5) is False


def test_life_cycle(world):
    drv = world.drv
    cid = drv.create("drv_life", spec(env={"GREETING": "hi"}), timeout=10)
    info = drv.inspect("drv_life", timeout=5)
    assert info["id"] == cid and info["state"] == "created" and info["name"] == "drv_life"
    assert info["labels"]["vxha.resource"] == "web_ctr"
    assert drv.container_address("drv_life") is None
    drv.start("drv_life", timeout=10)
    info = drv.inspect("drv_life", timeout=5)
    assert info["state"] == "running"
    assert info["started_at"] and info["restart_count"] == 0  # info's StartedAt, RestartCount
    address = drv.container_address("drv_life")
    assert address and address.count(".") == 3
    assert drv.container_address("drv_life", network=world.network) == address
    assert drv.container_address("drv_life", network="nonet") is None
    drv.start("drv_life", timeout=10)  # starting a running container is fine
    assert drv.stop("drv_life", 1, timeout=10) is True
    info = drv.inspect("drv_life", timeout=5)
    assert info["state"] == "exited"
    assert drv.container_address("drv_life") is None
    drv.start("drv_life", timeout=10)
    assert drv.inspect("drv_life", timeout=5)["state"] == "running"
    assert drv.kill("drv_life", timeout=5) is True
    assert drv.inspect("drv_life", timeout=5)["state"] == "exited"
    assert drv.kill("drv_life", timeout=5) is False  # not running
    assert drv.remove("drv_life", timeout=10) is True
    assert drv.inspect("drv_life", timeout=5) is None


def test_create_errors(world):
    drv = world.drv
    with pytest.raises(DriverError, match="(?i)no such image"):
        drv.create("drv_noimage", spec(image="local/absent:1"), timeout=10)
    drv.create("drv_twice", spec(), timeout=10)
    with pytest.raises(DriverError, match="(?i)already in use"):
        drv.create("drv_twice", spec(), timeout=10)
    drv.remove("drv_twice", timeout=10)


def test_exec(world):
    """Not running: refused; running: a command's exit code and output. The fake answers
    what it was told (its own tests check that); what it must share with the engine is
    the refusal and the shape of the answer, checked here on both."""
    drv = world.drv
    drv.create("drv_exec", spec(), timeout=10)
    with pytest.raises(DriverError, match="not running"):
        drv.exec("drv_exec", ["/bin/sh", "-c", "true"], timeout=5)
    drv.start("drv_exec", timeout=10)
    code, out = drv.exec("drv_exec", ["/bin/sh", "-c", "true"], timeout=5)
    assert (code, out) == (0, "")
    world.kill_outside("drv_exec")
    with pytest.raises(DriverError, match="not running"):
        drv.exec("drv_exec", ["/bin/sh", "-c", "true"], timeout=5)


@pytest.mark.real
@pytest.mark.parametrize("kind", ["docker", "podman"])
def test_exec_output_and_code(request, kind):
    engine = request.getfixturevalue("dockerd" if kind == "docker" else "podman")
    drv = RealWorld(engine).drv
    try:
        drv.create("drv_exec_out", spec(), timeout=10)
        drv.start("drv_exec_out", timeout=10)
        code, out = drv.exec("drv_exec_out", ["/bin/sh", "-c", "echo out; exit 3"], timeout=5)
        assert (code, out) == (3, "out\n")
        code, out = drv.exec("drv_exec_out", ["/bin/sh", "-c", "echo err >&2; exit 0"], timeout=5)
        assert (code, out) == (0, "err\n")
    finally:
        empty(engine)


def test_exec_timeout_kills_the_command(world):
    drv = world.drv
    drv.create("drv_slow", spec(), timeout=10)
    drv.start("drv_slow", timeout=10)
    world.slow_exec("drv_slow", "sleep 37")
    start = time.monotonic()
    with pytest.raises(ExecTimeout):
        drv.exec("drv_slow", ["/bin/sh", "-c", "sleep 37"], timeout=1)
    assert time.monotonic() - start < 5
    time.sleep(0.2)
    assert "sleep 37" not in world.processes("drv_slow")  # no exec session left behind


def test_stop_kills_after_the_grace_period(world):
    drv = world.drv
    drv.create("drv_noterm", spec(image=world.noterm_image()), timeout=10)
    drv.start("drv_noterm", timeout=10)
    world.ignore_term("drv_noterm")
    time.sleep(0.3)  # let the shell install its trap
    start = time.monotonic()
    assert drv.stop("drv_noterm", 1, timeout=15) is True
    assert 0.9 < time.monotonic() - start < 8
    info = drv.inspect("drv_noterm", timeout=5)
    assert info["state"] == "exited" and info["exit_code"] == 137


def test_killed_from_outside(world):
    drv = world.drv
    drv.create("drv_outside", spec(), timeout=10)
    drv.start("drv_outside", timeout=10)
    world.kill_outside("drv_outside")
    info = drv.inspect("drv_outside", timeout=5)
    assert info["state"] == "exited" and info["exit_code"] == 137


def test_image_health(world):
    drv = world.drv
    drv.create("drv_health", spec(image=BUSYBOX_HEALTH), timeout=10)
    drv.start("drv_health", timeout=10)
    end = time.monotonic() + 10
    with world.health_timer():
        while drv.inspect("drv_health", timeout=5)["health"] != "healthy":
            assert time.monotonic() < end, "never healthy"
            time.sleep(0.2)
    drv.create("drv_nohealth", spec(image=BUSYBOX_HEALTH, image_health=False), timeout=10)
    drv.start("drv_nohealth", timeout=10)
    info = drv.inspect("drv_nohealth", timeout=5)
    assert info["health"] is None and info["healthcheck_disabled"] is True


def test_pull_without_registry_fails(world):
    with pytest.raises(DriverError, match="local/absent"):
        world.drv.pull("local/absent:1", timeout=20)


def test_unavailable_engine(world, tmp_path):
    drv = world.unavailable(tmp_path)
    with pytest.raises(DriverUnavailable):
        drv.inspect("drv_any", timeout=2)


def _wait_state(drv, name, state, seconds=10):
    end = time.monotonic() + seconds
    while drv.inspect(name, timeout=5)["state"] != state:
        assert time.monotonic() < end, f"{name} never {state}"
        time.sleep(0.05)


def test_main_process(world):
    """The container's main process, identified so that the host alone can tell it runs
    and end it: what monitor and clean use when the engine does not answer."""
    drv = world.drv
    drv.create("drv_proc", spec(), timeout=10)
    assert drv.inspect("drv_proc", timeout=5)["pid"] is None  # created: no process yet
    drv.start("drv_proc", timeout=10)
    first = drv.main_process(drv.inspect("drv_proc", timeout=5))
    assert first and drv.process_alive(first)
    world.kill_outside("drv_proc")
    _wait_state(drv, "drv_proc", "exited")
    assert not drv.process_alive(first)
    drv.start("drv_proc", timeout=10)
    second = drv.main_process(drv.inspect("drv_proc", timeout=5))
    assert second != first and drv.process_alive(second)
    assert not drv.process_alive(first)  # an old record never passes for the new process
    assert drv.kill_process(second, timeout=5) is True
    assert not drv.process_alive(second)
    _wait_state(drv, "drv_proc", "exited")  # the engine sees its container die
    assert drv.kill_process(second, timeout=5) is True  # already gone: done


def test_data_containers(world):
    """An add-on's image read (labels, VOLUME paths), its data container created, found by
    its labels, mounted by another container, and removed with its volume."""
    drv = world.drv
    ref = world.addon_image()
    info = drv.image_info(ref, timeout=5)
    assert info["labels"]["vxos.image.type"] == "drv-addon" and info["volumes"] == ["/opt/addon"]
    assert info["id"]
    assert drv.image_info("local/absent:1", timeout=5) is None
    before = world.volumes()
    data_labels = {"vxha.resource": "web_ctr", "vxha.type": "Container.addon"}
    drv.create_data("drv_data", ref, "/opt/addon", data_labels, timeout=10)
    assert drv.inspect("drv_data", timeout=5)["labels"]["vxha.type"] == "Container.addon"
    assert len(world.volumes() - before) == 1
    drv.create("drv_user", spec(volumes_from=["drv_data"]), timeout=10)
    with pytest.raises(DriverError, match="(?i)no such container"):
        drv.create("drv_user2", spec(volumes_from=["drv_absent"]), timeout=10)
    found = drv.labelled({"vxha.resource": "web_ctr"}, timeout=5)
    assert sorted(c["name"] for c in found) == ["drv_data", "drv_user"]
    assert {c["labels"]["vxha.type"] for c in found} == {"Container", "Container.addon"}
    assert drv.labelled({"vxha.resource": "web_ctr", "vxha.type": "Container.addon"},
                        timeout=5)[0]["name"] == "drv_data"  # fmt: skip
    assert drv.labelled({"vxha.resource": "db_ctr"}, timeout=5) == []
    assert drv.remove("drv_user", timeout=10) is True
    assert drv.remove("drv_data", timeout=10, volumes=True) is True
    assert world.volumes() == before
