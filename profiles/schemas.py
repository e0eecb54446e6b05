"""Versioned JSON Schemas: which one applies to a profile, and errors a person can act on."""

from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Any, List, Optional, Tuple

from .loader import Doc, format_path
from .units import parse_schema_version

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
KINDS = ("image", "application", "server", "cluster")

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "null": "nothing",
}


@cache
def known_versions(kind: str) -> Tuple[str, ...]:
    """Schema versions this platform ships for ``kind``, oldest first."""
    folder = os.path.join(SCHEMA_DIR, kind)
    names = [n[:-5] for n in os.listdir(folder) if n.endswith(".json")]
    return tuple(sorted(names, key=parse_schema_version))


def newest_version(kind: str) -> str:
    return known_versions(kind)[-1]


@cache
def schema(kind: str, version: str) -> dict:
    with open(os.path.join(SCHEMA_DIR, kind, f"{version}.json")) as f:
        return json.load(f)


@cache
def _validator(kind: str, version: str):
    import jsonschema

    cls = jsonschema.validators.validator_for(schema(kind, version))
    return cls(schema(kind, version))


@cache
def _quick_check(kind: str, version: str):
    from .validity import compile_check

    return compile_check(schema(kind, version))


def _errors(kind: str, version: str, data: Any) -> list:
    """jsonschema's errors for ``data``, none without asking it when the quick check passes."""
    quick = _quick_check(kind, version)
    if quick is not None and quick(data):
        return []
    return list(_validator(kind, version).iter_errors(data))


def choose_version(kind: str, stated: str, up_to: Optional[str] = None):
    """The known schema to check a profile stating ``stated`` against.

    Returns (version, strict, reason): strict is True when ``stated`` is known exactly;
    version is None (with the reason) when the platform cannot serve the profile.
    """
    if stated.__class__ is str and (up_to is None or up_to.__class__ is str):
        # asked for every server on every system it may run on, with a handful of versions
        return _choose_version(kind, stated, up_to)
    return _choose_version.__wrapped__(kind, stated, up_to)


@cache
def _choose_version(kind: str, stated: str, up_to: Optional[str]):
    known = [v for v in known_versions(kind) if up_to is None or _le(v, up_to)]
    limit = known[-1] if known else "none"
    want = parse_schema_version(stated)
    if stated in known:
        return stated, True, ""
    same_major = [v for v in known if parse_schema_version(v)[0] == want[0]]
    if not same_major:
        if not known or want[0] > parse_schema_version(known[-1])[0]:
            return (
                None,
                False,
                f"schema {stated} is a newer major version than this platform knows "
                f"(it knows {kind} schemas up to {limit}); upgrade vxha on this system first",
            )
        return None, False, f"schema {stated} is no longer supported (known: {', '.join(known)})"
    older = [v for v in same_major if parse_schema_version(v) <= want]
    if older:
        return older[-1], False, ""
    return same_major[0], False, ""


def _le(a: str, b: str) -> bool:
    return parse_schema_version(a) <= parse_schema_version(b)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _property_schema(error, key: str) -> dict:
    props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return props.get(key, {})


_SIZE_KEYS = frozenset(("min_size", "shm_size", "memory"))


def _is_size(path: Tuple[Any, ...]) -> bool:
    """Whether a key path names a size: min_size, shm_size, a load's or system's memory,
    an image's resources.memory.min/default."""
    return bool(path) and (path[-1] in _SIZE_KEYS or (len(path) > 1 and path[-2] == "memory"))


def _translate(error, written=None) -> Tuple[Tuple[Any, ...], str, str, str]:
    """(key path, message, hint, kind) for one jsonschema error; ``written(path)``: the
    value's text as the file writes it, for hints that quote it."""
    path = tuple(error.absolute_path)
    validator = error.validator
    desc = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
    inst = error.instance
    if validator in ("anyOf", "oneOf") and error.context:
        # Report the alternative that got furthest, with the union's description as hint.
        # The alternative of the right type says what is wrong; if none is, say both.
        typed = [e for e in error.context if e.validator != "type"]
        deeper = [e for e in error.context if len(e.absolute_path) > len(error.absolute_path)]
        if not typed and deeper:
            typed = deeper  # the right type, a wrong value inside: {port: "80"}
        if not typed:
            # no alternative of this type: say which types would do
            wants = [w for e in error.context for w in _as_list(e.validator_value)]
            words = " or ".join(_TYPE_WORDS.get(w, w) for w in dict.fromkeys(wants))
            hint = desc
            if inst.__class__ is str and inst.strip().isdigit() and "integer" in wants:
                hint = f"write it without quotes: {inst.strip()}"
            message = f"expected {words}, got {_describe(inst)} ({_short(inst)})"
            return path, message, hint, "type"
        best = max(typed, key=lambda e: len(e.absolute_path))
        p, msg, hint, kind = _translate(best, written)
        return p, msg, hint or desc, kind
    if validator == "type":
        want = error.validator_value
        wants = want if isinstance(want, list) else [want]
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wants)
        hint = desc
        # shown as the file writes it: 10.10 (not 10.1), yes (not True), ~
        text = written(path) if written else None
        shown = _short(inst) if text is None else (text or "empty")
        if "string" in wants and isinstance(inst, (int, float)) and not isinstance(inst, bool):
            if _is_size(path):  # quoting a bare number only trades this error for "no unit"
                hint = (
                    f"a size needs a unit: {shown}GiB, {shown}MiB, ... "
                    "(KiB/MiB/GiB/TiB or KB/MB/GB/TB)"
                )
            else:
                hint = f'quote it: "{shown}" (YAML reads {shown} as a number)'
        elif "string" in wants and isinstance(inst, bool):
            hint = f'quote it: "{shown}" (YAML reads yes/no/on/off as true/false)'
        elif inst is None:
            hint = "give it a value, or remove the key (an empty value and ~ are nothing)"
        elif isinstance(inst, str) and ("number" in wants or "integer" in wants):
            hint = _number_as_text(inst) or hint
        return path, f"expected {words}, got {_describe(inst)} ({shown})", hint, "type"
    if validator == "required":
        missing = [k for k in error.validator_value if isinstance(inst, dict) and k not in inst]
        key = missing[0] if missing else str(error.validator_value)
        hint = _property_schema(error, key).get("description", "")
        return (
            path,
            f"missing required key {key!r}",
            f"add {key}: ({hint})" if hint else "",
            "required",
        )
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in inst if k not in allowed] if isinstance(inst, dict) else []
        key = extras[0] if extras else "?"
        close = _close_matches(str(key), allowed)
        hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(allowed)
        return path + (key,), f"unknown key {key!r}", hint, "unknown"
    if validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        close = (
            _close_matches(inst, list(map(str, error.validator_value)))
            if inst.__class__ is str
            else []
        )
        hint = f"did you mean {close[0]!r}?" if close else desc
        return path, f"{_short(inst)} is not one of: {options}", hint, "enum"
    if validator == "const":
        return path, f"{_short(inst)} must be {error.validator_value!r}", desc, "enum"
    if validator == "pattern":
        return path, f"{_short(inst)} is not of the required form", desc, "pattern"
    if validator in ("minimum", "exclusiveMinimum"):
        bound = error.validator_value
        word = "at least" if validator == "minimum" else "greater than"
        return path, f"{_short(inst)} is too small: must be {word} {bound}", desc, "range"
    if validator in ("maximum", "exclusiveMaximum"):
        bound = error.validator_value
        word = "at most" if validator == "maximum" else "less than"
        return path, f"{_short(inst)} is too large: must be {word} {bound}", desc, "range"
    if validator == "minItems":
        return path, f"needs at least {error.validator_value} item(s)", desc, "range"
    return path, error.message, desc, "other"


_NUMBER_TEXT = re.compile(r"[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?")


def _number_as_text(text: str) -> str:
    """How to write a number YAML read as text ('2e0', a quoted '1'), or ''."""
    plain = text.strip()
    if not _NUMBER_TEXT.fullmatch(plain):
        return ""
    if "." not in plain and "e" in plain.lower():
        n = float(plain)
        return f"YAML 1.1 reads {plain} as text: write {int(n) if n.is_integer() else n!r}"
    return f"write it without quotes: {plain}"


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _close_matches(key: str, allowed: List[str]) -> List[str]:
    # difflib only for a profile with an unknown key: most runs never import it
    import difflib

    return difflib.get_close_matches(key, allowed, n=1)


def check_schema(doc: Doc, kind: str, up_to: Optional[str] = None) -> bool:
    """Validate ``doc`` against its stated schema version; report problems into ``doc``.

    Unknown keys are errors when the stated version is known exactly, warnings (and removed)
    when the profile is written for a newer minor version. Returns False when the profile
    cannot be used at all.
    """
    doc.kind = kind
    data = doc.data
    if not isinstance(data, dict):
        doc.report(
            (),
            f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} profile must be a mapping, "
            f"got {_describe(data)}",
            f"start the file with 'schema: {newest_version(kind)}' and one key per line",
        )
        return False
    stated = data.get("schema")
    if stated is None:
        doc.report(
            (),
            "missing required key 'schema'",
            f"state the schema version first: schema: {newest_version(kind)}",
        )
        return False
    try:
        parse_schema_version(stated)
    except ValueError as exc:
        hint = "write it as a quoted string, e.g. schema: 1.0.0"
        doc.report(("schema",), str(exc), hint)
        return False
    version, strict, reason = choose_version(kind, stated, up_to)
    doc.schema_version = stated
    if version is None:
        doc.report(("schema",), reason, "upgrade vxha, or write the profile for an older schema")
        return False
    doc.known_version = version
    ok = True
    errors = sorted(_errors(kind, version, data), key=lambda e: list(map(str, e.absolute_path)))
    # a value the reader refused already (0755) has its one error
    refused = {p.key_path for p in doc.problems if p.key_path} if errors else ()
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for key in [k for k in error.instance if k not in allowed]:
                keypath = tuple(error.absolute_path) + (key,)
                if strict:
                    newer = _version_knowing(kind, version, up_to, keypath)
                    close = _close_matches(str(key), sorted(allowed))
                    hint = (
                        f"{key!r} came with schema {newer}: state schema: {newer} or newer"
                        if newer
                        else f"did you mean {close[0]!r}?"
                        if close
                        else "known keys here: " + ", ".join(sorted(allowed))
                    )
                    doc.report(keypath, f"unknown key {key!r} (schema {version})", hint)
                    ok = False
                else:
                    doc.unknown_attributes.append(format_path(keypath))
                    doc.report(
                        keypath,
                        f"key {key!r} is not known to schema {version} (the profile says "
                        f"{stated}); it is ignored: reduced quality of service",
                        "upgrade vxha to a version knowing schema " + stated,
                        severity="warning",
                    )
                    del error.instance[key]
            continue
        path, message, hint, _ = _translate(error, doc.written)
        if format_path(path) not in refused:
            doc.report(path, message, hint)
        ok = False
    return ok


def _version_knowing(kind: str, version: str, up_to: Optional[str], keypath) -> Optional[str]:
    """The oldest schema newer than ``version`` (and known to a platform of ``up_to``) that
    has a property at ``keypath``: a key added later is told its version, not a spelling."""
    for newer in known_versions(kind):
        if not _le(newer, version) and (up_to is None or _le(newer, up_to)):
            node: Any = schema(kind, newer)
            for part in keypath:
                if not isinstance(node, dict):
                    break
                if "anyOf" in node:  # a port: an integer or a mapping
                    node = next((a for a in node["anyOf"] if "properties" in a), node)
                node = (
                    node.get("items")
                    if isinstance(part, int)
                    else node.get("properties", {}).get(part)
                )
            else:
                if node is not None:
                    return newer
    return None


def unknown_to(doc_data: Any, kind: str, version: str) -> List[str]:
    """Key paths of ``doc_data`` that schema ``kind``/``version`` does not know."""
    out: List[str] = []
    for error in _errors(kind, version, doc_data):
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            out.extend(
                format_path(tuple(error.absolute_path) + (k,))
                for k in error.instance
                if k not in allowed
            )
    return sorted(set(out))


def kind_of(data: Any, path: str) -> Optional[str]:
    """Guess a profile's kind: its ``kind`` key, else its shape."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if isinstance(kind, str) and kind in KINDS:
        return kind
    if "application" in data and "image_version" in data:
        return "server"
    if "systems" in data and "image" not in data:
        return "cluster"
    if "image" in data and ("inputs" in data or "override" in data or "remove" in data):
        return "application"
    if "type" in data and "id" in data:
        return "image"
    base = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if base == "applications":
        return "application"
    return None
