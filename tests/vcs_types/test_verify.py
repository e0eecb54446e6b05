"""The verifier: the fixtures verify clean, and each rule rejects a crafted bad config."""

from __future__ import annotations

from pathlib import Path

import pytest
from bigconfig import big_config

from vxha.vcs_types import verify as verify_module
from vxha.vcs_types.cf import parse, write
from vxha.vcs_types.verify import CORE_RULES, RULES, Context, Issue, check_value, verify

FIXTURES = Path(__file__).parent / "fixtures"

BASE = """\
include "types.cf"
include "ContainerTypes.cf"
include "HostIPTypes.cf"

cluster c (
\tUserNames = { admin = xyz }
\t)

system n1 (
\t)

system n2 (
\t)

group web (
\tSystemList = { n1 = 0, n2 = 1 }
\tAutoStartList = { n1 }
\t)

\tContainer web_ctr (
\t\tRuntimeName = web
\t\tImage = "app:1"
\t\t)

\tHostIP web_ip (
\t\tAddress = "192.0.2.1"
\t\tDevice @n1 = eth0
\t\tDevice @n2 = eth1
\t\t)

\tweb_ctr requires web_ip
"""


def issues_of(text):
    """The issues the core rules find (verify_groups' rules have their own tests)."""
    return verify(parse(text, "main.cf"), CORE_RULES)


def messages(text):
    return [str(i) for i in issues_of(text)]


def test_vxha_fixture_verifies_clean():
    assert verify(FIXTURES / "vxha" / "main.cf") == []


def test_drbd_fixture_passes_the_core_rules_only():
    # DRBDPriGrp (failover) requires DRBDGrp (parallel) online local hard, as LINBIT's
    # template does; the VCS 7.2 administrator's guide supports no hard dependency of a
    # failover parent on a parallel child, so verify_groups rejects it.
    assert verify(FIXTURES / "drbd" / "main.cf", CORE_RULES) == []
    (issue,) = verify(FIXTURES / "drbd" / "main.cf")
    assert issue.rule == "group_deps" and "hard dependency on a parallel group" in issue.message


def test_base_config_verifies_clean_under_every_rule():
    assert verify(parse(BASE)) == []


def test_default_rules_are_the_core_rules_then_the_group_rules():
    from vxha.vcs_types import verify_groups

    assert RULES[: len(CORE_RULES)] == CORE_RULES
    assert all(r in RULES for r in verify_groups.RULES)


def test_generated_big_config_verifies_clean():
    assert verify(parse(write(big_config(200)))) == []


def test_the_module_is_callable_like_the_function():
    assert verify_module(parse(BASE)) == []


def test_issue_names_file_line_and_rule():
    (issue,) = issues_of(
        BASE.replace("\t\tRuntimeName = web\n", "\t\tRuntimeName = web\n\t\tNmae = x\n")
    )
    assert issue.where == "main.cf:22:3"  # the attribute's own line
    assert issue.rule == "attributes"
    assert str(issue) == "main.cf:22:3: resource web_ctr (Container): unknown attribute Nmae"


def test_an_attribute_of_a_one_line_block_is_placed_on_its_own_line_and_column():
    # The block sits on one line and the next block sets the same attribute: the finding
    # points into the first block, not at the next block's line. A value holding the
    # attribute's name ("Nmae = 1" inside a string) is not taken for it.
    text = BASE.replace(
        '\tContainer web_ctr (\n\t\tRuntimeName = web\n\t\tImage = "app:1"\n\t\t)\n',
        '\tContainer web_ctr ( RuntimeName = web Image = "Nmae = 1" Nmae @n1 = x )\n\n'
        "\tContainer web_ctr2 (\n\t\tRuntimeName = web2\n\t\tImage = x\n\t\tNmae @n1 = y\n\t\t)\n",
    )
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines, 1) if "web_ctr (" in line)
    found = {i.message.split(":")[0]: i.where for i in issues_of(text)}
    column = lines[first - 1].index("Nmae @") + 1
    assert found["resource web_ctr (Container)"] == f"main.cf:{first}:{column}"
    assert found["resource web_ctr2 (Container)"] == f"main.cf:{first + 5}:3"


def test_a_syntax_error_is_the_only_issue(tmp_path):
    (tmp_path / "main.cf").write_text("group g (\n\tA = \n")
    (issue,) = verify(tmp_path / "main.cf")
    assert issue.rule == "syntax"
    assert issue.where == f"{tmp_path / 'main.cf'}:3:1"
    assert issue.message == "expected a value, found end of file"


def test_an_unreadable_path_is_an_issue(tmp_path):
    (issue,) = verify(tmp_path / "absent.cf")
    assert issue.rule == "syntax" and "cannot read" in issue.message


# -- one test per rule -----------------------------------------------------------------------


def test_rule_types_known_rejects_an_unknown_type(tmp_path):
    # Veritas's own types.cf read from beside main.cf: a type no file declares is an error
    (tmp_path / "types.cf").write_text("type NIC (\n\tstr Device\n)\n")
    path = tmp_path / "main.cf"
    path.write_text(BASE.replace("\tHostIP web_ip (", "\tHostAddress web_ip ("))
    assert [str(i) for i in verify(path)] == [
        f"{path}:25:2: resource web_ip (group web): unknown type HostAddress: include its "
        "types file or declare it"
    ]


def test_a_type_the_built_in_types_cf_lacks_is_a_warning():
    # the built-in stands in for one platform's types.cf: another's (Solaris Zone, AIX
    # WPAR) declares more, so a type it lacks may be valid
    bad = BASE.replace("\tHostIP web_ip (", "\tZone web_ip (")
    assert messages(bad) == [
        "main.cf:25:2: warning: resource web_ip (group web): unknown type Zone: not in "
        "vxha's built-in types.cf; put Veritas's types.cf beside main.cf to check it"
    ]


@pytest.mark.parametrize("typo, meant", [("HostIp", "HostIP"), ("Mout", "Mount")])
def test_a_near_miss_of_a_known_type_stays_an_error(typo, meant):
    bad = BASE.replace("\tHostIP web_ip (", f"\t{typo} web_ip (")
    assert messages(bad) == [
        f"main.cf:25:2: resource web_ip (group web): unknown type {typo}; did you mean {meant}?"
    ]


def test_types_declared_in_the_config_are_known():
    text = "type Mine (\n\tstr A\n\tstr Device\n)\n" + BASE.replace(
        "\tHostIP web_ip (", "\tMine web_ip ("
    )
    text = text.replace('\t\tAddress = "192.0.2.1"\n', '\t\tA = "x"\n')
    assert messages(text) == []


def test_rule_attributes_unknown_attribute_of_each_kind():
    bad = (
        BASE.replace("\tUserNames", "\tUserNmes")
        .replace("system n2 (\n", "system n2 (\n\tCapacty = 3\n")
        .replace("\tAutoStartList = { n1 }\n", "\tAutoStartList = { n1 }\n\tParalel = 1\n")
        .replace('\t\tImage = "app:1"\n', '\t\tImage = "app:1"\n\t\tCritcal = 0\n')
    )
    # a misspelling of a known cluster, system or group attribute names the one it misses
    assert messages(bad) == [
        "main.cf:6:2: cluster c: unknown attribute UserNmes; did you mean UserNames?",
        "main.cf:13:2: system n2: unknown attribute Capacty; did you mean Capacity?",
        "main.cf:19:2: group web: unknown attribute Paralel; did you mean Parallel?",
        "main.cf:25:3: resource web_ctr (Container): unknown attribute Critcal",
    ]


@pytest.mark.parametrize(
    "where, line",
    [
        ("\tAutoStartList = { n1 }\n", "\tDisableFaultMessages = 1\n"),  # group
        ("system n2 (\n", "\tSomeLaterSetting = 2\n"),  # system
        ("\tUserNames", '\tAnotherLaterSetting = "x"\n\tUserNames'),  # cluster
    ],
)
def test_an_attribute_far_from_every_known_one_is_a_warning(where, line):
    # vxha's cluster, system and group tables follow the guides up to 7.2: a name that is
    # no misspelling of one in them may be a later release's, and does not fail verify;
    # the same name differing only in case is a misspelling
    (issue,) = issues_of(BASE.replace(where, where + line if where.endswith("\n") else line))
    assert issue.severity == "warning"
    assert "not in vxha's table" in issue.message and "check its spelling" in issue.message
    (issue,) = issues_of(BASE.replace("\tAutoStartList = { n1 }\n", "\tautostartlist = { n1 }\n"))
    assert issue.severity == "error"
    assert issue.message.endswith("unknown attribute autostartlist; did you mean AutoStartList?")


def test_standard_and_overridden_static_attributes_are_known():
    ok = BASE.replace(
        '\t\tImage = "app:1"\n',
        '\t\tImage = "app:1"\n\t\tCritical = 0\n\t\tEnabled = 1\n\t\tMonitorInterval = 30\n'
        "\t\tResourceInfo = { State = Valid }\n",
    ).replace(
        "\tAutoStartList = { n1 }\n",
        "\tAutoStartList = { n1 }\n\tParallel = 0\n\tFailOverPolicy = Load\n\tLoad = 20\n"
        '\tPriority = 1\n\tUserStrGlobal = "vxha:server=web"\n\tPrerequisites = { Sem = 1 }\n',
    )
    ok = ok.replace("system n1 (\n", "system n1 (\n\tCapacity = { CPU = 8 }\n\tLimits = {}\n")
    assert messages(ok) == []


@pytest.mark.parametrize(
    "line,expected",
    [
        ("\tParallel = yes\n", "attribute Parallel: string 'yes' is not an integer"),
        ("\tParallel = { 1 }\n", "attribute Parallel: expected a scalar, found a list { a, b }"),
        ("\tPrerequisites = { a, b }\n", "expected an association, found a list { a, b }"),
        ("\tPrerequisites = { a = x }\n", "attribute Prerequisites: key a: string 'x' is not"),
        ("\tTriggersEnabled = RESFAULT\n", "TriggersEnabled: expected a keylist { ... }"),
        ("\tOperators = { a, b, a }\n", "attribute Operators: keylist names 'a' twice"),
        ("\tLoad = { CPU = 2 }\n", None),
        ("\tLoad = { CPU = two }\n", "attribute Load: key CPU: string 'two' is not a number"),
        ("\tFailOverPolicy = 1\n", None),  # a str attribute may hold a bare number
        ("\tFailOverPolicy = { a = b }\n", "expected a scalar, found an association"),
    ],
)
def test_rule_attributes_checks_data_type_and_dimension(line, expected):
    bad = BASE.replace("\tAutoStartList = { n1 }\n", "\tAutoStartList = { n1 }\n" + line)
    found = messages(bad)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found


def test_rule_attributes_checks_resource_values_and_booleans():
    bad = BASE.replace(
        '\t\tImage = "app:1"\n',
        '\t\tImage = "app:1"\n\t\tPrivileged = 2\n\t\tStopTimeout = soon\n\t\tEnv = { A }\n'
        "\t\tCritical = { 0 }\n",
    )
    assert [i.message for i in issues_of(bad)] == [
        "resource web_ctr (Container): attribute Privileged: 2 is not a boolean (0 or 1)",
        "resource web_ctr (Container): attribute StopTimeout: string 'soon' is not an integer",
        "resource web_ctr (Container): attribute Env: expected an association, found a list "
        "{ a, b }",
        "resource web_ctr (Container): attribute Critical: expected a scalar, found a list "
        "{ a, b }",
    ]


def test_rule_attributes_checks_localized_values():
    bad = BASE.replace("\t\tDevice @n1 = eth0\n", "\t\tDevice @n1 = { eth0 }\n\t\tNope @n2 = 1\n")
    assert [i.message for i in issues_of(bad)] == [
        "resource web_ip (HostIP): attribute Device @n1: expected a scalar, found a list { a, b }",
        "resource web_ip (HostIP): unknown attribute Nope (localized)",
    ]


def test_rule_localized_systems_rejects_an_unknown_system():
    bad = BASE.replace("\t\tDevice @n1 = eth0\n", "\t\tDevice @n1 = eth0\n\t\tDevice @n9 = eth1\n")
    assert messages(bad) == ["main.cf:28:3: resource web_ip: Device @n9: no system n9 is declared"]


def test_rule_localized_systems_checks_group_localized_values():
    bad = BASE.replace("\tAutoStartList = { n1 }\n", "\tAutoStartList = { n1 }\n\tLoad @n7 = 3\n")
    assert messages(bad) == ["main.cf:18:2: group web: Load @n7: no system n7 is declared"]


def test_rule_localized_systems_checks_system_lists():
    bad = BASE.replace("{ n1 = 0, n2 = 1 }", "{ n1 = 0, n3 = 1 }").replace(
        "AutoStartList = { n1 }", "AutoStartList = { n2, n4 }"
    )
    assert [i.message for i in issues_of(bad)] == [
        "group web: SystemList names n3, which is not a system",
        "group web: AutoStartList names n4, which is not a system",
        "group web: AutoStartList names n2, not in its SystemList",
    ]


def test_rule_resource_links_rejects_links_to_other_groups_and_unknown_resources():
    bad = BASE + (
        "\tweb_ctr requires nothing\n\n"
        "group other (\n\tSystemList = { n1 = 0 }\n\t)\n\n"
        '\tContainer other_ctr (\n\t\tRuntimeName = other\n\t\tImage = "app:1"\n\t\t)\n\n'
        "\tother_ctr requires web_ip\n"
    )
    assert messages(bad) == [
        "main.cf:32:2: group web: web_ctr requires nothing: nothing is not a resource of group web "
        "(no such resource)",
        "main.cf:43:2: group other: other_ctr requires web_ip: web_ip is not a resource of group "
        "other (it is in group web)",
    ]


def test_rule_resource_links_rejects_a_duplicate_link():
    bad = BASE + "\tweb_ctr requires web_ip\n"
    assert messages(bad) == ["main.cf:32:2: group web: web_ctr requires web_ip twice"]


def test_rule_resource_links_rejects_cycles():
    bad = BASE + "\tweb_ip requires web_ctr\n"
    assert messages(bad) == [
        "main.cf:31:2: group web: resource links form a cycle: web_ctr -> web_ip -> web_ctr"
    ]
    selfish = BASE.replace("web_ctr requires web_ip", "web_ip requires web_ip")
    assert messages(selfish) == [
        "main.cf:31:2: group web: resource links form a cycle: web_ip -> web_ip"
    ]


def test_rule_resource_links_finds_a_long_cycle_without_recursion():
    n = 5000
    group = "group g (\n)\n" + "".join(f"\tHostIP r{i} (\n\t)\n" for i in range(n))
    group += "".join(f"\tr{i} requires r{(i + 1) % n}\n" for i in range(n))
    found = [i for i in issues_of(group) if i.rule == "resource_links"]
    assert len(found) == 1 and found[0].message.endswith("r4999 -> r0")


def test_rule_names_rejects_duplicates():
    cfg = parse(BASE)
    cfg.systems.append(cfg.systems[0])
    cfg.groups.append(parse(BASE).groups[0])
    cfg.groups[1].name = "web2"
    assert [i.message for i in verify(cfg) if i.rule == "names"] == [
        "system n1 is declared twice (first at main.cf:9:1)",
        "resource web_ctr (group web2) is declared twice (first at main.cf:20:2, group web): "
        "resource names are unique in the cluster",
        "resource web_ip (group web2) is declared twice (first at main.cf:25:2, group web): "
        "resource names are unique in the cluster",
    ]
    cfg.groups[1].name = "web"
    assert "group web is declared twice (first at main.cf:15:1)" in [i.message for i in verify(cfg)]


def test_rule_names_rejects_illegal_names():
    cfg = parse(BASE)
    cfg.groups[0].name = "web group"
    cfg.systems[0].name = "-node"
    cfg.groups[0].resources[0].name = "requires"
    assert [i.message for i in verify(cfg) if i.rule == "names"] == [
        "system name '-node' is not a legal VCS name",
        "group name 'web group' is not a legal VCS name",
        "resource name 'requires' is not a legal VCS name",
    ]


def test_rule_names_rejects_a_name_holding_a_line_break_made_of_two_legal_ones():
    # the names of a kind are first matched all at once, one a line
    cfg = parse(BASE)
    cfg.groups[0].name = "web\nweb2"
    cfg.systems[1].name = "n2\nn3"
    assert [i.message for i in verify(cfg) if i.rule == "names"] == [
        "system name 'n2\\nn3' is not a legal VCS name",
        "group name 'web\\nweb2' is not a legal VCS name",
    ]


def test_an_attribute_not_found_in_the_text_falls_back_to_its_block():
    cfg = parse(BASE)
    cfg.groups[0].resources[0].attrs["Added"] = 1  # added to the model after parsing
    (issue,) = verify(cfg)
    assert issue.where == "main.cf:20:2"


def test_an_in_memory_config_names_its_source():
    cfg = parse(BASE)
    cfg.groups[0].resources[0].where.line = 0
    cfg.groups[0].resources[0].attrs["Bogus"] = 1
    (issue,) = verify(cfg)
    assert issue.where == "main.cf"


def test_rules_can_be_extended():
    def rule_no_frozen(ctx: Context):
        for g in ctx.config.groups:
            if g.attrs.get("Frozen"):
                yield ctx.issue(g, f"group {g.name} is frozen")

    cfg = parse(
        BASE.replace("\tAutoStartList = { n1 }\n", "\tAutoStartList = { n1 }\n\tFrozen = 1\n")
    )
    assert verify(cfg, CORE_RULES + [rule_no_frozen]) == [
        Issue("main.cf:15:1", "group web is frozen", "no_frozen")
    ]


@pytest.mark.parametrize(
    "value,dtype,dims,ok",
    [
        (1, "int", "scalar", True),
        ("1", "int", "scalar", False),
        (True, "int", "scalar", False),
        (1, "boolean", "scalar", True),
        (2, "boolean", "scalar", False),
        (7, "str", "scalar", True),
        ([], "int", "association", True),
        ({}, "str", "vector", False),
        ([1, 2], "int", "vector", True),
        (["a", "a"], "str", "vector", True),
        (["a", "a"], "str", "keylist", False),
        ({"a": 1}, "int", ("scalar", "association"), True),
        (3, "int", ("scalar", "association"), True),
        ([[1]], "int", "vector", False),
    ],
)
def test_check_value(value, dtype, dims, ok):
    assert (check_value(value, dtype, dims) is None) is ok


@pytest.mark.parametrize("empty", ['""', "{}"])
def test_required_attribute_empty_on_one_system_is_not_set_there(empty):
    # every system named, one with an empty value: still missing there (the finding at
    # the resource's line, 25 of BASE)
    text = BASE.replace("\t\tDevice @n2 = eth1", f"\t\tDevice @n2 = {empty}")
    found = [str(i) for i in verify(parse(text, "main.cf")) if i.rule == "required_attributes"]
    assert found == [
        "main.cf:25:2: resource web_ip (HostIP): required attribute Device is not set for n2"
    ]


def test_required_attribute_set_on_every_system_of_the_system_list_only():
    # a value for a system outside SystemList does not stand for one inside it (the
    # resource three lines further down than in BASE, for system n3's block)
    text = BASE.replace("\t\tDevice @n2 = eth1", "\t\tDevice @n3 = eth1")
    text = text.replace("system n2 (", "system n3 (\n\t)\n\nsystem n2 (")
    found = [str(i) for i in verify(parse(text, "main.cf")) if i.rule == "required_attributes"]
    assert found == [
        "main.cf:28:2: resource web_ip (HostIP): required attribute Device is not set for n2"
    ]


@pytest.mark.parametrize(
    "where, line, finding",
    [
        # group scalar, resource scalar (an override), association value, localized value
        ("\tAutoStartList = { n1 }\n", "\tOnlineRetryLimit = 2147483648\n", "2147483648"),
        ('\t\tImage = "app:1"\n', "\t\tRestartLimit = -2147483649\n", "-2147483649"),
        ("\tAutoStartList = { n1 }\n", "\tPrerequisites = { CPU = 99999999999 }\n", "99999999999"),
        ('\t\tImage = "app:1"\n', "\t\tMonitorInterval @n1 = 4294967296\n", "4294967296"),
    ],
)
def test_an_integer_beyond_32_bits_is_an_error(where, line, finding):
    # BARG 7.2 Linux "Attributes": integers cannot exceed a 32-bit signed integer
    (issue,) = issues_of(BASE.replace(where, where + line))
    assert issue.severity == "error"
    assert f"{finding} does not fit a 32-bit signed integer (-2147483648 to 2147483647)" in (
        issue.message
    )
    # the bounds themselves fit
    edge = line.replace(finding, "2147483647" if finding[0] != "-" else "-2147483648")
    assert issues_of(BASE.replace(where, where + edge)) == []


def test_a_wide_number_in_a_string_attribute_is_kept_and_written_as_read():
    # a string attribute takes any number; both readers keep it, and it is written bare
    text = BASE.replace('\t\tImage = "app:1"\n', "\t\tImage = 99999999999\n")
    assert issues_of(text) == []
    assert "\t\tImage = 99999999999\n" in write(parse(text))
    from vxha.vcs_types.cf import _Parser
    from vxha.vcs_types.cf_lines import parse_lines
    from vxha.vcs_types.model import WideInt

    lines, general = parse_lines(text, "main.cf"), _Parser(text, "main.cf").config()
    assert lines == general
    for config in (lines, general):
        assert config.groups[0].resources[0].attrs["Image"].__class__ is WideInt


def test_numbered_lists_are_reported_in_one_order_whatever_the_hash_seed(tmp_path):
    # rule_numbers walked a frozenset of the numbered attributes, whose order follows the
    # process's hash seed: the same file gave its findings in another order from run to run
    import os
    import subprocess
    import sys

    path = tmp_path / "main.cf"
    path.write_text(
        "group G (\n"
        "\tSystemList = { a = 0, b = 0 }\n"
        "\tClusterList = { c1 = 1, c2 = 1 }\n"
        "\tSystemZones = { a = 1, b = 1 }\n"
        "\t)\n"
    )
    outputs = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run(
            [sys.executable, "-m", "vxha.cli.main", "verify", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        outputs.add(done.stderr)
    assert len(outputs) == 1
    numbered = [line for line in outputs.pop().splitlines() if "same number" in line]
    # SystemZones shares its numbers by design (test_language_hunt.py)
    assert [line.split("group G: ")[1].split()[0] for line in numbered] == [
        "SystemList",
        "ClusterList",
    ]
