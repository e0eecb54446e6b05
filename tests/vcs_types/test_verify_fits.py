"""The verifier's short path for lists and associations never passes what the general
check refuses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vxha.vcs_types.verify import _fits, check_value

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", ""]))
values = st.one_of(
    st.lists(scalars, max_size=4), st.dictionaries(st.sampled_from(["k", "l", "m"]), scalars)
)
dims = st.one_of(
    st.sampled_from(["scalar", "vector", "keylist", "association"]),
    st.lists(
        st.sampled_from(["scalar", "vector", "keylist", "association"]),
        min_size=1,
        max_size=3,
        unique=True,
    ).map(tuple),
)


@settings(max_examples=500, deadline=None)
@given(values, st.sampled_from(["str", "int", "boolean"]), dims)
def test_fits_only_what_check_value_accepts(value, dtype, dim):
    if _fits(value, dtype, dim):
        assert check_value(value, dtype, dim) is None


def test_the_common_values_fit():
    assert _fits(["n1", "n2"], "str", "keylist")
    assert not _fits(["n1", "n1"], "str", "keylist")
    assert _fits({"CPU": 2, "Mem": 4096}, "int", ("scalar", "association"))
    assert not _fits({"a": None}, "int", "association")
    assert not _fits({"a": True}, "int", "association")


attr_names = st.sampled_from(
    ["SystemList", "AutoStartList", "Load", "Parallel", "UserStr", "FailOverPolicy", "X"]
)
blocks = st.dictionaries(attr_names, st.one_of(scalars, values), max_size=4)
local_blocks = st.dictionaries(
    attr_names, st.dictionaries(st.sampled_from(["n1", "n2"]), st.one_of(scalars, values))
)


@settings(max_examples=500, deadline=None)
@given(blocks, local_blocks)
def test_a_quiet_block_has_no_findings(attrs, local):
    from vxha.vcs_types.model import Config, Group
    from vxha.vcs_types.verify import GROUP_ATTRS, Context, _check_attrs, _quiet, _scalars

    g = Group("g", attrs=attrs, local=local)
    quiet = _quiet(attrs, local, GROUP_ATTRS.get)
    # the lookup of plain scalars decides exactly as the general short path
    assert _quiet(attrs, local, GROUP_ATTRS.get, _scalars(GROUP_ATTRS)) == quiet
    if quiet:
        ctx = Context(Config(groups=[g]))
        assert list(_check_attrs(ctx, g, "group g", GROUP_ATTRS.get, local)) == []


def test_the_common_blocks_are_quiet():
    from vxha.vcs_types.verify import GROUP_ATTRS, _quiet

    attrs = {"SystemList": {"n1": 0, "n2": 1}, "AutoStartList": ["n1"], "Load": {"CPU": 2}}
    assert _quiet(attrs, {}, GROUP_ATTRS.get)
    assert _quiet({"SystemList": ["n1", "n2"]}, {}, GROUP_ATTRS.get)
    assert not _quiet({"SystemList": ["n1", "n1"]}, {}, GROUP_ATTRS.get)
    assert not _quiet({"Parallel": "yes"}, {}, GROUP_ATTRS.get)
    assert not _quiet({"Unknown": 1}, {}, GROUP_ATTRS.get)
    assert not _quiet({}, {"Parallel": {"n1": "yes"}}, GROUP_ATTRS.get)
