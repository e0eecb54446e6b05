"""The verifier's attribute tables against the administrator's guides: each documented form
verifies with no finding, and a value of the wrong type still gets its finding (sources:
docs/vcs-language.md, "The verifier's attribute tables")."""

from __future__ import annotations

import pytest

from vxha.vcs_types import haforms
from vxha.vcs_types.cf import parse
from vxha.vcs_types.verify import CORE_RULES, verify


def config(cluster="", system="", group="", resource="", site=""):
    """A small configuration with one line set in each object."""
    sites = f"site s1 (\n\tSystemList = {{ n1 }}\n\t{site}\n\t)\n\n" if site else ""
    return (
        'include "types.cf"\n\n'
        f"cluster c (\n\t{cluster}\n\t)\n\n"
        f"system n1 (\n\t{system}\n\t)\n\n"
        f"{sites}"
        f"group g (\n\tSystemList = {{ n1 = 0 }}\n\t{group}\n\t)\n\n"
        f"\tNIC g_nic (\n\t\tDevice = eth0\n\t\t{resource}\n\t\t)\n"
    )


def findings(**lines):
    return [i.message for i in verify(parse(config(**lines), "main.cf"), CORE_RULES)]


# Severity names: UG 4.1 "How Notification Works"; AG 6.0 (AIX) and 7.0 (Linux) "About VCS
# event notification" (a recipient gets the events of the severity given and above).
RECIPIENTS = [
    ("cluster", "ClusterRecipients", "cluster c"),
    ("system", "SystemRecipients", "system n1"),
    ("group", "GroupRecipients", "group g"),
    ("resource", "ResourceRecipients", "resource g_nic (NIC)"),
    ("site", "SiteRecipients", "site s1"),
]


@pytest.mark.parametrize("kind, attr, label", RECIPIENTS)
@pytest.mark.parametrize("severity", ["Information", "Warning", "Error", "SevereError"])
def test_recipients_take_severity_names(kind, attr, label, severity):
    line = f'{attr} = {{ "bob@example.com" = {severity}, "ops@example.com" = Warning }}'
    assert findings(**{kind: line}) == []


@pytest.mark.parametrize("kind, attr, label", RECIPIENTS)
def test_recipients_written_as_a_list_are_refused(kind, attr, label):
    (message,) = findings(**{kind: f'{attr} = {{ "bob@example.com", "ops@example.com" }}'})
    assert message == (
        f"{label}: attribute {attr}: expected an association, found a list {{ a, b }}"
    )


def test_group_recipients_by_command_take_a_severity_name():
    argv = ["hagrp", "-modify", "g", "GroupRecipients", "-add", "bob@example.com", "SevereError"]
    assert haforms.check(argv) is None


# Booleans: UG 4.1 and 5.0 (HP-UX) "Service group attributes"; UG 4.1 and 5.0MP3 (Solaris)
# "Resource attributes"; AG 7.2 (Linux) "VCS attributes enabling agent statistics".
BOOLEANS = [
    ("group", "AutoDisabled", "group g"),
    ("group", "AutoStart", "group g"),
    ("resource", "AutoStart", "resource g_nic (NIC)"),
    ("resource", "ComputeStats", "resource g_nic (NIC)"),
    ("resource", "Critical", "resource g_nic (NIC)"),
    ("resource", "Enabled", "resource g_nic (NIC)"),
]


@pytest.mark.parametrize("kind, attr, label", BOOLEANS)
def test_booleans_take_0_and_1(kind, attr, label):
    assert findings(**{kind: f"{attr} = 0"}) == []
    assert findings(**{kind: f"{attr} = 1"}) == []


@pytest.mark.parametrize("kind, attr, label", BOOLEANS)
def test_booleans_refuse_other_numbers(kind, attr, label):
    (message,) = findings(**{kind: f"{attr} = 2"})
    assert message == f"{label}: attribute {attr}: 2 is not a boolean (0 or 1)"


def test_group_boolean_by_command_is_0_or_1():
    assert haforms.check(["hagrp", "-modify", "g", "AutoStart", "1"]) is None
    why = haforms.check(["hagrp", "-modify", "g", "AutoStart", "2"])
    assert why == "hagrp -modify g AutoStart 2: AutoStart: a boolean is 0 or 1, not 2"


def test_autofailover_takes_2_as_6_0_documents():
    # A boolean in UG 4.1 and 5.0; 0, 1 or 2 in AG 6.0 (Linux): the table accepts both.
    assert findings(group="AutoFailOver = 2") == []
    (message,) = findings(group="AutoFailOver = yes")
    assert message == "group g: attribute AutoFailOver: string 'yes' is not an integer"


INTEGERS = [
    ("cluster", "ClusState", "cluster c", "RUNNING"),  # UG 5.0MP3 "Cluster attributes"
    ("resource", "Flags", "resource g_nic (NIC)", "NORMAL"),  # UG 4.1 "Resource Attributes"
    ("system", "ConfigModDate", "system n1", "Monday"),  # UG 4.1 "System Attributes"
]


@pytest.mark.parametrize("kind, attr, label, word", INTEGERS)
def test_system_use_integers_verify(kind, attr, label, word):
    assert findings(**{kind: f"{attr} = 5"}) == []
    (message,) = findings(**{kind: f"{attr} = {word}"})
    assert message == f"{label}: attribute {attr}: string {word!r} is not an integer"


def test_available_capacity_one_integer_before_7_0_and_numbers_per_meter_since():
    # UG 4.1 and 5.0 (HP-UX 11iv3): integer-scalar; AG 7.0 (Linux): float-association.
    assert findings(system="AvailableCapacity = 40") == []
    assert findings(system="AvailableCapacity = { Units = 87.5 }") == []
    assert findings(system="AvailableCapacity = { CPU = 2, Mem = -0.25 }") == []
    (message,) = findings(system="AvailableCapacity = { Units = lots }")
    assert message == (
        "system n1: attribute AvailableCapacity: key Units: string 'lots' is not a number"
    )
    (message,) = findings(system="AvailableCapacity = { Units = 1.2.3 }")
    assert message.endswith("key Units: string '1.2.3' is not a number")


def test_available_capacity_by_command_takes_a_decimal():
    assert haforms.check(["hasys", "-modify", "n1", "AvailableCapacity", "Units", "2.5"]) is None


def test_arglistvalues_is_a_vector():
    # UG 4.1 and 5.0MP3 "Resource attributes": string-vector, agent-defined.
    assert findings(resource="ArgListValues = { eth0, 1 }") == []
    (message,) = findings(resource="ArgListValues = { Device = eth0 }")
    assert message == (
        "resource g_nic (NIC): attribute ArgListValues: expected a vector, "
        "found an association { key = value }"
    )


def test_metering_cluster_attributes_are_known():
    # Named as cluster attributes by AG 7.0 (Linux) "System attributes" (Capacity) and
    # ADG 7.3 (AIX) "Meters"; their data types are not in those excerpts (chosen).
    assert findings(cluster="HostMeters = { CPU, Mem, Swap }") == []
    assert findings(cluster="MeterUnit = { CPU = CPU, Mem = MB, Swap = MB }") == []
    (message,) = findings(cluster="HostMeters = { CPU, CPU }")
    assert message == "cluster c: attribute HostMeters: keylist names 'CPU' twice"
    (message,) = findings(cluster="MeterUnit = MB")
    assert message == (
        "cluster c: attribute MeterUnit: expected an association { ... }, found string 'MB'"
    )
