"""Types already on an admin's cluster when vxha plans onto it: a type named like one of
vxha's that is not vxha's, an older vxha declaration, Veritas's CFSMount. Each expectation
is written from the ownership rule (DECISIONS.md 10: the types vxha ships are vxha's, a
type of the same name that is not vxha's is never changed; docs/operations.md, "What vxha
owns": what vxha's groups need from the cluster is checked before any command)."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest
from ops_cluster import Cluster, example_servers

from vxha.generators import ownership
from vxha.generators.build import Options
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf
from vxha.vcs_types.catalog import project_type
from vxha.vcs_types.shipped import shipped

FIX = Path(__file__).parent / "fixtures" / "installed"
IMAGES = os.path.join(EXAMPLES, "images")
SITE_HOSTIP = (
    "type HostIP (\n\tstatic str ArgList[] = { Interface, IPAddr }\n"
    "\tstr Interface\n\tstr IPAddr\n)\n"
)


def generated(servers=("auth1",), cluster=None, mode="veritas"):
    text = generate_from_files(
        str(cluster or FIX / "cluster.yaml"),
        example_servers(only=list(servers)),
        image_root=IMAGES,
        options=Options(cfsmount=mode),
    ).text
    return cf.parse(text)


def test_a_sites_own_type_named_like_vxhas_is_refused_before_any_command():
    """The site has its own `HostIP` (other attributes, its own agent). vxha's resources
    cannot run under it: `hares -modify auth1_ip Device` fails after the groups were added
    (a half-changed cluster), or, were the attributes alike, another agent would run
    vxha's resource. The plan is refused, naming the type and the way out; it used to be
    planned (the check asked only whether a type of that name exists)."""
    live = cf.parse_file(str(FIX / "main.cf"))
    live.types["HostIP"] = cf.parse(SITE_HOSTIP).types["HostIP"]
    tgt = ownership.target(live, generated())
    assert len(tgt.problems) == 1, tgt.problems
    (problem,) = tgt.problems
    assert problem.startswith("the cluster's type HostIP is not vxha's (it has no attribute")
    assert "rename or remove that type" in problem


def test_an_older_vxha_type_missing_an_attribute_the_server_sets_names_add_types():
    """An older vxha's Container declaration (no AddOns, no Hotfixes) while nbu_media1's
    profile has add-ons: `hares -modify nbu_media1_ctr AddOns ...` would fail after the
    group was added. Refused before any command, naming the attribute, the resource and
    `vxha cluster add-types` (docs/packaging.md, "Types already on the cluster")."""
    gen = generated(["nbu_media1"], cluster=os.path.join(EXAMPLES, "cluster.yaml"))
    live = copy.deepcopy(gen)
    live.groups = [g for g in live.groups if ownership.server_of(g) is None]
    live.types["Container"] = next(
        d for _, d in shipped("Container") if "AddOns" not in d.attrs and "Name" not in d.attrs
    )
    tgt = ownership.target(live, gen)
    want = (
        "the cluster's type Container has no attribute AddOns, which nbu_media1_ctr set(s): "
        "bring vxha's types up to date first (vxha cluster add-types)"
    )
    assert want in tgt.problems, tgt.problems
    # once up to date, nothing is in the way
    live.types["Container"] = project_type("Container")
    assert not any("type Container" in p for p in ownership.target(live, gen).problems)


def test_vxhas_cfsmount_extras_on_veritas_cfsmount_are_refused_naming_cfsmount_veritas():
    """DECISIONS.md 6: on a node with Veritas's CFSMount its declaration is authoritative,
    and it has no SecondLevelMonitor. A main.cf generated with `--cfsmount vxha` would stop
    at `hares -modify auth1_mnt_config SecondLevelMonitor 1`, after the groups were added.
    Refused, naming the way out (`--cfsmount veritas`); the default is fine."""
    live = cf.parse_file(str(FIX / "main.cf"))
    tgt = ownership.target(live, generated(mode="vxha"))
    assert any(
        p.startswith("the cluster's type CFSMount has no attribute SecondLevelMonitor")
        and "--cfsmount veritas" in p
        for p in tgt.problems
    ), tgt.problems
    assert ownership.target(live, generated()).problems == []


@pytest.mark.slow
def test_apply_onto_a_sites_own_type_changes_nothing(tmp_path):
    """The same through the command on the simulator: apply exits 1 before any command
    that changes the cluster (no `haconf -makerw`), naming the type."""
    src = tmp_path / "src"
    shutil.copytree(FIX, src)
    (src / "HostIPTypes.cf").write_text(SITE_HOSTIP)
    c = Cluster(tmp_path, str(src / "main.cf"))
    try:
        new = tmp_path / "new.cf"
        new.write_text(
            generate_from_files(
                str(FIX / "cluster.yaml"), example_servers(only=["auth1"]), image_root=IMAGES
            ).text
        )
        c.provision(str(new))
        before = c.saved()
        c.reset_calls()
        out = c.vxha("apply", str(new), "--yes")
        assert out.returncode == 1, out.stdout + out.stderr
        assert "Traceback" not in out.stderr
        assert "the cluster's type HostIP is not vxha's" in out.stderr, out.stderr
        assert not any("-makerw" in line for line in c.calls()), c.calls()
        assert c.saved() == before
    finally:
        c.stop()


def test_an_attribute_an_admin_added_to_vxhas_type_keeps_the_type_vxhas():
    """An admin added an attribute of their own to vxha's Container (`haattr -add
    Container Site -string`, say for an inventory script); no ArgList passes it, so vxha's
    agent never sees it, and the type is still vxha's (DECISIONS.md 10). apply plans onto
    it, and add-types upgrades the rest of an older declaration and keeps the admin's
    attribute, saying so. Both used to take the type for a site's own and refuse, naming
    "rename or remove that type" as the way out."""
    from vxha.agents.cluster_types import plan_type
    from vxha.vcs_types.decl import Attr, TypeDecl

    def with_site(decl):
        return TypeDecl("Container", [*decl.attrs.values(), Attr("Site")], decl.arglist,
                        statics=decl.statics)  # fmt: skip

    live = cf.parse_file(str(FIX / "main.cf"))
    live.types["Container"] = with_site(project_type("Container"))
    assert ownership.target(live, generated()).problems == []
    old = next(d for _, d in shipped("Container") if "Name" not in d.attrs)
    plan = plan_type(project_type("Container"), with_site(old))
    assert plan.kind == "upgrade" and not plan.error
    assert not any("Site" in c for c in plan.commands), plan.commands
    assert "type Container: kept attribute Site (an admin's: no vxha declares it)" in plan.notes
    # one the agent would be given (in the ArgList) is another's declaration
    foreign = TypeDecl("Container", [*old.attrs.values(), Attr("Site")], [*old.arglist, "Site"])
    assert plan_type(project_type("Container"), foreign).kind == "foreign"


def test_what_runs_under_such_a_type_is_still_deleted_and_left_alone():
    """The check holds up only resources a plan adds or changes: deleting a server whose
    resources run under such a type, or an apply that leaves them as they are, is not
    refused for the type (vxha's way out of a type that cannot take its resources is to
    remove them)."""
    gen = generated()
    live = cf.parse_file(str(FIX / "main.cf"))
    live.groups += [copy.deepcopy(g) for g in gen.groups if ownership.server_of(g)]
    live.types["HostIP"] = cf.parse(SITE_HOSTIP).types["HostIP"]
    assert ownership.target(live, gen).problems == []
    gone = copy.deepcopy(live)
    gone.groups = [g for g in gone.groups if ownership.server_of(g) is None]
    assert ownership.target(live, gone).problems == []


@pytest.mark.slow
def test_add_types_dry_run_with_join_says_the_session_is_not_saved(tmp_path):
    """`--dry-run` shows what the run does: with --join the runner works inside the open
    session and never saves it (docs/operations.md, Configuration sessions), as apply's
    dry run says; add-types' printed a plain `haconf -dump -makero` it would not run."""
    from vxha.vcs_types.writer import write_types

    src = tmp_path / "src"
    src.mkdir()
    old = next(d for _, d in shipped("Container") if "Name" not in d.attrs)
    (src / "ContainerTypes.cf").write_text(write_types([old]))
    (src / "main.cf").write_text(
        'include "types.cf"\ninclude "ContainerTypes.cf"\n\ncluster c (\n\t)\n\nsystem n1 (\n\t)\n'
    )
    c = Cluster(tmp_path, str(src / "main.cf"))
    try:
        c.run("haconf", "-makerw", check=True)
        out = c.vxha("cluster", "add-types", "--types", "Container", "--dry-run", "--join")
        assert out.returncode == 0, out.stdout + out.stderr
        lines = out.stdout.splitlines()
        assert "haconf -dump -makero   (not run: joined)" in lines, out.stdout
        assert "haconf -dump -makero" not in lines
        plain = c.vxha("cluster", "add-types", "--types", "Container", "--dry-run")
        assert "haconf -dump -makero" in plain.stdout.splitlines()
    finally:
        c.stop()


def test_an_add_types_stopped_while_declaring_a_type_is_finished_by_running_it_again():
    """docs/packaging.md, "Types already on the cluster": a run that stopped is finished
    by running it again. On a cluster that had none of vxha's types, a run stopped midway
    through a type's `haattr -add`s leaves a type with some of the current attributes and
    no ArgList yet; running again took it for a site's own ("it has no attribute
    ArpInterval") and refused for ever. Found by the randomized campaign (sfha)."""
    from vxha.agents.cluster_types import plan_type
    from vxha.vcs_types.decl import TypeDecl

    current = project_type("HostIP")
    attrs = list(current.attrs.values())
    for k in range(len(attrs) + 1):
        half = TypeDecl("HostIP", attrs[:k], [])
        plan = plan_type(current, half)
        assert plan.kind == "upgrade" and not plan.error, (k, plan.error)
        added = [c[3] for c in plan.commands if c[:2] == ["haattr", "-add"]]
        assert added == [a.name for a in attrs[k:]]
        assert ["hatype", "-modify", "HostIP", "ArgList", *current.arglist] in plan.commands
    # the same attributes under another ArgList are another's declaration
    other = TypeDecl("HostIP", attrs[:2], [attrs[0].name])
    assert plan_type(current, other).kind == "foreign"


@pytest.mark.slow
def test_a_first_add_types_stopped_midway_then_run_again_declares_every_type(tmp_path):
    """The same through the command, as the campaign found it: an SFHA cluster without
    vxha's types, add-types stopped by a failed `haattr -add HostIP ArpInterval`, then run
    again: it finishes, and every type has the current declaration's shape."""
    from vxha.vcs_types.shipped import shape

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FIX / "OracleTypes.cf", src)
    shutil.copy(Path(__file__).parent / "fixtures" / "variants" / "sfha.cf", src / "main.cf")
    c = Cluster(tmp_path, str(src / "main.cf"))
    try:
        c.fail("haattr -add HostIP ArpInterval")
        first = c.vxha("cluster", "add-types")
        assert first.returncode == 1 and "stopped at step" in first.stderr, first.stderr
        again = c.vxha("cluster", "add-types")
        assert again.returncode == 0, again.stdout + again.stderr
        types = cf.parse_file(c.config).types
        for name in ("Container", "HostIP", "PortForward"):
            assert shape(types[name]) == shape(project_type(name)), name
    finally:
        c.stop()
