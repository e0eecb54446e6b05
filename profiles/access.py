"""A server's container options and node access (DECISIONS.md 4 "Node access").

Image and application profiles may only ask for what gives a container part of the node
(privilege, added capabilities, devices, the host's network, host paths); the server
profile, the administrator's, grants it under ``node_access``. What is asked and not
granted is an error naming what to add; what is granted the generator carries to the
Container resource, whose agent refuses anything else.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Dict, Tuple

from .loader import Doc
from .units import SIZE_HINT, parse_size

_NETWORK = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")
_CAP = re.compile(r"^[A-Z][A-Z0-9_]*$")
_LIMIT = re.compile(r"^-?\d+(?::-?\d+)?$")
_TMPFS_OPTS = re.compile(r"^[A-Za-z0-9=,._-]*$")
_MAPS = ("ulimits", "tmpfs", "host_paths")


def capability(name: str) -> str:
    cap = str(name).strip().upper()
    return cap[4:] if cap.startswith("CAP_") else cap


def _abs_normal(path: Any) -> bool:
    return (
        isinstance(path, str)
        and path.startswith("/")
        and not path.startswith("//")
        and posixpath.normpath(path) == path
    )


def _under(path: str, grants) -> bool:
    return any(path == g or path.startswith(g.rstrip("/") + "/") for g in grants)


def resolve_access(
    doc: Doc, data: dict, eff: dict, app: str
) -> Tuple[Dict[str, Any], Dict[str, Any], bool]:
    """(container options, node access granted, privileged) of one server; problems
    go to ``doc``."""
    access = dict(data.get("node_access", {}))
    if access:
        _check_grants(doc, access)
    legacy = data.get("privileged")  # schema 1.0: the server profile's own flag, a grant too
    granted = bool(access.get("privileged")) or legacy is True
    if access.get("privileged") and legacy is False:
        doc.report(
            ("privileged",),
            "privileged: false contradicts node_access: {privileged: true}",
            "keep one of them",
        )
    if eff.get("privileged") and not granted:
        if legacy is False:
            doc.report(
                ("privileged",),
                f"application {app!r} is privileged; a server of it cannot be unprivileged",
                "remove privileged: false",
            )
        else:
            doc.report(
                ("node_access",) if "node_access" in data else (),
                f"application {app!r} asks to run privileged; only the server profile grants it",
                "add node_access: {privileged: true} (schema 1.2.0) if this container may "
                "have the whole node",
            )
    access["privileged"] = granted

    options = dict(eff.get("container", {}))
    for key, value in data.get("container", {}).items():
        options[key] = dict(options.get(key, {}), **value) if key in _MAPS else value
    # Most servers ask for no container option: then there is nothing to check (each
    # check below looks only at the options asked for).
    if options:
        where = ("container",) if "container" in data else ()
        _check_options(doc, options, where)
        _check_asks(doc, data, options, access, app)
    return options, access, granted


def _check_grants(doc: Doc, access: dict) -> None:
    for i, cap in enumerate(access.get("capabilities", [])):
        if not _CAP.match(capability(cap)):
            doc.report(("node_access", "capabilities", i), f"{cap!r} is not a capability",
                       "e.g. NET_ADMIN")  # fmt: skip
    for i, dev in enumerate(access.get("devices", [])):
        if not (_abs_normal(dev) and dev.startswith("/dev/")):
            doc.report(("node_access", "devices", i), f"{dev!r} is not a device under /dev",
                       "e.g. /dev/sg0")  # fmt: skip
    for i, path in enumerate(access.get("host_paths", [])):
        if not _abs_normal(path):
            doc.report(
                ("node_access", "host_paths", i),
                f"{path!r} is not an absolute, normalized path",
                "e.g. /var/log/nbu",
            )


def _check_options(doc: Doc, o: dict, where: tuple) -> None:
    def bad(key, msg, hint):
        doc.report(where + (key,), msg, hint)

    net = o.get("network")
    if net is not None and not _NETWORK.match(net):
        bad("network", f"{net!r} is not none, host or a network name", "e.g. network: none")
    user = o.get("user")
    if user is not None and not _USER.match(user):
        bad("user", f"{user!r} is not user[:group]", "names or ids, e.g. user: 1000:1000")
    for key in ("cap_add", "cap_drop"):
        for cap in o.get(key, []):
            if not _CAP.match(capability(cap)):
                bad(key, f"{cap!r} is not a capability", "e.g. NET_ADMIN, or ALL to drop")
    for dev in o.get("devices", []):
        parts = str(dev).split(":")
        if len(parts) > 3 or not (_abs_normal(parts[0]) and parts[0].startswith("/dev/")):
            bad("devices", f"{dev!r} is not host[:container[:rwm]] with a device under /dev",
                "e.g. /dev/sg0 or /dev/sg0:/dev/tape0:rw")  # fmt: skip
        elif len(parts) == 3 and (not parts[2] or set(parts[2]) - set("rwm")):
            bad("devices", f"{dev!r}: permissions must be letters of rwm", "e.g. rw")
    for name, value in o.get("ulimits", {}).items():
        if not _LIMIT.match(str(value)):
            bad("ulimits", f"{name}: {value!r} is not soft[:hard]", "e.g. nofile: 1024:2048")
    size = o.get("shm_size")
    if size is not None:
        try:
            parse_size(size)
        except ValueError as exc:
            bad("shm_size", str(exc), SIZE_HINT)
    for path, opts in o.get("tmpfs", {}).items():
        if not _abs_normal(path) or path == "/":
            bad("tmpfs", f"{path!r} is not an absolute, normalized path below /", "e.g. /run")
        elif not _TMPFS_OPTS.match(opts):
            bad("tmpfs", f"{path}: {opts!r} are not mount options", "e.g. size=64m")
    for host, target in o.get("host_paths", {}).items():
        path = target[:-3] if target.endswith((":ro", ":rw")) else target
        if not _abs_normal(host) or not _abs_normal(path) or path == "/":
            bad("host_paths", f"{host!r} -> {target!r}: both must be absolute, normalized "
                "paths (the container's not /)", "e.g. /var/log/nbu: /logs:ro")  # fmt: skip


def _check_asks(doc: Doc, data: dict, o: dict, access: dict, app: str) -> None:
    """Every ask that gives part of the node needs its grant."""
    at = ("node_access",) if "node_access" in data else ()

    def need(what: str, grant: str) -> None:
        doc.report(
            at,
            f"the container asks for {what}; only the server profile grants it",
            f"add node_access: {{{grant}}} if application {app!r} may have it",
        )

    if o.get("network") == "host" and not access.get("host_network"):
        need("the node's network (network: host)", "host_network: true")
    caps = {capability(c) for c in access.get("capabilities", [])}
    for cap in o.get("cap_add", []):
        if capability(cap) not in caps and "ALL" not in caps:
            need(f"capability {capability(cap)}", f"capabilities: [{capability(cap)}]")
    devices = set(access.get("devices", []))
    for dev in o.get("devices", []):
        host = str(dev).split(":")[0]
        if host not in devices:
            need(f"device {host}", f"devices: [{host}]")
    grants = access.get("host_paths", [])
    for host in o.get("host_paths", {}):
        if not _under(host, grants):
            need(f"host path {host}", f"host_paths: [{host}]")


def grants_summary(access: dict) -> str:
    """What a server's node access grants, in one line ('' when nothing)."""
    parts = []
    if access.get("privileged"):
        parts.append("privileged")
    if access.get("capabilities"):
        parts.append("capabilities " + ", ".join(capability(c) for c in access["capabilities"]))
    if access.get("devices"):
        parts.append("devices " + ", ".join(access["devices"]))
    if access.get("host_network"):
        parts.append("the host's network")
    if access.get("host_paths"):
        parts.append("host paths " + ", ".join(access["host_paths"]))
    return "; ".join(parts)
