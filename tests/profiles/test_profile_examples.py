"""The shipped examples validate clean and resolve to what the generator expects."""

from __future__ import annotations

import glob
import os

import pytest

from vxha.profiles import EXAMPLES, load_cluster, load_servers, validate_paths

SERVERS = sorted(glob.glob(os.path.join(EXAMPLES, "servers", "*.yaml")))
IMAGES = os.path.join(EXAMPLES, "images")


@pytest.fixture(scope="module")
def servers():
    cluster = load_cluster(os.path.join(EXAMPLES, "cluster.yaml"))
    return {s.name: s for s in load_servers(SERVERS, image_root=IMAGES, cluster=cluster)}


def test_examples_validate_clean():
    session = validate_paths([EXAMPLES])
    errors, warnings = session.split()
    assert errors == [] and warnings == []
    assert len(session.servers()) == len(SERVERS) >= 5


def test_cluster_has_three_systems():
    cluster = load_cluster(os.path.join(EXAMPLES, "cluster.yaml"))
    assert [s.name for s in cluster.systems] == ["n1", "n2", "n3"]
    assert cluster.cvm_group == "cvm" and cluster.emit_cvm is True
    assert cluster.systems[0].memory_mib == 64 * 1024 and cluster.systems[0].cpus == 16.0
    assert cluster.systems[2].schema_version == "1.0.0"
    assert "nbu:10.3" in cluster.systems[0].images


def test_image_kinds_present():
    ids = sorted(os.listdir(IMAGES))
    assert {"nbu", "dedup", "authsvc", "mariadb", "nbu-s3-plugin", "nbu-hotfix-10-3-1"} <= set(ids)
    apps = sorted(os.listdir(os.path.join(IMAGES, "nbu", "applications")))
    assert apps == ["master.yaml", "media-fc.yaml", "media-net.yaml"]
    assert sorted(os.listdir(os.path.join(IMAGES, "dedup", "applications"))) == [
        "cloud.yaml",
        "disk.yaml",
    ]


def test_privileged_server_is_pinned(servers):
    fc = servers["nbu_mediafc1"]
    assert fc.privileged and not fc.relocatable
    assert fc.systems == ["n3"]


def test_exclusive_storage(servers):
    assert servers["db1"].exclusive_storage is True
    assert servers["nbu_master1"].exclusive_storage is False


def test_hard_local_child_dependency(servers):
    (dep,) = servers["nbu_master1"].dependencies
    assert (dep.image, dep.relation, dep.location, dep.requirement, dep.runtime, dep.server) == (
        "authsvc",
        "child",
        "local",
        "mandatory",
        "hard",
        "auth1",
    )


def test_soft_global_child_dependency(servers):
    (dep,) = servers["dedup_disk1"].dependencies
    assert (dep.location, dep.runtime, dep.server) == ("global", "soft", "db1")


def test_master_drops_the_data_disk_media_keeps_it(servers):
    assert [m.name for m in servers["nbu_master1"].mounts] == ["config", "log"]
    media = {m.name: m for m in servers["nbu_media1"].mounts}
    assert media["data"].container_path == "/data" and media["data"].kind == "data"
    assert media["data"].host_path == "/vx/nbu_media1/data"
    assert (media["data"].diskgroup, media["data"].volume) == ("media1dg", "data")


def test_ports_ssh_and_remap(servers):
    master = servers["nbu_master1"]
    assert [(p.host, p.container) for p in master.ports][-1] == (22, 22)
    cloud = {p.container: p.host for p in servers["dedup_cloud1"].ports}
    assert cloud == {10082: 10082, 10102: 11102}


def test_inputs_become_environment(servers):
    assert servers["nbu_master1"].env == {"NBU_SITE": "hq", "NBU_RETENTION_DAYS": "60"}
    assert servers["dedup_disk1"].env["DEDUP_POOL"] == "pool1"  # default


def test_resolved_fields(servers):
    m = servers["nbu_master1"]
    assert (m.address, m.prefix_len, m.hostname) == (
        "10.200.0.11",
        24,
        "nbu-master1.vxdemo.example",
    )
    assert (m.cpus, m.memory_mib, m.priority) == (4.0, 16384, 1)
    assert m.health_cmd == "/opt/vxos/bin/nbu-health"
    assert m.labels["vxos.image.type"] == "nbu" and m.labels["vxos.vendor"] == "example"
    assert m.source.endswith("nbu_master1.yaml")
    for s in servers.values():
        assert s.address.startswith("10.200.0.")
        assert s.image_version and s.application


def test_load_servers_keeps_given_order():
    order = list(reversed(SERVERS))
    names = [s.name for s in load_servers(order, image_root=IMAGES)]
    assert names == [os.path.basename(p)[:-5] for p in order]


def test_load_servers_defaults_image_root_to_sibling_images():
    assert len(load_servers(SERVERS)) == len(SERVERS)


def test_json_profiles_are_accepted(tmp_path):
    import json
    import shutil

    import yaml

    shutil.copytree(EXAMPLES, tmp_path / "p")
    src = tmp_path / "p" / "servers" / "db1.yaml"
    data = yaml.safe_load(src.read_text())
    data.pop("kind")
    src.unlink()
    (tmp_path / "p" / "servers" / "db1.json").write_text(json.dumps(data, indent=2))
    session = validate_paths([str(tmp_path / "p")])
    assert session.split() == ([], [])
    assert "db1" in [s.name for s in session.servers()]


def test_json_duplicate_keys_are_errors(tmp_path):
    from vxha.profiles.loader import parse_text

    doc = parse_text('{"name": "a", "name": "b", "x": "\\ud83d\\ude00"}', "t.json")
    assert [p.message for p in doc.problems] == ["duplicate key 'name'"]
    assert doc.data["name"] == "a"


def test_load_servers_collects_warnings_for_a_newer_minor(tmp_path):
    import shutil

    shutil.copytree(EXAMPLES, tmp_path / "p")
    path = tmp_path / "p" / "servers" / "auth1.yaml"
    path.write_text(path.read_text().replace("schema: 1.0.0", "schema: 1.4.0") + "future: 1\n")
    warnings = []
    servers = load_servers(
        sorted(str(p) for p in (tmp_path / "p" / "servers").glob("*.yaml")), warnings=warnings
    )
    assert len(servers) == len(SERVERS)
    assert [w.key_path for w in warnings] == ["future"]
    assert warnings[0].severity == "warning" and warnings[0].line == 16


def test_example_servers_use_documentation_addresses_and_vcs_names(servers):
    import ipaddress
    import re

    net = ipaddress.ip_network("10.200.0.0/24")
    for s in servers.values():
        assert ipaddress.ip_address(s.address) in net and s.prefix_len == 24
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", s.name)
        for m in s.mounts:
            assert m.diskgroup and m.volume and m.host_path == f"/vx/{s.name}/{m.name}"
