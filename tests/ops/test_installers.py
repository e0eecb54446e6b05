"""Every operation on clusters as other installers and admins leave them
(fixtures/variants: SFHA without CVM, a global cluster, a site-aware cluster, SF Oracle RAC,
an admin's groups named like vxha's, dependencies both ways between an admin's groups and
vxha's).

Each case runs fixed commands through the campaign's Campaign (test_ops_properties.py),
which asserts after every command what docs/operations.md promises: nothing vxha does not
own changes (the saved main.cf outside vxha's groups byte-identical, the states of the
admin's groups unchanged), a refused command changes nothing, a stopped plan is finished
with --resume or undone with --undo, no traceback, an apply applied again plans nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from ops_cluster import blocks
from test_ops_properties import Campaign, no_traceback, owned_servers, unowned

pytestmark = pytest.mark.slow


def op(kind, **kw):
    base = {"kind": kind, "session": None, "fail": None, "resolve": "undo", "present": False}
    if kind == "apply":
        base.update(servers=None, add=[], remove=[], force=False, edits=[])
    if kind == "maintenance":
        base.update(action="on", sys=None, storage=False)
    if kind == "delete":
        base.update(now=False, shred=False, archive=True)
    if kind == "upgrade":
        base.update(down=False)
    base.update(kw)
    return base


@pytest.fixture
def start(monkeypatch):
    # the campaign's statistics are hypothesis's (its event() is for a running example)
    import test_ops_properties

    monkeypatch.setattr(test_ops_properties, "event", lambda *a, **k: None)
    made = []

    def make(variant, servers, reverse=None):
        tmp = Path(tempfile.mkdtemp(prefix="vxha-installers-"))
        c = Campaign(tmp, (servers, [], {}, reverse or {}, [], variant))
        made.append((c, tmp))
        return c

    yield make
    for c, tmp in made:
        c.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def reads(c: Campaign):
    """inventory and status read the cluster and change nothing, whatever it holds."""
    before = c.c.saved()
    for argv in (["inventory"], ["inventory", "--json"], ["status"], ["status", "--json"]):
        out = c.c.vxha(*argv)
        no_traceback(out, argv)
        assert out.returncode == 0, out.stderr
    inv = json.loads(c.c.vxha("inventory", "--json").stdout)
    assert {e["server"] for e in inv["servers"]} == owned_servers(before)
    assert c.c.saved() == before


def refused(c: Campaign, argv, words):
    before = c.c.saved()
    out = c.c.vxha(*argv)
    no_traceback(out, argv)
    assert out.returncode == 1, out.stdout + out.stderr
    for w in words:
        assert w in out.stderr, out.stderr
    assert c.c.saved() == before


# The operations each variant runs: a server added, maintenance on and off, an image move,
# a plan stopped halfway and undone, another resumed, a delete and a restore, add-types.
ROUTINE = [
    op("apply", add=["nbu_media1"]),
    op("maintenance", server="nbu_media1", action="on", sys="n1"),
    op("maintenance", server="nbu_media1", action="off"),
    op("apply", add=["dedup_disk1"], fail=0.5, resolve="undo"),
    op("apply", add=["dedup_disk1"], fail=0.3, resolve="resume"),
    op("upgrade", down=True, fail=0.6, resolve="undo"),
    op("upgrade", down=True),
    op("apply", edits=["nbu_media1"]),
    op("delete", server="nbu_media1", now=True, fail=0.5, resolve="resume"),
    op("restore", server="nbu_media1"),
    op("add-types"),
]


@pytest.mark.parametrize("variant", ["gco", "site", "rac"])
def test_every_operation_leaves_the_installers_objects_alone(start, variant):
    c = start(variant, ["auth1"])
    reads(c)
    # the objects of the variant are in what the engine saves, so that every comparison of
    # the saved main.cf sees them
    first = c.c.saved()
    for o in ROUTINE:
        c.step(o)
    reads(c)
    last = c.c.saved()
    for key in KEPT[variant]:
        assert key in blocks(first), key
        assert blocks(last)[key] == blocks(first)[key], key


# what each variant has that the installed fixture has not (fixtures/variants)
KEPT = {
    "gco": ["remotecluster drsite", "heartbeat Icmp", "group appdb", "group ClusterService"],
    "site": ["site east", "site west", "group ledger", "cluster vxdemo"],
    "rac": ["group cvm", "group oradb1_grp", "group asmdb_grp"],
}


def test_lookalike_names_are_never_adopted(start):
    """db1, db1_storage and auth1_ctr are an admin's (no marker): vxha reads them, never
    takes them for a server's (docs/operations.md, "What vxha owns")."""
    c = start("lookalike", ["nbu_media1"])
    reads(c)
    folder = c.folder
    for argv, words in [
        (["maintenance", "on", "db1"], ["db1"]),
        (["delete", "db1", "--keep-data", "--yes", "--no-archive"], ["db1"]),
        (["upgrade", "db1", "--to", "2.1", "--profiles", str(folder)], ["db1"]),
    ]:
        refused(c, argv, words)
    # applying a server db1 (or auth1, whose container resource name is taken) is refused
    c.step(op("apply", add=["db1"]))
    c.step(op("apply", add=["auth1"]))
    for o in ROUTINE[1:3] + [op("delete", server="nbu_media1"), op("add-types")]:
        c.step(o)
    reads(c)


def test_dependencies_both_ways_between_admin_and_vxha_groups(start):
    c = start("crossdep", ["auth1"], {"auth1": ("authdb", "online", "local", "firm")})
    assert "requires group authdb" in c.c.saved().split("group auth1 (")[1].split("\ngroup ")[0]
    # billing (the admin's) requires auth1: removing it is refused with the unlink
    refused(
        c,
        ["delete", "auth1", "--keep-data", "--yes", "--no-archive"],
        ["billing", "(hagrp -unlink billing auth1)"],
    )
    c.step(op("apply", remove=["auth1"]))
    for o in [
        op("apply", edits=["auth1"]),
        op("maintenance", server="auth1", action="on"),
        op("maintenance", server="auth1", action="off"),
        op("apply", add=["nbu_media1"], fail=0.5, resolve="undo"),
        op("apply", add=["nbu_media1"]),
    ]:
        c.step(o)
    # the admin's link from vxha's group to authdb is kept by every command
    assert "requires group authdb" in c.c.saved().split("group auth1 (")[1].split("\ngroup ")[0]
    reads(c)


@pytest.mark.parametrize("variant", ["sfha", "sfha-noemit"])
def test_storage_groups_on_a_cluster_without_cvm_are_refused(start, variant):
    """SFHA has no cvm group; vxha never creates one (DECISIONS.md 4: the generator emits
    one only for a configuration that has none, and a cvm group is never vxha's to add):
    apply refuses before changing anything, naming the group and the command that makes it,
    whether or not the generated configuration carries one."""
    c = start(variant, [])
    reads(c)
    before = c.c.saved()
    gen = c.tmp / "p"
    from test_ops_properties import generated, write_profiles

    write_profiles(gen, ["auth1"])
    main_cf = generated(gen, c.tmp / "g.cf", c.description)
    out = c.c.vxha("apply", main_cf, "--yes")
    no_traceback(out, ["apply"])
    assert out.returncode == 1
    assert "no group cvm" in out.stderr and "cfscluster config" in out.stderr, out.stderr
    assert c.c.saved() == before
    assert unowned(c.c.saved()) == unowned(before)
    for o in [op("apply", add=["auth1"]), op("add-types"), op("maintenance", server="auth1")]:
        c.step(o)
    reads(c)
