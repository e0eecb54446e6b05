"""Engine rules settled in the second hunting pass, each case's expectation written from
the document docs/simulator.md cites for it before the case was run: a frozen child
faulting under a firm parent, a plain hastop and frozen groups, the query forms."""

from __future__ import annotations

from sim_helpers import WEB, cf

SYSTEMS = ("n1", "n2", "n3")

# web requires db online local firm; both start on n1.
DB_UNDER_WEB = (
    """group db (
    SystemList = { n1 = 0, n2 = 1, n3 = 2 }
    AutoStartList = { n1 }
)
    Dummy db_res (
    )

"""
    + WEB
    + """
    requires group db online local firm
"""
)


def _started(make_sim, body, name="run"):
    sim = make_sim(cf(SYSTEMS, body), name=name)
    sim.start()
    sim.settle()
    return sim


def _ok(sim, line):
    code, out, err = sim.command(line.split())
    assert code == 0, f"{line}: {err}"
    return out


def test_a_frozen_child_faulting_leaves_its_firm_parent_online(make_sim):
    # Admin 7.0, "About freezing service groups": freezing a group prevents VCS from taking
    # any action when the group faults, and prevents dependent resources from going offline;
    # VOX, "Freeze SG or Freeze Node ?": the frozen group may be seen as faulted, no
    # failover action. The child is neither taken offline nor failed over, so nothing
    # reaches its firm parent: the parent stays ONLINE beside it.
    sim = _started(make_sim, DB_UNDER_WEB)
    assert sim.group_state("web", "n1") == "ONLINE"
    _ok(sim, "hagrp -freeze db")
    sim.event("kill", resource="db_res", system="n1")
    sim.advance(300)
    sim.settle()
    assert sim.resource_state("db_res", "n1") == "FAULTED"
    assert sim.group_state("db", "n1") == "OFFLINE|FAULTED"
    assert sim.group_state("db", "n2") == "OFFLINE"
    assert sim.group_state("db", "n3") == "OFFLINE"
    assert sim.group_state("web", "n1") == "ONLINE"
    assert not any("clean" in line and "db_res" in line for line in sim.transcript.lines)


def test_a_plain_hastop_takes_a_frozen_group_offline_and_does_not_fail_it_over(make_sim):
    # User's 4.1, "Stopping VCS with Options Other Than -force": the groups running on the
    # system are taken offline and remain offline (no exception for frozen groups); Admin
    # 7.0, "About freezing service groups" speaks of faults, and a frozen group gets no
    # failover, so it does not come online elsewhere either.
    sim = _started(make_sim, WEB)
    _ok(sim, "hagrp -freeze web")
    _ok(sim, "hastop -sys n1")
    sim.advance(60)
    sim.settle()
    assert sim.system_state("n1") == "EXITED"
    assert sim.group_state("web", "n1") == "OFFLINE|AUTODISABLED"
    assert sim.group_state("web", "n2") == "OFFLINE"
    assert sim.group_state("web", "n3") == "OFFLINE"
    assert sim.resource_state("web_ctr", "n1") == "OFFLINE"


def test_hares_state_with_sys_and_no_resource_lists_every_resource_on_that_system(make_sim):
    # hares(1M) 7.3, synopsis: hares -state [RESOURCE] [-sys SYSTEM]; each resource's State
    # on that system only, in the #Resource table of hares -state.
    sim = _started(make_sim, WEB)
    out = _ok(sim, "hares -state -sys n2")
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["#Resource", "Attribute", "System", "Value"]
    assert sorted(rows[1:]) == [
        ["web_ctr", "State", "n2", "OFFLINE"],
        ["web_ip", "State", "n2", "OFFLINE"],
        ["web_pf", "State", "n2", "OFFLINE"],
    ]


# -- a group not yet probed on a system is autodisabled there ------------------------------
# hagrp(1M) VCS 2.0, -autoenable: "When VCS does not know the status of a given service
# group on a given system, it marks that service group as auto-disabled by setting the
# AutoDisabled attribute to 1 for that system. This can happen if VCS is not running on
# that system, or if all the resources in the service group on that system are not probed
# yet. A service group can not be onlined or failed over if it is auto-disabled."


SLOW_PROBE = {"entry_point": "monitor", "seconds": 5}


def _slow_probe_on_n2(make_sim, body, name="run"):
    sim = make_sim(cf(SYSTEMS, body), name=name)
    sim.event("slow", resource="web_ctr", system="n2", args=SLOW_PROBE)
    sim.start()
    sim.advance(1)
    return sim


def test_a_group_whose_probe_has_not_answered_is_autodisabled_there(make_sim):
    sim = _slow_probe_on_n2(make_sim, WEB.replace("AutoStartList = { n1 }", "AutoStart = 0"))
    assert _ok(sim, "hagrp -value web AutoDisabled n2").strip() == "1"
    assert _ok(sim, "hagrp -value web AutoDisabled n1").strip() == "0"
    code, _, err = sim.command(["hagrp", "-online", "web", "-sys", "n2"])
    assert code == 1
    assert "autodisabled on system n2" in err
    assert sim.group_state("web", "n2") == "OFFLINE|AUTODISABLED"
    sim.advance(30)
    sim.settle()
    # the probe answered: the group's state there is known, no longer autodisabled
    assert _ok(sim, "hagrp -value web AutoDisabled n2").strip() == "0"
    _ok(sim, "hagrp -online web -sys n2")
    sim.settle()
    assert sim.group_state("web", "n2") == "ONLINE"


def test_a_group_is_not_failed_over_to_a_system_where_it_is_not_yet_probed(make_sim):
    # n2 rejoins and its probe of web_ctr takes 5 s; n1 crashes meanwhile
    sim = _started(make_sim, WEB)
    assert sim.group_state("web", "n1") == "ONLINE"
    sim.event("crash", system="n2")
    sim.event("slow", resource="web_ctr", system="n2", args=SLOW_PROBE)
    sim.event("restart", system="n2")
    sim.advance(1)
    sim.event("crash", system="n1")
    sim.settle()
    # Priority would pick n2 (SystemList n2 = 1); it is autodisabled there, so n3
    assert sim.group_state("web", "n3") == "ONLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"


def test_hagrp_autoenable_lets_a_group_online_before_its_probe_answers(make_sim):
    # the same page: "you can use the autoenable option to clear the AutoDisabled flag"
    sim = _slow_probe_on_n2(make_sim, WEB.replace("AutoStartList = { n1 }", "AutoStart = 0"))
    _ok(sim, "hagrp -autoenable web -sys n2")
    assert _ok(sim, "hagrp -value web AutoDisabled n2").strip() == "0"
    _ok(sim, "hagrp -online web -sys n2")


def test_hares_online_of_a_resource_whose_child_is_offline_is_refused(make_sim):
    # User's 4.1, "Linking Resources": the parent resource "depends on child_resource being
    # online before going online itself"; the request is refused and changes nothing.
    sim = _started(make_sim, WEB.replace("AutoStartList = { n1 }", "AutoStart = 0"))
    code, _, err = sim.command(["hares", "-online", "web_pf", "-sys", "n1"])
    assert code == 1
    assert err.strip() == "VCS WARNING V-16-1-10265 Resource web_pf has children offline on n1"
    sim.settle()
    assert sim.resource_state("web_pf", "n1") == "OFFLINE"
    assert sim.group_state("web", "n1") == "OFFLINE"
    # with its children online it is accepted
    _ok(sim, "hares -online web_ip -sys n1")
    _ok(sim, "hares -online web_ctr -sys n1")
    sim.settle()
    _ok(sim, "hares -online web_pf -sys n1")
    sim.settle()
    assert sim.group_state("web", "n1") == "ONLINE"


# -- a system leaving, a child's system crashing, while a group is going online --------------


def test_hastop_while_a_group_goes_online_there_waits_then_leaves_it_offline(make_sim):
    # User's 4.1, "Stopping VCS": without -force VCS enters LEAVING and waits for all groups
    # to go offline on the system; "Stopping VCS with Options Other Than -force": they are
    # taken offline and remain offline. An online under way ends first (an entry point is
    # not interrupted: Admin 7.0, "Flushing service groups", note).
    sim = _started(make_sim, WEB.replace("AutoStartList = { n1 }", "AutoStart = 0"))
    sim.event("slow", resource="web_ctr", system="n1", args={"entry_point": "online", "seconds": 5})
    _ok(sim, "hagrp -online web -sys n1")
    sim.advance(2)
    _ok(sim, "hastop -sys n1")
    assert sim.system_state("n1") == "LEAVING"
    sim.advance(30)
    sim.settle()
    assert sim.system_state("n1") == "EXITED"
    for r in ("web_ip", "web_ctr", "web_pf"):
        assert sim.resource_state(r, "n1") == "OFFLINE"
    assert sim.group_state("web", "n1") == "OFFLINE|AUTODISABLED"
    assert sim.group_state("web", "n2") == "OFFLINE"
    assert sim.group_state("web", "n3") == "OFFLINE"


GLOBAL_FIRM = (
    """group db (
    SystemList = { n1 = 0, n2 = 1, n3 = 2 }
    AutoStartList = { n1 }
)
    Dummy db_res (
    )

"""
    + WEB.replace("AutoStartList = { n1 }", "AutoStart = 0")
    + """
    requires group db online global firm
"""
)


def test_a_global_firm_parent_going_online_when_its_child_system_crashes_follows_later(make_sim):
    # Admin 7.2 (Linux), "About failover parent / failover child", online global firm: the
    # parent is taken offline after the child is, and comes back by its own policy once the
    # child is online again. The parent was still starting (on n2) when n1 crashed.
    sim = _started(make_sim, GLOBAL_FIRM)
    assert sim.group_state("db", "n1") == "ONLINE"
    sim.event("slow", resource="web_ctr", system="n2", args={"entry_point": "online", "seconds": 5})
    _ok(sim, "hagrp -online web -sys n2")
    sim.advance(2)
    sim.event("crash", system="n1")
    sim.advance(60)
    sim.settle()
    assert sim.group_state("db", "n2") == "ONLINE"  # Priority: n2 = 1 is the lowest left
    assert sim.group_state("web", "n2") == "ONLINE"  # Priority: n2 = 1 again
    lines = [ln for ln in sim.transcript.lines if " n2 web " in ln]
    stopped = next(i for i, ln in enumerate(lines) if "STOPPING" in ln)
    assert "child db" in lines[stopped]
    assert lines[-1].endswith("-> ONLINE (online)")


def test_group_weight_limits_keep_one_group_per_system_and_stop_a_failover(make_sim):
    # Admin 7.0, "System limits and service group prerequisites": Prerequisites =
    # { GroupWeight = 1 } on each group and Limits = { GroupWeight = 1 } on each system
    # "ensure that only one service group can be online on a system at a time"; the
    # prerequisites decide the eligible systems, then FailOverPolicy chooses among them.
    text = 'include "types.cf"\ninclude "DummyTypes.cf"\n\ncluster sim (\n)\n\n'
    for s in SYSTEMS:
        text += f"system {s} (\n    Limits = {{ GroupWeight = 1 }}\n)\n\n"
    for g in ("g1", "g2", "g3"):
        text += (
            f"group {g} (\n    SystemList = {{ n1 = 0, n2 = 1, n3 = 2 }}\n"
            "    AutoStartList = { n1, n2, n3 }\n    Prerequisites = { GroupWeight = 1 }\n)\n"
            f"    Dummy {g}_res (\n    )\n\n"
        )
    sim = make_sim(text)
    sim.start()
    sim.settle()
    online = {g: [s for s, st in sim.states()[g].items() if st == "ONLINE"] for g in sim.states()}
    assert sorted(len(v) for v in online.values()) == [1, 1, 1]
    assert sorted(v[0] for v in online.values()) == ["n1", "n2", "n3"]
    lost = next(g for g, v in online.items() if v == ["n1"])
    sim.event("crash", system="n1")
    sim.settle()
    # n2 and n3 each hold a group already: no eligible system, it stays offline
    assert all(st == "OFFLINE" for st in sim.states()[lost].values())
    sim.event("restart", system="n1")
    sim.settle()
    _ok(sim, f"hagrp -online {lost} -any")
    sim.settle()
    assert sim.group_state(lost, "n1") == "ONLINE"


def test_hagrp_offline_has_no_ignoreparent_option(make_sim):
    # hagrp(1M) 5.0MP3 and 7.3, synopsis: -offline takes [-force] [-ifprobed] (7.3 also
    # [-propagate]), never -ignoreparent (a hares option); the command is refused with the
    # form's usage and the group stays online under its firm parent.
    sim = _started(make_sim, DB_UNDER_WEB)
    code, _, err = sim.command(["hagrp", "-offline", "-ignoreparent", "db", "-sys", "n1"])
    assert code == 1
    assert "unknown option -ignoreparent" in err
    assert "Usage:" in err
    sim.settle()
    assert sim.group_state("db", "n1") == "ONLINE"
    assert sim.group_state("web", "n1") == "ONLINE"


def test_value_of_an_unknown_attribute_is_refused_with_its_name_and_the_object(make_sim):
    # hagrp(1M), hares(1M), hasys(1M) 5.0MP3, synopsis (-value object attr [system]); the
    # message VCS prints is not in the stored copies: the simulator's refusal names the
    # attribute and the object, exit 1, nothing on stdout (docs/simulator.md, Commands).
    sim = _started(make_sim, WEB)
    for argv, what in (
        (["hagrp", "-value", "web", "NoSuch"], "group web"),
        (["hares", "-value", "web_ip", "NoSuch"], "resource web_ip"),
        (["hasys", "-value", "n1", "NoSuch"], "system n1"),
    ):
        code, out, err = sim.command(argv)
        assert (code, out) == (1, "")
        assert err.strip() == f"VCS WARNING V-16-1-10510 Attribute NoSuch does not exist for {what}"
