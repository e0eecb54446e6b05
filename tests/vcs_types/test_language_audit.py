"""The configuration language audit (docs/vcs-language.md, "Constructs checked"): each
construct real main.cf and types files hold, as a minimal restatement of our own (its
source named beside it), parsed, verified and written back.

Expected models, findings and texts are written from the rule the row names, not from a
run: a file in hacf's layout comes back byte-identical; any other layout comes back in
hacf's layout, as the text given.
"""

from __future__ import annotations

from vxha.vcs_types.cf import parse, parse_file, write
from vxha.vcs_types.decl import render_type
from vxha.vcs_types.verify import verify

# -- type declarations written back line for line ----------------------------------------


def test_a_type_declared_with_no_lines_is_written_back_with_none():
    # `hatype -add T` makes a type with no attribute and the default (empty) ArgList; a
    # types file holding it reads `type T (` `)`. Chosen: written back as read, since a
    # declaration read from a file renders its lines in the order read (docs/vcs-language.md,
    # "Layout") and this one has none; the model is the same either way.
    text = "type Marker (\n)\n"
    decl = parse(text, "MarkerTypes.cf").types["Marker"]
    assert decl.attrs == {} and decl.arglist == []
    assert render_type(decl) == text
    assert write(parse(text, "MarkerTypes.cf")) == text


def test_an_empty_type_given_an_arglist_in_memory_writes_it():
    # what the rule above must not lose: an ArgList set after reading is written
    decl = parse("type Marker (\n)\n", "MarkerTypes.cf").types["Marker"]
    decl.arglist = ["ResourceInfo"]
    assert render_type(decl) == "type Marker (\n\tstatic str ArgList[] = { ResourceInfo }\n)\n"


def test_a_standard_static_string_default_written_as_a_bare_integer_stays_bare():
    # AgentPriority is a string scalar (Veritas Cluster Server 5.0MP3 User's Guide,
    # Solaris, "Resource type attributes"; decl.STANDARD_STATIC). A string default written
    # as a bare integer stays bare, a quoted one quoted, as for the type's own attributes
    # (docs/vcs-language.md, "Layout": `str StartVolumes = 1`, 6.0 Solaris Administrator's
    # Guide, "About the types.cf file")
    text = (
        'type App (\n\tstatic str AgentPriority = 10\n\tstatic str ScriptPriority = "0"\n'
        "\tstatic str ArgList[] = { Cmd }\n\tstr Cmd\n)\n"
    )
    decl = parse(text, "AppTypes.cf").types["App"]
    assert decl.statics == {"AgentPriority": "10", "ScriptPriority": "0"}
    assert render_type(decl) == text


# -- includes that hold objects -------------------------------------------------------------

# main.cf's include clauses "typically contain type definitions" (Veritas Cluster Server 6.0
# Administrator's Guide, AIX, "About the main.cf file"): typically, not only. VCS keeps the
# file each group, system and cluster was read from (their SourceFile attribute, in
# verify.GROUP_ATTRS, SYSTEM_ATTRS, CLUSTER_ATTRS), so an include may hold them.
APPS_CF = (
    "system n2 (\n\t)\n\n"
    "group app (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
    "\tNIC app_nic (\n\t\tDevice = eth1\n\t\t)\n"
)
MAIN_WITH_APPS = (
    'include "types.cf"\ninclude "apps.cf"\n\n'
    "cluster c1 (\n\t)\n\n"
    "system n1 (\n\t)\n\n"
    "group web (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
    "\tNIC web_nic (\n\t\tDevice = eth0\n\t\t)\n\n"
    "\trequires group app online global soft\n\n\n"
    "\t// resource dependency tree\n\t//\n\t//\tgroup web\n\t//\t{\n\t//\tNIC web_nic\n"
    "\t//\t}\n\n\n"
)


def test_groups_and_systems_of_an_include_are_verified_with_main_cf(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_WITH_APPS)
    (tmp_path / "apps.cf").write_text(APPS_CF)
    config = parse_file(tmp_path / "main.cf")
    assert verify(config) == []
    # the writer writes main.cf's own objects: the include keeps the others
    assert write(config) == MAIN_WITH_APPS
    # a finding inside the include points into it
    (tmp_path / "apps.cf").write_text(
        APPS_CF.replace("Device = eth1", "Device = eth1\n\t\tBogus = 1")
    )
    assert [str(i) for i in verify(parse_file(tmp_path / "main.cf"))] == [
        f"{tmp_path}/apps.cf:10:3: warning: resource app_nic (NIC): unknown attribute Bogus: "
        "not in vxha's built-in declaration of NIC; put Veritas's types.cf beside main.cf "
        "to check it"
    ]


def test_a_group_declared_in_main_cf_and_in_an_include_is_declared_twice(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_WITH_APPS.replace("group web", "group app"))
    (tmp_path / "apps.cf").write_text(APPS_CF)
    messages = [i.message for i in verify(parse_file(tmp_path / "main.cf"))]
    assert f"group app is declared twice (first at {tmp_path}/main.cf:10:1)" in messages
