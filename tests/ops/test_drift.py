"""vxha's own objects changed by hand between two commands (drift): each expectation is
written from the ownership rule (DECISIONS.md 10, Ownership; docs/operations.md, "What vxha
owns" and "Changed by hand") before the run. vxha's values are put back by apply; what an
admin added inside vxha's groups is kept and never deleted; a command that would have to
delete it refuses, naming it and the way out."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from ops_cluster import Cluster, blocks, example_servers

from vxha.generators import diff, ownership
from vxha.generators.build import Options
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf
from vxha.vcs_types.model import Resource, ResourceLink

FIX = Path(__file__).parent / "fixtures" / "installed"
IMAGES = os.path.join(EXAMPLES, "images")


def generated_text(servers=("auth1",), mode="veritas"):
    return generate_from_files(
        str(FIX / "cluster.yaml"),
        example_servers(only=list(servers)),
        image_root=IMAGES,
        options=Options(cfsmount=mode),
    ).text


def installed_with(servers=("auth1",)):
    """The installer's cluster with ``servers`` applied: (live configuration, generated)."""
    gen = cf.parse(generated_text(servers))
    live = cf.parse_file(str(FIX / "main.cf"))
    live.groups += [copy.deepcopy(g) for g in gen.groups if ownership.server_of(g)]
    return live, gen


def monitor(name="adm_mon", on="auth1_ctr"):
    """An admin's own resource, as `hares -add adm_mon Application auth1` and `hares -link
    adm_mon auth1_ctr` leave it."""
    r = Resource("Application", name, {"StartProgram": "/bin/true", "StopProgram": "/bin/true",
                                       "MonitorProgram": "/bin/true"})  # fmt: skip
    return r, ResourceLink(name, on)


def changes(live, gen):
    tgt = ownership.target(live, gen)
    assert tgt.problems == [], tgt.problems
    found = diff.diff(live, tgt.config)
    ownership.check_changes(found, live, tgt.config)
    return tgt, found


def test_an_admins_resource_in_a_vxha_group_is_kept_with_its_link():
    """An admin added a monitor inside auth1 and linked it on the container. It is not
    vxha's (not one of the generator's types named auth1_...): apply keeps it and its link,
    says so, and puts back only what vxha set that the admin changed (Address). apply used
    to plan `hares -unlink adm_mon auth1_ctr` and `hares -delete adm_mon`."""
    live, gen = installed_with()
    res, link = monitor()
    live.group("auth1").resources.append(res)
    live.group("auth1").links.append(link)
    live.group("auth1").resource("auth1_ip").attrs["Address"] = "10.200.0.99"
    tgt, found = changes(live, gen)
    assert tgt.config.group("auth1").resource("adm_mon") == res
    assert link in tgt.config.group("auth1").links
    assert [str(c) for c in found] == [
        '~ resource auth1_ip: Address "10.200.0.99" -> "10.200.0.10" (restarts auth1_ip)'
    ]
    assert any("adm_mon" in n and "kept" in n for n in tgt.notes), tgt.notes


def test_an_admins_resource_linked_under_a_vxha_one_is_kept_too():
    """The other direction: vxha's port forward made to require the admin's NIC
    (`hares -link auth1_pf adm_nic`): the link joins the admin's resource, so it is kept
    (as a dependency from a vxha group onto an admin's group is)."""
    live, gen = installed_with()
    nic = Resource("NIC", "adm_nic", {"Device": "eth0"})
    live.group("auth1").resources.append(nic)
    live.group("auth1").links.append(ResourceLink("auth1_pf", "adm_nic"))
    tgt, found = changes(live, gen)
    assert found == []


def test_deleting_a_server_whose_group_holds_an_admins_resource_is_refused():
    """vxha never deletes what it did not make: `vxha delete auth1` (the groups removed)
    is refused before anything runs, naming the resource and the way out."""
    live, gen = installed_with()
    res, link = monitor()
    live.group("auth1").resources.append(res)
    live.group("auth1").links.append(link)
    gone = copy.deepcopy(live)
    gone.groups = [g for g in gone.groups if g.name != "auth1"]
    tgt = ownership.target(live, gone)
    assert len(tgt.problems) == 1, tgt.problems
    assert "group auth1 (server auth1) holds resource(s) adm_mon" in tgt.problems[0]
    assert "hares -delete adm_mon" in tgt.problems[0]


def test_a_vxha_resource_an_admins_resource_requires_is_not_removed_under_it():
    """The profile drops the port forwarding (auth1_pf goes) while the admin's monitor
    requires it: removing auth1_pf would take the admin's link with it. Refused, with the
    unlink that clears the way."""
    live, gen = installed_with()
    res, link = monitor(on="auth1_pf")
    live.group("auth1").resources.append(res)
    live.group("auth1").links.append(link)
    g = gen.group("auth1")
    g.resources = [r for r in g.resources if r.name != "auth1_pf"]
    g.links = [lk for lk in g.links if lk.parent != "auth1_pf"]
    tgt = ownership.target(live, gen)
    assert tgt.problems == [
        "resource adm_mon requires auth1_pf in group auth1, a link of a resource vxha did not "
        "make, and this plan removes auth1_pf: unlink it first (hares -unlink adm_mon auth1_pf)"
    ]


def test_an_admins_resource_named_as_vxha_names_one_of_its_own_is_refused():
    """An admin's `IP auth1_ip` (not a type vxha writes) where vxha's HostIP auth1_ip
    belongs: replacing it would delete the admin's resource."""
    live, gen = installed_with()
    g = live.group("auth1")
    g.resources = [r for r in g.resources if r.name != "auth1_ip"]
    g.resources.append(Resource("IP", "auth1_ip", {"Device": "eth0", "Address": "10.0.0.9"}))
    tgt = ownership.target(live, gen)
    assert any(
        p.startswith("resource auth1_ip (IP) in group auth1 is not vxha's") and "rename" in p
        for p in tgt.problems
    ), tgt.problems


def test_an_admins_resource_named_as_another_servers_is_refused_naming_that_server():
    """An admin's `Container db1_ctr` inside auth1's group: applying server db1 would move
    it (delete it there, add db1's), so the plan is refused naming server db1."""
    live, _ = installed_with()
    live.group("auth1").resources.append(Resource("Container", "db1_ctr", {"Image": "x:1"}))
    _, gen = installed_with(("auth1", "db1"))
    tgt = ownership.target(live, gen)
    assert any(
        p.startswith("resource db1_ctr (Container) in group auth1 is not vxha's, and server db1")
        for p in tgt.problems
    ), tgt.problems


def test_every_resource_vxha_generates_is_shaped_as_its_own():
    """The rule above relies on it: the generator names each resource of a server's groups
    <srv>_... and uses its own types only, so no generated resource is taken for an
    admin's once its profile drops it."""
    gen = cf.parse(generated_text(servers=[os.path.basename(p)[:-5] for p in example_servers()]))
    for g in gen.groups:
        if ownership.server_of(g):
            assert ownership.admins_resources(g) == [], g.name


def test_a_removed_marker_is_refused_with_the_way_back():
    """An admin removed the marker of auth1_storage (`hagrp -modify auth1_storage
    UserStrGlobal ""`): the group is no longer vxha's, so apply refuses to take it; the
    refusal names the command that puts the marker back, and not, four times, the mounts
    of that same group as conflicts with someone else's."""
    live, gen = installed_with()
    live.group("auth1_storage").attrs["UserStrGlobal"] = ""
    tgt = ownership.target(live, gen)
    assert tgt.problems == [
        "group auth1_storage exists and is not vxha's (no vxha:server= marker): rename server "
        "auth1, or the group; if it is server auth1's own group whose marker was removed by "
        "hand, put the marker back (hagrp -modify auth1_storage UserStrGlobal "
        "vxha:server=auth1)"
    ]


def served(tmp_path, servers=("auth1",), mode="veritas"):
    """The installer's cluster with ``servers`` applied, served."""
    text = generated_text(servers, mode)
    (tmp_path / "new.cf").write_text(text)
    live = (FIX / "main.cf").read_text()
    for key, block in blocks(text).items():
        if key.startswith("group ") and ownership.MARKER in block:
            live += "\n" + block + "\n"
    (tmp_path / "live.cf").write_text(live)
    for name in ("types.cf", "CFSTypes.cf", "OracleTypes.cf"):
        (tmp_path / name).write_text((FIX / name).read_text())
    run = tmp_path / "c"
    run.mkdir()
    c = Cluster(run, str(tmp_path / "live.cf"))
    c.copy_profiles(list(servers))
    return c, str(tmp_path / "new.cf")


@pytest.fixture
def site(tmp_path):
    c, new = served(tmp_path)
    yield c, new
    c.stop()


def sh(c, *argv):
    p = c.run(*argv)
    assert p.returncode == 0, (argv, p.stdout, p.stderr)


def hand_application(c, group):
    """An admin's Application hand_x added by hand to ``group``, enabled and left offline
    (nothing starts it), the configuration saved: the group reads PARTIAL where it runs."""
    sh(c, "haconf", "-makerw")
    sh(c, "hares", "-add", "hand_x", "Application", group)
    for attr in ("StartProgram", "StopProgram"):
        sh(c, "hares", "-modify", "hand_x", attr, "/bin/true")
    sh(c, "hares", "-modify", "hand_x", "PidFiles", "/run/hand.pid")
    sh(c, "hares", "-modify", "hand_x", "Enabled", "1")
    sh(c, "haconf", "-dump", "-makero")


def test_drift_on_a_served_cluster(site):
    """On the shims: an admin's monitor inside auth1, online and linked on the container,
    and the container's Memory changed by hand. apply restores Memory (a restart: the
    monitor goes down and up with it) and keeps the monitor; the next apply plans nothing;
    delete is refused naming the monitor; with auth1's marker removed, maintenance names the
    command that puts it back (it named `vxha delete auth1 --now`, which would have deleted
    the storage group)."""
    c, new = site
    sh(c, "haconf", "-makerw")
    sh(c, "hares", "-add", "adm_mon", "Application", "auth1")
    for attr in ("StartProgram", "StopProgram", "MonitorProgram"):
        sh(c, "hares", "-modify", "adm_mon", attr, "/bin/true")
    sh(c, "hares", "-modify", "adm_mon", "PidFiles", "/run/adm.pid")
    sh(c, "hares", "-link", "adm_mon", "auth1_ctr")
    sh(c, "hares", "-modify", "adm_mon", "Enabled", "1")
    sh(c, "hares", "-modify", "auth1_ctr", "Memory", "1024m")
    sh(c, "haconf", "-dump", "-makero")
    sh(c, "hares", "-online", "adm_mon", "-sys", "n1")
    c.advance(30)
    out = c.vxha("apply", new, "--yes")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "hares -delete adm_mon" not in out.stdout
    assert "hares -offline adm_mon -sys n1" in out.stdout  # its child restarts under it
    again = c.vxha("apply", new, "--dry-run")
    assert "the cluster already matches" in again.stdout, again.stdout + again.stderr
    assert c.run("hares", "-value", "auth1_ctr", "Memory", check=True).stdout.strip() == "2048m"
    state = c.run("hares", "-state", "adm_mon", "-sys", "n1", check=True).stdout
    assert state.split()[-1] == "ONLINE", state
    refused = c.vxha("delete", "auth1", "--now", "--yes")
    assert refused.returncode == 1 and "adm_mon" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "adm_mon" in c.saved()
    sh(c, "haconf", "-makerw")
    sh(c, "hagrp", "-modify", "auth1", "UserStrGlobal", "")
    sh(c, "haconf", "-dump", "-makero")
    on = c.vxha("maintenance", "on", "auth1", "--yes")
    assert on.returncode == 1, on.stdout + on.stderr
    assert "hagrp -modify auth1 UserStrGlobal vxha:server=auth1" in on.stderr, on.stderr
    assert "--now" not in on.stderr
    # delete --now would take auth1_storage, which the unmarked auth1 requires: refused,
    # with the marker that makes auth1 vxha's again as well as the unlink
    gone = c.vxha("delete", "auth1", "--now", "--yes", "--no-archive")
    assert gone.returncode == 1, gone.stdout + gone.stderr
    assert "hagrp -modify auth1 UserStrGlobal vxha:server=auth1" in gone.stderr, gone.stderr


def test_a_move_on_a_server_changed_by_hand_names_the_apply_that_puts_it_back(tmp_path):
    """An upgrade or downgrade changes only attributes (docs/operations.md, vxha upgrade);
    a port forward deleted by hand made the move look like one that adds a resource, and
    the refusal said to apply the new version's profile instead. The cluster, not the move,
    differs: the refusal says so and names apply with the current profile first."""
    c, _ = served(tmp_path, ("db1", "dedup_disk1"))
    try:
        sh(c, "haconf", "-makerw")
        sh(c, "hares", "-delete", "dedup_disk1_pf")
        sh(c, "haconf", "-dump", "-makero")
        out = c.vxha("downgrade", "dedup_disk1", "--to", "2.0", "--cluster",
                     str(FIX / "cluster.yaml"), "--images", IMAGES, "--dry-run")  # fmt: skip
        assert out.returncode == 1, out.stdout + out.stderr
        assert "dedup_disk1's groups differ from its profile at 2.1" in out.stderr, out.stderr
        assert "dedup_disk1_pf" in out.stderr and "run vxha apply" in out.stderr
        assert "Traceback" not in out.stderr
    finally:
        c.stop()


def test_a_resume_that_meets_an_admins_resource_names_it_and_undo_keeps_it(site):
    """A delete stopped halfway (its resources deleted, the group not yet); the admin then
    adds a resource to the group. --resume never deletes it: it stops at the group's
    delete, naming the resource and the way on (it said only "needs group auth1 without
    resources"); --undo brings the server back around it."""
    c, new = site
    c.fail("hares -delete auth1_ip")
    out = c.vxha("delete", "auth1", "--now", "--yes")
    assert out.returncode == 1 and "stopped at step" in out.stderr, out.stdout + out.stderr
    sh(c, "haconf", "-makerw")
    sh(c, "hares", "-add", "hand_x", "Application", "auth1")
    sh(c, "haconf", "-dump", "-makero")
    again = c.vxha("delete", "--resume", "--yes")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "it holds hand_x" in again.stderr and "hares -delete hand_x" in again.stderr
    assert "hand_x" in c.saved()
    back = c.vxha("delete", "--undo", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert "hand_x" in c.saved()
    assert "the cluster already matches" in c.vxha("apply", new, "--dry-run").stdout


def test_a_move_waits_for_a_partly_online_group_to_be_as_it_was(tmp_path):
    """An admin's resource in the server's group, enabled and left offline: the group is
    PARTIAL where it runs, and stays so whatever vxha does. A downgrade waited for it to be
    ONLINE after its restart, which never comes (300 s, then the move stopped halfway);
    it waits for the group to be up again, as it was."""
    from vxha.simulator.world import World

    c, _ = served(tmp_path, ("db1", "dedup_disk1"))
    try:
        world = World(c.run_dir)
        for s in ("n1", "n2", "n3"):
            world.driver(s, "docker").add_image("dedup:2.0")
        hand_application(c, "dedup_disk1")
        c.advance(60)
        where = c.online_on("dedup_disk1") or []
        assert where == [], "the group reads PARTIAL, not ONLINE"
        argv = ["downgrade", "dedup_disk1", "--to", "2.0", "--cluster",
                str(FIX / "cluster.yaml"), "--images", IMAGES]  # fmt: skip
        out = c.vxha(*argv, "--yes")
        assert out.returncode == 0, out.stdout + out.stderr
        assert "wait until group dedup_disk1 is UP on" in out.stdout, out.stdout
    finally:
        c.stop()


def test_a_server_whose_group_requires_one_not_fully_online_is_refused_before_adding(tmp_path):
    """nbu_master1 requires auth1 `online local firm`. An admin's resource added to auth1
    and left offline keeps it PARTIAL, and auth1 in maintenance (frozen) cannot be brought
    online: VCS refuses to start nbu_master1 anywhere (V-16-1-10165). apply used to add
    its groups and stop at `hagrp -online nbu_master1 -any`, and --resume stopped there
    again (found by the campaign, VXHA_OPS_FUZZ_SEED=2803139726). Refused before any
    command, naming auth1, its state and the way out."""
    c, _ = served(tmp_path, ("auth1",), "veritas")
    try:
        new = tmp_path / "more.cf"
        new.write_text(generated_text(("auth1", "nbu_master1"), "veritas"))
        c.provision(str(new))
        hand_application(c, "auth1")
        c.advance(60)
        assert c.vxha("maintenance", "on", "auth1", "--yes").returncode == 0
        before = c.saved()
        out = c.vxha("apply", str(new), "--yes")
        assert out.returncode == 1, out.stdout + out.stderr
        assert "group nbu_master1 requires group auth1 online local" in out.stderr, out.stderr
        assert "vxha maintenance off auth1" in out.stderr
        assert c.saved() == before
    finally:
        c.stop()
