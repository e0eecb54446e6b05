"""The Container entry points through the installed launchers, on a private real dockerd."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from container_engines import BUSYBOX, BUSYBOX_EXIT, BUSYBOX_HEALTH, BUSYBOX_NOTERM
from container_helpers import inspect_cli
from monitor_imports import heavy
from realtier import info_pairs

pytestmark = pytest.mark.real


def names(dockerd):
    out = dockerd.docker("ps", "-a", "--format", "{{.Names}}").stdout.decode()
    return set(out.split())


def full_inspect(dockerd, name):
    return json.loads(dockerd.docker("inspect", name).stdout)[0]


def test_round_trip(real, real_agent, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    a = real_agent(
        Memory="64m",
        CPUs="0.5",
        Env={"GREETING": "hello"},
        Mounts={str(data): "/data"},
        Labels={"app": "web"},
        Hostname="web1",
    )
    assert a.monitor().code == 100
    r = a.online()
    assert r.code == 0, r
    assert a.monitor().code == 110
    c = full_inspect(real, a.resource)
    assert c["Config"]["Labels"]["vxha.resource"] == a.resource
    assert c["Config"]["Labels"]["vxha.type"] == "Container"
    assert c["Config"]["Labels"]["app"] == "web"
    assert c["Config"]["Hostname"] == "web1"
    assert "GREETING=hello" in c["Config"]["Env"]
    assert c["HostConfig"]["Init"] is True
    assert c["HostConfig"]["Privileged"] is False
    assert c["HostConfig"]["Memory"] == 64 << 20
    assert c["HostConfig"]["NanoCpus"] == 500_000_000
    assert c["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert c["Mounts"][0]["Source"] == str(data) and c["Mounts"][0]["RW"] is True
    r = a.offline()
    assert r.code == 0, r
    assert a.resource not in names(real)
    assert a.monitor().code == 100
    assert a.clean().code == 0


def test_monitor_imports_only_what_it_needs(real, real_agent, regular_install):
    """monitor of a running container on a regular install: no re, json, enum, subprocess,
    socket, nor os (docs/framework.md, "What a monitor imports")."""
    from container_helpers import DECL

    from vxha.agents.framework import build_argv

    a = real_agent(Memory="64m", CPUs="0.5", Env={"K": "v"}, Hostname="web1", User="0:0")
    assert a.online().code == 0
    argv = build_argv(DECL, a.resource, a.values, "monitor", aep_timeout=10)
    code, names = regular_install.imports("Container", "monitor", argv, a.env)
    assert code == 110
    assert "vxha.agents.drivers.docker" in names
    assert heavy(names) == []
    assert a.clean(reason=1).code == 0


def test_ocf_tester_sequence(real, real_agent):
    a = real_agent()
    assert a.online().code == 0
    first = inspect_cli(real, a.resource, "{{.Id}}")
    r = a.online()
    assert r.code == 0 and "already running" in r.out
    assert inspect_cli(real, a.resource, "{{.Id}}") == first
    assert a.monitor().code == 110
    assert a.offline().code == 0
    r = a.offline()
    assert r.code == 0 and "already gone" in r.out
    assert a.monitor().code == 100


def test_killed_from_outside_then_online_replaces_it(real, real_agent):
    a = real_agent()
    assert a.online().code == 0
    first = inspect_cli(real, a.resource, "{{.Id}}")
    real.docker("kill", a.resource)
    assert a.monitor().code == 100
    r = a.online()
    assert r.code == 0, r
    assert "replacing our leftover exited container" in r.out
    assert inspect_cli(real, a.resource, "{{.Id}}") != first
    assert a.monitor().code == 110
    assert a.clean().code == 0
    assert a.resource not in names(real)


def test_health_cmd(real, real_agent):
    a = real_agent(HealthCmd="test ! -f /tmp/broken", StartupCmds=["touch /tmp/started"])
    r = a.online()
    assert r.code == 0, r
    real.docker("exec", a.resource, "test", "-f", "/tmp/started")
    assert a.monitor().code == 110
    real.docker("exec", a.resource, "touch", "/tmp/broken")
    r = a.monitor()
    assert r.code == 100
    assert "not healthy: HealthCmd exited with 1" in r.out


def test_hanging_health_cmd_is_bounded_and_killed(real, real_agent):
    a = real_agent(HealthCmd="sleep 31", HealthTimeout=1)
    # online would wait for health: start it with a passing check, then switch.
    assert a.online(HealthCmd="true").code == 0
    r = a.monitor(aep=10)
    assert r.code == 100
    assert "HealthCmd did not finish within 1 s" in r.out
    assert r.elapsed < 4
    time.sleep(0.2)
    assert "sleep 31" not in real.docker("top", a.resource).stdout.decode()


def test_image_health(real, real_agent):
    a = real_agent(Image=BUSYBOX_HEALTH, UseImageHealth=1)
    with real.health_timer():
        r = a.online()
        assert r.code == 0, r
        assert inspect_cli(real, a.resource, "{{.State.Health.Status}}") == "healthy"
        assert a.monitor().code == 110
        real.docker("exec", a.resource, "rm", "/tmp/healthy")
        end = time.monotonic() + 10
        while inspect_cli(real, a.resource, "{{.State.Health.Status}}") != "unhealthy":
            assert time.monotonic() < end
            time.sleep(0.2)
    r = a.monitor()
    assert r.code == 100 and "health check reports unhealthy" in r.out


def test_image_health_ignored_unless_asked(real, real_agent):
    a = real_agent(Image=BUSYBOX_HEALTH)
    assert a.online().code == 0
    # the image's check is disabled: nobody reads it, so the engine does not run it
    assert inspect_cli(real, a.resource, "{{json .Config.Healthcheck.Test}}") == '["NONE"]'
    assert a.monitor().code == 110


def test_container_ignoring_term(real, real_agent):
    a = real_agent(Image=BUSYBOX_NOTERM, StopTimeout=1)
    assert a.online().code == 0
    time.sleep(0.3)
    r = a.offline()
    assert r.code == 0, r
    assert 0.9 < r.elapsed < 8
    assert a.resource not in names(real)
    assert a.online().code == 0
    r = a.clean(reason=2, aep=10)
    assert r.code == 0, r
    assert r.elapsed < 10
    assert a.resource not in names(real)


def test_foreign_container_survives_every_entry_point(real, real_agent):
    a = real_agent()
    real.docker("run", "-d", "--name", a.resource, "local/busybox:1")
    foreign = inspect_cli(real, a.resource, "{{.Id}}")
    r = a.online()
    assert r.code == 1 and "not created by vxha" in r.out and "left untouched" in r.out
    r = a.monitor()
    assert r.code == 100 and "not created by vxha" in r.out
    r = a.monitor()
    assert r.code == 100 and r.out == ""  # logged once, not at every monitor
    assert a.offline().code == 0
    assert a.clean().code == 0
    assert inspect_cli(real, a.resource, "{{.Id}}") == foreign
    assert inspect_cli(real, a.resource) == "running"


def test_clean_keeps_bind_mounted_data(real, real_agent, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "before").write_text("kept")
    a = real_agent(Mounts={str(data): "/data"}, StartupCmds=["echo written > /data/inside"])
    assert a.online().code == 0
    assert (data / "inside").read_text() == "written\n"
    assert a.clean().code == 0
    assert a.resource not in names(real)
    assert (data / "before").read_text() == "kept"
    assert (data / "inside").read_text() == "written\n"


def test_read_only_mount(real, real_agent, tmp_path):
    data = tmp_path / "ro"
    data.mkdir()
    a = real_agent(Mounts={str(data): "/ro:ro"}, StartupCmds=["touch /ro/x"])
    r = a.online()
    assert r.code == 1 and "startup command 'touch /ro/x' exited with 1" in r.out
    assert "Read-only file system" in r.out
    assert a.resource not in names(real)  # a failed online leaves nothing running


def test_online_failures_leave_nothing(real, real_agent):
    a = real_agent(Image="local/absent:1")
    r = a.online()
    assert r.code == 1 and "image local/absent:1 is not present" in r.out
    assert a.resource not in names(real)
    r = a.online(AllowPull=1)
    assert r.code == 1 and "pull local/absent:1" in r.out
    b = real_agent(Image=BUSYBOX_EXIT)
    r = b.online()
    assert r.code == 1 and "exited with code 3" in r.out and "boom" in r.out
    assert b.resource not in names(real)
    assert b.monitor().code == 100


def test_missing_bind_source_is_not_created(real, real_agent, tmp_path):
    a = real_agent(Mounts={str(tmp_path / "absent"): "/data"})
    r = a.online()
    assert r.code == 1 and "does not exist" in r.out
    assert not (tmp_path / "absent").exists()


def test_reuse_keeps_the_container(real, real_agent):
    a = real_agent(Reuse=1)
    assert a.online().code == 0
    first = inspect_cli(real, a.resource, "{{.Id}}")
    real.docker("exec", a.resource, "touch", "/kept")
    assert a.offline().code == 0
    assert inspect_cli(real, a.resource) == "exited"
    assert a.monitor().code == 100
    assert a.online().code == 0
    assert inspect_cli(real, a.resource, "{{.Id}}") == first
    real.docker("exec", a.resource, "test", "-f", "/kept")
    # a changed configuration is not reused: the container is made anew
    assert a.offline().code == 0
    assert a.online(Env={"NEW": "1"}).code == 0
    assert inspect_cli(real, a.resource, "{{.Id}}") != first
    assert a.clean().code == 0
    assert a.resource not in names(real)


BAD = [
    ({"Image": "local/busy box:1"}, "Image", "contains white space"),
    ({"Image": "-local/busybox:1"}, "Image", "starts with '-'"),
    ({"Mounts": {"relative/dir": "/data"}}, "Mounts", "is not an absolute path"),
    ({"Mounts": {"/tmp/../etc": "/data"}}, "Mounts", "contains '..'"),
    ({"Mounts": {"/tmp": "/data/../x"}}, "Mounts", "contains '..'"),
    ({"Env": {"1BAD": "x"}}, "Env", "is not a variable name"),
    ({"Env": {"A-B": "x"}}, "Env", "is not a variable name"),
    ({"Memory": "12XB"}, "Memory", "'12XB' is not a size"),
]


@pytest.mark.parametrize("values,attr,text", BAD, ids=[b[2] for b in BAD])
def test_bad_input_creates_nothing(real, real_agent, values, attr, text):
    a = real_agent(**values)
    for ep, code in (("online", 1), ("monitor", 99), ("offline", 1), ("clean", 1)):
        r = a.run(ep, reason=4 if ep == "clean" else None)
        assert r.code == code, (ep, r)
        assert f"attribute {attr}: " in r.out and text in r.out, r.out
    assert a.resource not in names(real)


def test_clean_ends_leftover_exec_sessions(real, real_agent):
    a = real_agent()
    assert a.online().code == 0
    # a health check stuck inside the container, as after a monitor VCS killed (reason 5)
    real.docker("exec", "-d", a.resource, "sleep", "4242")
    time.sleep(0.2)
    assert "sleep 4242" in real.docker("top", a.resource).stdout.decode()
    r = a.clean(reason=5)
    assert r.code == 0, r
    assert a.resource not in names(real)
    time.sleep(0.2)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    assert f.read() != b"sleep\x004242\x00"
            except OSError:
                pass


def test_options(real, real_agent):
    net = f"vxn{os.getpid() % 100000}"
    real.docker("network", "create", net)
    try:
        a = real_agent(
            Network=net,
            User="1000:1000",
            CapDrop=["ALL"],
            ReadOnly=1,
            # nproc explicit: this sandbox refuses the nproc limit Podman sets by default for
            # a non-root user (TESTBED.md, "Podman"). The test service's default_ulimits
            # (nofile, nproc) sometimes win over a container's own for the same limit, so
            # the check reads core, which they do not set.
            Ulimits={"nofile": "512:1024", "nproc": "512:1024", "core": "0:1024"},
            ShmSize="8m",
            Tmpfs={"/scratch": "size=4m"},
            Devices=["/dev/zero:/dev/xzero:r"],
            GrantDevices=["/dev/zero"],
            Command=["/bin/sleep", "4242"],
        )
        r = a.online()
        assert r.code == 0, r
        assert a.monitor().code == 110

        def sh(cmd):
            return real.docker("exec", a.resource, "/bin/sh", "-c", cmd, check=False)

        assert sh("id -u").stdout.strip() == b"1000"
        assert sh("touch /x").returncode != 0  # read-only root file system
        assert sh("touch /scratch/x").returncode == 0  # the tmpfs
        limits = sh("cat /proc/self/limits").stdout.decode()
        assert re.search(r"Max core file size\s+0\s+1024", limits), limits
        assert sh("test -c /dev/xzero").returncode == 0
        assert b"4242" in real.docker("top", a.resource).stdout
        c = full_inspect(real, a.resource)
        # (Podman reports a named network's NetworkMode as "bridge"; the networks agree.)
        assert c["HostConfig"]["ShmSize"] == 8 << 20
        assert re.search(r"CapBnd:\s+0+\n", sh("cat /proc/1/status").stdout.decode())
        assert list(c["NetworkSettings"]["Networks"]) == [net]
        assert a.clean().code == 0
    finally:
        real.docker("network", "rm", net, check=False)


def test_network_none_and_granted_host(real, real_agent):
    a = real_agent(Network="none")
    assert a.online().code == 0
    out = real.docker("exec", a.resource, "ip", "-o", "link").stdout.decode()
    assert "lo:" in out and "eth0" not in out
    b = real_agent(Network="host", GrantHostNetwork=1)
    assert b.online().code == 0
    assert full_inspect(real, b.resource)["HostConfig"]["NetworkMode"] == "host"
    c = real_agent(Network="host")  # not granted
    r = c.online()
    assert r.code == 1 and "attribute Network" in r.out and "GrantHostNetwork" in r.out
    assert c.resource not in names(real)


def test_allow_pull_from_a_registry(real, real_agent):
    """A registry reference pulled on online only with AllowPull, from a registry on the
    engine's own loopback (Debian's docker-registry: nothing leaves the machine)."""
    registry = real.start_registry()
    ref = f"{registry}/vxt/busybox:{os.getpid()}"
    real.docker("tag", BUSYBOX, ref)
    real.docker("push", ref, timeout=120)
    real.docker("rmi", ref)
    a = real_agent(Image=ref)
    r = a.online()
    assert r.code == 1 and f"image {ref} is not present" in r.out and "AllowPull" in r.out
    assert a.resource not in names(real)
    r = a.online(AllowPull=1)
    assert r.code == 0, r
    assert "pulling image" in r.out
    assert a.monitor(AllowPull=1).code == 110
    assert a.clean().code == 0
    real.docker("rmi", ref, check=False)


def test_paused_and_restarting_are_offline_and_go_away(real, real_agent):
    """ClusterLabs' docker reads `docker inspect .State.Running`, true for a paused
    container; docs/container.md says paused and restarting are 100, and offline and clean
    take the container away whatever its state."""
    a = real_agent()
    for ep in ("offline", "clean"):
        assert a.online().code == 0
        real.docker("pause", a.resource)
        assert inspect_cli(real, a.resource) == "paused"
        r = a.monitor()
        assert r.code == 100, r
        assert f"container {a.resource} is paused" in r.out
        r = a.run(ep, reason=4 if ep == "clean" else None)
        assert r.code == 0, r
        assert a.resource not in names(real)
    if real.kind != "docker":
        return  # Podman's compatible service has no `update` to set a restart policy
    # a restart policy set outside VCS and a main process that dies: restarting
    # The main process dies only once told to, after the policy is set: a policy set on a
    # container that has already exited restarts nothing, which a loaded machine's slow
    # `docker update` after a fixed delay could meet. The file stays in the container's
    # layer, so every restart dies at once again.
    die = "while [ ! -e /tmp/die ]; do sleep 0.1; done; exit 3"
    a = real_agent(Command=["/bin/sh", "-c", die])
    assert a.online().code == 0
    real.docker("update", "--restart=always", a.resource)
    real.docker("exec", a.resource, "touch", "/tmp/die")
    # "restarting" lasts only the engine's back-off between two runs, which a loaded
    # machine's polling can miss: a restart counted shows the engine restarting it too
    end = time.monotonic() + 30
    seen = ["?"]
    while time.monotonic() < end:
        seen.append(inspect_cli(real, a.resource, "{{.State.Status}} {{.RestartCount}}"))
        status, count = seen[-1].split()
        if status == "restarting" or int(count) >= 1:
            break
        time.sleep(0.05)
    cmd = inspect_cli(real, a.resource, "{{json .Config.Cmd}} {{.HostConfig.RestartPolicy.Name}}")
    assert status == "restarting" or int(count) >= 1, (seen[-5:], cmd)
    assert a.clean().code == 0  # the engine would restart it again: clean must win
    assert a.resource not in names(real)


def test_info_tells_the_engines_start_time_restart_count_and_image(real, real_agent, tmp_path):
    """info's pairs are what the engine's inspect says (docs/container.md "info"):
    `StartedAt` when the engine last started the container, `RestartCount` its restart
    count, `Image` the image's digest (the id the engine gives) rather than the reference;
    `unknown` is only for a value the engine does not give, and both engines give these."""
    a = real_agent()
    a.env["VCS_HOME"] = str(tmp_path)  # no hares: the pairs are printed only
    assert a.online().code == 0
    r = a.run("info")
    assert r.code == 0, r
    got = info_pairs(r.out)
    engine = full_inspect(real, a.resource)
    assert got["StartedAt"] == engine["State"]["StartedAt"]
    assert got["RestartCount"] == str(engine["RestartCount"]) == "0"
    assert got["Image"] == engine["Image"]
    assert a.clean().code == 0
