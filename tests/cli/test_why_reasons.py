"""vxha why and vxha status against the simulator's command table (in process): each reason
is read from the cluster, and running the command it names clears it."""

from __future__ import annotations

import shlex

import pytest

from vxha.generators.hacli import HaClient
from vxha.generators.status import read_status, render, report
from vxha.generators.why import WhyError, why
from vxha.simulator.api import Simulator

MAIN_CF = """include "types.cf"
include "DummyTypes.cf"

cluster sim (
)

system n1 (
    Limits = {{ Slots = 1 }}
)

system n2 (
    Limits = {{ Slots = 1 }}
)

group web_storage (
    SystemList = {{ n1 = 0, n2 = 1 }}
    AutoStartList = {{ n1, n2 }}
    Parallel = 1
    UserStrGlobal = "vxha:server=web"
)
    Dummy web_mnt (
    )

group web (
    SystemList = {{ n1 = 0, n2 = 1 }}
    AutoStartList = {{ n1 }}
    UserStrGlobal = "vxha:server=web"
{web}
)
    Dummy web_ip (
    )
    Dummy web_ctr (
    )
    web_ctr requires web_ip
    requires group web_storage online local firm

group hog (
    SystemList = {{ n2 = 0, n1 = 1 }}
    AutoStartList = {{ n2 }}
    Prerequisites = {{ Slots = 1 }}
)
    Dummy hog_res (
    )
"""


class Counting:
    """The simulator's command table as the ha* client's runner, counting processes."""

    def __init__(self, sim):
        self.sim = sim
        self.argvs = []

    def __call__(self, argv, timeout):
        self.argvs.append(argv)
        return self.sim.command(argv)


def start(tmp_path, web=""):
    sim = Simulator.from_text(MAIN_CF.format(web=web), tmp_path / "run")
    sim.start()
    sim.advance(300)
    sim.settle()
    return sim


def ha(sim, line):
    code, out, err = sim.command(shlex.split(line))
    assert code == 0, f"{line}: {out}{err}"
    sim.settle()


def ask(sim, server="web"):
    runner = Counting(sim)
    answer = why(HaClient(runner=runner), server)
    return answer, runner.argvs


def texts(answer):
    return [f"{r.system}: {r.text}" for r in answer.reasons]


def clear_all(sim, answer, match):
    """Run every concrete clearing command of the reasons whose text contains ``match``."""
    ran = []
    for r in answer.reasons:
        if match in r.text:
            for c in r.clear:
                if c.split()[0].startswith("ha") and "SYSTEM" not in c and "[" not in c:
                    ha(sim, c)
                    ran.append(c)
    assert ran, f"no command to run for {match!r}: {texts(answer)}"
    return ran


def test_online_where_expected_is_ok_with_five_processes_at_most(tmp_path):
    sim = start(tmp_path)
    answer, argvs = ask(sim)
    assert answer.ok and answer.online_on == ["n1"] and answer.reasons == []
    assert len(argvs) <= 5
    assert all(a[1] != "-state" for a in argvs)  # bulk reads, never one per group


def test_frozen_then_nothing_left_then_online(tmp_path):
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "hagrp -freeze web")
    answer, _ = ask(sim)
    assert not answer.ok
    frozen = [r for r in answer.reasons if "frozen (temporary)" in r.text]
    assert frozen and frozen[0].clear == ["hagrp -unfreeze web"]
    clear_all(sim, answer, "frozen")
    answer, argvs = ask(sim)
    assert [r.text for r in answer.reasons] == [
        "nothing keeps it offline: VCS would place it on n1 (hagrp -forecast)"
    ]
    assert ["hagrp", "-forecast", "web"] in argvs
    clear_all(sim, answer, "nothing keeps it")
    assert ask(sim)[0].ok


def test_disabled_everywhere_names_enable_per_system(tmp_path):
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "haconf -makerw")
    ha(sim, "hagrp -disable web")
    ha(sim, "haconf -dump -makero")
    answer, _ = ask(sim)
    assert "n1: disabled on n1 (Enabled = 0)" in texts(answer)
    assert "n2: disabled on n2 (Enabled = 0)" in texts(answer)
    clear_all(sim, answer, "disabled on")
    assert not [t for t in texts(ask(sim)[0]) if "disabled" in t]


def test_faulted_on_every_system(tmp_path):
    sim = start(tmp_path)
    sim.event("fail", resource="web_ctr", system="n2", args={"entry_point": "online", "count": 9})
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(600)
    sim.settle()
    answer, _ = ask(sim)
    faulted = [r for r in answer.reasons if r.text.startswith("faulted on")]
    assert {r.system for r in faulted} == {"n1", "n2"}
    assert all(r.clear == [f"hares -clear web_ctr -sys {r.system}"] for r in faulted)
    sim.event("heal", resource="web_ctr", system="n2")
    clear_all(sim, answer, "faulted on")
    assert not [t for t in texts(ask(sim)[0]) if "faulted" in t]


def test_child_group_offline_on_the_system(tmp_path):
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "hagrp -offline web_storage -sys n1")
    ha(sim, "haconf -makerw")
    ha(sim, "hagrp -disable web -sys n2")
    ha(sim, "haconf -dump -makero")
    answer, _ = ask(sim)
    dep = [r for r in answer.reasons if "requires group web_storage" in r.text]
    assert dep[0].system == "n1"
    assert dep[0].text.endswith("web_storage is OFFLINE on n1")
    assert dep[0].clear == ["hagrp -online web_storage -sys n1"]
    clear_all(sim, answer, "requires group web_storage")
    assert not [t for t in texts(ask(sim)[0]) if "requires group" in t]


def test_limits_left_by_other_groups(tmp_path):
    sim = start(tmp_path, web="    Prerequisites = { Slots = 1 }")
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "haconf -makerw")
    ha(sim, "hagrp -disable web -sys n1")
    ha(sim, "haconf -dump -makero")
    answer, _ = ask(sim)
    limits = [r for r in answer.reasons if "Prerequisites" in r.text]
    assert [r.system for r in limits] == ["n2"]
    assert limits[0].text == "Prerequisites Slots = 1, but n2 has 0 of 1 left (used by hog)"
    assert answer.forecast is None  # the engine agrees: nowhere to go
    ha(sim, "hagrp -offline hog -sys n2")
    assert not [r for r in ask(sim)[0].reasons if "Prerequisites" in r.text]


def test_admin_wait(tmp_path):
    sim = start(tmp_path, web="    ManageFaults = NONE")
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(60)
    sim.settle()
    answer, _ = ask(sim)
    wait = [r for r in answer.reasons if "ADMIN_WAIT" in r.text]
    assert wait and wait[0].system == "n1"
    assert wait[0].clear[0] == "hagrp -clearadminwait web -sys n1"


def test_unable_to_offline(tmp_path):
    sim = start(tmp_path)
    sim.event("fail", resource="web_ctr", system="n1", args={"entry_point": "clean", "count": 9})
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(90)
    answer, _ = ask(sim)
    stuck = [r for r in answer.reasons if "UNABLE_TO_OFFLINE" in r.text]
    assert stuck and stuck[0].system == "n1" and "web_ctr" in stuck[0].text


def test_system_down_and_autostart_off(tmp_path):
    sim = start(tmp_path, web="    AutoStart = 0")
    answer, _ = ask(sim)
    assert "AutoStart = 0: VCS does not start it when the cluster starts" in [
        r.text for r in answer.reasons
    ]
    sim.event("crash", system="n2")
    sim.settle()
    answer, _ = ask(sim)
    assert any(r.system == "n2" and r.text.startswith("system n2 is") for r in answer.reasons)


def test_unknown_server_names_the_known_ones(tmp_path):
    sim = start(tmp_path)
    with pytest.raises(WhyError, match=r"no server named 'nope' .*servers: web"):
        ask(sim, "nope")


def test_status_report_and_table(tmp_path):
    sim = start(tmp_path)
    ha(sim, "hagrp -offline web -sys n1")
    ha(sim, "haconf -makerw")
    ha(sim, "hagrp -disable web -sys n2")
    ha(sim, "haconf -dump -makero")
    ha(sim, "hagrp -freeze hog")
    runner = Counting(sim)
    data = report(read_status(HaClient(runner=runner)))
    assert len(runner.argvs) == 3
    assert [s["name"] for s in data["systems"]] == ["n1", "n2"]
    (web,) = data["servers"]
    assert [g["name"] for g in web["groups"]] == ["web_storage", "web"]
    rows = {r["system"]: r for r in web["groups"][1]["systems"]}
    assert rows["n1"]["state"] == "OFFLINE" and rows["n2"]["enabled"] is False
    assert [g["name"] for g in data["other_groups"]] == ["hog"]
    assert data["other_groups"][0]["tfrozen"] is True
    lines = render(data)
    web_row = next(line for line in lines if line.split()[:2] == ["web", "OFFLINE"])
    assert web_row.split(None, 1)[1].split("  ")[0] == "OFFLINE"
    assert "OFFLINE (disabled)" in web_row
    assert "  hog: frozen (temporary): VCS takes no action on it" in lines


def test_status_names_resources_in_trouble_but_not_unprobed_ones(tmp_path):
    sim = Simulator.from_text(MAIN_CF.format(web=""), tmp_path / "run")  # nothing probed yet
    data = report(read_status(HaClient(runner=Counting(sim))))
    assert data["servers"][0]["faults"] == []  # UNKNOWN before the first probe is no trouble
    rows = data["servers"][0]["groups"][1]["systems"]
    assert [r["probed"] for r in rows] == [False, False]
    sim.start()
    sim.advance(300)
    sim.settle()
    sim.event("fail", resource="web_ctr", system="n2", args={"entry_point": "online", "count": 9})
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(600)
    sim.settle()
    data = report(read_status(HaClient(runner=Counting(sim))))
    faults = {(f["resource"], f["system"]) for f in data["servers"][0]["faults"]}
    assert ("web_ctr", "n1") in faults, data["servers"][0]["faults"]
    assert "  web_ctr on n1: FAULTED" in render(data)
