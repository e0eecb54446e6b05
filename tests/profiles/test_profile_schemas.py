"""The committed JSON Schemas are what schema_source declares, and versions evolve by the rules."""

from __future__ import annotations

import json
import os

import pytest

from vxha.profiles import schema_source
from vxha.profiles.schemas import SCHEMA_DIR, choose_version, known_versions, schema


@pytest.mark.parametrize("kind", schema_source.KINDS)
@pytest.mark.parametrize("version", schema_source.VERSIONS)
def test_committed_schema_matches_its_declaration(kind, version):
    with open(os.path.join(SCHEMA_DIR, kind, f"{version}.json")) as f:
        committed = f.read()
    assert committed == schema_source.render(kind, version), (
        "run: python -m vxha.profiles.schema_source --write"
    )


@pytest.mark.parametrize("kind", schema_source.KINDS)
def test_schemas_are_valid_json_schema(kind):
    import jsonschema

    for version in known_versions(kind):
        jsonschema.Draft202012Validator.check_schema(schema(kind, version))


@pytest.mark.parametrize("kind", schema_source.KINDS)
def test_minor_version_only_adds_optional_attributes(kind):
    old, new = schema(kind, "1.0.0"), schema(kind, "1.1.0")
    added = set(new["properties"]) - set(old["properties"])
    assert len(added) == 1
    assert set(old["properties"]) <= set(new["properties"])
    assert new["required"] == old["required"]
    for key in old["properties"]:
        assert json.dumps(old["properties"][key]) == json.dumps(new["properties"][key])


def test_every_profile_states_its_schema():
    for kind in schema_source.KINDS:
        assert "schema" in schema(kind, "1.0.0")["required"]


def test_choose_version():
    assert choose_version("server", "1.0.0") == ("1.0.0", True, "")
    assert choose_version("server", "1.1.0") == ("1.1.0", True, "")
    assert choose_version("server", "1.2.0") == ("1.2.0", True, "")
    assert choose_version("server", "1.3.0") == ("1.3.0", True, "")
    assert choose_version("server", "1.5.2") == ("1.3.0", False, "")
    assert choose_version("server", "1.1.0", up_to="1.0.0") == ("1.0.0", False, "")
    version, strict, reason = choose_version("server", "2.0.0")
    assert version is None and "upgrade vxha" in reason
    assert choose_version("server", "0.9.0")[0] is None


def test_bad_schema_version_strings(ws):
    for stated, text in [("1.0", "not of the form MAJOR.MINOR.PATCH"), (1.0, "must be a string")]:
        ws.edit(ws.server("auth1"), lambda d, s=stated: d.update(schema=s))
        errors, _ = ws.validate(ws.server("auth1")).split()
        assert any(text in p.message and p.key_path == "schema" for p in errors), errors


def test_missing_schema_says_which_to_write(ws):
    ws.edit(ws.server("auth1"), lambda d: d.pop("schema"))
    errors, _ = ws.validate(ws.server("auth1")).split()
    assert any(
        "missing required key 'schema'" in p.message and "schema: 1.3.0" in p.hint for p in errors
    )


def test_labels_need_schema_1_1(ws):
    ws.edit(ws.server("auth1"), lambda d: d.update(labels={"team": "infra"}))
    errors, _ = ws.validate(ws.servers).split()
    assert any("unknown key 'labels' (schema 1.0.0)" in p.message for p in errors)
    ws.edit(ws.server("auth1"), lambda d: d.update(schema="1.1.0"))
    session = ws.validate(ws.servers)
    assert session.split() == ([], [])
    auth = [s for s in session.servers() if s.name == "auth1"][0]
    assert auth.labels["team"] == "infra"
