"""Engine rules settled in the third hunting pass, each case's expectation written from
the document docs/simulator.md cites for it before the case was run: what the engine
reads from an online's and an offline's exit code."""

from __future__ import annotations

from sim_helpers import cf

ONE = """group g (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
    AutoStart = 0
)
    Dummy r (
    )
"""


def _ok(sim, line):
    code, out, err = sim.command(line.split())
    assert code == 0, f"{line}: {err}"
    return out


def test_an_online_exit_code_is_the_seconds_before_its_monitor(make_sim):
    # ADG 4.1, "Script Entry Point Syntax": the online's exit value is "the expected time
    # (in seconds) for the online procedure to be effective"; ADG 5.0MP3, "Return values
    # for entry points": "number of seconds to wait before monitor can check the state of
    # the resource". An online that exits 30 is confirmed by the monitor 30 s later, not
    # at once: until then the resource waits to go online and the group is starting.
    sim = make_sim(cf(("n1", "n2"), ONE))
    sim.start()
    sim.settle()
    sim.event(
        "slow", resource="r", system="n1", args={"entry_point": "online", "seconds": 0, "exit": 30}
    )
    _ok(sim, "hagrp -online g -sys n1")
    sim.advance(29)
    assert sim.group_state("g", "n1") == "OFFLINE|STARTING"
    assert "W_ONLINE" in _ok(sim, "hares -state r -sys n1")
    sim.advance(1)
    assert sim.group_state("g", "n1") == "ONLINE"
    assert sim.resource_state("r", "n1") == "ONLINE"


def test_an_offline_exit_code_is_the_seconds_before_its_monitor(make_sim):
    # The same documents, for offline: an offline that exits 20 is confirmed 20 s later.
    sim = make_sim(cf(("n1", "n2"), ONE))
    sim.start()
    sim.settle()
    _ok(sim, "hagrp -online g -sys n1")
    sim.settle()
    assert sim.group_state("g", "n1") == "ONLINE"
    sim.event(
        "slow", resource="r", system="n1", args={"entry_point": "offline", "seconds": 0, "exit": 20}
    )
    _ok(sim, "hagrp -offline g -sys n1")
    sim.advance(19)
    assert sim.group_state("g", "n1") == "ONLINE|STOPPING"
    assert "W_OFFLINE" in _ok(sim, "hares -state r -sys n1")
    sim.advance(1)
    assert sim.group_state("g", "n1") == "OFFLINE"


def test_a_slow_event_exit_must_be_an_exit_code(make_sim):
    import pytest

    from vxha.simulator.events import EventError

    sim = make_sim(cf(("n1", "n2"), ONE))
    sim.start()
    sim.settle()
    for bad in ("soon", -1, 256):
        with pytest.raises(EventError, match="exit"):
            sim.event(
                "slow", resource="r", system="n1", args={"entry_point": "online", "exit": bad}
            )


def test_hang_fail_and_slow_refuse_a_bad_count_or_seconds(make_sim):
    # An event is checked before anything happens (docs/simulator.md, "Events files"):
    # a count or seconds that is no number was accepted, then failed inside the engine.
    import pytest

    from vxha.simulator.events import EventError

    sim = make_sim(cf(("n1", "n2"), ONE))
    sim.start()
    sim.settle()
    for do, args in (
        ("slow", {"seconds": "soon"}),
        ("slow", {"seconds": -5}),
        ("hang", {"count": "x"}),
        ("fail", {"count": 0}),
    ):
        with pytest.raises(EventError, match="seconds|count"):
            sim.event(do, resource="r", system="n1", args=args)
    assert not sim.engine.ep_faults


def test_monitor_exit_codes_read_as_the_agent_developers_guide_lists_them(make_sim):
    # ADG 4.1, "Script Entry Point Syntax": 101 is online with confidence 10, 102-109
    # confidence 20-90, 110 confidence 100; outside 100-110 the status is unknown. ADG
    # 5.0MP3, "Return values for entry points": 200 intentional offline, other values
    # unknown. So 105 keeps an online resource ONLINE, 150 cannot tell (the state kept,
    # qualified STATE_UNKNOWN, nothing done), and 200 without IntentionalOffline is an
    # unexpected offline (a fault and a failover).
    sim = make_sim(cf(("n1", "n2"), ONE))
    sim.start()
    sim.settle()
    _ok(sim, "hagrp -online g -sys n1")
    sim.settle()

    def monitor_exits(code):
        args = {"entry_point": "monitor", "seconds": 0, "exit": code, "count": 1}
        sim.event("slow", resource="r", system="n1", args=args)
        sim.advance(60)

    monitor_exits(105)
    assert sim.resource_state("r", "n1") == "ONLINE"
    monitor_exits(150)
    assert sim.resource_state("r", "n1") == "ONLINE|STATE_UNKNOWN"
    assert sim.group_state("g", "n1") == "ONLINE"
    monitor_exits(110)
    assert sim.resource_state("r", "n1") == "ONLINE"
    monitor_exits(200)
    sim.settle()
    assert sim.resource_state("r", "n1") == "FAULTED"
    assert sim.group_state("g", "n2") == "ONLINE"


def test_a_probe_answering_unknown_at_once_leaves_the_group_autodisabled_there(make_sim):
    # hagrp(1M) 2.0, -autoenable: VCS marks a group auto-disabled on a system when it does
    # not know its status there, "if all the resources in the service group on that system
    # are not probed yet", and such a group "can not be onlined or failed over" there;
    # KB 100018634: autodisabled where the group is not probed. A probe answering 99
    # (unknown) tells no state, as one that times out does (docs/simulator.md, AutoDisabled):
    # the group is autodisabled on n2 even though the answer came at once, an online
    # there is refused, and the first monitor that tells the state ends it.
    sim = make_sim(cf(("n1", "n2"), ONE))
    sim.event("fail", resource="r", system="n2", args={"entry_point": "monitor", "count": 1})
    sim.start()
    sim.settle()
    assert sim.resource_state("r", "n2") == "UNKNOWN"
    assert _ok(sim, "hagrp -value g AutoDisabled n2").strip() == "1"
    assert sim.command("hagrp -online g -sys n2".split())[0] == 1
    sim.advance(300)  # OfflineMonitorInterval: the next monitor answers offline
    assert sim.resource_state("r", "n2") == "OFFLINE"
    assert _ok(sim, "hagrp -value g AutoDisabled n2").strip() == "0"
    _ok(sim, "hagrp -online g -sys n2")
    sim.settle()
    assert sim.group_state("g", "n2") == "ONLINE"
