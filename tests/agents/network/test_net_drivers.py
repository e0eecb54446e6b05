"""One driver-interface suite for the addresses and forwarding drivers, run against the
real drivers (inside a test namespace) and against their fakes, so the fakes cannot drift."""

from __future__ import annotations

import json

import pytest
from netns_topo import NET, sh, wait_for

from vxha.agents.drivers.addresses import AddressDriver
from vxha.agents.drivers.addresses_fake import FakeAddresses
from vxha.agents.drivers.fakestate import DriverError
from vxha.agents.drivers.forwarding import ForwardingDriver, expected_rules
from vxha.agents.drivers.forwarding_fake import FakeForwarding
from vxha.agents.framework import Context

T = 5.0


class InNamespace:
    """Calls a real driver's methods on a thread that lives in the node's namespace."""

    def __init__(self, topo, role, drv):
        self._topo, self._role, self._drv = topo, role, drv

    def __getattr__(self, name):
        fn = getattr(self._drv, name)
        return lambda *a, **kw: self._topo.call(self._role, fn, *a, **kw)


class World:
    """What the suite needs besides the driver: a way to shape the node's surroundings."""

    def __init__(self, kind, request, tmp_path):
        self.kind = kind
        if kind == "real":
            self.topo = request.getfixturevalue("topo")
            ctx = Context({"VXHA_NODE_DIR": str(tmp_path / "node1")})
            self.addresses = InNamespace(self.topo, "node1", AddressDriver(ctx))
            self.forwarding = InNamespace(self.topo, "node1", ForwardingDriver(ctx))
            self.device = "eth0"
        else:
            node = tmp_path / "fake"
            node.mkdir()
            ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node)})
            self.fake_addresses = FakeAddresses(ctx)
            self.addresses = self.fake_addresses
            self.forwarding = FakeForwarding(ctx)
            self.device = "eth0"

    def taken_elsewhere(self):
        """An address another host on the segment answers for."""
        if self.kind == "real":
            return f"{NET}.2"  # node2's own address
        self.fake_addresses.set_network(f"{NET}.2")
        return f"{NET}.2"

    def stale_neighbour(self, address):
        """A neighbour that still has a wrong MAC for ``address`` (a failover's before)."""
        if self.kind == "real":
            self.topo.exec("client", "ip", "neigh", "replace", address, "lladdr",
                           "02:00:00:00:00:77", "dev", "eth0", "nud", "stale")  # fmt: skip

    def told(self, address):
        """Whether the neighbours learnt that ``address`` is on node1 now."""
        if self.kind == "real":
            mac = self.topo.mac("node1")
            return wait_for(lambda: self.topo.neigh_mac("client", address) == mac, timeout=4)
        return self.fake_addresses.announced(address) > 0

    def set_link(self, up):
        if self.kind == "real":
            sh("ip", "-n", self.topo.ns("node1"), "link", "set", "eth0", "up" if up else "down")
        else:
            self.fake_addresses.set_link("eth0", up=up)


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.real)])
def world(request, tmp_path):
    return World(request.param, request, tmp_path)


def _mine(dev, address):
    return [e for e in dev["addresses"] if e["address"] == address]


# -- addresses -----------------------------------------------------------------------


def _as_ip_reports(link: dict) -> dict:
    """A device of ``ip -j addr show`` in the driver's terms (what the driver read from ip
    before it asked the kernel itself)."""
    flags = link.get("flags") or []
    addresses = [
        {
            "device": link["ifname"],
            "address": a["local"],
            "prefixlen": a["prefixlen"],
            "label": a.get("label", ""),
            "family": a["family"],
            "secondary": bool(a.get("secondary")),
            "tentative": bool(a.get("tentative")),
            "dadfailed": bool(a.get("dadfailed")),
        }
        for a in link.get("addr_info") or []
        if a.get("family") in ("inet", "inet6") and "local" in a
    ]
    return {
        "name": link["ifname"],
        "index": link["ifindex"],
        "mac": link.get("address", ""),
        "up": "UP" in flags,
        "carrier": "LOWER_UP" in flags and "NO-CARRIER" not in flags,
        "loopback": "LOOPBACK" in flags,
        "addresses": addresses,
    }


@pytest.mark.real
def test_the_kernel_is_read_as_ip_reports_it(topo, tmp_path):
    """The real driver reads links and addresses over rtnetlink: what it reads is what
    `ip -j addr show` prints, labels, IPv6, tentative and failed DAD, and a device up
    without carrier included."""
    n1, n2 = topo.ns("node1"), topo.ns("node2")
    sh("ip", "-n", n1, "addr", "add", f"{NET}.61/24", "dev", "eth0", "label", "eth0:x")
    sh("ip", "-n", n1, "addr", "add", f"{NET}.62/32", "dev", "eth0")
    sh("ip", "-n", n2, "addr", "add", "fd77::63/64", "dev", "eth0", "nodad")
    sh("ip", "-n", n1, "addr", "add", "fd77::63/64", "dev", "eth0")  # node2 has it: DAD fails
    sh("ip", "-n", n1, "link", "add", "dn0", "type", "veth", "peer", "name", "dn1")
    sh("ip", "-n", n1, "addr", "add", "fd79::1/64", "dev", "dn0")
    sh("ip", "-n", n1, "link", "set", "dn0", "up")  # its peer is down: no carrier, tentative

    def ip_reports():
        return json.loads(topo.exec("node1", "ip", "-j", "addr", "show").stdout)

    def settled():
        # DAD over on every link with a carrier (eth0, and ctr0's link-local address, which
        # would otherwise turn from tentative between ip's read and the driver's), fd77::63
        # failed; dn0, without carrier, stays tentative on purpose
        links = {link["ifname"]: link["addr_info"] for link in ip_reports()}
        pending = any(
            a.get("tentative") and not a.get("dadfailed")
            for name, infos in links.items()
            if name != "dn0"
            for a in infos
        )
        return not pending and any(
            a["local"] == "fd77::63" and a.get("dadfailed") for a in links["eth0"]
        )

    assert wait_for(settled, timeout=30)  # DAD takes a second or two; more under load
    drv = InNamespace(topo, "node1", AddressDriver(Context({"VXHA_NODE_DIR": str(tmp_path)})))
    links = ip_reports()
    assert {"lo", "eth0", "ctr0", "dn0"} <= {link["ifname"] for link in links}
    for link in links:
        assert drv.device(link["ifname"], T) == _as_ip_reports(link)
    dn0 = drv.device("dn0", T)
    assert dn0["up"] and not dn0["carrier"] and dn0["addresses"][0]["tentative"]
    for address in (f"{NET}.61", f"{NET}.62", "fd77::63", "fd79::1", f"{NET}.1", "::1"):
        expected = [e for link in links for e in _as_ip_reports(link)["addresses"]
                    if e["address"] == address]  # fmt: skip
        assert expected and drv.find(address, T) == expected


def test_missing_device_is_none(world):
    assert world.addresses.device("nosuchdev0", T) is None


def test_add_find_delete(world):
    a = world.addresses
    a.add(world.device, f"{NET}.50", 24, f"{world.device}:web", T)
    dev = a.device(world.device, T)
    assert dev["up"] and dev["carrier"]
    (e,) = _mine(dev, f"{NET}.50")
    assert (e["prefixlen"], e["label"], e["family"]) == (24, "eth0:web", "inet")
    assert [x["device"] for x in a.find(f"{NET}.50", T)] == ["eth0"]
    with pytest.raises(DriverError):
        a.add(world.device, f"{NET}.50", 24, "", T)
    a.delete(world.device, f"{NET}.50", 24, T)
    assert _mine(a.device(world.device, T), f"{NET}.50") == []
    a.delete(world.device, f"{NET}.50", 24, T)  # absent: nothing to do
    assert a.find(f"{NET}.50", T) == []


def test_add_ipv6_canonical_and_dad(world):
    a = world.addresses
    a.add(world.device, "FD77:0:0::0051", 64, "", T, nodad=True)
    (e,) = _mine(a.device(world.device, T), "fd77::51")
    assert e["family"] == "inet6" and not e["tentative"]
    assert a.wait_dad(world.device, "fd77::51", T) == "ok"
    a.delete(world.device, "fd77::51", 64, T)
    assert a.find("fd77::51", T) == []


def test_add_to_missing_device_fails(world):
    with pytest.raises(DriverError):
        world.addresses.add("nosuchdev0", f"{NET}.50", 24, "", T)


def test_duplicate_detection(world):
    taken = world.taken_elsewhere()
    assert world.addresses.duplicate(world.device, taken, T) is True
    assert world.addresses.duplicate(world.device, f"{NET}.77", T) is False


def test_link_down_is_reported(world):
    world.set_link(False)
    assert world.addresses.device(world.device, T)["up"] is False
    world.set_link(True)
    assert world.addresses.device(world.device, T)["up"] is True


def test_announce_ipv4_and_ipv6(world):
    a = world.addresses
    v4, v6 = f"{NET}.52", "fd77::52"
    a.add(world.device, v4, 24, "", T)
    a.add(world.device, v6, 64, "", T, nodad=True)
    for address in (v4, v6):
        world.stale_neighbour(address)
    a.announce(world.device, v4, 1, 200, T)
    a.announce(world.device, v6, 2, 10, T)
    assert world.told(v4) and world.told(v6)
    a.delete(world.device, v4, 24, T)
    a.delete(world.device, v6, 64, T)


# -- forwarding ----------------------------------------------------------------------

SPEC = {
    "address": f"{NET}.50",
    "target": "10.78.0.2",
    "ports": [(80, "tcp", 8080), (53, "udp", 53)],
}


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_install_read_back_remove(world, backend):
    f = world.forwarding
    assert f.rules("web_pf", T, backend) is None
    f.install("web_pf", SPEC, T, backend)
    assert f.rules("web_pf", T, backend) == expected_rules(SPEC)
    f.install("web_pf", SPEC, T, backend)  # again: the same rules, not twice
    assert f.rules("web_pf", T, backend) == expected_rules(SPEC)
    moved = dict(SPEC, target="10.78.0.3", ports=[(80, "tcp", 8081)])
    f.install("web_pf", moved, T, backend)
    assert f.rules("web_pf", T, backend) == expected_rules(moved)
    f.install("other_pf", dict(SPEC, address=f"{NET}.51"), T, backend)
    f.remove("web_pf", T, backend)
    assert f.rules("web_pf", T, backend) is None
    assert f.rules("other_pf", T, backend) == expected_rules(dict(SPEC, address=f"{NET}.51"))
    f.remove("other_pf", T, backend)
    f.remove("other_pf", T, backend)  # absent: nothing to do
    assert f.rules("other_pf", T, backend) is None


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_ipv6_and_loopback_specs(world, backend):
    f = world.forwarding
    v6 = {"address": "fd77::50", "target": "fd78::2", "ports": [(443, "tcp", 8443)]}
    f.install("v6_pf", v6, T, backend)
    assert f.rules("v6_pf", T, backend) == expected_rules(v6)
    lo = {"address": "127.0.0.1", "target": "10.78.0.2", "ports": [(8080, "tcp", 80)]}
    f.install("lo_pf", lo, T, backend)
    found = f.rules("lo_pf", T, backend)
    assert found == expected_rules(lo)
    assert any(r[5] == "masquerade" for r in found)
    f.remove("v6_pf", T, backend)
    f.remove("lo_pf", T, backend)
    assert f.rules("v6_pf", T, backend) is None and f.rules("lo_pf", T, backend) is None


def test_mixed_families_refused(world):
    with pytest.raises(DriverError):
        world.forwarding.install("bad_pf", dict(SPEC, target="fd78::2"), T)
    assert world.forwarding.rules("bad_pf", T) is None


def test_sysctls(world):
    f = world.forwarding
    f.set_sysctl("net.ipv4.ip_forward", "1")
    assert f.get_sysctl("net.ipv4.ip_forward") == "1"
    f.set_sysctl("net.ipv4.ip_forward", "0")
    assert f.get_sysctl("net.ipv4.ip_forward") == "0"
    with pytest.raises(DriverError):
        f.get_sysctl("net.ipv4.no_such_key")


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_a_host_port_another_resource_forwards_is_refused(world, backend):
    # Two DNAT rules for one address and port: the first chain the kernel walks wins, so
    # the second resource would say 110 while its clients reach the first's container.
    f = world.forwarding
    f.install("web_pf", SPEC, T, backend)
    clash = dict(SPEC, target="10.78.0.9", ports=[(8443, "tcp", 443), (53, "udp", 5353)])
    with pytest.raises(DriverError) as exc:
        f.install("db_pf", clash, T, backend)
    assert str(exc.value) == (
        f"{NET}.50 port 53/udp is already forwarded by resource web_pf:"
        " one host port, one PortForward resource"
    )
    assert f.rules("db_pf", T, backend) is None
    # a resource whose chain names begin like web_pf's is another resource all the same
    with pytest.raises(DriverError, match="already forwarded by resource web_pf"):
        f.install("web", clash, T, backend)
    assert f.rules("web_pf", T, backend) == expected_rules(SPEC)
    # Neither another address, nor the same port of the other protocol, is a clash.
    f.install("db_pf", dict(clash, ports=[(53, "tcp", 53)]), T, backend)
    f.install("other_pf", dict(SPEC, address=f"{NET}.51"), T, backend)
    # The resource's own rules are replaced as before (a new target after a restart).
    f.install("web_pf", dict(SPEC, target="10.78.0.3"), T, backend)
    for name in ("web_pf", "db_pf", "other_pf"):
        f.remove(name, T, backend)
