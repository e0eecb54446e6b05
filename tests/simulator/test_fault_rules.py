"""Resource faults and states, each test written from the Veritas document it names
(docs/simulator.md, "Probing and monitoring" and "Faults and restarts")."""

from __future__ import annotations

from sim_helpers import cf

SYSTEMS = ["n1", "n2"]


def tree(critical=(), autostart=True):
    """The group of the Administrator's Guide's "VCS behavior diagrams": R1 needs R2 and
    R3, R2 needs R4, R3 needs R5; only the resources named in ``critical`` are critical."""
    text = "group g (\n    SystemList = { n1 = 0, n2 = 1 }\n"
    if autostart:
        text += "    AutoStartList = { n1 }\n"
    text += ")\n"
    for r in ("R1", "R2", "R3", "R4", "R5"):
        text += f"    Dummy {r} (\n        Critical = {1 if r in critical else 0}\n    )\n"
    for parent, child in (("R1", "R2"), ("R1", "R3"), ("R2", "R4"), ("R3", "R5")):
        text += f"    {parent} requires {child}\n"
    return text


def states(sim, system, names=("R1", "R2", "R3", "R4", "R5")):
    return {r: sim.resource_state(r, system) for r in names}


def offline_order(sim, system):
    """The resources' offline entry points on ``system``, in the order they ran."""
    out = []
    for line in sim.transcript.text().splitlines():
        words = line.split()
        if words[1] == system and words[3:5] == ["offline", "exit"]:
            out.append(words[2])
    return out


# -- Admin 5.1, "VCS behavior diagrams" ------------------------------------------------------


def test_resource_with_critical_parent_faults(make_sim):
    # "When resource R2 faults, the fault is propagated up the dependency tree to resource
    # R1. When the critical resource R1 goes offline, VCS must fault the service group and
    # fail it over elsewhere ... VCS takes other resources in the service group offline in
    # the order of their dependencies. After taking resources R3, R4, and R5 offline, VCS
    # fails over the service group to another node."
    sim = make_sim(cf(SYSTEMS, tree(critical=("R1",)))).start()
    sim.event("kill", resource="R2", system="n1")
    sim.advance(120)
    assert states(sim, "n1") == {
        "R1": "OFFLINE",
        "R2": "FAULTED",
        "R3": "OFFLINE",
        "R4": "OFFLINE",
        "R5": "OFFLINE",
    }
    assert sim.group_state("g", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("g", "n2") == "ONLINE"
    order = offline_order(sim, "n1")
    assert sorted(order) == ["R1", "R3", "R4", "R5"]
    assert order.index("R1") < order.index("R3") < order.index("R5")


def test_resource_with_non_critical_parent_faults(make_sim):
    # "Neither resource R1 nor resource R2 are critical, so the fault does not result in
    # the tree going offline or in service group failover." About critical and
    # non-critical resources: "VCS takes the failed resource offline and updates the group
    # status to online|partial."
    sim = make_sim(cf(SYSTEMS, tree())).start()
    sim.event("kill", resource="R2", system="n1")
    sim.advance(300)
    assert states(sim, "n1") == {
        "R1": "ONLINE",
        "R2": "FAULTED",
        "R3": "ONLINE",
        "R4": "ONLINE",
        "R5": "ONLINE",
    }
    assert sim.group_state("g", "n1") == "PARTIAL|FAULTED"
    assert sim.group_state("g", "n2") == "OFFLINE"
    assert offline_order(sim, "n1") == []
    assert "R2 clean(4) exit 0" in sim.transcript.text()


def test_a_critical_grandparent_makes_the_fault_fail_the_group_over(make_sim):
    # User's 4.1, "Resource Attributes", Critical: "the service group is faulted when the
    # resource, or any resource it depends on, faults": R4 -> R2 -> R1, R1 critical.
    sim = make_sim(cf(SYSTEMS, tree(critical=("R1",)))).start()
    sim.event("kill", resource="R4", system="n1")
    sim.advance(120)
    assert sim.group_state("g", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("g", "n2") == "ONLINE"


def test_a_critical_resource_faulting_fails_the_group_over_whatever_its_parents(make_sim):
    # User's 4.1, "Resource Attributes", Critical (the resource itself faults).
    sim = make_sim(cf(SYSTEMS, tree(critical=("R5",)))).start()
    sim.event("kill", resource="R5", system="n1")
    sim.advance(120)
    assert sim.group_state("g", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("g", "n2") == "ONLINE"


def test_a_non_critical_fault_beside_a_critical_branch_leaves_that_branch_running(make_sim):
    # R3 is critical, but the fault of R4 is not on its path (R4 -> R2 -> R1): no failover,
    # and nothing is taken offline.
    sim = make_sim(cf(SYSTEMS, tree(critical=("R3",)))).start()
    sim.event("kill", resource="R4", system="n1")
    sim.advance(300)
    assert sim.group_state("g", "n1") == "PARTIAL|FAULTED"
    assert sim.group_state("g", "n2") == "OFFLINE"
    assert states(sim, "n1")["R1"] == "ONLINE"
    assert offline_order(sim, "n1") == []


def test_resource_with_critical_parent_fails_to_come_online(make_sim):
    # "when a command is issued to bring the service group online, resource R2 fails to
    # come online. VCS calls the Clean function for resource R2 and propagates the fault up
    # the dependency tree. Resource R1 is set to critical, so the service group is taken
    # offline and failed over to another node in the cluster."
    sim = make_sim(cf(SYSTEMS, tree(critical=("R1",), autostart=False))).start()
    sim.event("fail", resource="R2", system="n1", args={"entry_point": "online"})
    assert sim.command(["hagrp", "-online", "g", "-sys", "n1"])[0] == 0
    sim.advance(600)
    text = sim.transcript.text()
    assert "n1 R2 clean(3) exit 0" in text
    assert sim.resource_state("R2", "n1") == "FAULTED"
    assert sim.group_state("g", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("g", "n2") == "ONLINE"
    assert states(sim, "n1", ("R1", "R3", "R4", "R5")) == dict.fromkeys(
        ("R1", "R3", "R4", "R5"), "OFFLINE"
    )


def test_resource_with_non_critical_parent_fails_to_come_online(make_sim):
    # About critical and non-critical resources: Critical "also determines whether a
    # service group tries to come online on another node if, during the group's online
    # process, a resource fails to come online." None critical: it does not; R1 cannot
    # come online without R2, the other branch stays online.
    sim = make_sim(cf(SYSTEMS, tree(autostart=False))).start()
    sim.event("fail", resource="R2", system="n1", args={"entry_point": "online"})
    assert sim.command(["hagrp", "-online", "g", "-sys", "n1"])[0] == 0
    sim.advance(600)
    assert sim.settle()
    assert states(sim, "n1") == {
        "R1": "OFFLINE",
        "R2": "FAULTED",
        "R3": "ONLINE",
        "R4": "ONLINE",
        "R5": "ONLINE",
    }
    assert sim.group_state("g", "n1") == "PARTIAL|FAULTED"
    assert sim.group_state("g", "n2") == "OFFLINE"


# -- UNKNOWN: User's 4.1, "Resource Attributes", Flags; User's 5.0, ActiveCount ---------------

FIRM = """group store (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy store_res (
    )

group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy app_res (
    )
    requires group store online local firm
"""


def test_an_online_resource_the_monitor_cannot_tell_stays_online_flagged(make_sim):
    # Flags add to the state ("additional information for the state of a resource"); a
    # group is offline only when none of its resources is online or going online
    # (ActiveCount). So the child group stays ONLINE and its firm parent with it.
    sim = make_sim(cf(SYSTEMS, FIRM)).start()
    sim.event("fail", resource="store_res", system="n1", args={"entry_point": "monitor"})
    sim.advance(200)
    assert sim.resource_state("store_res", "n1") == "ONLINE|STATE_UNKNOWN"
    assert sim.group_state("store", "n1") == "ONLINE"
    assert sim.group_state("app", "n1") == "ONLINE"
    out = sim.command(["hares", "-state", "store_res", "-sys", "n1"])[1]
    assert out.split()[-1] == "ONLINE|STATE_UNKNOWN"
    # Nobody acts on it: no clean, no offline, no failover; the answers after the first
    # change nothing more.
    text = sim.transcript.text()
    assert "clean" not in text
    assert text.count("store_res ONLINE -> ONLINE|STATE_UNKNOWN") == 1
    assert "store_res ONLINE|STATE_UNKNOWN ->" not in text
    assert sim.group_state("store", "n2") == "OFFLINE"


def test_a_conclusive_monitor_ends_state_unknown(make_sim):
    sim = make_sim(cf(SYSTEMS, FIRM)).start()
    sim.event("fail", resource="store_res", system="n1", args={"entry_point": "monitor"})
    sim.advance(100)
    sim.event("heal", resource="store_res", system="n1")
    sim.advance(60)
    assert sim.resource_state("store_res", "n1") == "ONLINE"
    assert "n1 store_res ONLINE|STATE_UNKNOWN -> ONLINE (monitor)" in sim.transcript.text()


def test_found_offline_after_state_unknown_is_a_fault(make_sim):
    # The last known state was ONLINE: an offline answer is an unexpected offline (Admin
    # 5.1, "How VCS handles resource faults"), the group fails over.
    sim = make_sim(cf(SYSTEMS, FIRM)).start()
    sim.event("fail", resource="store_res", system="n1", args={"entry_point": "monitor"})
    sim.advance(100)
    sim.event("heal", resource="store_res", system="n1")
    sim.event("kill", resource="store_res", system="n1")
    sim.advance(300)
    assert sim.resource_state("store_res", "n1") == "FAULTED"
    assert sim.group_state("store", "n2") == "ONLINE"
    assert sim.group_state("app", "n2") == "ONLINE"


def test_an_offline_resource_the_monitor_cannot_tell_stays_offline_flagged(make_sim):
    body = FIRM.replace("    AutoStartList = { n1 }\n", "", 1)  # store offline
    body = body.replace("    requires group store online local firm\n", "")
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("fail", resource="store_res", system="n2", args={"entry_point": "monitor"})
    sim.advance(700)
    assert sim.resource_state("store_res", "n2") == "OFFLINE|STATE_UNKNOWN"
    assert sim.group_state("store", "n2") == "OFFLINE"


def test_a_resource_never_known_stays_unknown(make_sim):
    # The probe answering unknown leaves nothing to flag: the state is UNKNOWN.
    sim = make_sim(cf(SYSTEMS, FIRM))
    sim.engine.ep_faults[("store_res", "n2", "monitor")] = {"mode": "fail", "count": None}
    sim.start()
    assert sim.resource_state("store_res", "n2") == "UNKNOWN"


def test_a_non_critical_persistent_resource_faulting_leaves_its_parents_online(make_sim):
    # "About critical and non-critical resources": no failover; VCS_ENGINE.md "States": a
    # persistent resource is left out of the group's ONLINE, but its fault faults the group.
    body = """group web (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    NIC web_nic (
        Device = eth0
        Critical = 0
    )
    Dummy web_ip (
        Critical = 0
    )
    web_ip requires web_nic
"""
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("kill", resource="web_nic", system="n1")
    sim.advance(120)
    assert sim.resource_state("web_nic", "n1") == "FAULTED"
    assert sim.resource_state("web_ip", "n1") == "ONLINE"
    assert sim.group_state("web", "n1") == "ONLINE|FAULTED"
    assert sim.group_state("web", "n2") == "OFFLINE"


# -- AutoStart of a resource: User's 5.0MP3, "Resource attributes", AutoStart ("Indicates the
# resource is brought online when the service group is brought online"); a group is ONLINE
# when its AutoStart resources are (VCS_ENGINE.md "States"), OFFLINE when none of its
# resources is online (User's 5.0, ActiveCount) --------------------------------------------

MANUAL = """group g (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy a (
    )
    Dummy m (
        AutoStart = 0
    )
"""


def test_a_resource_with_autostart_0_is_left_out_of_the_group_online(make_sim):
    sim = make_sim(cf(SYSTEMS, MANUAL)).start()
    assert sim.resource_state("a", "n1") == "ONLINE"
    assert sim.resource_state("m", "n1") == "OFFLINE"
    assert sim.group_state("g", "n1") == "ONLINE"
    assert sim.command(["hares", "-online", "m", "-sys", "n1"])[0] == 0
    sim.settle()
    assert sim.resource_state("m", "n1") == "ONLINE"
    assert sim.group_state("g", "n1") == "ONLINE"
    # The group's offline takes every online resource offline, m too.
    assert sim.command(["hagrp", "-offline", "g", "-sys", "n1"])[0] == 0
    sim.settle()
    assert sim.resource_state("m", "n1") == "OFFLINE"
    assert sim.group_state("g", "n1") == "OFFLINE"


def test_only_a_resource_with_autostart_0_online_makes_the_group_partial(make_sim):
    sim = make_sim(cf(SYSTEMS, MANUAL.replace("    AutoStartList = { n1 }\n", ""))).start()
    assert sim.command(["hares", "-online", "m", "-sys", "n1"])[0] == 0
    sim.settle()
    assert sim.group_state("g", "n1") == "PARTIAL"


def test_a_resource_above_one_with_autostart_0_waits_for_it(make_sim):
    body = MANUAL + "    Dummy top (\n    )\n    top requires m\n"
    sim = make_sim(cf(SYSTEMS, body)).start()
    assert sim.settle()
    assert sim.resource_state("top", "n1") == "OFFLINE"
    assert sim.group_state("g", "n1") == "PARTIAL"
    assert sim.command(["hares", "-online", "m", "-sys", "n1"])[0] == 0
    assert sim.command(["hares", "-online", "top", "-sys", "n1"])[0] == 0
    sim.settle()
    assert sim.group_state("g", "n1") == "ONLINE"


def test_vxha_status_lists_a_resource_whose_state_is_unknown_as_trouble():
    # The flag is something for an administrator to look at, like MONITOR_TIMEDOUT.
    from types import SimpleNamespace

    from vxha.generators.status import Status

    state = {"n1": "ONLINE|STATE_UNKNOWN", "n2": "OFFLINE", "n3": "|OFFLINE|STATE UNKNOWN|"}
    resources = {"store_res": {"Group": {"global": "store"}, "State": state}}
    status = Status(SimpleNamespace(admin={}), resources, {})
    # the simulator's spelling, and the spaced one public tools quote from hares -state
    assert status.troubles(["store"]) == [
        {
            "resource": "store_res",
            "group": "store",
            "system": "n1",
            "state": "ONLINE|STATE_UNKNOWN",
        },
        {
            "resource": "store_res",
            "group": "store",
            "system": "n3",
            "state": "OFFLINE|STATE_UNKNOWN",
        },
    ]


def test_monitor_timeouts_of_an_offline_resource_are_no_fault(make_sim):
    # ADG 5.0MP3 and 9.0, "FaultOnMonitorTimeouts": the count is of an online resource's
    # monitor timeouts. An offline one times out again and again: MONITOR_TIMEDOUT, never
    # FAULTED, never cleaned.
    body = MANUAL.replace("    AutoStartList = { n1 }\n", "").replace(
        "    Dummy a (\n    )", "    Dummy a (\n        OfflineMonitorInterval = 60\n    )"
    )
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("hang", resource="a", system="n1", args={"entry_point": "monitor"})
    sim.advance(1200)  # more than the default 4 timeouts
    assert sim.resource_state("a", "n1") == "OFFLINE|MONITOR_TIMEDOUT"
    assert sim.transcript.text().count("n1 a monitor timed out") >= 4
    assert "clean" not in sim.transcript.text()


# -- AutoRestart: Admin 6.0.1, "About the AutoRestart attribute" -----------------------------

NIC = """group web (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    NIC web_nic (
        Device = eth0
    )
    Dummy web_ip (
    )
    web_ip requires web_nic
"""


def test_autorestart_leaves_a_group_running_elsewhere_alone(make_sim):
    # The group failed over when n1's NIC faulted; the NIC back on n1 clears its fault, but
    # the group online on n2 is not brought online on n1 too (a concurrency violation).
    sim = make_sim(cf(SYSTEMS, NIC)).start()
    sim.event("kill", resource="web_nic", system="n1")
    sim.advance(120)
    assert sim.group_state("web", "n2") == "ONLINE"
    sim.event("start_outside", resource="web_nic", system="n1")
    sim.advance(120)
    assert sim.resource_state("web_nic", "n1") == "ONLINE"
    assert sim.group_state("web", "n1") == "OFFLINE"
    assert sim.group_state("web", "n2") == "ONLINE"


def test_autorestart_does_not_start_a_group_still_faulted_on_that_system(make_sim):
    # web_ip faulted on n1 (the group moved to n2), then both NICs fault: the group is
    # offline everywhere. n1's NIC back: web_ip's fault on n1 stands (AutoRestart 1 clears
    # only the persistent resource's), so the group is not brought online there.
    sim = make_sim(cf(SYSTEMS, NIC)).start()
    sim.event("kill", resource="web_ip", system="n1")
    sim.advance(120)
    assert sim.group_state("web", "n2") == "ONLINE"
    sim.event("kill", resource="web_nic", system="n1")
    sim.event("kill", resource="web_nic", system="n2")
    sim.advance(120)
    assert sim.group_state("web", "n2") == "OFFLINE|FAULTED"
    sim.event("start_outside", resource="web_nic", system="n1")
    sim.advance(120)
    assert sim.resource_state("web_nic", "n1") == "ONLINE"
    assert sim.resource_state("web_ip", "n1") == "FAULTED"
    assert sim.group_state("web", "n1") == "OFFLINE|FAULTED"


def test_a_faulted_resource_found_online_stays_faulted_until_cleared(make_sim):
    # Only a persistent resource's fault clears by itself (AutoRestart); another one's
    # stands until hares -clear or hagrp -clear.
    sim = make_sim(cf(SYSTEMS, NIC)).start()
    sim.event("kill", resource="web_ip", system="n1")
    sim.advance(120)
    sim.event("start_outside", resource="web_ip", system="n1")
    sim.advance(700)
    assert sim.resource_state("web_ip", "n1") == "FAULTED"


def test_manage_faults_none_puts_a_persistent_resource_in_admin_wait_too(make_sim):
    # ADG 5.0MP3, "ManageFaults": with NONE, a resource "taken offline unexpectedly" is
    # OFFLINE|ADMIN_WAIT, whatever its type; nothing fails over.
    body = NIC.replace(
        "    AutoStartList = { n1 }\n", "    AutoStartList = { n1 }\n    ManageFaults = NONE\n"
    )
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("kill", resource="web_nic", system="n1")
    sim.advance(120)
    assert sim.resource_state("web_nic", "n1") == "OFFLINE|ADMIN_WAIT"
    assert sim.resource_state("web_ip", "n1") == "ONLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"


# -- boundaries the documents leave to the engine (docs/simulator.md says which it takes) ----


def test_the_monitor_timeout_count_restarts_one_hour_after_the_first_timeout(make_sim):
    # Admin 7.0, "About the FaultOnMonitorTimeouts attribute": the count is reset "after one
    # hour of the first monitor time out". A timeout every 120 s: the 31st comes exactly an
    # hour after the first and counts as the first of a new hour, so 31 never faults.
    body = MANUAL.replace(
        "    Dummy a (\n    )",
        "    Dummy a (\n        FaultOnMonitorTimeouts = 31\n"
        "        MonitorInterval = 60\n        MonitorTimeout = 60\n    )",
    )
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("hang", resource="a", system="n1", args={"entry_point": "monitor"})
    sim.advance(3800)
    assert sim.transcript.text().count("n1 a monitor timed out") >= 31
    assert sim.resource_state("a", "n1") == "ONLINE|MONITOR_TIMEDOUT"


def test_a_fault_exactly_online_retry_interval_after_the_restart_is_restarted_again(make_sim):
    # Admin 6.0, "VCS behavior when non-persistent resources restart": restarted in place at
    # 120, faulted again at 180, 60 s later: OnlineRetryInterval 60 is over, so the second
    # restart of OnlineRetryLimit 2 is used on n1 rather than a failover.
    body = MANUAL.replace(
        "    AutoStartList = { n1 }\n",
        "    AutoStartList = { n1 }\n    OnlineRetryLimit = 2\n    OnlineRetryInterval = 60\n",
    )
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.run_until(100)
    sim.event("kill", resource="a", system="n1")
    sim.run_until(150)
    sim.event("kill", resource="a", system="n1")
    sim.run_until(200)
    assert "n1 g group restart 2/2" in sim.transcript.text()
    assert sim.group_state("g", "n1") == "ONLINE"
    assert sim.group_state("g", "n2") == "OFFLINE"


def test_hagrp_clear_gives_the_group_its_restarts_in_place_again(make_sim):
    # Admin 6.0, "VCS behavior when non-persistent resources restart"; the count lasts
    # until hagrp -clear (docs/simulator.md, group OnlineRetryLimit).
    body = MANUAL.replace(
        "    AutoStartList = { n1 }\n", "    AutoStartList = { n1 }\n    OnlineRetryLimit = 1\n"
    )
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("kill", resource="a", system="n1")
    sim.advance(120)
    assert sim.group_state("g", "n1") == "ONLINE"  # restarted in place: 1/1
    assert sim.command(["hagrp", "-clear", "g", "-sys", "n1"])[0] == 0
    sim.event("kill", resource="a", system="n1")
    sim.advance(120)
    assert sim.transcript.text().count("n1 g group restart 1/1") == 2
    assert sim.group_state("g", "n1") == "ONLINE"
    assert sim.group_state("g", "n2") == "OFFLINE"


def test_an_offline_the_monitor_cannot_confirm_is_cleaned(make_sim):
    # ADG 9.0, "OfflineWaitLimit": monitor intervals to wait for the resource to go offline
    # after the offline entry point; an unknown answer is not offline, so the offline is
    # ineffective and clean runs with reason 1 (ADG 4.1, "clean").
    sim = make_sim(cf(SYSTEMS, MANUAL)).start()
    sim.event("fail", resource="a", system="n1", args={"entry_point": "monitor"})
    assert sim.command(["hagrp", "-offline", "g", "-sys", "n1"])[0] == 0
    sim.advance(300)
    text = sim.transcript.text()
    assert "n1 a offline exit 0" in text
    assert "n1 a clean(1) exit 0" in text
    # Cleaned, it is OFFLINE; the periodic monitors after still cannot tell.
    assert "n1 a ONLINE -> OFFLINE (clean)" in text
    assert sim.resource_state("a", "n1") == "OFFLINE|STATE_UNKNOWN"
    assert sim.group_state("g", "n1") == "OFFLINE"


def test_a_clear_starts_the_restart_count_afresh(make_sim):
    # RestartLimit 1, within ConfInterval: the second unexpected offline would fault, but
    # hagrp -clear in between starts the resource's counts afresh (docs/simulator.md,
    # "hagrp -clear"), so it is restarted again.
    body = MANUAL.replace("    Dummy a (\n    )", "    Dummy a (\n        RestartLimit = 1\n    )")
    sim = make_sim(cf(SYSTEMS, body)).start()
    sim.event("kill", resource="a", system="n1")
    sim.advance(120)
    assert sim.resource_state("a", "n1") == "ONLINE"
    assert sim.command(["hagrp", "-clear", "g", "-sys", "n1"])[0] == 0
    sim.event("kill", resource="a", system="n1")
    sim.advance(120)
    assert sim.transcript.text().count("n1 a restart 1/1") == 2
    assert sim.resource_state("a", "n1") == "ONLINE"
    assert sim.group_state("g", "n2") == "OFFLINE"
