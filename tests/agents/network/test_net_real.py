"""Real-component tests: HostIP and PortForward launchers inside test namespaces (two nodes
and a client on a bridge, a "container" namespace behind node1), real iproute2, arping
and nftables/iptables."""

from __future__ import annotations

import json
import threading

import pytest
from monitor_imports import heavy
from netns_topo import CTR_NET, NET, echo_server, sh, tcp_roundtrip, wait_for
from realtier import info_pairs

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import project_type

pytestmark = pytest.mark.real

VIP = f"{NET}.50"
VIP6 = "fd77::50"
IP = {"Device": "eth0", "Address": VIP, "PrefixLen": 24, "ArpCount": 1, "ArpInterval": 1000}
IP6 = dict(IP, Address=VIP6, PrefixLen=64)
PF = {"Address": VIP, "TargetAddress": f"{CTR_NET}.2", "Ports": {"8080": "7000"}, "SetSysctls": 1}


def ep(topo, role, type_name, entry, values, resource=None, reason=None):
    resource = resource or ("web_ip" if type_name == "HostIP" else "web_pf")
    p = topo.entry_point(role, type_name, entry, resource, values, reason=reason)
    return p.returncode, p.stdout


def addrs(topo, role):
    """(device, address, prefix, label) of every address in the namespace but the
    kernel's own link-local ones (their DAD may still be settling)."""
    out = set()
    for link in json.loads(topo.exec(role, "ip", "-j", "addr", "show").stdout):
        for a in link.get("addr_info", []):
            if not a.get("local", "").startswith("fe80:"):
                out.add((link["ifname"], a.get("local"), a.get("prefixlen"), a.get("label")))
    return out


def vip_on(topo, role, address=VIP):
    return any(a[1] == address for a in addrs(topo, role))


def outside_vxha(ruleset: str, skip=("vxha",)) -> list:
    """`nft -j list ruleset` without vxha's table: must stay byte-identical."""
    out = []
    for o in json.loads(ruleset)["nftables"]:
        body = next(iter(o.values()))
        table = body.get("table", body.get("name")) if "metainfo" not in o else None
        if table not in skip:
            out.append(json.dumps(o, sort_keys=True))
    return out


def iptables_rules(topo, role):
    """iptables-save of every table, without its comment lines (they carry a date)."""
    text = topo.exec(role, "iptables-save").stdout
    return [line for line in text.splitlines() if not line.startswith("#")]


# -- HostIP ---------------------------------------------------------------------------


def test_vip_reachable_refused_when_taken_and_moves_with_gratuitous_arp(topo):
    assert ep(topo, "node1", "HostIP", "monitor", IP)[0] == 100
    code, out = ep(topo, "node1", "HostIP", "online", IP)
    assert code == 0, out
    assert ep(topo, "node1", "HostIP", "monitor", IP)[0] == 110
    topo.exec("client", "ping", "-c", "1", "-W", "2", VIP)
    assert topo.neigh_mac("client", VIP) == topo.mac("node1")
    # the VIP is on node1: online on node2 must refuse (arping -D) and change nothing
    before = addrs(topo, "node2")
    code, out = ep(topo, "node2", "HostIP", "online", IP)
    assert code == 1
    assert f"{VIP} already answers on the network of eth0: refusing to create a duplicate" in out
    assert addrs(topo, "node2") == before
    # move node1 -> node2: the client's neighbour entry follows the gratuitous ARP
    assert ep(topo, "node1", "HostIP", "offline", IP)[0] == 0
    assert ep(topo, "node2", "HostIP", "online", IP)[0] == 0
    mac2 = topo.mac("node2")
    assert wait_for(lambda: topo.neigh_mac("client", VIP) == mac2, timeout=3)
    topo.exec("client", "ping", "-c", "1", "-W", "2", VIP)
    assert ep(topo, "node2", "HostIP", "offline", IP)[0] == 0
    assert not vip_on(topo, "node2")


def test_ipv6_vip_moves_with_unsolicited_neighbour_advertisement(topo):
    assert ep(topo, "node1", "HostIP", "online", IP6)[0] == 0  # waits for the kernel's DAD
    assert ep(topo, "node1", "HostIP", "monitor", IP6)[0] == 110
    topo.exec("client", "ping", "-6", "-c", "1", "-W", "2", VIP6)
    assert topo.neigh_mac("client", VIP6) == topo.mac("node1")
    assert ep(topo, "node1", "HostIP", "offline", IP6)[0] == 0
    assert ep(topo, "node2", "HostIP", "online", IP6)[0] == 0
    mac2 = topo.mac("node2")
    assert wait_for(lambda: topo.neigh_mac("client", VIP6) == mac2, timeout=3)
    assert ep(topo, "node2", "HostIP", "clean", IP6, reason=4)[0] == 0


def test_ipv6_duplicate_refused_and_removed(topo):
    taken = dict(IP6, Address="fd77::2")  # node2's own address
    code, out = ep(topo, "node1", "HostIP", "online", taken)
    assert code == 1 and "failed IPv6 duplicate address detection" in out
    assert not vip_on(topo, "node1", "fd77::2")


def test_ipv6_dad_that_does_not_finish_is_not_called_a_duplicate(topo):
    """The kernel's DAD does not run on a link without carrier: the address stays
    tentative. online cannot tell it is unique, so it fails and removes the address
    again (docs/network.md, online step 6), but nobody answered for it: the error says
    the detection did not finish, not that the address is a duplicate."""
    n1 = topo.ns("node1")
    sh("ip", "-n", n1, "link", "add", "dn0", "type", "veth", "peer", "name", "dn1")
    sh("ip", "-n", n1, "link", "set", "dn0", "up")  # dn1 stays down: no carrier
    values = dict(IP6, Device="dn0", CheckLinkStatus=0)
    code, out = ep(topo, "node1", "HostIP", "online", values)
    assert code == 1, out
    assert f"IPv6 duplicate address detection of {VIP6} on dn0 did not finish" in out
    assert "duplicate address fd77::50 (" not in out
    assert not vip_on(topo, "node1", VIP6)


def test_hostip_idempotency_and_other_addresses_untouched(topo):
    sh("ip", "-n", topo.ns("node1"), "addr", "add", f"{NET}.60/24", "dev", "eth0",
       "label", "eth0:other")  # fmt: skip
    before = addrs(topo, "node1")
    labelled = dict(IP, Label="eth0:web")
    for entry, code in [("offline", 0), ("clean", 0), ("online", 0), ("online", 0),
                        ("monitor", 110), ("offline", 0), ("offline", 0), ("monitor", 100),
                        ("online", 0), ("clean", 0), ("clean", 0), ("monitor", 100)]:  # fmt: skip
        assert ep(topo, "node1", "HostIP", entry, labelled, reason=1)[0] == code, entry
    assert addrs(topo, "node1") == before


# A subnet with no host address on node1's eth0: the first application address added
# there is the kernel's primary, the next ones secondary.
APP_NET = "10.79.0"
READ_ONLY_SYSCTL = ("unshare", "-m", "sh", "-c",
                    "mount --bind -o ro /proc/sys /proc/sys && exec \"$@\"", "-")  # fmt: skip


@pytest.mark.parametrize("wrap", [(), READ_ONLY_SYSCTL], ids=["promoted", "added-back"])
def test_removing_the_primary_address_of_a_subnet_keeps_the_others(topo, wrap):
    """Deleting the primary address of a subnet makes Linux delete its secondaries unless
    promote_secondaries is 1 (docs/network.md, "Removing an address"): another server's
    address stays, and the namespace's setting is left as it was."""
    promote = ("cat", "/proc/sys/net/ipv4/conf/eth0/promote_secondaries")
    assert topo.exec("node1", *promote).stdout.strip() == "0"  # a new namespace's value
    first = dict(IP, Address=f"{APP_NET}.10", DadCheck=0, ArpCount=0)
    second = dict(first, Address=f"{APP_NET}.20", Label="eth0:second")
    third = dict(first, Address=f"{APP_NET}.30")
    for values, name in ((first, "a_ip"), (second, "b_ip"), (third, "c_ip")):
        assert ep(topo, "node1", "HostIP", "online", values, name)[0] == 0
    before = addrs(topo, "node1")
    p = topo.entry_point("node1", "HostIP", "offline", "a_ip", first, wrap=wrap)
    assert p.returncode == 0, p.stdout
    left = before - {("eth0", f"{APP_NET}.10", 24, "eth0")}
    assert addrs(topo, "node1") == left  # the label of the second one too
    for values, name in ((second, "b_ip"), (third, "c_ip")):
        assert ep(topo, "node1", "HostIP", "monitor", values, name)[0] == 110
    assert topo.exec("node1", *promote).stdout.strip() == "0"
    said = "promote_secondaries was set to 1" if not wrap else "could not be set): added them"
    assert said in p.stdout and f"{APP_NET}.20, {APP_NET}.30" in p.stdout, p.stdout
    for values, name in ((second, "b_ip"), (third, "c_ip")):
        assert ep(topo, "node1", "HostIP", "offline", values, name)[0] == 0
    assert addrs(topo, "node1") == before - {a for a in before if a[1].startswith(APP_NET)}


def test_hostip_clean_exits_0_only_when_the_address_is_verifiably_gone(topo):
    """Clean's 0 means the kernel, read back, has no copy of the address on the device;
    a deletion the kernel refuses, or an address still there after it, is exit 1."""
    node1 = topo.ns("node1")
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    # the kernel refuses the deletion: clean without CAP_NET_ADMIN (a confining policy)
    no_net_admin = ("setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin")
    p = topo.entry_point("node1", "HostIP", "clean", "web_ip", IP, reason=4, wrap=no_net_admin)
    assert p.returncode == 1, p.stdout
    assert f"ip addr del {VIP}/24 dev eth0" in p.stdout
    assert "Operation not permitted" in p.stdout
    assert vip_on(topo, "node1")
    # the deletion succeeds and the address stays: a second copy with another prefix
    sh("ip", "-n", node1, "addr", "add", f"{VIP}/16", "dev", "eth0")
    assert ep(topo, "node1", "HostIP", "clean", IP, reason=4)[0] == 1
    assert len([a for a in addrs(topo, "node1") if a[1] == VIP]) == 1  # one copy went
    # VCS calls clean again: the last copy goes, and only now is the answer 0
    assert ep(topo, "node1", "HostIP", "clean", IP, reason=4)[0] == 0
    assert not vip_on(topo, "node1")
    assert ep(topo, "node1", "HostIP", "monitor", IP)[0] == 100


def test_info_tells_the_device_and_the_forwarding(topo, tmp_path, monkeypatch):
    """info through the launchers (docs/network.md), initialise then update; the pairs on
    stdout (setting them with hares is the framework's, tests/agents/framework)."""
    monkeypatch.setenv("VCS_HOME", str(tmp_path))  # no hares here
    echo_server(topo, "ctr", 7000)
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    assert ep(topo, "node1", "PortForward", "online", PF)[0] == 0
    code, out = ep(topo, "node1", "HostIP", "info", IP)
    assert code == 0, out
    assert info_pairs(out) == {"Device": "eth0", "MAC": topo.mac("node1"), "Link": "up",
                               "Address": VIP, "Prefix": "24"}  # fmt: skip
    code, out = ep(topo, "node1", "PortForward", "info", PF)
    assert code == 0, out
    got = info_pairs(out)
    assert got["Backend"] == "nft" and got["Target"] == f"{CTR_NET}.2"
    assert got["Forwarded"] == f"{VIP}:8080/tcp->{CTR_NET}.2:7000"
    assert int(got["Rules"]) > 0
    # after offline, what is no longer there is said so
    assert ep(topo, "node1", "PortForward", "offline", PF)[0] == 0
    assert ep(topo, "node1", "HostIP", "offline", IP)[0] == 0
    p = topo.entry_point("node1", "HostIP", "info", "web_ip", IP, resinfo_op=2)
    assert p.returncode == 0 and info_pairs(p.stdout)["Prefix"] == "not configured"
    p = topo.entry_point("node1", "PortForward", "info", "web_pf", PF, resinfo_op=2)
    got = info_pairs(p.stdout)
    assert (p.returncode, got["Target"], got["Rules"], got["Forwarded"]) == (0, "none", "0", "none")


def test_hostip_monitor_imports_only_what_it_needs(topo, regular_install):
    """HostIP's monitor on a regular install, its address there and not: no re, json,
    enum, subprocess, socket, nor os (docs/framework.md, "What a monitor imports")."""
    values = dict(IP, ArpCount=0)
    argv = build_argv(project_type("HostIP"), "web_ip", values, "monitor", aep_timeout=8)
    inside = ["nsenter", f"--net=/run/netns/{topo.ns('node1')}"]
    for step, code in (("online", 110), ("offline", 100)):
        assert ep(topo, "node1", "HostIP", step, values)[0] == 0
        got, names = regular_install.imports("HostIP", "monitor", argv, topo.env("node1"), inside)
        assert got == code
        assert "vxha.agents.drivers.rtnetlink" in names
        assert heavy(names) == []


def test_link_down_means_offline(topo):
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    # the switch port goes away: no carrier
    sh("ip", "-n", topo.ns("br"), "link", "set", "p0", "down")
    assert wait_for(lambda: ep(topo, "node1", "HostIP", "monitor", IP)[0] == 100)
    code, out = ep(topo, "node1", "HostIP", "monitor", IP)
    assert "but its link is down" in out
    assert ep(topo, "node1", "HostIP", "monitor", dict(IP, CheckLinkStatus=0))[0] == 110
    sh("ip", "-n", topo.ns("br"), "link", "set", "p0", "up")
    assert wait_for(lambda: ep(topo, "node1", "HostIP", "monitor", IP)[0] == 110)
    # the NIC itself is set down: online refuses clearly
    sh("ip", "-n", topo.ns("node1"), "link", "set", "eth0", "down")
    assert ep(topo, "node1", "HostIP", "monitor", IP)[0] == 100
    assert ep(topo, "node1", "HostIP", "offline", IP)[0] == 0
    code, out = ep(topo, "node1", "HostIP", "online", IP)
    assert code == 1 and "device eth0 is administratively down" in out


@pytest.mark.parametrize(
    "change, text",
    [
        ({"Address": "10.77.0.256"}, "is not an IPv4 or IPv6 address"),
        ({"PrefixLen": 33}, "33 is not a prefix length"),
        ({"Device": "eth0/../x"}, "is not a valid device name"),
        ({"Device": "nosuch0"}, "device nosuch0 does not exist"),
    ],
)
def test_hostip_bad_input_changes_nothing(topo, change, text):
    before = addrs(topo, "node1")
    code, out = ep(topo, "node1", "HostIP", "online", dict(IP, **change))
    assert code == 1 and text in out
    assert addrs(topo, "node1") == before


# -- PortForward ----------------------------------------------------------------------


def _foreign_rules(topo):
    """Rules vxha does not own, in both nft and iptables form, that must survive intact."""
    n1 = topo.ns("node1")
    topo.exec("node1", "nft", "-f", "-", input=(
        "table ip foreign {\n chain pre { type nat hook prerouting priority dstnat; }\n"
        " chain fw_chain { type filter hook forward priority 0; policy accept;\n"
        "  ip saddr 192.0.2.1 drop; }\n}\n"
    ))  # fmt: skip
    for chain in ("PREROUTING", "POSTROUTING"):  # the fallback never flushes either
        sh("ip", "netns", "exec", n1, "iptables", "-t", "nat", "-A", chain, "-s",
           "192.0.2.0/24", "-j", "RETURN")  # fmt: skip


def test_portforward_monitor_imports_only_what_it_needs(topo, regular_install):
    """PortForward's monitor on a regular install, its rules there and not: no re, json,
    enum, subprocess or socket (docs/framework.md, "What a monitor imports"); it runs nft,
    so it needs os."""
    argv = build_argv(project_type("PortForward"), "web_pf", PF, "monitor", aep_timeout=8)
    inside = ["nsenter", f"--net=/run/netns/{topo.ns('node1')}"]
    for step, code in (("online", 110), ("offline", 100)):
        assert ep(topo, "node1", "PortForward", step, PF)[0] == 0
        env = topo.env("node1")
        got, names = regular_install.imports("PortForward", "monitor", argv, env, inside)
        assert got == code
        assert "vxha.agents.drivers.forwarding" in names
        assert heavy(names, without_os=False) == []


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_client_reaches_container_through_vip_and_nothing_else_changes(topo, backend):
    echo_server(topo, "ctr", 7000)
    _foreign_rules(topo)
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    # iptables-nft adds the nat table's built-in chains when first used: iptables sees
    # them as always there, so for that backend the nat table is compared by iptables-save
    skip = ("vxha",) if backend == "nft" else ("vxha", "nat")
    before = outside_vxha(topo.ruleset("node1"), skip)
    before_ipt = iptables_rules(topo, "node1")
    pf = dict(PF, Backend=backend)
    assert ep(topo, "node1", "PortForward", "monitor", pf)[0] == 100
    code, out = ep(topo, "node1", "PortForward", "online", pf)
    assert code == 0, out
    assert "set net.ipv4.ip_forward = 1 (SetSysctls = 1)" in out
    assert ep(topo, "node1", "PortForward", "monitor", pf)[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    # a client on the node itself goes through the output chain
    assert tcp_roundtrip(topo, "node1", VIP, 8080, "local\n") == "local\n"
    code, out = ep(topo, "node1", "PortForward", "online", pf)
    assert code == 0 and "already in place" in out
    assert ep(topo, "node1", "PortForward", "offline", pf)[0] == 0
    assert ep(topo, "node1", "PortForward", "monitor", pf)[0] == 100
    assert tcp_roundtrip(topo, "client", VIP, 8080) == ""  # the port is closed
    after = topo.ruleset("node1")
    assert outside_vxha(after, skip) == before
    assert iptables_rules(topo, "node1") == before_ipt
    assert '"name": "vxha"' not in after.replace('"name":"vxha"', '"name": "vxha"')
    assert ep(topo, "node1", "PortForward", "offline", pf)[0] == 0
    assert ep(topo, "node1", "PortForward", "clean", pf, reason=1)[0] == 0


def test_ipv6_forwarding_end_to_end(topo):
    echo_server(topo, "ctr", 7000)
    assert ep(topo, "node1", "HostIP", "online", IP6)[0] == 0
    pf6 = dict(PF, Address=VIP6, TargetAddress="fd78::2")
    code, out = ep(topo, "node1", "PortForward", "online", pf6)
    assert code == 0 and "set net.ipv6.conf.all.forwarding = 1" in out
    assert ep(topo, "node1", "PortForward", "monitor", pf6)[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP6, 8080) == "hello vxha\n")
    assert ep(topo, "node1", "PortForward", "offline", pf6)[0] == 0
    assert tcp_roundtrip(topo, "client", VIP6, 8080) == ""


def test_loopback_address_needs_route_localnet(topo):
    echo_server(topo, "ctr", 7000)
    lo = dict(PF, Address="127.0.0.1", Ports={"9090": "7000"})
    assert topo.exec("node1", "sysctl", "-n", "net.ipv4.conf.all.route_localnet").stdout == "0\n"
    code, out = ep(topo, "node1", "PortForward", "online", dict(lo, SetSysctls=0))
    assert code == 0 and "net.ipv4.conf.all.route_localnet is 0" in out
    assert topo.exec("node1", "sysctl", "-n", "net.ipv4.conf.all.route_localnet").stdout == "0\n"
    code, out = ep(topo, "node1", "PortForward", "online", lo)
    assert code == 0 and "set net.ipv4.conf.all.route_localnet = 1" in out
    assert wait_for(lambda: tcp_roundtrip(topo, "node1", "127.0.0.1", 9090) == "hello vxha\n")
    assert ep(topo, "node1", "PortForward", "offline", lo)[0] == 0


def test_stale_target_is_offline_and_repaired(topo):
    echo_server(topo, "ctr", 7000)
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    assert (
        ep(topo, "node1", "PortForward", "online", dict(PF, TargetAddress=f"{CTR_NET}.9"))[0] == 0
    )
    code, out = ep(topo, "node1", "PortForward", "monitor", PF)
    assert code == 100 and f"point at {CTR_NET}.9, the target is {CTR_NET}.2" in out
    assert ep(topo, "node1", "PortForward", "online", PF)[0] == 0
    assert ep(topo, "node1", "PortForward", "monitor", PF)[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    # somebody deletes a rule of ours by hand: monitor notices
    listing = json.loads(topo.exec("node1", "nft", "-j", "list", "chain", "inet", "vxha",
                                   "pf_web_pf_out").stdout)  # fmt: skip
    handle = next(o["rule"]["handle"] for o in listing["nftables"] if "rule" in o)
    topo.exec("node1", "nft", "delete", "rule", "inet", "vxha", "pf_web_pf_out", "handle",
              str(handle))  # fmt: skip
    assert ep(topo, "node1", "PortForward", "monitor", PF)[0] == 100
    assert ep(topo, "node1", "PortForward", "clean", PF, reason=4)[0] == 0


def _chain(topo, name):
    listing = json.loads(topo.exec("node1", "nft", "-j", "list", "chain", "inet", "vxha",
                                   name).stdout)  # fmt: skip
    return next(o["chain"] for o in listing["nftables"] if "chain" in o)


def test_a_chain_edited_by_hand_is_offline_and_repaired(topo):
    """The rules are only forwarding as declared in the base chains they were installed
    in (docs/network.md, "The rules"): monitor is 110 only when the rules exist exactly as
    declared. A chain of ours recreated by hand as a regular chain (no hook: nothing
    reaches it), or whose policy was set to drop (every other new connection through the
    hook is dropped), is edited: 100, and online puts the chain back as declared."""
    echo_server(topo, "ctr", 7000)
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    assert ep(topo, "node1", "PortForward", "online", PF)[0] == 0
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    rule = (f"ip daddr {VIP} tcp dport 8080 dnat ip to {CTR_NET}.2:7000"
            ' comment "vxha:web_pf"')  # fmt: skip
    topo.exec("node1", "nft", "-f", "-", input=(
        "delete chain inet vxha pf_web_pf_pre\n"
        "add chain inet vxha pf_web_pf_pre\n"
        f"add rule inet vxha pf_web_pf_pre {rule}\n"
    ))  # fmt: skip
    assert tcp_roundtrip(topo, "client", VIP, 8080) == ""  # nothing reaches the rule
    code, out = ep(topo, "node1", "PortForward", "monitor", PF)
    assert code == 100, out
    assert "forwarding rules are stale or edited" in out
    code, out = ep(topo, "node1", "PortForward", "online", PF)
    assert code == 0, out
    assert ep(topo, "node1", "PortForward", "monitor", PF)[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    topo.exec("node1", "nft", "chain inet vxha pf_web_pf_out { policy drop ; }")
    code, out = ep(topo, "node1", "PortForward", "monitor", PF)
    assert code == 100, out
    assert ep(topo, "node1", "PortForward", "online", PF)[0] == 0
    for role, hook, prio in (("pre", "prerouting", -100), ("out", "output", -100)):
        chain = _chain(topo, f"pf_web_pf_{role}")
        assert (chain["type"], chain["hook"], chain["prio"], chain["policy"]) == (
            "nat", hook, prio, "accept")  # fmt: skip
    assert ep(topo, "node1", "PortForward", "monitor", PF)[0] == 110
    assert ep(topo, "node1", "PortForward", "offline", PF)[0] == 0


def test_a_jump_into_our_chains_deleted_by_hand_is_offline_and_repaired(topo):
    """The iptables fallback's chains are reached only through the rules tagged
    vxha:<res> in the nat table's built-in chains (docs/network.md, "iptables fallback").
    Flushing PREROUTING by hand (a common reset) leaves our chain and its rules but
    nothing reaches them: the rules no longer forward as declared, so monitor is 100, and
    online puts the jump back."""
    echo_server(topo, "ctr", 7000)
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    pf = dict(PF, Backend="iptables")
    assert ep(topo, "node1", "PortForward", "online", pf)[0] == 0
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    topo.exec("node1", "iptables", "-t", "nat", "-F", "PREROUTING")
    assert tcp_roundtrip(topo, "client", VIP, 8080) == ""  # nothing reaches our chain
    code, out = ep(topo, "node1", "PortForward", "monitor", pf)
    assert code == 100, out
    assert "forwarding rules are stale or edited" in out
    assert ep(topo, "node1", "PortForward", "online", pf)[0] == 0
    assert ep(topo, "node1", "PortForward", "monitor", pf)[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    assert ep(topo, "node1", "PortForward", "offline", pf)[0] == 0


def test_two_onlines_racing_both_end_up_installed(topo):
    a = dict(PF, Ports={"8081": "7000"})
    b = dict(PF, Ports={"8082": "7000"})
    for _ in range(15):
        barrier = threading.Barrier(2)
        results = {}

        def go(name, values, entry, results=results, barrier=barrier):
            barrier.wait()
            results[name] = ep(topo, "node1", "PortForward", entry, values, resource=name)

        for entry in ("online", "offline"):
            ts = [
                threading.Thread(target=go, args=(n, v, entry))
                for n, v in (("a_pf", a), ("b_pf", b))
            ]
            for t in ts:
                t.start()
            for t in ts:
                t.join(60)
            assert results["a_pf"][0] == 0 and results["b_pf"][0] == 0, results
            if entry == "online":
                assert ep(topo, "node1", "PortForward", "monitor", a, resource="a_pf")[0] == 110
                assert ep(topo, "node1", "PortForward", "monitor", b, resource="b_pf")[0] == 110
        assert topo.exec("node1", "nft", "list", "table", "inet", "vxha", check=False).returncode
    # nothing left: the shared table went with the last resource


@pytest.mark.parametrize(
    "change, text",
    [
        ({"Ports": {"0": "80"}}, "host port 0 is not a port number"),
        ({"Ports": {"80": "70000"}}, "70000 is not a port number"),
        ({"Ports": {"80": "1", "80/tcp": "2"}}, "host port 80/tcp is declared twice"),
        ({"Address": "10.77.0.500"}, "is not an IPv4 or IPv6 address"),
    ],
)
def test_portforward_bad_input_changes_nothing(topo, change, text):
    _foreign_rules(topo)
    before = topo.ruleset("node1")
    code, out = ep(topo, "node1", "PortForward", "online", dict(PF, **change))
    assert code == 1 and text in out
    assert topo.ruleset("node1") == before


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_offline_of_one_forwarding_leaves_the_other_and_the_shared_table(topo, backend):
    echo_server(topo, "ctr", 7000)
    _foreign_rules(topo)
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    one = dict(PF, Backend=backend)
    two = dict(PF, Backend=backend, Ports={"8081": "7000"})
    assert ep(topo, "node1", "PortForward", "online", one, "one_pf")[0] == 0
    assert ep(topo, "node1", "PortForward", "online", two, "two_pf")[0] == 0
    assert ep(topo, "node1", "PortForward", "offline", one, "one_pf")[0] == 0
    assert ep(topo, "node1", "PortForward", "monitor", one, "one_pf")[0] == 100
    assert ep(topo, "node1", "PortForward", "monitor", two, "two_pf")[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8081) == "hello vxha\n")
    assert tcp_roundtrip(topo, "client", VIP, 8080) == ""
    assert ep(topo, "node1", "PortForward", "clean", one, "one_pf", reason=1)[0] == 0
    assert ep(topo, "node1", "PortForward", "monitor", two, "two_pf")[0] == 110
    assert ep(topo, "node1", "PortForward", "offline", two, "two_pf")[0] == 0


@pytest.mark.parametrize("backend", ["nft", "iptables"])
def test_a_second_resource_forwarding_the_same_host_port_is_refused(topo, backend):
    echo_server(topo, "ctr", 7000)
    # a host process listening on every address is no conflict: the VIP's port is forwarded
    topo.spawn(
        "node1", "socat", "TCP4-LISTEN:8080,fork,reuseaddr", "SYSTEM:cat >/dev/null; echo host"
    )
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    first = dict(PF, Backend=backend)
    second = dict(PF, Backend=backend, TargetAddress=f"{CTR_NET}.9")
    assert ep(topo, "node1", "PortForward", "online", first, "first_pf")[0] == 0
    code, out = ep(topo, "node1", "PortForward", "online", second, "second_pf")
    assert code == 1
    assert (
        f"installing the forwarding rules: {VIP} port 8080/tcp is already forwarded by"
        " resource first_pf: one host port, one PortForward resource"
    ) in out
    assert ep(topo, "node1", "PortForward", "monitor", second, "second_pf")[0] == 100
    assert ep(topo, "node1", "PortForward", "monitor", first, "first_pf")[0] == 110
    assert wait_for(lambda: tcp_roundtrip(topo, "client", VIP, 8080) == "hello vxha\n")
    assert tcp_roundtrip(topo, "node1", "127.0.0.1", 8080) == "host\n"  # it still listens
    assert ep(topo, "node1", "PortForward", "clean", second, "second_pf", reason=3)[0] == 0
    assert ep(topo, "node1", "PortForward", "monitor", first, "first_pf")[0] == 110
    assert ep(topo, "node1", "PortForward", "offline", first, "first_pf")[0] == 0


def test_a_rule_added_by_hand_to_another_resource_s_chain_is_no_obstacle(topo):
    first = dict(PF, Ports={"8083": "7000"})
    second = dict(PF, Ports={"8084": "7000"})
    assert ep(topo, "node1", "PortForward", "online", first, "first_pf")[0] == 0
    topo.exec("node1", "nft", "add", "rule", "inet", "vxha", "pf_first_pf_pre",
              "meta", "mark", "7", "accept")  # fmt: skip
    code, out = ep(topo, "node1", "PortForward", "online", second, "second_pf")
    assert code == 0, out
    assert ep(topo, "node1", "PortForward", "monitor", second, "second_pf")[0] == 110
    assert ep(topo, "node1", "PortForward", "monitor", first, "first_pf")[0] == 100  # edited
    for name, values in (("first_pf", first), ("second_pf", second)):
        assert ep(topo, "node1", "PortForward", "offline", values, name)[0] == 0
