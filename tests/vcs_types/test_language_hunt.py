"""Constructs of real types and main.cf files that the samples rarely show, each written
from the rule it follows (docs/vcs-language.md names the source of each)."""

from __future__ import annotations

import pytest

from vxha.vcs_types.cf import CfError, parse, parse_file, write
from vxha.vcs_types.verify import verify


def test_a_string_association_default_written_with_bare_integers_comes_back_bare():
    # ADG 9.0 "MonitorStatsParam" and AG 7.2 "VCS attributes enabling agent statistics"
    # print the override with bare integers in a string attribute; the declared type
    # reads them back as the same strings, so they are written back as written
    text = (
        "type T (\n"
        "\tstatic str MonitorStatsParam{} = { Frequency = 10, ExpectedValue = 3000, "
        "ValueThreshold = 100, AvgThreshold = 40 }\n"
        '\tstr V[] = { 1, "2", a }\n'
        '\tstr A{} = { k = 5, j = "7" }\n'
        "\tstatic str ArgList[] = { V, A }\n"
        ")\n"
    )
    cfg = parse(text, "T.cf")
    decl = cfg.types["T"]
    assert decl.statics["MonitorStatsParam"] == {
        "Frequency": "10",
        "ExpectedValue": "3000",
        "ValueThreshold": "100",
        "AvgThreshold": "40",
    }
    assert decl.attrs["V"].default == ["1", "2", "a"]
    assert write(cfg) == text
    assert parse(write(cfg), "T.cf") == cfg


_GROUP = """group g (
	SystemList = { n1 = 0 }
	)

	NIC nic1 (
		Device = eth0
		)

	NIC nic2 (
		Device = eth1
		)

	IP ip1 (
		Device = eth0
		Address = "10.0.0.1"
		)

"""


@pytest.mark.parametrize("parent", ["ip1", '"ip1"'])
def test_an_atleast_resource_dependency_is_refused_by_name_at_its_keyword(parent, tmp_path):
    # VCS 6.2 and later link a parent to a set of children with a minimum count (Admin
    # Guide 7.0 "About resources and resource dependencies"; hares(1M) 7.3: -link ... -min);
    # its main.cf form is in no stored guide, so it is refused at 'atleast' with a message
    # that names it, not read as a resource "2" of type ... further on
    text = _GROUP + f"\t{parent} requires atleast 1 from nic1, nic2\n"
    (tmp_path / "main.cf").write_text(text)
    for read in (lambda: parse(text), lambda: parse_file(tmp_path / "main.cf")):
        with pytest.raises(CfError) as e:
            read()
        line = text.count("\n")
        assert (e.value.line, e.value.column) == (line, len(parent) + 12)
        assert "found an atleast dependency (requires atleast N ...)" in e.value.message
    # a resource named atleast is still a resource
    named = _GROUP.replace("NIC nic2", "NIC atleast") + f"\t{parent} requires atleast\n"
    assert parse(named).groups[0].links[0].child == "atleast"


def test_systems_of_one_zone_share_its_number_without_a_finding():
    # User's Guide 5.0MP3, "About system zones": a zone is a subset of the systems (an
    # application zone, a database zone), so several systems carry one zone number; only
    # SystemList and ClusterList number one entry each (their numbers are priorities)
    text = (
        "cluster c (\n\t)\n\n"
        "system app1 (\n\t)\n\nsystem app2 (\n\t)\n\n"
        "system db1 (\n\t)\n\nsystem db2 (\n\t)\n\n"
        "group g (\n"
        "\tSystemList = { app1 = 0, app2 = 1, db1 = 2, db2 = 3 }\n"
        "\tSystemZones = { app1 = 0, app2 = 0, db1 = 1, db2 = 1 }\n"
        "\t)\n"
    )
    assert verify(parse(text)) == []
    same = text.replace("db1 = 2, db2 = 3", "db1 = 2, db2 = 2")
    assert [i.message for i in verify(parse(same))] == [
        "group g: SystemList gives db1 and db2 the same number 2: number every entry, or none"
    ]


def _chain_group(links, count):
    text = "group g (\n\tSystemList = { n1 = 0 }\n\t)\n\n"
    for i in range(count):
        text += f'\tFileOnOff f{i} (\n\t\tPathName = "/tmp/f{i}"\n\t\t)\n\n'
    for parent, child in links:
        text += f"\tf{parent} requires f{child}\n"
    return text


def test_a_resource_chain_deeper_than_the_recursion_limit_is_written():
    # the tree comment nests a level a link (chosen: hacf's layout, four spaces a level);
    # a chain of 1,500 resources was a RecursionError in the writer
    count = 1500
    cfg = parse(_chain_group([(i, i + 1) for i in range(count - 1)], count))
    text = write(cfg)
    assert parse(text) == cfg
    assert f"\t//\t{' ' * 4 * (count - 1)}FileOnOff f{count - 1}\n" in text


def test_a_lattice_of_resources_writes_a_bounded_tree_comment():
    # each of two resources of a layer requires both of the next: the tree comment, which
    # writes a subtree under each parent as hacf does, doubles a layer; past
    # writer.TREE_LINES lines no further subtree is opened, so 60 layers (2**60 paths)
    # are written at once, and the model is unchanged
    from vxha.vcs_types import writer

    layers = 60
    links = [
        (2 * i + a, 2 * (i + 1) + b) for i in range(layers - 1) for a in (0, 1) for b in (0, 1)
    ]
    cfg = parse(_chain_group(links, 2 * layers))
    text = write(cfg)
    assert parse(text) == cfg
    tree = text[text.index("// resource dependency tree") :]
    assert writer.TREE_LINES < tree.count("\n") < writer.TREE_LINES + 4 * layers + 10


@pytest.mark.parametrize("form", ["./types.cf", "{dir}/types.cf", "./CVMTypes.cf"])
def test_an_absent_veritas_file_named_with_a_path_to_its_own_directory_is_stood_in_for(
    tmp_path, form
):
    # DECISIONS.md 5: an absent types.cf (CVMTypes.cf, ...) beside main.cf resolves to the
    # built-in declarations; "./types.cf" and the directory's absolute path name that same
    # file, and were "no file" errors
    name = form.format(dir=tmp_path)
    (tmp_path / "main.cf").write_text(f'include "{name}"\n')
    cfg = parse_file(tmp_path / "main.cf")
    wanted = "CVMCluster" if "CVM" in name else "Mount"
    assert cfg.type_origin[wanted] == name
    # a file of that name elsewhere is not the one beside main.cf: still an error
    (tmp_path / "sub").mkdir()
    (tmp_path / "main.cf").write_text('include "sub/types.cf"\n')
    with pytest.raises(CfError) as e:
        parse_file(tmp_path / "main.cf")
    assert e.value.message == f"expected an include file, found no file {tmp_path}/sub/types.cf"
