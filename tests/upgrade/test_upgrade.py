"""vxha upgrade / downgrade against the simulator's shims and the fake container engine:
the example server dedup_disk1 (dedup 2.1) moves to dedup 2.2, whose profile
(profiles/examples/images/dedup/2.2.yaml) upgrades from 2.1, downgrades to 2.1, and
states pre_upgrade, post_upgrade and pre_downgrade commands."""

from __future__ import annotations

import os
import shutil

import yaml
from smtp_sink import Sink

from vxha.profiles import EXAMPLES

SRV, CTR = "dedup_disk1", "dedup_disk1_ctr"
PRE = "/opt/dedup/bin/upgrade-check --from 2.1"  # 2.2's pre_upgrade
POST = "/opt/dedup/bin/reindex-catalog"  # 2.2's post_upgrade
PRE_DOWN = "/opt/dedup/bin/export-catalog --format 2.1"  # 2.2's pre_downgrade
ADMIN = "dedup-admins@vxdemo.example"


def profile_version(cluster):
    return yaml.safe_load((cluster.profiles / f"{SRV}.yaml").read_text())["image_version"]


def maintenance(cluster):
    return {s: (cluster.value(SRV, "Enabled", s), cluster.value(SRV, "UserStrLocal", s))
            for s in ("n1", "n2", "n3")}  # fmt: skip


NOT_IN_MAINTENANCE = {s: ("1", "") for s in ("n1", "n2", "n3")}


def running_image(cluster, system):
    c = cluster.docker(system).inspect(SRV, 5)
    return c and c["image"]


def actions(cluster):
    """The action lines of the transcript: (system, token, exit code)."""
    out = []
    for line in cluster.transcript():
        words = line.split()
        if len(words) >= 6 and words[2] == CTR and words[3] == "action":
            out.append((words[1], words[4], words[6]))
    return out


def test_allowed_upgrade_end_to_end(cluster, tmp_path):
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    assert running_image(cluster, where) == "dedup:2.1"
    # The server names its admin now: the move also sets its groups' triggers.
    profile = cluster.profiles / f"{SRV}.yaml"
    profile.write_text(profile.read_text() + f"admin_email: {ADMIN}\n")
    sink = Sink()
    try:
        cluster.env["VXHA_NOTIFY_CONF"] = sink.conf(tmp_path)
        r = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    finally:
        sink.stop()
    assert r.returncode == 0, r.stdout + r.stderr
    (told,) = sink.received()
    assert told["To"] == ADMIN
    assert told["Subject"] == f"vxha: {SRV}: upgrade to dedup 2.2 done"
    assert f"runs dedup 2.2 (was 2.1) on {where}" in told.get_content()
    assert cluster.value(SRV, "TriggerPath") == "bin/vxha/triggers"
    # the switch: configured and running on the new image, where it ran
    assert cluster.resource(CTR, "Image") == "dedup:2.2"
    assert cluster.online_on(SRV) == [where]
    assert running_image(cluster, where) == "dedup:2.2"
    assert "vxos.image.version 2.2" in cluster.resource(CTR, "Labels")
    # the pre-command ran in a one-off container of the new image with the server's mounts
    (oneoff,) = cluster.docker(where).oneoffs()
    assert (oneoff["image"], oneoff["command"]) == ("dedup:2.2", PRE)
    assert {m["target"] for m in oneoff["mounts"]} == {"/config", "/dedup/data", "/logs"}
    assert oneoff["env"]["DEDUP_POOL"] == "pool1"
    # the post-command inside the new container; in that order, on that system
    assert f"/bin/sh -c {POST}" in cluster.docker(where).exec_log(SRV)
    assert actions(cluster) == [(where, "oneoff", "0"), (where, "exec", "0")]
    # maintenance over, as before; the profile records the version; the plan finished
    assert maintenance(cluster) == NOT_IN_MAINTENANCE
    assert profile_version(cluster) == "2.2"
    assert f"{SRV} now:" in r.stdout and "image_version 2.2" in r.stdout
    again = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    assert again.returncode == 1 and "already runs dedup 2.2" in again.stderr


def test_the_steps_keep_the_documented_order(cluster):
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    r = cluster.upgrade(SRV, "--to", "2.2", "--dry-run")
    assert r.returncode == 0, r.stderr
    steps = [line.split(None, 1)[1] for line in r.stdout.splitlines() if line[:4].strip().isdigit()]
    first = {
        key: next(i for i, s in enumerate(steps) if s.lstrip("STOP ").startswith(key))
        for key in (
            "hagrp -disable",
            "hares -action dedup_disk1_ctr oneoff",
            "hares -modify dedup_disk1_ctr Image",
            "hagrp -enable",
            f"hares -offline {CTR}",
            f"hares -online {CTR}",
            "hares -action dedup_disk1_ctr exec",
            "hares -probe",
            "record-version",
        )
    }
    assert list(first.values()) == sorted(first.values()), first
    assert f"hares -online {CTR} -sys {where}" in r.stdout
    assert "hagrp -online" not in r.stdout  # the group stays up: its resources restart
    # a dry run changes nothing
    assert cluster.resource(CTR, "Image") == "dedup:2.1"
    assert maintenance(cluster) == NOT_IN_MAINTENANCE


def test_a_refused_version(cluster, tmp_path):
    cluster.load("dedup:2.2")
    older = cluster.upgrade(SRV, "--to", "2.0", "--yes")
    assert older.returncode == 1
    assert "2.0 is older than 2.1: that is a downgrade (vxha downgrade dedup_disk1" in older.stderr
    unknown = cluster.upgrade(SRV, "--to", "3.0", "--yes")
    assert unknown.returncode == 1
    assert "image dedup has no version '3.0' (known: 2.0, 2.1, 2.2)" in unknown.stderr
    # a version whose profile does not list 2.1 among those it upgrades from
    images = tmp_path / "images"
    shutil.copytree(os.path.join(EXAMPLES, "images"), images)
    v23 = yaml.safe_load((images / "dedup" / "2.2.yaml").read_text())
    v23.update(version="2.3", upgrade_from=["2.2"], downgrade_to=[])
    (images / "dedup" / "2.3.yaml").write_text(yaml.safe_dump(v23))
    cluster.load("dedup:2.3")
    r = cluster.vxha("upgrade", SRV, "--to", "2.3", "--yes", "--profiles", str(cluster.profiles),
                     "--images", str(images))  # fmt: skip
    assert r.returncode == 1
    assert "dedup 2.3 cannot be upgraded to from 2.1" in r.stderr
    assert "lists upgrade_from: [2.2]" in r.stderr
    # a command time VCS would not give the action (ActionTimeout 30 s, MonitorInterval 60 s)
    r = cluster.upgrade(SRV, "--to", "2.2", "--command-timeout", "600", "--yes")
    assert r.returncode == 1
    assert "VCS ends dedup_disk1_ctr's actions after 30 s" in r.stderr
    # refused before anything ran: not one changing command
    assert cluster.resource(CTR, "Image") == "dedup:2.1"
    assert maintenance(cluster) == NOT_IN_MAINTENANCE
    assert actions(cluster) == []


def test_a_pre_command_that_fails_changes_nothing(cluster):
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    cluster.docker(where).set_run("dedup:2.2", PRE, code=2, output="catalog 7 is too old")
    r = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    assert r.returncode == 1
    assert "catalog 7 is too old" in r.stderr  # the action's output
    assert "nothing was switched" in r.stderr
    assert "maintenance was put back as it was" in r.stderr
    assert cluster.resource(CTR, "Image") == "dedup:2.1"
    assert running_image(cluster, where) == "dedup:2.1"
    assert cluster.online_on(SRV) == [where]
    assert maintenance(cluster) == NOT_IN_MAINTENANCE
    assert profile_version(cluster) == "2.1"
    assert actions(cluster) == [(where, "oneoff", "1")]
    # put back whole, so neither way on of a stopped plan is offered; asked anyway,
    # --resume says to run the move again and --undo that it is already back
    assert "--resume" not in r.stderr and "--undo" not in r.stderr, r.stderr
    resumed = cluster.upgrade("--resume", "--yes")
    assert resumed.returncode == 1, resumed.stderr
    assert f"run vxha upgrade {SRV} --to 2.2 again" in resumed.stderr
    undone = cluster.upgrade("--undo", "--yes")
    assert undone.returncode == 0 and "nothing to go back from" in undone.stdout, undone.stderr
    assert cluster.resource(CTR, "Image") == "dedup:2.1"
    # nothing is left to finish: a new attempt needs no --force
    cluster.docker(where).set_run("dedup:2.2", PRE, code=0)
    again = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    assert again.returncode == 0, again.stderr


def test_a_post_command_that_fails_leaves_it_in_maintenance_and_rolls_back(cluster, tmp_path):
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    cluster.docker(where).set_run("dedup:2.2", POST, code=5, output="index locked")
    profile = cluster.profiles / f"{SRV}.yaml"
    profile.write_text(profile.read_text() + f"admin_email: {ADMIN}\n")
    sink = Sink()
    try:
        cluster.env["VXHA_NOTIFY_CONF"] = sink.conf(tmp_path)
        r = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    finally:
        sink.stop()
    assert r.returncode == 1
    assert "index locked" in r.stderr
    # the admin is told it stopped, and why
    (told,) = sink.received()
    assert (told["To"], told["Subject"]) == (ADMIN, f"vxha: {SRV}: upgrade to dedup 2.2 stopped")
    assert "index locked" in told.get_content()
    # in maintenance, on the new image; the profile still says 2.1
    state = maintenance(cluster)
    assert {s: v[0] for s, v in state.items()} == {"n1": "0", "n2": "0", "n3": "0"}
    assert all("vxha upgrade stopped" in v[1] for v in state.values())
    assert cluster.resource(CTR, "Image") == "dedup:2.2"
    assert running_image(cluster, where) == "dedup:2.2"
    assert profile_version(cluster) == "2.1"
    # it says where it stands and how to go on or back
    assert "in maintenance on n1, n2, n3" in r.stderr
    assert "configured with image dedup:2.2" in r.stderr
    assert "to finish the upgrade: vxha upgrade --resume" in r.stderr
    assert "to go back to dedup 2.1: vxha upgrade --undo" in r.stderr
    # the rollback restores the old image, restarted, out of maintenance
    back = cluster.vxha("upgrade", "--undo", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert cluster.resource(CTR, "Image") == "dedup:2.1"
    assert "vxos.image.version 2.1" in cluster.resource(CTR, "Labels")
    assert running_image(cluster, where) == "dedup:2.1"
    assert cluster.online_on(SRV) == [where]
    assert maintenance(cluster) == NOT_IN_MAINTENANCE
    assert profile_version(cluster) == "2.1"
    assert cluster.value(SRV, "TriggerPath") == ""  # its groups as they were
    # no lifecycle command runs on the way back
    assert [a[1] for a in actions(cluster)] == ["oneoff", "exec"]


def test_resume_after_a_post_command_failure_ends_the_move(cluster):
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    cluster.docker(where).set_run("dedup:2.2", POST, code=5, output="index locked")
    assert cluster.upgrade(SRV, "--to", "2.2", "--yes").returncode == 1
    cluster.docker(where).set_run("dedup:2.2", POST, code=0)
    blocked = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    assert blocked.returncode == 1 and "stopped halfway" in blocked.stderr
    r = cluster.vxha("upgrade", "--resume", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert maintenance(cluster) == NOT_IN_MAINTENANCE
    assert running_image(cluster, where) == "dedup:2.2"
    assert profile_version(cluster) == "2.2"
    assert [a[1:] for a in actions(cluster)] == [("oneoff", "0"), ("exec", "1"), ("exec", "0")]
    undo = cluster.vxha("upgrade", "--undo", "--yes")
    assert undo.returncode == 1
    assert "completed: go back with vxha downgrade dedup_disk1 --to 2.1" in undo.stderr


def test_a_node_that_cannot_host_the_new_version(cluster):
    cluster.load("dedup:2.2", systems=("n1", "n2"))
    r = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    assert r.returncode == 1
    assert "1 system(s) of dedup_disk1's SystemList cannot host dedup 2.2" in r.stderr
    assert "n3: image dedup:2.2 is not loaded on n3" in r.stderr
    assert "--restrict-systems" in r.stderr
    (where,) = cluster.online_on(SRV)
    if where == "n3":  # restricting never moves a running server: the admin does
        refused = cluster.upgrade(SRV, "--to", "2.2", "--yes", "--restrict-systems")
        assert refused.returncode == 1
        assert "runs on n3, which cannot host 2.2" in refused.stderr
        assert "hagrp -switch dedup_disk1 -to n1" in refused.stderr
        cluster.run("hagrp", "-switch", SRV, "-to", "n1", check=True)
        cluster.advance(300)
        where = "n1"
    r = cluster.upgrade(SRV, "--to", "2.2", "--yes", "--restrict-systems")
    assert r.returncode == 0, r.stdout + r.stderr
    for group in (SRV, f"{SRV}_storage"):
        assert cluster.value(group, "SystemList").split() == ["n1", "0", "n2", "1"]
    # the storage group was stopped on n3 before n3 left its SystemList
    assert cluster.online_on(f"{SRV}_storage") == ["n1", "n2"]
    stopped = [
        w for w in map(str.split, cluster.transcript()) if w[1:3] == ["n3", f"{SRV}_storage"]
    ]
    assert stopped and stopped[-1][4:6] == ["->", "OFFLINE"], stopped
    assert cluster.online_on(SRV) == [where]
    assert running_image(cluster, where) == "dedup:2.2"


def test_downgrade_runs_the_pre_command_of_the_version_it_leaves(cluster):
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    assert cluster.upgrade(SRV, "--to", "2.2", "--yes").returncode == 0
    wrong = cluster.upgrade(SRV, "--to", "2.1", "--yes")
    assert wrong.returncode == 1 and "that is a downgrade" in wrong.stderr
    r = cluster.upgrade(SRV, "--to", "2.1", "--yes", kind="downgrade")
    assert r.returncode == 0, r.stdout + r.stderr
    oneoffs = [(o["image"], o["command"]) for o in cluster.docker(where).oneoffs()]
    assert oneoffs == [("dedup:2.2", PRE), ("dedup:2.2", PRE_DOWN)]
    assert running_image(cluster, where) == "dedup:2.1"
    assert profile_version(cluster) == "2.1"
    # dedup 2.1 lists 2.0 among its downgrades, but no system has dedup:2.0 loaded
    no = cluster.upgrade(SRV, "--to", "2.0", "--yes", kind="downgrade")
    assert no.returncode == 1
    assert "3 system(s) of dedup_disk1's SystemList cannot host dedup 2.0" in no.stderr


def test_undo_after_a_restart_that_stopped_brings_the_whole_server_back(cluster):
    """An upgrade stopped after taking the port forwarding offline for the restart: the
    rollback brings every resource of the server back, not only the container it restarts
    (found by tests/ops/test_ops_properties.py: the rollback waited 300 s for a group that
    stayed PARTIAL)."""
    cluster.load("dedup:2.2")
    (where,) = cluster.online_on(SRV)
    cluster.fail(f"hares -online {SRV}_pf -sys {where}")
    r = cluster.upgrade(SRV, "--to", "2.2", "--yes")
    assert r.returncode == 1 and "stopped at step" in r.stderr, r.stdout + r.stderr
    back = cluster.vxha("upgrade", "--undo", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert cluster.resource(CTR, "Image") == "dedup:2.1"
    assert cluster.online_on(SRV) == [where]
    assert cluster.resource(f"{SRV}_pf", "State", where) == "ONLINE"
    assert maintenance(cluster) == NOT_IN_MAINTENANCE
