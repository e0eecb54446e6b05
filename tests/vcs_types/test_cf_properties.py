"""Property tests: any model writes and parses back equal; any declaration renders back."""

from __future__ import annotations

import re
from itertools import chain

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vxha.vcs_types.cf import _TOKEN, KEYWORDS, CfError, parse, tokens, write, write_types
from vxha.vcs_types.decl import STANDARD_STATIC, Attr, DecimalText, TypeDecl, render_type
from vxha.vcs_types.model import (
    Cluster,
    Config,
    Group,
    GroupDep,
    Heartbeat,
    RemoteCluster,
    Resource,
    ResourceLink,
    Site,
    System,
)
from vxha.vcs_types.verify import verify

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in KEYWORDS
)
# Any text but lone surrogates (not encodable in a UTF-8 file) and NUL (refused in any
# configuration file): spaces, quotes, backslashes, newlines, carriage returns, tabs,
# comment markers, `#` and unicode included.
texts = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        st.sampled_from(
            ['"', "\\", " ", "\n", "\r", "\t", "/", "*", "{", "}", "=", "@", ",", ";", "#", "é"]
        ),
    ),
    max_size=16,
)
ints = st.integers(-(2**40), 2**40)
# a decimal read bare (Capacity = { CPU = 2.5 }) is written bare again
decimals = st.from_regex(r"-?[0-9]{1,4}\.[0-9]{1,4}", fullmatch=True).map(DecimalText)
scalars = st.one_of(ints, texts, decimals)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    # an empty association reads back as an empty list, so generate non-empty ones
    st.dictionaries(texts, scalars, min_size=1, max_size=4),
    # numbered forms with numbers left out (`{ a, b = 2, c }`): one number at least, or
    # it is a plain list
    st.dictionaries(texts, st.one_of(st.none(), ints), min_size=1, max_size=4).filter(
        lambda d: any(v is not None for v in d.values())
    ),
)
# names that need quotes: host names with dots, as older installers wrote systems
dotted = st.from_regex(r"[a-z][a-z0-9]{0,5}(\.[a-z0-9]{1,5}){1,2}", fullmatch=True)
object_names = st.one_of(names, dotted)
attr_maps = st.dictionaries(names, values, max_size=4)
local_maps = st.dictionaries(
    names, st.dictionaries(names, values, min_size=1, max_size=3), max_size=2
)


@st.composite
def resources(draw):
    return Resource(draw(names), draw(names), draw(attr_maps), draw(local_maps))


@st.composite
def groups(draw):
    return Group(
        draw(names),
        draw(attr_maps),
        draw(local_maps),
        draw(st.lists(resources(), max_size=4)),
        draw(st.lists(st.builds(ResourceLink, names, names), max_size=4)),
        draw(
            st.lists(
                st.builds(
                    GroupDep,
                    names,
                    st.sampled_from(["online", "offline"]),
                    st.sampled_from(["local", "global", "remote", "site"]),
                    st.sampled_from(["soft", "firm", "hard"]),
                ),
                max_size=3,
            )
        ),
    )


# -- type declarations -------------------------------------------------------------------

_DECLARABLE = [n for n in STANDARD_STATIC if n != "ArgList"]


def _values_of(dtype, dim):
    if dtype == "str":
        one = texts
    elif dtype == "boolean":
        one = st.sampled_from([0, 1])
    else:
        one = ints
    if dim == "scalar":
        return one
    if dim in ("vector", "keylist"):
        return st.lists(one, max_size=4)
    return st.dictionaries(texts, one, max_size=4)


@st.composite
def attrs(draw, name):
    dim = draw(st.sampled_from(["scalar", "vector", "keylist", "association"]))
    dtype = "str" if dim == "keylist" else draw(st.sampled_from(["str", "int", "boolean"]))
    default = draw(st.one_of(st.none(), _values_of(dtype, dim)))
    return Attr(name, dtype, dim, default, draw(st.booleans()), draw(st.booleans()))


@st.composite
def type_decls(draw, name=None):
    attr_names = draw(
        st.lists(names.filter(lambda n: n not in STANDARD_STATIC), unique=True, max_size=6)
    )
    declared = [draw(attrs(n)) for n in attr_names]
    arglist = draw(st.permutations(attr_names))[: draw(st.integers(0, len(attr_names)))]
    if attr_names and draw(st.booleans()):
        # another resource's attribute, through a declared attribute naming that resource
        # (ADG 5.0MP3, "ArgList reference attributes")
        arglist.append(draw(st.sampled_from(attr_names)) + ":" + draw(names))
    statics = {}
    for s in draw(st.lists(st.sampled_from(_DECLARABLE), unique=True, max_size=4)):
        dtype, dim, _ = STANDARD_STATIC[s]
        statics[s] = draw(_values_of(dtype, dim))
    return TypeDecl(name or draw(names), declared, arglist=arglist, statics=statics)


@st.composite
def configs(draw):
    type_list = draw(st.lists(type_decls(), max_size=2, unique_by=lambda d: d.name))
    return Config(
        includes=draw(st.lists(texts, max_size=3)),
        cluster=draw(st.one_of(st.none(), st.builds(Cluster, names, attr_maps, local=local_maps))),
        systems=draw(
            st.lists(
                st.builds(System, object_names, attr_maps), max_size=3, unique_by=lambda s: s.name
            )
        ),
        remoteclusters=draw(
            st.lists(
                st.builds(RemoteCluster, names, attr_maps, local_maps),
                max_size=2,
                unique_by=lambda c: c.name,
            )
        ),
        heartbeats=draw(
            st.lists(
                st.builds(Heartbeat, names, attr_maps, local_maps),
                max_size=2,
                unique_by=lambda h: h.name,
            )
        ),
        sites=draw(
            st.lists(st.builds(Site, names, attr_maps), max_size=2, unique_by=lambda s: s.name)
        ),
        groups=draw(st.lists(groups(), max_size=4, unique_by=lambda g: g.name)),
        types={d.name: d for d in type_list},
    )


@SETTINGS
@given(configs())
def test_any_config_writes_and_parses_back_equal(cfg):
    text = write(cfg)
    back = parse(text)
    assert back == cfg
    assert write(back) == text


@SETTINGS
@given(type_decls())
def test_any_type_declaration_renders_and_parses_back_equal(decl):
    assert parse(render_type(decl), "XTypes.cf").types == {decl.name: decl}


@SETTINGS
@given(st.lists(type_decls(), max_size=3, unique_by=lambda d: d.name))
def test_any_types_file_parses_back_equal(decls):
    assert list(parse(write_types(decls)).types.values()) == decls


@SETTINGS
@given(configs(), st.data())
def test_damaged_text_fails_only_with_a_located_cf_error(cfg, data):
    text = write(cfg)
    if text:
        cut = data.draw(st.integers(0, len(text) - 1))
        junk = data.draw(st.sampled_from(["", "(", ")", "{", "}", "=", '"', "@", ",", "/*", "x"]))
        text = text[:cut] + junk + text[cut + 1 :]
    # the tokens (with what is skipped before each) are the whole text, nothing lost, and
    # the fast tokenizer the parser reads gives the same tokens
    pairs = _TOKEN.findall(text)
    assert "".join(chain.from_iterable(pairs)) == text
    assert [t for t in tokens(text) if t] == [t for _, t in pairs if t]
    try:
        parsed = parse(text, "f.cf")
    except CfError as e:
        lines = text.split("\n")
        assert e.file == "f.cf"
        assert 1 <= e.line <= len(lines)
        assert 1 <= e.column <= len(lines[e.line - 1]) + 1
        assert " expected " in str(e) and ", found " in str(e)
    else:
        # whatever parses, however damaged, writes back to the same model, and verifies
        # to findings that each have a position, never to a traceback
        assert parse(write(parsed)) == parsed
        for issue in verify(parsed):
            assert re.match(r"f\.cf:\d+:\d+\Z", issue.where) or issue.where.endswith(
                "(built in)"
            ), issue


_PIECES = (
    "group g ( ) type T str int keylist static temp [ ] include cluster c system s requires "
    "online offline local global remote site soft firm hard A B r q @ = , { } ; 1 -2 x\\y "
    "remotecluster heartbeat i18nstr 0755 # #x /x /**/ \t\n# "
    '"a b" \\" /* */ // \n'
).split(" ")


@SETTINGS
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map(" ".join))
def test_any_text_parses_or_fails_with_a_located_cf_error(text):
    assert [t for t in tokens(text) if t] == [t for _, t in _TOKEN.findall(text) if t]
    try:
        parsed = parse(text, "f.cf")
    except CfError as e:
        assert 1 <= e.line <= text.count("\n") + 1
        assert " expected " in str(e) and ", found " in str(e)
    else:
        assert parse(write(parsed)) == parsed
