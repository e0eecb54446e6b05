"""The engine's core behaviour on small configurations."""

from __future__ import annotations

from sim_helpers import WEB, cf


def test_probe_autostart_and_failover(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    assert sim.group_state("web", "n1") == "ONLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(60)
    assert sim.resource_state("web_ctr", "n1") == "FAULTED"
    assert sim.group_state("web", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("web", "n2") == "ONLINE"


def test_transcript_is_deterministic(make_sim):
    texts = []
    for name in ("a", "b"):
        sim = make_sim(cf(["n1", "n2", "n3"], WEB), name=name).start()
        sim.event("crash", system="n1")
        sim.advance(600)
        texts.append(sim.transcript.text())
    assert texts[0] == texts[1]
    assert "T+000000 n2 web OFFLINE -> OFFLINE|STARTING (failover from n1)" in texts[0]


def test_fast_path_and_execute_agree(make_sim):
    from vxha.simulator.runners import InProcessRunner

    texts = []
    for name, fast in (("fast", True), ("slow", False)):
        sim = make_sim(cf(["n1", "n2", "n3"], WEB), name=name)
        sim.engine.runner = InProcessRunner(sim.run_dir, fast=fast)
        sim.start()
        sim.event("kill", resource="web_ip", system="n1")
        sim.advance(300)
        texts.append(sim.transcript.text())
    assert texts[0] == texts[1]


def test_an_hour_runs_quickly(make_sim):
    import time

    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    t0 = time.process_time()
    sim.advance(3600)
    # budgets are measured by make bench; this only guards against real sleeping
    assert time.process_time() - t0 < 30
    assert sim.now == 3600


def test_a_rejoining_system_autostarts_only_its_own_parallel_instance(make_sim):
    body = (
        "group store (\n    SystemList = { n1 = 0, n2 = 1, n3 = 2 }\n"
        "    AutoStartList = { n1, n2, n3 }\n    Parallel = 1\n)\n    Dummy store_res (\n    )\n\n"
    )
    sim = make_sim(cf(["n1", "n2", "n3"], body)).start()
    sim.event("offline", group="store", system="n3")
    sim.event("crash", system="n1")
    sim.advance(10)
    sim.event("restart", system="n1")
    sim.advance(10)
    assert sim.group_state("store", "n1") == "ONLINE"
    assert sim.group_state("store", "n3") == "OFFLINE"  # the admin's offline stands


def test_enable_does_not_autostart(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.event("offline", group="web", system="n1")
    sim.event("disable", group="web")
    sim.event("enable", group="web")
    sim.advance(10)
    assert set(sim.states()["web"].values()) == {"OFFLINE"}


def test_online_completes_a_partial_group(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    code, _, err = sim.command(["hares", "-offline", "web_pf", "-sys", "n1"])
    assert code == 0, err
    assert sim.group_state("web", "n1") == "PARTIAL"
    code, _, err = sim.command(["hagrp", "-online", "web", "-sys", "n1"])
    assert code == 0, err
    assert sim.group_state("web", "n1") == "ONLINE"
    code, _, err = sim.command(["hagrp", "-online", "web", "-sys", "n1"])
    assert code == 1 and "already online" in err


def test_clearadminwait_fault_fails_the_group_over(make_sim):
    text = cf(
        ["n1", "n2", "n3"],
        WEB.replace("AutoStartList = { n1 }", "AutoStartList = { n1 }\n    ManageFaults = NONE"),
    )
    sim = make_sim(text).start()
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(60)
    assert sim.resource_state("web_ctr", "n1") == "OFFLINE|ADMIN_WAIT"
    code, _, err = sim.command(["hagrp", "-clearadminwait", "-fault", "web", "-sys", "n1"])
    assert code == 0, err
    assert sim.group_state("web", "n2") == "ONLINE"
    assert sim.resource_state("web_ctr", "n1") == "FAULTED"
    assert not [line for line in sim.transcript.lines if "clean(" in line]  # clean not called
    code, _, err = sim.command(["hagrp", "-clearadminwait", "web", "-sys", "n1"])
    assert code == 1 and "not in ADMIN_WAIT" in err


# NIC (types.cf, Operations = None) is persistent.
WEB_NIC = """group web (
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


def test_a_persistent_resource_is_never_brought_online_or_offline(make_sim):
    sim = make_sim(cf(["n1", "n2"], WEB_NIC)).start()
    assert sim.group_state("web", "n1") == "ONLINE"
    assert sim.resource_state("web_nic", "n2") == "ONLINE"  # up at boot, counted nowhere
    assert sim.group_state("web", "n2") == "OFFLINE"
    code, _, err = sim.command(["hares", "-offline", "web_nic", "-sys", "n1"])
    assert code == 1 and "persistent" in err
    code, _, err = sim.command(["hagrp", "-offline", "web", "-sys", "n1"])
    assert code == 0, err
    assert sim.group_state("web", "n1") == "OFFLINE"
    assert sim.resource_state("web_nic", "n1") == "ONLINE"
    assert not [line for line in sim.transcript.lines if "web_nic offline" in line]


def test_a_persistent_resource_is_disabled_only_with_its_parents_offline(make_sim):
    sim = make_sim(cf(["n1", "n2"], WEB_NIC)).start()
    sim.command(["haconf", "-makerw"])
    code, _, err = sim.command(["hares", "-modify", "web_nic", "Enabled", "0"])
    assert code == 1 and "parent web_ip ONLINE on system n1" in err
    assert sim.command(["hagrp", "-offline", "web", "-sys", "n1"])[0] == 0
    code, _, err = sim.command(["hares", "-modify", "web_nic", "Enabled", "0"])
    assert code == 0, err  # the NIC itself is still ONLINE: a persistent one may be


def test_hastop_refuses_a_system_with_a_resource_in_admin_wait_unless_forced(make_sim):
    text = cf(
        ["n1", "n2"],
        WEB.replace("AutoStartList = { n1 }", "AutoStartList = { n1 }\n    ManageFaults = NONE"),
    )
    sim = make_sim(text).start()
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(60)
    code, _, err = sim.command(["hastop", "-sys", "n1"])
    assert code == 1 and "ADMIN_WAIT" in err and "-force" in err
    assert sim.system_state("n1") == "RUNNING"
    code, _, err = sim.command(["hastop", "-local"])
    assert code == 1 and "use -sys" in err  # a simulator command has no local system
    code, _, err = sim.command(["hastop", "-sys", "n1", "-force"])
    assert code == 0, err
    assert sim.system_state("n1") == "EXITED"
    assert sim.group_state("web", "n2") == "OFFLINE"  # -force: nothing moves


def test_online_propagate_refuses_a_failover_group_online_elsewhere(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    code, _, err = sim.command(["hagrp", "-online", "-propagate", "web", "-sys", "n2"])
    assert code == 1 and "already online on system n1" in err
    assert sim.group_state("web", "n2") == "OFFLINE"


def test_hastop_during_a_switch_lets_the_switch_finish(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.event("hang", resource="web_pf", system="n1", args={"entry_point": "offline", "count": 1})
    assert sim.command(["hagrp", "-switch", "web", "-to", "n2"])[0] == 0
    code, _, err = sim.command(["hastop", "-sys", "n1"])
    assert code == 0, err
    assert sim.system_state("n1") == "LEAVING"
    sim.advance(600)
    assert sim.system_state("n1") == "EXITED"
    assert sim.group_state("web", "n2") == "ONLINE"


def test_a_disabled_online_group_is_monitored_and_a_per_system_disable_still_fails_over(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.command(["haconf", "-makerw"])
    assert sim.command(["hagrp", "-disable", "web", "-sys", "n1"])[0] == 0
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(60)
    assert sim.resource_state("web_ctr", "n1") == "FAULTED"
    assert sim.group_state("web", "n2") == "ONLINE"  # disabled on n1 only: it fails over


def test_a_resource_reads_its_overrides_and_its_type_for_the_rest(make_sim):
    sim = make_sim(cf(["n1", "n2"], WEB)).start()
    ctr, ip = sim.engine.resource("web_ctr"), sim.engine.resource("web_ip")
    assert ctr.s is ip.s is ctr.type.s  # no override: the type's own values, shared
    for argv in (
        "haconf -makerw",
        "hares -override web_ctr ToleranceLimit",
        "hares -modify web_ctr ToleranceLimit 8",
    ):
        assert sim.command(argv.split())[0] == 0, argv
    assert ctr.s["ToleranceLimit"] == 8 and ip.s["ToleranceLimit"] == 0
    # ConfInterval's floor from the resource's own values (Dummy: MonitorInterval 60,
    # MonitorTimeout 10): (60 + 10) x 8 + 60 + 10, above the type's 600.
    assert ctr.s["ConfInterval"] == 630 and ip.s["ConfInterval"] == 600
    assert sim.command("hatype -modify Dummy MonitorInterval 30".split())[0] == 0
    assert ctr.s["MonitorInterval"] == ip.s["MonitorInterval"] == 30  # not overridden
    assert ctr.s["ToleranceLimit"] == 8
    assert sim.command("hares -undo_override web_ctr ToleranceLimit".split())[0] == 0
    assert ctr.s is ctr.type.s


def test_hastop_all_stops_every_system_and_takes_the_groups_offline(make_sim):
    sim = make_sim(cf(["n1", "n2"], WEB)).start()
    code, _, err = sim.command(["hastop", "-all"])
    assert code == 0, err
    sim.advance(30)
    assert sim.system_state("n1") == sim.system_state("n2") == "EXITED"
    assert sim.resource_state("web_ctr", "n1") == "OFFLINE"  # taken offline, not moved
    assert sim.resource_state("web_ctr", "n2") == "OFFLINE"
    code, _, err = sim.command(["hastop", "-all"])
    assert code == 1 and "not running on any system" in err


def test_hastop_all_force_leaves_the_groups_running(make_sim):
    sim = make_sim(cf(["n1", "n2"], WEB)).start()
    code, _, err = sim.command(["hastop", "-all", "-force"])
    assert code == 0, err
    sim.advance(30)
    assert sim.system_state("n1") == sim.system_state("n2") == "EXITED"
    assert sim.resource_state("web_ctr", "n1") == "ONLINE"


def test_hastop_all_refuses_an_admin_wait_anywhere_before_stopping_any_system(make_sim):
    text = cf(
        ["n1", "n2"],
        # On n2, the last system stopped: n1 would be gone if the check came late.
        WEB.replace("AutoStartList = { n1 }", "AutoStartList = { n2 }\n    ManageFaults = NONE"),
    )
    sim = make_sim(text).start()
    sim.event("kill", resource="web_ctr", system="n2")
    sim.advance(60)
    code, _, err = sim.command(["hastop", "-all"])
    assert code == 1 and "ADMIN_WAIT" in err and "-force" in err
    assert sim.system_state("n1") == sim.system_state("n2") == "RUNNING"


def test_start_up_probes_finding_a_failover_group_on_two_systems_keep_the_best(make_sim):
    # No system caused it: the instance on the lowest SystemList number stays.
    sim = make_sim(cf(["n1", "n2", "n3"], WEB))
    ctr = sim.engine.resources["web_ctr"]
    for s in ("n3", "n2"):
        sim.world.start_outside(ctr, s)
    sim.start()
    sim.settle()
    assert "T+000000 n3 web concurrency violation: also online on n2" in sim.transcript.lines
    assert sim.group_state("web", "n2") == "PARTIAL"
    assert sim.group_state("web", "n3") == "OFFLINE"
    assert sim.group_state("web", "n1") == "OFFLINE"


PARALLEL_OFFLINE_LOCAL = """group app (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
    Parallel = 1
)
    Dummy app_res (
    )
    requires group batch offline local

group batch (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
    Parallel = 1
)
    Dummy batch_res (
    )
"""


def test_a_parallel_offline_local_parent_leaves_the_system_its_child_comes_online_on(make_sim):
    """offline local holds both ways: a child coming online where a parallel parent runs
    takes that parent instance offline, as a failover parent is moved away."""
    sim = make_sim(cf(["n1", "n2"], PARALLEL_OFFLINE_LOCAL)).start()
    sim.settle()
    assert sim.group_state("batch", "n1") == "ONLINE"
    assert sim.group_state("app", "n1") == "OFFLINE"
    assert any(
        "app ONLINE -> ONLINE|STOPPING (child batch online here" in x for x in sim.transcript.lines
    )


REMOTE_FIRM = """group app (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
)
    Dummy app_res (
    )
    requires group store online remote firm

group store (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1, n2 }
    Parallel = 1
)
    Dummy store_res (
    )
"""


def test_the_only_remote_instance_of_a_firm_child_is_refused_offline(make_sim):
    """A remote parent needs the child on another system: the child's instance on n2 is
    the one app on n1 depends on (the one on n1 does not count for it)."""
    sim = make_sim(cf(["n1", "n2"], REMOTE_FIRM)).start()
    sim.settle()
    assert sim.group_state("app", "n1") == "ONLINE"
    code, _, err = sim.command(["hagrp", "-offline", "store", "-sys", "n2"])
    assert code == 1 and "app" in err, err
    assert sim.group_state("store", "n2") == "ONLINE"
    code, _, err = sim.command(["hagrp", "-offline", "store", "-propagate", "-sys", "n2"])
    assert code == 0, err
    sim.settle()
    assert sim.group_state("app", "n1") == "OFFLINE"
    assert sim.group_state("store", "n2") == "OFFLINE"
    assert sim.group_state("store", "n1") == "ONLINE"


LOCAL_CHILD_ELSEWHERE = """group app (
    SystemList = { n1 = 0, n2 = 1 }
)
    Dummy app_res (
    )
    requires group store online local soft

group store (
    SystemList = { n1 = 0 }
    Parallel = 1
)
    Dummy store_res (
    )
"""


def test_online_propagate_refuses_a_system_a_local_child_cannot_run_on(make_sim):
    """-propagate brings a local child online on the group's system: where the child's
    SystemList does not reach, it is refused with a message and nothing starts."""
    sim = make_sim(cf(["n1", "n2"], LOCAL_CHILD_ELSEWHERE)).start()
    sim.settle()
    code, _, err = sim.command(["hagrp", "-online", "app", "-propagate", "-sys", "n2"])
    assert code == 1 and "store" in err, err
    sim.settle()
    assert sim.group_state("app", "n2") == "OFFLINE"
    assert sim.group_state("store", "n1") == "OFFLINE"
    assert sim.engine.intents == {}


def test_a_parent_moved_away_from_its_offline_local_child_takes_its_own_firm_parents(make_sim):
    """The group leaving its system for an arriving child is a child leaving for its own
    firm parents: they go offline too, as on a fault or a switch."""
    text = """group web (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
    Parallel = 1
)
    Dummy web_res (
    )
    requires group app online local firm

group app (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
    Parallel = 1
)
    Dummy app_res (
    )
    requires group batch offline local

group batch (
    SystemList = { n2 = 0, n1 = 1 }
    AutoStartList = { n2 }
)
    Dummy batch_res (
    )
"""
    sim = make_sim(cf(["n1", "n2"], text)).start()
    sim.settle()
    assert sim.group_state("web", "n1") == "ONLINE"
    sim.event("crash", system="n2")
    sim.settle()
    assert sim.group_state("batch", "n1") == "ONLINE"
    assert sim.group_state("app", "n1") == "OFFLINE"
    assert sim.group_state("web", "n1") == "OFFLINE"


def test_a_parent_taken_offline_for_its_global_child_takes_its_own_firm_parents(make_sim):
    """A global firm parent taken offline because no instance of its child is left is a
    child leaving for its own online local firm parents: they go offline first. (Found by
    test_engine_properties.py: the local parent stayed ONLINE above an offline group.)"""
    text = """group web (
    SystemList = { n2 = 0 }
    AutoStartList = { n2 }
    AutoFailOver = 0
)
    Dummy web_res (
    )
    requires group app online local firm

group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1, n2 }
    Parallel = 1
)
    Dummy app_res (
    )
    requires group db online global firm

group db (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
    AutoFailOver = 0
)
    Dummy db_res (
    )
"""
    sim = make_sim(cf(["n1", "n2"], text)).start()
    sim.settle()
    assert sim.group_state("web", "n2") == "ONLINE"
    assert sim.group_state("app", "n2") == "ONLINE"
    sim.event("crash", system="n1")
    sim.settle()
    assert sim.group_state("app", "n2") == "OFFLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"


def test_a_chain_of_local_firm_parents_goes_offline_above_a_faulted_child(make_sim):
    """online local firm twice: the grandparent goes with the parent (User's 4.1, "Service
    Group Dependency Configurations": a firm parent is taken offline when its child
    faults)."""
    text = """group top (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy top_res (
    )
    requires group mid online local firm

group mid (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy mid_res (
    )
    requires group bot online local firm

group bot (
    SystemList = { n1 = 0 }
    AutoStartList = { n1 }
)
    Dummy bot_res (
    )
"""
    sim = make_sim(cf(["n1", "n2"], text)).start()
    sim.settle()
    assert sim.group_state("top", "n1") == "ONLINE"
    sim.event("kill", resource="bot_res", system="n1")
    sim.advance(120)
    sim.settle()
    assert sim.group_state("bot", "n1").startswith("OFFLINE")
    assert sim.group_state("mid", "n1") == "OFFLINE"
    assert sim.group_state("top", "n1") == "OFFLINE"
