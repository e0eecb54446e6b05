"""vxha why on cluster states the first tests did not set up: a failover group still active
on one system (going offline, going online, left running where VCS was stopped with
``hastop -force``) is refused online on any other (V-16-1-10167), so why must not offer
that online; each concrete command it names is one the engine accepts."""

from __future__ import annotations

import shlex

import pytest
from test_why_reasons import MAIN_CF, ask, ha, start, texts

from vxha.generators.hacli import HaClient
from vxha.generators.why import why
from vxha.simulator.api import Simulator


def _onlines(answer):
    return [c for r in answer.reasons for c in r.clear if c.startswith("hagrp -online ")]


def _accepted(sim, command):
    code, out, err = sim.command(shlex.split(command))
    return code == 0, out + err


def test_stopping_on_one_system_is_waited_for_not_onlined_elsewhere(tmp_path):
    sim = start(tmp_path)
    sim.event("hang", resource="web_ctr", system="n1", args={"entry_point": "offline"})
    sim.command(["hagrp", "-offline", "web", "-sys", "n1"])
    sim.advance(5)
    answer, _ = ask(sim)
    assert not answer.ok
    # Still up on n1 for VCS: an online on n2 is refused (V-16-1-10167).
    assert _onlines(answer) == [], texts(answer)
    (stopping,) = [r for r in answer.reasons if r.system == "n1"]
    assert stopping.text == "ONLINE|STOPPING on n1: in transition"
    # It is on its way offline: the wait is for OFFLINE, not for ONLINE.
    assert stopping.clear == ["hagrp -wait web State OFFLINE -sys n1 -time 300"]


def test_starting_before_any_resource_is_up_is_not_onlined_elsewhere(tmp_path):
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")
    sim.event("hang", resource="web_ip", system="n2", args={"entry_point": "online"})
    sim.event("hang", resource="web_ctr", system="n2", args={"entry_point": "online"})
    sim.command(["hagrp", "-online", "web", "-sys", "n2"])
    sim.advance(5)
    answer, _ = ask(sim)
    assert "STARTING" in sim.command(["hagrp", "-value", "web", "State", "n2"])[1]
    assert _onlines(answer) == [], texts(answer)
    assert [r.clear for r in answer.reasons if r.system == "n2"] == [
        ["hagrp -wait web State ONLINE -sys n2 -time 300"]
    ]


def test_left_running_by_hastop_force_is_not_onlined_elsewhere(tmp_path):
    sim = start(tmp_path)
    ha(sim, "hagrp -switch web -to n2")
    ha(sim, "hastop -sys n2 -force")  # the engine stops, the group keeps running there
    sim.advance(60)
    sim.settle()
    answer, _ = ask(sim)
    assert not answer.ok
    for command in _onlines(answer):
        ok, said = _accepted(sim, command)
        assert ok, f"why names {command!r}, which VCS refuses: {said}"
    assert _onlines(answer) == [], texts(answer)
    (n2,) = [r for r in answer.reasons if r.system == "n2"]
    assert n2.text == (
        "system n2 is EXITED; web was ONLINE there when VCS stopped and may still run there "
        "(AutoDisabled: VCS does not know)"
    )
    assert n2.clear == [
        "hastart on n2: VCS probes web there",
        "or, once web is stopped on n2 outside VCS: hagrp -autoenable web -sys n2",
    ]


def test_a_leaving_system_is_waited_for_not_started(tmp_path):
    # hastop without -force: VCS there is LEAVING, still running, waiting for its groups to
    # go offline (User's 4.1, "Stopping VCS"); hastart there is no answer.
    sim = start(tmp_path)
    sim.event("hang", resource="web_ctr", system="n1", args={"entry_point": "offline"})
    sim.command(["hastop", "-sys", "n1"])
    sim.advance(5)
    answer, _ = ask(sim)
    (n1,) = [r for r in answer.reasons if r.system == "n1"]
    assert n1.text == (
        "system n1 is LEAVING: VCS is stopping there (hastop) once its groups are offline"
    )
    assert n1.clear == ["hasys -wait n1 SysState EXITED -time 300", "then hastart on n1"]


def test_autodisabled_on_a_system_that_left_in_jeopardy_is_said(tmp_path):
    # A system that faults in jeopardy: its groups are autodisabled there, not failed over
    # (docs/simulator.md, jeopardy); before an online by hand elsewhere, make sure the
    # group does not run there (KB 100018634).
    sim = start(tmp_path)
    sim.event("jeopardy", system="n1")
    sim.event("crash", system="n1")
    sim.advance(60)
    sim.settle()
    answer, _ = ask(sim)
    (n1,) = [r for r in answer.reasons if r.system == "n1"]
    assert n1.text == (
        "system n1 is FAULTED; web is AutoDisabled there: VCS cannot tell whether it still "
        "runs there"
    )
    assert n1.clear == [
        "start VCS on it (hastart), or wait for it to rejoin",
        "or, once web is stopped on n1 outside VCS: hagrp -autoenable web -sys n1",
    ]
    for command in n1.clear[1:]:
        ha(sim, command.split(": ", 1)[1])
    assert not [r for r in ask(sim)[0].reasons if "AutoDisabled" in r.text]


def test_a_server_whose_failover_group_is_gone_is_not_online(tmp_path):
    # vxha delete --keep-data leaves the storage group (docs/operations.md, vxha delete):
    # the server is not online anywhere, whatever its storage does.
    cf = MAIN_CF.replace("group web (", "group admins (")
    cf = cf.replace('UserStrGlobal = "vxha:server=web"\n{web}', "{web}")
    sim = Simulator.from_text(cf.format(web=""), tmp_path / "run")
    sim.start()
    sim.advance(300)
    sim.settle()
    answer, _ = ask(sim)
    assert not answer.ok
    assert answer.lines()[:2] == [
        "web is not online where expected (its failover group online on one system); "
        "ONLINE on no system",
        "  web_storage: web has no failover group: only web_storage is left (what vxha delete "
        "--keep-data leaves)",
    ]
    assert answer.reasons[0].text == (
        "web has no failover group: only web_storage is left (what vxha delete --keep-data leaves)"
    )
    assert answer.reasons[0].clear == [
        "vxha delete web --now",
        "or vxha restore web, then vxha generate and vxha apply",
    ]


@pytest.mark.parametrize("persistent", [False, True])
def test_a_frozen_system_is_thawed_by_the_command_its_freeze_needs(tmp_path, persistent):
    # hasys -freeze sets TFrozen, -persistent sets Frozen, which needs a configuration
    # session (User's 4.1, "Freezing a System"; the simulator: V-16-1-10369 without one).
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "haconf -makerw")
    ha(sim, "hagrp -disable web -sys n1")
    if persistent:
        ha(sim, "hasys -freeze -persistent n2")
    ha(sim, "haconf -dump -makero")
    if not persistent:
        ha(sim, "hasys -freeze n2")
    answer, _ = ask(sim)
    (frozen,) = [r for r in answer.reasons if r.text.startswith("system n2 is frozen")]
    if persistent:
        assert frozen.clear == [
            "haconf -makerw",
            "hasys -unfreeze -persistent n2",
            "haconf -dump -makero",
        ]
    else:
        assert frozen.clear == ["hasys -unfreeze n2"]
    for command in frozen.clear:
        ha(sim, command)
    assert not [r for r in ask(sim)[0].reasons if r.text.startswith("system n2 is frozen")]


def test_a_resource_whose_monitor_cannot_tell_is_named(tmp_path):
    # Monitor 99 is unknown (VCS_REFERENCE.md, entry points; a misconfigured resource
    # answers it, DECISIONS.md 2): status lists it in trouble, and why must name it where
    # it keeps the group from that system, with the probe that tells VCS once corrected.
    sim = Simulator.from_text(MAIN_CF.format(web=""), tmp_path / "run")
    sim.event(
        "fail",
        resource="web_ctr",
        system="n2",
        args={"entry_point": "monitor", "exit": 99, "count": 99},
    )
    sim.start()
    sim.advance(300)
    sim.settle()
    ha(sim, "hagrp -offline web -sys n1")
    answer, _ = ask(sim)
    (unknown,) = [r for r in answer.reasons if "UNKNOWN" in r.text]
    assert unknown.system == "n2"
    assert unknown.text == (
        "web_ctr UNKNOWN on n2: its monitor cannot tell the state (a misconfigured resource "
        "answers so; the agent's log on n2 says why)"
    )
    assert unknown.clear == ["hares -probe web_ctr -sys n2 (once corrected)"]
    sim.event("heal", resource="web_ctr", system="n2")
    ha(sim, "hares -probe web_ctr -sys n2")
    sim.advance(60)
    sim.settle()
    assert not [r for r in ask(sim)[0].reasons if "UNKNOWN" in r.text]


def test_storage_in_maintenance_is_ended_by_off_with_storage(tmp_path, monkeypatch):
    # maintenance on --storage puts the storage group in maintenance too, and off without
    # --storage leaves it there (docs/operations.md, vxha maintenance): why must name the
    # off that ends it, and running that command must clear the reason.
    from test_no_traceback import run_inprocess

    import vxha.generators.hacli as hacli

    sim = start(tmp_path)
    monkeypatch.setattr(hacli, "_run", lambda argv, timeout: sim.command(list(argv)))
    monkeypatch.setenv("VXHA_STATE_DIR", str(tmp_path / "state"))
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "hagrp -offline web_storage -sys n1")
    argv = ["maintenance", "on", "web", "--storage", "--sys", "n1", "--reason", "disk"]
    assert run_inprocess(argv)[0] == 0
    sim.settle()
    answer, _ = ask(sim)
    (storage,) = [r for r in answer.reasons if r.group == "web_storage" and "maintenance" in r.text]
    assert storage.clear == ["vxha maintenance off web --storage --sys n1"]
    assert run_inprocess(storage.clear[0].split()[1:])[0] == 0
    sim.settle()
    assert not [r for r in ask(sim)[0].reasons if "maintenance" in r.text]


def test_a_forecast_answer_that_names_no_system_of_the_group_is_not_a_placement(tmp_path):
    # What hagrp -forecast prints is in no stored manual (docs/simulator.md); an answer whose
    # first word is not a system of the group's SystemList (a header, a message) must not
    # become "VCS would place it on <that word>": why falls back to the free systems.
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")

    def runner(argv, timeout):
        if argv[:2] == ["hagrp", "-forecast"]:
            return 0, "#Group   System\nweb      n1\n", ""
        return sim.command(argv)

    answer = why(HaClient(runner=runner), "web")
    assert answer.forecast is None
    assert [r.text for r in answer.reasons] == [
        "nothing keeps it offline on n1, n2: it was taken offline, or never started"
    ]
