"""Fake addresses driver: one simulated node's links and addresses in a JSON state file.

State (``<VXHA_NODE_DIR>/addresses.json``)::

    {"links": {"eth0": {"up": true, "carrier": true, "index": 2, "mac": "..."}},
     "addresses": [{"device", "address", "prefixlen", "label"}],
     "network": ["10.0.0.9"],            # addresses answering elsewhere on the network
     "announced": {"10.0.0.10": 3}}      # announcements sent, per address

A node without a ``links`` entry has ``lo`` and ``eth0``, both up. Faults are configured
per operation: ``addresses.device``, ``addresses.add``, ``addresses.delete``,
``addresses.duplicate``, ``addresses.announce`` (or ``addresses.*``).
"""

from __future__ import annotations

from vxha.agents.drivers.addresses import canonical, is_ipv6
from vxha.agents.drivers.fakestate import DriverError, FakeState

DEFAULT_LINKS = {
    "lo": {"up": True, "carrier": True, "loopback": True, "index": 1, "mac": "00:00:00:00:00:00"},
    "eth0": {"up": True, "carrier": True, "index": 2, "mac": "02:00:00:00:00:02"},
}


def _links(state: dict) -> dict:
    if "links" not in state:
        state["links"] = {k: dict(v) for k, v in DEFAULT_LINKS.items()}
    return state["links"]


def _entry(a: dict) -> dict:
    return {
        "device": a["device"],
        "address": a["address"],
        "prefixlen": a["prefixlen"],
        "label": a.get("label") or ("" if is_ipv6(a["address"]) else a["device"]),
        "family": "inet6" if is_ipv6(a["address"]) else "inet",
        "tentative": False,
        "dadfailed": bool(a.get("dadfailed")),
    }


class FakeAddresses:
    """Same interface as AddressDriver, on the simulated node's state."""

    def __init__(self, ctx):
        self.state = FakeState(ctx, "addresses")

    # -- the driver interface --------------------------------------------------------

    def device(self, name, timeout):
        self.state.fault("device")
        state = self.state.read()
        link = _links(state).get(name)
        if link is None:
            return None
        return {
            "name": name,
            "index": link.get("index", 2),
            "mac": link.get("mac", ""),
            "up": bool(link.get("up", True)),
            "carrier": bool(link.get("carrier", True)),
            "loopback": bool(link.get("loopback", False)),
            "addresses": [_entry(a) for a in state.get("addresses", []) if a["device"] == name],
        }

    def find(self, address, timeout):
        self.state.fault("device")
        address = canonical(address)
        return [
            _entry(a) for a in self.state.read().get("addresses", []) if a["address"] == address
        ]

    def add(self, device, address, prefixlen, label="", timeout=5.0, nodad=False):
        self.state.fault("add")
        address = canonical(address)
        with self.state.locked() as state:
            if device not in _links(state):
                raise DriverError(f'Cannot find device "{device}"')
            addrs = state.setdefault("addresses", [])
            if any(a["device"] == device and a["address"] == address for a in addrs):
                raise DriverError("RTNETLINK answers: File exists")
            entry = {"device": device, "address": address, "prefixlen": prefixlen}
            if label:
                entry["label"] = label
            if is_ipv6(address) and not nodad and address in state.get("network", []):
                entry["dadfailed"] = True
            addrs.append(entry)

    def delete(self, device, address, prefixlen, timeout=5.0):
        self.state.fault("delete")
        address = canonical(address)
        with self.state.locked() as state:
            addrs = state.get("addresses", [])
            keep = [a for a in addrs if not (a["device"] == device and a["address"] == address)]
            if len(keep) != len(addrs):
                state["addresses"] = keep
        return []

    def duplicate(self, device, address, timeout=3.0):
        self.state.fault("duplicate")
        return canonical(address) in self.state.read().get("network", [])

    def wait_dad(self, device, address, timeout):
        self.state.fault("device")
        address = canonical(address)
        for a in self.state.read().get("addresses", []):
            if a["device"] == device and a["address"] == address:
                return "dadfailed" if a.get("dadfailed") else "ok"
        return "dadfailed"

    def announce(self, device, address, count=3, interval_ms=200, timeout=5.0):
        self.state.fault("announce")
        if count <= 0:
            return
        address = canonical(address)
        with self.state.locked() as state:
            if device not in _links(state):
                raise DriverError(f"device {device} does not exist")
            announced = state.setdefault("announced", {})
            announced[address] = announced.get(address, 0) + count

    def quiet(self, device, address) -> list:
        """Announcements here are counted, never left running: nothing to end."""
        return []

    # -- set-up for tests and the simulator ------------------------------------------

    def set_link(self, name, up=True, carrier=True, mac="02:00:00:00:00:99") -> None:
        with self.state.locked() as state:
            links = _links(state)
            link = links.setdefault(name, {"index": len(links) + 1, "mac": mac})
            link["up"] = bool(up)
            link["carrier"] = bool(carrier)

    def remove_link(self, name) -> None:
        with self.state.locked() as state:
            _links(state).pop(name, None)
            state["addresses"] = [a for a in state.get("addresses", []) if a["device"] != name]

    def set_network(self, address, present=True) -> None:
        """Make an address answer (or stop answering) from elsewhere on the network."""
        address = canonical(address)
        with self.state.locked() as state:
            net = state.setdefault("network", [])
            if present and address not in net:
                net.append(address)
            elif not present and address in net:
                net.remove(address)

    def announced(self, address) -> int:
        return self.state.read().get("announced", {}).get(canonical(address), 0)
