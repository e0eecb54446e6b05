"""Contract tests: the HostIP and PortForward launchers run as processes, argv as VCS builds
it, on the fake drivers (VXHA_DRIVERS=fake, VXHA_NODE_DIR)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from vxha.agents.drivers.addresses_fake import FakeAddresses
from vxha.agents.drivers.forwarding import expected_rules
from vxha.agents.drivers.forwarding_fake import FakeForwarding
from vxha.agents.framework import Context, Resource, build_argv, run_resource
from vxha.agents.portforward import PortForwardAgent, parse_ports
from vxha.vcs_types.catalog import project_type

IP = {"Device": "eth0", "Address": "10.0.0.10", "PrefixLen": 24, "ArpCount": 2}
PF = {
    "Address": "10.0.0.10",
    "TargetAddress": "172.17.0.2",
    "Ports": {"80": "8080", "53/udp": "53"},
}


@pytest.fixture
def run(net_agent_root, node_dir):
    def run(type_name, ep, values, resource=None, reason=None, aep=5, timeout=None):
        resource = resource or ("web_ip" if type_name == "HostIP" else "web_pf")
        argv = build_argv(project_type(type_name), resource, values, ep, reason, aep)
        launcher = net_agent_root / "opt/VRTSvcs/bin" / type_name / ep
        p = subprocess.run([str(launcher), *argv], capture_output=True, text=True,
                           timeout=timeout or aep + 10)  # fmt: skip
        return p.returncode, p.stdout

    return run


@pytest.fixture
def fakes(node_dir):
    ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)})
    return FakeAddresses(ctx), FakeForwarding(ctx)


def hung(run, node_dir, type_name, values):
    """A monitor that gets no answer gives none (DECISIONS.md 8): still running at its
    timeout, when VCS kills it, with one line at its deadline."""
    with pytest.raises(subprocess.TimeoutExpired):
        run(type_name, "monitor", values, aep=1, timeout=2.5)
    log = (node_dir / "log" / f"{type_name}_A.log").read_text().splitlines()
    return len(log) == 1 and "monitor did not finish by its deadline: no answer given" in log[0]


def _state(node_dir):
    return {p.name: p.read_text() for p in sorted(node_dir.glob("*.json"))}


# -- HostIP ---------------------------------------------------------------------------


def test_hostip_idempotent_sequence(run, fakes):
    addrs, _ = fakes
    assert run("HostIP", "monitor", IP)[0] == 100
    assert run("HostIP", "offline", IP)[0] == 0  # already absent
    assert run("HostIP", "clean", IP, reason=4)[0] == 0
    code, out = run("HostIP", "online", IP)
    assert code == 0 and "10.0.0.10/24 is up on eth0" in out
    assert addrs.announced("10.0.0.10") == 2
    code, out = run("HostIP", "online", IP)
    assert code == 0 and "already on eth0" in out
    assert run("HostIP", "monitor", IP)[0] == 110
    assert run("HostIP", "offline", IP)[0] == 0
    assert run("HostIP", "offline", IP)[0] == 0
    assert run("HostIP", "monitor", IP)[0] == 100
    assert run("HostIP", "online", IP)[0] == 0
    assert run("HostIP", "clean", IP, reason=3)[0] == 0
    assert run("HostIP", "monitor", IP)[0] == 100


def test_hostip_never_touches_other_addresses(run, fakes):
    addrs, _ = fakes
    ctx_other = dict(IP, Address="10.0.0.11")
    assert run("HostIP", "online", ctx_other, resource="other_ip")[0] == 0
    assert run("HostIP", "online", IP)[0] == 0
    assert run("HostIP", "offline", IP)[0] == 0
    assert [e["address"] for e in addrs.device("eth0", 1)["addresses"]] == ["10.0.0.11"]


def test_hostip_refuses_duplicate(run, fakes, node_dir):
    addrs, _ = fakes
    addrs.set_network("10.0.0.10")
    before = _state(node_dir)
    code, out = run("HostIP", "online", IP)
    assert code == 1
    assert "already answers on the network of eth0: refusing to create a duplicate" in out
    assert _state(node_dir) == before
    assert run("HostIP", "online", dict(IP, DadCheck=0))[0] == 0  # the admin's choice


def test_hostip_ipv6_dad_failure_removes_the_address(run, fakes):
    addrs, _ = fakes
    addrs.set_network("fd00::10")
    code, out = run("HostIP", "online", dict(IP, Address="fd00::10", PrefixLen=64))
    assert code == 1 and "failed IPv6 duplicate address detection" in out
    assert addrs.find("fd00::10", 1) == []


def test_hostip_device_missing_or_down(run, fakes):
    addrs, _ = fakes
    code, out = run("HostIP", "online", dict(IP, Device="eth7"))
    assert code == 1 and "device eth7 does not exist" in out
    addrs.set_link("eth1", up=True, carrier=False)
    code, out = run("HostIP", "online", dict(IP, Device="eth1"))
    assert code == 1 and "has no link (carrier down)" in out
    assert run("HostIP", "online", dict(IP, Device="eth1", CheckLinkStatus=0))[0] == 0
    assert run("HostIP", "monitor", dict(IP, Device="eth1", CheckLinkStatus=0))[0] == 110
    code, out = run("HostIP", "monitor", dict(IP, Device="eth1"))
    assert code == 100 and "link is down" in out
    addrs.set_link("eth1", up=False)
    code, out = run("HostIP", "online", dict(IP, Device="eth1", CheckLinkStatus=0))
    assert code == 1 and "device eth1 is administratively down" in out
    # an administratively down device is down whatever CheckLinkStatus says (docs/network.md)
    assert run("HostIP", "monitor", dict(IP, Device="eth1", CheckLinkStatus=0))[0] == 100


def test_hostip_address_on_another_device(run, fakes):
    addrs, _ = fakes
    addrs.set_link("eth1")
    addrs.add("eth1", "10.0.0.10", 24)
    code, out = run("HostIP", "monitor", IP)
    assert code == 100 and "is on device eth1, not on eth0" in out
    code, out = run("HostIP", "online", IP)
    assert code == 1 and "already on device eth1" in out


@pytest.mark.parametrize(
    "change, attr, text",
    [
        ({"Address": "10.0.0.300"}, "Address", "is not an IPv4 or IPv6 address"),
        ({"Address": ""}, "Address", "an IP address is required"),
        ({"PrefixLen": 33}, "PrefixLen", "33 is not a prefix length for 10.0.0.10 (1-32)"),
        ({"Address": "fd00::1", "PrefixLen": 129}, "PrefixLen", "(1-128)"),
        ({"Device": "eth0/x"}, "Device", "is not a valid device name"),
        ({"Device": "averyveryverylongname"}, "Device", "longer than 15"),
        ({"Label": "web:1"}, "Label", "must start with the device name"),
        ({"ArpInterval": 1}, "ArpInterval", "is not 10-10000"),
    ],
)
def test_hostip_bad_input(run, node_dir, change, attr, text):
    values = dict(IP, **change)
    before = _state(node_dir)
    for ep, expect in (("online", 1), ("monitor", 99), ("offline", 1), ("clean", 1)):
        code, out = run("HostIP", ep, values)
        assert code == expect, (ep, out)
        assert f"attribute {attr}: " in out and text in out
    assert _state(node_dir) == before


def test_hostip_driver_faults(run, node_dir):
    (node_dir / "faults.json").write_text(json.dumps({"addresses.device": {"mode": "hang"}}))
    assert hung(run, node_dir, "HostIP", IP)
    (node_dir / "faults.json").write_text(
        json.dumps({"addresses.add": {"mode": "error", "message": "RTNETLINK answers: busy"}})
    )
    code, out = run("HostIP", "online", IP)
    assert code == 1 and "RTNETLINK answers: busy" in out
    (node_dir / "faults.json").write_text(json.dumps({"addresses.announce": {"mode": "error"}}))
    code, out = run("HostIP", "online", IP)
    assert code == 0 and "announcing 10.0.0.10 failed" in out


# -- PortForward ----------------------------------------------------------------------


def test_portforward_idempotent_sequence(run, fakes):
    _, fwd = fakes
    assert run("PortForward", "monitor", PF)[0] == 100
    assert run("PortForward", "offline", PF)[0] == 0
    code, out = run("PortForward", "online", PF)
    assert code == 0 and "forwarding 10.0.0.10 53/udp->53, 80/tcp->8080 to 172.17.0.2" in out
    assert "net.ipv4.ip_forward is 0" in out  # SetSysctls = 0: warn, touch nothing
    assert fwd.get_sysctl("net.ipv4.ip_forward") == "0"
    code, out = run("PortForward", "online", PF)
    assert code == 0 and "already in place" in out
    assert run("PortForward", "monitor", PF)[0] == 110
    assert run("PortForward", "offline", PF)[0] == 0
    assert run("PortForward", "offline", PF)[0] == 0
    assert run("PortForward", "monitor", PF)[0] == 100
    assert run("PortForward", "online", PF)[0] == 0
    assert run("PortForward", "clean", PF, reason=1)[0] == 0
    assert fwd.rules("web_pf", 1) is None


def test_portforward_sets_sysctls_only_when_allowed(run, fakes):
    _, fwd = fakes
    code, out = run("PortForward", "online", dict(PF, SetSysctls=1))
    assert code == 0 and "set net.ipv4.ip_forward = 1 (SetSysctls = 1)" in out
    assert fwd.get_sysctl("net.ipv4.ip_forward") == "1"
    assert fwd.get_sysctl("net.ipv4.conf.all.route_localnet") == "0"
    lo = dict(PF, Address="127.0.0.1", SetSysctls=1)
    code, out = run("PortForward", "online", lo, resource="lo_pf")
    assert code == 0 and "set net.ipv4.conf.all.route_localnet = 1" in out


def test_portforward_stale_or_edited_rules_are_offline_then_repaired(run, fakes):
    _, fwd = fakes
    assert run("PortForward", "online", PF)[0] == 0
    moved = dict(PF, TargetAddress="172.17.0.9")  # the container came back elsewhere
    code, out = run("PortForward", "monitor", moved)
    assert code == 100 and "point at 172.17.0.2, the target is 172.17.0.9" in out
    assert run("PortForward", "online", moved)[0] == 0
    assert run("PortForward", "monitor", moved)[0] == 110
    fwd.tamper("web_pf", list(fwd.rules("web_pf", 1))[:1])
    assert run("PortForward", "monitor", moved)[0] == 100


@pytest.mark.parametrize(
    "change, attr, text",
    [
        ({"Ports": {"0": "80"}}, "Ports", "host port 0 is not a port number (1-65535)"),
        ({"Ports": {"80": "70000"}}, "Ports", "container port of 80 70000 is not a port number"),
        (
            {"Ports": {"80": "8080", "80/tcp": "9090"}},
            "Ports",
            "host port 80/tcp is declared twice",
        ),
        ({"Ports": {"80/sctp": "80"}}, "Ports", "protocol must be tcp or udp"),
        ({"Ports": {"http": "80"}}, "Ports", "host port 'http' is not a port number"),
        ({"Ports": {}}, "Ports", "at least one"),
        ({"Address": "10.0.0"}, "Address", "is not an IPv4 or IPv6 address"),
        ({"TargetAddress": "fd00::2"}, "TargetAddress", "is not of the same IP family"),
        ({"TargetAddress": "", "Container": ""}, "Container", "either Container or TargetAddress"),
        ({"Backend": "pf"}, "Backend", "'pf' is not one of nft, iptables"),
    ],
)
def test_portforward_bad_input(run, node_dir, change, attr, text):
    values = dict(PF, **change)
    before = _state(node_dir)
    for ep, expect in (("online", 1), ("monitor", 99), ("offline", 1), ("clean", 1)):
        code, out = run("PortForward", ep, values)
        assert code == expect, (ep, out)
        assert f"attribute {attr}: " in out and text in out
    assert _state(node_dir) == before


def test_portforward_driver_faults(run, node_dir):
    (node_dir / "faults.json").write_text(json.dumps({"forwarding.rules": {"mode": "hang"}}))
    assert hung(run, node_dir, "PortForward", PF)
    (node_dir / "faults.json").write_text(
        json.dumps({"forwarding.install": {"mode": "error", "message": "Operation not permitted"}})
    )
    code, out = run("PortForward", "online", PF)
    assert code == 1 and "installing the forwarding rules: Operation not permitted" in out
    (node_dir / "faults.json").write_text(json.dumps({"forwarding.remove": {"mode": "error"}}))
    assert run("PortForward", "clean", PF, reason=0)[0] == 1


# -- the Container path, in process with a stand-in container driver ---------------------


class StubDocker:
    def __init__(self, address):
        self.address = address

    def container_address(self, name, network=None, timeout=5.0):
        return self.address


def _inprocess(node_dir, ep, values, docker):
    ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}, inprocess=True)
    ctx._drivers["docker"] = docker
    decl = project_type("PortForward")
    full = {a.name: a.default for a in decl.attrs.values()}
    full.update(values)
    res = Resource("web_pf", decl, ep, full, ctx, time.monotonic() + 5)
    return run_resource(PortForwardAgent, res)


def test_portforward_follows_the_container_address(node_dir):
    values = {"Address": "10.0.0.10", "Container": "web", "Ports": {"80": "8080"}}
    docker = StubDocker("172.17.0.2")
    assert _inprocess(node_dir, "online", values, docker).code == 0
    assert _inprocess(node_dir, "monitor", values, docker).code == 110
    docker.address = "172.17.0.5"  # restarted with a new address
    out = _inprocess(node_dir, "monitor", values, docker)
    assert out.code == 100 and "the target is 172.17.0.5" in "".join(out.lines)
    assert _inprocess(node_dir, "online", values, docker).code == 0
    assert _inprocess(node_dir, "monitor", values, docker).code == 110
    docker.address = None  # stopped
    out = _inprocess(node_dir, "monitor", values, docker)
    assert out.code == 100 and "container web is not running" in "".join(out.lines)
    out = _inprocess(node_dir, "online", values, docker)
    assert out.code == 1 and "is not running or has no address" in "".join(out.lines)
    assert _inprocess(node_dir, "offline", values, docker).code == 0


def test_parse_ports():
    assert parse_ports({"80": "8080", "53/UDP": "5353", "53/tcp": "53"}) == [
        (53, "tcp", 53),
        (53, "udp", 5353),
        (80, "tcp", 8080),
    ]
    spec = {"address": "10.0.0.10", "target": "172.17.0.2", "ports": [(80, "tcp", 8080)]}
    assert len(expected_rules(spec)) == 2


def test_portforward_with_the_container_driver_fake(run, node_dir):
    from vxha.agents.drivers.docker_fake import FakeDocker

    docker = FakeDocker(Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}))
    docker.add_image("local/web:1")
    docker.create("web", {"image": "local/web:1"}, 5)
    values = {"Address": "10.0.0.10", "Container": "web", "Ports": {"80": "8080"}}
    code, out = run("PortForward", "online", values)
    assert code == 1 and "container web is not running or has no address" in out
    docker.start("web", 5)
    first = docker.container_address("web")
    code, out = run("PortForward", "online", values)
    assert code == 0 and f"to {first}" in out
    assert run("PortForward", "monitor", values)[0] == 110
    docker.kill_outside("web")
    code, out = run("PortForward", "monitor", values)
    assert code == 100 and "container web is not running" in out
    docker.create("other", {"image": "local/web:1"}, 5)
    docker.start("other", 5)  # takes the freed address
    docker.start("web", 5)  # back, with a new address: the rules are stale
    second = docker.container_address("web")
    assert second != first
    code, out = run("PortForward", "monitor", values)
    assert code == 100 and f"the target is {second}" in out
    assert run("PortForward", "online", values)[0] == 0
    assert run("PortForward", "monitor", values)[0] == 110
    # The engine does not answer: the resource's own rules tell its state.
    (node_dir / "faults.json").write_text(json.dumps({"docker.inspect": {"mode": "unavailable"}}))
    code, out = run("PortForward", "monitor", values)
    assert code == 110 and "answering from the forwarding rules" in out


# -- PortForward: the container's name is checked before it reaches the engine ----------


@pytest.mark.parametrize(
    "name", ["../../containers/x", "web/json?all=1", "web x", "-web", "w", "web\u00e9"]
)
@pytest.mark.parametrize("ep, code", [("monitor", 99), ("online", 1)])
def test_portforward_refuses_a_container_name_the_engine_could_not_hold(
    run, node_dir, name, ep, code
):
    values = {"Address": "10.0.0.10", "Container": name, "Ports": {"80": "8080"}}
    rc, out = run("PortForward", ep, values)
    assert rc == code
    assert "attribute Container:" in out and "not a container name" in out
    assert not (node_dir / "docker.json").exists()


# -- behaviours that protect the node -----------------------------------------------------


def test_hostip_clean_is_0_only_when_the_address_is_verifiably_gone(node_dir, monkeypatch):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    decl = project_type("HostIP")
    from vxha.agents.framework import execute

    assert execute("HostIP", "online", build_argv(decl, "ip", IP, "online"), env, True).code == 0
    # a delete that reports success but leaves the address: clean must not believe it
    monkeypatch.setattr(FakeAddresses, "delete", lambda *a, **k: None)
    out = execute("HostIP", "clean", build_argv(decl, "ip", IP, "clean", 4), env, True)
    assert out.code == 1
    monkeypatch.undo()
    assert execute("HostIP", "clean", build_argv(decl, "ip", IP, "clean", 4), env, True).code == 0
    addrs = FakeAddresses(Context(env))
    assert addrs.find(IP["Address"], 5) == []


def test_portforward_offline_of_one_resource_leaves_the_other(run, fakes):
    _, fwd = fakes
    other = dict(PF, Address="10.0.0.11")
    assert run("PortForward", "online", PF)[0] == 0
    assert run("PortForward", "online", other, resource="other_pf")[0] == 0
    assert run("PortForward", "offline", PF)[0] == 0
    assert run("PortForward", "clean", PF, reason=1)[0] == 0
    assert run("PortForward", "monitor", other, resource="other_pf")[0] == 110
    spec = {"address": "10.0.0.11", "target": "172.17.0.2", "ports": parse_ports(PF["Ports"])}
    assert fwd.rules("other_pf", 5) == expected_rules(spec)
