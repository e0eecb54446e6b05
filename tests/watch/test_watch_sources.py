"""The sources' decoding, without root: engine event streams as Docker and Podman write
them (chunks split anywhere), rtnetlink messages built byte by byte as rtnetlink(7) lays
them out, mountinfo tables, and which events the watch acts on."""

from __future__ import annotations

import json
import socket
import struct

import pytest

from vxha.agents.drivers.docker_events import EventStream, container_event
from vxha.watch import mounttable, netlink
from vxha.watch.events import from_engine

DOCKER_DIE = {
    "status": "die",
    "id": "ad66",
    "from": "local/busybox:1",
    "Type": "container",
    "Action": "die",
    "Actor": {
        "ID": "ad66",
        "Attributes": {
            "exitCode": "137",
            "image": "local/busybox:1",
            "name": "web",
            "vxha.resource": "web_ctr",
            "vxha.type": "Container",
        },
    },
    "scope": "local",
    "time": 1795786604,
    "timeNano": 1795786604056715059,
}
PODMAN_HEALTH = {
    "status": "health_status",
    "id": "ff83",
    "Type": "container",
    "Action": "health_status",
    "Actor": {
        "ID": "ff83",
        "Attributes": {"containerExitCode": "0", "name": "app", "vxha.resource": "app_ctr"},
    },
    "timeNano": 1795786621237015524,
    "HealthStatus": "healthy",
}


def chunked(docs, newline=True) -> bytes:
    out = b""
    for d in docs:
        body = json.dumps(d).encode() + (b"\n" if newline else b"")
        out += f"{len(body):x}\r\n".encode() + body + b"\r\n"
    return out


def stream_of(raw: bytes, pieces: int):
    """An EventStream fed ``raw`` (the body after the head) in ``pieces`` reads."""
    s = EventStream("unix:///x.sock")
    s._chunked = True
    a, b = socket.socketpair()
    s.sock = a
    a.setblocking(False)
    events = []
    step = max(1, len(raw) // pieces)
    try:
        for i in range(0, len(raw), step):
            b.sendall(raw[i : i + step])
            events += s.read()
    except EOFError:  # the last chunk came: nothing after it is read
        pass
    b.close()
    try:
        while True:
            events += s.read()
    except EOFError:
        pass
    s.close()
    return events


@pytest.mark.parametrize("pieces", [1, 7, 50, 1000])
@pytest.mark.parametrize("newline", [True, False])
def test_events_decoded_whatever_the_reads_and_chunks(pieces, newline):
    raw = chunked([DOCKER_DIE, PODMAN_HEALTH, DOCKER_DIE], newline) + b"0\r\n\r\n"
    events = stream_of(raw, pieces)
    assert [e["Action"] for e in events] == ["die", "health_status", "die"]


def test_a_document_split_over_two_chunks_is_one_event():
    body = json.dumps(DOCKER_DIE).encode() + b"\n"
    half = len(body) // 2
    raw = b""
    for part in (body[:half], body[half:]):
        raw += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    assert stream_of(raw, 3) == [DOCKER_DIE]


def test_garbage_between_events_is_skipped():
    body = json.dumps(DOCKER_DIE).encode() + b"\nnot json\n" + json.dumps(DOCKER_DIE).encode()
    raw = f"{len(body):x}\r\n".encode() + body + b"\r\n"
    assert len(stream_of(raw, 1)) == 2


def test_container_event_reads_docker_and_podman():
    d = container_event(DOCKER_DIE)
    assert d["action"] == "die" and d["name"] == "web" and d["exit_code"] == "137"
    assert d["labels"]["vxha.resource"] == "web_ctr"
    docker_health = dict(DOCKER_DIE, Action="health_status: unhealthy")
    assert container_event(docker_health)["health"] == "unhealthy"
    assert container_event(docker_health)["action"] == "health_status"
    assert container_event(PODMAN_HEALTH)["health"] == "healthy"
    assert container_event(dict(DOCKER_DIE, Type="network")) is None


def test_which_container_events_are_acted_on():
    health = {}
    die = container_event(DOCKER_DIE)
    s = from_engine(die, "unix:///d.sock", health)
    assert (s.kind, s.key, s.container, s.engine) == (
        "container",
        "web_ctr",
        "web",
        "unix:///d.sock",
    )
    assert "died (exit 137)" in s.why
    unlabelled = dict(die, labels={"name": "web"})
    assert from_engine(unlabelled, "unix:///d.sock", health) is None
    start = dict(die, action="start")
    assert from_engine(start, "unix:///d.sock", health) is None
    oom = dict(die, action="oom")
    assert "oom" in from_engine(oom, "unix:///d.sock", health).why


def test_health_counts_only_when_it_turns_unhealthy_or_recovers():
    health = {}
    ev = container_event(PODMAN_HEALTH)

    def status(s):
        return from_engine(dict(ev, health=s), "unix:///p.sock", health)

    assert status("starting") is None
    assert status("healthy") is None  # a container coming up: its online
    assert status("healthy") is None  # Podman repeats every check
    assert status("unhealthy") is not None
    assert status("unhealthy") is None
    assert status("healthy") is not None  # recovered: VCS may want to know
    assert status("healthy") is None


# -- rtnetlink ------------------------------------------------------------------------------


def rta(kind, data: bytes) -> bytes:
    length = 4 + len(data)
    return struct.pack("=HH", length, kind) + data + b"\0" * ((4 - length % 4) % 4)


def nlmsg(kind, body: bytes) -> bytes:
    return struct.pack("=LHHLL", 16 + len(body), kind, 0, 0, 0) + body


def link_msg(kind, index, name, flags):
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 1, index, flags, 0)
    return nlmsg(kind, body + rta(netlink.IFLA_IFNAME, name.encode() + b"\0"))


def addr_msg(kind, index, address, prefix, flags=0, family=socket.AF_INET):
    body = struct.pack("=BBBBi", family, prefix, flags & 0xFF, 0, index)
    raw = socket.inet_pton(family, address)
    attrs = rta(netlink.IFA_ADDRESS, raw) + rta(netlink.IFA_LOCAL, raw)
    attrs += rta(netlink.IFA_FLAGS, struct.pack("=I", flags))
    return nlmsg(kind, body + attrs)


UP = netlink.IFF_UP | netlink.IFF_LOWER_UP


def test_netlink_messages_parsed():
    data = link_msg(netlink.RTM_NEWLINK, 3, "v0", UP)
    data += addr_msg(netlink.RTM_NEWADDR, 3, "10.200.0.10", 24)
    data += addr_msg(netlink.RTM_DELADDR, 3, "fd00::0010", 64, family=socket.AF_INET6)
    data += nlmsg(netlink.NLMSG_DONE, b"\0" * 4)
    assert netlink.parse(data) == [
        ("link", "new", 3, "v0", True, True),
        ("addr", "new", 3, "10.200.0.10", 24, False),
        ("addr", "del", 3, "fd00::10", 64, False),
        ("done",),
    ]


def test_only_changes_the_monitor_reads_are_subjects():
    snap = netlink.Snapshot()
    apply = snap.apply
    assert apply(netlink.parse(link_msg(16, 3, "v0", UP))[0]) == [("link", "v0")]
    assert apply(netlink.parse(link_msg(16, 3, "v0", UP))[0]) == []  # MTU, stats: no
    assert apply(netlink.parse(link_msg(16, 3, "v0", netlink.IFF_UP))[0]) == [("link", "v0")]
    assert apply(netlink.parse(link_msg(16, 3, "v9", netlink.IFF_UP))[0]) == [
        ("link", "v9"),
        ("link", "v0"),
    ]
    add = netlink.parse(addr_msg(20, 3, "10.200.0.10", 24))[0]
    assert apply(add) == [("address", "10.200.0.10")]
    assert apply(add) == []
    failed = netlink.parse(addr_msg(20, 3, "10.200.0.10", 24, netlink.IFA_F_DADFAILED))[0]
    assert apply(failed) == [("address", "10.200.0.10")]
    gone = netlink.parse(addr_msg(21, 3, "10.200.0.10", 24))[0]
    assert apply(gone) == [("address", "10.200.0.10")]
    assert apply(netlink.parse(link_msg(17, 3, "v9", 0))[0]) == [("link", "v9")]


def test_snapshots_compared_and_saved():
    a = netlink.Snapshot(
        {3: ("v0", True, True), 4: ("v1", True, True)},
        {(3, "10.0.0.1", 24): False, (4, "10.0.0.2", 24): False},
    )
    b = netlink.Snapshot(
        {3: ("v0", True, False), 4: ("v1", True, True)},
        {(4, "10.0.0.2", 24): False, (4, "10.0.0.3", 24): False},
    )
    assert a.changes(b) == [("address", "10.0.0.1"), ("address", "10.0.0.3"), ("link", "v0")]
    again = netlink.Snapshot.from_json(json.loads(json.dumps(a.to_json())))
    assert again.links == a.links and again.addresses == a.addresses
    assert a.changes(again) == []


# -- mountinfo ------------------------------------------------------------------------------

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /vx/web/data rw,relatime - ext4 /dev/vx/dsk/webdg/data rw
41 22 0:36 / /vx/web/my\\040dir rw - tmpfs tmpfs rw
"""


def test_mount_points_that_changed():
    before = mounttable.table(MOUNTINFO)
    assert before["/vx/web/my dir"] == (("tmpfs", "tmpfs", False),)
    gone = mounttable.table(MOUNTINFO.replace("40 22", "#").splitlines()[0] + "\n")
    assert mounttable.changes(before, gone) == [
        ("mount", "/vx/web/data"),
        ("mount", "/vx/web/my dir"),
    ]
    ro = mounttable.table(MOUNTINFO.replace("/vx/web/data rw,", "/vx/web/data ro,"))
    assert mounttable.changes(before, ro) == [("mount", "/vx/web/data")]
    stacked = mounttable.table(MOUNTINFO + "42 40 0:37 / /vx/web/data rw - tmpfs x rw\n")
    assert mounttable.changes(before, stacked) == [("mount", "/vx/web/data")]
    other = mounttable.table(MOUNTINFO + "43 22 0:38 / /run/other rw - tmpfs x rw\n")
    assert mounttable.changes(before, other) == [("mount", "/run/other")]
    saved = mounttable.from_json(json.loads(json.dumps(mounttable.to_json(before))))
    assert mounttable.changes(before, saved) == []
