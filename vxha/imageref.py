"""Image references as engines take them, and image versions in order: one grammar for the
profiles and the agents.

In the root package and importing nothing, for the reason vxha/hostpaths.py gives.
"""

from __future__ import annotations

import re

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL_DNS = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
# [registry-host[:port]/]path[:tag][@sha256:digest], e.g. registry.local:5000/pg:15
REFERENCE = re.compile(
    rf"(?:{_LABEL_DNS}(?:\.{_LABEL_DNS})*(?::[0-9]+)?/)?"
    rf"{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{12,64}")
LABEL_DNS = _LABEL_DNS


def is_reference(text: str) -> bool:
    """True for ``name[:tag][@digest]`` with an optional registry host, or an image id."""
    return bool(REFERENCE.fullmatch(text) or IMAGE_ID.fullmatch(text))


def version_key(text: str) -> tuple:
    """Order image versions like 10.2 < 10.3 < 10.3.1 < 10.10; text parts sort after."""
    parts = re.split(r"[.\-_]", text)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
