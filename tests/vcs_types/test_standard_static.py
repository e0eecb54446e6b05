"""The standard static attributes as the Agent Developer's Guides define them: a type may
declare each with its documented type and dimension, a resource may override those the
guides allow, and anything else keeps its finding (docs/vcs-language.md, "The standard
static attributes")."""

from __future__ import annotations

import pytest

from vxha.vcs_types import haforms
from vxha.vcs_types.cf import parse, resolve_includes
from vxha.vcs_types.decl import NOT_OVERRIDABLE, STANDARD_STATIC
from vxha.vcs_types.verify import ERROR, verify


def _type_findings(line):
    text = f"type T (\n\t{line}\n\tstatic str ArgList[] = {{ P }}\n\tstr P\n)\n"
    return [(i.where, i.message, i.severity) for i in verify(parse(text, "types.cf"))]


def _resource_findings(lines):
    body = "".join(f"\t\t{line}\n" for line in lines)
    text = (
        'include "types.cf"\nsystem a\ngroup g (\n\tSystemList = { a }\n\t)\n'
        f'\tProcess p (\n\t\tPathName = "/bin/true"\n{body}\t\t)\n'
    )
    cfg = parse(text, "main.cf")
    resolve_includes(cfg, "/nonexistent-vxha-dir")
    return [(i.where, i.message, i.severity) for i in verify(cfg)]


@pytest.mark.parametrize(
    "name, spec",
    [
        # AG 7.2 "VCS attributes enabling agent statistics" and ADG 9.0 "MonitorStatsParam":
        # static str MonitorStatsParam = { Frequency = 10, ExpectedValue = 3000, ... }
        ("MonitorStatsParam", ("str", "association", {})),
        # ADG 7.3 "Meters": string-keylist, default { SCPU, SMem }
        ("Meters", ("str", "keylist", ["SCPU", "SMem"])),
        # ADG 7.3 "MeterControl": integer-association
        ("MeterControl", ("int", "association", {"MeterInterval": 600, "ForecastCycle": 0})),
    ],
)
def test_documented_type_dimension_and_default(name, spec):
    assert STANDARD_STATIC[name] == spec


def test_the_later_guides_attributes_are_known():
    # ADG 7.3 "Meters" names AvailableMeters (type level); ADG 8.0.1 names
    # MinCompatAgentVersion and TypeDefinitionVersion
    for name in ("AvailableMeters", "MinCompatAgentVersion", "TypeDefinitionVersion"):
        assert name in STANDARD_STATIC


@pytest.mark.parametrize(
    "line",
    [
        "static str MonitorStatsParam{} = { Frequency = 10, ExpectedValue = 3000, "
        "ValueThreshold = 100, AvgThreshold = 40 }",
        "static keylist Meters = { SCPU }",
        "static int MeterControl{} = { MeterInterval = 600, ForecastCycle = 0 }",
        "static keylist AvailableMeters = { SCPU, SMem }",
        'static str MinCompatAgentVersion = "7.0"',
        'static str TypeDefinitionVersion = "8.0.1"',
        "static boolean AEPTimeout = 1",
        # booleans and integers are taken for each other
        "static int AEPTimeout = 1",
    ],
)
def test_a_type_declaring_a_standard_static_attribute_as_documented_verifies(line):
    assert _type_findings(line) == []


@pytest.mark.parametrize(
    "line, declared, defined",
    [
        (
            "static int MonitorStatsParam{} = { Frequency = 10 }",
            "integer association",
            "string association",
        ),
        ("static str Meters = SCPU", "string scalar", "string keylist"),
        (
            "static str MeterControl{} = { MeterInterval = 600 }",
            "string association",
            "integer association",
        ),
        ("static str AvailableMeters{} = { SCPU = 1 }", "string association", "string keylist"),
        ("static int MonitorInterval[] = { 1 }", "integer vector", "integer scalar"),
    ],
)
def test_a_standard_static_attribute_declared_otherwise_keeps_its_finding(line, declared, defined):
    name = line.split()[2].rstrip("{}[]")
    assert _type_findings(line) == [
        (
            "types.cf:2:2",
            f"type T: standard static attribute {name} is declared {declared}; VCS defines it "
            f"as {defined}: declare it so",
            ERROR,
        )
    ]


def test_a_resource_overriding_monitor_stats_param_verifies():
    assert (
        _resource_findings(["MonitorStatsParam = { Frequency = 10, ExpectedValue = 3000 }"]) == []
    )
    ((where, message, severity),) = _resource_findings(["MonitorStatsParam = 10"])
    assert where == "main.cf:8:3" and "MonitorStatsParam" in message and severity == ERROR


@pytest.mark.parametrize(
    "line, source",
    [
        ("AEPTimeout = 1", "Agent Developer's Guide 7.3 and 9.0, static attribute AEPTimeout"),
        ("Meters = { SCPU }", "Agent Developer's Guide 7.3 and 9.0, static attribute Meters"),
        ("ArgList = { PathName }", "Agent Developer's Guide 5.0MP3, static attribute ArgList"),
        (
            "MeterControl = { MeterInterval = 300 }",
            "Agent Developer's Guide 7.3, static attribute MeterControl",
        ),
    ],
)
def test_a_resource_overriding_what_the_guides_keep_type_level_is_an_error(line, source):
    name = line.split()[0]
    assert _resource_findings([line]) == [
        (
            "main.cf:8:3",
            f"resource p (Process): {name} cannot be overridden in a resource ({source}): set "
            "it in type Process's declaration instead",
            ERROR,
        )
    ]


def test_a_per_system_override_of_what_the_guides_keep_type_level_is_an_error_too():
    findings = _resource_findings(["AEPTimeout @a = 1"])
    assert [m for _, m, _ in findings if "AEPTimeout cannot be overridden" in m]


def test_hares_override_refusal_names_the_guide():
    assert haforms.override_refusal("r", "MonitorInterval") is None
    for attr, source in NOT_OVERRIDABLE.items():
        assert haforms.override_refusal("r", attr) == (
            f"{attr} cannot be overridden for resource r: its value is set for the resource "
            f"type only ({source})"
        )
