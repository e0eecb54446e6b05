"""``loads`` and ``dumps`` as the json package has them, for drivers on monitor's path.

json.decoder compiles regular expressions at import: importing json costs a monitor re,
and with it enum, functools and collections (about a quarter of a monitor's own time).
The C scanner json itself parses with needs none of them, so ``loads`` calls it
directly; anything it cannot take as it is (a byte-order mark, UTF-16, a syntax error),
and an interpreter without the C accelerator, goes to json.loads, so the values and the
errors are json's own. ``dumps`` imports json when called: monitors send no JSON.
"""

from __future__ import annotations

_WHITESPACE = " \t\n\r"  # JSON's (RFC 8259, section 2)


class _Options:
    """What json.JSONDecoder() hands its C scanner by default."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name):
        return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


def _make_scanner():
    try:
        from _json import make_scanner
    except ImportError:
        return None
    return make_scanner(_Options)


_scan = _make_scanner()


def loads(data):
    """json.loads(data) for str or UTF-8 bytes."""
    text = data
    if isinstance(text, (bytes, bytearray)):
        if text[:3] != b"\xef\xbb\xbf" and b"\0" not in text[:4]:
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                pass
    if _scan is not None and isinstance(text, str):
        start = len(text) - len(text.lstrip(_WHITESPACE))
        try:
            value, end = _scan(text, start)
        except StopIteration:
            pass
        else:
            if end == len(text) or not text[end:].strip(_WHITESPACE):
                return value
    import json

    return json.loads(data)


def dumps(value, **kw) -> str:
    import json

    return json.dumps(value, **kw)
