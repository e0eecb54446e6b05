"""The configuration language audit (docs/vcs-language.md, "Constructs checked"): each
construct real main.cf and types files hold, as a minimal restatement of our own (its
source named beside it), parsed, verified and written back.

Expected models, findings and texts are written from the rule the row names, not from a
run: a file in hacf's layout comes back byte-identical; any other layout comes back in
hacf's layout, as the text given.
"""

from __future__ import annotations

from vxha.vcs_types.cf import parse, write
from vxha.vcs_types.decl import render_type

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
