"""Arbitrary documents never crash the validator: it only reports."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vxha.profiles import EXAMPLES
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


@pytest.fixture(scope="module")
def ws_images():
    return f"{EXAMPLES}/images"


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


mounts = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["data", "log", "cfg"]),
            "type": st.sampled_from(["data", "log", "configuration"]),
            "path": st.sampled_from(["/data", "/data/x", "/log", "/", "rel", "/a/../b", "/etc"]),
        },
        optional={"min_size": st.sampled_from(["1GiB", "x", "5"]), "optional": st.booleans()},
    ),
    max_size=4,
)
ports = st.lists(
    st.one_of(
        st.integers(0, 70000),
        st.fixed_dictionaries(
            {"port": st.integers(1, 65535)}, optional={"proto": st.sampled_from(["tcp", "udp"])}
        ),
    ),
    max_size=4,
)
deps = st.lists(
    st.fixed_dictionaries(
        {
            "image": st.sampled_from(["img", "other", "mariadb"]),
            "relation": st.sampled_from(["child", "peer"]),
        },
        optional={"requirement": st.sampled_from(["mandatory", "optional"])},
    ),
    max_size=3,
)
inputs = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["a", "b"]),
            "type": st.sampled_from(
                [
                    "string",
                    "integer",
                    "boolean",
                    "hostname",
                    "ip",
                    "size",
                    "choice",
                    "email",
                    "number",
                ]
            ),
            "env": st.sampled_from(["A", "B"]),
        },
        optional={
            "default": scalars,
            "choices": st.lists(st.sampled_from(["x", "y"]), max_size=2),
            "required": st.booleans(),
        },
    ),
    max_size=3,
)
resources = st.fixed_dictionaries(
    {},
    optional={
        "cpus": st.fixed_dictionaries(
            {}, optional={"min": st.floats(0.1, 64), "default": st.floats(0.1, 64)}
        ),
        "memory": st.fixed_dictionaries(
            {},
            optional={
                "min": st.sampled_from(["1GiB", "bad"]),
                "default": st.sampled_from(["2GiB", "x"]),
            },
        ),
    },
)
shaped = {
    "mounts": mounts,
    "ports": ports,
    "dependencies": deps,
    "resources": resources,
    "ssh": st.booleans(),
    "ssh_port": st.integers(0, 70000),
    "privileged": st.booleans(),
    "relocatable": st.booleans(),
    "parent_types": st.lists(st.sampled_from(["img", "x"])),
    "upgrade_from": st.lists(st.sampled_from(["1.0", "0.9"])),
    "instances": st.fixed_dictionaries(
        {}, optional={"servers": st.integers(0, 3), "privileged": st.integers(0, 2)}
    ),
    "env": st.dictionaries(st.sampled_from(["A", "B"]), st.text(max_size=3)),
}
image_docs = st.fixed_dictionaries(
    {
        "schema": st.sampled_from(["1.0.0", "1.1.0"]),
        "id": st.just("img"),
        "version": st.just("1.0"),
        "type": st.sampled_from(["application", "add-on", "hotfix"]),
    },
    optional={k: st.one_of(v, values) if k == "env" else v for k, v in shaped.items()},
)
app_docs = st.fixed_dictionaries(
    {"schema": st.just("1.0.0"), "name": st.just("app"), "image": st.just("img")},
    optional={
        "override": st.fixed_dictionaries(
            {},
            optional={
                k: shaped[k]
                for k in (
                    "mounts",
                    "ports",
                    "dependencies",
                    "privileged",
                    "resources",
                    "env",
                    "relocatable",
                )
            },
        ),
        "remove": st.dictionaries(
            st.sampled_from(["mounts", "ports", "env"]),
            st.lists(st.sampled_from(["data", "log", 22, "A"]), max_size=3),
            max_size=2,
        ),
        "inputs": inputs,
        "image_versions": st.lists(st.sampled_from(["1.0", "2.0"]), max_size=2),
    },
)
server_docs = st.fixed_dictionaries(
    {},
    optional={
        "mounts": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.sampled_from(["data", "log", "cfg", "zz"]),
                    "diskgroup": st.just("dg"),
                    "volume": st.sampled_from(["v1", "v2"]),
                },
                optional={"host_path": st.sampled_from(["/vx/a", "/vx/a/b", "/etc", "x"])},
            ),
            max_size=3,
        ),
        "inputs": st.dictionaries(st.sampled_from(["a", "b", "c"]), scalars, max_size=3),
        "load": st.fixed_dictionaries(
            {}, optional={"cpus": st.floats(0.1, 100), "memory": st.sampled_from(["1GiB", "99TiB"])}
        ),
        "privileged": st.booleans(),
        "relocatable": st.booleans(),
        "systems": st.lists(st.sampled_from(["n1", "n2"]), min_size=1, max_size=2),
        "ports": st.lists(
            st.fixed_dictionaries(
                {"container": st.integers(1, 65535), "host": st.integers(1, 65535)}
            ),
            max_size=2,
        ),
    },
)


@settings(max_examples=400, deadline=None)
@given(image=image_docs, app=app_docs, server=server_docs)
def test_arbitrary_image_and_application_profiles(image, app, server):
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "images"
        (root / "img" / "applications").mkdir(parents=True)
        (root / "img" / "display-name.txt").write_text("Img\n")
        (root / "img" / "1.0.json").write_text(json.dumps(image, default=str))
        (root / "img" / "applications" / "app.json").write_text(json.dumps(app, default=str))
        base = {
            "schema": "1.0.0",
            "name": "s1",
            "image": "img",
            "image_version": "1.0",
            "application": "app",
            "address": "10.200.0.9/24",
            "hostname": "s1",
        }
        base.update(server)
        (Path(tmp) / "servers").mkdir()
        (Path(tmp) / "servers" / "s1.json").write_text(json.dumps(base, default=str))
        session = Session()
        session.add_path(str(root))
        session.add_path(str(Path(tmp) / "servers"))
        _check(session)
