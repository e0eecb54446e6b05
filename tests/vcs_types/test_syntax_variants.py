"""Each form of the language the Veritas guides print, and the layouts administrators write:
read alike by the line reader and the general parser, verified with findings at the right
file:line:column, written in hacf's layout and read back to the same model.

A variant marks with ``^`` each place a finding must point at (the marker is removed before
parsing): the expected positions come from where the text sets the attribute, not from a
run. ``Bogus`` is an attribute no type declares (a warning for the built-in types).
"""

from __future__ import annotations

import pytest

from vxha.vcs_types import cf
from vxha.vcs_types.cf import CfError, parse
from vxha.vcs_types.cf_lines import parse_lines
from vxha.vcs_types.verify import verify

HEAD = (
    'include "types.cf"\n\ncluster c1 (\n\t)\n\nsystem n1 (\n\t)\n\nsystem n2 (\n\t)\n\n'
    "group g1 (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
)
IP = '\tIP ip1 (\n\t\tAddress = "10.0.0.5"\n\t\tDevice = eth0\n\t\t^Bogus = 1\n\t\t)\n'
G2 = "group g2 (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"


def app(lines):
    """An Application resource setting ``lines`` (a marked ``Bogus`` among them)."""
    return HEAD + '\tApplication app1 (\n\t\tStartProgram = "/bin/true"\n' + lines + "\t\t)\n"


VALID = {
    # whitespace and layout
    "hacf layout": HEAD + IP,
    "one-line block": HEAD + '\tIP ip1 ( Address = "10.0.0.5" Device = eth0 ^Bogus = 1 )\n',
    "several attributes on a line": HEAD
    + '\tIP ip1 (\n\t\tAddress = "10.0.0.5" Device = eth0 ^Bogus = 1\n\t\t)\n',
    "'(' on its own line": HEAD + '\tIP ip1\n\t(\n\t\tAddress = "10.0.0.5"\n\t\t^Bogus = 1\n\t)\n',
    "')' at the end of the last line": HEAD
    + '\tIP ip1 (\n\t\tAddress = "10.0.0.5"\n\t\t^Bogus = 1 )\n',
    "spaces for tabs": HEAD.replace("\t", "    ")
    + '    IP ip1 (\n        Address = "10.0.0.5"\n        ^Bogus = 1\n        )\n',
    "trailing blanks": HEAD
    + '\tIP ip1 (  \n\t\tAddress = "10.0.0.5" \t\n\t\t^Bogus = 1 \n\t\t) \n',
    "blank lines inside a block": HEAD
    + '\tIP ip1 (\n\n\t\tAddress = "10.0.0.5"\n\n\t\t^Bogus = 1\n\n\t\t)\n',
    "CR LF line ends": (HEAD + IP).replace("\n", "\r\n"),
    "no final line break": (HEAD + IP).rstrip("\n"),
    "tabs around '='": HEAD + '\tIP ip1 (\n\t\tAddress\t=\t"10.0.0.5"\n\t\t^Bogus=1\n\t\t)\n',
    # comments
    "'//' after '(' and after values": HEAD
    + '\tIP ip1 ( // service address\n\t\tAddress = "10.0.0.5" // public\n'
    + "\t\t^Bogus = 1 // x\n\t\t) // end\n",
    "'//' between resources": HEAD
    + '\tIP ip1 (\n\t\tAddress = "10.0.0.5"\n\t\t)\n\n// the NIC\n\n'
    + "\tNIC nic1 (\n\t\tDevice = eth0\n\t\t^Bogus = 1\n\t\t)\n",
    "'//' inside a multi-line list": app(
        '\t\tMonitorProcesses = {\n\t\t\t"/usr/bin/a", // first\n\t\t\t"/usr/bin/b"\n\t\t\t}\n'
        "\t\t^Bogus = 1\n"
    ),
    "'#' lines": "# written by hand\n"
    + HEAD
    + '# a\n\tIP ip1 (\n\t\t# b\n\t\tAddress = "10.0.0.5"\n\t\t^Bogus = 1\n\t\t)\n',
    "the attribute in a '//' comment first": HEAD
    + '\tIP ip1 (\n\t\t// Bogus = 2\n\t\tAddress = "a"\n\t\t^Bogus = 1\n\t\t)\n',
    "the attribute in a '/* */' comment first": HEAD
    + '\tIP ip1 (\n\t\t/* Bogus = 2 */\n\t\tAddress = "a"\n\t\t^Bogus = 1\n\t\t)\n',
    "the attribute in a multi-line '/* */' comment first": HEAD
    + '\tIP ip1 (\n\t\t/* old:\n\t\tBogus = 2 */\n\t\tAddress = "a"\n\t\t^Bogus = 1\n\t\t)\n',
    "')' in a '/* */' comment": HEAD
    + '\tIP ip1 (\n\t\t/* ) */\n\t\tAddress = "a"\n\t\t^Bogus = 1\n\t\t)\n',
    "')' in a '#' line": HEAD + '\tIP ip1 (\n\t\t# )\n\t\tAddress = "a"\n\t\t^Bogus = 1\n\t\t)\n',
    "'(' in a comment before the block": HEAD
    + '\tIP ip1 /* ( */ (\n\t\tAddress = "a"\n\t\t^Bogus = 1\n\t\t)\n',
    "'(' and ')' in a comment after a value": HEAD
    + '\tIP ip1 (\n\t\tAddress = "1.2.3.4" // (x) )\n\t\t^Bogus = 1\n\t\t)\n',
    # values
    "the attribute inside an earlier string on two lines": HEAD
    + '\tIP ip1 (\n\t\tAddress = "a\n\t\tBogus = 2"\n\t\t^Bogus = 1\n\t\t)\n',
    "the attribute as a key of an earlier association": HEAD
    + '\tMultiNICA mnic1 (\n\t\tDevice = { Bogus = "10.0.0.1" }\n\t\t^Bogus = 1\n\t\t)\n',
    "multi-line association": HEAD.replace(
        "SystemList = { n1 = 0, n2 = 1 }", "SystemList = {\n\t\tn1 = 0,\n\t\tn2 = 1\n\t\t}"
    )
    + IP,
    "braces without spaces": app('\t\tMonitorProcesses={"/a","/b"}\n\t\t^Bogus = 1\n'),
    "braces with odd spaces": app('\t\tMonitorProcesses = { "/a" ,"/b"  }\n\t\t^Bogus = 1\n'),
    "';' separators": app('\t\tMonitorProcesses = { "/a"; "/b" }\n\t\t^Bogus = 1\n'),
    "a negative number": app("\t\tOnlineRetryLimit = -1\n\t\t^Bogus = 1\n"),
    "a long string": app('\t\tUser = "' + "x" * 5000 + '"\n\t\t^Bogus = 1\n'),
    "escaped quotes and backslashes": app(
        '\t\tStopProgram = "C:\\\\Program Files\\\\x \\"q\\""\n\t\t^Bogus = 1\n'
    ),
    "non-ASCII text": app('\t\tStopProgram = "/opt/é/日本"\n\t\t^Bogus = 1\n'),
    "typographic quotes inside a string": app('\t\tStopProgram = "say “hi”"\n\t\t^Bogus = 1\n'),
    "an empty string": app('\t\tStopProgram = ""\n\t\t^Bogus = 1\n'),
    "quoted keys": HEAD.replace("{ n1 = 0, n2 = 1 }", '{ "n1" = 0, "n2" = 1 }') + IP,
    "unnumbered SystemList": HEAD.replace("{ n1 = 0, n2 = 1 }", "{ n1, n2 }") + IP,
    "partly numbered SystemList": HEAD.replace("{ n1 = 0, n2 = 1 }", "{ n1, n2 = 3 }") + IP,
    "numeric keys, quoted and bare keys mixed": HEAD
    + '\tMultiNICA mnic1 (\n\t\tDevice = { 0 = "10.0.0.1", "eth1" = "10.0.0.2", eth2 = x }\n'
    + "\t\t^Bogus = 1\n\t\t)\n",
    "a type declared in main.cf with a non-ASCII i18nstr default": HEAD
    + 'type Foo (\n\tstatic i18nstr ArgList[] = { A }\n\ti18nstr A = "Grüße, 日本"\n)\n\n'
    + G2
    + '\tFoo f1 (\n\t\tA = "¿qué?"\n\t\t^B = 1\n\t\t)\n',
    "'@' with a quoted system": app('\t\tStopProgram @"n1" = "/a"\n\t\t^Bogus = 1\n'),
    "'@' without blanks": app('\t\tStopProgram@n1="/a"\n\t\t^Bogus = 1\n'),
    "'@' a system not in the cluster": app(
        '\t\tStopProgram @n1 = "/a"\n\t\t^StopProgram @n9 = "/b"\n'
    ),
    "'@' a quoted system not in the cluster": app('\t\t^StopProgram @"n9.x" = "/b"\n'),
    "a bare 0755": app("\t\tUser = 0755\n\t\t^Bogus = 1\n"),
    # statements
    "links before the resources": HEAD
    + "\tip1 requires nic1\n\n"
    + IP
    + "\n\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n",
    "a link between resources": HEAD
    + IP
    + "\n\tip1 requires nic1\n\n\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n",
    "a link to a resource not in the group": HEAD
    + IP
    + "\n\t^ip1 requires nic9\n\n\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n",
    "a link with quoted names": HEAD
    + IP
    + '\n\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n\n\t^"ip1" requires "nic9"\n',
    "a link whose parent the writer quotes": HEAD
    + IP.replace("\tIP ip1", "\t^IP app.ip")
    + "\n\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n\n\tapp.ip requires nic1\n",
    "a resource name twice": HEAD + IP + "\n" + G2 + IP.replace("IP ip1", "^IP ip1"),
    "a type declared between groups": HEAD
    + "\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n\n"
    + "type Foo (\n\tstatic str ArgList[] = { A }\n\tstr A\n)\n\n"
    + G2
    + "\tFoo f1 (\n\t\tA = x\n\t\t^B = 1\n\t\t)\n",
    "include after the groups": HEAD.replace('include "types.cf"\n\n', "")
    + IP
    + '\ninclude "types.cf"\n',
    "cluster after the systems": "system n1 (\n\t)\n\ncluster c1 (\n\t^Bogus = 1\n\t)\n\n"
    + 'include "types.cf"\n\n'
    + "group g1 (\n\tSystemList = { n1 = 0 }\n\t)\n",
    "a quoted system name without a block": 'include "types.cf"\n\ncluster c1 (\n\t)\n\n'
    + 'system "n1.example.com"\n\n'
    + 'group g1 (\n\tSystemList = { "n1.example.com" = 0 }\n\t)\n\n'
    + '\tNIC nic1 (\n\t\tDevice @"n1.example.com" = eth0\n\t\t^Bogus = 1\n\t\t)\n',
    "global-cluster objects, one on one line": 'include "types.cf"\n\n'
    + 'cluster clus1 (\n\tClusterAddress = "10.0.0.1"\n\t)\n\n'
    + 'remotecluster clus2 ( ClusterAddress = "10.0.0.2" ^Bogus = 1 )\n\n'
    + 'heartbeat Icmp (\n\tClusterList = { clus2 }\n\tArguments @clus2 = { "10.0.0.2" }\n'
    + '\t^Arguments @clus9 = { "10.0.0.9" }\n\t)\n\n'
    + "system n1 (\n\t)\n\ngroup g1 (\n\tSystemList = { n1 = 0 }\n\t)\n",
    "a one-line system block": HEAD.replace(
        "system n1 (\n\t)", "system n1 ( UserInt = 1 ^Bogus = 1 )"
    ),
    "a one-line group block": HEAD.replace(
        "group g1 (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)",
        "group g1 ( SystemList = { n1 = 0, n2 = 1 } ^Bogus = 1 )",
    ),
}


def refused(category, location, rigidity):
    """The findings a group dependency gets (docs/generator.md, group_deps: offline only
    as offline local, hard only as online local): one, naming the first rule it breaks."""
    return int(
        (category == "offline" and location != "local")
        or (rigidity == "hard" and (category, location) != ("online", "local"))
    )


VALID.update(
    {
        f"requires group {c} {loc} {r or '(firm)'}": HEAD
        + "\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n\n"
        + G2.replace("g2", "g0")
        + "\t"
        + "^" * refused(c, loc, r)
        + f"requires group g1 {c} {loc} {r}".rstrip()
        + "\n"
        for c in ("online", "offline")
        for loc in ("local", "global", "remote", "site")
        for r in ("soft", "firm", "hard", "")
    }
)


def unmark(text):
    """The text without its ``^`` markers, and the (line, column) of each."""
    where = []
    out = []
    line, column = 1, 1
    for ch in text:
        if ch == "^":
            where.append((line, column))
            continue
        out.append(ch)
        if ch == "\n":
            line, column = line + 1, 1
        else:
            column += 1
    return "".join(out), where


def read(text, tmp_path, reader=parse):
    """The configuration as ``reader`` reads it, includes resolved in ``tmp_path``."""
    config = reader(text, str(tmp_path / "main.cf"))
    config.text = text
    cf.resolve_includes(config, tmp_path)  # no types.cf here: the built-in declarations
    return config


def general(text, file):
    return cf._Parser(text, file).config()


@pytest.mark.parametrize("name", sorted(VALID))
def test_both_readers_read_the_same_model(name):
    text, _ = unmark(VALID[name])
    general = cf._Parser(text, "main.cf").config()
    lines = parse_lines(text, "main.cf")
    assert lines is None or lines == general


# each variant as the general parser reads it, and as the line reader does where it reads it
READERS = [(name, general) for name in sorted(VALID)] + [
    (name, parse_lines)
    for name in sorted(VALID)
    if parse_lines(unmark(VALID[name])[0], "main.cf") is not None
]


@pytest.mark.parametrize(("name", "reader"), READERS)
def test_findings_point_at_the_line_and_column_written(name, reader, tmp_path):
    text, marks = unmark(VALID[name])
    issues = verify(read(text, tmp_path, reader))
    found = []
    for issue in issues:
        file, line, column = issue.where.rsplit(":", 2)
        assert file == str(tmp_path / "main.cf"), issue
        found.append((int(line), int(column)))
    assert sorted(found) == sorted(marks), [str(i) for i in issues]


@pytest.mark.parametrize("name", sorted(VALID))
def test_written_in_hacf_layout_and_read_back_the_same(name):
    text, _ = unmark(VALID[name])
    config = parse(text)
    written = cf.write(config)
    assert "\r" not in written and written.endswith("\n")
    assert "\n\t\t)\n" in written or not any(g.resources for g in config.groups)
    back = parse(written)
    assert back == config
    assert cf.write(back) == written


# (text, the error's position marked with ^, a fragment of its message)
MALFORMED = {
    "a byte order mark": ("^\ufeff" + HEAD + IP.replace("^", ""), "found a byte order mark"),
    "a carriage return alone": (
        HEAD + '\tIP ip1 ( // c^\r\t\tAddress = "a"\n\t\t)\n',
        "found a carriage return without a line feed",
    ),
    "old Mac line ends": (
        'include "types.cf"^' + (HEAD + IP).replace("\n", "\r")[len('include "types.cf"') :],
        "found a carriage return without a line feed",
    ),
    "values without a separator": (
        app('\t\tMonitorProcesses = { "/a" ^"/b" }\n').replace("^Bogus", ""),
        "expected ',' or '}', found string \"/b\"",
    ),
    "a doubled comma": (
        app('\t\tMonitorProcesses = { "/a",^, "/b" }\n'),
        "expected a value, found ','",
    ),
    "a trailing comma": (
        app('\t\tMonitorProcesses = { "/a", ^}\n'),
        "expected a value, found '}'",
    ),
    "a key set twice": (
        app("\t\tEnvFile = { a = 1, ^a = 2 }\n"),
        "found key 'a' a second time",
    ),
    "an attribute set twice on one line": (
        HEAD + '\tIP ip1 ( Address = "a" ^Address = "b" )\n',
        "found Address set a second time",
    ),
    "a block left open": (HEAD + '\tIP ip1 (\n\t\tAddress = "a"\n^', "found end of file"),
    "a resource before any group": (
        '^IP ip1 (\n\t\tAddress = "a"\n\t\t)\n',
        "expected a group block first",
    ),
    "a group declared twice": (HEAD + "^" + G2.replace("g2", "g1"), "found group g1 declared"),
    "a '#' comment after '('": (
        HEAD + '\tIP ip1 ( ^#Address = "a"\n\t\t)\n',
        "found '#Address' (a '#' starts a comment only at the start of a line)",
    ),
    "a '#' comment after a value": (
        HEAD + '\tIP ip1 (\n\t\tAddress = "a" ^# the address\n\t\t)\n',
        "found '#' (a '#' starts a comment only at the start of a line)",
    ),
    "a type whose name starts with '#'": (
        HEAD + '\tIP ip1 ( Address = "a" ) ^#IP ip2 ( Address = "b" )\n',
        "expected a statement",
    ),
    "a block without its ')'": (
        HEAD + '\tIP ip1 (\n\t\tAddress = "a"\n\n\t^NIC nic1 (\n\t\tDevice = eth0\n\t\t)\n',
        "expected ')' closing the block opened at 16:9, found a new block NIC nic1 (",
    ),
    "a group block without its ')'": (
        HEAD.replace("1 }\n\t)\n", "1 }\n") + '\t^IP ip1 (\n\t\tAddress = "a"\n\t\t)\n',
        "expected ')' closing the block opened at 12:10, found a new block IP ip1 (",
    ),
    "'@' in a system's block": (
        HEAD.replace("system n2 (\n\t)", "system n2 ( UserInt ^@n2 = 1 )"),
        "expected '=', found '@' (a system's or a site's attributes take no @ value)",
    ),
    "a group named like a keyword, quoted": (
        HEAD + G2.replace("group g2", 'group ^"type"'),
        'expected a group name, found string "type": a keyword names no object',
    ),
    "a resource named like a keyword, quoted": (
        HEAD + '\tNIC ^"include" (\n\t\tDevice = eth0\n\t\t)\n',
        'expected a resource name, found string "include": a keyword names no object',
    ),
    "a system named like a keyword, quoted, after '@'": (
        HEAD + '\tNIC nic1 (\n\t\tDevice @^"site" = eth0\n\t\t)\n',
        'found string "site": a keyword names no object',
    ),
    "a link to a resource named like a keyword, quoted": (
        HEAD + '\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n\n\tnic1 requires ^"group"\n',
        'found string "group": a keyword names no object',
    ),
    "a value in typographic quotes": (
        HEAD + "\tIP ip1 (\n\t\tAddress = ^“10.0.0.5”\n\t\t)\n",
        "expected a value, found '“10.0.0.5”' (a typographic quote: quote with a straight \")",
    ),
    "a name in typographic quotes": (
        HEAD + "\tIP ^„ip1” (\n\t\t)\n",
        "expected a resource name after the type IP, found '„ip1”' (a typographic quote",
    ),
    "a dependency without its rigidity before a link from a resource named soft": (
        HEAD
        + G2
        + "\tNIC soft (\n\t\tDevice = eth0\n\t\t)\n\n\tNIC x (\n\t\tDevice = eth0\n\t\t)\n\n"
        + "\trequires group g1 online local\n\tsoft requires ^x\n",
        "expected 'group', found 'x'",
    ),
    "an unterminated comment": (HEAD + "^/* open\n", "found an unterminated comment"),
    "an unterminated string": (HEAD + '\tIP ip1 (\n\t\tAddress = ^"a\n\t\t)\n', "unterminated"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_variants_give_one_error_at_its_position(name, tmp_path):
    marked, fragment = MALFORMED[name]
    text, marks = unmark(marked)
    path = tmp_path / "main.cf"
    with pytest.raises(CfError) as e:
        parse(text, str(path))
    assert (e.value.line, e.value.column) == marks[0], str(e.value)
    assert fragment in e.value.message
    path.write_bytes(text.encode("utf-8"))
    issues = verify(path)
    assert [str(i) for i in issues] == [f"{path}:{marks[0][0]}:{marks[0][1]}: {e.value.message}"]


def test_a_resource_name_with_a_line_break_stays_inside_the_tree_comment():
    # the name is illegal (a finding), but writing it must not turn its second line into a
    # statement of the file written
    config = parse(HEAD + '\tIP "ip(\n\ngroup g11" (\n\t\tAddress = "a"\n\t\t)\n')
    assert parse(cf.write(config)) == config


# Types files: each variant declares Foo with an attribute named like a reserved word
# (``Name``: a finding at its declaration, marked) beside a valid one.
TYPES = {
    "one line": "type Foo ( static str ArgList[] = { A } str A ^str Name )\n",
    "'(' on its own line": "type Foo\n(\n\tstatic str ArgList[] = { A }\n\tstr A\n\t^str Name\n)\n",
    "comments": "// Foo's type\ntype Foo ( // c\n\tstatic str ArgList[] = { A } /* c */\n"
    + "# c\n\tstr A // c\n\t^str Name\n)\n",
    "';' after declarations": "type Foo (\n\tstatic str ArgList[] = { A };\n\tstr A;\n"
    + "\t^str Name;\n)\n",
    "CR LF line ends": "type Foo (\r\n\tstatic str ArgList[] = { A }\r\n\tstr A\r\n"
    + "\t^str Name\r\n)\r\n",
    "i18nstr with a non-ASCII default": "type Foo (\n\tstatic i18nstr ArgList[] = { A }\n"
    + '\ti18nstr A = "Grüße"\n\t^str Name\n)\n',
    "escaped default": 'type Foo (\n\tstatic str ArgList[] = { A }\n\tstr A = "C:\\\\x \\"y\\""\n'
    + "\t^str Name\n)\n",
}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_types_file_variants_verify_at_their_position_and_write_back(name, tmp_path):
    text, marks = unmark(TYPES[name])
    (tmp_path / "FooTypes.cf").write_bytes(text.encode("utf-8"))
    (tmp_path / "main.cf").write_text(
        'include "FooTypes.cf"\n\ngroup g1 (\n\t)\n\n\tFoo f1 (\n\t\tA = x\n\t\t)\n'
    )
    found = [i.where for i in verify(tmp_path / "main.cf")]
    assert found == [f"{tmp_path / 'FooTypes.cf'}:{line}:{column}" for line, column in marks]
    decls = parse(text).types
    written = cf.write_types(decls)
    assert "\r" not in written
    assert parse(written).types == decls
