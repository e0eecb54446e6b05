"""Profiles -> main.cf: golden files, determinism, the stack of DECISIONS.md 3 and 4."""

from __future__ import annotations

import os
import random

import pytest
from genhelp import EXAMPLES, GOLDEN, cluster, dep, server

from vxha.generators.build import GenerationError, Options, plan
from vxha.generators.discover import apply_discovery, host_capacity
from vxha.generators.generate import TEMPLATES, environment, generate, generate_from_files
from vxha.generators.names import Namer, legal
from vxha.vcs_types import cf
from vxha.vcs_types.verify import verify

UPDATE = os.environ.get("VXHA_UPDATE_GOLDEN") == "1"


def examples(mode="veritas", servers=None):
    return generate_from_files(
        str(EXAMPLES / "cluster.yaml"),
        servers or [str(EXAMPLES / "servers")],
        image_root=str(EXAMPLES / "images"),
        options=Options(cfsmount=mode),
    )


@pytest.mark.parametrize("mode", ["veritas", "vxha"])
def test_examples_match_their_golden_main_cf(mode):
    # Changing a golden file is a reviewed decision: VXHA_UPDATE_GOLDEN=1 rewrites it.
    golden = GOLDEN / f"examples-{mode}.main.cf"
    text = examples(mode).text
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs: review the change, then VXHA_UPDATE_GOLDEN=1 to accept it"
    )


@pytest.mark.parametrize("mode", ["veritas", "vxha"])
def test_golden_files_parse_and_verify_on_their_own(mode):
    assert verify(GOLDEN / f"examples-{mode}.main.cf") == []


def test_output_is_canonical_the_writer_reproduces_it():
    text = examples().text
    assert cf.write(cf.parse(text)) == text


def test_server_order_on_the_command_line_does_not_matter():
    files = sorted(str(p) for p in (EXAMPLES / "servers").glob("*.yaml"))
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    assert examples(servers=files).text == examples(servers=shuffled).text


def test_same_input_gives_byte_identical_output():
    c = cluster()
    servers = [server(f"s{i}", address=f"10.0.0.{i}") for i in range(5)]
    assert generate(c, servers).text == generate(c, list(reversed(servers))).text


def groups_of(result):
    return {g.name: g for g in result.config.groups}


def test_the_stack_of_one_server():
    r = generate(cluster(), [server("web")])
    g = groups_of(r)
    st, web = g["web_storage"], g["web"]
    assert st.attrs["Parallel"] == 1
    assert st.attrs["UserStrGlobal"] == web.attrs["UserStrGlobal"] == "vxha:server=web"
    assert [(d.child, d.category, d.location, d.rigidity) for d in st.deps] == [
        ("cvm", "online", "local", "firm")
    ]
    assert [(d.child, d.location, d.rigidity) for d in web.deps] == [
        ("web_storage", "local", "firm")
    ]
    assert [r.name for r in st.resources] == ["web_dg_webdg", "web_mnt_data"]
    assert [(lk.parent, lk.child) for lk in st.links] == [("web_mnt_data", "web_dg_webdg")]
    res = {r.name: r for r in web.resources}
    assert set(res) == {"web_ip", "web_ctr", "web_pf"}
    assert res["web_ctr"].attrs["RuntimeName"] == "web"
    assert res["web_pf"].attrs["Container"] == "web"
    assert res["web_ip"].local["Device"] == {"n1": "eth0", "n2": "eth0", "n3": "eth0"}
    assert sorted((lk.parent, lk.child) for lk in web.links) == [
        ("web_pf", "web_ctr"),
        ("web_pf", "web_ip"),
    ]
    # the container and the IP do not depend on each other
    assert not any({lk.parent, lk.child} == {"web_ctr", "web_ip"} for lk in web.links)


def test_orchestration_attributes():
    r = generate(cluster(), [server("web", cpus=1.5, memory_mib=3000, priority=3)])
    web = groups_of(r)["web"]
    assert web.attrs["FailOverPolicy"] == "BiggestAvailable"
    assert web.attrs["Load"] == {"CPU": 2, "Mem": 3000}  # CPU rounded up
    assert web.attrs["Priority"] == 3
    assert web.attrs["SystemList"] == {"n1": 0, "n2": 1, "n3": 2}
    assert r.config.cluster.attrs["Statistics"] == "Enabled"
    assert r.config.systems[0].attrs["Capacity"] == {"CPU": 16, "Mem": 65536}
    ctr = web.resource("web_ctr")
    assert ctr.attrs["CPUs"] == "1.5" and ctr.attrs["Memory"] == "3000m"


def test_server_systems_and_image_availability_limit_the_system_list():
    c = cluster(4)
    c.systems[3].images = ["other:1"]
    r = generate(c, [server("a"), server("b", systems=["n2", "n3"], address="10.0.0.2")])
    g = groups_of(r)
    assert g["a"].attrs["SystemList"] == {"n1": 0, "n2": 1, "n3": 2}
    assert g["b"].attrs["SystemList"] == {"n2": 0, "n3": 1}
    assert g["b_storage"].attrs["SystemList"] == {"n2": 0, "n3": 1}
    with pytest.raises(GenerationError, match="not loaded on n4"):
        generate(c, [server("a", systems=["n4"])])


def test_privileged_server_gets_one_system_and_no_automatic_failover():
    r = generate(cluster(), [server("fc", privileged=True, relocatable=False, systems=["n2"])])
    g = groups_of(r)
    assert g["fc"].attrs["SystemList"] == {"n2": 0}
    assert g["fc"].attrs["AutoFailOver"] == 0
    assert "FailOverPolicy" not in g["fc"].attrs
    assert g["fc"].resource("fc_ctr").attrs["Privileged"] == 1
    assert g["fc_storage"].attrs["SystemList"] == {"n2": 0}


def test_privileged_without_a_named_system_is_pinned_with_a_warning():
    r = generate(cluster(), [server("fc", privileged=True, relocatable=False)])
    assert groups_of(r)["fc"].attrs["SystemList"] == {"n1": 0}
    assert any("pinned to n1" in w for w in r.warnings)


def test_exclusive_storage_is_a_failover_group():
    r = generate(cluster(), [server("db", exclusive_storage=True)])
    st = groups_of(r)["db_storage"]
    assert "Parallel" not in st.attrs
    assert st.resource("db_dg_dbdg").attrs["CVMActivation"] == "ex"
    assert st.attrs["FailOverPolicy"] == "BiggestAvailable"


def test_device_override_is_global():
    r = generate(cluster(), [server("web", device="bond0")])
    ip = groups_of(r)["web"].resource("web_ip")
    assert ip.attrs["Device"] == "bond0" and "Device" not in ip.local


def test_server_without_storage_or_address():
    r = generate(cluster(), [server("calc", mounts=[], address="", ports=[])])
    g = groups_of(r)
    assert "calc_storage" not in g
    assert [res.type for res in g["calc"].resources] == ["Container"]
    assert g["calc"].deps == []


def test_cfsmount_modes():
    veritas = generate(cluster(), [server("w")], Options("veritas"))
    vxha = generate(cluster(), [server("w")], Options("vxha"))
    mnt_v = groups_of(veritas)["w_storage"].resource("w_mnt_data")
    mnt_x = groups_of(vxha)["w_storage"].resource("w_mnt_data")
    assert set(mnt_v.attrs) == {"MountPoint", "BlockDevice"}
    assert {"FSType", "ForceUnmount", "SecondLevelMonitor"} <= set(mnt_x.attrs)
    assert "CFSTypes.cf" in veritas.config.includes
    assert "CFSMountTypes.cf" in vxha.config.includes
    assert "CFSTypes.cf" not in vxha.config.includes
    with pytest.raises(GenerationError):
        generate(cluster(), [server("w")], Options("other"))


def test_the_cvm_group():
    g = groups_of(generate(cluster(), [server("w")]))["cvm"]
    assert g.attrs["Parallel"] == 1 and g.attrs["AutoFailOver"] == 0
    assert sorted(r.type for r in g.resources) == ["CFSfsckd", "CVMCluster", "CVMVxconfigd"]


def test_without_the_cvm_group_output_still_verifies_against_the_clusters_own():
    r = generate(cluster(emit_cvm=False), [server("w")])
    assert "cvm" not in groups_of(r)
    assert groups_of(r)["w_storage"].deps[0].child == "cvm"


# -- image relationships ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "location,runtime,expected",
    [
        ("local", "hard", ("online", "local", "firm")),
        ("local", "soft", ("online", "local", "soft")),
        ("global", "hard", ("online", "global", "firm")),
        ("global", "soft", ("online", "global", "soft")),
    ],
)
def test_relationship_to_group_dependency(location, runtime, expected):
    app = server("app1", dependencies=[dep("db1", "child", location, runtime)])
    r = generate(cluster(), [app, server("db1", address="10.0.0.2")])
    deps = [(d.child, d.category, d.location, d.rigidity) for d in groups_of(r)["app1"].deps]
    assert ("db1",) + expected in deps


def test_parent_relation_puts_the_dependency_on_the_other_server():
    db = server("db1", dependencies=[dep("app1", "parent", "global", "soft")])
    r = generate(cluster(), [server("app1"), db])
    assert [d.child for d in groups_of(r)["app1"].deps] == ["app1_storage", "db1"]


def test_declared_from_both_sides_once_the_stricter():
    app = server("app1", dependencies=[dep("db1", "child", "global", "soft")])
    db = server("db1", address="10.0.0.2", dependencies=[dep("app1", "parent", "local", "hard")])
    deps = groups_of(generate(cluster(), [app, db]))["app1"].deps
    assert [(d.child, d.location, d.rigidity) for d in deps if d.child == "db1"] == [
        ("db1", "local", "firm")
    ]


def test_peers_get_no_dependency():
    app = server("app1", dependencies=[dep("db1", "peer")])
    r = generate(cluster(), [app, server("db1", address="10.0.0.2")])
    assert [d.child for d in groups_of(r)["app1"].deps] == ["app1_storage"]


def test_mandatory_child_missing_is_an_error():
    with pytest.raises(GenerationError, match="mandatory"):
        generate(cluster(), [server("app1", dependencies=[dep(None)])])


def test_optional_child_missing_gives_no_dependency():
    app = server("app1", dependencies=[dep(None, requirement="optional")])
    assert [d.child for d in groups_of(generate(cluster(), [app]))["app1"].deps] == ["app1_storage"]


def test_local_relationship_without_a_common_system_is_an_error():
    app = server("app1", systems=["n1"], dependencies=[dep("db1")])
    db = server("db1", systems=["n2"], address="10.0.0.2")
    with pytest.raises(GenerationError, match="share none"):
        generate(cluster(), [app, db])


def test_dependency_chain_too_deep_fails_verification():
    chain = [server(f"s{i}", dependencies=[dep(f"s{i + 1}")]) for i in range(4)]
    with pytest.raises(GenerationError, match="at most 5 levels"):
        generate(cluster(), chain + [server("s4")])


def test_dependency_cycle_fails_verification():
    a = server("a", dependencies=[dep("b")])
    b = server("b", dependencies=[dep("a")])
    with pytest.raises(GenerationError, match="cycle"):
        generate(cluster(), [a, b])


# -- names -----------------------------------------------------------------------------------


def test_legal_names():
    assert legal("media-1.dg") == "media_1_dg"
    assert legal("1abc") == "x1abc"


def test_namer_avoids_collisions():
    n = Namer()
    assert [n.unique("a-b"), n.unique("a_b"), n.unique("a.b")] == ["a_b", "a_b_2", "a_b_3"]


def test_mount_names_that_differ_in_illegal_characters_stay_distinct():
    from vxha.profiles import Mount

    mounts = [
        Mount("log-a", "dg", "v1", "/vx/w/1", "/a", "log"),
        Mount("log.a", "dg", "v2", "/vx/w/2", "/b", "log"),
    ]
    st = groups_of(generate(cluster(), [server("w", mounts=mounts)]))["w_storage"]
    assert [r.name for r in st.resources] == ["w_dg_dg", "w_mnt_log_a", "w_mnt_log_a_2"]


def test_a_server_named_like_another_servers_storage_group_is_an_error():
    with pytest.raises(GenerationError, match="clashes"):
        generate(cluster(), [server("w"), server("w_storage", address="10.0.0.3")])


def test_values_are_quoted_as_the_grammar_needs():
    env = {"QUOTE": 'say "hi"', "BACKSLASH": "a\\b", "SPACE": "a b"}
    r = generate(cluster(), [server("w", env=env)])
    assert r.config.group("w").resource("w_ctr").attrs["Env"] == env
    assert 'QUOTE = "say \\"hi\\""' in r.text


# -- templates -------------------------------------------------------------------------------


def test_admin_templates_override_file_by_file(tmp_path):
    (tmp_path / "cluster.cf.j2").write_text(
        "cluster {{ cluster.name }} (\n    Statistics = Enabled\n"
        "    Administrators = { admin }\n)\n"
    )
    r = generate(cluster(), [server("w")], templates=str(tmp_path))
    assert r.config.cluster.attrs["Administrators"] == ["admin"]
    assert r.config.group("w") is not None  # the other templates are still ours


def test_an_admin_main_cf_template_may_write_a_group_head_with_group_head(tmp_path):
    # server.cf.j2's group_head, which admins' templates called before the built-in
    # macros stopped using it, still writes the four head lines both groups share
    main = (TEMPLATES / "main.cf.j2").read_text()
    call = "{{ server.server_group(srv, failover_policy, autostart_policy) }}"
    assert call in main
    (tmp_path / "main.cf.j2").write_text(
        main.replace(
            call,
            "group {{ srv.name }} (\n{{ server.group_head(srv) }}"
            "    Load = { CPU = {{ srv.load_cpu }}, Mem = {{ srv.load_mem }} }\n)\n",
        )
    )
    ours = generate(cluster(), [server("w")]).config.group("w")
    r = generate(cluster(), [server("w")], templates=str(tmp_path))
    head = ("SystemList", "AutoStartList", "Priority", "UserStrGlobal", "Load")
    assert {a: r.config.group("w").attrs[a] for a in head} == {a: ours.attrs[a] for a in head}
    assert r.config.group("w").resources == []  # the admin's group, written by hand


def test_a_template_that_renders_an_invalid_configuration_is_refused(tmp_path):
    (tmp_path / "system.cf.j2").write_text(
        "system {{ system.name }} (\n    Capacity = { CPU = lots }\n)\n"
    )
    with pytest.raises(GenerationError, match="does not verify"):
        generate(cluster(), [server("w")], templates=str(tmp_path))


def test_a_template_syntax_error_names_the_template(tmp_path):
    (tmp_path / "cluster.cf.j2").write_text("cluster {{ cluster.name (\n")
    with pytest.raises(GenerationError, match="cluster.cf.j2"):
        generate(cluster(), [server("w")], templates=str(tmp_path))


def test_template_attributes_read_as_jinja2_reads_them():
    # a dict's key, a dict method before a key of its name, an object's attribute, and a
    # missing key an error naming it (jinja2's getattr-then-item rule, StrictUndefined)
    import types

    import jinja2

    env = environment()
    page = env.from_string("{{ d.a }} {{ d.keys() | list }} {{ o.a }} {{ d.get('a') }}")
    text = page.render(d={"a": 1, "keys": "k"}, o=types.SimpleNamespace(a=2))
    assert text == "1 ['a', 'keys'] 2 1"
    with pytest.raises(jinja2.UndefinedError, match="'dict object' has no attribute 'b'"):
        env.from_string("{{ d.b }}").render(d={"a": 1})
    with pytest.raises(jinja2.UndefinedError, match="'e' is undefined"):
        env.from_string("{{ e.a }}").render()


def test_unparsable_rendering_quotes_the_line(tmp_path):
    (tmp_path / "cluster.cf.j2").write_text("cluster {{ cluster.name }} (\n    Statistics = \n")
    with pytest.raises(GenerationError) as exc:
        generate(cluster(), [server("w")], templates=str(tmp_path))
    assert "rendered main.cf" in str(exc.value)


# -- discovery -------------------------------------------------------------------------------


def test_host_capacity_reads_cpus_and_memory():
    cpus, mem = host_capacity()
    assert cpus >= 1 and mem > 0


def test_discovery_sets_every_system_when_this_host_is_none_of_them():
    c = cluster(2)
    notes = apply_discovery(c, (8.0, 32768))
    assert [(s.cpus, s.memory_mib) for s in c.systems] == [(8.0, 32768), (8.0, 32768)]
    assert "every system" in notes[0]


def test_discovery_sets_only_this_host(monkeypatch):
    import socket

    monkeypatch.setattr(socket, "gethostname", lambda: "n2.lab.example")
    c = cluster(3)
    apply_discovery(c, (4.0, 8192))
    assert [s.cpus for s in c.systems] == [16, 4.0, 16]


def test_plan_is_plain_data():
    p = plan(cluster(), [server("w")])
    assert p.context["servers"][0]["name"] == "w"


def test_container_options_grants_and_engines_reach_the_resource():
    """Schema 1.2.0: options, the server profile's grants, the image reference and the
    engine socket per system become Container attributes (docs/container.md)."""
    from vxha.profiles import System

    c = cluster()
    c.systems[0] = System("n1", 16, 65536, "eth0", "1.2.0", [], "unix:///run/podman/podman.sock")
    c.systems[1] = System("n2", 16, 65536, "eth0", "1.2.0", [], "unix:///run/docker.sock")
    s = server(
        "web",
        image_ref="registry.local:5000/web:1.0",
        allow_pull=True,
        container={
            "network": "host",
            "user": "1000:1000",
            "cap_add": ["cap_net_admin"],
            "cap_drop": ["ALL"],
            "devices": ["/dev/sg0:/dev/tape0:rw"],
            "command": ["/srv/run", "--fg"],
            "read_only": True,
            "ulimits": {"nofile": "1024:2048"},
            "shm_size": "64MiB",
            "tmpfs": {"/run": "size=8m"},
            "host_paths": {"/var/log/web": "/logs:ro"},
        },
        node_access={
            "privileged": False,
            "capabilities": ["NET_ADMIN"],
            "devices": ["/dev/sg0"],
            "host_network": True,
            "host_paths": ["/var/log/web"],
        },
    )
    r = generate(c, [s])
    ctr = {x.name: x for x in groups_of(r)["web"].resources}["web_ctr"]
    a = ctr.attrs
    assert a["Image"] == "registry.local:5000/web:1.0" and a["AllowPull"] == 1
    assert ctr.local["DockerHost"] == {
        "n1": "unix:///run/podman/podman.sock",
        "n2": "unix:///run/docker.sock",
        "n3": "",
    }
    assert a["Network"] == "host" and a["User"] == "1000:1000"
    assert a["CapAdd"] == ["NET_ADMIN"] and a["CapDrop"] == ["ALL"]
    assert a["Devices"] == ["/dev/sg0:/dev/tape0:rw"] and a["Command"] == ["/srv/run", "--fg"]
    assert a["ReadOnly"] == 1 and a["Ulimits"] == {"nofile": "1024:2048"}
    assert a["ShmSize"] == "64MiB" and a["Tmpfs"] == {"/run": "size=8m"}
    assert a["Mounts"] == {"/vx/web/data": "/data", "/var/log/web": "/logs:ro"}
    assert a["GrantCaps"] == ["NET_ADMIN"] and a["GrantDevices"] == ["/dev/sg0"]
    assert a["GrantHostPaths"] == ["/var/log/web"] and a["GrantHostNetwork"] == 1
    assert "Privileged" not in a
    assert any("its server profile grants node access: capabilities NET_ADMIN" in w
               for w in r.warnings)  # fmt: skip


def test_one_engine_for_every_system_is_not_localized():
    from vxha.profiles import System

    c = cluster(n=2)
    c.systems = [System(f"n{i}", 16, 65536, "eth0", "1.2.0", [], "unix:///run/p.sock")
                 for i in (1, 2)]  # fmt: skip
    ctr = {x.name: x for x in groups_of(generate(c, [server("web")]))["web"].resources}["web_ctr"]
    assert ctr.attrs["DockerHost"] == "unix:///run/p.sock" and "DockerHost" not in ctr.local
