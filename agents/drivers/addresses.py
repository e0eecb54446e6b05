"""Addresses driver: IP addresses and link state of the network namespace it runs in.

Reads ask the kernel over rtnetlink (agents/drivers/rtnetlink.py: what ``ip -j addr``
prints, without starting ip, as monitor reads it every interval); changes go through
iproute2 (``ip addr add/del``), duplicate detection and gratuitous ARP through iputils
``arping``; the IPv6 unsolicited neighbour advertisement is sent from a raw ICMPv6 socket
(no extra package: ndisc6 is not in the test bed). Every command runs through the one
runner (agents/drivers/proc.py), and every read and command has the timeout the caller
passes, taken from the entry point's deadline.
"""

import _socket
import time

from vxha.agents.drivers.errors import DriverError, DriverUnavailable

IP = "ip"
ARPING = "arping"
# what iproute2 says (old and new wording) when the address to delete is not there
ABSENT = ("Cannot assign requested address", "Address not found")
PROMOTE = "/proc/sys/net/ipv4/conf/{}/promote_secondaries"  # of this network namespace


def _sysctl(path: str, value: str = "") -> str:
    """The value of a /proc/sys file after writing ``value`` to it (when given); "" when
    it cannot be read. A device name may hold dots, so the path is given, not a key."""
    from vxha.agents.drivers import sysctl

    try:
        if value:
            sysctl.write(path, value, path)
        return sysctl.read(path, path)
    except DriverError:
        return ""


def canonical(address: str) -> str:
    """The address as iproute2 prints it (IPv6 compressed); ValueError when invalid."""
    family = _socket.AF_INET6 if ":" in address else _socket.AF_INET
    try:
        return _socket.inet_ntop(family, _socket.inet_pton(family, address))
    except OSError:
        raise ValueError(f"not an IP address: {address!r}") from None


def check_address(value: str, attr: str, missing: str = "an IP address is required") -> str:
    """The canonical form of an attribute naming a usable address; ConfigError naming it."""
    from vxha.agents.framework import ConfigError

    if not value:
        raise ConfigError(missing, attr)
    try:
        address = canonical(value)
    except ValueError:
        raise ConfigError(f"{value!r} is not an IPv4 or IPv6 address", attr) from None
    if address in ("0.0.0.0", "::"):
        raise ConfigError(f"{value} is the unspecified address", attr)
    return address


def is_ipv6(address: str) -> bool:
    return ":" in address


def _entry(address: dict, device: str) -> dict:
    entry = dict(address, device=device)
    del entry["index"]
    return entry


def _read(what: str, timeout: float, fn):
    """fn(route) on a fresh rtnetlink socket, its failures as the driver's."""
    from vxha.agents.drivers.rtnetlink import NetlinkError, Route

    try:
        with Route(timeout) as route:
            return fn(route)
    except _socket.timeout:
        raise DriverUnavailable(
            f"{what}: the kernel did not answer within {timeout:.1f} s"
        ) from None
    except (NetlinkError, OSError) as exc:
        raise DriverError(f"{what}: {exc.strerror or exc}") from None


def _announcement(device, address, count=None, interval=None) -> list:
    """The argv of the background gratuitous ARP; None stands for any count or interval."""
    return [ARPING, "-U", "-q", "-c", count, "-i", interval, "-I", device, address]


class AddressDriver:
    """Addresses of the current network namespace (iproute2 + arping + raw ICMPv6)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def device(self, name: str, timeout: float):
        """The device's state and addresses, or None when it does not exist."""

        def read(route):
            link = route.link(name)
            if link is None:
                return None
            index = link["index"]
            return dict(link, addresses=[_entry(a, name) for a in route.addresses(index)])

        return _read(f"reading device {name}", timeout, read)

    def find(self, address: str, timeout: float) -> list:
        """Every device entry carrying that address in this namespace."""
        address = canonical(address)

        def read(route):
            found = []
            for a in route.addresses():
                if a["address"] == address:
                    try:
                        found.append(_entry(a, _socket.if_indextoname(a["index"])))
                    except OSError:
                        continue  # its device went away since the dump
            return found

        return _read("looking for an address", timeout, read)

    def add(self, device, address, prefixlen, label="", timeout=5.0, nodad=False) -> None:
        from vxha.agents.drivers.proc import run  # not at the top: monitor runs nothing

        argv = [IP, "addr", "add", f"{address}/{prefixlen}", "dev", device]
        if label:
            argv += ["label", label]
        if nodad:
            argv.append("nodad")
        rc, _, err = run(argv, timeout)
        if rc != 0:
            raise DriverError(f"ip addr add {address}/{prefixlen} dev {device}: {err.strip()}")

    def delete(self, device, address, prefixlen, timeout=5.0) -> list:
        """Remove the address from the device; nothing to do when it is not there. The other
        addresses of its subnet stay (below); what was done for them, as (level, text)."""
        deadline = time.monotonic() + timeout
        siblings = [] if is_ipv6(address) else self._secondaries(device, address, prefixlen,
                                                                 timeout)  # fmt: skip
        if not siblings:
            self._delete(device, address, prefixlen, timeout)
            return []
        # Linux removes every secondary address of a subnet with its primary unless the
        # device's promote_secondaries is 1 (the kernel's ip-sysctl documentation): those
        # are other servers' application addresses. Set it for the removal and put the
        # admin's value back, as keepalived does with the addresses it removes.
        path = PROMOTE.format(device)
        old, notes = _sysctl(path), []
        promoted = old == "0" and _sysctl(path, "1") == "1"
        try:
            self._delete(device, address, prefixlen, max(0.1, deadline - time.monotonic()))
        finally:
            if promoted and _sysctl(path, old) != old:
                notes.append(("warning", f"could not set {path} back to {old}"))
        names = ", ".join(s["address"] for s in siblings)
        if promoted:
            notes.append(("notice", f"{address} was the primary address of its subnet on "
                          f"{device}: promote_secondaries was set to 1 while removing it, so "
                          f"that {names} stayed, then back to {old}"))  # fmt: skip
        now = self.device(device, max(0.1, deadline - time.monotonic())) or {}
        present = {a["address"] for a in now.get("addresses", [])}
        lost = [s for s in siblings if s["address"] not in present]
        for s in lost:  # promote_secondaries could not be set: the kernel took them too
            self.add(device, s["address"], s["prefixlen"], s["label"] if s["label"] != device
                     else "", max(0.1, deadline - time.monotonic()), nodad=True)  # fmt: skip
        if lost:
            gone = ", ".join(s["address"] for s in lost)
            notes.append(("warning", f"removing {address} from {device} also removed {gone} "
                          f"(promote_secondaries is {old or 'unreadable'} and could not be "
                          "set): added them back"))  # fmt: skip
        return notes

    def _secondaries(self, device, address, prefixlen, timeout) -> list:
        """The secondary IPv4 addresses that the kernel removes with ``address`` when it is
        the primary of its subnet on ``device`` (same prefix length, same network)."""
        import ipaddress

        entries = (self.device(device, timeout) or {}).get("addresses", [])
        address = canonical(address)
        mine = [e for e in entries if e["address"] == address and e["prefixlen"] == prefixlen]
        if not mine or mine[0]["secondary"]:
            return []
        net = ipaddress.ip_network(f"{address}/{prefixlen}", strict=False)
        return [
            e for e in entries
            if e["secondary"] and e["family"] == "inet" and e["prefixlen"] == prefixlen
            and ipaddress.ip_address(e["address"]) in net
        ]  # fmt: skip

    def _delete(self, device, address, prefixlen, timeout) -> None:
        from vxha.agents.drivers.proc import run

        rc, _, err = run([IP, "addr", "del", f"{address}/{prefixlen}", "dev", device], timeout)
        if rc != 0 and not any(m in err for m in ABSENT):
            if "does not exist" in err or "Cannot find device" in err:
                return
            raise DriverError(f"ip addr del {address}/{prefixlen} dev {device}: {err.strip()}")

    def duplicate(self, device, address, timeout=3.0) -> bool:
        """IPv4 duplicate address detection (arping -D): True when another host answers."""
        from vxha.agents.drivers.proc import run

        argv = [ARPING, "-D", "-q", "-c", "2", "-w", "1", "-I", device, address]
        rc, _, err = run(argv, timeout)
        if rc == 0:
            return False
        if rc == 1 and not err.strip():
            return True
        raise DriverError(f"arping -D on {device}: {err.strip() or 'exit ' + str(rc)}")

    def wait_dad(self, device, address, timeout: float) -> str:
        """IPv6: wait for the kernel's DAD; "ok", "dadfailed" or "tentative" (time ran out)."""
        address = canonical(address)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            dev = self.device(device, max(0.2, left))
            entry = None
            for e in (dev or {}).get("addresses", []):
                if e["address"] == address:
                    entry = e
            if entry is None:
                return "dadfailed"
            if entry["dadfailed"]:
                return "dadfailed"
            if not entry["tentative"]:
                return "ok"
            if time.monotonic() + 0.1 > end:
                return "tentative"
            time.sleep(0.1)

    def announce(self, device, address, count=3, interval_ms=200, timeout=5.0) -> None:
        """Tell the neighbours: gratuitous ARP (IPv4) or unsolicited NA (IPv6)."""
        if count <= 0:
            return
        if is_ipv6(address):
            self._unsolicited_na(device, canonical(address), count, interval_ms, timeout)
            return
        # iputils arping counts its interval in whole seconds and waits one interval after
        # the last packet: like IPaddr2's default (ARP_BACKGROUND), it runs in the
        # background, in its own session, and ends by itself after count intervals.
        interval = str(max(1, -(-int(interval_ms) // 1000)))
        from vxha.agents.drivers.proc import detach

        detach(_announcement(device, address, str(count), interval))

    def quiet(self, device, address) -> list:
        """End the announcements of ``address`` on ``device`` that ``announce`` left running
        in this network namespace (its background ``arping -U``, recognised by its exact
        argv); the PIDs ended. An address removed or moved to another system must not go
        on being claimed from here (ClusterLabs' IPaddr2 kills its send_arp on stop)."""
        import posix

        address = canonical(address)
        try:
            mine = posix.readlink("/proc/self/ns/net")
        except OSError:
            return []
        ours = [a if a is None else a.encode() for a in _announcement(device, address)]
        found = []
        for name in posix.listdir("/proc"):
            if not name.isdigit():
                continue
            base = f"/proc/{name}/"
            try:
                # The name and the namespace first: reading a process's cmdline takes its
                # memory map's lock, which a process stuck in a page fault on a hung file
                # system holds (how ps hangs); arping's own is never one of those.
                with open(base + "comm", "rb") as f:
                    if f.read().rstrip(b"\n") != ours[0]:
                        continue
                if posix.readlink(base + "ns/net") != mine:
                    continue
                with open(base + "cmdline", "rb") as f:
                    argv = f.read().split(b"\0")[:-1]
                if len(argv) != len(ours) or any(
                    want is not None and got != want for got, want in zip(argv, ours)
                ):  # fmt: skip
                    continue
            except OSError:
                continue  # gone meanwhile, or not ours to read
            try:
                posix.kill(int(name), 15)  # SIGTERM: arping ends at once
                found.append(int(name))
            except OSError:
                pass
        from vxha.agents.drivers.proc import alive

        end = time.monotonic() + 1.0
        while any(alive(p) for p in found) and time.monotonic() < end:
            time.sleep(0.01)
        for pid in found:
            if alive(pid):
                try:
                    posix.kill(pid, 9)
                except OSError:
                    pass
        return found

    def _unsolicited_na(self, device, address, count, interval_ms, timeout) -> None:
        import socket

        dev = self.device(device, timeout)
        if dev is None:
            raise DriverError(f"device {device} does not exist")
        mac = bytes.fromhex(dev["mac"].replace(":", "")) if dev["mac"] else b""
        # ICMPv6 type 136, override flag, target; option 2 = target link-layer address.
        packet = bytes([136, 0, 0, 0]) + (0x20000000).to_bytes(4, "big")
        packet += socket.inet_pton(socket.AF_INET6, address)
        if len(mac) == 6:
            packet += bytes([2, 1]) + mac
        end = time.monotonic() + timeout
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        try:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, dev["index"])
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode() + b"\0")
            try:
                s.bind((address, 0, 0, dev["index"]))
            except OSError:
                pass  # still tentative: the kernel picks a link-local source
            for i in range(count):
                s.sendto(packet, ("ff02::1", 0, 0, dev["index"]))
                if i + 1 < count:
                    pause = min(interval_ms / 1000.0, end - time.monotonic())
                    if pause > 0:
                        time.sleep(pause)
        except OSError as exc:
            raise DriverError(f"unsolicited neighbour advertisement on {device}: {exc}") from None
        finally:
            s.close()
