"""A yes/no validity check compiled once per JSON Schema: the fast path in front of jsonschema.

jsonschema walks the schema for every profile and builds its error objects as it goes, which
made it the largest cost of loading thousands of server profiles. Most profiles are valid,
so a check that only answers "valid" runs first; jsonschema runs only when it says no and
then gives the errors exactly as before. The check knows the keywords the profile schemas
use, as draft 2020-12 defines them; ``compile_check`` returns None for a schema using any
other keyword, and then jsonschema checks every profile.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

Check = Callable[[Any], bool]

# Keywords that never make an instance invalid.
_ANNOTATIONS = frozenset(("$schema", "$id", "$comment", "title", "description", "default"))


class _Unsupported(Exception):
    pass


def _is_number(v: Any) -> bool:
    # Where a keyword applies: isinstance, as jsonschema tests it (the type checks are
    # exact instead, so that anything unusual goes to jsonschema).
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _type_check(name: str) -> Check:
    # The draft's types: integer takes a float with no fraction; booleans are no numbers.
    if name == "string":
        return lambda v: type(v) is str
    if name == "object":
        return lambda v: type(v) is dict
    if name == "array":
        return lambda v: type(v) is list
    if name == "boolean":
        return lambda v: type(v) is bool
    if name == "null":
        return lambda v: v is None
    if name == "number":
        return lambda v: type(v) is int or type(v) is float
    if name == "integer":
        return lambda v: type(v) is int or (type(v) is float and v.is_integer())
    raise _Unsupported(name)


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict):
        raise _Unsupported(repr(schema))
    fused = _fused(schema)
    if fused is not None:
        return fused
    checks = []
    for key, arg in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "type":
            names = arg if isinstance(arg, list) else [arg]
            alternatives = [_type_check(n) for n in names]
            if len(alternatives) == 1:
                checks.append(alternatives[0])
            else:
                checks.append(lambda v, alts=tuple(alternatives): any(a(v) for a in alts))
        elif key == "enum":
            options = list(arg)
            strings = frozenset(o for o in options if type(o) is str)
            checks.append(
                lambda v, options=options, strings=strings: (
                    (type(v) is str and v in strings) or any(_equal(v, o) for o in options)
                )
            )
        elif key == "const":
            checks.append(lambda v, c=arg: _equal(v, c))
        elif key == "pattern":
            search = re.compile(arg).search
            checks.append(lambda v, search=search: not isinstance(v, str) or search(v) is not None)
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            checks.append(_bound(key, arg))
        elif key in ("minItems", "maxItems", "minLength", "maxLength"):
            checks.append(_size(key, arg))
        elif key == "items":
            item = _compile(arg)
            checks.append(_items(item))
        elif key == "required":
            names = tuple(arg)
            checks.append(
                lambda v, names=names: not isinstance(v, dict) or all(n in v for n in names)
            )
        elif key == "properties":
            continue  # with additionalProperties below
        elif key == "additionalProperties":
            continue
        elif key == "anyOf":
            alternatives = tuple(_compile(s) for s in arg)
            checks.append(lambda v, alts=alternatives: any(a(v) for a in alts))
        else:
            raise _Unsupported(key)
    if "properties" in schema or "additionalProperties" in schema:
        checks.append(_object(schema.get("properties", {}), schema.get("additionalProperties")))
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    checks = tuple(checks)

    def check(v: Any) -> bool:
        for c in checks:
            if not c(v):
                return False
        return True

    return check


def _fused(schema: dict) -> Optional[Check]:
    """One function for the shapes most values have (a string of a pattern, a list of
    items, a mapping of known keys), instead of a call a keyword; None for the others."""
    kind = schema.get("type")
    keys = schema.keys() - _ANNOTATIONS
    if kind == "string" and keys == {"type", "pattern"}:
        search = re.compile(schema["pattern"]).search
        return lambda v: type(v) is str and search(v) is not None
    if kind == "array" and keys == {"type", "items"}:
        item = _compile(schema["items"])

        def array(v: Any) -> bool:
            if type(v) is not list:
                return False
            for x in v:
                if not item(x):
                    return False
            return True

        return array
    if kind == "object" and keys <= {"type", "properties", "additionalProperties", "required"}:
        required = tuple(schema.get("required", ()))
        props = {name: _compile(s) for name, s in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties")
        extra = None if additional is None or additional is True else _compile(additional)

        def mapping(v: Any) -> bool:
            if type(v) is not dict:
                return False
            for name in required:
                if name not in v:
                    return False
            return _members_fit(v, props, extra)

        return mapping
    return None


def _items(item: Check) -> Check:
    def check(v: Any) -> bool:
        if isinstance(v, list):
            for x in v:
                if not item(x):
                    return False
        return True

    return check


def _bound(key: str, limit: Any) -> Check:
    if not _is_number(limit):
        raise _Unsupported(key)
    if key == "minimum":
        return lambda v: not _is_number(v) or v >= limit
    if key == "maximum":
        return lambda v: not _is_number(v) or v <= limit
    if key == "exclusiveMinimum":
        return lambda v: not _is_number(v) or v > limit
    return lambda v: not _is_number(v) or v < limit


def _size(key: str, limit: Any) -> Check:
    kind = list if key.endswith("Items") else str
    if key.startswith("min"):
        return lambda v: not isinstance(v, kind) or len(v) >= limit
    return lambda v: not isinstance(v, kind) or len(v) <= limit


def _object(properties: dict, additional: Any) -> Check:
    props = {name: _compile(s) for name, s in properties.items()}
    if additional is None or additional is True:
        extra = None
    else:
        extra = _compile(additional)

    def check(v: Any) -> bool:
        return not isinstance(v, dict) or _members_fit(v, props, extra)

    return check


def _members_fit(v: dict, props: dict, extra: Optional[Check]) -> bool:
    """Each member fits its property's check, or ``extra`` where it names no property."""
    for name, value in v.items():
        c = props.get(name)
        if c is None:
            if extra is not None and not extra(value):
                return False
        elif not c(value):
            return False
    return True


def compile_check(schema: dict) -> Optional[Check]:
    """A function telling whether an instance is valid, or None when ``schema`` uses a
    keyword this module does not know (then only jsonschema can tell)."""
    try:
        return _compile(schema)
    except (_Unsupported, re.error):
        return None
