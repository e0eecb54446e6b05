"""A PortForward's rules are told apart by the tag in their chain names: two resources
must never share a tag, or one's offline would remove the other's rules."""

from __future__ import annotations

import pytest

from vxha.agents.drivers.forwarding import tag


@pytest.mark.parametrize("name", ["web1_pf", "A-b_9", "x" * 64])
def test_a_safe_short_name_is_its_own_tag(name):
    assert tag(name) == name


@pytest.mark.parametrize("name", ["x" * 65, "web 1", "web1.pf", "wéb", "", "a;b"])
def test_any_other_name_is_hashed_to_a_safe_short_tag(name):
    t = tag(name)
    assert t != name and t.startswith("h") and len(t) == 13
    assert all(c.isalnum() for c in t) and t == tag(name)


def test_names_alike_but_different_get_different_tags():
    base = "p" * 64
    tags = {tag(base + "1"), tag(base + "2"), tag("web 1"), tag("web_1"), tag("web.1")}
    assert len(tags) == 5


def test_the_limit_is_the_callers():
    assert tag("abcdef", limit=6) == "abcdef"
    assert tag("abcdefg", limit=6) != "abcdefg"
