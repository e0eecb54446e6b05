"""HostIP in the states ClusterLabs' IPaddr2 handles (docs/network.md, "Compared with
IPaddr2"), on real namespaces: each test is written from the rule it names."""

from __future__ import annotations

import subprocess
import time

import pytest
from netns_topo import NET, sh, wait_for
from test_net_real import IP, VIP, ep, vip_on

from vxha.agents.drivers.addresses_fake import FakeAddresses
from vxha.agents.framework import Context, build_argv
from vxha.vcs_types.catalog import project_type


def arpings(topo, role, address):
    """PIDs of the arping processes in the role's namespace that name ``address``."""
    found = []
    for pid in sh("ip", "netns", "pids", topo.ns(role)).stdout.split():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"arping") and address.encode() in argv:
            found.append(int(pid))
    return found


@pytest.mark.real
def test_offline_ends_the_announcement_so_the_address_can_move_at_once(topo):
    """Rule: once offline has removed the address, nothing on this system claims it any
    more (IPaddr2's stop kills its send_arp). online's gratuitous ARP runs in the
    background for ArpCount intervals; left running, it keeps answering for the address
    from the old system, so another system's duplicate detection refuses the move and a
    client's neighbour entry is pulled back to the old MAC."""
    slow = dict(IP, ArpCount=8, ArpInterval=1000)  # announces for about 8 s
    other = topo.spawn("node1", "arping", "-U", "-q", "-c", "30", "-I", "eth0", f"{NET}.1")
    assert ep(topo, "node1", "HostIP", "online", slow)[0] == 0
    topo.exec("client", "ping", "-c", "1", "-W", "2", VIP)  # the client knows node1's MAC
    assert arpings(topo, "node1", VIP), "online announces in the background"
    code, out = ep(topo, "node1", "HostIP", "offline", slow)
    assert code == 0, out
    assert arpings(topo, "node1", VIP) == []
    assert other.poll() is None, "an arping of another address is not ours to end"
    code, out = ep(topo, "node2", "HostIP", "online", IP)  # duplicate detection on
    assert code == 0, out
    mac2 = topo.mac("node2")
    assert wait_for(lambda: topo.neigh_mac("client", VIP) == mac2, timeout=3)
    time.sleep(2.5)  # two more of node1's intervals, had its arping survived
    assert topo.neigh_mac("client", VIP) == mac2
    assert vip_on(topo, "node2") and not vip_on(topo, "node1")


@pytest.mark.real
def test_clean_ends_the_announcement_too(topo):
    slow = dict(IP, ArpCount=8, ArpInterval=1000)
    assert ep(topo, "node1", "HostIP", "online", slow)[0] == 0
    assert ep(topo, "node1", "HostIP", "clean", slow, reason=2)[0] == 0
    assert arpings(topo, "node1", VIP) == []
    assert not vip_on(topo, "node1")


@pytest.mark.real
@pytest.mark.parametrize("address, prefix", [("10.99.0.5", 32), ("fd99::5", 128)])
def test_an_address_on_the_loopback_device_is_neither_checked_nor_announced(topo, address, prefix):
    """Rule: duplicate detection and announcements are for the address's network; one on
    the loopback device (an LVS direct-routing real server's VIP) is on none, so online
    neither asks nor tells (IPaddr2 sends no ARP on lo*), and logs no failed announcement."""
    v = dict(IP, Device="lo", Address=address, PrefixLen=prefix, ArpCount=3)
    code, out = ep(topo, "node1", "HostIP", "online", v)
    assert code == 0, out
    assert "announc" not in out, out
    assert arpings(topo, "node1", address) == []
    assert ep(topo, "node1", "HostIP", "monitor", v)[0] == 110
    assert ep(topo, "node1", "HostIP", "offline", v)[0] == 0
    assert not vip_on(topo, "node1", address)


def test_loopback_addresses_are_not_announced_on_the_fake_either(net_agent_root, node_dir):
    """The same rule where it can be counted: the fake records each announcement, and
    makes the address answer "from the network" for duplicate detection."""
    ctx = Context({"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)})
    addrs = FakeAddresses(ctx)
    addrs.set_network("10.99.0.5")
    v = {"Device": "lo", "Address": "10.99.0.5", "PrefixLen": 32, "ArpCount": 3}

    def run(entry):
        argv = build_argv(project_type("HostIP"), "web_ip", v, entry, None, 5)
        launcher = net_agent_root / "opt/VRTSvcs/bin/HostIP" / entry
        p = subprocess.run([str(launcher), *argv], capture_output=True, text=True, timeout=15)
        return p.returncode, p.stdout

    code, out = run("online")
    assert code == 0, out
    assert addrs.announced("10.99.0.5") == 0
    assert run("monitor")[0] == 110


@pytest.mark.real
def test_an_administratively_down_device_is_offline_whatever_check_link_status(topo):
    """Rule: the IP agent's OFFLINE "indicates that the device is down or the specified IP
    address is not assigned to the device" (Cluster Server 4.1 Bundled Agents Reference
    Guide, IP agent, State Definitions). CheckLinkStatus = 0 only stops the carrier
    check: a device set down passes no packet, so the address serves nobody."""
    loose = dict(IP, CheckLinkStatus=0)
    assert ep(topo, "node1", "HostIP", "online", loose)[0] == 0
    sh("ip", "-n", topo.ns("node1"), "link", "set", "eth0", "down")
    code, out = ep(topo, "node1", "HostIP", "monitor", loose)
    assert code == 100, out
    assert f"{VIP} is on eth0 but the device is administratively down" in out
    assert vip_on(topo, "node1")  # monitor changes nothing
    assert ep(topo, "node1", "HostIP", "clean", loose, reason=4)[0] == 0
    assert not vip_on(topo, "node1")


@pytest.mark.real
def test_a_renamed_device_s_address_is_named_by_monitor(topo):
    """Rule (chosen, docs/network.md "Compared with ClusterLabs' IPaddr2"): monitor names
    the device the address is on when it is not on Device, also when Device is missing
    because it was renamed (its addresses went with it); the answer stays 100 and clean
    leaves that copy alone (it is not provably ours), as IPaddr2's stop does."""
    n1 = topo.ns("node1")
    assert ep(topo, "node1", "HostIP", "online", IP)[0] == 0
    sh("ip", "-n", n1, "link", "set", "eth0", "down")
    sh("ip", "-n", n1, "link", "set", "eth0", "name", "eth9")
    code, out = ep(topo, "node1", "HostIP", "monitor", IP)
    assert code == 100
    assert f"{VIP} is on device eth9, not on eth0: reporting offline" in out
    assert ep(topo, "node1", "HostIP", "clean", IP, reason=4)[0] == 0
    assert vip_on(topo, "node1")
