"""main.cf as administrators leave it after editing by hand: each form read (or refused) as
the rule of docs/vcs-language.md ("Files as administrators leave them") says."""

from __future__ import annotations

import pytest

from vxha.vcs_types.cf import CfError, parse, parse_file, write
from vxha.vcs_types.verify import verify

_FILE = """include "types.cf"

cluster c1 (
\tUserNames = { admin = abc }
\t)

system n1 (
\t)

group g1 (
\tSystemList = { n1 = 0 }
\t)

\tIP ip1 (
\t\tDevice = eth0
\t\tAddress = "10.0.0.5"
\t\t)

\tNIC nic1 (
\t\tDevice = eth0
\t\t)

\tip1 requires nic1
"""


def _read(tmp_path, text):
    path = tmp_path / "main.cf"
    path.write_bytes(text.encode("utf-8"))
    return parse_file(path), verify(path)


def _again(tmp_path, cfg):
    """The configuration written back and read again from the same place."""
    path = tmp_path / "main.cf"
    path.write_text(write(cfg))
    return parse_file(path)


def test_some_lines_ending_in_cr_lf_read_as_the_same_file(tmp_path):
    # a file edited on Windows and again with vi: CR LF ends a line as LF does
    mixed = _FILE.replace("\n", "\r\n", 7)
    assert "\r\n" in mixed and "\n\t\t)\n" in mixed
    cfg, issues = _read(tmp_path, mixed)
    assert issues == []
    assert write(cfg) == write(parse(_FILE))


def test_a_byte_order_mark_is_refused_at_its_place(tmp_path):
    with pytest.raises(CfError) as e:
        _read(tmp_path, "\ufeff" + _FILE)
    assert (e.value.line, e.value.column) == (1, 1)
    assert "byte order mark" in e.value.message


def test_blanks_and_tabs_after_a_closing_parenthesis_are_layout(tmp_path):
    cfg, issues = _read(tmp_path, _FILE.replace("\t\t)\n", "\t\t)  \t \n"))
    assert issues == []
    assert write(cfg) == write(parse(_FILE)) and _again(tmp_path, cfg) == cfg


def test_a_tab_inside_a_quoted_value_is_part_of_it_and_comes_back(tmp_path):
    cfg, _ = _read(tmp_path, _FILE.replace('"10.0.0.5"', '"10.0.0.5\t# x"'))
    assert cfg.groups[0].resources[0].attrs["Address"] == "10.0.0.5\t# x"
    assert _again(tmp_path, cfg) == cfg


@pytest.mark.parametrize(
    "form",
    [
        "\t\tDevice = // the first NIC\n\t\t\teth0\n",
        "\t\tDevice /* the first NIC */ = eth0\n",
        "\t\tDevice =\n\t\t\t/* the first NIC */\n\t\t\teth0\n",
    ],
)
def test_a_comment_between_an_attribute_and_its_value_is_skipped(tmp_path, form):
    tail = "\t\t)\n\n\tip1"
    cfg, issues = _read(tmp_path, _FILE.replace("\t\tDevice = eth0\n" + tail, form + tail))
    assert issues == []
    assert cfg.groups[0].resource("nic1").attrs == {"Device": "eth0"}


@pytest.mark.parametrize("where", ["after the cluster block", "at the end"])
def test_an_include_after_the_cluster_block_or_at_the_end_still_declares_the_types(tmp_path, where):
    body = _FILE.replace('include "types.cf"\n\n', "")
    if where == "at the end":
        text = body + '\ninclude "types.cf"\n'
    else:
        text = body.replace("system n1 (", 'include "types.cf"\n\nsystem n1 (')
    cfg, issues = _read(tmp_path, text)
    assert issues == []
    assert cfg.includes == ["types.cf"] and "IP" in cfg.types


def test_a_second_cluster_block_is_refused_at_its_line(tmp_path):
    # a main.cf defines its one cluster (Administrator's Guide 6.0 AIX, "About the main.cf
    # file": "Cluster definition")
    with pytest.raises(CfError) as e:
        _read(tmp_path, _FILE.replace("system n1 (", "cluster c2 (\n\t)\n\nsystem n1 ("))
    assert e.value.line == 7 and "second" in e.value.message


def test_an_attribute_given_twice_in_one_resource_is_refused_at_the_second(tmp_path):
    # chosen: no stored page says which value hacf keeps; the error names the line
    once = '\t\tAddress = "10.0.0.5"\n'
    text = _FILE.replace(once, once + '\t\tAddress = "10.0.0.6"\n')
    with pytest.raises(CfError) as e:
        _read(tmp_path, text)
    assert (e.value.line, e.value.column) == (17, 3)
    assert "Address set a second time" in e.value.message


def test_a_very_large_association_reads_verifies_and_comes_back(tmp_path):
    users = ", ".join(f"u{i} = p{i}" for i in range(20000))
    cfg, issues = _read(tmp_path, _FILE.replace("{ admin = abc }", "{ " + users + " }"))
    assert issues == []
    assert len(cfg.cluster.attrs["UserNames"]) == 20000
    assert _again(tmp_path, cfg) == cfg


def test_unicode_in_strings_and_comments(tmp_path):
    text = _FILE.replace("group g1 (", "// Ünïcødé — 日本語\n/* ✓ */\ngroup g1 (").replace(
        '"10.0.0.5"', '"10.0.0.5"\n\t\tOptions = "métrique 日本"'
    )
    cfg, issues = _read(tmp_path, text)
    assert issues == []
    assert cfg.groups[0].resources[0].attrs["Options"] == "métrique 日本"
    assert _again(tmp_path, cfg) == cfg


def test_empty_braces_with_blanks_come_back_without_them():
    # chosen: "{  }" and "{}" are the same empty value; the writer writes "{}"
    cfg = parse("cluster c (\n\tAdministrators = {  }\n\t)\n")
    assert cfg.cluster.attrs["Administrators"] == []
    assert "\tAdministrators = {}\n" in write(cfg)
