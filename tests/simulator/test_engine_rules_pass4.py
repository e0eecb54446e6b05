"""Engine rules of the fourth hunting pass (behavioural attributes), each case's expectation
written from the document docs/simulator.md cites for it before the case was run."""

from __future__ import annotations

import pytest
from sim_helpers import WEB, cf

SYSTEMS = ("n1", "n2", "n3")
BY_HAND = WEB.replace("AutoStartList = { n1 }", "AutoStartList = { n1 }\n    AutoStart = 0")


def _ok(sim, line):
    code, out, err = sim.command(line.split())
    assert code == 0, f"{line}: {err}"
    return out


def _started(make_sim, text):
    sim = make_sim(cf(SYSTEMS, text))
    sim.start()
    sim.settle()
    return sim


# -- PreOnline with no trigger installed ------------------------------------------------------


def test_preonline_without_a_trigger_installed_brings_the_group_online(make_sim):
    # User's 5.0MP3, "preonline event trigger": "If the trigger does not exist, VCS
    # continues to bring the group online." PreOnline 1 and no preonline script on n1:
    # hagrp -online comes through, and so does a failover.
    sim = _started(make_sim, BY_HAND.replace("AutoStart = 0", "AutoStart = 0\n    PreOnline = 1"))
    _ok(sim, "hagrp -online web -sys n1")
    sim.settle()
    assert sim.group_state("web", "n1") == "ONLINE"
    sim.event("crash", system="n1")
    sim.settle()
    assert sim.group_state("web", "n2") == "ONLINE"


def test_preonline_with_a_trigger_installed_waits_for_the_trigger(make_sim):
    # The same page: with the trigger there, VCS calls it instead and the group comes
    # online when the trigger runs hagrp -online -nopre (played here by the test).
    sim = _started(make_sim, BY_HAND.replace("AutoStart = 0", "AutoStart = 0\n    PreOnline = 1"))
    sim.event("install_trigger", system="n1", args={"name": "preonline"})
    _ok(sim, "hagrp -online web -sys n1")
    sim.settle()
    assert sim.group_state("web", "n1") == "OFFLINE"
    assert any("trigger preonline n1 web manual" in line for line in sim.transcript.lines)
    _ok(sim, "hagrp -online -nopre web -sys n1")
    sim.settle()
    assert sim.group_state("web", "n1") == "ONLINE"


def test_a_trigger_installed_on_one_system_only_holds_the_online_there_only(make_sim):
    # VCS runs the trigger on the system the group comes online on (the page's "system"
    # argument); a failover to n2, where no script is installed, goes on.
    sim = _started(make_sim, BY_HAND.replace("AutoStart = 0", "AutoStart = 0\n    PreOnline = 1"))
    sim.event("install_trigger", system="n1", args={"name": "preonline"})
    _ok(sim, "hagrp -online web -sys n2")
    sim.settle()
    assert sim.group_state("web", "n2") == "ONLINE"


def test_install_trigger_names_a_trigger_the_engine_reads(make_sim):
    # An event is checked before anything happens (docs/simulator.md, "Events files"):
    # install_trigger needs a system and args.name; a name the engine does not read is
    # refused, naming what was given.
    from vxha.simulator.events import EventError

    sim = _started(make_sim, WEB)
    with pytest.raises(EventError, match="needs args"):
        sim.event("install_trigger", system="n1")
    with pytest.raises(EventError, match="'postonline'"):
        sim.event("install_trigger", system="n1", args={"name": "postonline"})
    assert not any("install_trigger" in line for line in sim.transcript.lines)


# -- a disabled resource and its children ------------------------------------------------------


def test_a_disabled_resource_and_its_children_are_not_brought_online_with_the_group(make_sim):
    # User's 4.1, "Resource Attributes", Enabled: "VCS will not bring a disabled resource,
    # nor its children online, even if the children are enabled." web_pf requires web_ctr
    # and web_ip: with web_pf disabled, the group's online brings none of them online.
    sim = _started(make_sim, BY_HAND)
    _ok(sim, "haconf -makerw")
    _ok(sim, "hares -modify web_pf Enabled 0")
    _ok(sim, "hagrp -online web -sys n1")
    sim.settle()
    for r in ("web_pf", "web_ctr", "web_ip"):
        assert sim.resource_state(r, "n1") == "OFFLINE", r
    assert sim.group_state("web", "n1") == "OFFLINE"


def test_a_group_with_a_disabled_resource_comes_online_with_its_other_resources(make_sim):
    # The same rule leaves the rest of the group alone: an independent resource comes
    # online and, the disabled branch left out as VCS does not bring it online, the group
    # is ONLINE (chosen as for AutoStart 0 resources, docs/simulator.md).
    text = BY_HAND + "    Dummy web_log (\n    )\n"
    sim = _started(make_sim, text)
    _ok(sim, "haconf -makerw")
    _ok(sim, "hares -modify web_pf Enabled 0")
    _ok(sim, "hagrp -online web -sys n1")
    sim.settle()
    assert sim.resource_state("web_log", "n1") == "ONLINE"
    assert sim.resource_state("web_ip", "n1") == "OFFLINE"
    assert sim.group_state("web", "n1") == "ONLINE"


def test_a_disabled_leaf_does_not_hold_its_parent(make_sim):
    # A disabled child is not monitored and not brought online (User's 4.1, "Disabling
    # Resources"); its parent is enabled and comes online with the group.
    sim = _started(make_sim, BY_HAND)
    _ok(sim, "haconf -makerw")
    _ok(sim, "hares -modify web_ip Enabled 0")
    _ok(sim, "hagrp -online web -sys n1")
    sim.settle()
    assert sim.resource_state("web_pf", "n1") == "ONLINE"
    assert sim.group_state("web", "n1") == "ONLINE"


# -- attributes the simulator does not model ----------------------------------------------------

NOT_MODELLED = [
    ("hagrp", "web", "SysDownPolicy", "AutoDisableNoOffline"),
    ("hagrp", "web", "OnlineClearParent", "1"),
    ("hagrp", "web", "PreSwitch", "1"),
    ("hagrp", "web", "AutoRestart", "2"),
    ("hares", "web_ip", "MonitorOnly", "1"),
]


@pytest.mark.parametrize("cmd,obj,attr,value", NOT_MODELLED)
def test_a_value_whose_behaviour_is_not_modelled_is_refused_not_silently_kept(
    make_sim, cmd, obj, attr, value
):
    # docs/simulator.md, "Limits": no stored manual describes what these values do, so the
    # simulator cannot behave as VCS would; it says so (exit 1) and keeps the value it
    # follows, instead of storing one that changes nothing.
    sim = _started(make_sim, WEB)
    _ok(sim, "haconf -makerw")
    before = sim.command([cmd, "-value", obj, attr])[1]
    code, _, err = sim.command([cmd, "-modify", obj, attr, value])
    assert code == 1
    assert "not modelled by the simulator" in err and attr in err
    assert sim.command([cmd, "-value", obj, attr])[1] == before


@pytest.mark.parametrize(
    "cmd,obj,attr,value",
    [
        ("hagrp", "web", "ManualOps", "1"),
        ("hagrp", "web", "Evacuate", "1"),
        ("hagrp", "web", "OnlineClearParent", "0"),
        ("hagrp", "web", "PreSwitch", "0"),
        ("hagrp", "web", "AutoRestart", "0"),
        ("hares", "web_ip", "MonitorOnly", "0"),
    ],
)
def test_the_value_the_simulator_follows_is_accepted(make_sim, cmd, obj, attr, value):
    sim = _started(make_sim, WEB)
    _ok(sim, "haconf -makerw")
    _ok(sim, f"{cmd} -modify {obj} {attr} {value}")
    assert sim.command([cmd, "-value", obj, attr])[1].strip() == value


def test_a_configuration_setting_them_is_told_in_the_transcript(make_sim):
    text = WEB.replace(
        "AutoStartList = { n1 }", "AutoStartList = { n1 }\n    OnlineClearParent = 1"
    )
    sim = _started(make_sim, text)
    lines = [line for line in sim.transcript.lines if "OnlineClearParent" in line]
    assert len(lines) == 1 and "not modelled by the simulator" in lines[0]


# -- FaultPropagation of a resource's type -------------------------------------------------------


def _fault_web_ctr(sim):
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(180)
    sim.settle()


def test_the_types_fault_propagation_0_keeps_a_fault_at_the_resource(make_sim):
    # ADG 9.0, "Static type attribute definitions", FaultPropagation (a static type
    # attribute): with 0, "if a resource in the service group faults, no other resources
    # are taken offline nor the parent group regardless of the value set for the attribute
    # Critical"; the group stays PARTIAL|FAULTED where resources remain online (User's 4.1,
    # "Controlling Fault Propagation"). Set on the type, the group left at its default.
    sim = _started(make_sim, WEB)
    _ok(sim, "haconf -makerw")
    _ok(sim, "hatype -modify Dummy FaultPropagation 0")
    _fault_web_ctr(sim)
    assert sim.resource_state("web_ctr", "n1") == "FAULTED"
    assert sim.resource_state("web_pf", "n1") == "ONLINE"
    assert sim.group_state("web", "n1") == "PARTIAL|FAULTED"
    assert sim.group_state("web", "n2") == "OFFLINE"


def test_a_resources_own_fault_propagation_0_keeps_its_fault_only(make_sim):
    # The same attribute overridden for one resource (ADG 4.1, "Overriding Static
    # Attributes"): web_ctr's fault stays there; the type's value still propagates the
    # fault of another resource of the type, and the group fails over.
    sim = _started(make_sim, WEB)
    _ok(sim, "haconf -makerw")
    _ok(sim, "hares -override web_ctr FaultPropagation")
    _ok(sim, "hares -modify web_ctr FaultPropagation 0")
    _fault_web_ctr(sim)
    assert sim.group_state("web", "n1") == "PARTIAL|FAULTED"
    sim.event("kill", resource="web_ip", system="n1")
    sim.advance(180)
    sim.settle()
    assert sim.group_state("web", "n2") == "ONLINE"


# -- IntentOnline in hagrp -display ---------------------------------------------------------------


def _display_value(out, group, attr):
    rows = [line.split() for line in out.splitlines() if line.split()[:2] == [group, attr]]
    assert len(rows) == 1, out
    return rows[0][3] if len(rows[0]) > 3 else ""


def test_hagrp_display_shows_intent_online(make_sim):
    # hagrp(1M) 5.0MP3: -display shows the group's attributes; Admin 7.0, "About stopping
    # VCS with options other than the -force option", reads IntentOnline (1 while the group
    # is meant to be online, 0 once taken offline). It was shown only with -attribute.
    sim = _started(make_sim, WEB)
    assert _display_value(_ok(sim, "hagrp -display web"), "web", "IntentOnline") == "1"
    _ok(sim, "hagrp -offline web -sys n1")
    sim.settle()
    assert _display_value(_ok(sim, "hagrp -display web"), "web", "IntentOnline") == "0"


# -- ManualOps and Evacuate -----------------------------------------------------------------------

TWO = (
    WEB
    + """
group db (
    SystemList = { n1 = 0, n2 = 1, n3 = 2 }
    AutoStartList = { n1 }
)
    Dummy db_r (
    )
"""
)


def test_manual_ops_0_refuses_the_groups_online_offline_and_switch(make_sim):
    # No stored page describes ManualOps; chosen as its name says: with 0 an admin's
    # hagrp -online, -offline and -switch of the group are refused and change nothing,
    # while VCS's own actions (a failover on a fault) go on. With 1 they are allowed.
    sim = _started(
        make_sim, WEB.replace("AutoStartList = { n1 }", "AutoStartList = { n1 }\n    ManualOps = 0")
    )
    assert sim.group_state("web", "n1") == "ONLINE"  # autostart is VCS's own
    for line in (
        "hagrp -offline web -sys n1",
        "hagrp -offline web -any",
        "hagrp -switch web -to n2",
        "hagrp -switch web -any",
        "hagrp -online web -sys n2",
        "hagrp -online web -any",
    ):
        code, _, err = sim.command(line.split())
        assert code == 1 and "ManualOps" in err, line
    sim.settle()
    assert sim.group_state("web", "n1") == "ONLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"
    _fault_web_ctr(sim)
    assert sim.group_state("web", "n2") == "ONLINE"
    _ok(sim, "haconf -makerw")
    _ok(sim, "hagrp -modify web ManualOps 1")
    _ok(sim, "hagrp -switch web -to n3")
    sim.settle()
    assert sim.group_state("web", "n3") == "ONLINE"


def test_evacuate_0_leaves_the_group_out_of_hastop_evacuate(make_sim):
    # No stored page describes Evacuate; chosen as its name says: hastop -evacuate moves
    # the failover groups with Evacuate 1 (the default) to another system, and takes one
    # with Evacuate 0 offline there, as a plain hastop does (User's 4.1, "Stopping VCS").
    text = TWO.replace(
        "AutoStartList = { n1 }\n)\n    Dummy web",
        "AutoStartList = { n1 }\n    Evacuate = 0\n)\n    Dummy web",
    )
    assert "Evacuate = 0" in text
    sim = _started(make_sim, text)
    _ok(sim, "hastop -sys n1 -evacuate")
    sim.settle()
    assert sim.system_state("n1") == "EXITED"
    assert sim.group_state("db", "n2") == "ONLINE"
    assert all(sim.group_state("web", s).startswith("OFFLINE") for s in SYSTEMS)


# -- AutoRestart 0 ------------------------------------------------------------------------------


def test_with_auto_restart_0_a_persistent_fault_stays_after_the_resource_is_back(make_sim):
    # Admin 6.0.1, "About the AutoRestart attribute" (and User's 4.1, "Automatic Actions
    # for Service Group Dependencies"): a group whose persistent resource faulted with no
    # failover target "remains offline and faulted, even after the faulted resource becomes
    # online"; AutoRestart is what brings it back. With AutoRestart 0 the NIC coming back
    # clears nothing: the group stays OFFLINE|FAULTED until the admin clears it.
    text = open("tests/scenarios/persistent_autorestart/main.cf").read()
    sim = make_sim(
        text.replace("AutoStartList = { n1 }", "AutoStartList = { n1 }\n    AutoRestart = 0")
    )
    sim.start()
    sim.settle()
    sim.advance(50)
    sim.event("kill", resource="web_nic", system="n2")
    sim.advance(50)
    sim.event("kill", resource="web_nic", system="n1")
    sim.advance(100)
    assert sim.group_state("web", "n1") == "OFFLINE|FAULTED"
    sim.event("start_outside", resource="web_nic", system="n1")
    sim.advance(150)
    assert sim.group_state("web", "n1") == "OFFLINE|FAULTED"
    assert sim.resource_state("web_nic", "n1") == "FAULTED"
    _ok(sim, "hagrp -clear web -sys n1")
    sim.advance(120)
    assert sim.resource_state("web_nic", "n1") == "ONLINE"
    assert sim.group_state("web", "n1") == "OFFLINE"
