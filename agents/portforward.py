"""PortForward agent: ports of a host address forwarded (DNAT) into a container.

The target is ``TargetAddress`` when set, else the current address of ``Container``
(asked of the container driver at every online and monitor, so a container restarted with
a new address makes the rules stale and VCS repairs them). Rules live in vxha's own table
or chains (see agents/drivers/forwarding.py); nothing else is touched.
"""

from __future__ import annotations

from vxha.agents.drivers.addresses import canonical, check_address, is_ipv6
from vxha.agents.drivers.errors import DriverError, DriverUnavailable
from vxha.agents.framework import OFFLINE, ONLINE, AgentError, ConfigError, report_attr_change

BACKENDS = ("nft", "iptables")
PROTOCOLS = ("tcp", "udp")
_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_NAME_REST = _NAME_FIRST | frozenset("_.-")


class EngineSilent(AgentError):
    """The container engine did not answer in time."""

    msgid = "unavailable"


def check_container_name(name: str) -> None:
    """ConfigError naming Container unless ``name`` is a container name as the engine
    accepts it (and the Container type checks RuntimeName): it goes into an Engine API
    URL path, where '/', '?' or '..' would address something else."""
    if len(name) < 2 or name[0] not in _NAME_FIRST or not set(name) <= _NAME_REST:
        raise ConfigError(
            f"{name!r} is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)", "Container"
        )


def _port(text, attr: str, what: str) -> int:
    try:
        port = int(str(text), 10)
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not a port number", attr) from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{what} {port} is not a port number (1-65535)", attr)
    return port


def parse_ports(ports: dict) -> list:
    """Ports association -> sorted [(host port, protocol, container port)]; ConfigError."""
    if not ports:
        raise ConfigError("at least one 'host port[/tcp|/udp]' = container port is needed", "Ports")
    seen = {}
    out = []
    for key, value in ports.items():
        host, _, proto = str(key).partition("/")
        proto = (proto or "tcp").lower()
        if proto not in PROTOCOLS:
            raise ConfigError(f"{key!r}: protocol must be tcp or udp", "Ports")
        hp = _port(host, "Ports", "host port")
        cp = _port(value, "Ports", f"container port of {key}")
        if (hp, proto) in seen:
            raise ConfigError(
                f"host port {hp}/{proto} is declared twice ({seen[(hp, proto)]!r} and {key!r})",
                "Ports",
            )
        seen[(hp, proto)] = key
        out.append((hp, proto, cp))
    return sorted(out)


def sysctls_needed(address: str) -> dict:
    """The sysctls forwarding to a container needs for this host address."""
    if is_ipv6(address):
        return {"net.ipv6.conf.all.forwarding": "1"}
    needed = {"net.ipv4.ip_forward": "1"}
    if address.startswith("127."):
        needed["net.ipv4.conf.all.route_localnet"] = "1"
    return needed


class PortForwardAgent:
    def validate(self, res):
        address = check_address(res.Address, "Address", "the host address is required")
        res.values["Address"] = address
        if res.TargetAddress:
            target = check_address(res.TargetAddress, "TargetAddress")
            if is_ipv6(target) != is_ipv6(address):
                raise ConfigError(
                    f"{target} is not of the same IP family as Address {address}", "TargetAddress"
                )
            res.values["TargetAddress"] = target
        elif not res.Container:
            raise ConfigError("either Container or TargetAddress is required", "Container")
        if res.Container:
            check_container_name(res.Container)
        res.values["Ports"] = dict(res.Ports)
        res.port_list = parse_ports(res.Ports)
        if res.Backend not in BACKENDS:
            raise ConfigError(f"{res.Backend!r} is not one of {', '.join(BACKENDS)}", "Backend")

    # -- helpers -----------------------------------------------------------------------

    def _fwd(self, res):
        return res.driver("forwarding")

    def _call(self, res, what, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except DriverError as exc:
            text = str(exc)
            if res.Backend == "nft" and "nft is not installed" in text:
                raise ConfigError(
                    "nft is not installed here: set Backend = iptables", "Backend"
                ) from None
            raise AgentError(f"{what}: {text}") from None

    def _target(self, res):
        """The target address, or None when the container has none (not running)."""
        if res.TargetAddress:
            return res.TargetAddress
        from vxha.agents import statefile
        from vxha.agents.drivers.docker import engine_note

        try:
            docker = res.driver("docker")
            # the engine the Container agent started it on, else $DOCKER_HOST or the default
            noted = (statefile.read(res.ctx, engine_note(res.Container)) or "").strip()
            if noted:
                docker.use_host(noted)
            addr = docker.container_address(res.Container, timeout=res.timeout(10))
        except DriverUnavailable as exc:
            raise EngineSilent(f"asking the container driver for {res.Container}: {exc}") from None
        except DriverError as exc:
            raise AgentError(f"asking the container driver for {res.Container}: {exc}") from None
        if not addr:
            return None
        try:
            addr = canonical(addr)
        except ValueError:
            raise AgentError(
                f"container {res.Container} has an unusable address {addr!r}"
            ) from None
        if is_ipv6(addr) != is_ipv6(res.Address):
            raise AgentError(
                f"container {res.Container} address {addr} is not of the family of {res.Address}",
                "Container",
            )
        return addr

    def _spec(self, res, target):
        return {"address": res.Address, "target": target, "ports": res.port_list}

    def _rules(self, res):
        return self._call(
            res, "reading the forwarding rules", self._fwd(res).rules, res.name, res.timeout(5),
            res.Backend,
        )  # fmt: skip

    def _sysctls(self, res):
        fwd = self._fwd(res)
        for key, value in sysctls_needed(res.Address).items():
            current = self._call(res, f"reading {key}", fwd.get_sysctl, key)
            if current == value:
                continue
            if res.SetSysctls:
                self._call(res, f"setting {key}", fwd.set_sysctl, key, value)
                res.log.notice(f"set {key} = {value} (SetSysctls = 1)", "net.sysctl")
            else:
                res.log.warning(
                    f"{key} is {current}: forwarded traffic will not reach the container "
                    "until it is set to 1 (or SetSysctls = 1)",
                    "net.sysctl",
                )

    def _forget_flows(self, res):
        """After the rules changed: delete the tracked flows the old rules rewrote, which
        keep going where the rule that made them pointed (docs/network.md, "Tracked
        flows"). A failure is said: the rules, which are the resource, are as they must be."""
        try:
            self._fwd(res).forget_flows(res.Address, res.port_list, res.timeout(5))
        except DriverError as exc:
            res.log.warning(
                f"could not delete the tracked flows to {res.Address}: {exc}; flows the"
                " old rules forwarded keep their old target until they go idle",
                "net.stale",
            )

    # -- entry points ------------------------------------------------------------------

    def online(self, res):
        from vxha.agents.drivers.forwarding import expected_rules

        target = self._target(res)
        if target is None:
            raise AgentError(f"container {res.Container} is not running or has no address")
        spec = self._spec(res, target)
        self._sysctls(res)
        wanted = expected_rules(spec)
        if self._rules(res) == wanted:
            res.log.info(f"forwarding of {res.Address} to {target} is already in place", "state")
            return None
        self._call(
            res, "installing the forwarding rules", self._fwd(res).install, res.name, spec,
            res.timeout(15), res.Backend,
        )  # fmt: skip
        if self._rules(res) != wanted:
            raise AgentError("the forwarding rules read back differ from those installed")
        self._forget_flows(res)
        ports = ", ".join(f"{hp}/{p}->{cp}" for hp, p, cp in res.port_list)
        res.log.info(f"forwarding {res.Address} {ports} to {target}", "state")
        return None

    def monitor(self, res):
        from vxha.agents.drivers.forwarding import expected_rules

        found = self._rules(res)
        if found is None:
            return OFFLINE
        try:
            target = self._target(res)
        except EngineSilent as exc:
            # The rules are this resource's own state, readable without the engine: a
            # complete set for the target they point at is online (DECISIONS.md 8).
            pointed = {r[6] for r in found if len(r) > 6 and r[5] == "dnat"}
            if len(pointed) == 1 and found == expected_rules(self._spec(res, pointed.pop())):
                res.log.notice(f"{exc}: answering from the forwarding rules", "unavailable")
                return ONLINE
            res.log.warning(f"{exc}: the forwarding rules are incomplete", "unavailable")
            return OFFLINE
        if target is None:
            res.log.warning(
                f"container {res.Container} is not running: its forwarding is dead", "net.stale"
            )
            return OFFLINE
        if found != expected_rules(self._spec(res, target)):
            pointed = sorted({str(r[6]) for r in found if len(r) > 6 and r[5] == "dnat"})
            res.log.warning(
                f"forwarding rules are stale or edited (they point at {', '.join(pointed) or '?'}, "
                f"the target is {target})",
                "net.stale",
            )
            return OFFLINE
        return ONLINE

    def _remove(self, res):
        self._call(
            res, "removing the forwarding rules", self._fwd(res).remove, res.name,
            res.timeout(15), res.Backend,
        )  # fmt: skip
        return self._rules(res) is None

    def offline(self, res):
        if not self._remove(res):
            raise AgentError("forwarding rules are still there after removing them")
        return None

    def clean(self, res):
        # An AgentError is logged and mapped to 1 by the framework: VCS retries clean.
        return self._remove(res)

    def info(self, res):
        found = self._rules(res) or set()
        dnat = sorted(r for r in found if len(r) > 6 and r[5] == "dnat" and r[0] == "pre")
        return {
            "Backend": res.Backend,
            "Target": ", ".join(sorted({str(r[6]) for r in dnat})) or "none",
            "Rules": len(found),
            "Forwarded": ", ".join(f"{r[2]}:{r[4]}/{r[3]}->{r[6]}:{r[7]}" for r in dnat) or "none",
        }

    attr_changed = report_attr_change
