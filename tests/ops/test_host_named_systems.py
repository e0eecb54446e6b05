"""Operations on a cluster whose systems are named as its nodes are (`rac-node1`,
`rac-node2.corp.example`; profile schema 1.3.0): maintenance, apply and delete name them
in every `-sys` and per-system value exactly as VCS does, quoted in main.cf where a dot
makes them so."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from ops_cluster import Cluster, example_servers, generate

from vxha.profiles import EXAMPLES

HOSTS = {"n1": "rac-node1", "n2": "rac-node2.corp.example", "n3": "node-3"}


def _profiles(tmp_path):
    """The examples' cluster and servers with the systems renamed (schema 1.3.0)."""
    text = open(os.path.join(EXAMPLES, "cluster.yaml")).read()
    for old, new in HOSTS.items():
        text = re.sub(rf"\b{old}\b", new, text)
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(re.sub(r"(?m)^schema: .*$", "schema: 1.3.0", text))
    servers = tmp_path / "servers"
    servers.mkdir()
    for path in example_servers():
        data = yaml.safe_load(open(path).read())
        if "systems" in data:
            data["systems"] = [HOSTS[s] for s in data["systems"]]
            data["schema"] = "1.3.0"
        (servers / os.path.basename(path)).write_text(yaml.safe_dump(data, sort_keys=False))
    return cluster, servers


def _main_cf(path, cluster_yaml, servers, exclude=()):
    paths = sorted(str(p) for p in servers.glob("*.yaml") if p.stem not in exclude)
    return generate(str(path), servers=paths, cluster=str(cluster_yaml))


@pytest.fixture
def hosts(tmp_path):
    cluster_yaml, servers = _profiles(tmp_path)
    main_cf = _main_cf(tmp_path / "main.cf", cluster_yaml, servers)
    c = Cluster(tmp_path, main_cf)
    c.cluster_yaml, c.servers = cluster_yaml, servers
    yield c
    c.stop()


def test_maintenance_on_and_off_on_host_named_systems(hosts):
    where = hosts.online_on("db1")
    assert len(where) == 1 and where[0] in HOSTS.values()
    on = hosts.vxha("maintenance", "on", "db1", "--reason", "disk swap")
    assert on.returncode == 0, on.stderr
    for system in HOSTS.values():
        assert hosts.value("db1", "Enabled", system) == "0"
    listed = hosts.vxha("maintenance", "list", check=True).stdout
    assert sorted(line.split()[2] for line in listed.splitlines()) == sorted(HOSTS.values())
    off = hosts.vxha("maintenance", "off", "db1")
    assert off.returncode == 0, off.stderr
    assert all(hosts.value("db1", "Enabled", s) == "1" for s in HOSTS.values())
    # the dump keeps the dotted name quoted: the configuration reads back
    text = open(hosts.config).read()
    assert 'system "rac-node2.corp.example"' in text and "system rac-node1" in text
    assert hosts.vxha("verify", hosts.config).returncode == 0


def test_delete_and_undo_on_host_named_systems(hosts):
    gone = hosts.vxha("delete", "nbu_media1", "--now", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "nbu_media1" not in hosts.groups()
    back = hosts.vxha("delete", "--undo", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert {"nbu_media1", "nbu_media1_storage"} <= set(hosts.groups())
    assert hosts.value("nbu_media1", "SystemList") == "rac-node1 0 rac-node2.corp.example 1"


def test_apply_adds_a_server_pinned_to_host_named_systems(tmp_path):
    cluster_yaml, servers = _profiles(tmp_path)
    old = _main_cf(tmp_path / "old.cf", cluster_yaml, servers, exclude=("nbu_media1",))
    c = Cluster(tmp_path, old)
    try:
        new = _main_cf(tmp_path / "new.cf", cluster_yaml, servers)
        c.provision(new)
        out = c.vxha("apply", new, "--current", c.config)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "hagrp -modify nbu_media1 SystemList rac-node1 0 rac-node2.corp.example 1" in (
            out.stdout
        )
        assert len(c.online_on("nbu_media1")) == 1
        assert set(c.online_on("nbu_media1")) <= {"rac-node1", "rac-node2.corp.example"}
        again = c.vxha("apply", new, "--current", c.config, check=True)
        assert "already matches" in again.stdout
    finally:
        c.stop()
