"""Every construct of the configuration language real main.cf files use: parsed, modelled,
written back in hacf's layout, verified (expected results written from the guides, see
docs/vcs-language.md)."""

from __future__ import annotations

import pytest

from vxha.vcs_types import bundled, catalog
from vxha.vcs_types.cf import CfError, parse, parse_file, write
from vxha.vcs_types.decl import STANDARD_STATIC, Attr, render_type
from vxha.vcs_types.model import GroupDep, resolve_numbers
from vxha.vcs_types.verify import WARNING, errors, verify

GCO = """\
include "types.cf"

cluster clus1 (
\tClusterAddress = "10.182.10.145"
\t)

remotecluster clus2 (
\tClusterAddress = "10.182.10.146"
\t)

heartbeat Icmp (
\tClusterList = { clus2 }
\tAYATimeout = 30
\tArguments @clus2 = { "10.182.10.146" }
\t)

system sysA (
\t)

system sysB (
\t)

site MTV (
\tSystemList = { sysA }
\t)

site SFO (
\tPreference = 2
\tSystemList = { sysB }
\t)

group ClusterService (
\tSystemList = { sysA, sysB }
\tAutoStartList = { sysA, sysB }
\tOnlineRetryLimit = 3
\tOnlineRetryInterval = 120
\t)

\tNIC csgnic (
\t\tDevice = eth0
\t\t)



\t// resource dependency tree
\t//
\t//\tgroup ClusterService
\t//\t{
\t//\tNIC csgnic
\t//\t}


group app (
\tSystemList = { sysA = 0, sysB = 1 }
\tClusterList = { clus1 = 0, clus2 = 1 }
\t)

\tNIC app_nic (
\t\tDevice = eth1
\t\t)

\trequires group ClusterService online site soft


\t// resource dependency tree
\t//
\t//\tgroup app
\t//\t{
\t//\tNIC app_nic
\t//\t}


"""


def test_a_global_cluster_with_sites_reads_writes_back_byte_identical_and_verifies():
    cfg = parse(GCO, "main.cf")
    assert [rc.name for rc in cfg.remoteclusters] == ["clus2"]
    hb = cfg.heartbeats[0]
    assert hb.name == "Icmp" and hb.attrs == {"ClusterList": ["clus2"], "AYATimeout": 30}
    assert hb.local == {"Arguments": {"clus2": ["10.182.10.146"]}}
    assert [(s.name, s.attrs) for s in cfg.sites] == [
        ("MTV", {"SystemList": ["sysA"]}),
        ("SFO", {"Preference": 2, "SystemList": ["sysB"]}),
    ]
    assert cfg.group("app").deps == [GroupDep("ClusterService", "online", "site", "soft")]
    assert write(cfg) == GCO
    assert verify(cfg) == []


def test_a_heartbeat_or_a_site_naming_what_is_not_declared_is_an_error():
    # docs/vcs-language.md, rule localized_systems (UG 4.1 "Heartbeat Attributes", "System
    # Definition"): a heartbeat's ClusterList names remote clusters, a site's SystemList
    # names systems.
    bad = GCO.replace("ClusterList = { clus2 }", "ClusterList = { clus2, clus9 }").replace(
        "SystemList = { sysB }\n", "SystemList = { sysB, sysC }\n"
    )
    assert [(i.message, i.severity) for i in verify(parse(bad, "main.cf"))] == [
        ("heartbeat Icmp: ClusterList names clus9, which is not a remotecluster", "error"),
        ("site SFO: SystemList names sysC, which is not a system", "error"),
    ]


def test_the_cluster_service_group_unnumbered_system_list_verifies():
    cfg = parse(GCO, "main.cf")
    assert cfg.group("ClusterService").attrs["SystemList"] == ["sysA", "sysB"]
    assert cfg.group("ClusterService").system_priorities() == {"sysA": 0, "sysB": 1}


@pytest.mark.parametrize(
    "written,numbers",
    [
        ("{ A, B = 2, C }", {"A": 0, "B": 2, "C": 3}),  # the guide's example
        ("{ A, B = 0, C }", {"A": 0, "B": 0, "C": 1}),  # its duplicate-number example
        ("{ A, B, C }", {"A": 0, "B": 1, "C": 2}),
        ("{ A = 5, B, C = 1 }", {"A": 5, "B": 6, "C": 1}),
        ("{ A; B = 3; C }", {"A": 0, "B": 3, "C": 4}),  # ';' separates values too
        ("{}", {}),
    ],
)
def test_numbered_forms_keep_what_was_written_and_resolve_by_the_documented_rule(written, numbers):
    text = f"system A\nsystem B\nsystem C\ngroup g (\n\tSystemList = {written}\n\t)\n"
    cfg = parse(text, "main.cf")
    value = cfg.groups[0].attrs["SystemList"]
    assert resolve_numbers(value) == numbers
    back = write(cfg)
    # unnumbered entries stay unnumbered on the way back
    assert parse(back).groups[0].attrs["SystemList"] == value
    if "=" in written and ";" not in written:
        assert f"SystemList = {written}\n" in back
    assert errors(verify(cfg)) == []


def test_resolve_numbers_of_what_is_no_list():
    assert resolve_numbers(None) == {} and resolve_numbers("x") == {}


def test_system_without_a_block_and_quoted_system_names():
    cfg = parse(
        'system Server1\nsystem "node1.example.com" (\n\t)\n'
        'group g (\n\tSystemList = { Server1 = 0, "node1.example.com" = 1 }\n\t)\n',
        "main.cf",
    )
    assert [s.name for s in cfg.systems] == ["Server1", "node1.example.com"]
    text = write(cfg)
    assert text.startswith('system Server1 (\n\t)\n\nsystem "node1.example.com" (\n\t)\n')
    assert parse(text) == cfg
    assert verify(cfg) == []


def test_cluster_without_a_block():
    # the 4.1 User's Guide prints `cluster SGWM-demo` and `cluster PhantomCluster` alone
    cfg = parse("cluster SGWM-demo\n\nsystem Server1\n", "main.cf")
    assert cfg.cluster.name == "SGWM-demo" and cfg.cluster.attrs == {}
    assert [s.name for s in cfg.systems] == ["Server1"]
    text = write(cfg)
    assert text.startswith("cluster SGWM-demo (\n\t)\n")
    assert parse(text) == cfg


def test_lines_starting_with_a_hash_are_comments():
    cfg = parse(
        "# written by the installer\n  # indented too\ngroup g (\n# inside a block\n\t"
        "A = x#y\n\t)\n#last",
        "main.cf",
    )
    assert [g.name for g in cfg.groups] == ["g"]
    assert cfg.groups[0].attrs == {"A": "x#y"}  # mid-line '#' is part of a word


def test_values_are_kept_as_written_and_no_raw_carriage_return_is_written():
    cfg = parse('group g (\n\tMode = 0755\n\tN = -0\n\tS = "a\r\nb"\n\tI = 12\n\t)\n')
    attrs = cfg.groups[0].attrs
    assert attrs == {"Mode": "0755", "N": "-0", "S": "a\r\nb", "I": 12}
    text = write(cfg)
    assert "\tMode = 0755\n" in text and "\tN = -0\n" in text
    assert "\r" not in text and '\tS = "a\\r\\nb"\n' in text
    assert parse(text) == cfg


def test_a_localized_value_is_written_where_its_attribute_stood():
    text = (
        "group g (\n\t)\n\n\tIP ip (\n\t\tDevice @a = eth0\n\t\tDevice @b = eth1\n"
        '\t\tAddress = "10.0.0.1"\n\t\tNetMask @a = "255.0.0.0"\n\t\tPrefixLen = 8\n\t\t)\n'
    )
    out = write(parse(text))
    assert out.index("Device @b") < out.index("Address") < out.index("NetMask @a")
    assert out.index("NetMask @a") < out.index("PrefixLen")


def test_static_attribute_overrides_in_a_resource_verify():
    text = (
        'include "types.cf"\nsystem a\ngroup g (\n\tSystemList = { a }\n\t)\n'
        '\tProcess p (\n\t\tPathName = "/bin/true"\n\t\tAttrChangedTimeout = 120\n'
        "\t\tMonitorInterval = 30\n\t\tLevelTwoMonitorFreq = 5\n\t\tCleanRetryLimit = 3\n"
        "\t\tIntentionalOffline = 1\n\t\t)\n"
    )
    cfg = parse(text, "main.cf")
    catalog_dir = "/nonexistent-vxha-dir"
    from vxha.vcs_types.cf import resolve_includes

    resolve_includes(cfg, catalog_dir)
    assert verify(cfg) == []
    bad = parse(text.replace("CleanRetryLimit = 3", "CleanRetryLimit = many"), "main.cf")
    resolve_includes(bad, catalog_dir)
    (issue,) = verify(bad)
    assert issue.where == "main.cf:11:3" and "CleanRetryLimit" in issue.message


def test_standard_static_attributes_carry_type_dimension_and_default():
    assert STANDARD_STATIC["AEPTimeout"] == ("boolean", "scalar", 0)
    for name in ("LevelTwoMonitorFreq", "IntentionalOffline", "CleanRetryLimit"):
        assert name in STANDARD_STATIC
    for dtype, dim, default in STANDARD_STATIC.values():
        assert dtype in ("str", "int", "boolean")
        assert dim in ("scalar", "vector", "keylist", "association")
        assert default is not None


def test_type_declarations_with_i18nstr_namerule_and_temp_render_back_line_for_line():
    text = (
        "type CFSMount (\n\tstatic int RestartLimit = 2\n"
        "\tstatic str ArgList[] = { MountPoint, BlockDevice, Primary }\n"
        "\tNameRule = resource.MountPoint\n\tstatic boolean AEPTimeout = 1\n"
        "\ti18nstr MountPoint\n\tstr BlockDevice\n\ttemp str Primary\n"
        "\tstatic i18nstr Paths[] = { a }\n)\n"
    )
    decl = parse(text, "CFSTypes.cf").types["CFSMount"]
    assert decl.attrs["MountPoint"] == Attr("MountPoint", i18n=True)
    assert decl.settings == {"NameRule": "resource.MountPoint"}
    assert decl.statics == {"RestartLimit": 2, "AEPTimeout": 1}
    assert render_type(decl) == text


def test_an_i18nstr_arglist_renders_back_as_declared():
    # Veritas's Proxy type (BARG for Windows, "Resource type definition") declares its
    # ArgList i18nstr, with quoted entries naming attributes of the target resource
    text = (
        "type Proxy (\n\tstatic int OfflineMonitorInterval = 60\n"
        '\tstatic i18nstr ArgList[] = { TargetResName, "TargetResName:State" }\n'
        "\tstr TargetResName\n)\n"
    )
    decl = parse(text, "types.cf").types["Proxy"]
    assert decl.arglist == ["TargetResName", "TargetResName:State"]
    assert render_type(decl) == text
    plain = parse(text.replace("i18nstr", "str")).types["Proxy"]
    assert "static str ArgList[]" in render_type(plain)


def test_a_default_written_as_zero_stays_written_and_means_no_default():
    # Veritas's types.cf writes `boolean MonitorReservation = 0` beside `int UmountVolumes`
    text = (
        "type DiskGroup (\n\tstr DiskGroup\n\tboolean MonitorReservation = 0\n"
        '\tint UmountVolumes\n\tstr Reservation = ""\n\tstr Vols[] = {}\n)\n'
    )
    decl = parse(text, "types.cf").types["DiskGroup"]
    assert decl.attrs["MonitorReservation"] == Attr("MonitorReservation", "boolean")
    assert render_type(decl) == text
    assert write(parse(write(parse(text, "types.cf")), "types.cf")) == text


def test_a_missing_types_cf_resolves_to_the_built_in_declarations(tmp_path):
    (tmp_path / "main.cf").write_text(
        'include "types.cf"\ninclude "CVMTypes.cf"\ninclude "CFSTypes.cf"\n'
        "system n1\ngroup cvm (\n\tSystemList = { n1 }\n\tParallel = 1\n\t)\n"
        "\tCFSfsckd vxfsckd (\n\t\tActivationMode @n1 = { datadg = sw }\n\t\t)\n"
        "\tCVMVolDg dg (\n\t\tCVMDiskGroup = datadg\n\t\tClearClone = 1\n"
        "\t\tNodeList = { n1 }\n\t\t)\n"
        '\tMount m (\n\t\tMountPoint = "/m"\n\t\tBlockDevice = "/dev/m"\n'
        '\t\tFsckOpt = "-y"\n\t\tVxFSMountLock = 1\n\t\t)\n'
    )
    cfg = parse_file(tmp_path / "main.cf")
    assert cfg.types["Mount"] is bundled.MOUNT
    assert cfg.type_origin["Mount"] == "types.cf"
    assert verify(cfg) == []


def test_a_string_default_written_as_a_bare_integer_stays_bare():
    # Veritas's Solaris types.cf: `str StartVolumes = 1`; the 4.1 guide: DeviceChoice "0"
    text = 'type DiskGroup (\n\tstr StartVolumes = 1\n\tstr DeviceChoice = "0"\n)\n'
    decl = parse(text, "types.cf").types["DiskGroup"]
    assert decl.attrs["StartVolumes"] == Attr("StartVolumes", default="1")
    assert decl.attrs["DeviceChoice"] == Attr("DeviceChoice", default="0")
    assert render_type(decl) == text


def test_dns_and_remotegroup_of_types_cf_resolve_to_built_in_declarations(tmp_path):
    # both are types.cf agents: without the file they were "unknown type" errors
    (tmp_path / "main.cf").write_text(
        'include "types.cf"\nsystem n1\ngroup g (\n\tSystemList = { n1 }\n\t)\n'
        '\tDNS d (\n\t\tDomain = "example.com"\n\t\tResRecord = { www = host1 }\n'
        "\t\tTTL = 600\n\t\t)\n"
        '\tRemoteGroup r (\n\t\tIpAddress = "192.0.2.1"\n\t\tGroupName = DBGrp\n'
        "\t\tVCSSysName = ANY\n\t\tControlMode = OnOff\n\t\tPort = 14155\n\t\t)\n"
    )
    cfg = parse_file(tmp_path / "main.cf")
    assert cfg.types["DNS"] is bundled.DNS and cfg.types["RemoteGroup"] is bundled.REMOTEGROUP
    assert verify(cfg) == []


def test_a_real_types_file_wins_over_the_built_in(tmp_path):
    (tmp_path / "types.cf").write_text("type Mount (\n\tstr MountPoint\n\tstr Extra\n)\n")
    (tmp_path / "main.cf").write_text(
        'include "types.cf"\nsystem n1\ngroup g (\n\tSystemList = { n1 }\n\t)\n'
        '\tMount m (\n\t\tMountPoint = "/m"\n\t\tExtra = 1\n\t\tFsckOpt = "-y"\n\t\t)\n'
    )
    cfg = parse_file(tmp_path / "main.cf")
    assert set(cfg.types["Mount"].attrs) == {"MountPoint", "Extra"}
    # the real file does not declare FsckOpt: an error, not the built-in's warning
    (issue,) = verify(cfg)
    assert issue.severity == "error" and "unknown attribute FsckOpt" in issue.message


def test_an_attribute_the_built_in_declaration_lacks_is_a_warning(tmp_path):
    (tmp_path / "main.cf").write_text(
        'include "types.cf"\nsystem n1\ngroup g (\n\tSystemList = { n1 }\n\t)\n'
        '\tMount m (\n\t\tMountPoint = "/m"\n\t\tBlockDevice = "/dev/m"\n'
        "\t\tNewIn9 = 1\n\t\t)\n"
    )
    (issue,) = verify(tmp_path / "main.cf")
    assert issue.severity == WARNING
    assert issue.where == f"{tmp_path / 'main.cf'}:9:3"
    assert "put Veritas's types.cf beside main.cf" in issue.message


def test_a_container_with_the_old_name_attribute_is_read_with_a_warning():
    text = (
        'include "ContainerTypes.cf"\nsystem n1\ngroup g (\n\tSystemList = { n1 }\n\t)\n'
        '\tContainer c (\n\t\tName = web\n\t\tImage = "app:1"\n\t\t)\n'
    )
    cfg = parse(text, "main.cf")
    cfg.types["Container"] = catalog.project_type("Container")
    (issue,) = verify(cfg)
    assert issue.severity == WARNING and issue.where == "main.cf:7:3"
    assert issue.message == (
        "resource c (Container): attribute Name is now RuntimeName: read as RuntimeName; "
        "rename it to RuntimeName"
    )
    assert str(issue).startswith("main.cf:7:3: warning: ")
    # its value is checked as RuntimeName's
    bad = parse(text.replace("Name = web", "Name = { a }"), "main.cf")
    bad.types["Container"] = catalog.project_type("Container")
    assert [i.severity for i in verify(bad)] == [WARNING, "error"]
    both = parse(text.replace("Name = web", "Name = web\n\t\tRuntimeName = web"), "main.cf")
    both.types["Container"] = catalog.project_type("Container")
    assert [i.severity for i in verify(both)] == ["error"]


@pytest.mark.parametrize("word", ["Name", "State", "Type", "Group", "NameRule", "static"])
def test_a_type_may_not_declare_a_reserved_word(word):
    text = f"type Bad (\n\tstr Fine\n\tstr {word}\n)\n"
    (issue,) = verify(parse(text, "BadTypes.cf"))
    assert issue.where == "BadTypes.cf:3:2"
    assert issue.message == f"type Bad: attribute {word} is a VCS reserved word: rename it"


@pytest.mark.parametrize("word", ["Critical", "Enabled", "MonitorInterval"])
def test_a_type_may_not_declare_an_attribute_every_resource_has(word):
    (issue,) = verify(parse(f"type Bad (\n\tint {word}\n)\n", "BadTypes.cf"))
    assert "attribute every type has: rename it" in issue.message


def test_vxhas_own_rendered_types_files_and_the_built_in_ones_pass_the_verifier():
    for path in catalog.render_all():
        assert verify(path) == [], path
    for name, decls in catalog.bundled_types().items():
        from vxha.vcs_types.cf import write_types

        assert verify(parse(write_types(decls), name)) == [], name


def test_an_unknown_statement_word_is_a_positioned_error():
    with pytest.raises(CfError) as e:
        parse("remotecluster (\n)\n", "main.cf")
    assert (e.value.line, e.value.column) == (1, 15)


def test_a_type_neither_declared_nor_included_is_unknown_once_includes_are_read(tmp_path):
    (tmp_path / "main.cf").write_text(
        "system n1\ngroup g (\n\tSystemList = { n1 }\n\t)\n"
        '\tMount m (\n\t\tMountPoint = "/m"\n\t\tBlockDevice = "/dev/m"\n\t\t)\n'
    )
    (issue,) = verify(tmp_path / "main.cf")
    assert issue.rule == "types_known" and "unknown type Mount" in issue.message
    (tmp_path / "main.cf").write_text('include "types.cf"\n' + (tmp_path / "main.cf").read_text())
    assert verify(tmp_path / "main.cf") == []
