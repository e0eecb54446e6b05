"""The compiled validity check agrees with jsonschema on every schema, for the examples and
for every one-step mutation of them (a value of another type, a key removed or added)."""

from __future__ import annotations

import copy
import glob
import os

import pytest
import yaml

from vxha.profiles import EXAMPLES
from vxha.profiles.schemas import KINDS, _validator, known_versions, schema
from vxha.profiles.validity import compile_check

ODD_VALUES = [
    None,
    True,
    False,
    0,
    1.0,
    1.5,
    65536,
    "",
    "abc\n",
    "Upper",
    ["x"],
    [1],
    {"x": 1},
]


def _examples(kind):
    docs = []
    for path in sorted(glob.glob(os.path.join(EXAMPLES, "**", "*.yaml"), recursive=True)):
        with open(path) as f:
            data = yaml.safe_load(f)
        if isinstance(data, dict) and data.get("kind") == kind:
            docs.append(data)
    return docs


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _mutations(doc):
    for path in _paths(doc):
        if not path:
            continue
        parent_path, last = path[:-1], path[-1]
        for odd in ODD_VALUES:
            m = copy.deepcopy(doc)
            parent = m
            for p in parent_path:
                parent = parent[p]
            parent[last] = copy.deepcopy(odd)
            yield m
        m = copy.deepcopy(doc)
        parent = m
        for p in parent_path:
            parent = parent[p]
        del parent[last]
        yield m
        if isinstance(parent, dict):
            m2 = copy.deepcopy(m)
            target = m2
            for p in parent_path:
                target = target[p]
            target["no_such_key"] = 1
            yield m2


@pytest.mark.parametrize("kind", KINDS)
def test_check_agrees_with_jsonschema(kind):
    examples = _examples(kind)
    assert examples, f"no example {kind} profile"
    compared = 0
    for version in known_versions(kind):
        check = compile_check(schema(kind, version))
        assert check is not None, f"{kind} {version} uses a keyword the check does not know"
        validator = _validator(kind, version)
        for doc in examples:
            doc = dict(doc, schema=version)
            for m in [doc, *_mutations(doc)]:
                assert check(m) == validator.is_valid(m), (kind, version, m)
                compared += 1
    assert compared > 100


def test_unknown_keyword_means_no_check():
    assert compile_check({"type": "object", "propertyNames": {"pattern": "^a"}}) is None
    assert compile_check({"type": "string", "pattern": "("}) is None


def test_integer_and_boolean_as_the_draft_says():
    check = compile_check({"type": "integer", "minimum": 1})
    assert check(2) and check(2.0)
    assert not check(True) and not check(2.5) and not check(0)
    enum = compile_check({"enum": [1, "a"]})
    assert enum(1) and enum(1.0) and enum("a")
    assert not enum(True)
