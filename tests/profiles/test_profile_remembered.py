"""What loading remembers across profiles gives the answers it gave before remembering."""

from __future__ import annotations

import pytest

from vxha.profiles.catalog import Image
from vxha.profiles.compat import schema_problem
from vxha.profiles.model import System
from vxha.profiles.schemas import choose_version


def test_image_versions_added_later_are_listed_in_order():
    image = Image("app", "/nonexistent")
    image.versions = {"1.10": None, "1.2": None}
    assert image.version_list() == ["1.2", "1.10"]
    image.versions["1.9"] = None
    assert image.version_list() == ["1.2", "1.9", "1.10"]
    image.version_list().append("spoilt")  # a caller's copy: the next answer is unchanged
    assert image.version_list() == ["1.2", "1.9", "1.10"]


def test_a_version_that_is_no_string_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="must be a string"):
            choose_version("server", ["1.0.0"])


class _Server:
    def __init__(self, schemas):
        self.schemas = schemas


def test_schema_problem_per_system_version_and_stated_versions():
    old, new = (System(n, 4, 1024, "eth0", v, []) for n, v in (("a", "1.0.0"), ("b", "1.2.0")))
    wants_new = _Server({"server": "1.2.0", "image": "1.0.0"})
    wants_next_major = _Server({"server": "2.0.0"})
    assert schema_problem(new, wants_new) is None
    assert schema_problem(old, wants_new) is None  # same major: reduced quality, served
    for _ in range(2):
        assert "its server profile" in schema_problem(new, wants_next_major)
        assert "newer major version" in schema_problem(old, wants_next_major)
    unhashable = _Server({"server": ["2.0.0"]})
    with pytest.raises(ValueError, match="must be a string"):
        schema_problem(new, unhashable)
