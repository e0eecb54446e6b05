"""The types of Veritas's Linux types.cf that real main.cf files use, with no types.cf beside
main.cf: each reads, verifies and comes back as written; what the guides' excerpts do not
document is a warning, never an error (docs/vcs-language.md, "Built-in declarations")."""

from __future__ import annotations

import pytest

from vxha.vcs_types import bundled
from vxha.vcs_types.cf import parse_file, write
from vxha.vcs_types.verify import WARNING, verify

HEAD = 'include "types.cf"\n\nsystem n1 (\n\t)\n\nsystem n2 (\n\t)\n\n'

# One resource of each type, set as the excerpts of the guides document it.
RESOURCES = {
    "CoordPoint": "\tCoordPoint coordpoint (\n\t\tFaultTolerance = 1\n\t\t)\n",
    "VolumeSet": "\tVolumeSet vset (\n\t\t)\n",
    "DiskGroupSnap": (
        "\tDiskGroupSnap dgsnap (\n\t\tFDSiteName = siteB\n\t\tFDType = Bronze\n\t\t)\n"
    ),
    "Apache": (
        "\tApache web (\n"
        '\t\thttpdDir = "/usr/sbin"\n'
        "\t\tHostName = web1\n"
        '\t\tConfigFile = "/etc/httpd/conf/httpd.conf"\n'
        "\t\tPort = 8080\n"
        "\t\tSecondLevelMonitor = 1\n"
        "\t\t)\n"
    ),
    "KVMGuest": "\tKVMGuest vm1 (\n\t\t)\n",
    "SambaServer": "\tSambaServer smbd (\n\t\t)\n",
    "SambaShare": "\tSambaShare share1 (\n\t\t)\n",
    "NetBios": "\tNetBios nmbd (\n\t\t)\n",
}


def main_cf(type_name):
    return HEAD + f"group g (\n\tSystemList = {{ n1 = 0, n2 = 1 }}\n\t)\n\n{RESOURCES[type_name]}\n"


@pytest.mark.parametrize("type_name", sorted(RESOURCES))
def test_a_type_of_the_linux_types_cf_reads_verifies_and_round_trips(tmp_path, type_name):
    path = tmp_path / "main.cf"
    path.write_text(main_cf(type_name))
    assert not (tmp_path / "types.cf").exists()
    cfg = parse_file(path)
    assert cfg.type_origin[type_name] == "types.cf"
    assert cfg.types[type_name] in bundled.TYPES_CF
    assert verify(cfg) == []
    again = tmp_path / "again" / "main.cf"
    again.parent.mkdir()
    again.write_text(write(cfg))
    assert write(parse_file(again)) == write(cfg)
    assert parse_file(again).group("g").resources == cfg.group("g").resources


def test_the_installer_s_vxfen_group_reads_and_verifies_without_types_cf(tmp_path):
    path = tmp_path / "main.cf"
    path.write_text(
        HEAD + "group vxfen (\n\tSystemList = { n1, n2 }\n\tAutoStartList = { n1, n2 }\n"
        "\tParallel = 1\n\t)\n\n"
        "\tCoordPoint coordpoint (\n\t\tFaultTolerance = 0\n\t\tLevelTwoMonitorFreq = 5\n"
        "\t\t)\n\n\tPhantom vxfen_phantom (\n\t\t)\n"
    )
    cfg = parse_file(path)
    assert verify(cfg) == []
    assert cfg.types["CoordPoint"].static("Operations") == "None"  # a monitor-only agent


@pytest.mark.parametrize(
    "type_name, line, wrong",
    [
        ("CoordPoint", "FaultTolerance = 1", "FaultTolerence = 1"),
        ("Apache", "Port = 8080", "Prot = 8080"),
        ("DiskGroupSnap", "FDType = Bronze", "FDtype = Bronze"),
    ],
)
def test_a_misspelt_attribute_is_still_reported(tmp_path, type_name, line, wrong):
    text = main_cf(type_name)
    assert line in text
    path = tmp_path / "main.cf"
    path.write_text(text.replace(line, wrong))
    (issue,) = verify(path)
    attr = wrong.split(" =")[0]
    assert issue.severity == WARNING and issue.rule == "attributes"
    assert f"{attr}" in issue.message and "put Veritas's types.cf beside main.cf" in issue.message
    line_no = text.splitlines().index("\t\t" + line) + 1
    assert issue.where == f"{path}:{line_no}:3"


def test_a_value_of_the_wrong_data_type_is_an_error(tmp_path):
    path = tmp_path / "main.cf"
    path.write_text(main_cf("CoordPoint").replace("FaultTolerance = 1", "FaultTolerance = one"))
    (issue,) = verify(path)
    assert issue.severity == "error" and "FaultTolerance" in issue.message


def test_an_attribute_the_excerpts_do_not_document_is_a_warning_not_unknown_type(tmp_path):
    # KVMGuest's table is not in the stored excerpts: its attributes are warnings
    path = tmp_path / "main.cf"
    path.write_text(main_cf("KVMGuest").replace("vm1 (\n", "vm1 (\n\t\tGuestName = vm1\n"))
    issues = verify(path)
    assert [(i.severity, i.rule) for i in issues] == [(WARNING, "attributes")]
    assert "GuestName" in issues[0].message and "KVMGuest" in issues[0].message


def test_a_real_types_cf_beside_main_cf_still_wins(tmp_path):
    (tmp_path / "types.cf").write_text(
        "type CoordPoint (\n\tstatic str ArgList[] = { FaultTolerance }\n\tint FaultTolerance\n"
        "\tint Extra\n)\n"
    )
    path = tmp_path / "main.cf"
    path.write_text(main_cf("CoordPoint").replace("FaultTolerance = 1", "Extra = 2"))
    cfg = parse_file(path)
    assert cfg.types["CoordPoint"] is not bundled.COORDPOINT
    assert verify(cfg) == []
    # a type the real file lacks is unknown: the built-in does not fill in for it
    path.write_text(main_cf("Apache"))
    (issue,) = verify(path)
    assert issue.rule == "types_known" and "unknown type Apache" in issue.message
