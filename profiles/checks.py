"""Semantic checks the schemas cannot express: addresses, names, paths, input values."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from typing import Any, List, Optional, Tuple

from vxha import hostpaths

from .units import SIZE_HINT, parse_size

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
VCS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
# A system name is a host name (schema 1.3.0 on; profiles/schema_source.py SYSTEM_NAME).
SYSTEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# One list with the agents, prefix-aware (vxha/hostpaths.py says why it lives there).
SYSTEM_PATHS = hostpaths.SYSTEM_PATHS
CONTAINER_SYSTEM_PATHS = hostpaths.CONTAINER_SYSTEM_PATHS


def hostname_problem(name: Any) -> Optional[str]:
    """Why ``name`` is not an RFC 1123 hostname, or None."""
    if not isinstance(name, str) or not name:
        return "a hostname must be a non-empty string"
    if len(name) > 253:
        return f"hostname is {len(name)} characters; at most 253 are allowed"
    for label in name.rstrip(".").split("."):
        if not label:
            return f"hostname {name!r} has an empty label (two dots in a row)"
        if len(label) > 63:
            return f"label {label!r} is longer than 63 characters"
        if not _LABEL.match(label):
            return (
                f"label {label!r} of {name!r} is not RFC 1123: use letters, digits and '-', "
                "not starting or ending with '-'"
            )
    if label.isdigit() and "." in name.rstrip("."):  # label: the last one
        # RFC 1123 2.1: a host name never has the dotted-decimal form, its top label is
        # alphabetic
        return (
            f"last label {label!r} of {name!r} is a number: a host name's top label is "
            "alphabetic (RFC 1123), so it cannot be read as an address"
        )
    return None


def address_problem(text: Any) -> Tuple[Optional[str], Optional[ipaddress._BaseAddress], int]:
    """(why unusable or None, address, prefix length) for ``10.200.0.11/24``."""
    if not isinstance(text, str):
        return "an address must be a string like 10.200.0.11/24", None, 0
    if "/" not in text:
        return f"{text!r} has no prefix length: write it as {text}/24", None, 0
    usable = _usable_ipv4(text)
    if usable is not None:
        return None, ipaddress.IPv4Address(usable[0]), usable[1]
    return ipaddress_problem(text)


def ipaddress_problem(text: str) -> Tuple[Optional[str], Optional[ipaddress._BaseAddress], int]:
    """``address_problem`` of a text with a prefix, as ipaddress reads and judges it."""
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError as exc:
        return f"{text!r} is not a valid IP address with prefix: {exc}", None, 0
    ip, net = iface.ip, iface.network
    if ip.is_unspecified:
        return f"{ip} is the unspecified address", ip, net.prefixlen
    if ip.is_loopback:
        return f"{ip} is a loopback address", ip, net.prefixlen
    if ip.is_multicast:
        return f"{ip} is a multicast address", ip, net.prefixlen
    if ip.is_link_local:
        return f"{ip} is a link-local address", ip, net.prefixlen
    if not net.prefixlen:  # the HostIP agent refuses it at online (PrefixLen 1-32 or 1-128)
        return (
            f"{text!r} has prefix length 0, which would claim every address for this network: "
            f"write the network's own, e.g. {ip}/{24 if ip.version == 4 else 64}",
            ip,
            0,
        )
    if ip.version == 4 and net.prefixlen < 31:
        if ip == net.network_address:
            return f"{ip} is the network address of {net}", ip, net.prefixlen
        if ip == net.broadcast_address:
            return f"{ip} is the broadcast address of {net}", ip, net.prefixlen
    return None, ip, net.prefixlen


def _usable_ipv4(text: str) -> Optional[Tuple[int, int]]:
    """(address, prefix length) of a usable host address written ``a.b.c.d/n`` in decimal
    without leading zeros; None for anything else, which ipaddress then reads and judges.

    Every server profile has an address: parsing it with ipaddress was a fifth of resolving
    a server. The rules are ipaddress's (``is_unspecified``, ``is_loopback``,
    ``is_multicast``, ``is_link_local``, network and broadcast below /31).
    """
    address, _, prefix = text.partition("/")
    if not (0 < len(prefix) < 3 and prefix.isdigit() and prefix.isascii()):
        return None
    length = int(prefix)
    value = 0
    octets = address.split(".")
    if len(octets) != 4 or length > 32 or not length:
        return None
    for octet in octets:
        if not (octet.isdigit() and octet.isascii()) or len(octet) > 3 or octet[0] == "0" != octet:
            return None
        value = value << 8 | int(octet)
        if value & 0xFF != int(octet):
            return None  # above 255
    top = value >> 24
    if value == 0 or top == 127 or top >> 4 == 14 or value >> 16 == 0xA9FE:
        return None
    if length < 31:
        host = (1 << (32 - length)) - 1
        if value & host in (0, host):
            return None
    return value, length


_NIC = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")


def nic_problem(name: Any) -> Optional[str]:
    """Why ``name`` cannot be a Linux network interface name, or None."""
    if not isinstance(name, str) or not _NIC.match(name) or name in (".", ".."):
        return f"{name!r} is not a network interface name (at most 15 characters, no / or spaces)"
    return None


def email_problem(text: Any) -> Optional[str]:
    if not isinstance(text, str) or not _EMAIL.match(text):
        return f"{text!r} is not an e-mail address"
    return None


def path_problem(path: Any, system_paths=SYSTEM_PATHS) -> Optional[str]:
    """Why ``path`` is not an acceptable mount point, or None."""
    if not isinstance(path, str) or not path:
        return "a mount point must be a non-empty string"
    if not path.startswith("/"):
        return f"{path!r} is not absolute: start it with /"
    parts = path.split("/")
    if ".." in parts:
        return f"{path!r} contains '..'"
    # Without an empty or "." part after the leading slash a path is its own normal form;
    # posixpath.normpath (Python code before 3.12) only for the others, and for the hint.
    if "" in parts[1:] or "." in parts:
        norm = posixpath.normpath(path)
        if norm.startswith("//"):
            norm = "/" + norm.lstrip("/")
        if norm != path:
            return f"{path!r} is not normalized: write {norm!r}"
    hit = system_paths.match(path)
    if hit is not None:
        return f"{path!r} is a system path" + (f" (under {hit})" if hit != path else "")
    return None


def nested(a: str, b: str) -> bool:
    """True when one of two normalized absolute paths contains the other."""
    if a == b:
        return True
    return a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def overlap_problems(paths: List[Tuple[Any, str]]) -> List[Tuple[Any, str]]:
    """(where, message) for duplicate or nested paths among (where, path) pairs."""
    out = []
    for i, (where_a, a) in enumerate(paths):
        for _where_b, b in paths[:i]:
            if a == b:
                out.append((where_a, f"{a!r} is used twice"))
            elif nested(a, b):
                out.append((where_a, f"{a!r} and {b!r} are nested in each other"))
    return out


def input_value(
    kind: str, value: Any, choices: Optional[List[str]] = None
) -> Tuple[Optional[str], str]:
    """(reason it is wrong or None, the value as the environment variable's text)."""
    if kind == "boolean":
        if isinstance(value, bool):
            return None, "true" if value else "false"
        text = str(value).strip().lower()
        if text in ("true", "yes", "y", "1", "on"):
            return None, "true"
        if text in ("false", "no", "n", "0", "off"):
            return None, "false"
        return f"{value!r} is not a yes/no value", ""
    if isinstance(value, bool):
        return f"expected {kind}, got a boolean", ""
    text = str(value).strip() if isinstance(value, (int, float)) else value
    if not isinstance(text, str):
        return f"expected {kind}, got {type(value).__name__}", ""
    if kind == "integer":
        if isinstance(value, float) and not value.is_integer():
            return f"{value!r} is not an integer", ""
        try:
            return None, str(int(float(text)) if isinstance(value, float) else int(text, 10))
        except ValueError:
            return f"{value!r} is not an integer", ""
    if kind == "number":
        try:
            float(text)
        except ValueError:
            return f"{value!r} is not a number", ""
        return None, text
    if kind == "hostname":
        why = hostname_problem(text)
        return (why, "") if why else (None, text)
    if kind == "ip":
        try:
            return None, str(ipaddress.ip_address(text))
        except ValueError:
            return f"{text!r} is not an IP address", ""
    if kind == "email":
        why = email_problem(text)
        return (why, "") if why else (None, text)
    if kind == "size":
        try:
            parse_size(text)
        except ValueError as exc:
            return f"{exc} ({SIZE_HINT})", ""
        return None, text
    if kind == "choice":
        options = choices or []
        if text not in options:
            return f"{text!r} is not one of: {', '.join(options)}", ""
        return None, text
    if kind == "string":
        if not text:
            return "an empty value is not allowed", ""
        return None, text
    return f"unknown input type {kind!r}", ""
