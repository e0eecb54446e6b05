"""Requests naming a system where VCS is not running are refused and change nothing.

A resource is brought online by its agent on that system, and an agent runs only where the
engine does (no stored manual says so in one sentence: chosen as `hagrp -online -sys` and
`hares -probe` already refuse a system that is not up, V-16-1-10446). Found by
test_engine_properties.py: `hares -online R -sys S` on a crashed S brought R online there,
and the group came up PARTIAL on a down system."""

from __future__ import annotations

from sim_helpers import WEB, cf


def test_hares_online_on_a_crashed_system_is_refused(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.settle()
    sim.event("crash", system="n2")
    sim.settle()
    assert sim.command(["hagrp", "-offline", "web", "-sys", "n1"])[0] == 0
    sim.settle()
    code, _, err = sim.command(["hares", "-online", "web_ip", "-sys", "n2"])
    assert code == 1 and "n2 is not up" in err
    sim.settle()
    assert sim.resource_state("web_ip", "n2") != "ONLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"
    # Once the system is back, the same request is accepted.
    sim.event("restart", system="n2")
    sim.settle()
    code, _, err = sim.command(["hares", "-online", "web_ip", "-sys", "n2"])
    assert code == 0, err
    sim.settle()
    assert sim.resource_state("web_ip", "n2") == "ONLINE"


def test_hares_online_on_a_stopped_system_is_refused(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.settle()
    assert sim.command(["hagrp", "-offline", "web", "-sys", "n1"])[0] == 0
    assert sim.command(["hastop", "-sys", "n3"])[0] == 0
    sim.settle()
    assert sim.system_state("n3") == "EXITED"
    code, _, err = sim.command(["hares", "-online", "web_ip", "-sys", "n3"])
    assert code == 1 and "n3 is not up" in err
    sim.settle()
    assert sim.resource_state("web_ip", "n3") != "ONLINE"
