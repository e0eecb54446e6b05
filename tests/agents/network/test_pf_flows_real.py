"""PortForward against what ClusterLabs' portblock handles (docs/network.md, "Compared
with ClusterLabs' portblock"): flows the kernel tracked through our old rules, and a
ruleset flushed by an administrator. Real namespaces, nftables and conntrack."""

from __future__ import annotations

import sys

import pytest
from netns_topo import CTR_NET, NET, sh, wait_for

pytestmark = pytest.mark.real

VIP = f"{NET}.50"
IP = {"Device": "eth0", "Address": VIP, "PrefixLen": 24, "ArpCount": 1, "ArpInterval": 1000}
OLD, NEW = f"{CTR_NET}.2", f"{CTR_NET}.3"
PF = {"Address": VIP, "TargetAddress": OLD, "Ports": {"8080/udp": "7000"}, "SetSysctls": 1}

# A UDP server answering every datagram with the address it is bound to.
SERVER = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind((sys.argv[1], 7000))\n"
    "while True:\n"
    "    data, peer = s.recvfrom(100)\n"
    "    s.sendto(sys.argv[1].encode(), peer)\n"
)


def ep(topo, entry, values, resource="web_pf", type_name="PortForward", reason=None):
    p = topo.entry_point("node1", type_name, entry, resource, values, reason=reason)
    return p.returncode, p.stdout


def ask(topo, port=8080):
    """One datagram from the client's fixed source port 40000 (so one tracked flow): the
    address of the server that answered, '' when none did."""
    p = topo.exec("client", "socat", "-T", "1", "-",
                  f"UDP4:{VIP}:{port},sourceport=40000,reuseaddr",
                  input="ping\n", check=False, timeout=10)  # fmt: skip
    return p.stdout.strip()


@pytest.fixture
def two_targets(topo):
    """The "container" namespace with two addresses, the old and the new one, each with
    its UDP server; the VIP up on node1, and another resource forwarding another port, so
    that vxha's table (and the kernel's NAT hooks with it) stays when ours go."""
    sh("ip", "-n", topo.ns("ctr"), "addr", "add", f"{NEW}/24", "dev", "eth0")
    for address in (OLD, NEW):
        topo.spawn("ctr", sys.executable, "-c", SERVER, address)
    assert ep(topo, "online", IP, "web_ip", "HostIP")[0] == 0
    assert ep(topo, "online", dict(PF, Ports={"8082/udp": "7000"}), "keeper_pf")[0] == 0
    return topo


def ask_from(topo, sport, port=8080):
    """As ask(), from another source port: another flow."""
    p = topo.exec("client", "socat", "-T", "1", "-",
                  f"UDP4:{VIP}:{port},sourceport={sport},reuseaddr",
                  input="ping\n", check=False, timeout=10)  # fmt: skip
    return p.stdout.strip()


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_a_tracked_flow_follows_the_new_target(two_targets, backend):
    """A container restarted with another address: online points the rules at the new one,
    and a client's ongoing flow (one tracked connection) must reach it, not the address the
    old rules rewrote it to."""
    topo = two_targets
    pf = dict(PF, Backend=backend)
    assert ep(topo, "online", pf)[0] == 0
    assert wait_for(lambda: ask(topo) == OLD)
    moved = dict(pf, TargetAddress=NEW)
    assert ep(topo, "monitor", moved)[0] == 100  # stale: VCS runs online again
    code, out = ep(topo, "online", moved)
    assert code == 0, out
    assert ask(topo) == NEW
    assert ep(topo, "offline", moved)[0] == 0


def test_offline_lets_the_tracked_flows_drain(two_targets):
    """offline removes the rules, so no new flow is forwarded, and leaves the flows already
    tracked to the container, which the Container's offline (its StopTimeout) then ends:
    the application can finish what it serves. A flow tracked through the old rules is
    deleted by the next online that changes them (test above)."""
    topo = two_targets
    assert ep(topo, "online", PF)[0] == 0
    assert wait_for(lambda: ask(topo) == OLD)
    assert ep(topo, "offline", PF)[0] == 0
    assert ask_from(topo, 40001) == ""  # a new flow: not forwarded
    assert ask(topo) == OLD  # the tracked one drains
    code, out = ep(topo, "online", dict(PF, TargetAddress=NEW))
    assert code == 0, out
    assert ask(topo) == NEW
    assert ep(topo, "offline", PF)[0] == 0


def test_a_flushed_ruleset_is_offline_and_online_restores_only_ours(two_targets):
    """`nft flush ruleset` by an administrator: monitor says 100; online puts back this
    resource's rules only, not another resource's, and leaves what the admin added since."""
    topo = two_targets
    other = dict(PF, Ports={"8081/udp": "7000"})
    assert ep(topo, "online", PF)[0] == 0
    assert ep(topo, "online", other, "other_pf")[0] == 0
    topo.exec("node1", "nft", "flush", "ruleset")
    topo.exec("node1", "nft", "add", "table", "inet", "admin")
    topo.exec("node1", "nft", "add", "chain", "inet", "admin", "in",
              "{ type filter hook input priority 0; policy accept; }")  # fmt: skip
    admin = topo.exec("node1", "nft", "-j", "list", "table", "inet", "admin").stdout
    assert ep(topo, "monitor", PF)[0] == 100
    assert ep(topo, "monitor", other, "other_pf")[0] == 100
    code, out = ep(topo, "online", PF)
    assert code == 0, out
    assert ep(topo, "monitor", PF)[0] == 110
    assert ep(topo, "monitor", other, "other_pf")[0] == 100  # its own online restores it
    assert wait_for(lambda: ask(topo) == OLD)
    assert topo.exec("node1", "nft", "-j", "list", "table", "inet", "admin").stdout == admin
    for name, values in (("web_pf", PF), ("other_pf", other)):
        assert ep(topo, "offline", values, name)[0] == 0
    assert topo.exec("node1", "nft", "-j", "list", "table", "inet", "admin").stdout == admin
