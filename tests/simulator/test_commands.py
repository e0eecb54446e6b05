"""The ha* commands on the simulated engine, both sides of each documented form: what VCS
accepts is accepted and does what VCS does; what VCS refuses is refused, naming why, and
changes nothing (the forms: vcs_types/haforms.py)."""

from __future__ import annotations

import pytest
from sim_helpers import WEB, cf

from vxha.vcs_types.cf import parse_file

STORAGE = """group web_storage (
    SystemList = { n1 = 0, n2 = 1, n3 = 2 }
    AutoStartList = { n1, n2, n3 }
    Parallel = 1
)
    Dummy web_mnt (
    )

"""
BIG = """group big (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
    Load = { CPU = 2, Mem = 1024 }
)
    Dummy big_res (
    )

"""


@pytest.fixture
def sim(make_sim):
    text = cf(
        ["n1", "n2", "n3"],
        STORAGE + BIG + WEB + "    requires group web_storage online local firm\n",
    )
    s = make_sim(text).start()
    s.settle()
    return s


def ok(sim, line):
    code, out, err = sim.command(line.split() if isinstance(line, str) else line)
    assert code == 0, f"{line}: {err}"
    return out


def refused(sim, line, why):
    """The command fails naming ``why``, and the configuration is as it was."""
    before = _config(sim)
    code, out, err = sim.command(line.split() if isinstance(line, str) else line)
    assert code == 1, f"{line} was accepted: {out}"
    assert why in err, err
    assert _config(sim) == before, f"{line} changed the configuration"
    return err


def _config(sim):
    from vxha.vcs_types.cf import write

    return write(sim.engine.config)


def rw(sim):
    ok(sim, "haconf -makerw")


# -- haconf ------------------------------------------------------------------------------------


def test_haconf_sessions(sim):
    refused(sim, "haconf -dump", "V-16-1-10369 Cluster not writable")
    rw(sim)
    refused(sim, "haconf -makerw", "V-16-1-10364 Cluster already writable")
    ok(sim, "haconf -dump")
    assert sim.engine.writable  # -dump alone keeps the session open
    ok(sim, "haconf -dump -makero")
    refused(sim, "hagrp -add db", "V-16-1-10369")


def test_a_persistent_freeze_undone_leaves_no_trace_in_main_cf(sim):
    """-unfreeze -persistent sets Frozen back to its default (0), and a default is not
    written: the dumped main.cf is as before the freeze (not documented: chosen because
    main.cf holds what the configuration sets, and an admin's file would otherwise gain a
    `Frozen = 0` line for each freeze ever undone)."""
    rw(sim)
    before = _config(sim)
    for obj in (["hagrp", "web"], ["hasys", "n2"]):
        ok(sim, [obj[0], "-freeze", obj[1], "-persistent"])
        assert "Frozen = 1" in _config(sim)
        ok(sim, [obj[0], "-unfreeze", obj[1], "-persistent"])
        assert _config(sim) == before
        assert ok(sim, [obj[0], "-value", obj[1], "Frozen"]).strip() == "0"


# -- hagrp configuration -----------------------------------------------------------------------


def test_link_needs_category_and_location(sim):
    rw(sim)
    ok(sim, "hagrp -add db")
    ok(sim, "hagrp -modify db SystemList n1 0 n2 1")
    err = refused(sim, "hagrp -link db web", "missing CATEGORY")
    assert "hagrp -link PARENT CHILD CATEGORY LOCATION [RIGIDITY]" in err
    refused(sim, "hagrp -link db web online", "missing LOCATION")
    ok(sim, "hagrp -link db web online global")
    dep = sim.engine.group("db").deps[0]
    assert (dep.category, dep.location, dep.rigidity) == ("online", "global", "firm")
    refused(sim, "hagrp -unlink web db", "does not depend on")
    ok(sim, "hagrp -unlink db web")


def test_a_hard_link_is_refused_anywhere_but_online_local(sim):
    """hacf -verify refuses `hard` outside `online local`; -link must not make such a
    configuration (and -dump write it)."""
    rw(sim)
    ok(sim, "hagrp -add db")
    ok(sim, "hagrp -modify db SystemList n1 0 n2 1")
    for location in ("global", "remote"):
        refused(sim, f"hagrp -link db web online {location} hard", "only as online local")
    assert sim.engine.group("db").deps == []
    ok(sim, "hagrp -link db web online global firm")


def test_a_resource_is_refused_online_where_its_group_dependency_is_not_met(sim):
    """A resource online makes its group partially online there: refused as hagrp -online
    is where the group's child is not online (online local firm on web_storage)."""
    ok(sim, "hagrp -offline web -sys n1")
    ok(sim, "hagrp -offline web_storage -sys n2")
    sim.settle()
    refused(sim, "hares -online web_ip -sys n2", "requires group web_storage")
    assert sim.resource_state("web_ip", "n2") == "OFFLINE"
    ok(sim, "hares -online web_ip -sys n3")


def test_group_attributes_known_and_unknown(sim):
    rw(sim)
    refused(
        sim, "hagrp -modify web NoSuchAttr 1", "Attribute NoSuchAttr does not exist for group web"
    )
    refused(sim, "hagrp -modify web State ONLINE", "cannot be modified")
    refused(sim, "hagrp -modify web Frozen 1", "use hagrp -freeze | -unfreeze GROUP -persistent")
    refused(sim, "hagrp -modify web AutoFailOver maybe", "not an integer")
    ok(sim, "hagrp -modify web AutoFailOver 0")
    assert sim.engine.group("web").autofailover == 0
    # Enabled through -modify is accepted (VCS does); the documented way is -disable.
    ok(sim, "hagrp -modify web Enabled 0 -sys n2")
    assert ok(sim, "hagrp -value web Enabled n2").strip() == "0"


def test_sys_only_for_a_localized_attribute(sim):
    rw(sim)
    refused(sim, "hagrp -modify web UserStrLocal x -sys n2", "not local: -sys needs it localized")
    ok(sim, "hagrp -local web UserStrLocal")
    refused(sim, "hagrp -modify web UserStrLocal x", "is local: give -sys SYSTEM")
    ok(sim, ["hagrp", "-modify", "web", "UserStrLocal", "under maintenance", "-sys", "n2"])
    refused(sim, "hagrp -modify web UserStrLocal x -sys n9", "System n9 does not exist")
    assert ok(sim, "hagrp -value web UserStrLocal n2").strip() == "under maintenance"
    assert ok(sim, "hagrp -value web UserStrLocal n1").strip() == ""
    refused(sim, "hagrp -global web UserStrLocal", "missing VALUE")
    ok(sim, "hagrp -global web UserStrLocal one")
    assert ok(sim, "hagrp -value web UserStrLocal n2").strip() == "one"
    refused(sim, "hagrp -global web UserStrLocal two", "is not local")


def test_clearing_an_association_is_delete_keys(sim):
    rw(sim)
    err = refused(sim, "hagrp -modify big Load 0", "key value pairs")
    assert "-delete -keys" in err
    ok(sim, "hagrp -modify big Load -update CPU 4")
    assert sim.engine.group("big").load == {"CPU": 4, "Mem": 1024}
    refused(sim, "hagrp -modify big Load -add CPU 1", "already exists")
    ok(sim, "hagrp -modify big Load -delete Mem")
    ok(sim, "hagrp -modify big Load -delete -keys")
    assert sim.engine.group("big").model.attrs["Load"] == {}
    # One number is still a Load-policy Load where no association is set.
    ok(sim, "hagrp -modify web Load 20")
    assert sim.engine.group("web").load == 20


def test_values_starting_with_a_dash_are_escaped(sim):
    rw(sim)
    refused(sim, "hagrp -modify web UserStrGlobal -pool2", "written %-pool2")
    ok(sim, "hagrp -modify web UserStrGlobal %-pool2")
    ok(sim, "hagrp -modify web_storage UserStrGlobal %%50")
    assert sim.engine.group("web").model.attrs["UserStrGlobal"] == "-pool2"
    assert ok(sim, "hagrp -value web_storage UserStrGlobal").strip() == "%50"


def test_systemlist_operations(sim):
    rw(sim)
    ok(sim, "hagrp -modify big SystemList -add n3 2")
    assert sim.engine.group("big").systemlist == {"n1": 0, "n2": 1, "n3": 2}
    refused(sim, "hagrp -modify big SystemList -add n3 5", "already exists")
    refused(sim, "hagrp -modify big SystemList n1", "key value pairs")
    ok(sim, "hagrp -modify big AutoStartList -add n2")
    refused(sim, "hagrp -modify big AutoStartList -add n2", "already in the keylist")
    refused(sim, "hagrp -modify big AutoStartList -delete n9", "not found")


def test_a_system_dropped_from_the_systemlist_is_no_longer_monitored(sim):
    # Its resources' monitors were already scheduled when the system left the group.
    ok(sim, "hagrp -offline web_storage -sys n3")
    sim.settle()
    rw(sim)
    ok(sim, "hagrp -modify web_storage SystemList n1 0 n2 1")
    sim.advance(600)
    assert sim.engine.group("web_storage").systemlist == {"n1": 0, "n2": 1}
    assert [sim.group_state("web_storage", s) for s in ("n1", "n2")] == ["ONLINE"] * 2


def test_online_offline_need_sys_or_any(sim):
    refused(sim, "hagrp -offline web", "needs -sys or -any")
    refused(sim, "hagrp -online big -sys n2 -any", "exactly one of -sys or -any")
    refused(sim, "hagrp -online web -force -sys n2", "-force is documented but not modelled")
    refused(sim, "hagrp -online web -propagate -sys n2", "already online on system n1")
    ok(sim, "hagrp -offline web -sys n1")
    sim.settle()
    ok(sim, "hagrp -online web -any")
    refused(sim, "hagrp -switch web", "needs -to or -any")
    refused(sim, "hagrp -flush web", "needs -sys")


def test_nopre_only_with_sys(sim):
    ok(sim, "hagrp -offline web -sys n1")
    sim.settle()
    refused(sim, "hagrp -online -nopre web -any", "-nopre needs -sys SYSTEM")
    refused(sim, "hagrp -online -nopre -propagate web -sys n2", "-nopre needs -sys SYSTEM")
    refused(sim, "hagrp -switch web -to n2 -nopre", "-nopre")
    ok(sim, "hagrp -online -nopre web -sys n2")
    sim.settle()
    assert "ONLINE" in ok(sim, "hagrp -state web -sys n2")


def test_freeze_forms(sim):
    refused(sim, "hagrp -freeze web -persistent", "V-16-1-10369")
    ok(sim, "hagrp -freeze web")
    assert ok(sim, "hagrp -value web TFrozen").strip() == "1"
    ok(sim, "hagrp -unfreeze web")
    rw(sim)
    ok(sim, "hagrp -freeze web -persistent")
    assert ok(sim, "hagrp -value web Frozen").strip() == "1"


def test_a_temporary_group_freeze_is_not_in_the_configuration(sim):
    ok(sim, "hagrp -freeze web")
    rw(sim)
    ok(sim, "hagrp -modify web UserStrGlobal x")
    assert ok(sim, "hagrp -value web TFrozen").strip() == "1"
    assert "TFrozen" not in _config(sim)
    ok(sim, "hagrp -freeze big -persistent")
    assert "Frozen = 1" in _config(sim)
    refused(sim, "hagrp -online web -sys n2", "frozen")
    ok(sim, "hagrp -unfreeze web")
    assert ok(sim, "hagrp -value web TFrozen").strip() == "0"


def test_autoenable(sim):
    gi = sim.engine.group("web").insts["n2"]
    gi.autodisabled = True
    refused(sim, "hagrp -autoenable web", "needs -sys")
    ok(sim, "hagrp -autoenable web -sys n2")
    assert not gi.autodisabled


# -- hares -------------------------------------------------------------------------------------


def test_resource_add_and_delete(sim):
    rw(sim)
    refused(sim, "hares -add x NoSuchType web", "Type NoSuchType does not exist")
    ok(sim, "hares -add web_extra Dummy web")
    assert ok(sim, "hares -value web_extra Enabled").strip() == "0"
    # An online resource is deleted too (DeleteOnlineResource = 1, the default), links
    # with it.
    assert sim.resource_state("web_pf", "n1") == "ONLINE"
    ok(sim, "hares -delete web_ctr")
    assert "web_ctr" not in sim.engine.resources
    assert [c.name for c in sim.engine.resource("web_pf").children] == ["web_ip"]
    ok(sim, "haclus -modify DeleteOnlineResource 0")
    refused(sim, "hares -delete web_pf", "DeleteOnlineResource is 0")
    ok(sim, "hares -delete -force web_pf")


def test_a_parent_must_be_a_resource_vcs_takes_offline(sim):
    # User's Guide 4.1 (HP-UX), "Additional Considerations for Linking Resources": the
    # parent cannot be a resource whose Operations is None or OnOnly; such a child is fine.
    rw(sim)
    ok(sim, "hares -add web_proxy Proxy web")
    ok(sim, "hares -add web_daemon ProcessOnOnly web")
    refused(sim, "hares -link web_proxy web_ip", "Operations = None")
    refused(sim, "hares -link web_daemon web_ip", "Operations = OnOnly")
    ok(sim, "hares -link web_ip web_daemon")
    assert [c.name for c in sim.engine.resource("web_ip").children] == ["web_daemon"]


def test_static_attributes_need_an_override(sim):
    rw(sim)
    err = refused(sim, "hares -modify web_ctr MonitorInterval 30", "static attribute")
    assert "hares -override web_ctr MonitorInterval" in err
    refused(sim, "hares -override web_ctr NoSuch", "not a static attribute")
    refused(sim, "hares -undo_override web_ctr MonitorInterval", "not overridden")
    ok(sim, "hares -override web_ctr MonitorInterval")
    assert ok(sim, "hares -value web_ctr MonitorInterval").strip() == "60"
    refused(sim, "hares -override web_ctr MonitorInterval", "already overridden")
    ok(sim, "hares -modify web_ctr MonitorInterval 30")
    assert ok(sim, "hares -value web_ctr MonitorInterval").strip() == "30"
    assert ok(sim, "hares -value web_ip MonitorInterval").strip() == "60"
    ok(sim, "hares -undo_override web_ctr MonitorInterval")
    assert ok(sim, "hares -value web_ctr MonitorInterval").strip() == "60"


def test_static_attributes_the_guides_keep_type_level_cannot_be_overridden(sim):
    # ADG 7.3 and 9.0: "The AEPTimeout attribute value cannot be overridden"; Meters and
    # MeterControl likewise (ADG 7.3), ArgList (ADG 5.0MP3)
    rw(sim)
    for attr in ("AEPTimeout", "Meters", "MeterControl", "ArgList"):
        err = refused(sim, f"hares -override web_ctr {attr}", f"{attr} cannot be overridden")
        assert err.startswith("VCS WARNING V-16-1-10553 "), err
        assert "Agent Developer's Guide" in err
    ok(sim, "hares -override web_ctr MonitorStatsParam")


def test_resource_local_global_and_dump(sim, tmp_path):
    rw(sim)
    refused(sim, "hares -modify web_ctr Critical 0 -sys n1", "not local")
    ok(sim, "hares -local web_ctr Critical")
    ok(sim, "hares -modify web_ctr Critical 0 -sys n2")
    ok(sim, "hares -override web_ip OnlineTimeout")
    ok(sim, "hares -modify web_ip OnlineTimeout 77")
    ok(sim, "haconf -dump -makero")
    cfg = parse_file(sim.engine.config_path)
    _, r = cfg.find_resource("web_ctr")
    assert r.local["Critical"] == {"n1": 1, "n2": 0, "n3": 1}
    assert cfg.find_resource("web_ip")[1].attrs["OnlineTimeout"] == 77
    assert sim.engine.config_path and not (tmp_path / "run" / ".stale").exists()


def test_probe_needs_sys(sim):
    refused(sim, "hares -probe web_ctr", "needs -sys")
    ok(sim, "hares -probe web_ctr -sys n2")


# -- hasys, haclus -----------------------------------------------------------------------------


def test_systems_added_modified_deleted(sim):
    rw(sim)
    ok(sim, "hasys -add n4")
    assert ok(sim, "hasys -value n4 SysState").strip() == "UNKNOWN"
    refused(sim, "hasys -add n4", "already exists")
    refused(sim, "hasys -delete n1", "only an EXITED or UNKNOWN system")
    ok(sim, "hagrp -modify big SystemList -add n4 3")
    refused(sim, "hasys -delete n4", "in the SystemList of big")
    ok(sim, "hagrp -modify big SystemList -delete n4")
    ok(sim, "hasys -delete n4")
    assert "n4" not in sim.engine.systems
    ok(sim, "hasys -modify n1 Capacity CPU 16 Mem 65536")
    assert sim.engine.system("n1").capacity == {"CPU": 16, "Mem": 65536}
    refused(sim, "hasys -modify n1 Capacity 0", "key value pairs")
    ok(sim, "hasys -modify n1 Capacity -delete -keys")
    refused(sim, "hasys -modify n1 Frozen 1", "use hasys -freeze")
    refused(sim, "hasys -modify n1 Bogus 1", "Attribute Bogus does not exist")


def test_an_added_system_joins_when_it_starts(sim):
    rw(sim)
    ok(sim, "hasys -add n4")
    ok(sim, "hagrp -modify web_storage SystemList -add n4 3")
    ok(sim, "hagrp -modify web_storage AutoStartList -add n4")
    sim.event("restart", system="n4")
    sim.settle()
    assert sim.system_state("n4") == "RUNNING"
    assert sim.group_state("web_storage", "n4") == "ONLINE"


def test_cluster_attributes(sim):
    refused(sim, "haclus -modify Statistics Enabled", "V-16-1-10369")
    rw(sim)
    ok(sim, "haclus -modify Statistics Enabled")
    assert sim.engine.statistics
    assert ok(sim, "haclus -value Statistics").strip() == "Enabled"
    refused(sim, "haclus -modify NoSuch 1", "does not exist for the cluster")
    ok(sim, "haclus -modify Administrators admin ops")
    refused(sim, ["haclus", "-modify", "Administrators", ""], "empty word is no key")
    ok(sim, "haclus -modify Administrators -delete -keys")
    out = ok(sim, "haclus -display")
    assert out.splitlines()[0].split() == ["#Attribute", "Value"]
    assert ["ClusterName", "sim"] in [line.split() for line in out.splitlines()]


# -- hatype, haattr ----------------------------------------------------------------------------


def test_types_added_when_not_listed(sim):
    rw(sim)
    listed = ok(sim, "hatype -list").split()
    assert "Dummy" in listed and "MyType" not in listed
    refused(sim, "hatype -add Dummy", "Type Dummy already exists")
    ok(sim, "hatype -add MyType")
    ok(sim, "haattr -add MyType Path -string -scalar %-x")
    ok(sim, "haattr -add -temp MyType Scratch -integer")
    ok(sim, "haattr -add -static MyType Tries -integer -scalar 3")
    refused(sim, "haattr -add MyType Path -string", "already exists")
    refused(sim, "haattr -add -temp -static MyType X", "exclude each other")
    decl = sim.engine.types["MyType"].decl
    assert decl.attrs["Path"].default == "-x" and decl.attrs["Scratch"].temp
    ok(sim, "hatype -modify MyType ArgList Path")
    refused(sim, "hatype -modify MyType ArgList Nope", "unknown attribute Nope")
    ok(sim, "hatype -modify MyType Tries 5")
    refused(sim, "hatype -modify MyType Path y", "not a static attribute")
    assert ok(sim, "hatype -value MyType Tries").strip() == "5"
    ok(sim, "hares -add mine MyType web")
    refused(sim, "hatype -delete MyType", "has resources")
    assert "mine" in ok(sim, "hatype -resources MyType").split()


# -- queries -----------------------------------------------------------------------------------


def test_display_tables(sim):
    out = ok(sim, "hagrp -display web")
    rows = [line.split(None, 3) for line in out.splitlines()[1:]]
    assert out.splitlines()[0].split() == ["#Group", "Attribute", "System", "Value"]
    assert ["web", "State", "n1", "|ONLINE|"] in rows
    assert ["web", "SystemList", "global", "n1 0 n2 1 n3 2"] in rows
    assert ["web", "AutoFailOver", "global", "1"] in rows
    out = ok(sim, "hagrp -display -attribute State -sys n2")
    assert {tuple(r.split()) for r in out.splitlines()[1:]} == {
        ("web_storage", "State", "n2", "|ONLINE|"),
        ("big", "State", "n2", "|OFFLINE|"),
        ("web", "State", "n2", "|OFFLINE|"),
    }
    refused(sim, "hagrp -display web -attribute Nope", "Attribute Nope does not exist")
    out = ok(sim, "hares -display -group web -attribute State Type")
    rows = {tuple(line.split()) for line in out.splitlines()[1:]}
    assert ("web_ctr", "Type", "global", "Dummy") in rows
    assert ("web_ip", "State", "n1", "ONLINE") in rows
    assert not any(r[0].startswith("big") for r in rows)
    out = ok(sim, "hasys -display n1 -attribute SysState")
    assert out.splitlines()[1].split() == ["n1", "SysState", "RUNNING"]


def test_lists_and_conditions(sim):
    rows = [line.split() for line in ok(sim, "hagrp -list Parallel=1").splitlines()]
    assert rows == [["web_storage", "n1"], ["web_storage", "n2"], ["web_storage", "n3"]]
    rows = [line.split() for line in ok(sim, "hagrp -list State=|ONLINE|").splitlines()]
    assert ["web", "n1"] in rows and ["web", "n2"] not in rows
    assert ok(sim, "hasys -list SysState=RUNNING").split() == ["n1", "n2", "n3"]
    refused(sim, "hagrp -list Parallel", "is not a condition")


def test_dependencies_and_no_dependencies(make_sim):
    s = make_sim(cf(["n1"], "group g (\n    SystemList = { n1 = 0 }\n)\n    Dummy r (\n    )\n"))
    s.start()
    refused(s, "hagrp -dep", "V-16-1-50035 No Group dependencies are configured")
    refused(s, "hares -dep", "V-16-1-50034 No Resource dependencies are configured")


def test_forecast(sim):
    assert ok(sim, "hagrp -forecast web").strip() == "n2"
    ok(sim, "hasys -freeze n2")
    out = ok(sim, "hagrp -forecast web -verbose").splitlines()
    assert out[0] == "n3"
    assert [line.split(None, 1) for line in out[1:]] == [
        ["n1", "online here"],
        ["n2", "system frozen"],
        ["n3", "target"],
    ]
    refused(sim, "hagrp -forecast web_storage", "parallel")


def test_wait(sim):
    ok(sim, "hagrp -offline web -sys n1")
    start = sim.now
    ok(sim, "hagrp -wait web State OFFLINE -sys n1 -time 60")
    assert sim.group_state("web", "n1") == "OFFLINE" and sim.now - start <= 60
    refused(sim, "hagrp -wait web State ONLINE -sys n1 -time 30", "V-16-1-10805")
    assert sim.now >= start + 30


def test_hastatus_summary(sim):
    sim.event("kill", resource="big_res", system="n1")
    sim.advance(120)
    out = ok(sim, "hastatus -sum").splitlines()
    # Written from the layout administrators' transcripts show, before the first run.
    assert out[:5] == [
        "",
        "-- SYSTEM STATE",
        "-- System               State                Frozen",
        "",
        "A  n1                   RUNNING              0",
    ]
    assert "-- Group           System               Probed     AutoDisabled    State" in out
    assert "B  web             n1                   Y          N               ONLINE" in out
    assert "C  big             Dummy                big_res              n1" in out


def test_documented_but_not_modelled(sim):
    for line in (
        "hagrp -offline web -force -sys n1",
        "hagrp -online big -force -sys n2",
        "hares -online web_ip -force -sys n2",
        "hasys -load n1 5",
    ):
        refused(sim, line, "not modelled by the simulator")


def test_forms_only_their_synopsis_or_use_shows_are_not_modelled(sim):
    # hasys(1M) 7.2 SYNOPSIS; VCS 4.1 User's Guide, "Starting VCS" (hasys -force); haagent
    # as Veritas's installer scripts run it: parsed, then answered "not modelled" (exit 1).
    for line in (
        "hasys -nodeid",
        "hasys -nodeid 1",
        "hasys -util n1",
        "hasys -dumptunables n1",
        "hasys -force n1",
        "haagent -list",
        "haagent -display",
        "haagent -display Dummy",
        "haagent -start Dummy -sys n1",
        "haagent -stop Dummy -force -sys n1",
        "hastatus",
        "hastatus -group web",
    ):
        refused(sim, line, "not modelled by the simulator")
    # ... and what is not one of those forms is a usage error, not "not modelled"
    err = refused(sim, "haagent -stop -sys n1", "missing AGENT")
    assert "not modelled" not in err
    refused(sim, "hasys -nodeid 1 2", "unexpected argument 2")
    refused(sim, "hastatus -sum web", "unexpected argument web")
    refused(sim, "hastatus -bogus", "hastatus: unknown option -bogus")


def test_the_cluster_options_name_the_one_cluster_the_simulator_runs(sim):
    # hagrp(1M) 5.0MP3 and 7.3, hasys(1M) 7.2 SYNOPSIS: [-clus cluster | -localclus]. The
    # simulator runs one cluster (sim_helpers: "cluster sim"): -localclus and -clus sim
    # act on it as the command without them; another cluster is refused, changing nothing.
    plain = ok(sim, "hagrp -state web -sys n1")
    assert ok(sim, "hagrp -state web -sys n1 -localclus") == plain
    assert ok(sim, "hagrp -state -clus sim web -sys n1") == plain
    assert ok(sim, "hasys -value n1 SysState -localclus") == ok(sim, "hasys -value n1 SysState")
    refused(sim, "hagrp -state web -clus remote", "Cluster remote does not exist")
    refused(sim, "hagrp -offline web -sys n1 -clus remote", "Cluster remote does not exist")
    assert sim.group_state("web", "n1") == "ONLINE"
    refused(sim, "hagrp -state web -clus sim -localclus", "-clus and -localclus exclude each other")
    refused(sim, "hagrp -enable web -localclus", "unknown option -localclus")
    # a temporary freeze takes them, a persistent one does not (5.0MP3 and 7.3 SYNOPSIS)
    ok(sim, "hagrp -freeze web -localclus")
    ok(sim, "hagrp -unfreeze web -localclus")
    rw(sim)
    refused(sim, "hagrp -freeze web -persistent -localclus", "exclude each other")
    ok(sim, "hagrp -switch web -to n2 -localclus")
    sim.settle()
    assert sim.group_state("web", "n2") == "ONLINE"


def test_checkpartial_and_site_are_documented_but_not_modelled(sim):
    # hagrp(1M) 5.0MP3 and 7.3 SYNOPSIS: -online ... -sys system [-checkpartial system];
    # 7.3: -online | -offline | -switch group -site site (in place of -sys, -any, -to)
    for line in (
        "hagrp -online big -sys n2 -checkpartial n1",
        "hagrp -online web -site east",
        "hagrp -offline web -site east",
        "hagrp -switch web -site east",
        "hagrp -online -propagate web -site east",
    ):
        refused(sim, line, "not modelled by the simulator")
    refused(
        sim, "hagrp -online web -site east -sys n2", "needs exactly one of -sys or -any or -site"
    )
    assert sim.group_state("web", "n1") == "ONLINE"


def test_haclus_state(sim):
    # As public administrators' scripts read it (grep RUNNING, the cluster's name first on
    # the last line, a '#' header), in the layout of hasys -state (chosen, docs/simulator.md).
    out = ok(sim, "haclus -state")
    assert out == (
        "#Cluster   Attribute               Value\nsim        ClusState               RUNNING\n"
    )
    for line in ("haclus -state sim", "haclus -state -localclus", "haclus -state -clus sim"):
        assert ok(sim, line) == out
    assert ok(sim, "haclus -value ClusState") == "RUNNING\n"  # the same word, as SysState
    refused(sim, "haclus -state remote", "Cluster remote does not exist")
    refused(sim, "haclus -state -clus remote", "Cluster remote does not exist")
    ok(sim, "hastop -all -force")
    sim.advance(30)
    refused(sim, "haclus -state", "VCS is not running on any system")


# -- hastart (VCS 4.1 User's Guide, "Starting VCS") -------------------------------------------


def typed_on(sim, system, line):
    """``line`` typed on ``system`` (as an events file's cmd with system: types it)."""
    sim.engine.local_system = system
    try:
        return sim.command(line.split())
    finally:
        sim.engine.local_system = None


def test_hastart_starts_vcs_where_hastop_stopped_it(sim):
    ok(sim, "hastop -sys n3")
    sim.advance(30)
    assert sim.system_state("n3") == "EXITED"
    code, _, err = typed_on(sim, "n3", "hastart")
    assert code == 0, err
    sim.advance(60)
    # A system joining running ones builds from them and enters RUNNING (User's 4.1,
    # "Starting VCS"); VCS probes every resource there when it starts (Admin 6.0.1).
    assert sim.system_state("n3") == "RUNNING"
    assert ok(sim, "hares -value web_ctr Probed n3").strip() == "1"
    assert sim.group_state("web", "n3") == "OFFLINE"


def test_hastart_in_an_events_file_cmd_starts_vcs_on_its_system(sim):
    ok(sim, "hastop -sys n2")
    sim.advance(30)
    sim.event("cmd", system="n2", args="hastart")
    sim.advance(60)
    assert sim.system_state("n2") == "RUNNING"


def test_hastart_after_hastop_force_finds_the_groups_still_online(sim):
    ok(sim, "hastop -sys n1 -force")
    sim.advance(30)
    assert sim.system_state("n1") == "EXITED"
    code, _, err = typed_on(sim, "n1", "hastart")
    assert code == 0, err
    sim.advance(60)
    # -force left the groups running (Admin 6.0, hastop options); the probes of the
    # starting engine find them online.
    assert sim.group_state("web", "n1") == "ONLINE"
    assert sim.resource_state("web_ctr", "n1") == "ONLINE"


def test_hastart_is_refused_where_vcs_runs_and_where_the_system_is_unknown(sim):
    before = _config(sim)
    code, _, err = typed_on(sim, "n1", "hastart")
    assert code == 1 and "VCS is already running on system n1" in err, err
    assert sim.system_state("n1") == "RUNNING" and _config(sim) == before
    # A served simulator does not know which system a shim runs on (as hastop -local).
    refused(sim, "hastart", "does not know which system this is")


def test_hastart_stale_and_force_are_documented_but_not_modelled(sim):
    ok(sim, "hastop -sys n3")
    sim.advance(30)
    for line in ("hastart -stale", "hastart -force", "hastart -onenode"):
        code, _, err = typed_on(sim, "n3", line)
        assert code == 1 and "not modelled by the simulator" in err, err
    assert sim.system_state("n3") == "EXITED"
    refused(sim, "hastart -stale -force", "-stale and -force exclude each other")
    refused(sim, "hastart n3", "unexpected argument n3")
    # an empty word is a word, not the form's missing option word
    refused(sim, ["hastart", ""], "hastart: unexpected argument  (")
    refused(sim, ["hastatus", ""], "hastatus: unexpected argument  (")


# -- hares -offline [-ignoreparent | -parentprop], hares -offprop [-ignoreparent] -------------
# Expected states written from the rules (docs/simulator.md, "Admin requests") before the run:
# web_pf requires web_ctr and web_ip; web requires web_storage online local firm.


def _states(sim, resources, system="n1"):
    return {r: sim.resource_state(r, system) for r in resources}


def _offline_order(sim):
    """The resources whose offline entry point ran, in the order they ran."""
    return [line.split()[2] for line in sim.transcript.lines if line.endswith(" offline exit 0")]


WEB_RES = ("web_ip", "web_ctr", "web_pf")


def test_a_resource_with_online_parents_is_refused_offline_without_an_option(sim):
    for line in ("hares -offline web_ctr -sys n1", "hares -offprop web_ip -sys n1"):
        err = refused(sim, line, "has parents online on n1 (web_pf)")
        assert "-ignoreparent" in err
    sim.advance(5)
    assert _states(sim, WEB_RES) == dict.fromkeys(WEB_RES, "ONLINE")
    assert _offline_order(sim) == []


def test_ignoreparent_leaves_the_parents_online(sim):
    ok(sim, "hares -offline -ignoreparent web_ctr -sys n1")
    sim.advance(5)
    assert _states(sim, WEB_RES) == {"web_ip": "ONLINE", "web_ctr": "OFFLINE", "web_pf": "ONLINE"}
    assert sim.group_state("web", "n1") == "PARTIAL"
    assert _offline_order(sim) == ["web_ctr"]


def test_parentprop_takes_the_online_parents_offline_first(sim):
    ok(sim, "hares -offline web_ip -parentprop -sys n1")
    sim.advance(5)
    assert _states(sim, WEB_RES) == {"web_ip": "OFFLINE", "web_ctr": "ONLINE", "web_pf": "OFFLINE"}
    assert _offline_order(sim) == ["web_pf", "web_ip"]
    assert sim.group_state("web", "n1") == "PARTIAL"


def test_offprop_takes_the_children_offline_after_the_resource(sim):
    ok(sim, "hares -offprop web_pf -sys n1")
    sim.advance(5)
    assert _states(sim, WEB_RES) == dict.fromkeys(WEB_RES, "OFFLINE")
    order = _offline_order(sim)
    assert order[0] == "web_pf" and sorted(order[1:]) == ["web_ctr", "web_ip"]
    assert sim.group_state("web", "n1") == "OFFLINE"
    assert sim.group_state("web", "n2") == "OFFLINE"  # an admin's offline: no failover


def test_offprop_ignoreparent_leaves_the_parents_online(sim):
    ok(sim, "hares -offprop -ignoreparent web_ip -sys n1")
    sim.advance(5)
    assert _states(sim, WEB_RES) == {"web_ip": "OFFLINE", "web_ctr": "ONLINE", "web_pf": "ONLINE"}


def test_option_words_vcs_does_not_document_together_are_refused(sim):
    refused(sim, "hares -offline -ignoreparent -parentprop web_ip -sys n1", "exclude each other")
    refused(sim, "hares -offprop -parentprop web_pf -sys n1", "unknown option -parentprop")
    refused(sim, "hares -offprop web_pf", "needs -sys")
    refused(sim, "hares -offprop web_pf -sys n9", "System n9 does not exist")
    refused(sim, "hares -offprop big_res -sys n2", "not online on n2")
    sim.advance(5)
    assert _offline_order(sim) == []


def test_a_firm_parent_group_refuses_the_propagating_and_ignoring_forms(sim):
    """web requires web_storage online local firm: web_mnt offline would leave web_storage
    short of ONLINE on n1 under its online parent group."""
    for line in (
        "hares -offline -ignoreparent web_mnt -sys n1",
        "hares -offline -parentprop web_mnt -sys n1",
        "hares -offprop web_mnt -sys n1",
    ):
        refused(sim, line, "its parent group web depends on it")
    sim.advance(5)
    assert sim.resource_state("web_mnt", "n1") == "ONLINE"
    ok(sim, "hares -offprop web_mnt -sys n2")  # no parent group online on n2
    sim.advance(5)
    assert sim.resource_state("web_mnt", "n2") == "OFFLINE"


SHARED_CHILD = """group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    NIC app_nic (
        Device = eth0
    )
    Dummy app_a (
    )
    Dummy app_b (
    )
    Dummy app_c (
    )
    Dummy app_d (
    )
    app_a requires app_c
    app_b requires app_c
    app_a requires app_d
    app_d requires app_nic
"""


def test_offprop_leaves_children_a_staying_parent_needs_and_persistent_ones(make_sim):
    """app_a -> app_c <- app_b, app_a -> app_d -> app_nic (NIC: persistent)."""
    sim = make_sim(cf(["n1", "n2"], SHARED_CHILD)).start()
    sim.settle()
    ok(sim, "hares -offprop app_a -sys n1")
    sim.advance(5)
    names = ("app_a", "app_b", "app_c", "app_d", "app_nic")
    assert _states(sim, names) == {
        "app_a": "OFFLINE",
        "app_b": "ONLINE",
        "app_c": "ONLINE",  # app_b still needs it
        "app_d": "OFFLINE",
        "app_nic": "ONLINE",  # VCS never takes a persistent resource offline
    }
    assert _offline_order(sim) == ["app_a", "app_d"]


def test_propagation_waits_for_an_offline_that_hangs(make_sim):
    """A resource whose offline hangs is cleaned (reason 0) at its timeout; its children
    go offline only then (the clean leaves it offline, so the propagation goes on)."""
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.settle()
    sim.event("hang", resource="web_pf", system="n1", args={"entry_point": "offline", "count": 1})
    ok(sim, "hares -offprop web_pf -sys n1")
    sim.advance(5)
    assert _states(sim, WEB_RES) == {"web_ip": "ONLINE", "web_ctr": "ONLINE", "web_pf": "W_OFFLINE"}
    sim.advance(600)
    assert _states(sim, WEB_RES) == dict.fromkeys(WEB_RES, "OFFLINE")
    lines = sim.transcript.lines
    clean = next(i for i, line in enumerate(lines) if "web_pf clean(0)" in line)
    children = [
        i
        for i, line in enumerate(lines)
        if line.endswith(("web_ctr offline exit 0", "web_ip offline exit 0"))
    ]
    assert len(children) == 2 and min(children) > clean


def test_fail_command_interrupts_a_plan_step(sim):
    rw(sim)
    sim.event("fail-command", match="hares -delete web_ctr", times=1)
    err = refused(sim, "hares -delete web_ctr", "failed (simulator fail-command)")
    assert "web_ctr" in err
    ok(sim, "hares -delete web_ctr")  # the second time it runs
    assert any("fail-command" in line for line in sim.transcript.lines)


# -- every form, both sides --------------------------------------------------------------------

RW = ["haconf -makerw"]
# form -> (setup, accepted, refused, why): the refusal is VCS's rule, not a typo of syntax.
BOTH_SIDES = {
    "haconf -makerw": ([], "haconf -makerw", "haconf -makerw -now", "unknown option -now"),
    "haconf -dump": (RW, "haconf -dump -makero", "haconf -dump -makerw", "unknown option"),
    "hacf -verify": ([], "hacf -verify {conf}", "hacf -verify /nonexistent", "Cannot find"),
    "hagrp -add": (RW, "hagrp -add db", "hagrp -add web", "already exists"),
    "hagrp -delete": (
        RW + ["hagrp -add db"],
        "hagrp -delete db",
        "hagrp -delete web",
        "has resources",
    ),
    "hagrp -link": (
        RW,
        "hagrp -link big web online global soft",
        "hagrp -link web web_storage online local firm",
        "already depends",
    ),
    "hagrp -unlink": (
        RW,
        "hagrp -unlink web web_storage",
        "hagrp -unlink big web",
        "does not depend",
    ),
    "hagrp -local": (
        RW,
        "hagrp -local web Priority",
        "hagrp -local web State",
        "cannot be modified",
    ),
    "hagrp -global": (
        RW + ["hagrp -local web Priority"],
        "hagrp -global web Priority 2",
        "hagrp -global big Priority 2",
        "not local",
    ),
    "hagrp -modify": (
        RW,
        "hagrp -modify web Priority 2",
        "hagrp -modify web Nope 2",
        "does not exist",
    ),
    "hagrp -online": (
        ["hagrp -offline big -sys n1"],
        "hagrp -online big -sys n2",
        "hagrp -online web -sys n2",
        "online on system n1",
    ),
    "hagrp -offline": (
        [],
        "hagrp -offline web -sys n1",
        "hagrp -offline web_storage -sys n1",
        "depends on it",
    ),
    "hagrp -switch": ([], "hagrp -switch web -to n2", "hagrp -switch web_storage -any", "parallel"),
    "hagrp -freeze": ([], "hagrp -freeze web", "hagrp -freeze web -persistent", "not writable"),
    "hagrp -unfreeze": (
        [],
        "hagrp -unfreeze web",
        "hagrp -unfreeze web -persistent",
        "not writable",
    ),
    "hagrp -enable": (
        RW,
        "hagrp -enable web -sys n2",
        "hagrp -enable web -sys n9",
        "does not exist",
    ),
    "hagrp -disable": (
        RW,
        "hagrp -disable web -sys n2",
        "hagrp -disable big -sys n3",
        "not in the SystemList",
    ),
    "hagrp -enableresources": (RW, "hagrp -enableresources web", "hagrp -enableresources x", "x"),
    "hagrp -disableresources": (
        RW + ["hagrp -offline big -sys n1"],
        "hagrp -disableresources big",
        "hagrp -disableresources web",
        "must be OFFLINE to be disabled",
    ),
    "hagrp -autoenable": (
        [],
        "hagrp -autoenable web -sys n2",
        "hagrp -autoenable big -sys n3",
        "not in the SystemList",
    ),
    "hagrp -clear": ([], "hagrp -clear web", "hagrp -clear nope", "does not exist"),
    "hagrp -clearadminwait": ([], None, "hagrp -clearadminwait web -sys n1", "not in ADMIN_WAIT"),
    "hagrp -flush": (
        [],
        "hagrp -flush web -sys n1",
        "hagrp -flush big -sys n3",
        "not in the SystemList",
    ),
    "hagrp -display": ([], "hagrp -display web", "hagrp -display nope", "does not exist"),
    "hagrp -state": ([], "hagrp -state web -sys n1", "hagrp -state nope", "does not exist"),
    "hagrp -list": ([], "hagrp -list Frozen=0", "hagrp -list Frozen", "not a condition"),
    "hagrp -value": ([], "hagrp -value web Priority", "hagrp -value web Nope", "does not exist"),
    "hagrp -dep": ([], "hagrp -dep web", "hagrp -dep nope", "does not exist"),
    "hagrp -resources": ([], "hagrp -resources web", "hagrp -resources nope", "does not exist"),
    "hagrp -forecast": ([], "hagrp -forecast web", "hagrp -forecast web_storage", "parallel"),
    "hagrp -wait": (
        [],
        "hagrp -wait web State ONLINE -sys n1 -time 5",
        "hagrp -wait web State ONLINE -sys n2 -time 5",
        "timed out",
    ),
    "hares -add": (RW, "hares -add x Dummy web", "hares -add web_ip Dummy web", "already exists"),
    "hares -delete": (RW, "hares -delete web_ip", "hares -delete nope", "does not exist"),
    "hares -link": (
        RW,
        "hares -link web_ctr web_ip",
        "hares -link web_ip big_res",
        "different groups",
    ),
    "hares -unlink": (
        RW,
        "hares -unlink web_pf web_ip",
        "hares -unlink web_ip web_pf",
        "does not require",
    ),
    "hares -local": (
        RW,
        "hares -local web_ip Critical",
        "hares -local web_ip MonitorInterval",
        "override it before",
    ),
    "hares -global": (
        RW + ["hares -local web_ip Critical"],
        "hares -global web_ip Critical 0",
        "hares -global web_ctr Critical 0",
        "not local",
    ),
    "hares -override": (
        RW,
        "hares -override web_ip OnlineTimeout",
        "hares -override web_ip Critical",
        "not a static attribute",
    ),
    "hares -undo_override": (
        RW + ["hares -override web_ip OnlineTimeout"],
        "hares -undo_override web_ip OnlineTimeout",
        "hares -undo_override web_ctr OnlineTimeout",
        "not overridden",
    ),
    "hares -modify": (
        RW,
        "hares -modify web_ip Critical 0",
        "hares -modify web_ip OnlineTimeout 9",
        "override it first",
    ),
    "hares -online": (
        ["hagrp -offline big -sys n1"],
        "hares -online big_res -sys n1",
        "hares -online web_ip -sys n1",
        "already online",
    ),
    "hares -offline": (
        [],
        "hares -offline web_pf -sys n1",
        "hares -offline web_ip -sys n1",
        "parents online",
    ),
    "hares -offprop": (
        [],
        "hares -offprop -ignoreparent web_ctr -sys n1",
        "hares -offprop web_ctr -sys n1",
        "parents online",
    ),
    "hares -probe": (
        [],
        "hares -probe web_ip -sys n2",
        "hares -probe web_ip -sys n9",
        "does not exist",
    ),
    "hares -clear": ([], "hares -clear web_ip", "hares -clear nope", "does not exist"),
    "hares -action": (
        [],
        "hares -action web_ip echo -actionargs hello -sys n1",
        "hares -action web_ip reboot -sys n1",
        "not in the SupportedActions",
    ),
    "hares -display": (
        [],
        "hares -display web_ip -attribute State",
        "hares -display web_ip -attribute Nope",
        "does not exist",
    ),
    "hares -state": ([], "hares -state web_ip -sys n1", "hares -state nope", "does not exist"),
    "hares -list": ([], "hares -list Type=Dummy", "hares -list =Dummy", "not a condition"),
    "hares -value": (
        [],
        "hares -value web_ip Critical",
        "hares -value web_ip Nope",
        "does not exist",
    ),
    "hares -dep": ([], "hares -dep web_pf", "hares -dep nope", "does not exist"),
    "hares -wait": (
        [],
        "hares -wait web_ip State ONLINE -sys n1 -time 5",
        "hares -wait web_ip State ONLINE -sys n2 -time 5",
        "timed out",
    ),
    "hasys -add": (RW, "hasys -add n4", "hasys -add n1", "already exists"),
    "hasys -delete": (
        RW + ["hasys -add n4"],
        "hasys -delete n4",
        "hasys -delete n1",
        "only an EXITED or UNKNOWN",
    ),
    "hasys -modify": (
        RW,
        "hasys -modify n1 Limits GPU 1",
        "hasys -modify n1 SysState RUNNING",
        "cannot be modified",
    ),
    "hasys -freeze": (RW, "hasys -freeze -persistent n1", "hasys -freeze n9", "does not exist"),
    "hasys -unfreeze": (RW, "hasys -unfreeze n1", "hasys -unfreeze n9", "does not exist"),
    "hasys -display": (
        [],
        "hasys -display n1",
        "hasys -display n1 -attribute Nope",
        "does not exist",
    ),
    "hasys -state": ([], "hasys -state n1", "hasys -state n9", "does not exist"),
    "hasys -list": ([], "hasys -list SysState=RUNNING", "hasys -list SysState", "not a condition"),
    "hasys -value": ([], "hasys -value n1 SysState", "hasys -value n1 Nope", "does not exist"),
    "hasys -wait": (
        [],
        "hasys -wait n1 SysState RUNNING -time 5",
        "hasys -wait n1 SysState EXITED -time 5",
        "timed out",
    ),
    "haclus -modify": (
        RW,
        "haclus -modify ClusterLocation lab",
        "haclus -modify ClusState RUNNING",
        "cannot be modified",
    ),
    "haclus -value": ([], "haclus -value ClusterName", "haclus -value Nope", "does not exist"),
    "haclus -display": ([], "haclus -display", "haclus -display -attribute Nope", "does not exist"),
    "haclus -wait": (
        [],
        "haclus -wait DeleteOnlineResource 1 -time 5",
        "haclus -wait DeleteOnlineResource 0 -time 5",
        "timed out",
    ),
    "hatype -add": (RW, "hatype -add NewType", "hatype -add Dummy", "already exists"),
    "hatype -delete": (
        RW + ["hatype -add NewType"],
        "hatype -delete NewType",
        "hatype -delete Dummy",
        "has resources",
    ),
    "hatype -modify": (
        RW,
        "hatype -modify Dummy MonitorInterval 30",
        "hatype -modify Nope MonitorInterval 30",
        "does not exist",
    ),
    "hatype -display": ([], "hatype -display Dummy", "hatype -display Nope", "does not exist"),
    "hatype -resources": (
        [],
        "hatype -resources Dummy",
        "hatype -resources Nope",
        "does not exist",
    ),
    "hatype -list": ([], "hatype -list", "hatype -list Bad", "not a condition"),
    "hatype -value": (
        [],
        "hatype -value Dummy MonitorInterval",
        "hatype -value Dummy Nope",
        "does not exist",
    ),
    "haattr -add": (
        RW + ["hatype -add NewType"],
        "haattr -add NewType A -integer 3",
        "haattr -add NewType B -integer x",
        "not an integer",
    ),
    "haattr -default": (
        RW + ["hatype -add NewType", "haattr -add NewType A -integer"],
        "haattr -default NewType A 4",
        "haattr -default NewType Z 4",
        "does not exist",
    ),
    "haattr -delete": (
        RW + ["hatype -add NewType", "haattr -add NewType A"],
        "haattr -delete NewType A",
        "haattr -delete NewType Z",
        "does not exist",
    ),
    "hastatus -sum": ([], "hastatus -summary", "hastatus -sum -v", "unknown option"),
    # -help prints the command's usage (hagrp(1M), hares(1M), hasys(1M) 5.0MP3, hatype(1M)
    # 7.4.1, hastop(1M) 5.0); at most one of the named forms
    "hagrp -help": ([], "hagrp -help -link", "hagrp -help -link -list", "exclude each other"),
    "hares -help": ([], "hares -help", "hares -help -link", "unknown option"),
    "hasys -help": ([], "hasys -help -modify", "hasys -help web", "unexpected"),
    "hatype -help": ([], "hatype -help -list", "hatype -help -modify -list", "exclude each other"),
    "hastop -help": ([], "hastop -help", "hastop -help -all", "unknown option"),
    "haattr -help": ([], "haattr -help", "haattr -help -list", "unknown option"),
    "haconf -help": ([], "haconf -help", "haconf -help -dump", "unknown option"),
    # -local needs the system the command is typed on: an events file's cmd gives it
    "hastop -local": ([], None, "hastop -local -evacuate", "use -sys"),
    "hastop -all": (
        ["hastop -sys n3"],
        "hastop -all -force",
        "hastop -all -evacuate",
        "unknown option",
    ),
    "hastop -sys": ([], "hastop -sys n3 -evacuate", "hastop -sys n9", "does not exist"),
    "haclus -state": ([], "haclus -state -localclus", "haclus -state remote", "does not exist"),
    # hastart works on the system it is typed on: an events file's cmd gives it
    "hastart": (["hastop -sys n3"], None, "hastart -stale -force", "exclude each other"),
}


def test_both_sides_cover_every_modelled_form():
    from vxha.vcs_types import haforms

    modelled = {f.key for f in haforms.FORMS if f.modelled}
    assert modelled == set(BOTH_SIDES), modelled ^ set(BOTH_SIDES)


@pytest.mark.parametrize("key", sorted(BOTH_SIDES))
def test_both_sides_of_each_form(sim, key, tmp_path):
    setup, accepted, refused_line, why = BOTH_SIDES[key]
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "main.cf").write_text(_config(sim))
    for line in setup:
        ok(sim, line)
    refused(sim, refused_line, why)
    if accepted:
        ok(sim, accepted.format(conf=tmp_path / "conf"))


def test_group_resources_enabled_and_disabled_together(make_sim):
    """hagrp -disableresources G refuses as hares -modify R Enabled 0 does, for the whole
    group or not at all; -enableresources enables every resource again."""
    sim = make_sim(cf(["n1", "n2"], WEB)).start()
    refused(sim, "hagrp -disableresources web", "not writable")
    ok(sim, "haconf -makerw")
    refused(sim, "hagrp -disableresources web", "Resource web_ip is ONLINE on system n1")
    ok(sim, "hares -offline web_pf -sys n1")
    sim.advance(5)
    # web_pf alone is offline: still refused, and web_pf stays enabled.
    refused(sim, "hagrp -disableresources web", "Resource web_ip is ONLINE on system n1")
    assert all(r.enabled for r in sim.engine.group("web").resources)
    ok(sim, "hagrp -offline web -sys n1")
    sim.advance(5)
    ok(sim, "hagrp -disableresources web")
    assert sim.command("hares -value web_ctr Enabled".split())[1].strip() == "0"
    assert not any(r.enabled for r in sim.engine.group("web").resources)
    refused(sim, "hagrp -disableresources nope", "nope")
    ok(sim, "hagrp -enableresources web")
    assert all(r.enabled for r in sim.engine.group("web").resources)
    ok(sim, "hagrp -online web -sys n1")
    sim.advance(5)
    assert sim.group_state("web", "n1") == "ONLINE"


def test_a_resource_busy_when_its_turn_comes_goes_offline_once_free(make_sim):
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.settle()
    sim.event("hang", resource="web_ip", system="n1", args={"entry_point": "monitor", "count": 1})
    ri = sim.engine.resource("web_ip").insts["n1"]
    while ri.busy != "monitor":
        sim.advance(1)
    ok(sim, "hares -offline -parentprop web_ip -sys n1")
    sim.advance(1)
    assert _states(sim, WEB_RES) == {"web_ip": "ONLINE", "web_ctr": "ONLINE", "web_pf": "OFFLINE"}
    sim.advance(300)  # the monitor times out (a qualifier until the next monitor); then
    # web_ip's offline runs
    assert sim.resource_state("web_ip", "n1").split("|")[0] == "OFFLINE"
    assert _offline_order(sim) == ["web_pf", "web_ip"]
