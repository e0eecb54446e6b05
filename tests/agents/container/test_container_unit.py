"""Unit tests: attribute checks, the Engine API transport, and error paths a real daemon
cannot easily produce (driver mocked with pytest-mock)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from container_helpers import DECL

from vxha.agents import container as ctr
from vxha.agents.drivers import docker as drvmod
from vxha.agents.drivers.docker import DockerDriver, ExecTimeout
from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable
from vxha.agents.framework import (
    OFFLINE,
    ONLINE,
    UNKNOWN,
    AgentError,
    ConfigError,
    Context,
    DeadlineExceeded,
    Resource,
)

# -- attribute checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,value",
    [
        ("512m", 512 << 20),
        ("4g", 4 << 30),
        ("4G", 4 << 30),
        ("4GiB", 4 << 30),
        ("4gb", 4 << 30),
        ("1.5g", int(1.5 * (1 << 30))),
        ("67108864", 64 << 20),
        ("64 m", 64 << 20),
        ("1t", 1 << 40),
    ],
)
def test_memory_units(text, value):
    assert ctr.parse_memory(text) == value


@pytest.mark.parametrize("text", ["12XB", "m", "-1g", "1gg", "1 g b", "ib", "4iB", "0x10"])
def test_memory_rejected(text):
    with pytest.raises(ConfigError) as e:
        ctr.parse_memory(text)
    assert e.value.attr == "Memory"


@pytest.mark.parametrize(
    "image",
    [
        "busybox",
        "local/busybox:1",
        "registry.example.com:5000/team/app:1.2.3",
        "app@sha256:" + "a" * 64,
        "sha256:" + "b" * 64,
        "0123456789ab",
        "my_app-x.y/z__w:latest",
    ],
)
def test_image_accepted(image):
    ctr.check_image(image)


@pytest.mark.parametrize(
    "image,why",
    [
        ("a b", "white space"),
        ("a\tb", "white space"),
        ("-a", "starts with '-'"),
        ("--privileged", "starts with '-'"),
        ("", "no image given"),
        ("Upper/Case", "not an image reference"),
        ("app:", "not an image reference"),
        ("app:tag:again", "not an image reference"),
        ("app;rm", "not an image reference"),
    ],
)
def test_image_rejected(image, why):
    with pytest.raises(ConfigError, match=why) as e:
        ctr.check_image(image)
    assert e.value.attr == "Image"


@pytest.mark.parametrize(
    "path,why",
    [("rel", "absolute"), ("/a/..", "'..'"), ("/a/../b", "'..'"), ("/a/./b", "normalized")],
)
def test_paths_rejected(path, why):
    with pytest.raises(ConfigError, match=why):
        ctr.check_path(path, "host path")


# -- agent error paths with a mocked driver ---------------------------------------------


def make_res(tmp_path, entry_point="monitor", aep=10, inprocess=False, **values):
    from vxha.agents.framework import build_argv, parse_argv

    values.setdefault("Image", "local/busybox:1")
    argv = build_argv(DECL, "web_ctr", values, entry_point, reason=4)
    name, vals, reason, _ = parse_argv(DECL, entry_point, argv)
    env = {"VXHA_NODE_DIR": str(tmp_path), "VXHA_DRIVERS": "fake"}
    ctx = Context(env, inprocess=inprocess)
    return Resource(name, DECL, entry_point, vals, ctx, time.monotonic() + aep, reason)


def ours(state="running", **kw):
    info = {
        "id": "c0ffee" * 10,
        "name": "web_ctr",
        "image": "local/busybox:1",
        "state": state,
        "health": None,
        "exit_code": 0,
        "pid": None,
        "labels": {"vxha.resource": "web_ctr", "vxha.type": "Container"},
        "addresses": {},
        "healthcheck_disabled": True,
    }
    info.update(kw)
    return info


@pytest.fixture
def agent_with(mocker, tmp_path):
    def make(entry_point="monitor", aep=10, inprocess=False, **values):
        res = make_res(tmp_path, entry_point, aep, inprocess, **values)
        drv = mocker.MagicMock(name="driver")
        res.ctx._drivers["docker"] = drv
        agent = ctr.ContainerAgent()
        agent.validate(res)
        return agent, res, drv

    return make


def test_monitor_engine_error_is_unknown(agent_with):
    agent, res, drv = agent_with()
    drv.inspect.side_effect = DriverError("inspect web_ctr: server error (HTTP 500)")
    assert agent.monitor(res) == UNKNOWN
    assert "HTTP 500" in res.log.lines[-1]


@pytest.mark.parametrize("state", ["paused", "restarting", "removing", "dead"])
def test_monitor_other_states_are_offline(agent_with, state):
    agent, res, drv = agent_with()
    drv.inspect.return_value = ours(state)
    assert agent.monitor(res) == OFFLINE
    assert f"is {state}" in res.log.lines[-1]


def test_monitor_running_without_health_does_not_exec(agent_with):
    agent, res, drv = agent_with()
    drv.inspect.return_value = ours(health="unhealthy")  # UseImageHealth is 0
    assert agent.monitor(res) == ONLINE
    drv.exec.assert_not_called()


def test_monitor_health_cmd_timeout_is_offline(agent_with):
    agent, res, drv = agent_with(HealthCmd="check", HealthTimeout=3)
    drv.inspect.return_value = ours()
    drv.exec.side_effect = ExecTimeout("'check' did not finish within 3.0 s")
    assert agent.monitor(res) == OFFLINE
    assert drv.exec.call_args.kwargs["timeout"] <= 3
    assert drv.exec.call_args.args[1] == ["/bin/sh", "-c", "check"]


@pytest.mark.parametrize("alive,code", [(True, ONLINE), (False, OFFLINE)])
def test_monitor_engine_gone_during_health_exec_decides_from_the_process(agent_with, alive, code):
    agent, res, drv = agent_with(HealthCmd="check")
    drv.inspect.return_value = ours(pid=4242)
    drv.main_process.return_value = "4242 99 boot"
    drv.exec.side_effect = DriverUnavailable("docker engine is not reachable")
    drv.process_alive.return_value = alive
    assert agent.monitor(res) == code
    (record,) = drv.process_alive.call_args.args
    assert record.split() == ["4242", "99", "boot", "c0ffee" * 10]


def test_monitor_health_exec_refused_is_offline(agent_with):
    agent, res, drv = agent_with(HealthCmd="check")
    drv.inspect.return_value = ours()
    drv.exec.side_effect = DriverError("container web_ctr is not running (HTTP 409)")
    assert agent.monitor(res) == OFFLINE
    assert "HealthCmd could not run: container web_ctr is not running" in res.log.lines[-1]


def test_online_create_failure_is_reported(agent_with):
    agent, res, drv = agent_with("online")
    drv.inspect.return_value = None
    drv.image_present.return_value = True
    drv.create.side_effect = DriverError("create: invalid mount config (HTTP 400)")
    with pytest.raises(AgentError, match="invalid mount config"):
        agent.online(res)
    drv.start.assert_not_called()


def test_online_failing_startup_undoes(agent_with):
    agent, res, drv = agent_with("online", StartupCmds=["load"])
    drv.inspect.side_effect = [None, ours(), ours()]
    drv.image_present.return_value = True
    drv.exec.return_value = (4, "no data\n")
    with pytest.raises(AgentError, match="startup command 'load' exited with 4: no data"):
        agent.online(res)
    drv.kill.assert_called_once()
    drv.remove.assert_called_once()


def test_online_with_reuse_only_kills_on_failure(agent_with):
    agent, res, drv = agent_with("online", StartupCmds=["load"], Reuse=1)
    drv.inspect.side_effect = [None, ours(), ours()]
    drv.image_present.return_value = True
    drv.exec.return_value = (1, "")
    with pytest.raises(AgentError):
        agent.online(res)
    drv.kill.assert_called_once()
    drv.remove.assert_not_called()


def test_online_replaces_a_stuck_removal(agent_with):
    agent, res, drv = agent_with("online")
    # ours, dead; removal in progress once; then gone; then running after start
    drv.inspect.side_effect = [ours("dead"), ours("removing"), None, ours(), ours()]
    drv.remove.side_effect = [DriverError("removal already in progress"), False]
    drv.image_present.return_value = True
    assert agent.online(res) is None
    drv.create.assert_called_once()


def test_online_fails_for_a_container_that_exits_at_once(agent_with):
    agent, res, drv = agent_with("online")
    # running at the first look, exited after the settle pause
    drv.inspect.side_effect = [None, ours(), ours("exited", exit_code=3)]
    drv.image_present.return_value = True
    drv.logs.return_value = "boom\n"
    with pytest.raises(AgentError, match="exited with code 3 while starting; last output: boom"):
        agent.online(res)
    drv.remove.assert_called_once()


def test_simulation_never_waits(agent_with):
    """In process (the simulator) nothing changes during a call: not ready is a timeout."""
    agent, res, drv = agent_with("online", inprocess=True, UseImageHealth=1)
    drv.inspect.side_effect = [None, ours(health="starting")]
    drv.image_present.return_value = True
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="reports starting"):
        agent.online(res)
    assert time.monotonic() - start < 0.2


def test_offline_survives_removal_in_progress(agent_with):
    agent, res, drv = agent_with("offline", aep=60)
    drv.inspect.side_effect = [ours(), ours("removing"), None]
    drv.remove.side_effect = [DriverError("removal already in progress"), False]
    assert agent.offline(res) is None
    drv.stop.assert_called_once()
    assert drv.stop.call_args.args[1] == 30  # StopTimeout


def test_offline_of_a_paused_container_unpauses_first(agent_with):
    agent, res, drv = agent_with("offline")
    drv.inspect.side_effect = [ours("paused"), None]
    assert agent.offline(res) is None
    drv.unpause.assert_called_once()
    drv.stop.assert_called_once()


def test_offline_fails_when_the_container_stays(agent_with):
    agent, res, drv = agent_with("offline", aep=1)
    drv.inspect.return_value = ours("exited")
    with pytest.raises(AgentError, match="still present"):
        agent.offline(res)


def test_clean_unavailable_with_nothing_recorded_is_failure(agent_with):
    agent, res, drv = agent_with("clean")
    drv.inspect.side_effect = DriverUnavailable("docker engine is not reachable")
    assert agent.clean(res) is False
    assert "cannot tell whether it runs" in res.log.lines[-1]
    drv.kill_process.assert_not_called()


@pytest.mark.parametrize("gone", [True, False])
def test_clean_unavailable_kills_the_recorded_process(agent_with, gone):
    from vxha.agents import statefile

    agent, res, drv = agent_with("clean")
    statefile.write(res.ctx, ctr.record_name(res), "4242 99 boot c0ffee\n")
    drv.inspect.side_effect = DriverUnavailable("docker engine is not reachable")
    drv.kill_process.return_value = gone
    assert agent.clean(res) is gone
    assert drv.kill_process.call_args.args[0].split()[0] == "4242"
    assert statefile.read(res.ctx, ctr.record_name(res)) == "4242 99 boot c0ffee\n"


def test_clean_kills_then_removes(agent_with):
    agent, res, drv = agent_with("clean", Reuse=1)
    drv.inspect.side_effect = [ours(), None]
    assert agent.clean(res) is True
    drv.kill.assert_called_once()
    drv.remove.assert_called_once()


def test_spec_digest_follows_configuration(tmp_path):
    res = make_res(tmp_path)
    a = ctr.Config(res).spec("web_ctr")
    b = ctr.Config(res).spec("web_ctr")
    res.values["Env"] = {"X": "1"}
    c = ctr.Config(res).spec("web_ctr")
    assert a["labels"]["vxha.spec"] == b["labels"]["vxha.spec"] != c["labels"]["vxha.spec"]


# -- the Engine API transport -----------------------------------------------------------


class UnixServer:
    """A unix-socket server answering each connection with ``reply`` (or never)."""

    def __init__(self, path, reply=None, delay=0.0):
        self.path = path
        self.reply = reply
        self.delay = delay
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(8)
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            conn.recv(65536)
            if self.reply is None:
                continue  # a hung engine: accepts, never answers
            time.sleep(self.delay)
            try:
                conn.sendall(self.reply)
            finally:
                conn.close()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def server(tmp_path):
    made = []

    def make(reply=None, delay=0.0):
        s = UnixServer(str(tmp_path / f"e{len(made)}.sock"), reply, delay)
        made.append(s)
        return DockerDriver(Context({}), host="unix://" + s.path)

    yield make
    for s in made:
        s.close()


def test_hung_engine_times_out(server):
    drv = server(None)
    start = time.monotonic()
    with pytest.raises(DriverUnavailable, match="did not answer GET /containers/x/json within"):
        drv.inspect("x", timeout=0.5)
    assert time.monotonic() - start < 1.5


def test_absent_socket_is_unavailable(tmp_path):
    drv = DockerDriver(Context({}), host=f"unix://{tmp_path}/none.sock")
    with pytest.raises(DriverUnavailable, match="not reachable"):
        drv.inspect("x", timeout=1)


def test_chunked_answer(server):
    body = b'{"Id": "abc", "Name": "/x", "State": {"Status": "running"}, "Config": {}}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    drv = server(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
    info = drv.inspect("x", timeout=2)
    assert info["id"] == "abc" and info["state"] == "running" and info["name"] == "x"


def test_error_answer_carries_the_engine_message(server):
    body = b'{"message": "something broke"}'
    drv = server(b"HTTP/1.1 500 Error\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    with pytest.raises(DriverError, match=r"something broke \(HTTP 500\)"):
        drv.inspect("x", timeout=2)


def test_closed_without_answer(server):
    drv = server(b"")
    with pytest.raises(DriverUnavailable, match="closed the connection"):
        drv.inspect("x", timeout=2)


def test_not_json(server):
    drv = server(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    with pytest.raises(DriverError, match="not JSON"):
        drv.inspect("x", timeout=2)


def test_host_forms():
    d = DockerDriver(Context({"DOCKER_HOST": "unix:///run/x.sock"}))
    assert d.address == "/run/x.sock"
    assert DockerDriver(Context({})).address == "/var/run/docker.sock"
    with pytest.raises(DriverError):
        DockerDriver(Context({}), host="ssh://host")


def test_demux_and_pick_address():
    frames = b"\x01\0\0\0\0\0\0\x03out" + b"\x02\0\0\0\0\0\0\x04err\n"
    assert drvmod.demux(frames) == "outerr\n"
    assert drvmod.demux(b"plain tty text") == "plain tty text"
    info = {"state": "running", "addresses": {"b": "10.0.0.2", "a": "10.0.0.1"}}
    assert drvmod.pick_address(info) == "10.0.0.1"
    assert drvmod.pick_address(info, "b") == "10.0.0.2"
    assert drvmod.pick_address(dict(info, state="exited")) is None


# -- node access (DECISIONS.md 4 "Node access") -----------------------------------------

NODE_PATHS = [
    "/",
    "/var/run/docker.sock",
    "/run/podman/podman.sock",
    "/etc",
    "/etc/cron.d",
    "/proc",
    "/var",
    "/root/.ssh",
]


@pytest.mark.parametrize("host", NODE_PATHS)
def test_host_paths_that_give_the_node_need_a_grant(tmp_path, host):
    res = make_res(tmp_path, Mounts={host: "/host"})
    with pytest.raises(ConfigError) as e:
        ctr.ContainerAgent().validate(res)
    assert e.value.attr == "Mounts"
    assert f"{host!r} gives the container the node" in str(e.value)
    assert "GrantHostPaths" in str(e.value)


def test_tcp_engine_hosts_are_refused(tmp_path):
    res = make_res(tmp_path, DockerHost="tcp://127.0.0.1:2375")
    with pytest.raises(ConfigError) as e:
        ctr.ContainerAgent().validate(res)
    assert e.value.attr == "DockerHost" and "TLS" in str(e.value)
    with pytest.raises(DriverError, match="TLS"):
        DockerDriver(Context({}), host="tcp://127.0.0.1:2375")


@pytest.mark.parametrize(
    "host,grants",
    [
        ("/var/run/docker.sock", ["/var/run/docker.sock"]),
        ("/etc/nbu", ["/etc/nbu"]),
        ("/etc/nbu/conf", ["/etc/nbu"]),
        ("/srv/data", []),  # the admin's, not the node's
        ("/tmp/x", []),
    ],
)
def test_granted_or_harmless_host_paths_are_accepted(tmp_path, host, grants):
    res = make_res(tmp_path, Mounts={host: "/host"}, GrantHostPaths=grants)
    ctr.ContainerAgent().validate(res)


def test_a_grant_covers_only_what_it_names(tmp_path):
    res = make_res(tmp_path, Mounts={"/etc": "/host"}, GrantHostPaths=["/etc/nbu"])
    with pytest.raises(ConfigError, match="gives the container the node"):
        ctr.ContainerAgent().validate(res)


# -- container options: each bad value names its attribute --------------------------------

BAD_OPTIONS = [
    ({"Network": "host"}, "Network", "node_access.host_network"),
    ({"Network": "-x"}, "Network", "is not none, host or a network name"),
    ({"User": "root;id"}, "User", "is not user[:group]"),
    ({"CapAdd": ["NET_ADMIN"]}, "CapAdd", "node_access.capabilities"),
    ({"CapAdd": ["SYS_ADMIN"], "GrantCaps": ["NET_ADMIN"]}, "CapAdd", "GrantCaps"),
    ({"CapDrop": ["net admin"]}, "CapDrop", "is not a capability name"),
    ({"Devices": ["/dev/sg0"]}, "Devices", "node_access.devices"),
    ({"Devices": ["/etc/passwd"], "GrantDevices": ["/etc/passwd"]}, "Devices", "not a device"),
    ({"Devices": ["/dev/sg0:/dev/sg0:rwx"], "GrantDevices": ["/dev/sg0"]}, "Devices", "rwm"),
    ({"Ulimits": {"files": "10"}}, "Ulimits", "is not a limit name"),
    ({"Ulimits": {"nofile": "2048:1024"}}, "Ulimits", "soft <= hard"),
    ({"Ulimits": {"nofile": "many"}}, "Ulimits", "soft <= hard"),
    ({"ShmSize": "lots"}, "ShmSize", "is not a size"),
    ({"Tmpfs": {"run": "size=1m"}}, "Tmpfs", "is not an absolute path"),
    ({"Tmpfs": {"/": ""}}, "Tmpfs", "not a container"),
    ({"Tmpfs": {"/run": "size=1m;rm"}}, "Tmpfs", "are not mount options"),
    ({"GrantHostPaths": ["etc"]}, "GrantHostPaths", "is not an absolute path"),
]


@pytest.mark.parametrize("values,attr,text", BAD_OPTIONS, ids=[b[2] for b in BAD_OPTIONS])
def test_bad_options_name_their_attribute(tmp_path, values, attr, text):
    res = make_res(tmp_path, **values)
    with pytest.raises(ConfigError) as e:
        ctr.ContainerAgent().validate(res)
    assert e.value.attr == attr and text in str(e.value)


def test_options_reach_the_spec(tmp_path):
    res = make_res(
        tmp_path,
        Network="none",
        User="1000:1000",
        CapAdd=["cap_net_admin"],
        GrantCaps=["NET_ADMIN"],
        CapDrop=["ALL"],
        Devices=["/dev/sg0:/dev/tape0:rw"],
        GrantDevices=["/dev/sg0"],
        Command=["/bin/sleep", "9"],
        Entrypoint=["/bin/tini", "--"],
        ReadOnly=1,
        Ulimits={"nofile": "512:1024", "core": "0"},
        ShmSize="64m",
        Tmpfs={"/run": "size=8m"},
    )
    agent = ctr.ContainerAgent()
    agent.validate(res)
    spec = agent.cfg.spec("web_ctr")
    assert spec["network"] == "none" and spec["user"] == "1000:1000"
    assert spec["cap_add"] == ["NET_ADMIN"] and spec["cap_drop"] == ["ALL"]
    assert spec["devices"] == [{"host": "/dev/sg0", "container": "/dev/tape0", "perms": "rw"}]
    assert spec["command"] == ["/bin/sleep", "9"] and spec["entrypoint"] == ["/bin/tini", "--"]
    assert spec["read_only"] is True and spec["shm_size"] == 64 << 20
    assert spec["ulimits"] == [
        {"name": "core", "soft": 0, "hard": 0},
        {"name": "nofile", "soft": 512, "hard": 1024},
    ]
    assert spec["tmpfs"] == {"/run": "size=8m"}


def test_no_options_keep_the_old_spec_digest(tmp_path):
    """A container made before the options existed is not taken for a changed one."""
    res = make_res(tmp_path)
    agent = ctr.ContainerAgent()
    agent.validate(res)
    spec = agent.cfg.spec("web_ctr")
    assert not {"network", "user", "cap_add", "devices", "tmpfs", "read_only"} & set(spec)
