"""Every parse error names file:line:column, what was expected and what was found."""

from __future__ import annotations

import re

import pytest

from vxha.vcs_types.cf import CfError, parse

CASES = [
    # (text, line, column, expected fragment)
    ("group g (\n\tA = \n)\n", 3, 1, "expected a value, found ')'"),
    ("group g (\n\tA 1\n)\n", 2, 4, "expected '=', found '1'"),
    ("group g (\n\tA = { a, b\n)\n", 3, 1, "expected ',' or '}', found ')'"),
    ("group g (\n\tA = { a = 1, b c }\n)\n", 2, 17, "expected ',' or '}', found 'c'"),
    ("group g (\n\tA = 1\n", 3, 1, "expected an attribute name or ')', found end of file"),
    ('group g (\n\tA = "open\n)\n', 2, 6, "found an unterminated string"),
    ("/* open\n", 1, 1, "found an unterminated comment"),
    ("group (\n)\n", 1, 7, "expected a group name, found '('"),
    ("remotecluster c\n", 2, 1, "expected '(', found end of file"),
    ("group g (\n)\nrequires group h sideways local\n", 3, 18, "expected online or offline"),
    (
        "group g (\n)\nrequires group h online nearby\n",
        3,
        25,
        "expected local, global, remote or site",
    ),
    ("group g (\n)\nrequires grp h online local\n", 3, 10, "expected 'group', found 'grp'"),
    ("group g (\n)\n\tT r\n", 4, 1, "expected '(' after resource T r"),
    ("group g (\n)\n\tT r (\n\t\tA = 1\n\t\tA = 2\n\t\t)\n", 5, 3, "found A set a second time"),
    ("T r (\n)\n", 1, 1, "expected a group block first, found resource r outside any group"),
    ("a requires b\n", 1, 1, "found a resource link outside any group"),
    (
        "Heartbeat Icmp (\n)\n",
        1,
        1,
        "found resource Icmp outside any group (the keyword is heartbeat)",
    ),
    ("system s (\n\tA @s = 1\n)\n", 2, 4, "expected '=', found '@'"),
    ("type T (\n\tstring X\n)\n", 2, 2, "expected an attribute declaration or ')'"),
    ("type T (\n\tint X = abc\n)\n", 2, 10, "expected an integer, found 'abc'"),
    ("type T (\n\tstr X{} = { a, b }\n)\n", 2, 12, "expected an association"),
    ("type T (\n\tstatic str ArgList[] = { Y }\n)\n", 2, 2, "ArgList names unknown attribute"),
    (
        "type T (\n\tstatic i18nstr ArgList[] = { SName }\n\tstr sName\n)\n",
        2,
        2,
        "ArgList names unknown attribute 'SName' (the type declares 'sName', which differs",
    ),
    (
        "group g (\n)\ngroup g (\n)\n",
        3,
        1,
        "found group g declared a second time (first at conf/main.cf:1:1)",
    ),
    (
        "group g (\n\tA = { k = 1, k = 2 }\n)\n",
        2,
        15,
        "expected a new key, found key 'k' a second time",
    ),
    ("include\n", 2, 1, "expected a file name in quotes, found end of file"),
    ("group g (\n\tA = 1 ]\n)\n", 2, 8, "expected an attribute name or ')', found ']'"),
]


@pytest.mark.parametrize("text,line,column,fragment", CASES)
def test_error_names_file_line_column_and_expectation(text, line, column, fragment):
    with pytest.raises(CfError) as e:
        parse(text, "conf/main.cf")
    err = e.value
    assert (err.file, err.line, err.column) == ("conf/main.cf", line, column), str(err)
    assert str(err).startswith(f"conf/main.cf:{line}:{column}: ")
    assert fragment in str(err)
    assert re.match(r"conf/main\.cf:\d+:\d+: expected .+, found ", str(err)), str(err)


def test_every_truncation_of_a_valid_file_fails_with_a_location_or_parses():
    text = (
        'include "types.cf"\n\ncluster c (\n\tUserNames = { admin = "x y" }\n\t)\n\n'
        "group g (\n\tSystemList = { a = 0 }\n\t)\n\n\tT r (\n\t\tV @a = { 1, 2 }\n\t\t)\n\n"
        "\trequires group h online local firm\n\tr requires s\n"
    )
    for cut in range(len(text)):
        try:
            parse(text[:cut], "t.cf")
        except CfError as e:
            assert re.match(r"t\.cf:\d+:\d+: expected .+, found .+", str(e)), str(e)
