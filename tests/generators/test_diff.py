"""Diff of two configurations, the ha* commands for it, and their round trip."""

from __future__ import annotations

import copy

import pytest
from genhelp import cluster, dep, server

from vxha.generators import diff as D
from vxha.generators.build import Options
from vxha.generators.generate import generate
from vxha.profiles import AddOn, Mount, Port
from vxha.vcs_types import cf, haforms


def config(servers, c=None, mode="veritas"):
    return generate(c or cluster(), servers, Options(mode)).config


def documented(cmds, types, *configs):
    """Every argv is a documented form whose values its attribute can take (haforms)."""
    rtype = {r.name: r.type for c in configs for g in c.groups for r in g.resources}

    def lookup(kind, obj, attr):
        if kind != "resource":
            return haforms.standard_lookup(kind, obj, attr)
        spec = D.resource_spec(types, rtype.get(obj), attr)
        if spec is None:
            return None
        return spec[0], spec[1][0], D.is_static(types, rtype.get(obj), attr)

    for argv in cmds:
        assert haforms.check(argv, lookup) is None, argv


def round_trip(old, new):
    types = D.known_types(old, new)
    changes = D.diff(old, new, types)
    cmds = D.commands([c for c in changes if c.kind != "system"], old, new, types)
    documented(cmds, types, old, new)
    got = D.apply(old, cmds, types)
    got.includes = list(new.includes)  # type files are installed, not commanded
    got.systems = list(new.systems)  # systems are the cluster's, never commanded
    assert D.normalize(got, types) == D.normalize(new, types)
    assert [c for c in D.diff(got, new, types) if c.kind not in ("include", "system")] == []
    return changes, cmds


def base():
    return [
        server("web", address="10.0.0.1"),
        server("db", address="10.0.0.2", exclusive_storage=True),
        server("app", address="10.0.0.3", dependencies=[dep("db")]),
    ]


def test_no_change_no_diff_and_no_command():
    old = config(base())
    changes, cmds = round_trip(old, config(base()))
    assert changes == []
    assert cmds == []


def test_adding_a_server():
    old = config(base())
    new = config(base() + [server("extra", address="10.0.0.9")])
    changes, cmds = round_trip(old, new)
    text = D.format_diff(changes)
    assert "+ group extra\n" in text and "+ group extra_storage\n" in text
    assert "+ resource extra_ctr (Container) in group extra\n" in text
    assert ["hagrp", "-add", "extra"] in cmds
    assert ["hares", "-add", "extra_ip", "HostIP", "extra"] in cmds
    assert ["hares", "-local", "extra_ip", "Device"] in cmds
    assert ["hares", "-modify", "extra_ip", "Device", "eth0", "-sys", "n1"] in cmds
    assert ["hares", "-link", "extra_pf", "extra_ip"] in cmds
    assert ["hares", "-modify", "extra_ctr", "Enabled", "1"] in cmds
    assert ["hagrp", "-link", "extra", "extra_storage", "online", "local", "firm"] in cmds
    # a group's SystemList comes before anything that depends on it
    sl = cmds.index(["hagrp", "-modify", "extra", "SystemList", "n1", "0", "n2", "1", "n3", "2"])
    assert sl < cmds.index(["hagrp", "-modify", "extra", "AutoStartList", "n1", "n2", "n3"])


def test_removing_a_server_unlinks_before_deleting():
    old = config(base())
    new = config(base()[:2])
    changes, cmds = round_trip(old, new)
    assert "- group app\n" in D.format_diff(changes)
    unlink = cmds.index(["hares", "-unlink", "app_pf", "app_ctr"])
    delete = cmds.index(["hares", "-delete", "app_pf"])
    assert unlink < delete < cmds.index(["hagrp", "-delete", "app"])
    assert cmds.index(["hagrp", "-unlink", "app", "db"]) < cmds.index(["hagrp", "-delete", "app"])


def test_changing_attributes():
    old = config(base())
    servers = base()
    servers[0].memory_mib = 4096
    servers[0].env = {"A": "2", "B": "3"}
    servers[0].ports = [Port(8080, 80, "tcp"), Port(53, 53, "udp")]
    servers[1].priority = 1
    changes, cmds = round_trip(old, config(servers))
    text = D.format_diff(changes)
    assert "~ group web: Load { CPU = 2, Mem = 2048 } -> { CPU = 2, Mem = 4096 }" in text
    assert '~ resource web_ctr: Memory "2048m" -> "4096m" (restarts web_ctr)' in text
    assert ["hares", "-modify", "web_ctr", "Env", "A", "2", "B", "3"] in cmds
    assert ["hagrp", "-modify", "db", "Priority", "1"] in cmds


def test_an_add_on_added_or_removed_is_a_restart_of_the_container():
    """The container receives its add-ons and hotfixes when it is created: the diff says a
    change of them restarts that Container resource, as apply does."""
    plugin = AddOn("add-on", "s3", "1.0", "/opt/plugins/s3", "s3:1.0")
    fix = AddOn("hotfix", "fix", "2", "/opt/fix", "registry.local/fix:2")
    old = config(base())
    servers = base()
    servers[0].addons = [plugin]
    with_plugin = config(servers)
    changes, _ = round_trip(old, with_plugin)
    text = D.format_diff(changes)
    assert text == '+ resource web_ctr: AddOns (unset) -> { "s3:1.0 /opt/plugins/s3" }' + (
        " (restarts web_ctr)\n"
    )
    assert [c.restarts for c in changes] == [True]
    servers[0].addons, servers[0].hotfixes = [], [fix]
    changes, cmds = round_trip(with_plugin, config(servers))
    text = D.format_diff(changes)
    assert '- resource web_ctr: AddOns { "s3:1.0 /opt/plugins/s3" } -> (unset) (restarts' in text
    assert '"fix:2 /opt/fix registry.local/fix:2" } (restarts web_ctr)' in text
    assert all(c.restarts for c in changes)
    assert ["hares", "-modify", "web_ctr", "AddOns", "-delete", "-keys"] in cmds


def test_the_diff_says_restart_where_apply_restarts():
    """One rule for both: what an agent reads afresh (a health command) is no restart."""
    old = config(base())
    new = copy.deepcopy(old)
    ctr = new.group("web").resource("web_ctr")
    ctr.attrs["HealthCmd"] = "/bin/true"
    ctr.attrs["Critical"] = 0
    ctr.attrs["Memory"] = "8192m"
    changes = D.diff(old, new)
    assert {c.attr: c.restarts for c in changes} == {
        "HealthCmd": False,
        "Critical": False,
        "Memory": True,
    }


def test_a_new_server_with_add_ons_is_not_a_restart():
    servers = base() + [server("extra", address="10.0.0.9")]
    servers[-1].addons = [AddOn("add-on", "s3", "1.0", "/opt/plugins/s3", "s3:1.0")]
    changes, _ = round_trip(config(base()), config(servers))
    assert not any(c.restarts for c in changes)


def test_removing_an_attribute_resets_it_to_its_default():
    old = config(base())
    servers = base()
    servers[0].env = {}
    changes, cmds = round_trip(old, config(servers))
    assert ["hares", "-modify", "web_ctr", "Env", "-delete", "-keys"] in cmds


def test_localized_value_becomes_global_and_back():
    old = config(base())
    servers = base()
    servers[0].device = "bond0"
    new = config(servers)
    _, cmds = round_trip(old, new)
    assert ["hares", "-global", "web_ip", "Device", "bond0"] in cmds
    _, back = round_trip(new, old)
    assert ["hares", "-local", "web_ip", "Device"] in back


def test_one_system_of_a_localized_value_changes():
    old = config(base())
    new = copy.deepcopy(old)
    new.group("web").resource("web_ip").local["Device"]["n2"] = "eth9"
    changes, cmds = round_trip(old, new)
    assert [str(c) for c in changes] == [
        "~ resource web_ip: Device @n2 eth0 -> eth9 (restarts web_ip)"
    ]
    assert cmds == [["hares", "-modify", "web_ip", "Device", "eth9", "-sys", "n2"]]


def test_exclusive_storage_flip_recreates_the_storage_group():
    old = config(base())
    servers = base()
    servers[1].exclusive_storage = False
    _, cmds = round_trip(old, config(servers))
    assert ["hagrp", "-delete", "db_storage"] in cmds
    assert cmds.index(["hagrp", "-delete", "db_storage"]) < cmds.index(
        ["hagrp", "-add", "db_storage"]
    )
    assert ["hagrp", "-modify", "db_storage", "Parallel", "1"] in cmds


def test_group_dependency_changes():
    old = config(base())
    servers = base()
    servers[2].dependencies = [dep("db", location="global", runtime="soft"), dep("web")]
    _, cmds = round_trip(old, config(servers))
    assert ["hagrp", "-unlink", "app", "db"] in cmds
    assert ["hagrp", "-link", "app", "db", "online", "global", "soft"] in cmds
    assert ["hagrp", "-link", "app", "web", "online", "local", "firm"] in cmds


def test_systems_are_never_commanded():
    old = config(base(), cluster(3))
    new = config(base(), cluster(4))
    changes, cmds = round_trip(old, new)
    assert "+ system n4" in D.format_diff(changes)
    assert not any(argv[0] == "hasys" for argv in cmds)
    assert [
        "hagrp",
        "-modify",
        "web",
        "SystemList",
        "n1",
        "0",
        "n2",
        "1",
        "n3",
        "2",
        "n4",
        "3",
    ] in cmds
    with pytest.raises(ValueError, match="systems are not vxha's"):
        D.commands(changes, old, new)
    _, back = round_trip(new, old)
    assert not any(argv[0] == "hasys" for argv in back)


def test_mounts_added_and_removed():
    old = config(base())
    servers = base()
    servers[0].mounts = servers[0].mounts + [
        Mount("logs", "webdg", "logs", "/vx/web/logs", "/logs", "log")
    ]
    changes, cmds = round_trip(old, config(servers))
    assert ["hares", "-modify", "web_dg_webdg", "CVMVolume", "data", "logs"] in cmds
    assert ["hares", "-link", "web_mnt_logs", "web_dg_webdg"] in cmds


def test_cfsmount_mode_switch_lists_the_type_file_and_the_extras():
    old = config(base())
    new = config(base(), mode="vxha")
    changes, cmds = round_trip(old, new)
    text = D.format_diff(changes)
    assert "+ include CFSMountTypes.cf" in text and "- include CFSTypes.cf" in text
    assert ["hares", "-modify", "web_mnt_data", "SecondLevelMonitor", "1"] in cmds
    assert ["hares", "-delete", "vxfsckd"] in cmds
    _, back = round_trip(new, old)
    assert ["hares", "-modify", "web_mnt_data", "SecondLevelMonitor", "0"] in back


def test_a_resource_moving_to_another_type_is_deleted_and_added():
    old = config(base())
    new = copy.deepcopy(old)
    r = new.group("web").resource("web_ctr")
    r.type = "HostIP"
    r.attrs = {"Address": "10.0.0.7", "Device": "eth0"}
    _, cmds = round_trip(old, new)
    assert cmds.index(["hares", "-delete", "web_ctr"]) < cmds.index(
        ["hares", "-add", "web_ctr", "HostIP", "web"]
    )


def test_diff_against_a_parsed_file_ignores_layout_and_value_spelling(tmp_path):
    old = config(base())
    path = tmp_path / "main.cf"
    path.write_text(cf.write(old))
    parsed = cf.parse_file(path)
    assert D.diff(parsed, old) == []


def test_cluster_attribute_change():
    old = config(base())
    new = copy.deepcopy(old)
    new.cluster.attrs["Administrators"] = ["admin"]
    _, cmds = round_trip(old, new)
    assert cmds[0] == ["haclus", "-modify", "Administrators", "admin"]


def test_removing_a_cluster_attribute():
    old = config(base())
    old.cluster.attrs["Administrators"] = ["admin"]
    _, cmds = round_trip(old, config(base()))
    assert cmds[0] == ["haclus", "-modify", "Administrators", "-delete", "-keys"]


def test_a_value_starting_with_a_dash_is_escaped():
    old = config(base())
    servers = base()
    servers[0].env = {"DEDUP_POOL": "-pool2", "RATIO": "%50"}
    changes, cmds = round_trip(old, config(servers))
    assert ["hares", "-modify", "web_ctr", "Env", "DEDUP_POOL", "%-pool2", "RATIO", "%%50"] in cmds
    # what the escape stands for is what the model (and VCS) stores
    got = D.apply(old, cmds)
    assert got.group("web").resource("web_ctr").attrs["Env"]["DEDUP_POOL"] == "-pool2"


def test_an_unescaped_dash_value_is_refused_by_the_model():
    with pytest.raises(D.CommandError, match="needs '%'"):
        D.apply(config(base()), [["hares", "-modify", "web_ctr", "Env", "A", "-x"]])


def test_static_attributes_go_through_override_and_undo_override():
    old = config(base())
    new = copy.deepcopy(old)
    new.group("web").resource("web_ctr").attrs["MonitorInterval"] = 30
    _, cmds = round_trip(old, new)
    assert cmds == [
        ["hares", "-override", "web_ctr", "MonitorInterval"],
        ["hares", "-modify", "web_ctr", "MonitorInterval", "30"],
    ]
    changed = copy.deepcopy(new)
    changed.group("web").resource("web_ctr").attrs["MonitorInterval"] = 20
    _, cmds = round_trip(new, changed)
    assert cmds == [["hares", "-modify", "web_ctr", "MonitorInterval", "20"]]
    _, back = round_trip(new, old)
    assert back == [["hares", "-undo_override", "web_ctr", "MonitorInterval"]]
    with pytest.raises(D.CommandError, match="override first"):
        D.apply(old, [["hares", "-modify", "web_ctr", "MonitorInterval", "30"]])


def test_global_always_carries_a_value():
    old = config(base())
    new = copy.deepcopy(old)
    ip = new.group("web").resource("web_ip")
    del ip.local["Device"]
    _, cmds = round_trip(old, new)
    globals_ = [c for c in cmds if c[1] == "-global"]
    assert globals_ == [["hares", "-global", "web_ip", "Device", ""]]


def test_format_commands_quotes_for_the_shell():
    text = D.format_commands([["hares", "-modify", "c", "HealthCmd", "a b"]])
    assert text == "hares -modify c HealthCmd 'a b'\n"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["hagrp", "-delete", "web"], "still has resources"),
        (["hares", "-delete", "web_pf"], "still linked"),
        (["hares", "-add", "web_ip", "HostIP", "web"], "exists"),
        (["hares", "-modify", "web_ip", "Device", "eth1"], "localized"),
        (["hares", "-link", "web_pf", "db_ctr"], "different groups"),
        (["hagrp", "-unlink", "web", "db"], "does not depend"),
        (["hares", "-add", "x", "NoSuchType", "web"], "unknown type"),
        (["hagrp", "-modify", "web_storage", "Parallel", "0"], "no resources"),
    ],
)
def test_apply_refuses_what_vcs_refuses(argv, message):
    with pytest.raises(D.CommandError, match=message):
        D.apply(config(base()), [argv])


def _random_servers(rnd, pool):
    chosen = sorted(rnd.sample(pool, rnd.randint(0, len(pool))))
    servers = []
    for i, name in enumerate(chosen):
        kw = {
            "address": f"10.0.1.{i + 1}",
            "memory_mib": rnd.choice([1024, 2048, 4096]),
            "cpus": rnd.choice([0.5, 1, 2.5]),
            "priority": rnd.randint(1, 4),
            "exclusive_storage": rnd.random() < 0.3,
            "device": rnd.choice([None, None, "bond0"]),
            "env": rnd.choice([{}, {"A": "1"}, {"A": "2", "B": "x y"}]),
            "systems": rnd.choice([None, ["n1", "n2"], ["n2", "n3"]]),
        }
        if rnd.random() < 0.2:
            kw.update(privileged=True, relocatable=False, systems=["n2"])
        if rnd.random() < 0.2:
            kw["mounts"] = []
        if rnd.random() < 0.2:
            kw["ports"] = [Port(8080, 80, "tcp"), Port(53, 53, "udp")]
        servers.append(server(name, **kw))
    names = [s.name for s in servers]
    for s in servers:
        others = [n for n in names if n > s.name]  # depend forward only: no cycles
        if others and rnd.random() < 0.3:
            s.dependencies = [dep(rnd.choice(others), location="global", runtime="soft")]
    return servers


@pytest.mark.parametrize("seed", range(12))
def test_random_round_trips(seed):
    import random

    rnd = random.Random(seed)
    pool = ["alpha", "beta", "gamma", "delta", "eps"]
    systems = rnd.randint(3, 4)
    mode = rnd.choice(["veritas", "vxha"])
    old = config(_random_servers(rnd, pool), cluster(systems), mode)
    new = config(_random_servers(rnd, pool), cluster(rnd.randint(3, 4)), mode)
    round_trip(old, new)
    round_trip(new, old)
