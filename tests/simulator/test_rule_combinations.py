"""Documented engine rules where they meet, each expectation written from the Veritas
document it names before the case was first run (docs/simulator.md, "Rules and their
sources")."""

from __future__ import annotations

from sim_helpers import cf, run

SYSTEMS = ["n1", "n2"]

CHAIN = """group g (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy top (
    )
    Dummy mid (
    )
    top requires mid
"""


# -- a disabled resource meets hares -online / -offline ------------------------------------


def test_a_disabled_resource_is_refused_online(make_sim):
    # Admin 7.0 (Linux), "About disabling resources"; User's 4.1, "Disabling Resources":
    # "Disabling a resource means that the resource is no longer monitored by a VCS agent,
    # and that the resource cannot be brought online or taken offline."
    sim = make_sim(cf(SYSTEMS, CHAIN)).start()
    sim.settle()
    run(sim, "hagrp -offline g -sys n1")
    sim.settle()
    run(sim, "haconf -makerw", "hares -modify mid Enabled 0")
    code, _, err = sim.command(["hares", "-online", "mid", "-sys", "n1"])
    assert code == 1 and "not enabled" in err
    assert sim.resource_state("mid", "n1") == "OFFLINE"
    onlines = [line for line in sim.transcript.lines if " mid online exit" in line]
    assert len(onlines) == 1  # the autostart's, none since


# -- a parallel group meets hagrp -online -propagate -any ------------------------------------


def parallel(name, deps=""):
    return (
        f"group {name} (\n    SystemList = {{ n1 = 0, n2 = 1, n3 = 2 }}\n"
        f"    AutoStartList = {{ n1, n2, n3 }}\n    Parallel = 1\n)\n"
        f"    Dummy {name}_r (\n    )\n{deps}"
    )


def test_online_propagate_any_brings_a_parallel_group_online_on_every_system(make_sim):
    # hagrp(1M) 7.3, synopsis: "-online [-propagate] group -any"; docs/simulator.md rows
    # "hagrp -online G -any" (a parallel group comes online on all the systems it may be
    # brought online on) and "-online -propagate" (its local children first, there).
    systems = ["n1", "n2", "n3"]
    sim = make_sim(
        cf(systems, parallel("c") + parallel("p", "    requires group c online local firm\n"))
    ).start()
    sim.settle()
    run(sim, "hagrp -offline -propagate c -any")
    sim.settle()
    assert {sim.group_state("p", s) for s in systems} == {"OFFLINE"}
    run(sim, "hagrp -online -propagate p -any")
    sim.settle()
    for s in systems:
        assert sim.group_state("c", s) == "ONLINE", s
        assert sim.group_state("p", s) == "ONLINE", s
