"""The model built from the plan is the one the built-in templates' text reads back as."""

from __future__ import annotations

import random
import shutil

import pytest
from genhelp import EXAMPLES, cluster, dep, server

from vxha.generators import assemble
from vxha.generators import generate as generate_module
from vxha.generators.build import GenerationError, Options, plan
from vxha.generators.generate import TEMPLATES, generate, render
from vxha.profiles import Mount, Port, System, load_cluster, load_servers
from vxha.vcs_types import cf


def assert_as_templates_read_it(cluster_, servers, options=None):
    context = plan(cluster_, servers, options).context
    built = assemble.configuration(context)
    read = cf.parse(render(context), built.source)
    assert built == read
    assert repr(built) == repr(read)  # the same types too: 1, not True
    # what equality leaves out: where localized values stand, hence the text
    for g_built, g_read in zip(built.groups, read.groups):
        for r_built, r_read in zip(g_built.resources, g_read.resources):
            if r_read.local:
                assert r_built.order == r_read.order, r_read.name
    assert cf.write(built) == cf.write(read)


@pytest.mark.parametrize("mode", ["veritas", "vxha"])
def test_the_examples(mode):
    c = load_cluster(str(EXAMPLES / "cluster.yaml"))
    servers = load_servers([str(EXAMPLES / "servers")], str(EXAMPLES / "images"), c)
    assert_as_templates_read_it(c, servers, Options(cfsmount=mode))


def test_every_container_option_grant_and_engine():
    c = cluster()
    c.systems[0] = System("n1", 16, 65536, "eth0", "1.2.0", [], "unix:///run/podman/podman.sock")
    c.systems[1] = System("n2", 16, 65536, "eth0", "1.2.0", [], "unix:///run/docker.sock")
    s = server(
        "web",
        image_ref="registry.local:5000/web:1.0",
        allow_pull=True,
        health_cmd="curl -f http://localhost/",
        startup_cmds=["a", "b c"],
        labels={"team": "db", "tier": 3},
        env={"A": "1", "B": 2, "C": True, "D": 1.5, "E": 'say "hi"\\'},
        container={
            "network": "host",
            "user": "1000:1000",
            "cap_add": ["cap_net_admin"],
            "cap_drop": ["ALL"],
            "devices": ["/dev/sg0:/dev/tape0:rw"],
            "command": ["/srv/run", "--fg"],
            "entrypoint": ["/bin/sh", "-c"],
            "read_only": True,
            "ulimits": {"nofile": "1024:2048", "nproc": 64},
            "shm_size": "64MiB",
            "tmpfs": {"/run": "size=8m"},
            "host_paths": {"/var/log/web": "/logs:ro"},
        },
        node_access={
            "capabilities": ["NET_ADMIN"],
            "devices": ["/dev/sg0"],
            "host_network": True,
            "host_paths": ["/var/log/web"],
        },
    )
    assert_as_templates_read_it(c, [s])


def test_one_engine_for_all_systems_and_a_device_override():
    c = cluster(n=2)
    c.systems = [System(f"n{i}", 16, 65536, "eth0", "1.2.0", [], "unix:///run/p.sock")
                 for i in (1, 2)]  # fmt: skip
    assert_as_templates_read_it(c, [server("web", device="bond0")])


def test_group_shapes_without_the_cvm_group():
    servers = [
        server("plain"),
        server("pinned", privileged=True, systems=["n2"]),
        server("fenced", exclusive_storage=True),
        server("fencedpinned", exclusive_storage=True, privileged=True, systems=["n1"]),
        server("mailed", admin_email="ops@example.com"),
        server("bare", address=None, mounts=[], ports=[], env={}, hostname=None),
        server("noaddr", address=None),
        server("noports", ports=[]),
        server(
            "many",
            cpus=0,
            memory_mib=0,
            priority=0,
            mounts=[
                Mount("a", "dg1", "v1", None, "/a", "a", read_only=True),
                Mount("b", "dg1", "v2", None, None, "b"),
                Mount("c", "dg2", "v1", "/srv/many/c", "/c", "c"),
            ],
        ),  # fmt: skip
        server("parent", dependencies=[dep("plain"), dep("many", location="global")]),
    ]
    assert_as_templates_read_it(cluster(emit_cvm=False), servers, Options(cfsmount="vxha"))


@pytest.mark.parametrize("mode", ["veritas", "vxha"])
def test_random_servers(mode):
    rng = random.Random(13)
    servers = []
    for i in range(40):
        name = f"s{i}"
        servers.append(
            server(
                name,
                address=rng.choice([None, f"10.1.0.{i + 1}"]),
                ports=[Port(8000 + i, 80, rng.choice(["tcp", "udp"]))] * rng.randint(0, 1),
                mounts=[
                    Mount(
                        f"m{k}",
                        f"{name}dg{k % 2}",
                        f"v{k}",
                        None,
                        rng.choice([None, "/d"]),
                        f"m{k}",
                        read_only=rng.random() < 0.3,
                    )
                    for k in range(rng.randint(0, 3))
                ],  # fmt: skip
                exclusive_storage=rng.random() < 0.2,
                privileged=rng.random() < 0.1,
                systems=rng.choice([None, ["n1", "n2"], ["n3"]]),
                admin_email=rng.choice([None, f"{name}@example.com"]),
                cpus=rng.choice([0, 0.5, 2]),
                env={f"K{k}": rng.choice(["x", 7, "a b", ""]) for k in range(rng.randint(0, 3))},
                dependencies=[dep(f"s{i - 1}", location="global")]
                if i and rng.random() < 0.3
                else [],
            )
        )
    assert_as_templates_read_it(cluster(), servers, Options(cfsmount=mode))


def test_generating_renders_no_template(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("rendered")

    monkeypatch.setattr(generate_module, "render", refuse)
    result = generate(cluster(), [server("w")])
    assert result.config.group("w") is not None


def test_a_model_that_does_not_verify_is_reported_with_its_lines():
    a = server("a", dependencies=[dep("b")])
    b = server("b", dependencies=[dep("a")])
    with pytest.raises(GenerationError, match=r"<rendered main.cf>:\d+.*cycle"):
        generate(cluster(), [a, b])


def test_built_in_templates_given_as_an_admins_give_the_same_main_cf(tmp_path):
    for template in TEMPLATES.glob("*.j2"):
        shutil.copy(template, tmp_path / template.name)
    c = load_cluster(str(EXAMPLES / "cluster.yaml"))
    servers = load_servers([str(EXAMPLES / "servers")], str(EXAMPLES / "images"), c)
    built = generate(c, servers)
    rendered = generate(c, servers, templates=str(tmp_path))
    assert rendered.text == built.text
    assert rendered.config == built.config
