"""Shapes of a real cluster nobody wrote a fixture for: an admin's objects that look like
vxha's, vxha's objects changed by hand, clusters in odd states, names at the edges. Each
expectation is written from the ownership rule (DECISIONS.md 10; docs/operations.md,
"What vxha owns") before the run."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from ops_cluster import Cluster, blocks, example_servers

from vxha.generators import ownership
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf

FIX = Path(__file__).parent / "fixtures" / "installed"
IMAGES = os.path.join(EXAMPLES, "images")


def generated(servers=("auth1",)):
    text = generate_from_files(
        str(FIX / "cluster.yaml"), example_servers(only=list(servers)), image_root=IMAGES
    ).text
    return cf.parse(text)


def installed_with(servers=("auth1",)):
    """The installer's cluster with ``servers`` applied: (live configuration, generated)."""
    gen = generated(servers)
    live = cf.parse_file(str(FIX / "main.cf"))
    live.groups += [copy.deepcopy(g) for g in gen.groups if ownership.server_of(g)]
    return live, gen


def test_a_marker_copied_onto_an_admins_group_does_not_make_it_vxhas():
    """An admin copied auth1's marker onto their own group `reports` (a copied group, or a
    pasted attribute). vxha names a server's groups <srv> and <srv>_storage (DECISIONS.md
    3): `reports` is none of them, so it is not vxha's, and apply must neither delete it nor
    unlink it from the admin's oradb; the note names it and the way out. apply used to plan
    `hagrp -unlink reports oradb`, `hares -delete rep_app`, `hagrp -delete reports`."""
    live, gen = installed_with()
    live.group("reports").attrs["UserStrGlobal"] = "vxha:server=auth1"
    before = copy.deepcopy(live.group("reports"))
    assert ownership.server_of(live.group("reports")) is None
    assert ownership.servers(live) == {"auth1": ["auth1_storage", "auth1"]}
    tgt = ownership.target(live, gen)
    assert tgt.problems == []
    assert tgt.config.group("reports") == before
    assert any(
        "group reports carries vxha's marker for server auth1" in n
        and "hagrp -modify reports UserStrGlobal" in n
        for n in tgt.notes
    ), tgt.notes


@pytest.fixture
def included_server(tmp_path):
    """auth1 applied, its two groups kept by the admin in an included file `servers.cf`
    (docs/vcs-language.md, "Includes and types": an include may declare groups)."""
    text = generate_from_files(
        str(FIX / "cluster.yaml"), example_servers(only=["auth1"]), image_root=IMAGES
    ).text
    parts = blocks(text)
    moved = [parts["group auth1_storage"], parts["group auth1"]]
    for block in moved:
        text = text.replace(block, "")
    text = text.replace('include "types.cf"', 'include "types.cf"\ninclude "servers.cf"', 1)
    (tmp_path / "main.cf").write_text(text)
    (tmp_path / "servers.cf").write_text("\n\n".join(moved) + "\n")
    c = Cluster(tmp_path, str(tmp_path / "main.cf"))
    c.copy_profiles(["auth1"])
    yield c
    c.stop()


@pytest.mark.slow
def test_undo_of_a_delete_brings_back_a_server_declared_in_an_included_file(included_server):
    """docs/operations.md, Plans: --undo plans back to the configuration before the last
    plan. The server's groups lived in an included file, which the delete emptied; the
    undo read the journal's main.cf with its includes beside the live one, so it found
    no auth1 before the plan, restored nothing and said it was done."""
    c = included_server
    assert sorted(c.online_on("auth1_storage")) == ["n1", "n2", "n3"]
    where = c.online_on("auth1")
    assert len(where) == 1
    gone = c.vxha("delete", "auth1", "--now", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "auth1" not in c.groups()
    back = c.vxha("delete", "--undo", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert {"auth1", "auth1_storage"} <= c.groups()
    assert sorted(c.online_on("auth1_storage")) == ["n1", "n2", "n3"]
    assert c.online_on("auth1") == where
    assert (c.profiles / "auth1.yaml").exists()


def test_a_group_recreated_for_parallel_is_refused_while_an_admins_group_requires_it():
    """VCS changes Parallel only on an empty group, so apply deletes and adds the group
    again (docs/operations.md, vxha apply); the admin's `reports` requires auth1_storage
    (`online global soft`): its link would have to go, and vxha never unlinks a group it
    does not own. Refused before anything runs, as for a group the plan removes, naming
    the admin's group and the unlink; it used to stop in the internal check ("refusing to
    change what vxha does not own") with no way out."""
    from vxha.vcs_types.model import GroupDep

    live, gen = installed_with()
    live.group("reports").deps.append(GroupDep("auth1_storage", "online", "global", "soft"))
    gen.group("auth1_storage").attrs["Parallel"] = 0  # exclusive storage
    tgt = ownership.target(live, gen)
    assert tgt.problems == [
        "group reports (not vxha's) requires group auth1_storage, which this plan deletes and "
        "adds again (Parallel changes only on an empty group): unlink it first (hagrp -unlink "
        "reports auth1_storage) and link it again after"
    ]


def test_delete_refused_for_storage_in_maintenance_names_the_off_that_ends_it():
    """`maintenance on auth1 --storage`, then `maintenance off auth1` (without --storage:
    the storage group stays in maintenance, frozen where it runs). delete is refused, as
    VCS will not take a frozen group offline (docs/operations.md, vxha delete), and the
    way out it names must end that maintenance: `vxha maintenance off auth1 --storage`.
    It named `vxha maintenance off auth1`, which the admin had just run, to no effect."""
    from vxha.generators import operations
    from vxha.generators.record import Record
    from vxha.generators.view import ClusterView

    live, _ = installed_with()
    systems = ["n1", "n2", "n3"]
    view = ClusterView(
        live,
        "main.cf",
        group_states={
            "auth1": {"n1": "ONLINE", "n2": "OFFLINE", "n3": "OFFLINE"},
            "auth1_storage": {s: "ONLINE" for s in systems},
        },
        admin={
            "auth1_storage": {
                "Frozen": {"global": "1"},
                "Enabled": {s: "0" for s in systems},
                "UserStrLocal": {s: Record.new("x", frozen=True).text() for s in systems},
            }
        },
    )
    with pytest.raises(operations.OperationError) as err:
        operations._refuse_held(view, "auth1", ["auth1", "auth1_storage"])
    assert str(err.value).endswith("run vxha maintenance off auth1 --storage first"), err.value


def test_delete_refused_for_a_temporary_freeze_names_the_thaw_without_persistent():
    """An admin froze auth1 temporarily (`hagrp -freeze auth1`: TFrozen, no configuration
    session). delete is refused (VCS will not take a frozen group offline) naming the
    admin's thaw; a temporary freeze is ended by `hagrp -unfreeze auth1`, a persistent one
    by `hagrp -unfreeze auth1 -persistent` (hagrp(1M), InfoScale 7.3, SYNOPSIS; the
    Frozen and TFrozen attributes). The refusal named -persistent for both."""
    from vxha.generators import operations
    from vxha.generators.view import ClusterView

    live, _ = installed_with()
    view = ClusterView(
        live,
        "main.cf",
        group_states={"auth1": {"n1": "ONLINE", "n2": "OFFLINE", "n3": "OFFLINE"}},
        admin={"auth1": {"TFrozen": {"global": "1"}, "Frozen": {"global": "0"}}},
    )
    with pytest.raises(operations.OperationError) as err:
        operations._refuse_held(view, "auth1", ["auth1"])
    assert str(err.value).endswith("an admin froze it: hagrp -unfreeze auth1 ends the freeze")


def test_maintenance_off_without_storage_says_the_storage_group_stays_in_maintenance():
    """`maintenance on auth1 --storage`, then `off` without --storage ends the failover
    group's only (docs/operations.md, vxha maintenance: off acts on what it is given). The
    storage group stays disabled and frozen, which later refuses delete and keeps the
    storage from failing over: off must say so and name the command that ends it."""
    from vxha.generators import operations
    from vxha.generators.record import Record
    from vxha.generators.view import ClusterView

    live, _ = installed_with()
    systems = ["n1", "n2", "n3"]
    held = {
        "Enabled": {s: "0" for s in systems},
        "UserStrLocal": {s: Record.new("x", frozen=True).text() for s in systems},
    }
    view = ClusterView(
        live,
        "main.cf",
        group_states={
            "auth1": {"n1": "ONLINE", "n2": "OFFLINE", "n3": "OFFLINE"},
            "auth1_storage": {s: "ONLINE" for s in systems},
        },
        admin={
            "auth1": {**held, "Frozen": {"global": "1"}},
            "auth1_storage": {**held, "Frozen": {"global": "1"}},
        },
    )
    plan = operations.maintenance_plan(view, "auth1", on=False)
    assert (
        "group auth1_storage stays in maintenance on n1, n2, n3: vxha maintenance off auth1 "
        "--storage ends it"
    ) in plan.notes, plan.notes
    both = operations.maintenance_plan(view, "auth1", on=False, storage=True)
    assert not any("stays in maintenance" in n for n in both.notes), both.notes


@pytest.mark.slow
def test_a_move_whose_new_container_fails_over_says_maintenance_could_not_be_put_back(tmp_path):
    """docs/operations.md, vxha upgrade: a move stopped in its restart puts the server back
    into maintenance. Here dedup 2.0 was never loaded on the nodes: the new container
    faults, VCS fails the group over (maintenance has ended by then) and it is still
    starting elsewhere when the move stops, so maintenance cannot be put back (a group in
    transition is refused). The command must still say where the server stands and the
    ways on, and say that maintenance was not put back and how to do it; the refusal used
    to end the command there, with one line about the transition."""
    servers = example_servers(only=["dedup_disk1", "db1"])
    new = tmp_path / "new.cf"
    new.write_text(generate_from_files(str(FIX / "cluster.yaml"), servers, image_root=IMAGES).text)
    c = Cluster(tmp_path, str(FIX / "main.cf"))
    try:
        c.copy_profiles(["dedup_disk1", "db1"])
        c.provision(str(new))
        assert c.vxha("apply", str(new), "--yes").returncode == 0
        (runs,) = c.online_on("dedup_disk1")
        for s in ("n1", "n2", "n3"):
            if s != runs:  # a failover's online there takes long: the group is starting
                c.event("slow", resource="dedup_disk1_ctr", system=s,
                        args='{"entry_point": "online", "seconds": 3000}')  # fmt: skip
        cluster = str(FIX / "cluster.yaml")
        out = c.vxha("downgrade", "dedup_disk1", "--to", "2.0", "--profiles", str(c.profiles),
                     "--cluster", cluster, "--images", IMAGES, "--yes")  # fmt: skip
        assert out.returncode == 1, out.stdout + out.stderr
        assert "Traceback" not in out.stderr
        assert "could not put dedup_disk1 back into maintenance: group dedup_disk1 is in " \
            "transition" in out.stderr, out.stderr  # fmt: skip
        assert "vxha maintenance on dedup_disk1" in out.stderr
        assert "dedup_disk1 now:" in out.stderr
        assert "to finish the downgrade: vxha downgrade --resume" in out.stderr
    finally:
        c.stop()
