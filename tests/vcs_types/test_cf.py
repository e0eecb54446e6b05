"""The .cf parser and writer: fixtures, layout, errors, include resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from vxha.vcs_types import bundled, catalog
from vxha.vcs_types.cf import CfError, parse, parse_file, write, write_types
from vxha.vcs_types.decl import Attr, TypeDecl, render_type
from vxha.vcs_types.model import Config, Group, GroupDep, Resource, ResourceLink

FIXTURES = Path(__file__).parent / "fixtures"
MAIN_FILES = sorted(FIXTURES.glob("*/main.cf"))


@pytest.mark.parametrize("path", MAIN_FILES, ids=lambda p: p.parent.name)
def test_fixture_writes_back_byte_identical(path):
    text = path.read_text()
    assert write(parse_file(path)) == text


@pytest.mark.parametrize("path", MAIN_FILES, ids=lambda p: p.parent.name)
def test_fixture_round_trip_is_identity(path):
    cfg = parse(path.read_text(), str(path))
    assert parse(write(cfg)) == cfg


def test_linbit_drbd_sample_parses():
    cfg = parse_file(FIXTURES / "drbd" / "main.cf")
    assert cfg.includes == ["types.cf", "DRBDConfigureTypes.cf", "DRBDPrimaryTypes.cf"]
    assert cfg.cluster.name == "linbittestcluster"
    assert cfg.cluster.attrs == {
        "UserNames": {"admin": "OoJaijegaolaiJaebi"},
        "Administrators": ["admin"],
    }
    assert [s.name for s in cfg.systems] == ["linbit01", "linbit02"]
    pri = cfg.group("DRBDPriGrp")
    assert pri.attrs["SystemList"] == {"linbit01": 0, "linbit02": 1}
    assert pri.attrs["AutoStartList"] == ["linbit01", "linbit02"]
    assert [(r.type, r.name) for r in pri.resources] == [
        ("DRBDPrimary", "r0primary"),
        ("Mount", "r0mount"),
    ]
    assert pri.resource("r0mount").attrs["FsckOpt"] == "-y"
    assert pri.deps == [GroupDep("DRBDGrp", "online", "local", "hard")]
    assert pri.links == [ResourceLink("r0mount", "r0primary")]
    assert pri.where.line == 36 and pri.resource("r0mount").where.line == 45
    # the types files next to main.cf were parsed
    assert cfg.types["DRBDPrimary"].arglist == ["ResName"]
    assert cfg.types["DRBDPrimary"].statics == {"MonitorInterval": 20}
    assert cfg.types["Mount"].attrs["VxFSMountLock"] == Attr("VxFSMountLock", "int", default=1)
    assert cfg.type_origin["Mount"] == "types.cf"


def test_hacf_layout_of_one_group():
    cfg = Config(
        groups=[
            Group(
                "g",
                {"SystemList": {"a": 0, "b": 1}},
                resources=[
                    Resource("T", "top", {"S": "two words", "N": -3}, {"D": {"a": "x"}}),
                    Resource("T", "mid"),
                    Resource("U", "leaf", {"V": ["p", 1], "E": []}),
                ],
                links=[ResourceLink("top", "mid"), ResourceLink("mid", "leaf")],
            ),
            Group("h"),
        ]
    )
    assert write(cfg) == (
        "group g (\n\tSystemList = { a = 0, b = 1 }\n\t)\n\n"
        '\tT top (\n\t\tS = "two words"\n\t\tN = -3\n\t\tD @a = x\n\t\t)\n\n'
        "\tT mid (\n\t\t)\n\n"
        "\tU leaf (\n\t\tV = { p, 1 }\n\t\tE = {}\n\t\t)\n\n"
        "\ttop requires mid\n\tmid requires leaf\n\n\n"
        "\t// resource dependency tree\n\t//\n\t//\tgroup g\n\t//\t{\n"
        "\t//\tT top\n\t//\t    {\n\t//\t    T mid\n\t//\t        {\n"
        "\t//\t        U leaf\n\t//\t        }\n\t//\t    }\n\t//\t}\n\n\n"
        "group h (\n\t)\n\n\n\n"
        "\t// resource dependency tree\n\t//\n\t//\tgroup h\n\t//\t{\n\t//\t}\n\n\n"
    )


def test_values_of_every_dimension():
    cfg = parse(
        "group g (\n"
        '  I = 12\n  Neg = -7\n  W = word\n  Q = "a \\"q\\" \\\\ b"\n  E = ""\n'
        '  V = { a, "b c", 3 }\n  A = { k = v, "x y" = 2 }\n  Z = {}\n  Zero = 007\n'
        "  L @n1 = { 1, 2 }\n  L @n2 = {}\n)\n"
    )
    g = cfg.groups[0]
    assert g.attrs == {
        "I": 12,
        "Neg": -7,
        "W": "word",
        "Q": 'a "q" \\ b',
        "E": "",
        "V": ["a", "b c", 3],
        "A": {"k": "v", "x y": 2},
        "Z": [],
        "Zero": "007",  # kept as written: 007 is no integer as VCS writes one
    }
    assert g.local == {"L": {"n1": [1, 2], "n2": []}}


def test_comments_semicolons_and_free_layout():
    cfg = parse(
        '/* a block\n comment */ include "types.cf" // trailing\n'
        'group g ( A = 1; B = "// not a comment" ) T r ( ) ; r requires q\n'
        "requires group other offline local\n"
    )
    g = cfg.groups[0]
    assert g.attrs == {"A": 1, "B": "// not a comment"}
    assert g.links == [ResourceLink("r", "q")]
    assert g.deps == [GroupDep("other", "offline", "local", "firm")]


def test_unquoted_paths_are_words():
    cfg = parse("group g (\n)\n\tMount m (\n\t\tMountPoint = /mnt/x\n\t\t)\n")
    assert cfg.groups[0].resources[0].attrs["MountPoint"] == "/mnt/x"


def test_types_file_parses_to_declarations():
    cfg = parse(
        "type Demo (\n"
        "\tstatic int OnlineTimeout = 120\n"
        "\tstatic keylist SupportedActions = { logs }\n"
        "\tstatic int IMF{} = { Mode = 3, MonitorFreq = 1 }\n"
        '\tstatic str ArgList[] = { Name, Mounts, "Name:Attr" }\n'
        "\tstatic int Custom = 4\n"
        "\tstr Name\n\tstr Mounts{}\n\tkeylist Nodes\n\tint Stop = 30\n"
        "\ttemp str Primary\n\tboolean Priv = 1\n\tstr Vec[] = { a, b }\n"
        ")\n",
        "DemoTypes.cf",
    )
    d = cfg.types["Demo"]
    assert d.arglist == ["Name", "Mounts", "Name:Attr"]
    assert d.statics == {
        "OnlineTimeout": 120,
        "SupportedActions": ["logs"],
        "IMF": {"Mode": 3, "MonitorFreq": 1},
    }
    assert d.attrs["Custom"] == Attr("Custom", "int", default=4, static=True)
    assert d.attrs["Mounts"] == Attr("Mounts", dim="association")
    assert d.attrs["Nodes"] == Attr("Nodes", dim="keylist")
    assert d.attrs["Primary"] == Attr("Primary", temp=True)
    assert d.attrs["Priv"] == Attr("Priv", "boolean", default=1)
    assert d.attrs["Vec"] == Attr("Vec", dim="vector", default=["a", "b"])


def test_veritas_style_types_file_parses_and_renders_back():
    # The shape of Veritas's own types.cf entries: ArgList passing State and IState,
    # quoted action tokens, type-specific static attributes, IMF.
    text = (
        "type Application (\n"
        '\tstatic keylist SupportedActions = { "program.vfd", "user.vfd", getcksum }\n'
        "\tstatic str IMFRegList[] = { MonitorProcesses, User }\n"
        "\tstatic int IMF{} = { Mode = 3, MonitorFreq = 1, RegisterRetryLimit = 3 }\n"
        "\tstatic str ArgList[] = { State, IState, User, StartProgram, MonitorProcesses }\n"
        "\tstatic int ContainerOpts{} = { RunInContainer = 1, PassCInfo = 0 }\n"
        "\tstatic str AgentClass = TS\n"
        "\tstr User = root\n\tstr StartProgram\n\tstr MonitorProcesses[]\n"
        ")\n"
    )
    decl = parse(text, "types.cf").types["Application"]
    assert decl.arglist == ["State", "IState", "User", "StartProgram", "MonitorProcesses"]
    assert decl.statics["SupportedActions"] == ["program.vfd", "user.vfd", "getcksum"]
    # standard static attributes (the 9.0 Agent Developer's Guide's list) are type values
    assert decl.statics["ContainerOpts"] == {"RunInContainer": 1, "PassCInfo": 0}
    assert decl.statics["AgentClass"] == "TS"
    assert list(decl.attrs) == ["User", "StartProgram", "MonitorProcesses"]
    assert parse(render_type(decl)).types["Application"] == decl
    assert render_type(decl) == text  # as written, line for line


@pytest.mark.parametrize(
    "decl", catalog.project_types() + [d for ds in bundled.BUNDLED_FILES.values() for d in ds]
)
def test_every_catalog_type_renders_and_parses_back(decl):
    assert parse(render_type(decl)).types == {decl.name: decl}


def test_write_types_separates_blocks():
    a = TypeDecl("A", [Attr("X")])
    b = TypeDecl("B", [Attr("Y", "int")])
    text = write_types([a, b])
    assert text == render_type(a) + "\n" + render_type(b)
    assert parse(text).types == {"A": a, "B": b}
    assert parse(write(parse(text))).types == {"A": a, "B": b}


# -- include resolution -------------------------------------------------------------------


def test_absent_veritas_and_vxha_types_files_resolve_to_the_catalog(tmp_path):
    (tmp_path / "main.cf").write_text(
        'include "types.cf"\ninclude "CVMTypes.cf"\ninclude "CFSTypes.cf"\n'
        'include "ContainerTypes.cf"\n'
    )
    cfg = parse_file(tmp_path / "main.cf")
    assert cfg.types["CVMVolDg"] is bundled.CVMVOLDG
    assert cfg.types["CFSMount"] is bundled.CFSMOUNT
    assert cfg.types["Container"] == catalog.project_type("Container")
    assert cfg.type_origin["Container"] == "ContainerTypes.cf"
    # included types are not written into main.cf
    assert "type " not in write(cfg)


def test_present_types_file_wins_over_the_catalog(tmp_path):
    (tmp_path / "ContainerTypes.cf").write_text("type Container (\n\tstr Name\n)\n")
    (tmp_path / "main.cf").write_text('include "ContainerTypes.cf"\n')
    cfg = parse_file(tmp_path / "main.cf")
    assert cfg.types["Container"] == TypeDecl("Container", [Attr("Name")], arglist=[])


def test_an_include_repeated_directly_or_through_a_types_file_counts_once(tmp_path):
    (tmp_path / "AppTypes.cf").write_text('include "CVMTypes.cf"\ntype App (\n\tstr A\n)\n')
    (tmp_path / "main.cf").write_text(
        'include "CVMTypes.cf"\ninclude "CVMTypes.cf"\ninclude "AppTypes.cf"\n'
    )
    cfg = parse_file(tmp_path / "main.cf")
    assert sorted(cfg.types) == ["App", "CVMCluster", "CVMVolDg", "CVMVxconfigd"]
    assert cfg.type_origin["App"] == "AppTypes.cf"
    assert cfg.type_origin["CVMVolDg"] == "CVMTypes.cf"


def test_nested_include_origin_is_the_innermost_file(tmp_path):
    (tmp_path / "AppTypes.cf").write_text('include "CVMTypes.cf"\n')
    (tmp_path / "main.cf").write_text('include "AppTypes.cf"\n')
    assert parse_file(tmp_path / "main.cf").type_origin["CVMVolDg"] == "CVMTypes.cf"


def test_without_resolving_includes_types_stay_empty(tmp_path):
    (tmp_path / "main.cf").write_text('include "Missing.cf"\n')
    assert parse_file(tmp_path / "main.cf", resolve_includes=False).types == {}


def test_missing_include_names_file_and_line(tmp_path):
    (tmp_path / "main.cf").write_text('include "types.cf"\n\ninclude "Missing.cf"\n')
    with pytest.raises(CfError) as e:
        parse_file(tmp_path / "main.cf")
    assert str(e.value).startswith(f"{tmp_path / 'main.cf'}:3:1: ")
    assert "Missing.cf" in str(e.value)


def test_a_type_declared_twice_across_includes_is_an_error(tmp_path):
    (tmp_path / "main.cf").write_text('include "CFSTypes.cf"\ninclude "CFSMountTypes.cf"\n')
    with pytest.raises(
        CfError,
        match=r"main.cf:2:1: expected each type declared once, found type CFSMount .* already",
    ):
        parse_file(tmp_path / "main.cf")


def test_the_committed_types_files_parse_to_the_catalog():
    for decl in catalog.project_types():
        path = Path(catalog.HERE) / catalog.types_file_name(decl.name)
        assert parse_file(path).types == {decl.name: decl}


def test_rendered_types_files_are_current():
    """The committed vcs_types/*Types.cf equal what the catalog renders (vxha render-types)."""
    rendered = catalog.render_all()
    assert rendered, "the catalog renders no types file"
    for path, text in rendered.items():
        committed = Path(path).read_text() if Path(path).exists() else None
        assert committed == text, f"{path} is not current: run 'vxha render-types'"
