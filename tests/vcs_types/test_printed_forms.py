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
