"""Forms the guides print in type definitions and samples that a reader must meet with a
clear answer (docs/vcs-language.md names the source of each)."""

from __future__ import annotations

import pytest

from vxha.vcs_types.cf import CfError, parse


@pytest.mark.parametrize(
    "line, name",
    [
        ("static str ArgList[] { CVMVxconfigdArgs }", "ArgList"),
        ("keylist Args { syslog }", "Args"),
        ("str Map{} { a = 1 }", "Map"),
    ],
)
def test_a_list_declared_without_its_equals_sign_says_so(line, name):
    # the SFCFS 5.1 SP1 Installation Guide (HP-UX) prints CVMVxconfigd's ArgList without
    # "="; a default is "= value" (AG 7.0, "About attribute dimensions": `static str
    # ArgList[] = { RVG, DiskGroup }`), so the line is refused where the "=" is missing,
    # saying what to add
    text = f"type T (\n\t{line}\n\tkeylist CVMVxconfigdArgs\n\tkeylist Args\n)\n"
    with pytest.raises(CfError) as e:
        parse(text, "T.cf")
    assert e.value.line == 2
    assert e.value.message == f"expected '=' between {name} and its value, found '{{'"


def test_cvm_node_ids_are_a_string_association_as_the_type_definitions_declare(tmp_path):
    # "str CVMNodeId{}" in the CVMCluster type definitions of SFCFS 4.1 and 5.1 SP1
    # (HP-UX), "string-association" in the SFCFS 5.0 and 5.1 attribute tables: a node id
    # written quoted is a string value, as the bare one is
    from vxha.vcs_types.verify import verify

    (tmp_path / "main.cf").write_text(
        'include "CVMTypes.cf"\n\nsystem galaxy (\n\t)\n\nsystem nebula (\n\t)\n\n'
        "group cvm (\n\tSystemList = { galaxy = 0, nebula = 1 }\n\tParallel = 1\n\t)\n\n"
        "\tCVMCluster cvm_clus (\n\t\tCVMClustName = clus1\n"
        '\t\tCVMNodeId = { galaxy = 0, nebula = "1" }\n\t\t)\n'
    )
    assert verify(tmp_path / "main.cf") == []


def test_an_arglist_reference_needs_the_attribute_holding_the_other_resource():
    # ADG 5.0MP3 (Solaris), "ArgList reference attributes": in { Attr1, Attr3:Attr_A }
    # Attr3 is an attribute of the type whose value names another resource; "one has to
    # first add the attribute Attr3 to type T1 before adding Attr3:Attr_A"
    ok = 'type T (\n\tstatic str ArgList[] = { A, "Ref:RVG" }\n\tstr A\n\tstr Ref\n)\n'
    assert parse(ok, "T.cf").types["T"].arglist == ["A", "Ref:RVG"]
    for ref in ("Nope:RVG", "ref:RVG", ":RVG", "Ref:"):
        text = ok.replace('"Ref:RVG"', f'"{ref}"')
        with pytest.raises(CfError) as e:
            parse(text, "T.cf")
        assert e.value.line == 2, ref
        assert f"ArgList reference '{ref}'" in e.value.message
    with pytest.raises(CfError) as e:
        parse(ok.replace('"Ref:RVG"', '"ref:RVG"'), "T.cf")
    assert "differs only in case" in e.value.message


@pytest.mark.parametrize(
    "rule",
    [
        'group.Name + "_" + resource.MountPoint',
        '"cfsmount" + resource.MountPoint',
        "resource.Device + resource.Address",
    ],
)
def test_a_name_rule_of_terms_joined_by_plus_reads_and_comes_back_as_written(rule):
    # chosen (no stored page prints one): a NameRule of several terms is kept verbatim,
    # each term quoted or bare as written, so a quoted literal never becomes a bare word
    from vxha.vcs_types.cf import write

    text = f"type T (\n\tNameRule = {rule}\n\tstatic str ArgList[] = {{ A }}\n\tstr A\n)\n"
    cfg = parse(text, "T.cf")
    assert cfg.types["T"].settings["NameRule"] == rule
    assert write(cfg) == text
    assert parse(write(cfg), "T.cf") == cfg


@pytest.mark.parametrize("tail, found", [("+\n\tstr A\n", "'str'"), ("+ + x\n", "'+'")])
def test_a_name_rule_ending_in_plus_says_a_term_is_missing(tail, found):
    with pytest.raises(CfError) as e:
        parse(f"type T (\n\tNameRule = resource.A {tail}\tstr A\n)\n", "T.cf")
    assert e.value.message == f"expected a term after '+' in NameRule, found {found}"
