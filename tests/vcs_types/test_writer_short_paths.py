"""The writer's short paths for the common values write exactly what the declarations'
general formatting writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vxha.vcs_types.decl import format_name, format_scalar
from vxha.vcs_types.writer import _fmt, scalar_text

# strings made of the characters that decide the short paths: digits (ASCII and others),
# signs, quotes, escapes, line ends, letters (ASCII and others), separators
texts = st.text(alphabet=st.sampled_from('09-_aZ."\\\n\r /:²١é '), max_size=6)
scalars = st.one_of(texts, st.integers(-1000, 1000), st.booleans())


@settings(max_examples=1000, deadline=None)
@given(scalars)
def test_scalar_text_is_format_scalar(value):
    assert scalar_text(value) == format_scalar(value)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(texts, st.one_of(st.none(), scalars), max_size=4))
def test_associations_as_format_name_and_format_scalar_write_them(value):
    items = [
        format_name(k) if v is None else f"{format_name(k)} = {format_scalar(v)}"
        for k, v in value.items()
    ]
    assert _fmt(value) == ("{ " + ", ".join(items) + " }" if value else "{}")


def test_the_common_values():
    assert scalar_text("eth0") == "eth0"
    assert scalar_text("10.0.0.1") == '"10.0.0.1"'
    assert scalar_text("0755") == "0755"
    assert scalar_text("-12") == '"-12"'
    assert scalar_text("12") == '"12"'
    assert _fmt({"n1": 0, "n2": None}) == "{ n1 = 0, n2 }"
