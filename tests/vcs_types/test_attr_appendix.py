"""The attributes of the Administrator's Guides' appendix "VCS attributes" (cluster, system,
service group, resource type, resource), each written in a minimal file of our own in the
form the guide gives: it parses, verifies without a finding and comes back byte-identical;
the wrong dimension is a finding naming the attribute at its line. Sources and results:
docs/vcs-language.md, "The attributes appendix, attribute by attribute"."""

from __future__ import annotations

import pytest

from vxha.vcs_types import haforms
from vxha.vcs_types.cf import _Parser, parse, write
from vxha.vcs_types.decl import DecimalText
from vxha.vcs_types.verify import verify

TREE = (
    "\n\n\n\t// resource dependency tree\n\t//\n"
    "\t//\tgroup g\n\t//\t{\n\t//\tZapp z1\n\t//\t}\n\n\n"
)


def text(types="", cluster="", system="", group="", resource=""):
    """A file in hacf's layout with one line (or more) in the object named."""
    return (
        'include "types.cf"\n\n'
        "type Zapp (\n"
        f"{types}"
        "\tstatic str ArgList[] = { PathName }\n"
        "\tstr PathName\n"
        ")\n\n"
        f"cluster c (\n{cluster}\t)\n\n"
        f"system n1 (\n{system}\t)\n\n"
        "system n2 (\n\t)\n\n"
        "group g (\n"
        "\tSystemList = { n1 = 0, n2 = 1 }\n"
        f"{group}"
        "\t)\n\n"
        "\tZapp z1 (\n"
        '\t\tPathName = "/opt/z/bin/z"\n'
        f"{resource}"
        "\t\t)\n" + TREE
    )


def findings(t):
    return [str(i) for i in verify(parse(t, "main.cf"))]


def assert_clean(t):
    cfg = parse(t, "main.cf")
    assert [str(i) for i in verify(cfg)] == []
    assert write(cfg) == t
    assert parse(write(cfg), "main.cf") == cfg


# (object, line as the guide gives the form). Sources: the table in docs/vcs-language.md.
FORMS = [
    ("cluster", "UserNames = { admin = anoGniNkoJooMwoInl, ops = bopHojOlpKppNxpJom }"),
    ("cluster", "Administrators = { admin }"),
    ("cluster", "Guests = { guest1, guest2 }"),
    ("cluster", "Operators = { op1 }"),
    ("cluster", "AdministratorGroups = { vcsadm }"),
    ("cluster", 'ClusterAddress = "10.10.10.1"'),
    ("cluster", "SecureClus = 1"),
    ("cluster", "UseFence = SCSI3"),
    ("cluster", "EngineShutdown = DisableClusStop"),
    ("cluster", "DefaultGuestAccess = 1"),
    ("cluster", "HostMonLogLvl = AgentOnly"),
    ("cluster", "Statistics = MeteringOnly"),
    ("cluster", "PreferredFencingPolicy = Group"),
    ("cluster", "SiteAware = 1"),
    ("cluster", "HacliUserLevel = COMMANDROOT"),
    ("cluster", 'ClusterUUID = "7b3f0e3c-1dd2-11b2-a1a8-9e1b8bd0c6a2"'),
    ("cluster", 'CID = "7b3f0e3c-1dd2-11b2-a1a8-9e1b8bd0c6a2"'),
    ("cluster", "HostMeters = { CPU, Mem, Swap }"),
    ("cluster", "MeterUnit = { CPU = GHz, Mem = MB, Swap = MB }"),
    ("cluster", "AutoStartTimeout = 150"),
    ("cluster", "BackupInterval = 5"),
    ("cluster", "AutoAddSystemtoCSG = 0"),
    ("cluster", 'ClusterLocation = "Building 5"'),
    ("cluster", 'ClusterRecipients = { "ops@example.com" = SevereError }'),
    ("system", "Capacity = 200"),
    ("system", "Capacity = { Units = 100 }"),
    ("system", "Capacity = { CPU = 2.5, Mem = 4096, Swap = 2048 }"),
    ("system", "DynamicLoad = 20"),
    ("system", "SystemLocation = rack1"),
    ("system", 'SystemOwner = "ops@example.com"'),
    ("system", "Limits = { Processors = 4, Memory = 8 }"),
    ("system", "LoadWarningLevel = 90"),
    ("system", "LoadTimeThreshold = 600"),
    ("system", "ShutdownTimeout = 600"),
    ("system", "FencingWeight = 10"),
    ("system", "UserInt = 7"),
    ("group", "ContainerInfo = { Name = zone1, Type = Zone, Enabled = 1 }"),
    (
        "group",
        "ContainerInfo @n1 = { Name = zone1, Type = Zone, Enabled = 1 }\n"
        "\tContainerInfo @n2 = { Name = zone2, Type = Zone, Enabled = 1 }",
    ),
    ("group", "SysDownPolicy = { AutoDisableNoOnline }"),
    ("group", "TriggersEnabled = { PREONLINE, POSTONLINE }"),
    ("group", "TriggersEnabled @n1 = { PREONLINE }"),
    ("group", 'TriggerPath = "bin/g"'),
    ("group", "AutoStartList = { n1, n2 }"),
    ("group", "AutoStartPolicy = Load"),
    ("group", "FailOverPolicy = BiggestAvailable"),
    ("group", "Load = 20"),
    ("group", "Load = { CPU = 0.5, Mem = 512 }"),
    ("group", "Prerequisites = { Processors = 1 }"),
    ("group", "SystemZones = { n1 = 0, n2 = 1 }"),
    ("group", "Priority = 2"),
    ("group", "AutoFailOver = 2"),
    ("group", "ManageFaults = NONE"),
    ("group", "PreOnline @n1 = 1"),
    ("group", "OnlineRetryLimit = 3"),
    ("group", "Administrators = { admin }"),
    ("group", 'GroupOwner = "ops@example.com"'),
    ("group", 'UserStrGlobal = "vxha:server=s1"'),
    ("types", "static int AEPTimeout = 1"),
    ("types", "static boolean AEPTimeout = 1"),
    ("types", "static str AgentClass = RT"),
    ("types", "static str AgentPriority = 10"),
    ("types", "static str ScriptClass = TS"),
    ("types", "static str ScriptPriority = 0"),
    ("types", "static int OfflineWaitLimit = 2"),
    ("types", "static boolean FaultPropagation = 0"),
    ("types", "static int LevelTwoMonitorFreq = 5"),
    ("types", 'static str TypeOwner = "admin@example.com"'),
    ("types", 'static str TypeRecipients{} = { "ops@example.com" = SevereError }'),
    ("types", "static int IMF{} = { Mode = 3, MonitorFreq = 5, RegisterRetryLimit = 3 }"),
    ("types", "static str IMFRegList[] = { PathName }"),
    ("types", "static int ContainerOpts{} = { RunInContainer = 1, PassCInfo = 0 }"),
    (
        "types",
        "static str MonitorStatsParam{} = { Frequency = 10, ExpectedValue = 3000, "
        "ValueThreshold = 100, AvgThreshold = 40 }",
    ),
    ("types", 'static keylist SupportedActions = { "checkconffile.vfd" }'),
    ("types", "static int ToleranceLimit = 2"),
    ("types", "static int MonitorInterval = 30"),
    ("types", "static keylist Meters = { SCPU }"),
    ("types", "static int MeterControl{} = { MeterInterval = 300, ForecastCycle = 2 }"),
    ("resource", "IMF = { Mode = 2, MonitorFreq = 1, RegisterRetryLimit = 3 }"),
    ("resource", "MonitorInterval @n1 = 30"),
    ("resource", "Critical = 0"),
    ("resource", "Enabled = 1"),
    ("resource", "ComputeStats = 1"),
    ("resource", "TriggersEnabled = { RESFAULT }"),
    ("resource", 'TriggerPath = "bin/z1"'),
    ("resource", 'ResourceOwner = "ops@example.com"'),
    ("resource", 'ResourceRecipients = { "ops@example.com" = Warning }'),
]


@pytest.mark.parametrize("kind, line", FORMS)
def test_the_guides_form_verifies_and_comes_back_as_written(kind, line):
    indent = "\t\t" if kind == "resource" else "\t"
    body = "".join(f"{indent}{one.strip()}\n" for one in line.split("\n"))
    assert_clean(text(**{kind: body}))


# (object, line of the wrong dimension or data type, the object's label)
WRONG = [
    ("cluster", "UseFence = { SCSI3 }", "cluster c"),
    ("cluster", "UserNames = { admin, ops }", "cluster c"),
    ("cluster", "Administrators = { admin = x }", "cluster c"),
    ("cluster", "SecureClus = { 1 }", "cluster c"),
    ("cluster", "HostMeters = CPU", "cluster c"),
    ("system", "Capacity = { CPU, Mem }", "system n1"),
    ("system", "Capacity = { CPU = lots }", "system n1"),
    ("system", "SystemLocation = { rack1 }", "system n1"),
    ("system", "DynamicLoad = 2.5", "system n1"),
    ("group", "ContainerInfo = zone1", "group g"),
    ("group", "ContainerInfo = { zone1, Zone }", "group g"),
    ("group", "SysDownPolicy = AutoDisableNoOnline", "group g"),
    ("group", "TriggersEnabled = { PREONLINE = 1 }", "group g"),
    ("group", "Load = { 1, 2 }", "group g"),
    ("group", "Priority = { 1 }", "group g"),
    ("resource", "IMF = 3", "resource z1 (Zapp)"),
    ("resource", "TriggersEnabled = RESFAULT", "resource z1 (Zapp)"),
    ("resource", "Critical = { 0 }", "resource z1 (Zapp)"),
]


@pytest.mark.parametrize("kind, line, label", WRONG)
def test_the_wrong_dimension_is_a_finding_at_the_attributes_line(kind, line, label):
    indent = "\t\t" if kind == "resource" else "\t"
    t = text(**{kind: f"{indent}{line}\n"})
    name = line.split()[0]
    (finding,) = findings(t)
    where, _, message = finding.partition(": ")
    assert message.startswith(f"{label}: attribute {name}: "), finding
    assert t.splitlines()[int(where.split(":")[1]) - 1].strip() == line


def test_a_types_files_wrong_dimension_for_a_standard_static_attribute_is_named():
    # decl.STANDARD_STATIC: IMF is an integer association (ADG 9.0 "IMF")
    t = text(types="\tstatic int IMF = 3\n")
    (finding,) = findings(t)
    assert "IMF" in finding and finding.startswith("main.cf:4:")


# A decimal written bare: Capacity and Load take decimals since 7.0 (AG 7.0 "System
# attributes": Capacity is given in the units of the cluster's MeterUnit, AvailableCapacity,
# worked out from Capacity and Load, is a float-association); the value comes back bare.


@pytest.mark.parametrize(
    "kind, line",
    [
        ("system", "Capacity = { CPU = 2.5, Mem = 4096 }"),
        ("system", "Capacity = 12.75"),
        ("group", "Load = { CPU = 0.5 }"),
        ("group", "Load = -0.25"),
        ("system", "AvailableCapacity = 1.5"),
    ],
)
def test_a_decimal_capacity_or_load_verifies_and_comes_back_bare(kind, line):
    assert_clean(text(**{kind: f"\t{line}\n"}))


def test_both_readers_read_a_bare_decimal_as_decimal_text_and_a_quoted_one_as_a_string():
    t = text(system='\tCapacity = { CPU = 2.5 }\n\tUserStr = "2.5"\n\tSysInfo = 3.25\n')
    for cfg in (parse(t, "main.cf"), _Parser(t, "main.cf").config()):
        n1 = next(s for s in cfg.systems if s.name == "n1")
        assert n1.attrs["Capacity"]["CPU"].__class__ is DecimalText
        assert n1.attrs["UserStr"].__class__ is str
        assert n1.attrs["SysInfo"].__class__ is DecimalText
        assert n1.attrs["SysInfo"] == "3.25"  # a string attribute takes it as written
    assert_clean(t)


def test_an_integer_attribute_given_a_decimal_says_so():
    t = text(system="\tDynamicLoad = 2.5\n")
    (finding,) = findings(t)
    assert finding.endswith("system n1: attribute DynamicLoad: decimal 2.5 is not an integer")


def test_a_bare_address_is_still_written_quoted_and_a_leading_zero_kept():
    # an IP address requires quotes (UG 5.0MP3 "Attribute data types"): only a decimal
    # number is kept bare
    cfg = parse(text(system="\tSysInfo = 10.0.0.1\n\tUserStr = 1.50\n"), "main.cf")
    out = write(cfg)
    assert '\tSysInfo = "10.0.0.1"\n' in out
    assert "\tUserStr = 1.50\n" in out


def test_hasys_modify_takes_a_decimal_capacity_and_refuses_a_word():
    assert haforms.check(["hasys", "-modify", "n1", "Capacity", "CPU", "2.5"]) is None
    why = haforms.check(["hasys", "-modify", "n1", "Capacity", "CPU", "lots"])
    assert why is not None and "Capacity: 'lots' is not a number" in why
    value = haforms.new_value("Capacity", "float", "association", {}, ["CPU", "2.5"])
    assert value == {"CPU": "2.5"} and value["CPU"].__class__ is DecimalText


# ADG 5.0 (HP-UX 11iv3), "Attribute data types and dimensions": the declarations of each
# dimension, and values assigned to them; its page prints the values of a vector and an
# association with the declaration's brackets (`BackupSys[] = { ... }`), a form no main.cf
# sample of any guide shows.
ADG_TYPES = (
    "type Backup (\n"
    "\tstr MountPoint\n"
    "\tstr BackupSys[]\n"
    "\tkeylist BackupVols = {}\n"
    "\tint BackupSysList {}\n"
    "\tstatic str ArgList[] = { MountPoint, BackupSys, BackupVols, BackupSysList }\n"
    ")\n\n"
    "cluster c (\n\t)\n\nsystem sysA (\n\t)\n\n"
    "group g (\n\tSystemList = { sysA = 0 }\n\t)\n\n"
    "\tBackup b1 (\n"
    '\t\tMountPoint = "/Backup"\n'
)


def test_the_adg_dimension_examples_read_and_verify():
    t = ADG_TYPES + (
        "\t\tBackupSys = { sysA, sysB, sysC }\n"
        "\t\tBackupVols = { vol1, vol2 }\n"
        "\t\tBackupSysList = { sysa=1, sysb=2, sysc=3 }\n"
        "\t\t)\n"
    )
    cfg = parse(t, "main.cf")
    assert findings(t) == []
    r = cfg.groups[0].resources[0]
    assert r.attrs["BackupSysList"] == {"sysa": 1, "sysb": 2, "sysc": 3}
    assert parse(write(cfg), "main.cf") == cfg


@pytest.mark.parametrize(
    "line, column, found, name",
    [
        ("\t\tBackupSys[] = { sysA, sysB, sysC }\n", 12, "[]", "BackupSys"),
        ("\t\tBackupSysList{} = { sysa=1, sysb=2, sysc=3 }\n", 16, "{}", "BackupSysList"),
    ],
)
def test_a_declarations_brackets_on_a_values_line_say_where_they_belong(line, column, found, name):
    from vxha.vcs_types.cf import CfError

    with pytest.raises(CfError) as err:
        parse(ADG_TYPES + line + "\t\t)\n", "main.cf")
    assert str(err.value) == (
        f"main.cf:21:{column}: expected '=', found '{found}' after {name}: a dimension's "
        f"brackets belong to the type's declaration; write {name} = {{ ... }}"
    )


def test_a_float_attributes_empty_value_is_zero_as_an_integers():
    # Capacity and Load became floats: their empty value stays the number 0 (it was ""),
    # so `Load = 0` is still the default and `vxha generate --diff` plans no change for it
    from vxha.generators.diff import diff
    from vxha.vcs_types.decl import empty_value

    assert empty_value("float", "scalar") == 0
    current = parse(text(group="\tLoad = 0\n", system="\tCapacity = 0\n"), "main.cf")
    assert diff(current, parse(text(), "main.cf")) == []


@pytest.mark.parametrize(
    "kind, body, at",
    [
        (
            "group",
            "\tTriggersEnabled @n1 = { PREONLINE }\n\tTriggersEnabled @n2 = PREONLINE\n",
            "TriggersEnabled @n2",
        ),
        (
            "group",
            "\tContainerInfo @n1 = { Name = z1, Type = Zone, Enabled = 1 }\n"
            "\tContainerInfo @n2 = zone2\n",
            "ContainerInfo @n2",
        ),
        ("group", "\tLoad @n1 = { CPU = 1.5 }\n\tLoad @n2 = { CPU = x }\n", "Load @n2"),
        (
            "resource",
            "\t\tMonitorInterval @n1 = 30\n\t\tMonitorInterval @n2 = { 30 }\n",
            "MonitorInterval @n2",
        ),
        ("resource", "\t\tIMF @n1 = { Mode = 2 }\n\t\tIMF @n2 = 3\n", "IMF @n2"),
    ],
)
def test_a_localized_value_of_the_wrong_dimension_is_found_at_its_own_line(kind, body, at):
    t = text(**{kind: body})
    (finding,) = findings(t)
    assert f"attribute {at}: " in finding
    assert t.splitlines()[int(finding.split(":")[1]) - 1].strip().startswith(at + " = ")
