"""Links and addresses of this network namespace, read from the kernel over rtnetlink.

What ``ip -j addr show [dev NAME]`` reports, asked for the way ip asks (rtnetlink(7),
netlink(7): one RTM_GETLINK for the device by name, an RTM_GETADDR dump), without
starting ip: HostIP's monitor reads it every MonitorInterval, and the process costs
more than the answer. Standard library only: the C socket module, no struct.
"""

import _socket
import sys

NETLINK_ROUTE = 0
RTM_NEWLINK, RTM_GETLINK = 16, 18
RTM_NEWADDR, RTM_GETADDR = 20, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_DUMP = 0x1, 0x2, 0x10, 0x300
IFLA_ADDRESS, IFLA_IFNAME = 1, 3
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS = 1, 2, 3, 8
IFF_UP, IFF_LOOPBACK, IFF_RUNNING, IFF_LOWER_UP = 0x1, 0x8, 0x40, 0x10000
IFA_F_SECONDARY, IFA_F_DADFAILED, IFA_F_TENTATIVE = 0x01, 0x08, 0x40
FAMILIES = {_socket.AF_INET: "inet", _socket.AF_INET6: "inet6"}
ENODEV = 19
DUMP_TRIES = 3  # a dump the kernel marks interrupted (the table changed) is asked again


class NetlinkError(OSError):
    """The kernel refused a request (errno), or its answer could not be read."""


def _u16(data, at: int) -> int:
    return int.from_bytes(data[at : at + 2], sys.byteorder)


def _u32(data, at: int) -> int:
    return int.from_bytes(data[at : at + 4], sys.byteorder)


def _attributes(data, at: int, end: int, wanted: tuple = ()) -> dict:
    """{type: payload} of the rtattrs in data[at:end]; with ``wanted``, read no further
    once each of those types is found (a link's answer holds some fifty, statistics
    included, of which two are read)."""
    attrs = {}
    left = len(wanted)
    while at + 4 <= end:
        size, kind = _u16(data, at), _u16(data, at + 2) & 0x3FFF  # nested/byte-order bits
        if size < 4 or at + size > end:
            break
        attrs[kind] = data[at + 4 : at + size]
        at += (size + 3) & ~3
        if kind in wanted:
            left -= 1
            if not left:
                break
    return attrs


def _attribute(kind: int, payload: bytes) -> bytes:
    size = 4 + len(payload)
    head = size.to_bytes(2, sys.byteorder) + kind.to_bytes(2, sys.byteorder)
    return head + payload + b"\0" * (-size % 4)


def _text(payload: bytes) -> str:
    return payload.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


class Route:
    """One rtnetlink socket; ``close`` it (or use it in a with block)."""

    def __init__(self, timeout: float):
        self.sock = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW | _socket.SOCK_CLOEXEC,
                                   NETLINK_ROUTE)  # fmt: skip
        self.sock.settimeout(max(0.01, timeout))
        self.seq = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ask(self, kind: int, flags: int, body: bytes) -> tuple:
        """([(type, payload)] answering one request, whether the kernel marked the dump
        interrupted)."""
        self.seq += 1
        size = 16 + len(body)
        head = (
            size.to_bytes(4, sys.byteorder)
            + kind.to_bytes(2, sys.byteorder)
            + (NLM_F_REQUEST | flags).to_bytes(2, sys.byteorder)
            + self.seq.to_bytes(4, sys.byteorder)
            + bytes(4)  # port id: the kernel's
        )
        self.sock.sendto(head + body, (0, 0))
        out, interrupted = [], False
        while True:
            data = self.sock.recv(1 << 16)
            at = 0
            while at + 16 <= len(data):
                size, got = _u32(data, at), _u16(data, at + 4)
                got_flags, seq = _u16(data, at + 6), _u32(data, at + 8)
                if size < 16 or at + size > len(data):
                    raise NetlinkError(0, "a truncated netlink answer")
                payload = data[at + 16 : at + size]
                at += (size + 3) & ~3
                if seq != self.seq:
                    continue  # an answer to an earlier request of this socket
                interrupted = interrupted or bool(got_flags & NLM_F_DUMP_INTR)
                if got == NLMSG_ERROR:
                    err = -int.from_bytes(payload[:4], sys.byteorder, signed=True)
                    if err:
                        raise NetlinkError(err, f"netlink request {kind}: errno {err}")
                    return out, interrupted
                if got == NLMSG_DONE:
                    return out, interrupted
                out.append((got, payload))
                if not got_flags & NLM_F_MULTI:
                    return out, interrupted

    def link(self, name: str) -> "dict | None":
        """The device ``name`` (name, index, mac, flags), or None when there is none."""
        body = bytes(16) + _attribute(IFLA_IFNAME, name.encode() + b"\0")  # ifinfomsg
        try:
            answer, _ = self._ask(RTM_GETLINK, 0, body)
        except NetlinkError as exc:
            if exc.errno == ENODEV:
                return None
            raise
        for kind, payload in answer:
            if kind == RTM_NEWLINK and len(payload) >= 16:
                return _link(payload)
        return None

    def addresses(self, index: "int | None" = None) -> list:
        """Every IPv4 and IPv6 address of the namespace, with its device's index; with
        ``index``, those of that device only (the others are not decoded)."""
        for _ in range(DUMP_TRIES):
            answer, interrupted = self._ask(RTM_GETADDR, NLM_F_DUMP, bytes(8))  # ifaddrmsg
            if not interrupted:
                break
        return [
            a
            for kind, payload in answer
            if kind == RTM_NEWADDR and len(payload) >= 8
            and (index is None or _u32(payload, 4) == index)
            for a in [_address(payload)]
            if a is not None
        ]  # fmt: skip


def _link(msg) -> dict:
    flags = _u32(msg, 8)
    attrs = _attributes(msg, 16, len(msg), (IFLA_IFNAME, IFLA_ADDRESS))
    return {
        "name": _text(attrs.get(IFLA_IFNAME, b"")),
        "index": int.from_bytes(msg[4:8], sys.byteorder, signed=True),
        "mac": ":".join(f"{b:02x}" for b in attrs.get(IFLA_ADDRESS, b"")),
        "up": bool(flags & IFF_UP),
        # ip prints LOWER_UP, and NO-CARRIER for a device up but not running
        "carrier": bool(flags & IFF_LOWER_UP) and not (flags & IFF_UP and not flags & IFF_RUNNING),
        "loopback": bool(flags & IFF_LOOPBACK),
    }


def _address(msg) -> "dict | None":
    family, prefixlen, flags = msg[0], msg[1], msg[2]
    if family not in FAMILIES:
        return None
    attrs = _attributes(msg, 8, len(msg))
    local = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
    if not local:
        return None
    if IFA_FLAGS in attrs:  # the full 32 flag bits; ifa_flags holds the low 8
        flags = _u32(attrs[IFA_FLAGS], 0)
    return {
        "index": _u32(msg, 4),
        "address": _socket.inet_ntop(family, bytes(local)),
        "prefixlen": prefixlen,
        "label": _text(attrs[IFA_LABEL]) if IFA_LABEL in attrs else "",
        "family": FAMILIES[family],
        "secondary": bool(flags & IFA_F_SECONDARY),
        "tentative": bool(flags & IFA_F_TENTATIVE),
        "dadfailed": bool(flags & IFA_F_DADFAILED),
    }
