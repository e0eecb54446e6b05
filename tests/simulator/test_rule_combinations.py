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


# -- a Proxy resource meets a fault of its target ---------------------------------------------

PROXY = """group net (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1, n2 }
    Parallel = 1
)
    NIC nic (
        Device = eth0
    )
    Phantom ph (
    )

group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy a (
    )
    Proxy px (
        TargetResName = nic
    )
    a requires px
"""


def test_a_proxy_mirrors_its_target_and_its_group_fails_over_when_the_target_faults(make_sim):
    # BAR (Windows 6.0.1), "Proxy agent": "monitors and mirrors the state of a resource on a
    # local or remote system"; monitor "Determines the status of the target resource";
    # ONLINE "the target resource is online", FAULTED "the target resource is offline or
    # faulted"; the type passes TargetResName:State to it (its ArgList). A persistent
    # resource's fault faults its group (docs/simulator.md, "a persistent resource"), and
    # px is Critical: the group fails over to n2, where the NIC is up.
    sim = make_sim(cf(SYSTEMS, PROXY)).start()
    sim.settle()
    assert sim.resource_state("px", "n1") == "ONLINE"
    assert sim.group_state("app", "n1") == "ONLINE"
    sim.event("kill", resource="nic", system="n1")
    sim.advance(180)
    sim.settle()
    assert sim.resource_state("nic", "n1") == "FAULTED"
    assert sim.resource_state("px", "n1") == "FAULTED"
    assert sim.group_state("app", "n2") == "ONLINE"
    assert sim.resource_state("px", "n2") == "ONLINE"


def test_a_proxy_with_a_target_system_mirrors_the_target_there(make_sim):
    # BAR, "Proxy agent": TargetSysName, the system whose TargetResName is mirrored ("on a
    # local or remote system"): a fault of the NIC on n1 is a fault of px on both systems.
    sim = make_sim(
        cf(
            SYSTEMS,
            PROXY.replace("TargetResName = nic", "TargetResName = nic\n        TargetSysName = n1"),
        )
    ).start()
    sim.settle()
    sim.event("kill", resource="nic", system="n1")
    sim.advance(180)
    sim.settle()
    assert sim.resource_state("px", "n1") == "FAULTED"
    assert sim.resource_state("px", "n2") != "ONLINE"


# -- the ClusterService group meets a frozen system, hastop and autostart --------------------

CSG = """group ClusterService (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1, n2 }
)
    Dummy csg_r (
    )

group aaa (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1, n2 }
    Priority = 1
)
    Dummy aaa_r (
    )
"""


def test_cluster_service_fails_over_to_a_frozen_system(make_sim):
    # Admin 5.1 (AIX), "About the ClusterService group": "The ClusterService group can fail
    # over to any node despite restrictions such as frozen." Another group does not go to a
    # frozen system (hasys(1M) 7.2: no group can come online there "by failover").
    sim = make_sim(cf(SYSTEMS, CSG)).start()
    sim.settle()
    run(sim, "hasys -freeze n2")
    sim.event("crash", system="n1")
    sim.settle()
    assert sim.group_state("ClusterService", "n2") == "ONLINE"
    assert sim.group_state("aaa", "n2") == "OFFLINE"


def test_cluster_service_is_not_autodisabled(make_sim):
    # Admin 5.1, "About the ClusterService group": it "cannot be autodisabled"; hastop
    # autodisables the other groups there (docs/simulator.md, "AutoDisabled").
    sim = make_sim(cf(SYSTEMS, CSG)).start()
    sim.settle()
    run(sim, "hastop -sys n2")
    sim.settle()
    assert sim.group_state("aaa", "n2") == "OFFLINE|AUTODISABLED"
    assert sim.group_state("ClusterService", "n2") == "OFFLINE"
    code, out, _ = sim.command(["hagrp", "-value", "ClusterService", "AutoDisabled", "n2"])
    assert (code, out.strip()) == (0, "0")


def test_cluster_service_comes_online_first(make_sim):
    # Admin 5.1, "About the ClusterService group": "the first service group to come online"
    # (before a group of a higher Priority, which is otherwise placed first).
    sim = make_sim(cf(SYSTEMS, CSG)).start()
    sim.settle()
    starts = [t.split()[2] for t in sim.transcript.lines if t.endswith("(autostart)")]
    assert starts[0] == "ClusterService", starts


# -- a firm or hard parent meets a child restarted in place (group OnlineRetryLimit) ---------


def _group(name, deps="", extra=""):
    return (
        f"group {name} (\n    SystemList = {{ n1 = 0, n2 = 1 }}\n    AutoStartList = {{ n1 }}\n"
        f"{extra})\n    Dummy {name}_r (\n    )\n{deps}"
    )


def test_a_local_firm_or_hard_parent_follows_its_child_restarted_in_place(make_sim):
    # Admin 6.0, "VCS behavior when non-persistent resources restart", and Admin 7.0, "About
    # the OnlineRetryLimit attribute": the faulted group is brought online again on the same
    # system. Admin 7.2 (Linux), "About failover parent / failover child", online local firm
    # and hard: the parent is taken offline and goes where the child comes online ("Parent
    # migrates to the same system"); here that is the system it ran on.
    for rigidity in ("firm", "hard"):
        sim = make_sim(
            cf(
                SYSTEMS,
                _group("c", extra="    OnlineRetryLimit = 1\n")
                + _group("p", f"    requires group c online local {rigidity}\n"),
            ),
            name=rigidity,
        ).start()
        sim.settle()
        sim.event("kill", resource="c_r", system="n1")
        sim.advance(200)
        sim.settle()
        assert sim.group_state("c", "n1") == "ONLINE", rigidity
        assert sim.group_state("p", "n1") == "ONLINE", rigidity
        assert sim.group_state("p", "n2") == "OFFLINE", rigidity


# -- an autodisabled group meets hagrp -online -sys and hares -online ------------------------


def test_an_autodisabled_group_is_refused_online_on_that_system(make_sim):
    # hagrp(1M) 2.0, OPTIONS -autoenable: "A service group can not be onlined or failed over
    # if it is auto-disabled" (on that system; -autoenable overrides it). A probe that timed
    # out leaves it autodisabled where VCS came back (docs/simulator.md, "AutoDisabled").
    sim = make_sim(cf(SYSTEMS, CHAIN)).start()
    sim.settle()
    run(sim, "hastop -sys n2")
    sim.settle()
    sim.event("hang", resource="mid", system="n2", args={"entry_point": "monitor"})
    sim.event("restart", system="n2")
    sim.advance(5)
    run(sim, "hagrp -offline g -sys n1")
    sim.advance(5)
    assert sim.group_state("g", "n2") == "OFFLINE|AUTODISABLED"
    for line in ("hagrp -online g -sys n2", "hares -online mid -sys n2"):
        code, _, err = sim.command(line.split())
        assert code == 1 and "autodisabled" in err.lower(), (line, err)
    assert sim.group_state("g", "n2") == "OFFLINE|AUTODISABLED"
    run(sim, "hagrp -autoenable g -sys n2", "hagrp -online g -sys n2")  # the override


def test_a_parallel_group_is_restarted_in_place_by_its_online_retry_limit(make_sim):
    # Admin 6.0, "VCS behavior when non-persistent resources restart": "The OnlineRetryLimit
    # attribute allows a service group to be brought online again on the same system if a
    # non-persistent resource in the service group faults" (no exception for a parallel
    # group, whose instance has no other system to go to). Its local firm parallel parent's
    # instance, taken offline for the fault, comes back with it ("child back").
    def two(name, extra="", deps=""):
        return (
            f"group {name} (\n    SystemList = {{ n1 = 0, n2 = 1 }}\n"
            f"    AutoStartList = {{ n1, n2 }}\n    Parallel = 1\n{extra})\n"
            f"    Dummy {name}_r (\n    )\n{deps}"
        )

    text = cf(
        SYSTEMS,
        two("c", extra="    OnlineRetryLimit = 1\n")
        + two("p", deps="    requires group c online local firm\n"),
    )
    sim = make_sim(text).start()
    sim.settle()
    sim.event("kill", resource="c_r", system="n1")
    sim.advance(200)
    sim.settle()
    assert sim.group_state("c", "n1") == "ONLINE"
    assert sim.group_state("p", "n1") == "ONLINE"
    # the limit used, the next fault leaves the instance faulted
    sim.event("kill", resource="c_r", system="n1")
    sim.advance(200)
    sim.settle()
    assert sim.group_state("c", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("c", "n2") == "ONLINE"


# -- ToleranceLimit meets ConfInterval ---------------------------------------------------------


def test_an_offline_tolerated_restarts_the_conf_interval(make_sim):
    # ADG 7.3, "ToleranceLimit": "If the monitor entry point reports OFFLINE more times than
    # the number set in ToleranceLimit, the resource is declared FAULTED. However, if the
    # resource remains online for the interval designated in ConfInterval, any earlier
    # reports of OFFLINE are not counted against ToleranceLimit." Online since T0, it is
    # reported offline at T210 (tolerated), is back at T220 and offline again at T230: it did
    # not remain online for ConfInterval (100 s) since the first report, so the second one
    # counts and faults it.
    text = cf(
        SYSTEMS,
        """group g (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    FileOnOff r (
        PathName = "/tmp/r"
        ToleranceLimit = 1
        MonitorInterval = 10
        ConfInterval = 100
    )
""",
    )
    sim = make_sim(text).start()
    sim.settle()
    sim.advance(200)
    sim.event("kill", resource="r", system="n1")
    sim.advance(10)
    sim.event("start_outside", resource="r", system="n1")
    sim.advance(10)
    sim.event("kill", resource="r", system="n1")
    sim.advance(15)
    assert sim.resource_state("r", "n1") == "FAULTED"
    tolerated = [t for t in sim.transcript.lines if "offline tolerated" in t]
    assert len(tolerated) == 1, tolerated


# -- hasys -freeze -evacuate meets a dependency chain ----------------------------------------


def test_freeze_evacuate_moves_a_child_and_its_local_parent_together(make_sim):
    # User's 4.1, "Freezing a System" ("The evacuate option moves all service groups to a
    # different system before the freeze operation takes place"); VOX, "node freeze v/s
    # service group freeze" (a Veritas employee: "all groups are switched before the system
    # is frozen; if no other system is available for a service group, it is taken
    # offline"). With online local firm and hard links the parent goes first, then the
    # child, and the parent comes online again beside it (as hastop -evacuate moves them).
    for rigidity in ("firm", "hard", "soft"):
        systems = ["n1", "n2", "n3"]
        sim = make_sim(
            cf(
                systems,
                parallel("c").replace("    Parallel = 1\n", "").replace("{ n1, n2, n3 }", "{ n1 }")
                + parallel("p", f"    requires group c online local {rigidity}\n")
                .replace("    Parallel = 1\n", "")
                .replace("{ n1, n2, n3 }", "{ n1 }"),
            ),
            name=rigidity,
        ).start()
        sim.settle()
        run(sim, "hasys -freeze -evacuate n1")
        sim.settle()
        assert sim.group_state("c", "n1") == "OFFLINE", rigidity
        assert sim.group_state("c", "n2") == "ONLINE", rigidity
        assert sim.group_state("p", "n2") == "ONLINE", rigidity


def test_freeze_evacuate_of_a_child_takes_its_global_firm_parent_offline(make_sim):
    # hasys -freeze -evacuate switches the system's groups away, and one that no system can
    # take is taken offline (User's 4.1, "Freezing a System"; VOX, "node freeze v/s
    # service group freeze"). A child leaving by switch or going offline takes its online
    # global firm parent offline after it (Admin 7.2, "About failover parent / failover
    # child": "Parent taken offline after Child is taken offline"; User's 4.1, FAQ for
    # Online Global Dependency: a firm child is not offline under an online parent), and the
    # parent comes back by its own policy once the child is online again. Found by
    # test_engine_properties.py: the parent stayed ONLINE over its offline child.
    text = cf(
        ["n1", "n2", "n3"],
        """group c (
    SystemList = { n2 = 0 }
    AutoStartList = { n2 }
)
    Dummy c_r (
    )

group p (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
)
    Dummy p_r (
    )
    requires group c online global firm

group c2 (
    SystemList = { n2 = 0, n3 = 1 }
    AutoStartList = { n2 }
)
    Dummy c2_r (
    )

group p2 (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
)
    Dummy p2_r (
    )
    requires group c2 online global firm
""",
    )
    sim = make_sim(text).start()
    sim.settle()
    assert sim.group_state("p", "n1") == "ONLINE" and sim.group_state("p2", "n1") == "ONLINE"
    run(sim, "hasys -freeze -evacuate n2")
    sim.settle()
    # nowhere to go: the child is offline, and so is its parent
    assert sim.group_state("c", "n2") == "OFFLINE"
    assert sim.group_state("p", "n1") == "OFFLINE"
    # switched: the child runs on n3, and its parent went offline and came back
    assert sim.group_state("c2", "n3") == "ONLINE"
    assert sim.group_state("p2", "n1") == "ONLINE"
    offlines = [line for line in sim.transcript.lines if " p2_r offline exit" in line]
    assert offlines, "p2 was not taken offline while its child switched"
