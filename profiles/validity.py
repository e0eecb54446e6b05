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
    # Where a keyword applies: isinstance, as jsonschema tests it (the type tests are
    # exact instead, so that anything unusual goes to jsonschema).
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def compile_check(schema: dict) -> Optional[Check]:
    """A function telling whether an instance is valid, or None when ``schema`` uses a
    keyword this module does not know (then only jsonschema can tell)."""
    try:
        return _Source().check(schema)
    except (_Unsupported, re.error, RecursionError):
        return None


_TYPE_TESTS = {
    "string": "type({v}) is str",
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "number": "type({v}) is int or type({v}) is float",
    "integer": "type({v}) is int or (type({v}) is float and {v}.is_integer())",
}
_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
_SIZES = {"minItems": ("list", ">="), "maxItems": ("list", "<="),
          "minLength": ("str", ">="), "maxLength": ("str", "<=")}  # fmt: skip
_ABSENT = object()


class _Source:
    """The check as one Python function, written from the schema: the keywords' tests
    inline, properties looked up by name. A check made of closures cost a call or more
    for every value of a profile; here only ``anyOf`` alternatives are calls."""

    def __init__(self):
        self.names: dict = {"_equal": _equal, "_ABSENT": _ABSENT}
        self.functions: list = []
        self.count = 0

    def constant(self, value) -> str:
        self.count += 1
        name = f"_c{self.count}"
        self.names[name] = value
        return name

    def variable(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def check(self, schema) -> Check:
        entry = self.function(schema)
        exec("\n".join(self.functions), self.names)  # noqa: S102 - our own source, from the schema
        return self.names[entry]

    def function(self, schema) -> str:
        self.count += 1
        name = f"_check{self.count}"
        body: list = []
        self.emit(schema, "v", 1, body)
        self.functions.append("\n".join([f"def {name}(v):"] + body + ["    return True"]))
        return name

    def emit(self, schema, v: str, depth: int, out: list) -> None:
        """Lines that return False when ``v`` breaks ``schema``."""
        pad = "    " * depth
        if schema is True:
            return
        if schema is False:
            out.append(f"{pad}return False")
            return
        if not isinstance(schema, dict):
            raise _Unsupported(repr(schema))
        for key, arg in schema.items():
            if key in _ANNOTATIONS or key in ("properties", "additionalProperties"):
                continue
            if key == "type":
                names = arg if isinstance(arg, list) else [arg]
                tests = []
                for n in names:
                    if n not in _TYPE_TESTS:
                        raise _Unsupported(n)
                    tests.append("(" + _TYPE_TESTS[n].format(v=v) + ")")
                out.append(f"{pad}if not ({' or '.join(tests)}): return False")
            elif key == "enum":
                options = list(arg)
                strings = self.constant(frozenset(o for o in options if type(o) is str))
                every = self.constant(options)
                out.append(
                    f"{pad}if not ((type({v}) is str and {v} in {strings}) or "
                    f"any(_equal({v}, o) for o in {every})): return False"
                )
            elif key == "const":
                out.append(f"{pad}if not _equal({v}, {self.constant(arg)}): return False")
            elif key == "pattern":
                search = self.constant(re.compile(arg).search)
                out.append(f"{pad}if isinstance({v}, str) and {search}({v}) is None: return False")
            elif key in _BOUNDS:
                if not _is_number(arg):
                    raise _Unsupported(key)
                out.append(
                    f"{pad}if isinstance({v}, (int, float)) and not isinstance({v}, bool) "
                    f"and not ({v} {_BOUNDS[key]} {self.constant(arg)}): return False"
                )
            elif key in _SIZES:
                kind, op = _SIZES[key]
                out.append(
                    f"{pad}if isinstance({v}, {kind}) and not (len({v}) {op} "
                    f"{self.constant(arg)}): return False"
                )
            elif key == "items":
                item = self.variable()
                inner: list = []
                self.emit(arg, item, depth + 2, inner)
                if inner:
                    out.append(f"{pad}if isinstance({v}, list):")
                    out.append(f"{pad}    for {item} in {v}:")
                    out.extend(inner)
            elif key == "required":
                names = self.constant(tuple(arg))
                out.append(
                    f"{pad}if isinstance({v}, dict) and not all(n in {v} for n in {names}): "
                    "return False"
                )
            elif key == "anyOf":
                alternatives = [self.function(alt) for alt in arg]
                calls = " or ".join(f"{a}({v})" for a in alternatives)
                out.append(f"{pad}if not ({calls}): return False")
            else:
                raise _Unsupported(key)
        if "properties" in schema or "additionalProperties" in schema:
            self.emit_object(schema, v, depth, out)

    def emit_object(self, schema, v: str, depth: int, out: list) -> None:
        pad = "    " * depth
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        lines: list = []
        if additional is not None and additional is not True:
            key, value = self.variable(), self.variable()
            inner: list = []
            self.emit(additional, value, depth + 3, inner)
            if inner:
                known = self.constant(frozenset(properties))
                lines.append(f"{pad}    for {key}, {value} in {v}.items():")
                lines.append(f"{pad}        if {key} not in {known}:")
                lines.extend(inner)
        for name, sub in properties.items():
            value = self.variable()
            inner = []
            self.emit(sub, value, depth + 2, inner)
            if inner:
                lines.append(f"{pad}    {value} = {v}.get({self.constant(name)}, _ABSENT)")
                lines.append(f"{pad}    if {value} is not _ABSENT:")
                lines.extend(inner)
        if lines:
            out.append(f"{pad}if isinstance({v}, dict):")
            out.extend(lines)
