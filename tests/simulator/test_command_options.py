"""Options the ha* manual pages document, each written from the page's SYNOPSIS before it
was first run: accepted with the documented meaning where the simulator models it, else
accepted as a form and answered "not modelled" (docs/simulator.md, "ha* shims")."""

from __future__ import annotations

import pytest
from sim_helpers import cf

GROUPS = """group g (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy r1 (
    )
    Dummy r2 (
    )
    r1 requires r2

group pre (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
    PreOnline = 1
)
    Dummy p1 (
    )
"""


@pytest.fixture
def sim(make_sim):
    s = make_sim(cf(["n1", "n2"], GROUPS)).start()
    s.settle()
    return s


def ok(sim, line):
    code, out, err = sim.command(line.split())
    assert code == 0, f"{line}: {err}"
    return out


def refused(sim, line, why):
    code, out, err = sim.command(line.split())
    assert code == 1, f"{line} was accepted: {out}"
    assert why in err, err
    return err


# -- -clus / -localclus where the pages give them ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # hagrp(1M) 5.0MP3, hares(1M) 5.0MP3 and 7.3, hasys(1M) 5.0MP3 and 7.2, SYNOPSIS:
        # "-wait ... [-clus cluster] [-sys system] [-time timeout]"
        "hagrp -wait g State ONLINE -clus sim -sys n1 -time 5",
        "hares -wait r1 State ONLINE -clus sim -sys n1 -time 5",
        "hasys -wait n1 SysState RUNNING -clus sim -time 5",
        # hares(1M) 5.0MP3 and 7.3: -display, -state, -list, -value [-clus cluster | -localclus]
        "hares -display r1 -localclus",
        "hares -state r1 -sys n1 -clus sim",
        "hares -list Enabled=1 -localclus",
        "hares -value r1 State n1 -clus sim",
    ],
)
def test_the_documented_cluster_options_name_the_one_cluster(sim, line):
    words = line.split()
    at = words.index("-clus") if "-clus" in words else words.index("-localclus")
    plain = words[:at] + words[at + (2 if words[at] == "-clus" else 1) :]
    assert ok(sim, line) == ok(sim, " ".join(plain))


def test_another_cluster_on_wait_and_hares_queries_is_refused(sim):
    refused(sim, "hagrp -wait g State ONLINE -clus far -time 5", "Cluster far does not exist")
    refused(sim, "hares -value r1 State n1 -clus far", "Cluster far does not exist")


# -- hagrp -switch ... -localclus -nopre -------------------------------------------------------


def test_switch_nopre_brings_the_group_online_without_the_preonline_trigger(sim):
    # hagrp(1M) 5.0MP3 and 7.3: "hagrp -switch group -to system [-clus cluster | -localclus
    # [-nopre]]"; -nopre is the preonline trigger's own way past itself (User's 5.0MP3,
    # "preonline event trigger"), so the switch completes at once.
    assert sim.group_state("pre", "n1") == "ONLINE"  # autostart calls no preonline
    # the trigger installed (without one VCS goes on: the same page)
    for system in ("n1", "n2"):
        sim.event("install_trigger", system=system, args={"name": "preonline"})
    ok(sim, "hagrp -switch pre -to n2 -localclus -nopre")
    sim.settle()
    assert sim.group_state("pre", "n2") == "ONLINE"
    assert sim.group_state("pre", "n1") == "OFFLINE"
    # without -nopre the switch waits for the trigger, as before
    ok(sim, "hagrp -switch pre -to n1")
    sim.settle()
    assert sim.group_state("pre", "n1") == "OFFLINE"
    assert sim.group_state("pre", "n2") == "OFFLINE"


def test_switch_nopre_goes_only_with_localclus(sim):
    refused(sim, "hagrp -switch pre -to n2 -nopre", "-nopre")
    refused(sim, "hagrp -switch pre -any -localclus -nopre", "-nopre")


# -- -help -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, shows",
    [
        # hagrp(1M) 5.0MP3: hagrp -help [-modify | -link | -list]
        ("hagrp -help", "hagrp -online"),
        ("hagrp -help -link", "hagrp -link"),
        # hares(1M) 5.0MP3 and 7.3: hares -help [-modify | -list]
        ("hares -help -modify", "hares -modify"),
        # hasys(1M) 5.0MP3 and 7.2: hasys [-help [-modify | -list]]
        ("hasys -help -list", "hasys -list"),
        # hatype(1M) 7.4.1: hatype [-help [-modify | -list]]
        ("hatype -help", "hatype -value"),
        # hastop(1M) 5.0: hastop [-help]; Admin 6.0, "Stopping the VCS engine ...": -help
        # "Displays command usage"
        ("hastop -help", "hastop -all"),
        # haattr(1M) 7.3: haattr [-help]
        ("haattr -help", "haattr -default"),
        # haconf(1M) 5.0MP2: haconf -help, "Display information about this command"
        ("haconf -help", "haconf -dump"),
    ],
)
def test_help_prints_the_usage(sim, line, shows):
    out = ok(sim, line)
    assert shows in out
    if line.endswith(("-link", "-modify", "-list")):
        assert all(w.split()[1] == line.split()[-1] for w in out.splitlines() if w.strip())


# -- documented, not modelled ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # hares(1M) 5.0MP3 and 7.3
        "hares -refreshinfo r1 -sys n1 -localclus",
        "hares -flushinfo r1 -clus sim",
        "hares -display -ovalues r1",
        # hares(1M) 7.3: the "at least" resource dependency
        "hares -dep -atleast r1",
        "hares -link r1 r2, p1 -min 1",
        # hasys(1M) 5.0MP3 and 7.2
        "hasys -updatelic -sys n1",
        "hasys -updatelic -all",
        # InfoScale 7.4.1 Patch 1200 Release Notes (Linux), "Stopping VCS without evacuating
        # service groups": hastop -sysoffline -noautodisable
        "hastop -sysoffline -noautodisable",
        # haattr(1M) 7.3: haattr -display {cluster | group | system | heartbeat | restype}
        "haattr -display group",
        "haattr -display Dummy",
    ],
)
def test_documented_but_not_modelled(sim, line):
    before = sim.state_table()
    refused(sim, line, "not modelled")
    assert sim.state_table() == before


def test_unlink_of_several_children_removes_each_link(sim):
    # hares(1M) 7.3, SYNOPSIS: "hares -unlink parent_res child_res1, child_res2..."; each
    # link goes as "hares -unlink parent_res child_res" removes it (the 7.3 page lists both).
    ok(sim, "haconf -makerw")
    ok(sim, "hares -add r3 Dummy g")
    ok(sim, "hares -link r1 r3")
    refused(sim, "hares -unlink r1 r2, p1", "p1")  # p1 is not a child of r1: nothing goes
    assert {c.name for c in sim.engine.resource("r1").children} == {"r2", "r3"}
    ok(sim, "hares -unlink r1 r2, r3")
    assert sim.engine.resource("r1").children == []
