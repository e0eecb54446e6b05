"""Fake forwarding driver: one simulated node's forwarding rules and sysctls in JSON.

State (``<VXHA_NODE_DIR>/forwarding.json``)::

    {"resources": {"web_pf": {"backend": "nft", "rules": [[role, saddr, daddr, ...]]}},
     "sysctls": {"net.ipv4.ip_forward": "0"}}

Rules are the normalized tuples of ``forwarding.expected_rules``, so the agent compares
them the same way as on the real driver. Faults: ``forwarding.install``,
``forwarding.remove``, ``forwarding.rules``, ``forwarding.flows``, ``forwarding.sysctl``
(or ``forwarding.*``).
"""

from __future__ import annotations

from vxha.agents.drivers.fakestate import DriverError, FakeState
from vxha.agents.drivers.forwarding import _check_spec, expected_rules, refuse_taken

DEFAULT_SYSCTLS = {
    "net.ipv4.ip_forward": "0",
    "net.ipv6.conf.all.forwarding": "0",
    "net.ipv4.conf.all.route_localnet": "0",
}


def _sorted(rules) -> list:
    return sorted((list(r) for r in rules), key=lambda r: [str(x) for x in r])


class FakeForwarding:
    """Same interface as ForwardingDriver, on the simulated node's state."""

    def __init__(self, ctx):
        self.state = FakeState(ctx, "forwarding")

    def install(self, name, spec, timeout, backend="nft"):
        self.state.fault("install")
        _check_spec(spec)
        rules = _sorted(expected_rules(spec))
        with self.state.locked() as state:
            resources = state.setdefault("resources", {})
            refuse_taken(spec, [
                (other, tuple(r)) for other, e in resources.items()
                if other != name and e.get("backend", "nft") == backend for r in e["rules"]
            ])  # fmt: skip
            resources[name] = {"backend": backend, "rules": rules}

    def remove(self, name, timeout, backend="nft"):
        self.state.fault("remove")
        with self.state.locked() as state:
            state.get("resources", {}).pop(name, None)

    def rules(self, name, timeout, backend="nft"):
        self.state.fault("rules")
        entry = self.state.read().get("resources", {}).get(name)
        if entry is None or entry.get("backend", "nft") != backend:
            return None
        return {tuple(r) for r in entry["rules"]}

    def forget_flows(self, address, ports, timeout):
        """No tracked flows in a simulation: only the fault (``forwarding.flows``)."""
        self.state.fault("flows")

    def get_sysctl(self, key):
        self.state.fault("sysctl")
        sysctls = self.state.read().get("sysctls", {})
        if key in sysctls:
            return sysctls[key]
        if key in DEFAULT_SYSCTLS:
            return DEFAULT_SYSCTLS[key]
        raise DriverError(f"cannot read sysctl {key}: no such key")

    def set_sysctl(self, key, value):
        self.state.fault("sysctl")
        with self.state.locked() as state:
            state.setdefault("sysctls", {})[key] = str(value)

    # -- for tests and the simulator: somebody edits a resource's rules by hand --------

    def tamper(self, name, rules) -> None:
        with self.state.locked() as state:
            state.setdefault("resources", {})[name]["rules"] = _sorted(rules)
