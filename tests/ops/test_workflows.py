"""Maintenance, deletion, inventory, apply and add-types against the simulator's shims."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pexpect
import pytest
from ops_cluster import VXHA, Cluster, generate

from vxha.profiles import EXAMPLES


def test_inventory_lists_every_server_with_its_groups_and_states(cluster):
    out = cluster.vxha("inventory", "--json", check=True).stdout
    report = json.loads(out)
    servers = {e["server"]: e["groups"] for e in report["servers"]}
    assert set(servers) == {
        "auth1",
        "db1",
        "dedup_cloud1",
        "dedup_disk1",
        "nbu_master1",
        "nbu_media1",
        "nbu_mediafc1",
    }
    assert set(servers["db1"]) == {"db1", "db1_storage"}
    assert list(servers["db1"]["db1"].values()).count("ONLINE") == 1
    assert report["orphan_storage"] == []


def test_maintenance_disables_freezes_records_and_vcs_does_not_act(cluster):
    where = cluster.online_on("db1")
    assert len(where) == 1
    on = cluster.vxha("maintenance", "on", "db1", "--reason", "upgrade to 10.12")
    assert on.returncode == 0, on.stderr
    for system in ("n1", "n2", "n3"):
        assert cluster.value("db1", "Enabled", system) == "0"
    # disabled, an online group is still monitored and acted on: vxha froze it too
    assert cluster.value("db1", "Frozen") == "1"
    # the storage group is left alone unless asked
    assert cluster.value("db1_storage", "Enabled", "n1") == "1"
    assert cluster.value("db1_storage", "Frozen") == "0"
    listed = cluster.vxha("maintenance", "list", check=True).stdout
    assert "db1" in listed and "upgrade to 10.12" in listed and "by " in listed
    assert "(frozen by vxha)" in listed
    rows = json.loads(cluster.vxha("maintenance", "list", "--json", check=True).stdout)
    assert all(r["frozen_by_vxha"] for r in rows) and len(rows) == 3
    assert sorted(line.split()[2] for line in listed.splitlines()) == ["n1", "n2", "n3"]

    cluster.event("container_dies", resource="db1_ctr", system=where[0])
    cluster.advance(900)
    # the fault is shown, and nothing else: no clean, no offline, no failover
    assert cluster.states()["db1"][where[0]] == "PARTIAL|FAULTED"
    assert cluster.online_on("db1") == []
    assert set(cluster.states()["db1"].values()) == {"PARTIAL|FAULTED", "OFFLINE"}
    transcript = cluster.vxha("sim", "transcript", check=True).stdout
    assert "db1_ctr clean" not in transcript and "db1_ip offline" not in transcript

    off = cluster.vxha("maintenance", "off", "db1")
    assert off.returncode == 0, off.stderr
    assert f"hagrp -clear db1 -sys {where[0]}" in off.stdout  # the fault is named
    assert cluster.value("db1", "Enabled", "n1") == "1"
    assert cluster.value("db1", "Frozen") == "0"
    assert cluster.vxha("maintenance", "list", check=True).stdout.startswith("no server")
    cluster.advance(300)
    # thawing does not act on a fault seen while frozen: the admin clears it, then starts
    assert cluster.states()["db1"][where[0]] == "PARTIAL|FAULTED"
    cluster.run("hagrp", "-clear", "db1", "-sys", where[0], check=True)
    cluster.run("hagrp", "-online", "db1", "-sys", where[0], check=True)
    cluster.advance(300)
    assert cluster.online_on("db1") == where


def test_maintenance_never_thaws_an_admins_freeze(cluster):
    cluster.run("haconf", "-makerw", check=True)
    cluster.run("hagrp", "-freeze", "db1", "-persistent", check=True)
    cluster.run("haconf", "-dump", "-makero", check=True)
    cluster.vxha("maintenance", "on", "db1", check=True)
    assert "frozen by vxha" not in cluster.vxha("maintenance", "list", check=True).stdout
    off = cluster.vxha("maintenance", "off", "db1", check=True)
    assert "an admin's freeze is kept" in off.stdout
    assert cluster.value("db1", "Frozen") == "1"
    assert cluster.value("db1", "Enabled", "n1") == "1"


def test_maintenance_thaws_when_the_last_system_leaves_it(cluster):
    where = cluster.online_on("db1")[0]
    other = next(s for s in ("n1", "n2", "n3") if s != where)
    cluster.vxha("maintenance", "on", "db1", "--sys", other, check=True)
    assert cluster.value("db1", "Frozen") == "0"  # not running there: disabling is enough
    cluster.vxha("maintenance", "on", "db1", "--sys", where, check=True)
    assert cluster.value("db1", "Frozen") == "1"
    # the first maintenance to end is the one that froze: the flag passes to the other
    cluster.vxha("maintenance", "off", "db1", "--sys", where, check=True)
    assert cluster.value("db1", "Frozen") == "1"
    assert "frozen by vxha" in cluster.value("db1", "UserStrLocal", other)
    cluster.vxha("maintenance", "off", "db1", "--sys", other, check=True)
    assert cluster.value("db1", "Frozen") == "0"
    assert cluster.online_on("db1") == [where]


def test_maintenance_stopped_after_the_freeze_resumes_and_undoes_it(cluster):
    where = cluster.online_on("db1")[0]
    cluster.fail(f"hagrp -disable db1 -sys {where}")
    out = cluster.vxha("maintenance", "on", "db1", "--sys", where)
    assert out.returncode == 1
    assert "hagrp -freeze db1 -persistent" in out.stderr.split("did not run")[0]
    assert cluster.value("db1", "Frozen") == "1"  # saved: the group is never left unguarded
    resumed = cluster.vxha("maintenance", "--resume", "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert cluster.value("db1", "Enabled", where) == "0"
    undone = cluster.vxha("maintenance", "--undo", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert undone.stdout.rindex("hagrp -unfreeze db1") > undone.stdout.index("hagrp -enable db1")
    assert cluster.value("db1", "Frozen") == "0"
    assert cluster.value("db1", "Enabled", where) == "1"
    assert cluster.value("db1", "UserStrLocal", where) == ""


def test_maintenance_on_one_system_only(cluster):
    cluster.vxha("maintenance", "on", "auth1", "--sys", "n2", check=True)
    assert cluster.value("auth1", "Enabled", "n2") == "0"
    assert cluster.value("auth1", "Enabled", "n1") == "1"
    bad = cluster.vxha("maintenance", "on", "nbu_mediafc1", "--sys", "n1")
    assert bad.returncode == 1
    assert "not in the SystemList of group nbu_mediafc1" in bad.stderr


def test_maintenance_off_on_one_system_ends_it_there_only(cluster):
    cluster.vxha("maintenance", "on", "db1", "--reason", "disk swap", check=True)
    cluster.vxha("maintenance", "off", "db1", "--sys", "n2", check=True)
    assert cluster.value("db1", "Enabled", "n2") == "1"
    assert cluster.value("db1", "Enabled", "n1") == "0"
    assert cluster.value("db1", "Enabled", "n3") == "0"
    listed = cluster.vxha("maintenance", "list", check=True).stdout.splitlines()
    assert [line.split()[2] for line in listed] == ["n1", "n3"]
    assert all("disk swap" in line for line in listed)
    assert cluster.value("db1", "UserStrLocal", "n2") == ""


def test_maintenance_refuses_a_group_in_transition(cluster):
    where = cluster.online_on("db1")[0]
    cluster.run(
        VXHA,
        "sim",
        "event",
        "hang",
        "--resource",
        "db1_ctr",
        "--system",
        where,
        "--args",
        json.dumps({"entry_point": "offline"}),
        check=True,
    )
    cluster.run("hagrp", "-offline", "db1", "-sys", where, check=True)
    cluster.advance(5)
    state = cluster.state("db1", where)
    assert "STOPPING" in state
    refused = cluster.vxha("maintenance", "on", "db1")
    assert refused.returncode == 1
    assert f"group db1 is in transition on {where}" in refused.stderr
    assert cluster.value("db1", "Enabled", where) == "1"


def test_unknown_server_is_named(cluster):
    out = cluster.vxha("maintenance", "on", "nosuch")
    assert out.returncode == 1
    assert "no server named 'nosuch'" in out.stderr and "db1" in out.stderr


def test_configuration_is_read_only_outside_the_workflows(cluster):
    refused = cluster.run("hagrp", "-modify", "db1", "Priority", "3")
    assert refused.returncode != 0
    assert "V-16-1-10369 Cluster not writable" in refused.stderr
    cluster.vxha("maintenance", "on", "db1", check=True)
    # the workflow opened the configuration and closed it again
    again = cluster.run("haconf", "-dump", "-makero")
    assert "V-16-1-10369" in again.stdout + again.stderr


def test_delete_keep_data_then_now_leaves_nothing_dangling(cluster):
    cluster.copy_profiles()
    out = cluster.vxha("delete", "dedup_cloud1", "--keep-data", "--yes")
    assert out.returncode == 0, out.stderr
    groups = cluster.groups()
    assert "dedup_cloud1" not in groups and "dedup_cloud1_storage" in groups
    inv = json.loads(cluster.vxha("inventory", "--json", check=True).stdout)
    orphans = {o["group"]: o for o in inv["orphan_storage"]}
    assert orphans["dedup_cloud1_storage"]["delete"] == "vxha delete dedup_cloud1 --now"
    assert "storage without a server" in cluster.vxha("inventory", check=True).stdout

    now = cluster.vxha("delete", "dedup_cloud1", "--now", "--yes")
    assert now.returncode == 0, now.stderr
    assert "dedup_cloud1_storage" not in cluster.groups()
    verify = cluster.run("hacf", "-verify", os.path.dirname(cluster.config))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    with open(cluster.config) as f:
        text = f.read()
    assert "dedup_cloud1" not in text


def test_delete_refuses_a_server_others_depend_on(cluster):
    out = cluster.vxha("delete", "auth1", "--keep-data", "--no-archive", "--yes")
    assert out.returncode == 1
    assert "group(s) nbu_master1 depend on it" in out.stderr
    # nbu_master1 is a server's: its profile is what changes, never an hagrp command
    assert "delete server nbu_master1 first or remove the dependency from its profile" in (
        out.stderr
    )
    assert "hagrp -unlink" not in out.stderr
    assert "auth1" in cluster.groups()


def test_delete_refuses_a_server_frozen_in_maintenance_before_changing_anything(cluster):
    # VCS refuses to take a frozen group offline (Admin 4.1, "Freezing Service Groups"):
    # delete must say so and how to end it, not stop at its offline step
    cluster.vxha("maintenance", "on", "nbu_media1", check=True)
    before = Path(cluster.config).read_text()
    out = cluster.vxha("delete", "nbu_media1", "--keep-data", "--no-archive", "--yes")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "nothing was changed" in out.stderr
    assert "frozen" in out.stderr and "vxha maintenance off nbu_media1" in out.stderr
    assert Path(cluster.config).read_text() == before
    assert "nbu_media1" in cluster.groups() and cluster.online_on("nbu_media1")
    # an admin's own freeze names the admin's thaw instead
    cluster.vxha("maintenance", "off", "nbu_media1", check=True)
    cluster.run("haconf", "-makerw", check=True)
    cluster.run("hagrp", "-freeze", "nbu_media1", "-persistent", check=True)
    cluster.run("haconf", "-dump", "-makero", check=True)
    out = cluster.vxha("delete", "nbu_media1", "--keep-data", "--no-archive", "--yes")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "hagrp -unfreeze nbu_media1 -persistent" in out.stderr


def test_delete_stopped_halfway_says_what_is_left(cluster):
    cluster.fail("hares -delete nbu_media1_ctr")
    out = cluster.vxha("delete", "nbu_media1", "--keep-data", "--no-archive", "--yes")
    assert out.returncode == 1
    assert "stopped at step" in out.stderr and "hares -delete nbu_media1_ctr" in out.stderr
    assert "did not run" in out.stderr and "hagrp -delete nbu_media1" in out.stderr
    assert "vxha delete --resume" in out.stderr and "vxha delete --undo" in out.stderr
    # what is left: the group with the resources not yet deleted, offline everywhere
    assert "nbu_media1" in cluster.groups()
    left = cluster.run("hagrp", "-resources", "nbu_media1", check=True).stdout.split()
    assert "nbu_media1_ctr" in left and "nbu_media1_pf" in left
    assert cluster.online_on("nbu_media1") == []
    # and the configuration was saved and closed
    again = cluster.run("haconf", "-dump", "-makero")
    assert "V-16-1-10369" in again.stdout + again.stderr
    resumed = cluster.vxha("delete", "--resume", "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "nbu_media1" not in cluster.groups()


def test_shred_needs_the_server_name_typed_back(cluster, tmp_path):
    log = tmp_path / "vxassist.log"
    (cluster.wrap / "vxassist").write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    (cluster.wrap / "vxassist").chmod(0o755)
    cluster.copy_profiles()
    argv = ["delete", "dedup_disk1", "--now", "--shred"]
    child = pexpect.spawn(VXHA, argv, env=cluster.env, encoding="utf-8", timeout=60)
    child.expect("Type the server name to confirm: ")
    child.sendline("dedup_disk")
    child.expect("confirmation did not match: nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "dedup_disk1_storage" in cluster.groups() and not log.exists()

    child = pexpect.spawn(VXHA, argv, env=cluster.env, encoding="utf-8", timeout=60)
    child.expect("Type the server name to confirm: ")
    child.sendline("dedup_disk1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "dedup_disk1_storage" not in cluster.groups()
    assert log.read_text().split("\n")[0].startswith("-g dedupdisk1dg remove volume")


def test_shred_without_a_terminal_needs_yes(cluster):
    out = cluster.vxha(
        "delete", "dedup_disk1", "--now", "--shred", "--no-archive", input="dedup_disk1\n"
    )
    assert out.returncode == 1
    assert "--shred destroys data" in out.stderr
    assert "dedup_disk1_storage" in cluster.groups()


def test_apply_adds_a_server_to_the_running_cluster(tmp_path):
    old = generate(str(tmp_path / "old.cf"), exclude=("dedup_cloud1",))
    c = Cluster(tmp_path, old)
    try:
        assert "dedup_cloud1" not in c.groups()
        new = generate(str(tmp_path / "new.cf"))
        c.provision(new)
        dry = c.vxha("apply", new, "--current", c.config, "--dry-run", check=True)
        assert "hagrp -add dedup_cloud1" in dry.stdout
        assert "dedup_cloud1" not in c.groups()
        out = c.vxha("apply", new, "--current", c.config)
        assert out.returncode == 0, out.stdout + out.stderr
        assert {"dedup_cloud1", "dedup_cloud1_storage"} <= c.groups()
        # started: storage where its AutoStartList says, the container group once
        assert len(c.online_on("dedup_cloud1")) == 1
        assert sorted(c.online_on("dedup_cloud1_storage")) == ["n1", "n2", "n3"]
        again = c.vxha("apply", new, "--current", c.config, check=True)
        assert "already matches" in again.stdout
        # with --json the dry run is the plan as JSON, empty too (a script reads it)
        dry = c.vxha("apply", new, "--current", c.config, "--dry-run", "--json", check=True)
        assert json.loads(dry.stdout)["steps"] == []
    finally:
        c.stop()


def test_cluster_add_types_registers_the_types(cluster):
    # the cluster was made from a main.cf that includes vxha's current types: the dry run
    # shows nothing to run, and the run changes nothing
    dry = cluster.vxha("cluster", "add-types", "--dry-run", check=True).stdout
    assert "nothing to do" in dry and "hatype -add" not in dry and "haattr" not in dry
    out = cluster.vxha("cluster", "add-types")
    assert out.returncode == 0, out.stdout + out.stderr
    for name in ("Container", "HostIP", "PortForward", "CFSMount"):
        assert f"type {name}: up to date" in out.stdout
    assert "added" not in out.stdout
    listed = cluster.run("hatype", "-list", check=True).stdout.split()
    assert {"Container", "HostIP", "PortForward"} <= set(listed)


@pytest.mark.slow
def test_demo_shows_the_failover_and_the_ignored_fault(tmp_path):
    import subprocess

    out = subprocess.run(
        [VXHA, "demo", "--out", str(tmp_path / "demo"), "--html", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "detected, cleaned and failed over" in out.stdout
    assert "VCS does not act" in out.stdout
    assert "hagrp -disable" in out.stdout and "hagrp -enable" in out.stdout
    # vxha why names the freeze, then the free system; running what it names brings it back
    assert "      clear: hagrp -unfreeze " in out.stdout
    assert "nothing keeps it offline: VCS would place it on" in out.stdout
    assert "is back online on" in out.stdout and "by the commands vxha why named" in out.stdout
    assert 'nbu_media1_ctr: AddOns = { "nbu-s3-plugin:1.0 /opt/plugins/s3" }' in out.stdout
    assert "mounts the volumes of nbu_media1.addon.nbu-s3-plugin, nbu_media1.hotfix." in out.stdout
    page = (tmp_path / "r.html").read_text()
    assert page.count("<rect") > 50 and "FAULTED" in page


@pytest.mark.slow
def test_the_demo_runs_on_a_site_whose_nics_are_not_eth0(tmp_path):
    """A new admin's site: the systems' NICs are ens192 and ens224, and nothing is eth0."""
    import shutil
    import subprocess

    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLES, profiles)
    cluster = profiles / "cluster.yaml"
    text = cluster.read_text()
    assert text.count("nic: eth0") == 3
    for nic in ("ens192", "ens224", "ens192"):
        text = text.replace("nic: eth0", f"nic: {nic}", 1)
    cluster.write_text(text)
    out = subprocess.run(
        [VXHA, "demo", "--profiles", str(profiles), "--out", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    main_cf = (tmp_path / "demo" / "main.cf").read_text()
    assert "eth0" not in main_cf
    assert "Device @n1 = ens192" in main_cf and "Device @n2 = ens224" in main_cf
    assert "detected, cleaned and failed over" in out.stdout
    assert "VCS does not act" in out.stdout
    assert "is back online on" in out.stdout and "by the commands vxha why named" in out.stdout
    # with the NICs the configuration names, no HostIP ever faults (with eth0 assumed, all did)
    transcript = (tmp_path / "demo" / "transcript.txt").read_text()
    assert re.search(r" \S+_ip \S+ -> ONLINE", transcript)
    assert not re.search(r" \S+_ip \S+ -> \S*FAULTED", transcript)


def test_delete_asks_archives_the_profile_and_undoes(cluster):
    profiles = cluster.copy_profiles()
    where = {g: cluster.online_on(g) for g in ("nbu_media1", "nbu_media1_storage")}
    asked = cluster.vxha("delete", "nbu_media1", "--now")
    assert asked.returncode == 1 and "confirm at a terminal, or pass --yes" in asked.stderr
    assert "nbu_media1" in cluster.groups()
    out = cluster.vxha("delete", "nbu_media1", "--now", "--yes")
    assert out.returncode == 0, out.stdout + out.stderr
    assert not {"nbu_media1", "nbu_media1_storage"} & cluster.groups()
    assert not (profiles / "nbu_media1.yaml").exists()
    inv = json.loads(cluster.vxha("inventory", "--json", check=True).stdout)
    assert [a["server"] for a in inv["archived"]] == ["nbu_media1"]
    assert inv["archived"][0]["restore"] == "vxha restore nbu_media1"
    assert "archived profiles" in cluster.vxha("inventory", check=True).stdout
    # the next generate from the profile directory no longer has it
    regen = cluster.vxha(
        "generate",
        "--cluster",
        os.path.join(EXAMPLES, "cluster.yaml"),
        str(profiles),
        "--images",
        os.path.join(EXAMPLES, "images"),
        check=True,
    ).stdout
    assert "nbu_media1" not in regen

    undone = cluster.vxha("delete", "--undo", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert (profiles / "nbu_media1.yaml").exists()
    assert {g: cluster.online_on(g) for g in where} == where


def test_a_delete_stopped_before_archiving_is_undone_with_its_profile_left_in_place(cluster):
    """--undo moves back only the profiles the stopped plan moved: a delete stopped at its
    first step never archived the profile, and the undo used to stop trying to move it
    from the archive (found by test_ops_properties.py)."""
    profiles = cluster.copy_profiles()
    where = {g: cluster.online_on(g) for g in ("nbu_media1", "nbu_media1_storage")}
    cluster.fail("hagrp -offline nbu_media1 ")
    out = cluster.vxha("delete", "nbu_media1", "--now", "--yes")
    assert out.returncode == 1 and "stopped at step 1 " in out.stderr, out.stdout + out.stderr
    undone = cluster.vxha("delete", "--undo", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert (profiles / "nbu_media1.yaml").exists()
    assert not (profiles / "archive").exists() or not list((profiles / "archive").iterdir())
    assert {g: cluster.online_on(g) for g in where} == where


def test_restore_puts_an_archived_profile_back(cluster, tmp_path):
    profiles = cluster.copy_profiles(["db1"])
    (profiles / "archive").mkdir()
    (profiles / "db1.yaml").rename(profiles / "archive" / "db1@20240101T000000Z.yaml")
    out = cluster.vxha("restore", "db1", check=True)
    assert "restored" in out.stdout and (profiles / "db1.yaml").exists()
    again = cluster.vxha("restore", "db1")
    assert again.returncode == 1 and "no archived profile of db1" in again.stderr


# One exit code per case, from the rule: a usage error is argparse's 2 (the parser's
# p.error), anything the command cannot do on this node (no ha* command, no plan, a
# missing file) is 1 (cli/main.py).
@pytest.mark.parametrize(
    "argv, code",
    [
        (["apply", "--resume"], 1),
        (["apply", "--undo"], 1),
        (["apply", "/nonexistent/main.cf"], 1),
        (["apply"], 2),
        (["maintenance"], 2),
        (["maintenance", "list"], 1),
        (["maintenance", "on"], 2),
        (["delete", "x", "--now"], 2),  # no --profiles: archiving needs one (p.error)
        (["delete", "x", "--now", "--no-archive", "--config-dir", "/nonexistent"], 1),
        (["restore", "x", "--profiles", "/nonexistent"], 1),
        (["inventory"], 1),
        (["cluster", "add-types", "--types", "NoSuchType"], 1),
    ],
)
def test_no_traceback_whatever_the_arguments(tmp_path, argv, code):
    import subprocess

    env = dict(
        os.environ,
        PATH=f"{tmp_path}:{os.path.dirname(VXHA)}:/usr/bin:/bin",  # no ha* commands at all
        VXHA_STATE_DIR=str(tmp_path / "state"),
        VXHA_CONFIG_DIR=str(tmp_path / "conf"),
    )
    out = subprocess.run([VXHA, *argv], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == code, out
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.strip(), argv


def test_cluster_add_types_adds_what_a_cluster_lacks(tmp_path):
    main_cf = tmp_path / "main.cf"
    main_cf.write_text(
        'include "types.cf"\n\ncluster plain (\n\t)\n\nsystem n1 (\n\t)\n\nsystem n2 (\n\t)\n'
    )
    c = Cluster(tmp_path, str(main_cf))
    try:
        out = c.vxha("cluster", "add-types", "--types", "Container,HostIP")
        assert out.returncode == 0, out.stdout + out.stderr
        assert "type Container: added" in out.stdout and "type HostIP: added" in out.stdout
        assert "up to date" not in out.stdout
        listed = c.run("hatype", "-list", check=True).stdout.split()
        assert {"Container", "HostIP"} <= set(listed) and "PortForward" not in listed
        again = c.vxha("cluster", "add-types", "--types", "Container", check=True).stdout
        assert "type Container: up to date" in again and "nothing to do" in again
    finally:
        c.stop()


@pytest.mark.parametrize("failing", ["SystemList", "UserStrGlobal"])
def test_apply_stopped_right_after_adding_a_group_is_undone_whole(tmp_path, failing):
    """A plan that stops between adding a group and the rest of its attributes leaves a
    group --undo deletes: the marker is the first attribute set (found by
    test_ops_properties.py), and a group the plan added but could not mark yet is deleted
    all the same."""
    old = generate(str(tmp_path / "old.cf"), exclude=("dedup_cloud1",))
    c = Cluster(tmp_path, old)
    try:
        new = generate(str(tmp_path / "new.cf"))
        c.provision(new)
        c.fail(f"hagrp -modify dedup_cloud1 {failing}")
        out = c.vxha("apply", new, "--yes")
        assert out.returncode == 1 and "stopped at step" in out.stderr, out.stdout + out.stderr
        ran = out.stderr.split("did not run")[0]
        assert "hagrp -add dedup_cloud1\n" in ran
        if failing == "SystemList":
            assert "hagrp -modify dedup_cloud1 UserStrGlobal" in ran
            assert c.value("dedup_cloud1", "UserStrGlobal").startswith("vxha:server=")
        undone = c.vxha("apply", "--undo", "--yes")
        assert undone.returncode == 0, undone.stdout + undone.stderr
        assert not {"dedup_cloud1", "dedup_cloud1_storage"} & c.groups()
    finally:
        c.stop()


def test_delete_stopped_before_its_offline_resumes(cluster):
    """Stopped at its first step (the group's offline), delete --resume takes the group
    offline, then deletes its resources: the resumed run knows they went offline with
    their group (found by test_ops_properties.py: it stopped at the first resource's
    delete, "needs resource offline everywhere")."""
    (where,) = cluster.online_on("nbu_media1")
    cluster.fail(f"hagrp -offline nbu_media1 -sys {where}")
    out = cluster.vxha("delete", "nbu_media1", "--keep-data", "--no-archive", "--yes")
    assert out.returncode == 1 and "stopped at step 1 " in out.stderr, out.stdout + out.stderr
    resumed = cluster.vxha("delete", "--resume", "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "nbu_media1" not in cluster.groups()
