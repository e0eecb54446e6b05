"""A whole failover on real components: two servers on three real nodes (n1 and n2 run
Docker, n3 Podman), a client asking each through its application IP all along, and the
faults one after the other on the same cluster: a container killed (restarted in place:
RestartLimit 1), a node's engine stopped with its containers, a node's link down, a node
crashed. Each ends with the service online (on another node unless restarted in place),
the client served, the data written at the start read back through the service, and the
failed node holding nothing of the service; at the end nothing of the run is left.

MonitorInterval: 3 s for Container, HostIP and PortForward, 30 s for CFSMount.
"""

from __future__ import annotations

import os
import time

import pytest
from realnode_helpers import (
    CLUSTER_CF,
    MONITOR,
    leftovers,
    node_holds,
    online_on,
    require_realnodes,
    served_again,
    wait_for,
)

from vxha.simulator.realnodes.host import mounted
from vxha.simulator.realnodes.sim import RealSimulator, monitor_intervals

pytestmark = pytest.mark.real
SERVERS = ("web", "app")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    require_realnodes("docker", "podman")
    sim = RealSimulator.from_file(CLUSTER_CF, tmp_path_factory.mktemp("realnodes"))
    try:
        monitor_intervals(sim, MONITOR)
        sim.start()
        for server in SERVERS:
            wait_for(sim, f"{server} online", lambda s=server: online_on(sim, s), 120)
        yield sim
    finally:
        sim.close()


def _data(sim, server):
    return sim.cluster.request(server, "/cgi-bin/get?token").strip()


def _after_fault(sim, server, since, elsewhere_than=None, timeout=120):
    """Wait until the server is online (elsewhere, when asked) and served again."""

    def ready():
        on = online_on(sim, server)
        if len(on) != 1 or (elsewhere_than and on[0] == elsewhere_than):
            return None
        times = served_again(sim, server, since)
        return (on[0], times) if times else None

    return wait_for(sim, f"{server} online and served again", ready, timeout)


def test_started_everywhere_with_data_on_shared_storage(sim):
    assert online_on(sim, "web") == ["n1"]
    assert online_on(sim, "app") == ["n2"]
    for group in ("web_storage", "app_storage"):
        assert sorted(online_on(sim, group)) == ["n1", "n2", "n3"]
    for server in SERVERS:
        assert f"image local/{server}:1" in sim.cluster.request(server)
        sim.cluster.request(server, f"/cgi-bin/put?token={server}-before-faults")
        assert _data(sim, server) == f"{server}-before-faults"
    # The volume is the same file system on every node: what web wrote on n1 is on n3.
    text = sim.cluster.node("n3").sh("cat", "/vx/web/data/token")
    assert text == "web-before-faults"
    assert sim.cluster.node("n3").sh("hostname").strip() == "n3"
    # app's add-on image, built on each node, reached its container read-only
    seen = sim.cluster.node("n2").engine.docker("exec", "app", "cat", "/opt/plugins/app/STANDIN")
    assert seen.stdout.decode() == "stand-in of app-plugin:1.0\n"
    fstype = [line for line in sim.transcript.lines if "FSType vxfs -> ext4" in line]
    assert len(fstype) == 2, fstype


def test_container_killed_is_restarted_in_place(sim):
    since = time.monotonic()
    sim.event("container_dies", resource="web_ctr", system="n1")
    where, (fail, served) = _after_fault(sim, "web", since)
    assert where == "n1"  # RestartLimit 1: restarted where it ran
    assert fail < 2 and served < 30
    assert any("web_ctr restart 1/1" in line for line in sim.transcript.lines)
    assert _data(sim, "web") == "web-before-faults"


def test_engine_stopped_with_its_containers_fails_over(sim):
    since = time.monotonic()
    sim.event("runtime_stop", system="n2")
    where, (_, served) = _after_fault(sim, "app", since, elsewhere_than="n2", timeout=180)
    assert where == "n3"  # Podman's node, next in app's SystemList
    assert served < 120
    assert _data(sim, "app") == "app-before-faults"
    sim.event("runtime_start", system="n2")
    assert node_holds(sim, "n2", "app") == []
    sim.command(["hagrp", "-clear", "app", "-sys", "n2"])


def test_link_down_fails_over(sim):
    since = time.monotonic()
    sim.event("link_down", system="n1")
    where, (_, served) = _after_fault(sim, "web", since, elsewhere_than="n1")
    assert where == "n2"
    assert served < 60
    assert _data(sim, "web") == "web-before-faults"
    wait_for(sim, "web offline on n1", lambda: "OFFLINE" in sim.states()["web"]["n1"], 60)
    assert node_holds(sim, "n1", "web") == []
    sim.event("link_up", system="n1")
    sim.command(["hagrp", "-clear", "web", "-sys", "n1"])


def test_node_crash_fails_over_and_leaves_nothing_of_the_node(sim):
    node = sim.cluster.node("n3")
    netns, cgroup = node.netns, node.cgroup
    mnt_ns = f"mnt:[{os.stat(node.ns_files['mnt']).st_ino}]"
    since = time.monotonic()
    sim.event("crash", system="n3")
    where, (fail, served) = _after_fault(sim, "app", since, elsewhere_than="n3")
    assert where == "n2"
    assert fail < 2 and served < 60
    assert _data(sim, "app") == "app-before-faults"
    assert "web" in sim.cluster.request("web")
    # Nothing of n3 runs or holds its mounts: no process, no cgroup, no namespace.
    assert not cgroup.exists() and cgroup.pids() == []
    assert not os.path.exists(f"/run/netns/{netns}")
    assert not mounted(node.ns_files["mnt"])
    assert [p for p in _pids() if _readlink(f"/proc/{p}/ns/mnt") == mnt_ns] == []


def _pids():
    return [p for p in os.listdir("/proc") if p.isdigit()]


def _readlink(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


def test_nothing_left_on_the_machine_after_the_run(sim):
    prefix, base = sim.cluster.prefix, sim.cluster.base
    assert leftovers(prefix, base) != []  # the check sees a live run
    assert sim.close() == []
    assert leftovers(prefix, base) == []
