"""vxha on a cluster that is not empty: everything it does not own stays byte-identical.

The fixture (fixtures/installed) is a cluster as the InfoScale installer and an admin leave
it: ClusterService with NotifierMngr, csgnic and webip; the vxfen group of coordination-point
fencing (CoordPoint, with a static attribute overridden, and a Phantom); the cvm group with its own
CVMTimeout and CFSfsckd's per-system ActivationMode; users, administrators, fencing; an
admin's database group (frozen), a tuned group, a cfsmntadm-made CFS group requiring cvm,
and another product's types. vxha servers are added, changed, put in maintenance,
upgraded in place, removed and deleted; after each step the saved main.cf is compared.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from ops_cluster import Cluster, blocks, example_servers

from vxha.generators.build import Options
from vxha.generators.generate import generate_from_files
from vxha.generators.ownership import MARKER, server_of
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf

FIX = Path(__file__).parent / "fixtures" / "installed"
IMAGES = os.path.join(EXAMPLES, "images")


def write_profiles(folder: Path, names, edits=None):
    """Example server profiles in ``folder`` (only ``names``), with text ``edits`` applied
    per server: {name: [(old, new), ...]}."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for path in example_servers(only=names):
        name = os.path.basename(path)[:-5]
        text = Path(path).read_text()
        for old, new in (edits or {}).get(name, []):
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new)
        (folder / os.path.basename(path)).write_text(text)
    return folder


def generated(folder: Path, out: Path, cluster=FIX / "cluster.yaml"):
    result = generate_from_files(
        str(cluster), [str(folder)], image_root=IMAGES, options=Options("veritas")
    )
    out.write_text(result.text)
    return str(out)


def starting_cluster(tmp: Path, folder: Path) -> str:
    """The installed fixture with the servers of ``folder`` already in it, as if an earlier
    vxha apply had added them and an admin had then tuned and frozen some of them."""
    start = tmp / "start"
    start.mkdir()
    for f in FIX.glob("*.cf"):
        shutil.copy(f, start)
    config = cf.parse_file(str(FIX / "main.cf"))
    gen = cf.parse_file(generated(folder, tmp / "first.cf"))
    config.groups += [g for g in gen.groups if server_of(g)]
    db1 = config.group("db1")
    db1.attrs["OnlineRetryLimit"] = 2  # tuning vxha does not set
    ctr = db1.resource("db1_ctr")
    ctr.attrs["Critical"] = 0
    ctr.attrs["MonitorInterval"] = 30  # a static attribute overridden on the resource
    config.group("auth1").attrs["Frozen"] = 1  # frozen by the admin
    (start / "main.cf").write_text(cf.write(config))
    return str(start / "main.cf")


def unowned(text: str) -> dict:
    """Every block of main.cf vxha does not own, and every include line."""
    return {k: v for k, v in blocks(text).items() if not (k.startswith("group ") and MARKER in v)}


def group_block(text: str, group: str) -> str:
    return blocks(text)[f"group {group}"]


@pytest.fixture
def installed(tmp_path):
    folder = write_profiles(
        tmp_path / "profiles",
        ["auth1", "db1", "dedup_disk1"],
        {"dedup_disk1": [('image_version: "2.1"', 'image_version: "2.0"')]},
    )
    c = Cluster(tmp_path, starting_cluster(tmp_path, folder))
    c.folder = folder
    yield c
    c.stop()


def apply(c: Cluster, main_cf: str, *extra):
    out = c.vxha("apply", main_cf, "--yes", *extra)
    assert out.returncode == 0, out.stdout + out.stderr
    return no_command_on_fencing(out)


def no_command_on_fencing(out):
    """No step of the plan names the installer's vxfen group or its resources."""
    for word in ("vxfen", "coordpoint"):
        assert word not in out.stdout + out.stderr, out.stdout
    return out


def test_everything_vxha_does_not_own_stays_as_it_was(installed, tmp_path):
    c = installed
    fixture_text = (FIX / "main.cf").read_text()

    # -- an admin's open session: refused, and with --join used but never saved ----------
    c.run("haconf", "-makerw", check=True)
    c.run("hagrp", "-modify", "reports", "Priority", "2", check=True)
    on_disk = Path(c.config).read_text()
    folder = write_profiles(
        c.folder,
        ["auth1", "db1", "dedup_disk1", "nbu_media1"],
        {"dedup_disk1": [('image_version: "2.1"', 'image_version: "2.0"')]},
    )
    new = generated(folder, tmp_path / "add.cf")
    c.provision(new)
    for argv in (
        ["apply", new, "--yes"],
        ["maintenance", "on", "db1"],
        ["cluster", "add-types", "--types", "Dummy"],
        ["delete", "dedup_disk1", "--now", "--yes", "--no-archive"],
    ):
        refused = c.vxha(*argv)
        assert refused.returncode == 1, argv
        assert "someone is editing" in refused.stderr, refused.stderr
        if argv[0] in ("apply", "delete"):  # they plan against the saved main.cf: refused
            # early, by the .stale file beside it (docs/operations.md)
            stale = os.path.join(os.path.dirname(c.config), ".stale")
            assert f"the configuration is open for writing ({stale})" in refused.stderr, argv
    assert Path(c.config).read_text() == on_disk
    assert c.value("reports", "Priority") == "2"  # the admin's change is still there
    joined = c.vxha("apply", new, "--yes", "--join")
    assert joined.returncode == 0, joined.stdout + joined.stderr
    assert "nbu_media1" in c.groups()
    assert Path(c.config).read_text() == on_disk  # nothing saved: the session is theirs
    still = c.run("haconf", "-makerw")
    assert "V-16-1-10364" in still.stdout + still.stderr
    c.run("haconf", "-dump", "-makero", check=True)  # the admin saves both
    baseline = c.saved()
    assert "Priority = 2" in group_block(baseline, "reports")
    before = unowned(baseline)
    # what the installer and the admin wrote is all there, as they wrote it
    for name in ("ClusterService", "cvm", "oradb", "cfsshared", "vxfen"):
        assert f"group {name}" in before
    assert "CoordPoint coordpoint" in before["group vxfen"]
    assert "LevelTwoMonitorFreq = 5" in before["group vxfen"]  # a static overridden there
    assert 'include "OracleTypes.cf"' in before["include"]
    assert "CVMTimeout = 300" in before["group cvm"]
    assert "ActivationMode @n2 = { shareddg = sw }" in before["group cvm"]
    assert "UserNames" in before["cluster vxdemo"] and "UseFence = SCSI3" in fixture_text

    def check(step):
        now = c.saved()
        assert unowned(now) == before, f"after {step}"
        return now

    # -- a change that needs a restart: admin tuning on the server is kept ---------------
    write_profiles(
        folder,
        ["auth1", "db1", "dedup_disk1", "nbu_media1"],
        {
            "dedup_disk1": [('image_version: "2.1"', 'image_version: "2.0"')],
            "db1": [("memory: 4GiB", "memory: 6GiB")],
            "auth1": [("priority: 1", "priority: 2")],
        },
    )
    out = apply(c, generated(folder, tmp_path / "change.cf"))
    assert "auth1 is in maintenance" not in out.stdout
    assert "auth1" in out.stdout and "frozen" in out.stdout  # held, and said so
    now = check("a memory change")
    db1 = group_block(now, "db1")
    assert "OnlineRetryLimit = 2" in db1 and "Mem = 6144" in db1
    assert "MonitorInterval = 30" in db1 and "Critical = 0" in db1
    assert '"6144m"' in db1
    auth1 = group_block(now, "auth1")
    assert "Frozen = 1" in auth1 and "Priority = 1" in auth1  # left as it is

    # -- maintenance: apply neither ends it nor erases the record ------------------------
    no_command_on_fencing(
        c.vxha("maintenance", "on", "db1", "--sys", "n2", "--reason", "disk swap", check=True)
    )
    write_profiles(
        folder,
        ["auth1", "db1", "dedup_disk1", "nbu_media1"],
        {
            "dedup_disk1": [('image_version: "2.1"', 'image_version: "2.0"')],
            "db1": [("memory: 4GiB", "memory: 8GiB")],
        },
    )
    out = apply(c, generated(folder, tmp_path / "maint.cf"))
    assert "server db1 is in maintenance" in out.stdout
    now = check("apply during maintenance")
    assert "Mem = 6144" in group_block(now, "db1")  # held
    assert c.value("db1", "Enabled", "n2") == "0"
    assert "disk swap" in c.value("db1", "UserStrLocal", "n2")
    no_command_on_fencing(c.vxha("maintenance", "off", "db1", check=True))
    check("maintenance off")

    # -- an upgrade in place: the container restarted with the new image -----------------
    write_profiles(folder, ["auth1", "db1", "dedup_disk1", "nbu_media1"])
    where = c.online_on("dedup_disk1")
    upgrade = generated(folder, tmp_path / "upgrade.cf")
    c.provision(upgrade)  # the new image loaded on the systems first
    out = apply(c, upgrade)
    assert "hares -offline dedup_disk1_ctr" in out.stdout
    now = check("an image upgrade")
    assert '"dedup:2.1"' in group_block(now, "dedup_disk1")
    assert c.online_on("dedup_disk1") == where

    # -- with emit_cvm false, the cvm group is still kept ---------------------------------
    out = apply(c, generated(folder, tmp_path / "nocvm.cf", FIX / "cluster-nocvm.yaml"))
    check("emit_cvm false")

    # -- a server removed from the profiles ----------------------------------------------
    write_profiles(folder, ["auth1", "db1", "dedup_disk1"])
    apply(c, generated(folder, tmp_path / "remove.cf"))
    assert "nbu_media1" not in c.groups()
    check("a removal")

    # -- a server deleted, its profile archived ------------------------------------------
    out = c.vxha("delete", "dedup_disk1", "--now", "--yes", "--profiles", str(folder))
    assert out.returncode == 0, out.stdout + out.stderr
    no_command_on_fencing(out)
    assert "dedup_disk1" not in c.groups()
    assert not (folder / "dedup_disk1.yaml").exists()
    check("a deletion")
    assert re.search(r"^group oradb", c.saved(), re.M)


def untouched_cluster(tmp_path) -> Cluster:
    """The installer's cluster (the fixture's files as they are), before any vxha apply."""
    start = tmp_path / "start"
    start.mkdir()
    for f in FIX.glob("*.cf"):
        shutil.copy(f, start)
    return Cluster(tmp_path, str(start / "main.cf"))


def test_reads_of_a_cluster_vxha_has_not_touched_yet(tmp_path):
    # the installer's cluster before any apply: ClusterService's SystemList without numbers,
    # cvm's with some; every read command answers, none claims a group
    c = untouched_cluster(tmp_path)
    try:
        inv = c.vxha("inventory")
        assert inv.returncode == 0, inv.stderr
        assert "no vxha server in the cluster (6 group(s) that are not vxha's)" in inv.stdout
        status = c.vxha("status")
        assert status.returncode == 0, status.stderr
        assert re.search(
            r"\(not vxha's\)\s+ClusterService\s+ONLINE\s+OFFLINE\s+OFFLINE", status.stdout
        )
        # a parallel group started on every system of its AutoStartList, listed with the
        # groups that are not vxha's (the label stands on the first of them only)
        assert re.search(r"^\s+vxfen\s+ONLINE\s+ONLINE\s+ONLINE$", status.stdout, re.M)
        assert "vxfen" not in status.stdout.split("(not vxha's)")[0]
        why = c.vxha("why", "cvm")
        assert why.returncode == 0, why.stderr
        assert "online on every running system of its SystemList (n1, n2, n3)" in why.stdout
        assert c.vxha("maintenance", "list").stdout.strip() == "no server is in maintenance"
    finally:
        c.stop()


def test_undo_reads_the_type_files_of_an_in_house_agent(tmp_path):
    """An apply that stopped is undone on a cluster whose main.cf includes a type file vxha
    does not know (an in-house agent's): the configuration saved before the plan is read
    with the live configuration's type files (found by test_ops_properties.py)."""
    folder = write_profiles(tmp_path / "profiles", ["auth1", "db1"])
    start = Path(starting_cluster(tmp_path, folder))
    (start.parent / "AcmeTypes.cf").write_text(
        "type AcmeDaemon (\n\tstatic str ArgList[] = { Server }\n\tstr Server\n)\n"
    )
    text = start.read_text() + (
        "\ngroup acme (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
        '\tAcmeDaemon acme_d (\n\t\tServer = "acme1"\n\t\t)\n'
    )
    start.write_text(
        text.replace(
            'include "OracleTypes.cf"', 'include "OracleTypes.cf"\ninclude "AcmeTypes.cf"', 1
        )
    )
    c = Cluster(tmp_path, str(start))
    try:
        new = generated(write_profiles(folder, ["auth1", "db1", "nbu_media1"]), tmp_path / "add.cf")
        stopped_then_undone(c, new, "hares -add nbu_media1_ctr")
        assert not {"nbu_media1", "nbu_media1_storage"} & c.groups()
        assert 'include "AcmeTypes.cf"' in c.saved()
    finally:
        c.stop()


def stopped_then_undone(c, new, step):
    """Apply ``new`` stopped at ``step`` (it fails), then ``apply --undo``: both as told."""
    c.provision(new)
    c.fail(step)
    out = c.vxha("apply", new, "--yes")
    assert out.returncode == 1 and "stopped at step" in out.stderr, out.stdout + out.stderr
    undone = c.vxha("apply", "--undo", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr


def test_undo_of_the_first_server_added_needs_no_force(tmp_path):
    """An apply adding the first server to an installed cluster stopped halfway: --undo
    removes it without --force (the mass-removal guard is for a profile directory that
    lost its files; found by test_ops_properties.py)."""
    c = untouched_cluster(tmp_path)
    try:
        new = generated(write_profiles(tmp_path / "profiles", ["auth1"]), tmp_path / "add.cf")
        stopped_then_undone(c, new, "hares -add auth1_ctr")
        assert not {"auth1", "auth1_storage"} & c.groups()
    finally:
        c.stop()
