"""Sizes with units (``500GiB``, ``2TB``) and version strings, parsed strictly."""

from __future__ import annotations

import re
from typing import Tuple

# Image versions in order: one rule with the agents (hotfixes apply in that order).
from vxha.imageref import version_key  # noqa: F401
from vxha.memo import Memo

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
_FACTORS = {
    "": 1,
    "B": 1,
    "K": 1024,
    "KB": 1000,
    "KIB": 1024,
    "M": 1024**2,
    "MB": 1000**2,
    "MIB": 1024**2,
    "G": 1024**3,
    "GB": 1000**3,
    "GIB": 1024**3,
    "T": 1024**4,
    "TB": 1000**4,
    "TIB": 1024**4,
    "P": 1024**5,
    "PB": 1000**5,
    "PIB": 1024**5,
}
SIZE_HINT = "write a number with a unit, e.g. 500GiB, 2TB, 512MiB (KiB/MiB/GiB/TiB or KB/MB/GB/TB)"

_SCHEMA_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def parse_size(text: object) -> int:
    """Bytes in ``text``; raises ValueError with a reason when it is not a size."""
    if text.__class__ is str:
        return _BYTES[text]  # a few sizes recur in every profile of a set
    return _parse_size(text)


def _parse_size(text: object) -> int:
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"expected a size such as 500GiB, got {text!r}")
    if isinstance(text, int):
        raise ValueError(f"size {text} has no unit")
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a size")
    number, unit = m.groups()
    if not unit:
        raise ValueError(f"size {text!r} has no unit")
    factor = _FACTORS.get(unit.upper())
    if factor is None:
        raise ValueError(f"unknown size unit {unit!r} in {text!r}")
    value = int(float(number) * factor)
    if value <= 0:  # 0.1B too: a size is whole bytes
        raise ValueError(f"size {text!r} must be greater than zero")
    return value


_BYTES = Memo(_parse_size, limit=1024)


def size_mib(text: object) -> int:
    """Size in MiB, rounded up (main.cf's Mem is in MB)."""
    n = parse_size(text)
    return -(-n // (1024 * 1024))


def parse_schema_version(text: object) -> Tuple[int, int, int]:
    """``1.0.0`` -> (1, 0, 0); raises ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"schema version must be a string like 1.0.0, got {text!r}")
    m = _SCHEMA_VERSION.match(text.strip())
    if not m:
        raise ValueError(f"schema version {text!r} is not of the form MAJOR.MINOR.PATCH")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)))
