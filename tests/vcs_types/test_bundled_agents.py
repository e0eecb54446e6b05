"""Veritas's type files of the replication, Oracle, SF Oracle RAC, DB2 and Sybase agents,
absent beside main.cf: each include reads vxha's built-in declarations, which hold what the
guides' excerpts document; any other attribute is a warning, never an error
(docs/vcs-language.md, "Built-in declarations")."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vxha.vcs_types import bundled_db, bundled_oracle, bundled_vvr, catalog
from vxha.vcs_types.bundled_files import MODULES, release
from vxha.vcs_types.cf import CfError, parse, parse_file, write, write_types
from vxha.vcs_types.verify import WARNING, verify

SYSTEMS = "system n1 (\n\t)\n\nsystem n2 (\n\t)\n\n"
GROUP = "group {name} (\n\tSystemList = {{ n1 = 0, n2 = 1 }}\n{extra}\t)\n\n"

# Per file: resources restated from the attributes the guides' excerpts document.
SAMPLES = {
    "VVRTypes.cf": (
        GROUP.format(name="rep", extra="")
        + "\tRVG rvg (\n\t\t)\n\n"
        + "\tRVGPrimary rvg_pri (\n\t\tRvgResourceName = rvg\n\t\t)\n\n"
        + "\tRVGSnapshot rvg_snap (\n\t\t)\n\n"
        + "\trvg_pri requires rvg\n\n\n"
        + GROUP.format(name="rac_rep", extra="\tParallel = 1\n")
        + "\tRVGShared rvg_shared (\n\t\t)\n\n"
        + "\tRVGSharedPri rvg_shared_pri (\n\t\tRvgResourceName = rvg_shared\n\t\t)\n\n"
        + "\trvg_shared_pri requires rvg_shared\n\n\n"
        + GROUP.format(name="logowner", extra="")
        + "\tRVGLogowner rvg_logowner (\n\t\t)\n\n"
    ),
    "OracleTypes.cf": (
        GROUP.format(name="ora", extra="")
        + "\tOracle ora_db (\n\t\t)\n\n"
        + "\tNetlsnr ora_lsnr (\n\t\t)\n\n"
        + "\tora_lsnr requires ora_db\n\n"
    ),
    "OracleASMTypes.cf": (
        GROUP.format(name="asm", extra="")
        + "\tASMInst asm_inst (\n\t\t)\n\n"
        + "\tASMDG asm_dg (\n\t\tDiskGroups = { DATA, FRA }\n\t\t)\n\n"
        + "\tasm_dg requires asm_inst\n\n"
    ),
    # The examples of "Attribute definition for PrivNIC agent" (SF Oracle RAC 5.0, HP-UX).
    "PrivNIC.cf": (
        GROUP.format(name="cvm", extra="\tParallel = 1\n")
        + "\tPrivNIC ora_priv (\n"
        + "\t\tDevice @n1 = { eth1 = 0, eth2 = 1 }\n"
        + "\t\tDevice @n2 = { eth1 = 0, eth2 = 1 }\n"
        + '\t\tAddress @n1 = "192.168.12.1"\n'
        + '\t\tAddress @n2 = "192.168.12.2"\n'
        + '\t\tNetMask = "255.255.255.0"\n'
        + "\t\tDeviceTag @n1 = { spare = 2 }\n"
        + '\t\tGabPort = "b"\n'
        + "\t\tUseVirtualIP = 1\n"
        + "\t\t)\n\n"
    ),
    "Db2udbTypes.cf": (
        GROUP.format(name="db2", extra="")
        + "\tDb2udb db2_inst (\n\t\tIndepthMonitor = 1\n\t\t)\n\n"
    ),
    "SybaseTypes.cf": (
        GROUP.format(name="syb", extra="")
        + "\tSybase syb_server (\n\t\t)\n\n"
        + "\tSybaseBk syb_backup (\n\t\t)\n\n"
        + "\tsyb_backup requires syb_server\n\n"
    ),
}

MODULE_OF = {
    "VVRTypes.cf": bundled_vvr,
    "OracleTypes.cf": bundled_oracle,
    "OracleASMTypes.cf": bundled_oracle,
    "PrivNIC.cf": bundled_oracle,
    "Db2udbTypes.cf": bundled_db,
    "SybaseTypes.cf": bundled_db,
}


def main_cf(file):
    return f'include "types.cf"\ninclude "{file}"\n\n' + SYSTEMS + SAMPLES[file]


def _write(tmp_path, text):
    path = tmp_path / "main.cf"
    path.write_text(text)
    return path


@pytest.mark.parametrize("file", sorted(SAMPLES))
def test_a_sample_that_includes_the_file_verifies_without_it(tmp_path, file):
    path = _write(tmp_path, main_cf(file))
    assert not (tmp_path / file).exists()
    cfg = parse_file(path)
    for decl in MODULE_OF[file].BUNDLED_FILES[file]:
        assert cfg.types[decl.name] is decl and cfg.type_origin[decl.name] == file
    assert verify(cfg) == []  # every attribute set is one the excerpts document
    again = tmp_path / "again" / "main.cf"
    again.parent.mkdir()
    again.write_text(write(cfg))
    back = parse_file(again)
    assert write(back) == write(cfg)
    assert [g.resources for g in back.groups] == [g.resources for g in cfg.groups]


@pytest.mark.parametrize(
    "file, line, wrong",
    [
        ("VVRTypes.cf", "RvgResourceName = rvg", "RvgResourcName = rvg"),
        ("OracleASMTypes.cf", "DiskGroups = { DATA, FRA }", "DiskGroup = { DATA, FRA }"),
        ("PrivNIC.cf", 'GabPort = "b"', 'GabProt = "b"'),
        ("Db2udbTypes.cf", "IndepthMonitor = 1", "InDepthMonitor = 1"),
    ],
)
def test_a_misspelt_attribute_is_reported_at_its_position(tmp_path, file, line, wrong):
    text = main_cf(file)
    line_no = text.splitlines().index("\t\t" + line) + 1
    path = _write(tmp_path, text.replace("\t\t" + line, "\t\t" + wrong, 1))
    (issue,) = verify(path)
    resource, type_name = {
        "VVRTypes.cf": ("rvg_pri", "RVGPrimary"),
        "OracleASMTypes.cf": ("asm_dg", "ASMDG"),
        "PrivNIC.cf": ("ora_priv", "PrivNIC"),
        "Db2udbTypes.cf": ("db2_inst", "Db2udb"),
    }[file]
    attr = wrong.split(" =")[0]
    assert (issue.severity, issue.rule) == (WARNING, "attributes")
    assert issue.where == f"{path}:{line_no}:3"
    assert issue.message == (
        f"resource {resource} ({type_name}): unknown attribute {attr}: not in vxha's built-in "
        f"declaration of {type_name}; put Veritas's {file} beside main.cf to check it"
    )


def test_attributes_the_excerpts_do_not_show_are_warnings_each_at_its_line(tmp_path):
    # The Oracle agent's table was not in the stored excerpts: a database set with the
    # attributes the ops fixture gives it reads and verifies, one warning an attribute
    text = main_cf("OracleTypes.cf").replace(
        "\tOracle ora_db (\n", "\tOracle ora_db (\n\t\tSid = PROD\n\t\tOwner = oracle\n"
    )
    path = _write(tmp_path, text)
    lines = text.splitlines()
    issues = verify(path)
    assert [(i.severity, i.where) for i in issues] == [
        (WARNING, f"{path}:{lines.index(chr(9) * 2 + 'Sid = PROD') + 1}:3"),
        (WARNING, f"{path}:{lines.index(chr(9) * 2 + 'Owner = oracle') + 1}:3"),
    ]
    assert all("put Veritas's OracleTypes.cf beside main.cf" in i.message for i in issues)


def test_a_value_of_the_wrong_dimension_is_still_an_error(tmp_path):
    text = main_cf("PrivNIC.cf").replace("UseVirtualIP = 1", "UseVirtualIP = { 1 }")
    (issue,) = verify(_write(tmp_path, text))
    assert issue.severity == "error" and "UseVirtualIP" in issue.message


def test_a_real_file_beside_main_cf_wins_over_the_built_in_one(tmp_path):
    (tmp_path / "VVRTypes.cf").write_text(
        "type RVG (\n\tstatic str ArgList[] = { RVG, DiskGroup }\n\tstr RVG\n\tstr DiskGroup\n)\n"
    )
    # types.cf left out: an unknown type is then the plain error, whatever types.cf holds
    text = main_cf("VVRTypes.cf").replace('include "types.cf"\n', "")
    text = text.replace(
        "\tRVG rvg (\n\t\t)\n", "\tRVG rvg (\n\t\tRVG = hr_rvg\n\t\tDiskGroup = hrdg\n\t\t)\n"
    )
    path = _write(tmp_path, text)
    cfg = parse_file(path)
    assert cfg.types["RVG"] is not bundled_vvr.RVG
    assert list(cfg.types["RVG"].attrs) == ["RVG", "DiskGroup"]
    # the real file declares RVG alone: the built-in one does not fill in the other types
    lines = text.splitlines()
    expected = [
        (
            f"{path}:{lines.index(f'{chr(9)}{t} {r} (') + 1}:2",
            f"resource {r} (group {g}): unknown type {t}: include its types file or declare it",
        )
        for t, r, g in [
            ("RVGPrimary", "rvg_pri", "rep"),
            ("RVGSnapshot", "rvg_snap", "rep"),
            ("RVGShared", "rvg_shared", "rac_rep"),
            ("RVGSharedPri", "rvg_shared_pri", "rac_rep"),
            ("RVGLogowner", "rvg_logowner", "logowner"),
        ]
    ]
    issues = verify(cfg)
    assert [(i.where, i.message) for i in issues] == expected
    assert {(i.rule, i.severity) for i in issues} == {("types_known", "error")}


def test_an_include_neither_present_nor_built_in_still_names_the_file(tmp_path):
    # MultiPrivNIC.cf's types are in no stored excerpt: vxha declares none of them
    text = 'include "types.cf"\ninclude "MultiPrivNIC.cf"\n\n' + SYSTEMS
    path = _write(tmp_path, text)
    with pytest.raises(CfError) as e:
        parse_file(path)
    assert (e.value.line, e.value.column) == (2, 1)
    assert e.value.message == f"expected an include file, found no file {tmp_path}/MultiPrivNIC.cf"
    out = subprocess.run(
        [sys.executable, "-m", "vxha.cli.main", "verify", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr == f"{path}:2:1: {e.value.message}\n"


def test_an_include_loads_only_the_module_of_its_own_file():
    # in a fresh interpreter: an agent's file never builds types.cf's declarations, and
    # types.cf never builds the agents'
    code = (
        "import sys\n"
        "from vxha.vcs_types.cf import parse, resolve_includes\n"
        "for inc in ('VVRTypes.cf', 'types.cf'):\n"
        "    resolve_includes(parse(f'include \"{inc}\"\\n', 'main.cf'), '/nonexistent')\n"
        "    print(sorted(m for m in sys.modules if m.startswith('vxha.vcs_types.bundled')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    first, second = out.stdout.splitlines()
    common = ["vxha.vcs_types.bundled_files"]
    assert first == str(sorted(["vxha.vcs_types.bundled_vvr"] + common))
    assert second == str(sorted(["vxha.vcs_types.bundled", "vxha.vcs_types.bundled_vvr"] + common))


def test_verifying_a_configuration_builds_no_other_file_s_declarations(tmp_path):
    # the verifier tells built-in declarations from read ones by the modules already
    # imported: checking a types.cf-only configuration (with a resource of a type it lacks,
    # whose warning names the built-in file) imports no agent file's module
    path = tmp_path / "main.cf"
    path.write_text(
        'include "types.cf"\n\nsystem n1 (\n\t)\n\ngroup g (\n\tSystemList = { n1 = 0 }\n'
        "\t)\n\n\tZone z (\n\t\t)\n\n\tNIC nic (\n\t\tDevice = eth0\n\t\tSpeed = 1\n\t\t)\n"
    )
    code = (
        "import sys\n"
        "from vxha.vcs_types.verify import verify\n"
        f"for i in verify({str(path)!r}):\n"
        "    print(i.message)\n"
        "print(sorted(m for m in sys.modules if m.startswith('vxha.vcs_types.bundled')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    *messages, modules = out.stdout.splitlines()
    assert modules == str(["vxha.vcs_types.bundled", "vxha.vcs_types.bundled_files"])
    assert messages == [
        "resource z (group g): unknown type Zone: not in vxha's built-in types.cf; put "
        "Veritas's types.cf beside main.cf to check it",
        "resource nic (NIC): unknown attribute Speed: not in vxha's built-in declaration of "
        "NIC; put Veritas's types.cf beside main.cf to check it",
    ]


def test_each_file_names_its_release_and_its_types_render_and_parse_back():
    for file in MODULES:
        assert release(file), file
    for file, module in MODULE_OF.items():
        decls = catalog.bundled_types()[file]
        assert decls is module.BUNDLED_FILES[file]
        assert parse(write_types(decls), file).types == {d.name: d for d in decls}


def test_no_type_is_declared_by_two_built_in_files():
    # an include of both would otherwise be refused as a type declared twice
    seen = {}
    for file, decls in catalog.bundled_types().items():
        for decl in decls:
            assert decl.name not in seen, (decl.name, file, seen.get(decl.name))
            seen[decl.name] = file
