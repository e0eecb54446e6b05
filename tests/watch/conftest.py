"""Fixtures of the watch's tests: one private Docker and one Podman engine per session
(container_engines.py), one served cluster per module whose Container resources use
them, a fresh node (network and mount namespaces) and watch per test."""

from __future__ import annotations

import pytest
from watch_node import Cluster, Node, WatchProc, write_main_cf

REAL_TOOLS = ("ip", "nsenter", "unshare", "mount", "umount")
BOTH_ENGINES = (r"engine .*p\.sock: events connected", r"engine .*docker\.sock: events connected")


def _engine(kind):
    from container_engines import BUSYBOX, BUSYBOX_HEALTH, start_engine

    return start_engine(kind, "vxw", (BUSYBOX, BUSYBOX_HEALTH), REAL_TOOLS)


@pytest.fixture(scope="session")
def watch_dockerd():
    e = _engine("docker")
    yield e
    e.stop()


@pytest.fixture(scope="session")
def watch_podman():
    e = _engine("podman")
    yield e
    e.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, watch_dockerd, watch_podman):
    """A served two-system cluster (n1, n2): web (HostIP, Container on Docker) over
    web_storage (CFSMount), and app (Container on Podman)."""
    tmp = tmp_path_factory.mktemp("watchsim")
    mountpoint = tmp / "mnt" / "data"
    mountpoint.mkdir(parents=True)
    main_cf = write_main_cf(tmp / "main.cf", str(mountpoint), watch_dockerd.host, watch_podman.host)
    c = Cluster(tmp, main_cf)
    c.mountpoint = str(mountpoint)
    yield c
    c.stop()


@pytest.fixture
def engines(watch_dockerd, watch_podman):
    found = {"docker": watch_dockerd, "podman": watch_podman}
    yield found
    for e in found.values():
        ids = e.docker("ps", "-aq", check=False, timeout=20).stdout.split()
        if ids:
            e.docker("rm", "-f", *[i.decode() for i in ids], check=False, timeout=30)


@pytest.fixture
def node(tmp_path):
    from container_engines import require_real

    require_real(*REAL_TOOLS)
    n = Node(tmp_path)
    yield n
    n.stop()


@pytest.fixture
def watch(node, cluster, tmp_path):
    """Start ``vxha watch`` in the node; waits until it reads events."""
    started = []

    def start(*extra, ready=BOTH_ENGINES, name="watch"):
        cluster.reset_calls()
        w = WatchProc(node, cluster, tmp_path, *extra, name=name)
        started.append(w)
        for pattern in ready:
            w.wait_log(pattern)
        return w

    yield start
    for w in started:
        w.stop()
