"""vxha cluster add-types on a cluster that already has vxha's types (docs/packaging.md,
"Types already on the cluster"): an older vxha's declaration is brought up to date, a type
that is not vxha's is never changed. Each test is written from the rule it names."""

from __future__ import annotations

import re

import pytest
from ops_cluster import Cluster

from vxha.vcs_types import cf
from vxha.vcs_types.catalog import bundled_types, project_type
from vxha.vcs_types.decl import Attr, TypeDecl
from vxha.vcs_types.shipped import shape, shipped
from vxha.vcs_types.writer import write_types

OURS = ("Container", "HostIP", "PortForward", "CFSMount")

# one resource of each type, with values an admin set
RESOURCES = {
    "Container": '\tContainer web_ctr (\n\t\tRuntimeName = web\n\t\tImage = "nginx:1.25"\n'
    "\t\tEnv = { TZ = UTC }\n\t\tStopTimeout = 45\n\t\t)\n",
    "HostIP": '\tHostIP web_ip (\n\t\tDevice = eth0\n\t\tAddress = "10.0.0.5"\n\t\t)\n',
    "PortForward": '\tPortForward web_pf (\n\t\tAddress = "10.0.0.5"\n\t\tContainer = web\n'
    '\t\tPorts = { "8080" = 80 }\n\t\t)\n',
    "CFSMount": '\tCFSMount web_mnt (\n\t\tMountPoint = "/vx/web"\n'
    '\t\tBlockDevice = "/dev/vx/dsk/webdg/vol1"\n\t\t)\n',
}


def oldest(name):
    """The oldest shipped declaration VCS loads (the first Container declared Name, a VCS
    reserved word, which hacf refuses: docs/framework.md)."""
    return next(d for _, d in shipped(name) if "Name" not in d.attrs)


def start(tmp_path, decls, includes=(), resources=OURS):
    """A served cluster whose configuration directory holds ``decls`` in their own
    <Type>Types.cf files (as the package installs them) and a group with ``resources``."""
    src = tmp_path / "src"
    src.mkdir()
    for d in decls:
        (src / f"{d.name}Types.cf").write_text(write_types([d]))
    lines = ['include "types.cf"'] + [f'include "{i}"' for i in includes]
    lines += [f'include "{d.name}Types.cf"' for d in decls]
    text = "\n".join(lines) + "\n\ncluster c (\n\t)\n\nsystem n1 (\n\t)\n\n"
    text += "group web (\n\tSystemList = { n1 = 0 }\n\t)\n\n"
    text += "\n".join(RESOURCES[r] for r in resources)
    (src / "main.cf").write_text(text)
    return Cluster(tmp_path, str(src / "main.cf"))


def saved(c):
    return cf.parse_file(c.config)


def files(c):
    """Every .cf file of the cluster's configuration directory, byte for byte."""
    from pathlib import Path

    return {p.name: p.read_bytes() for p in Path(c.config).parent.glob("*.cf")}


def resource_values(config):
    return {r.name: (r.type, dict(r.attrs)) for g in config.groups for r in g.resources}


def changes(c):
    """The configuration-changing ha* commands run (reads left out)."""
    return [
        line
        for line in c.calls()
        if line.split()[1:2] in (["-add"], ["-modify"], ["-delete"], ["-makerw"], ["-dump"])
    ]


@pytest.fixture()
def old_cluster(tmp_path):
    c = start(tmp_path, [oldest(n) for n in OURS])
    yield c
    c.stop()


def test_an_older_vxha_declaration_is_brought_up_to_date_and_resources_keep_their_values(
    old_cluster,
):
    """Rule: a type vxha shipped in an older form gets each missing attribute (haattr
    -add, with its default), the current ArgList and the statics still at a shipped value;
    an attribute the current declaration dropped is kept; existing resources keep their
    values, new attributes take their defaults."""
    c = old_cluster
    before = saved(c)
    for name in OURS:
        assert shape(before.types[name]) == shape(oldest(name))
    # shown before it is done: the dry run lists the commands and changes nothing
    was = files(c)
    dry = c.vxha("cluster", "add-types", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "note: type Container: upgraded" in dry.stdout
    assert "haattr -add Container Hotfixes -string -vector" in dry.stdout
    assert files(c) == was
    out = c.vxha("cluster", "add-types")
    assert out.returncode == 0, out.stdout + out.stderr
    after = saved(c)
    for name in OURS:
        current = project_type(name)
        got = after.types[name]
        kept = {n: a for n, a in got.attrs.items() if n not in current.attrs}
        got_current = TypeDecl(
            name, [a for a in got.attrs.values() if a.name in current.attrs], got.arglist
        )
        assert shape(got_current) == shape(current), name
        for static in current.statics:
            assert got.static(static) == current.static(static), (name, static)
        # dropped by the current declaration: kept, and said
        assert set(kept) == set(oldest(name).attrs) - set(current.attrs), name
        for n in kept:
            assert f"type {name}: kept attribute {n}" in out.stdout
    assert resource_values(after) == resource_values(before)
    # a new attribute takes its default on the resource that was there before
    assert c.run("hares", "-value", "web_ctr", "HealthTimeout", check=True).stdout.strip() == "10"
    assert c.run("hares", "-value", "web_ctr", "Image", check=True).stdout.strip() == "nginx:1.25"


def test_a_second_run_changes_nothing_and_says_so(old_cluster):
    """Rule: add-types is idempotent: after a run that finished, the next one plans
    nothing, says each type is up to date, and leaves the configuration byte-identical."""
    c = old_cluster
    first = c.vxha("cluster", "add-types")
    assert first.returncode == 0, first.stdout + first.stderr
    was = files(c)
    c.reset_calls()
    again = c.vxha("cluster", "add-types")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to do" in again.stdout
    for name in OURS:
        assert f"type {name}: up to date" in again.stdout
    assert changes(c) == []
    assert files(c) == was


def test_veritas_cfsmount_is_left_as_it_is(tmp_path):
    """Rule (DECISIONS.md 6): on a node with Veritas's CFS, Veritas's CFSMount is never
    declared again nor changed, though its attributes are close to a subset of vxha's."""
    veritas = next(d for d in bundled_types()["CFSTypes.cf"] if d.name == "CFSMount")
    c = start(tmp_path, [oldest("Container")], ["CFSTypes.cf"], ("Container", "CFSMount"))
    try:
        before = saved(c).types["CFSMount"]
        assert shape(before) == shape(veritas)
        out = c.vxha("cluster", "add-types", "--types", "Container,CFSMount")
        assert out.returncode == 0, out.stdout + out.stderr
        assert "type CFSMount: Veritas's, left as it is" in out.stdout
        assert not [line for line in changes(c) if " CFSMount" in line]
        assert shape(saved(c).types["CFSMount"]) == shape(veritas)
        # Container was brought up to date in the same run
        assert shape(saved(c).types["Container"])[1] == project_type("Container").arglist
    finally:
        c.stop()


def test_a_foreign_type_of_a_vxha_name_changes_nothing_and_exits_1(tmp_path):
    """Rule: a type named like one of vxha's that no vxha shipped is not vxha's: its
    agent could not run on it. The run changes nothing at all (the old HostIP beside it
    included), names the type and the first difference, and exits 1."""
    foreign = TypeDecl(
        "Container",
        attrs=[Attr("Image"), Attr("Ports", "int", dim="vector")],
        arglist=["Image", "Ports"],
    )
    c = start(tmp_path, [foreign, oldest("HostIP")], resources=("HostIP",))
    try:
        was = files(c)
        c.reset_calls()
        out = c.vxha("cluster", "add-types", "--yes")
        assert out.returncode == 1, out.stdout + out.stderr
        assert "Traceback" not in out.stderr
        # the first difference, in one of the forms cluster_types.differences says
        assert re.search(
            r"type Container on the cluster is not vxha's: (it has no attribute \w+|attribute "
            r"\w+ is [a-z ]+, not [a-z ]+|it has an attribute \w+ vxha never declared|its "
            r"ArgList is \{[^}]*\}, not \{[^}]*\}) \(vxha's agent cannot run its resources\)",
            out.stderr,
        ), out.stderr
        assert "nothing was changed" in out.stderr
        assert changes(c) == []
        assert files(c) == was
    finally:
        c.stop()


def test_an_admins_static_override_is_kept_and_said(old_cluster):
    """Rule: a static vxha's declaration sets is brought to the current value only while
    the cluster still has a value some vxha shipped; an admin's value is kept and said."""
    c = old_cluster
    for argv in (
        ["haconf", "-makerw"],
        ["hatype", "-modify", "HostIP", "MonitorInterval", "45"],
        ["haconf", "-dump", "-makero"],
    ):
        c.run(*argv, check=True)
    out = c.vxha("cluster", "add-types")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "type HostIP: kept MonitorInterval = 45" in out.stdout
    assert c.run("hatype", "-value", "HostIP", "MonitorInterval", check=True).stdout.strip() == "45"
    assert saved(c).types["HostIP"].static("MonitorInterval") == 45
    # a static still at an older vxha's value is brought up to date in the same run
    current = project_type("Container")
    assert oldest("Container").static("LevelTwoMonitorFreq") != current.static(
        "LevelTwoMonitorFreq"
    )
    assert saved(c).types["Container"].static("LevelTwoMonitorFreq") == current.static(
        "LevelTwoMonitorFreq"
    )


@pytest.mark.parametrize(
    "failing", ["haattr -add Container CapAdd", "hatype -modify Container ArgList"]
)
def test_a_run_stopped_midway_names_the_command_and_running_it_again_finishes(old_cluster, failing):
    """Rule: a failure midway names the command that failed and says that running the
    command again finishes; the next run does what is left (and only that)."""
    c = old_cluster
    c.fail(failing)
    out = c.vxha("cluster", "add-types")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert failing in out.stderr.split("<- failed")[0].splitlines()[-1]
    assert "run vxha cluster add-types again" in out.stderr
    again = c.vxha("cluster", "add-types")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "type Container: upgraded" in again.stdout
    for name in OURS:
        got = saved(c).types[name]
        assert got.arglist == project_type(name).arglist, name
    third = c.vxha("cluster", "add-types")
    assert third.returncode == 0 and "nothing to do" in third.stdout, third.stdout


def test_a_types_file_replaced_by_a_package_upgrade_still_upgrades_what_vcs_runs(old_cluster):
    """Rule: the package installs the new <Type>Types.cf beside main.cf while VCS runs the
    older declaration; the engine's ArgList tells which shipped declaration runs, and that
    one is brought up to date (the saved file alone would say "up to date")."""
    from pathlib import Path

    c = old_cluster
    conf = Path(c.config).parent
    (conf / "ContainerTypes.cf").write_text(write_types([project_type("Container")]))
    out = c.vxha("cluster", "add-types", "--types", "Container")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "type Container: the saved declaration is newer than the one VCS runs" in out.stdout
    args = c.run("hatype", "-value", "Container", "ArgList", check=True).stdout.split()
    assert args == project_type("Container").arglist
    again = c.vxha("cluster", "add-types", "--types", "Container")
    assert again.returncode == 0 and "type Container: up to date" in again.stdout, again.stdout
