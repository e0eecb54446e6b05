"""Address and link changes of the network namespace the watch runs in, from the kernel's
rtnetlink multicast groups (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR:
rtnetlink(7)), standard library only.

``NetlinkWatch`` keeps a snapshot of the links (name, up, carrier) and addresses (with
their DAD-failed flag), updated from each message; a message that changes nothing the
HostIP monitor reads yields nothing. When the kernel drops messages (ENOBUFS: the socket
buffer overflowed) the snapshot is dumped again and compared, so nothing is missed.
"""

from __future__ import annotations

import errno
import os
import socket
import struct

NETLINK_ROUTE = 0
RTMGRP_LINK = 0x1
RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV6_IFADDR = 0x100
GROUPS = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR

NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFLA_IFNAME = 3
IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS = 1, 2, 8
IFF_UP, IFF_LOWER_UP = 0x1, 0x10000
IFA_F_DADFAILED = 0x08

_NLMSG = struct.Struct("=LHHLL")
_IFINFO = struct.Struct("=BxHiII")
_IFADDR = struct.Struct("=BBBBi")
_RTA = struct.Struct("=HH")
RCVBUF = 1 << 20  # room for a burst (a NIC going down takes its addresses with it)


def _attrs(data: bytes, pos: int) -> dict:
    out = {}
    n = len(data)
    while pos + 4 <= n:
        length, kind = _RTA.unpack_from(data, pos)
        if length < 4:
            break
        out[kind & 0x3FFF] = data[pos + 4 : pos + length]
        pos += (length + 3) & ~3
    return out


def parse(data: bytes) -> list:
    """Netlink messages -> [("link", op, index, name, up, carrier)] and
    [("addr", op, index, address, prefixlen, dadfailed)], op "new" or "del";
    ("done",) ends a dump; ("error", errno) is a refused request."""
    out = []
    pos = 0
    while pos + _NLMSG.size <= len(data):
        length, kind, _flags, _seq, _pid = _NLMSG.unpack_from(data, pos)
        if length < _NLMSG.size:
            break
        body = pos + _NLMSG.size
        if kind == NLMSG_DONE:
            out.append(("done",))
        elif kind == NLMSG_ERROR:
            code = struct.unpack_from("=i", data, body)[0] if body + 4 <= len(data) else 0
            if code:
                out.append(("error", -code))
        elif kind in (RTM_NEWLINK, RTM_DELLINK) and body + _IFINFO.size <= len(data):
            _fam, _type, index, flags, _change = _IFINFO.unpack_from(data, body)
            attrs = _attrs(data[: pos + length], body + _IFINFO.size)
            name = attrs.get(IFLA_IFNAME, b"").split(b"\0")[0].decode("utf-8", "replace")
            op = "new" if kind == RTM_NEWLINK else "del"
            out.append(("link", op, index, name, bool(flags & IFF_UP), bool(flags & IFF_LOWER_UP)))
        elif kind in (RTM_NEWADDR, RTM_DELADDR) and body + _IFADDR.size <= len(data):
            family, prefix, flags, _scope, index = _IFADDR.unpack_from(data, body)
            attrs = _attrs(data[: pos + length], body + _IFADDR.size)
            if IFA_FLAGS in attrs and len(attrs[IFA_FLAGS]) >= 4:
                flags = struct.unpack("=I", attrs[IFA_FLAGS][:4])[0]
            raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if raw and family in (socket.AF_INET, socket.AF_INET6):
                address = socket.inet_ntop(family, raw)
                op = "new" if kind == RTM_NEWADDR else "del"
                out.append(("addr", op, index, address, prefix, bool(flags & IFA_F_DADFAILED)))
        pos += (length + 3) & ~3
    return out


class Snapshot:
    """Links (index -> (name, up, carrier)) and addresses ((index, address, prefix) ->
    dadfailed) of the namespace."""

    def __init__(self, links=None, addresses=None):
        self.links = dict(links or {})
        self.addresses = dict(addresses or {})

    def apply(self, msg) -> list:
        """Update from one parsed message; the subjects it concerns (see ``changes``)."""
        if msg[0] == "link":
            _, op, index, name, up, carrier = msg
            before = self.links.get(index)
            if op == "del":
                self.links.pop(index, None)
                return [("link", before[0] if before else name)]
            now = (name, up, carrier)
            self.links[index] = now
            if before == now:
                return []
            subjects = [("link", name)]
            if before and before[0] != name:
                subjects.append(("link", before[0]))
            return subjects
        if msg[0] == "addr":
            _, op, index, address, prefix, dadfailed = msg
            key = (index, address, prefix)
            if op == "del":
                self.addresses.pop(key, None)
                return [("address", address)]
            if self.addresses.get(key) == dadfailed:
                return []
            self.addresses[key] = dadfailed
            return [("address", address)]
        return []

    def changes(self, other: Snapshot) -> list:
        """Subjects that differ between this snapshot and ``other`` (a later one)."""
        subjects = set()
        for index in set(self.links) | set(other.links):
            a, b = self.links.get(index), other.links.get(index)
            if a != b:
                subjects.update(("link", x[0]) for x in (a, b) if x)
        for key in set(self.addresses) | set(other.addresses):
            if self.addresses.get(key) != other.addresses.get(key):
                subjects.add(("address", key[1]))
        return sorted(subjects)

    def to_json(self) -> dict:
        return {
            "links": [[i, *v] for i, v in sorted(self.links.items())],
            "addresses": [[*k, v] for k, v in sorted(self.addresses.items())],
        }

    @classmethod
    def from_json(cls, data: dict) -> Snapshot:
        links = {int(i): (n, bool(u), bool(c)) for i, n, u, c in data.get("links", [])}
        addresses = {(int(i), a, int(p)): bool(d) for i, a, p, d in data.get("addresses", [])}
        return cls(links, addresses)


def _socket(groups: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        sock.bind((0, groups))
    except OSError:
        sock.close()
        raise
    return sock


def dump(timeout: float = 5.0) -> Snapshot:
    """The namespace's links and addresses now (RTM_GETLINK and RTM_GETADDR dumps)."""
    snap = Snapshot()
    sock = _socket()
    try:
        sock.settimeout(timeout)
        for seq, kind in ((1, RTM_GETLINK), (2, RTM_GETADDR)):
            # struct rtgenmsg: the family, padded; AF_UNSPEC asks for every family.
            body = struct.pack("=Bxxx", socket.AF_UNSPEC)
            head = _NLMSG.pack(_NLMSG.size + len(body), kind, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
            sock.send(head + body)
            done = False
            while not done:
                for msg in parse(sock.recv(RCVBUF)):
                    if msg[0] == "done":
                        done = True
                    elif msg[0] == "error":
                        raise OSError(msg[1], f"rtnetlink dump refused: {os.strerror(msg[1])}")
                    else:
                        snap.apply(msg)
    finally:
        sock.close()
    return snap


class NetlinkWatch:
    """The subscription: ``read()`` returns the subjects of the messages that arrived."""

    def __init__(self):
        self.sock = _socket(GROUPS)
        self.sock.setblocking(False)
        self.snapshot = dump()
        self.overflows = 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def read(self) -> list:
        """Subjects (watch/events.py) of the messages that arrived."""
        from vxha.watch.events import from_change

        subjects = []
        while True:
            try:
                data = self.sock.recv(RCVBUF)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise
                # The kernel dropped messages: compare a fresh dump instead.
                self.overflows += 1
                fresh = dump()
                subjects += self.snapshot.changes(fresh)
                self.snapshot = fresh
                continue
            for msg in parse(data):
                subjects += self.snapshot.apply(msg)
        return [from_change(kind, key) for kind, key in dict.fromkeys(subjects)]

    def close(self) -> None:
        self.sock.close()
