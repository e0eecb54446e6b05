"""Arbitrary documents never crash the validator: it only reports."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vxha.profiles.api import Session
from vxha.profiles.loader import LoadFailed, parse_text
from vxha.profiles.model import Problem

KEYS = [
    "schema",
    "kind",
    "name",
    "image",
    "image_version",
    "application",
    "hostname",
    "address",
    "mounts",
    "ports",
    "load",
    "inputs",
    "systems",
    "dependencies",
    "priority",
    "privileged",
    "relocatable",
    "exclusive_storage",
    "labels",
    "x",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "1.0.0",
            "1.1.0",
            "2.0.0",
            "nbu",
            "10.3",
            "master",
            "10.200.0.5/24",
            "/data",
            "500GiB",
            "service",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5),
    ),
    max_leaves=25,
)
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=12)


def _check(session: Session) -> None:
    session.run()
    for p in session.all_problems():
        assert isinstance(p, Problem) and p.message


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents, kind=st.sampled_from(["server", "cluster", None]))
def test_arbitrary_documents_only_produce_problems(doc, kind, tmp_path_factory):
    import json

    session = Session(image_root=tmp_path_factory.getbasetemp().as_posix())
    parsed = parse_text(json.dumps(doc, default=str), "fuzz.json")
    session._add_doc(parsed, kind)
    _check(session)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents)
def test_arbitrary_servers_against_the_example_images(doc, ws_images):
    import json

    base = {
        "schema": "1.0.0",
        "name": "s1",
        "image": "nbu",
        "image_version": "10.3",
        "application": "media-net",
    }
    base.update(doc)
    session = Session(image_root=ws_images)
    session._add_doc(parse_text(json.dumps(base, default=str), "fuzz.json"), "server")
    _check(session)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=string.printable + "&*!|>-:[]{}\u00e9", max_size=200))
def test_arbitrary_text_never_crashes_the_loader(text):
    try:
        doc = parse_text(text, "fuzz.yaml")
    except LoadFailed as exc:
        assert exc.problem.message
        return
    session = Session(image_root="/nonexistent")
    session._add_doc(doc, None)
    _check(session)


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def ws_images():
    from vxha.profiles import EXAMPLES

    return f"{EXAMPLES}/images"
