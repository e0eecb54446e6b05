"""The system attributes VCS maintains, as `hasys -display` shows them.

Source: Admin 7.0 (Linux), "System attributes": AvailableCapacity is "system use only",
populated from Capacity and the Load of the groups (it cannot be set in main.cf);
User's 5.0 (HP-UX 11i v3), "System attributes" lists it among the attributes of a system,
whose display shows every attribute; Admin 7.0, "About AutoStart operation" (the values
it takes as groups come online). CurrentLimits: the Limits less the Prerequisites of the
groups active there (docs/simulator.md, "Placement")."""

from __future__ import annotations

import pytest
from sim_helpers import HEADER


def _config():
    return HEADER + (
        "system n1 (\n    Capacity = 100\n    Limits = { Semaphores = 5 }\n)\n\n"
        "system n2 (\n    Capacity = 200\n    Limits = { Semaphores = 4 }\n)\n\n"
        "group g (\n"
        "    SystemList = { n1 = 0, n2 = 1 }\n"
        "    AutoStartList = { n1 }\n"
        "    Load = 30\n"
        "    Prerequisites = { Semaphores = 2 }\n"
        ")\n"
        "    Dummy g_r (\n    )\n"
    )


@pytest.fixture
def sim(make_sim):
    s = make_sim(_config()).start()
    s.settle()
    return s


def _display(sim, *args):
    code, out, err = sim.command(["hasys", "-display", *args])
    assert code == 0, err
    rows = {}
    for line in out.splitlines()[1:]:
        name, attr, *value = line.split()
        rows[(name, attr)] = " ".join(value)
    return rows


def test_display_shows_available_capacity_and_current_limits_as_groups_move(sim):
    assert sim.group_state("g", "n1") == "ONLINE"
    rows = _display(sim)
    assert rows[("n1", "AvailableCapacity")] == "70"  # 100 - 30
    assert rows[("n1", "CurrentLimits")] == "Semaphores 3"  # 5 - 2
    assert rows[("n2", "AvailableCapacity")] == "200"
    assert rows[("n2", "CurrentLimits")] == "Semaphores 4"

    code, _, err = sim.command(["hagrp", "-switch", "g", "-to", "n2"])
    assert code == 0, err
    sim.settle()
    rows = _display(sim)
    assert rows[("n1", "AvailableCapacity")] == "100"
    assert rows[("n1", "CurrentLimits")] == "Semaphores 5"
    assert rows[("n2", "AvailableCapacity")] == "170"
    assert rows[("n2", "CurrentLimits")] == "Semaphores 2"

    code, _, err = sim.command(["hagrp", "-offline", "g", "-sys", "n2"])
    assert code == 0, err
    sim.settle()
    rows = _display(sim, "n2")
    assert rows[("n2", "AvailableCapacity")] == "200"
    assert rows[("n2", "CurrentLimits")] == "Semaphores 4"


def test_display_attribute_selects_the_computed_attributes(sim):
    rows = _display(sim, "n1", "-attribute", "AvailableCapacity", "CurrentLimits")
    assert rows == {("n1", "AvailableCapacity"): "70", ("n1", "CurrentLimits"): "Semaphores 3"}


def test_a_system_without_limits_shows_empty_current_limits(make_sim):
    text = HEADER + "system n1 (\n)\n\nsystem n2 (\n)\n\n"
    text += "group g (\n    SystemList = { n1 = 0, n2 = 1 }\n    AutoStartList = { n1 }\n)\n"
    text += "    Dummy g_r (\n    )\n"
    sim = make_sim(text).start()
    sim.settle()
    code, out, err = sim.command(["hasys", "-display", "n1"])
    assert code == 0, err
    lines = out.splitlines()
    # Capacity defaults to 100 (User's 5.0, "System attributes"); the group's Load to 0.
    assert any(line.split() == ["n1", "AvailableCapacity", "100"] for line in lines)
    assert any(line.split() == ["n1", "CurrentLimits"] for line in lines)


def test_list_conditions_read_the_computed_value(sim):
    code, out, err = sim.command(["hasys", "-list", "AvailableCapacity=70"])
    assert code == 0, err
    assert out.split() == ["n1"]


# LoadTimeCounter: "how many seconds system load has been above LoadWarningLevel", reset
# when the load drops below it (Admin 7.0, "About overload warning"); at the level counts
# as above (Admin 7.0, "About AutoStart operation": Server2 at exactly 80 percent fires).
def _loaded():
    return HEADER + (
        "system n1 (\n    Capacity = 100\n)\n\nsystem n2 (\n    Capacity = 100\n)\n\n"
        "group g (\n"
        "    SystemList = { n1 = 0, n2 = 1 }\n"
        "    AutoStartList = { n1 }\n"
        "    Load = 80\n"
        ")\n"
        "    Dummy g_r (\n    )\n"
    )


def _counter(sim, system):
    code, out, err = sim.command(["hasys", "-value", system, "LoadTimeCounter"])
    assert code == 0, err
    return int(out.strip())


def test_load_time_counter_counts_the_seconds_above_the_warning_level(make_sim):
    sim = make_sim(_loaded()).start()
    sim.settle()
    start = sim.engine.clock.now
    sim.advance(300)
    assert _counter(sim, "n1") == sim.engine.clock.now - start
    assert _counter(sim, "n2") == 0
    assert _display(sim, "n1")[("n1", "LoadTimeCounter")] == str(_counter(sim, "n1"))

    # Below the level again: reset; the system the group went to starts counting.
    code, _, err = sim.command(["hagrp", "-switch", "g", "-to", "n2"])
    assert code == 0, err
    sim.settle()
    moved = sim.engine.clock.now
    sim.advance(100)
    assert _counter(sim, "n1") == 0
    assert _counter(sim, "n2") == sim.engine.clock.now - moved


@pytest.mark.parametrize(
    "attr,value", [("LoadTimeCounter", "5"), ("CurrentLimits", "Semaphores 9"), ("OnGrpCnt", "7")]
)
def test_the_computed_attributes_cannot_be_modified(sim, attr, value):
    assert sim.command(["haconf", "-makerw"])[0] == 0
    code, _, err = sim.command(["hasys", "-modify", "n1", attr, *value.split()])
    assert code == 1 and attr in err
    assert _display(sim, "n1")[("n1", "CurrentLimits")] == "Semaphores 3"
    assert _display(sim, "n1")[("n1", "LoadTimeCounter")] == "0"
    assert _display(sim, "n1")[("n1", "OnGrpCnt")] == "1"


# OnGrpCnt: "When VCS is stopped on a system without using the -force option, it enters the
# LEAVING state, and waits for all groups to go offline on the system. Use the output of
# the command hasys -display system to verify that the values of the SysState and the
# OnGrpCnt attributes are non-zero" (User's 4.1, "Stopping VCS"): the groups still online
# (or going online or offline) there.
TWO = """group web (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy web_r (
    )

group db (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy db_r (
    )
"""


def test_on_grp_cnt_counts_the_groups_a_leaving_system_still_waits_for(make_sim):
    sim = make_sim(HEADER + "system n1 (\n)\n\nsystem n2 (\n)\n\n" + TWO).start()
    sim.settle()
    rows = _display(sim, "n1")
    assert rows[("n1", "OnGrpCnt")] == "2"
    assert _display(sim, "n2")[("n2", "OnGrpCnt")] == "0"

    sim.event("hang", resource="web_r", system="n1", args={"entry_point": "offline", "count": 1})
    code, _, err = sim.command(["hastop", "-sys", "n1"])
    assert code == 0, err
    sim.advance(1)
    rows = _display(sim, "n1")
    assert rows[("n1", "SysState")] == "LEAVING"
    assert rows[("n1", "OnGrpCnt")] == "1"  # db is offline, web's offline hangs
    code, out, _ = sim.command(["hasys", "-value", "n1", "OnGrpCnt"])
    assert code == 0 and out.strip() == "1"
    sim.advance(3600)
    assert sim.system_state("n1") == "EXITED"
    assert _display(sim, "n1")[("n1", "OnGrpCnt")] == "0"


# ActiveCount: "Number of resources in a service group that are active (online or waiting to
# go online). When the number drops to zero, the service group is considered offline"
# (User's 5.0 HP-UX, "Service group attributes"; system use only).
def _active_count(sim, group):
    code, out, err = sim.command(["hagrp", "-value", group, "ActiveCount"])
    assert code == 0, err
    return int(out.strip())


def test_active_count_counts_the_resources_online_or_going_online(make_sim):
    from sim_helpers import WEB, cf

    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.settle()
    assert sim.group_state("web", "n1") == "ONLINE"
    assert _active_count(sim, "web") == 3
    code, out, _ = sim.command(["hagrp", "-display", "web", "-attribute", "ActiveCount"])
    assert code == 0 and out.splitlines()[1].split() == ["web", "ActiveCount", "global", "3"]

    # web_pf's online hangs on n2: web_ip and web_ctr online there, web_pf waiting.
    sim.event("hang", resource="web_pf", system="n2", args={"entry_point": "online", "count": 1})
    assert sim.command(["hagrp", "-switch", "web", "-to", "n2"])[0] == 0
    sim.advance(1)
    assert sim.resource_state("web_ctr", "n2") == "ONLINE"
    assert sim.resource_state("web_ip", "n2") == "ONLINE"
    assert _active_count(sim, "web") == 3

    assert sim.command(["hagrp", "-flush", "web", "-sys", "n2"])[0] == 0
    sim.settle()
    assert sim.command(["hagrp", "-offline", "web", "-sys", "n2"])[0] == 0
    sim.settle()
    assert sim.group_state("web", "n2") == "OFFLINE"
    assert _active_count(sim, "web") == 0
    assert sim.command(["haconf", "-makerw"])[0] == 0
    code, _, err = sim.command(["hagrp", "-modify", "web", "ActiveCount", "4"])
    assert code == 1 and "ActiveCount" in err


# The loadwarning trigger's argument is the system's AvailableCapacity; "If this value is
# negative, the argument contains the prefix % (percentage sign); for example, %-4" (User's
# 5.0 HP-UX 11i v3, "System attributes", AvailableCapacity). The attribute itself stays -4.
def test_a_negative_available_capacity_is_passed_to_loadwarning_with_a_percent_sign(make_sim):
    text = HEADER + "system n1 (\n    Capacity = 100\n)\n\nsystem n2 (\n)\n\n"
    text += "group g (\n    SystemList = { n1 = 0, n2 = 1 }\n    AutoStartList = { n1 }\n"
    text += "    Load = 104\n)\n    Dummy g_r (\n    )\n"
    sim = make_sim(text).start()
    sim.settle()
    assert sim.group_state("g", "n1") == "ONLINE"
    start = sim.engine.clock.now
    sim.advance(600)
    fired = [ln for ln in sim.transcript.lines if "trigger loadwarning" in ln]
    assert fired == [f"T+{start + 600:06d} n1 system trigger loadwarning n1 %-4"]
    code, out, _ = sim.command(["hasys", "-value", "n1", "AvailableCapacity"])
    assert code == 0 and out.strip() == "-4"


# The defaults the engine works with are the ones the queries show: Capacity 100 (User's
# 5.0 HP-UX 11i v3, "System attributes": "Default: 100"), LoadWarningLevel 80 and
# LoadTimeThreshold 600 (Admin 7.0, "About AutoStart operation": the trigger fires "after
# 600 seconds because it is at the default LoadWarningLevel of 80 percent").
def test_unset_load_attributes_read_as_the_defaults_the_engine_uses(make_sim):
    text = HEADER + "system n1 (\n)\n\nsystem n2 (\n    Capacity = 50\n)\n\n"
    text += "group g (\n    SystemList = { n1 = 0, n2 = 1 }\n    AutoStartList = { n1 }\n)\n"
    text += "    Dummy g_r (\n    )\n"
    sim = make_sim(text).start()
    sim.settle()
    for attr, value in (
        ("Capacity", "100"),
        ("LoadWarningLevel", "80"),
        ("LoadTimeThreshold", "600"),
    ):
        code, out, err = sim.command(["hasys", "-value", "n1", attr])
        assert code == 0 and out.strip() == value, (attr, out, err)
        assert _display(sim, "n1")[("n1", attr)] == value
    assert _display(sim, "n2")[("n2", "Capacity")] == "50"
    code, out, _ = sim.command(["hasys", "-list", "Capacity=100"])
    assert code == 0 and out.split() == ["n1"]
