"""The public network of a real-node cluster: a bridge in a namespace of its own, each
node's NICs plugged into it (veth pairs: the NIC inside the node, its port on the bridge),
and a client namespace on it with an address in each application subnet.

Names: the namespaces ``<prefix>-pub`` and ``<prefix>-client``; ports and NICs live only
inside them, so no name reaches this machine's own namespace. Taking a node's link down
is taking its port down: the node's NIC loses its carrier, as when a cable is pulled.
"""

from __future__ import annotations

import ipaddress

from vxha.simulator.realnodes.cgroups import Cgroup
from vxha.simulator.realnodes.host import RealNodeError, sh

BRIDGE = "br0"


def client_addresses(app_addresses) -> list:
    """One client address per application subnet ([(address, prefixlen)] of the HostIP
    resources): the subnet's last host address no application uses."""
    taken = {ipaddress.ip_address(a) for a, _ in app_addresses}
    out = []
    seen = set()
    for address, plen in app_addresses:
        net = ipaddress.ip_interface(f"{address}/{plen}").network
        if net in seen:
            continue
        seen.add(net)
        if net.num_addresses < 4:
            raise RealNodeError(f"{address}/{plen}: the subnet has no room for a client")
        last = net.broadcast_address - 1 if net.version == 4 else net[-1]
        while last in taken:
            last -= 1
        out.append((str(last), plen))
    return out


class Public:
    def __init__(self, run):
        self.run = run
        self.netns = f"{run.prefix}-pub"
        self.client_ns = f"{run.prefix}-client"
        self.client_cgroup = Cgroup(f"{run.prefix}-client")
        self.ports = {}  # system -> [(port, device)]

    def create(self, addresses) -> None:
        led = self.run.ledger
        for ns in (self.netns, self.client_ns):
            led.record("netns", name=ns)
            sh(["ip", "netns", "add", ns])
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])
        sh(["ip", "-n", self.netns, "link", "add", BRIDGE, "type", "bridge"])
        sh(["ip", "-n", self.netns, "link", "set", BRIDGE, "up"])
        self._veth("client", self.client_ns, "eth0")
        for address, plen in addresses:
            extra = ["nodad"] if ":" in address else []
            sh(["ip", "-n", self.client_ns, "addr", "add", f"{address}/{plen}", "dev", "eth0",
                *extra])  # fmt: skip
        led.record("cgroup", name=self.client_cgroup.name)
        self.client_cgroup.create()

    def _veth(self, port: str, netns: str, device: str) -> None:
        sh(["ip", "-n", self.netns, "link", "add", port, "type", "veth", "peer", "name",
            device, "netns", netns])  # fmt: skip
        sh(["ip", "-n", self.netns, "link", "set", port, "master", BRIDGE, "up"])
        sh(["ip", "-n", netns, "link", "set", device, "up"])

    def plug(self, node, devices) -> None:
        """Give the node these NICs, each a port of the bridge."""
        ports = self.ports.setdefault(node.system, [])
        for device in devices:
            if any(d == device for _, d in ports):
                continue
            port = f"n{node.index}p{len(ports)}"
            self._veth(port, node.netns, device)
            ports.append((port, device))

    def unplug(self, node) -> None:
        """The node's links removed (its NICs go with their ports)."""
        for port, _ in self.ports.pop(node.system, []):
            sh(["ip", "-n", self.netns, "link", "del", port])

    def set_link(self, node, up: bool, device: str | None = None) -> list:
        """Take the node's link(s) down or up; the devices changed."""
        changed = []
        for port, dev in self.ports.get(node.system, []):
            if device in (None, dev):
                sh(["ip", "-n", self.netns, "link", "set", port, "up" if up else "down"])
                changed.append(dev)
        if not changed:
            raise RealNodeError(f"{node.system} has no NIC {device or ''} on the public network")
        return changed

    def client_enter(self) -> list:
        return ["nsenter", f"--net=/run/netns/{self.client_ns}", "--"]

    def client_sh(self, *argv, timeout: float = 30) -> str:
        join = self.client_cgroup.join_tracked
        return sh([*self.client_enter(), *argv], timeout=timeout, preexec=join)
