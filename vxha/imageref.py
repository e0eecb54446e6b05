"""Image references as engines take them, image versions in order, and the names of a
container's environment variables: one grammar for the profiles and the agents.

In the root package and importing nothing, for the reason vxha/hostpaths.py gives. The
grammar, as a regular expression (the distribution reference grammar Docker and Podman
parse, with the tag and digest forms they accept)::

    LABEL     = [a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?
    COMPONENT = [a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*
    reference = (?:LABEL(?:\\.LABEL)*(?::[0-9]+)?/)?COMPONENT(?:/COMPONENT)*
                (?::[\\w][\\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?
    image id  = (?:sha256:)?[0-9a-f]{12,64}

It is matched with string methods, not re: the Container agent checks its Image on every
monitor, and importing re costs a monitor more than the rest of its checks.
"""

from __future__ import annotations

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_HEX = frozenset("0123456789abcdef")
_DIGITS = frozenset("0123456789")
_ENV_CHARS = _ALNUM | {"_"}
_ENV_FIRST = _ENV_CHARS - _DIGITS


def _label(text: str) -> bool:
    """LABEL: letters, digits and inner hyphens."""
    return (
        bool(text)
        and text[0] in _ALNUM
        and text[-1] in _ALNUM
        and all(c in _ALNUM or c == "-" for c in text)
    )


def dns_name(text: str) -> bool:
    """LABEL(.LABEL)*: a host name."""
    return all(_label(part) for part in text.split("."))


def env_name(text: str) -> bool:
    """[A-Za-z_][A-Za-z0-9_]*: an environment variable's name (the Container agent's Env,
    the profiles' env)."""
    return bool(text) and text[0] in _ENV_FIRST and all(c in _ENV_CHARS for c in text)


def _component(text: str) -> bool:
    """COMPONENT: runs of [a-z0-9] joined by '.', '_', '__' or any number of '-'."""
    if not text or text[0] not in _LOWER_ALNUM or text[-1] not in _LOWER_ALNUM:
        return False
    sep = ""
    for c in text:
        if c in _LOWER_ALNUM:
            if sep and sep not in (".", "_", "__") and sep != "-" * len(sep):
                return False
            sep = ""
        elif c in "._-":
            sep += c
        else:
            return False
    return True


def _host(text: str) -> bool:
    """LABEL(.LABEL)*(:[0-9]+)?: a registry host."""
    name, colon, port = text.partition(":")
    if colon and not (port and all(c in _DIGITS for c in port)):
        return False
    return dns_name(name)


def _tag(text: str) -> bool:
    r"""[\w][\w.-]{0,127}"""
    return (
        0 < len(text) <= 128
        and (text[0].isalnum() or text[0] == "_")
        and all(c.isalnum() or c in "_.-" for c in text)
    )


def _hex(text: str, least: int, most: int) -> bool:
    return least <= len(text) <= most and all(c in _HEX for c in text)


def is_reference(text: str) -> bool:
    """True for ``name[:tag][@digest]`` with an optional registry host, or an image id."""
    if _hex(text[7:] if text.startswith("sha256:") else text, 12, 64):
        return True
    name, at, digest = text.partition("@")
    if at and not (digest.startswith("sha256:") and _hex(digest[7:], 64, 64)):
        return False
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:  # a ':' after the last '/' can only start the tag
        if not _tag(name[colon + 1 :]):
            return False
        name = name[:colon]
    parts = name.split("/")
    if all(_component(p) for p in parts):
        return True
    return len(parts) > 1 and _host(parts[0]) and all(_component(p) for p in parts[1:])


def version_key(text: str) -> tuple:
    """Order image versions like 10.2 < 10.3 < 10.3.1 < 10.10; text parts sort after."""
    parts = text.replace("-", ".").replace("_", ".").split(".")
    return tuple((0, int(p), "") if p.isdecimal() else (1, 0, p) for p in parts)
