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
