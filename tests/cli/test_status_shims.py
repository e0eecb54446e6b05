"""vxha status and vxha why as an administrator runs them on a node: whole processes against
``vxha sim serve`` with the ha* shims on PATH, each ha* process they start counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ops"))
from ops_cluster import VXHA, Cluster, generate  # noqa: E402 - the served cluster of the ops tests

SERVERS = ("auth1", "db1")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("status")
    c = Cluster(tmp, generate(str(tmp / "main.cf"), only=SERVERS))
    yield c
    c.stop()


def counted(cluster, *argv):
    cluster.reset_calls()
    proc = cluster.vxha(*argv)
    return proc, cluster.calls()


def test_status_is_one_table_per_server_from_three_reads(cluster):
    proc, calls = counted(cluster, "status")
    assert proc.returncode == 0, proc.stderr
    assert [c.split()[:2] for c in calls] == [
        ["hagrp", "-display"],
        ["hares", "-display"],
        ["hasys", "-display"],
    ]
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["SYSTEM", "STATE", "FROZEN"]
    header = next(line for line in lines if line.startswith("SERVER"))
    systems = header.split()[2:]
    assert systems and all(s.startswith("n") for s in systems)
    for server in SERVERS:
        storage = next(line for line in lines if line.split()[:2] == [server, f"{server}_storage"])
        failover = next(line for line in lines if line.split()[:1] == [server])
        assert failover.split()[0] == server
        assert storage.split().count("ONLINE") >= 1
        assert cluster.online_on(server)  # the table and the engine agree below
    data = json.loads(cluster.vxha("status", "--json", check=True).stdout)
    by_name = {s["name"]: s for s in data["servers"]}
    assert sorted(by_name) == sorted(SERVERS)
    for server in SERVERS:
        (failover,) = [g for g in by_name[server]["groups"] if g["name"] == server]
        online = [r["system"] for r in failover["systems"] if r["state"] == "ONLINE"]
        assert online == cluster.online_on(server)


def test_why_names_each_reason_and_the_command_that_clears_it(cluster):
    (where,) = cluster.online_on("db1")
    proc, calls = counted(cluster, "why", "db1")
    assert proc.returncode == 0 and "is online where expected" in proc.stdout, proc.stderr
    assert len(calls) <= 5 and not any(" -value " in c or " -state " in c for c in calls)

    cluster.run("hagrp", "-offline", "db1", "-sys", where, check=True)
    cluster.advance(120)
    cluster.run("hagrp", "-freeze", "db1", check=True)
    proc = cluster.vxha("why", "db1")
    assert proc.returncode == 1, proc.stderr
    assert "frozen (temporary)" in proc.stdout
    assert "      clear: hagrp -unfreeze db1" in proc.stdout.splitlines()
    cluster.run("hagrp", "-unfreeze", "db1", check=True)

    answer = json.loads(cluster.vxha("why", "db1", "--json").stdout)
    assert not answer["ok"] and answer["forecast"]
    # First the system where nothing blocks it, then why not the others: db1's storage is
    # exclusive (a failover group), online on one system only.
    reason, *others = answer["reasons"]
    assert {r["system"] for r in others} == {"n1", "n2", "n3"} - {answer["forecast"]}
    assert all("requires group db1_storage" in r["reason"] for r in others)
    assert reason["read_from"] == "hagrp -forecast"
    assert reason["clear"] == [f"hagrp -online db1 -sys {answer['forecast']}"]
    cluster.run(*reason["clear"][0].split(), check=True)
    cluster.advance(120)
    proc = cluster.vxha("why", "db1")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_why_of_a_server_in_maintenance_names_maintenance_off(cluster):
    (where,) = cluster.online_on("auth1")
    cluster.run("hagrp", "-offline", "auth1", "-sys", where, check=True)
    cluster.advance(120)
    # Not running: maintenance only disables it (and records), no freeze.
    cluster.vxha("maintenance", "on", "auth1", "--reason", "kernel patch", check=True)
    proc = cluster.vxha("why", "auth1")
    assert proc.returncode == 1
    assert f"  {where}: in maintenance on {where}" in proc.stdout
    assert f"      clear: vxha maintenance off auth1 --sys {where}" in proc.stdout.splitlines()
    assert "frozen" not in proc.stdout
    status = cluster.vxha("status", check=True).stdout
    assert "kernel patch" in status and "maintenance" in status
    cluster.vxha("maintenance", "off", "auth1", check=True)
    cluster.run("hagrp", "-online", "auth1", "-sys", where, check=True)
    cluster.advance(120)


def test_why_of_a_freeze_made_by_maintenance_names_maintenance_off(cluster):
    (where,) = cluster.online_on("auth1")
    cluster.vxha("maintenance", "on", "auth1", check=True)  # running: frozen too
    cluster.event("container_dies", resource="auth1_ctr", system=where)
    cluster.advance(300)
    proc = cluster.vxha("why", "auth1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    frozen = next(i for i, line in enumerate(lines) if "(frozen by vxha maintenance)" in line)
    assert lines[frozen + 2] == "      clear: vxha maintenance off auth1"
    assert "hagrp -unfreeze" not in proc.stdout  # a thaw by hand would orphan the records
    cluster.vxha("maintenance", "off", "auth1", check=True)
    assert cluster.value("auth1", "Frozen") == "0"


def test_unknown_server_and_no_cluster_are_one_line_errors(cluster, tmp_path):
    proc = cluster.vxha("why", "nosuch")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "vxha: no server named 'nosuch' in the cluster (servers: auth1, db1)"
    ]
    away = dict(cluster.env, VXHA_SIM_SOCKET=str(tmp_path / "none.sock"))
    for argv in (["status"], ["why", "db1"]):
        proc = subprocess.run(
            [VXHA, *argv], env=away, capture_output=True, text=True, timeout=120, check=False
        )
        assert proc.returncode == 1 and proc.stderr.startswith("vxha: "), proc.stderr
        assert "Traceback" not in proc.stderr
