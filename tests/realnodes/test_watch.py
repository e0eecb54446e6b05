"""vxha watch on real nodes, end to end: one watch per node (its engine, netlink and mount
table, the ha* shims), a real container kill, and what VCS then does.

MonitorInterval 60 s (VCS's default) and Container RestartLimit 0: no periodic monitor is
due while the test runs, so the fault is found through the watch's probe or not at all,
and the group fails over instead of restarting in place.
"""

from __future__ import annotations

import re
import time

import pytest
from realnode_helpers import SMALL_CF, online_on, require_realnodes, served_again, wait_for

from vxha.simulator.realnodes.sim import RealSimulator, monitor_intervals

pytestmark = pytest.mark.real
INTERVAL = 60
# The periodic monitor is due INTERVAL s after the group came online: a failover seen well
# before it was set off by a probe.
WITHIN = 30


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    require_realnodes("docker")
    sim = RealSimulator.from_file(SMALL_CF, tmp_path_factory.mktemp("realwatch"))
    try:
        monitor_intervals(sim, {"Container": INTERVAL, "HostIP": INTERVAL, "PortForward": INTERVAL})
        for argv in (["haconf", "-makerw"], ["hatype", "-modify", "Container", "RestartLimit", "0"],
                     ["haconf", "-dump", "-makero"]):  # fmt: skip
            assert sim.command(argv)[0] == 0
        sim.start()
        wait_for(sim, "web online and served", lambda: online_on(sim, "web") == ["n1"], 120)
        sim.start_watches()
        yield sim
    finally:
        sim.close()


def test_a_container_killed_is_probed_once_where_it_ran_and_the_group_fails_over(sim):
    since = time.monotonic()
    sim.event("container_dies", resource="web_ctr", system="n1")  # docker kill on n1

    def moved():
        return online_on(sim, "web") == ["n2"] and served_again(sim, "web", since)

    wait_for(sim, "web failed over to n2 and served", moved, WITHIN)
    sim.advance(2)  # more than the watch's gap: a second probe would have been asked for
    probes = [p for p in sim.watches.inbox.probes(since) if p[0] == "web_ctr"]
    assert probes == [("web_ctr", "n1")]
    assert "n1 web_ctr ONLINE -> OFFLINE (monitor)" in "\n".join(sim.transcript.lines)
    assert "probed web_ctr on n1: container web died" in sim.watches.text("n1")
    assert "web_ctr" not in sim.watches.text("n2").split("events connected", 1)[1]


def test_a_container_killed_in_a_frozen_group_is_not_probed(sim):
    assert sim.command(["hagrp", "-freeze", "web"])[0] == 0
    since = time.monotonic()
    sim.event("container_dies", resource="web_ctr", system="n2")
    refused = re.compile(r"not probing web_ctr on n2: .*frozen")
    wait_for(sim, "the watch of n2 refusing", lambda: refused.search(sim.watches.text("n2")), 20)
    assert sim.watches.inbox.probes(since) == []
    assert online_on(sim, "web") == ["n2"]  # VCS was not asked: it still believes it online
