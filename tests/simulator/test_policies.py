"""Failover policies and the tie rules of docs/simulator.md."""

from __future__ import annotations

from sim_helpers import cf


def one(name, sl, asl, **attrs):
    lines = [f"group {name} (", f"    SystemList = {{ {', '.join(f'{s} = {p}' for s, p in sl)} }}"]
    lines.append(f"    AutoStartList = {{ {', '.join(asl)} }}")
    lines += [f"    {k} = {v}" for k, v in attrs.items()]
    lines += [")", f"    Dummy {name}_res (", "    )", ""]
    return "\n".join(lines) + "\n"


def test_priority_tie(make_sim):
    # n2 and n3 share number 1: the first in SystemList order wins
    sim = make_sim(cf(["n1", "n2", "n3"], one("g", [("n1", 0), ("n3", 1), ("n2", 1)], ["n1"])))
    sim.start()
    sim.event("crash", system="n1")
    assert sim.group_state("g", "n3") == "ONLINE"


def test_roundrobin_tie(make_sim):
    sl = [("n1", 0), ("n3", 2), ("n2", 1)]
    sim = make_sim(cf(["n1", "n2", "n3"], one("g", sl, ["n1"], FailOverPolicy="RoundRobin")))
    sim.start()
    sim.event("crash", system="n1")
    assert sim.group_state("g", "n2") == "ONLINE"  # both empty: lowest priority number


def test_load_tie(make_sim):
    sl = [("n1", 0), ("n3", 1), ("n2", 2)]
    sim = make_sim(cf(["n1", "n2", "n3"], one("g", sl, ["n1"], FailOverPolicy="Load", Load=10)))
    sim.start()
    sim.event("crash", system="n1")
    assert sim.group_state("g", "n2") == "ONLINE"  # equal capacity: lexically first


def test_biggest_available_needs_statistics(make_sim):
    systems = "".join(
        f"system {s} (\n    Capacity = {{ CPU = {c}, Mem = 100 }}\n)\n\n"
        for s, c in (("n1", 8), ("n2", 2), ("n3", 8))
    )
    group = one(
        "g",
        [("n1", 0), ("n2", 1), ("n3", 2)],
        ["n1"],
        FailOverPolicy="BiggestAvailable",
        Load="{ CPU = 1, Mem = 10 }",
    )
    text = 'include "types.cf"\ninclude "DummyTypes.cf"\n\ncluster sim (\n)\n\n' + systems + group
    sim = make_sim(text, name="nostats").start()
    sim.event("crash", system="n1")
    assert sim.group_state("g", "n2") == "ONLINE"  # no Statistics: Priority
    text = text.replace("cluster sim (\n)", "cluster sim (\n    Statistics = Enabled\n)")
    sim = make_sim(text, name="stats").start()
    sim.event("crash", system="n1")
    assert sim.group_state("g", "n3") == "ONLINE"


def test_autofailover_zone(make_sim):
    systems = "".join(f"system {s} (\n)\n\n" for s in ("n1", "n2", "n3"))
    zones = "{ n1 = 0, n2 = 1, n3 = 0 }"
    group = one("g", [("n1", 0), ("n2", 1), ("n3", 2)], ["n1"], AutoFailOver=2, SystemZones=zones)
    text = 'include "types.cf"\ninclude "DummyTypes.cf"\n\ncluster sim (\n)\n\n' + systems + group
    sim = make_sim(text).start()
    sim.event("kill", resource="g_res", system="n1")
    sim.advance(120)
    assert sim.group_state("g", "n3") == "ONLINE"  # n2 is in another zone
    assert sim.group_state("g", "n2") == "OFFLINE"


def test_prerequisites_are_a_hard_filter():
    from vxha.simulator.policies import prerequisites_met

    class G:
        def __init__(self, pre):
            self.prerequisites = pre

    class S:
        limits = {"Slots": 2}
        active = {"a": G({"Slots": 1})}

    assert prerequisites_met(G({"Slots": 1}), S())
    assert not prerequisites_met(G({"Slots": 2}), S())
    assert not prerequisites_met(G({"Other": 1}), S())
