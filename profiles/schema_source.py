"""The one declaration of the profile schemas; ``profiles/schemas/<kind>/<version>.json`` is
rendered from it (``python -m vxha.profiles.schema_source --write``) and a test keeps the
committed files equal to it. Descriptions double as the validator's hints.

Versioning (DECISIONS.md 4): adding an attribute or an optional property bumps the minor;
changing or deleting one bumps the major. 1.1.0 adds ``labels`` to images and servers and
``description`` to applications and clusters. 1.2.0 adds the container options
(``container``) to images, applications and servers, ``reference`` and ``volume`` to images,
``child_types`` to an application's ``override`` and ``remove``, ``node_access``,
``allow_pull``, ``addons`` and ``hotfixes`` to servers, and ``docker_host`` to cluster
systems. 1.3.0 lets a system name be the node's host name (``rac-node1``,
``node1.example.com``) in a cluster's ``systems`` and a server's ``systems``; image and
application schemas are unchanged from 1.2.0 (one version number for every kind, as a
system states the one newest version its vxha knows).
"""

from __future__ import annotations

import copy
import json
import os
import sys

KINDS = ("image", "application", "server", "cluster")
VERSIONS = ("1.0.0", "1.1.0", "1.2.0", "1.3.0")
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")

VCS_NAME = "^[A-Za-z][A-Za-z0-9_]{0,39}$"
# A VCS system name is the node's host name (`uname -n`; User's Guide 4.1, "System
# Definition"), which the configuration language reads bare or quoted (docs/vcs-language.md);
# at most 64 characters, Linux's HOST_NAME_MAX. Older schemas kept system names to VCS_NAME.
SYSTEM_NAME = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def _system_name(version: str, description: str) -> dict:
    if version >= "1.3.0":
        return _str(description, pattern=SYSTEM_NAME)
    return _str(
        f"{description} (letters, digits and _; a host name with '-' or '.' needs schema 1.3.0)",
        pattern=VCS_NAME,
    )


IMAGE_ID = "^[a-z][a-z0-9-]{0,62}$"
APP_NAME = "^[a-z][a-z0-9-]{0,62}$"


def _s(description: str, **kw) -> dict:
    return dict(kw, description=description)


def _str(description: str, **kw) -> dict:
    return _s(description, type="string", **kw)


def _bool(description: str) -> dict:
    return _s(description, type="boolean")


def _list(description: str, items: dict, **kw) -> dict:
    return _s(description, type="array", items=items, **kw)


def _obj(description: str, props: dict, required=(), extra=False) -> dict:
    out = _s(description, type="object", properties=props, additionalProperties=extra)
    if required:
        out["required"] = list(required)
    return out


def _str_map(description: str) -> dict:
    return _s(
        description,
        type="object",
        additionalProperties={"type": "string", "description": "a string value"},
    )


def _header(kind: str) -> dict:
    return {
        "schema": _str(
            "the profile schema version this file is written for, e.g. schema: 1.0.0",
            pattern=r"^\d+\.\d+\.\d+$",
        ),
        "kind": _str(f"the profile kind: kind: {kind}", enum=[kind]),
    }


PORT = _s(
    "a container port: an integer 1-65535, or {port: 1556, proto: tcp|udp}",
    anyOf=[
        _s("a port number 1-65535", type="integer", minimum=1, maximum=65535),
        _obj(
            "a port with its protocol",
            {
                "port": _s("port number 1-65535", type="integer", minimum=1, maximum=65535),
                "proto": _str("tcp or udp", enum=["tcp", "udp"]),
                "name": _str("what the port is for"),
            },
            required=["port"],
        ),
    ],
)

NEEDS = _obj(
    "what the container needs from the host",
    {
        "hostname": _bool("the server needs its own hostname (default true)"),
        "ip_address": _bool("the server needs its own application IP (default true)"),
        "ethernet_device": _bool("the server needs a dedicated Ethernet device (default false)"),
        "directory_service": _bool(
            "the server needs user directory service configuration (external access only)"
        ),
    },
)

IMAGE_MOUNT = _obj(
    "a file system the application needs",
    {
        "name": _str("mount name, used by server profiles", pattern=APP_NAME),
        "type": _str("data, configuration or log", enum=["data", "configuration", "log"]),
        "path": _str("absolute path inside the container, e.g. /data"),
        "min_size": _str("minimum size with a unit, e.g. 500GiB"),
        "resizable": _bool("the file system may be grown later"),
        "optional": _bool("servers may go without this mount (default false)"),
        "read_only": _bool("mounted read-only in the container (default false)"),
    },
    required=["name", "type", "path"],
)

DEPENDENCY = _obj(
    "a relationship with another image",
    {
        "image": _str("the related image id", pattern=IMAGE_ID),
        "relation": _str("child, parent or peer", enum=["child", "parent", "peer"]),
        "location": _str(
            "local (collocated, the default) or global (anywhere)", enum=["local", "global"]
        ),
        "requirement": _str(
            "mandatory or optional (dependencies on internal images are always mandatory)",
            enum=["mandatory", "optional"],
        ),
        "runtime": _str(
            "hard (the child must stay up) or soft (only up before the parent starts)",
            enum=["hard", "soft"],
        ),
    },
    required=["image", "relation"],
)

RESOURCES = _obj(
    "CPU and memory the application needs",
    {
        "cpus": _obj(
            "CPUs: a decimal number, as Docker's --cpus",
            {
                "min": _s("fewest CPUs", type="number", exclusiveMinimum=0),
                "default": _s(
                    "CPUs when the server does not say", type="number", exclusiveMinimum=0
                ),
            },
        ),
        "memory": _obj(
            "memory, with a unit",
            {
                "min": _str("least memory, e.g. 4GiB"),
                "default": _str("memory when the server does not say, e.g. 8GiB"),
            },
        ),
    },
)

LIFECYCLE = _obj(
    "commands run inside the new or old image around upgrades and downgrades",
    {
        k: _str(f"{k.replace('_', '-')} command")
        for k in ("pre_upgrade", "post_upgrade", "pre_downgrade", "post_downgrade")
    },
)

# Attributes an application profile may override (the image's runtime needs).
OVERRIDABLE = {
    "ports": _list("container ports the application listens on", PORT),
    "ssh": _bool("the server needs SSH access (then ssh_port is required)"),
    "ssh_port": _s("the container's SSH port", type="integer", minimum=1, maximum=65535),
    "needs": NEEDS,
    "mounts": _list("file systems the application needs", IMAGE_MOUNT),
    "resources": RESOURCES,
    "privileged": _bool("containers run privileged (and cannot relocate)"),
    "relocatable": _bool("containers may fail over to another system (default true)"),
    "startup": _list("commands run when the container starts", _str("a command")),
    "health_monitor": _str("program inside the container that checks the application"),
    "env": _str_map("environment variables passed to every container"),
    "dependencies": _list("relationships with other images", DEPENDENCY),
    "locales": _list("supported locales", _str("a locale, e.g. en_US")),
    "instances": _obj(
        "how many servers of this image a cluster may run",
        {
            "servers": _s("number of server instances", type="integer", minimum=1),
            "privileged": _s(
                "number of privileged instances (default 0)", type="integer", minimum=0
            ),
        },
    ),
}


_STRINGS = _list("names", _str("a name"))

CONTAINER = _obj(
    "container options (the agent's Container attributes); those giving the container part "
    "of the node are only asked for here: the server profile's node_access grants them",
    {
        "network": _str("none, host (needs node_access.host_network) or a network's name"),
        "user": _str("user[:group] the main process runs as, names or ids, e.g. 1000:1000"),
        "cap_add": _list(
            "capabilities to add (each needs node_access.capabilities)",
            _str("a capability, e.g. NET_ADMIN"),
        ),
        "cap_drop": _list("capabilities to drop (ALL for every one)", _str("a capability")),
        "devices": _list(
            "host devices, host[:container path[:rwm]] (each needs node_access.devices)",
            _str("a device, e.g. /dev/sg0"),
        ),
        "command": _list("the command, replacing the image's CMD", _str("an argument")),
        "entrypoint": _list("the entrypoint, replacing the image's", _str("an argument")),
        "read_only": _bool("mount the container's root file system read-only"),
        "ulimits": _s(
            "resource limits: {nofile: 1024:2048}",
            type="object",
            additionalProperties={
                "type": ["string", "integer"],
                "description": "soft[:hard], e.g. 1024:2048",
            },
        ),
        "shm_size": _str("size of /dev/shm with a unit, e.g. 64MiB"),
        "tmpfs": _str_map("container path -> tmpfs mount options, e.g. /run: size=64m"),
        "host_paths": _str_map(
            "host path -> container path[:ro] outside the server's own mounts "
            "(each needs node_access.host_paths)"
        ),
    },
)

NODE_ACCESS = _obj(
    "what of the node the administrator grants this server's container; nothing else "
    "grants it (an image or application profile may only ask)",
    {
        "privileged": _bool("run privileged (the server then cannot relocate)"),
        "capabilities": _list("capabilities the container may add", _str("a capability")),
        "devices": _list("host devices the container may use", _str("a device under /dev")),
        "host_network": _bool("the container may use the node's network (network: host)"),
        "host_paths": _list(
            "host paths (and what lies below them) the container may bind",
            _str("an absolute host path"),
        ),
    },
)


def overridable(version: str) -> dict:
    """Attributes an application profile may override, in that schema version."""
    props = copy.deepcopy(OVERRIDABLE)
    if version >= "1.2.0":
        props["container"] = copy.deepcopy(CONTAINER)
    return props


def image_schema(version: str) -> dict:
    props = _header("image")
    props.update(
        {
            "id": _str("the image id (its directory name)", pattern=IMAGE_ID),
            "version": _str('the image version this file describes, quoted: version: "10.3"'),
            "display_name": _str("name shown to users"),
            "type": _str(
                "base, application, add-on, hotfix or update",
                enum=["base", "application", "add-on", "hotfix", "update"],
            ),
            "internal": _bool("not offered to users (only as another image's dependency)"),
            "parent_types": _list(
                "image ids this image extends", _str("an image id", pattern=IMAGE_ID)
            ),
            "child_types": _list(
                "image ids that extend this image", _str("an image id", pattern=IMAGE_ID)
            ),
            "upgrade_from": _list("image versions this one upgrades from", _str("a version")),
            "downgrade_to": _list("image versions this one downgrades to", _str("a version")),
            "lifecycle": LIFECYCLE,
        }
    )
    props.update(overridable(version))
    if version >= "1.1.0":
        props["labels"] = _str_map("extra container labels")
    if version >= "1.2.0":
        props["reference"] = _str(
            "the image as the engine knows it, a registry reference allowed, e.g. "
            "registry.local/pg:15 (default <id>:<version>)"
        )
        props["volume"] = _str(
            "add-on and hotfix images: the path of the image's VOLUME holding its files, "
            "where they appear read-only in the parent's container, e.g. /opt/plugins/s3"
        )
    return _top("image", version, props, ["schema", "id", "version", "type"])


INPUT = _obj(
    "a value asked from the administrator when a server is created",
    {
        "name": _str("input name, the key under the server's inputs", pattern="^[a-z][a-z0-9_]*$"),
        "type": _str(
            "string, integer, number, boolean, hostname, ip, email, size or choice",
            enum=[
                "string",
                "integer",
                "number",
                "boolean",
                "hostname",
                "ip",
                "email",
                "size",
                "choice",
            ],
        ),
        "env": _str("environment variable passed to the container", pattern="^[A-Z_][A-Z0-9_]*$"),
        "prompt": _str("question shown by vxha server new"),
        "default": _s("value used when none is given", type=["string", "number", "boolean"]),
        "required": _bool("a value must be given (default true)"),
        "choices": _list("allowed values for type choice", _str("a value"), minItems=1),
    },
    required=["name", "type", "env"],
)


def application_schema(version: str) -> dict:
    props = _header("application")
    props.update(
        {
            "name": _str("the application (server type) name", pattern=APP_NAME),
            "image": _str("the image id this application runs", pattern=IMAGE_ID),
            "display_name": _str("name shown to users, e.g. NetBackup Master Server"),
            "image_versions": _list(
                "image versions this application supports (default: all)", _str("a version")
            ),
            "override": _obj(
                "image attributes this application replaces; mounts and dependencies merge "
                "by name/image, the rest replace",
                overridable(version),
            ),
            "remove": _obj(
                "image attributes this application drops",
                {
                    "mounts": _list("mount names to drop", _str("a mount name")),
                    "ports": _list("ports to drop", _s("a port", type="integer")),
                    "dependencies": _list("image ids no longer needed", _str("an image id")),
                    "env": _list("environment variables to drop", _str("a variable name")),
                    "startup": _list("startup commands to drop", _str("a command")),
                },
            ),
            "inputs": _list("values asked when a server is created", INPUT),
        }
    )
    if version >= "1.1.0":
        props["description"] = _str("a sentence describing the server type")
    if version >= "1.2.0":
        props["override"]["properties"]["child_types"] = _list(
            "add-on and hotfix image ids this server type accepts (default: the image's)",
            _str("an image id", pattern=IMAGE_ID),
        )
        props["remove"]["properties"]["child_types"] = _list(
            "add-on and hotfix image ids this server type does not accept", _str("an image id")
        )
    return _top("application", version, props, ["schema", "name", "image"])


SERVER_MOUNT = _obj(
    "the file system backing one of the application's mounts",
    {
        "name": _str("the application's mount name", pattern=APP_NAME),
        "diskgroup": _str("CVM disk group", pattern="^[A-Za-z][A-Za-z0-9_.-]{0,31}$"),
        "volume": _str("CVM volume in the disk group", pattern="^[A-Za-z][A-Za-z0-9_.-]{0,31}$"),
        "host_path": _str("mount point on the host (default /vx/<server>/<name>)"),
        "read_only": _bool("mount read-only in the container"),
    },
    required=["name", "diskgroup", "volume"],
)


ATTACHED = _obj(
    "an add-on or hotfix image attached to this server",
    {
        "image": _str("the add-on's or hotfix's image id", pattern=IMAGE_ID),
        "version": _str('its image version, quoted: version: "1.0"'),
    },
    required=["image", "version"],
)


def server_schema(version: str) -> dict:
    props = _header("server")
    props.update(
        {
            "name": _str(
                "the server name: a VCS identifier (a letter, then letters, digits or _; "
                "at most 40 characters)",
                pattern=VCS_NAME,
            ),
            "image": _str("the image id", pattern=IMAGE_ID),
            "image_version": _str('the image version, quoted: image_version: "10.3"'),
            "application": _str("the application (server type) name, e.g. master"),
            "hostname": _str("the server's hostname (RFC 1123)"),
            "address": _str("the application IP with its prefix length, e.g. 10.200.0.11/24"),
            "device": _str("host NIC for the IP, overriding the cluster description's"),
            "ports": _list(
                "host ports differing from the container's",
                _obj(
                    "a port remapping",
                    {
                        "container": _s("container port", type="integer", minimum=1, maximum=65535),
                        "host": _s("host port", type="integer", minimum=1, maximum=65535),
                    },
                    required=["container", "host"],
                ),
            ),
            "mounts": _list("storage for the application's mounts", SERVER_MOUNT),
            "exclusive_storage": _bool(
                "the storage is mounted on one system at a time (a failover group)"
            ),
            "priority": _s("1 (highest) to 4 (lowest)", type="integer", minimum=1, maximum=4),
            "load": _obj(
                "CPU and memory for this container",
                {
                    "cpus": _s("CPUs, e.g. 2 or 0.5", type="number", exclusiveMinimum=0),
                    "memory": _str("memory with a unit, e.g. 8GiB"),
                },
            ),
            "privileged": _bool("run privileged (the server then cannot relocate)"),
            "relocatable": _bool("may fail over to another system (default true)"),
            "systems": _list(
                "cluster systems that may host the server (default: all)",
                _system_name(version, "a system name"),
                minItems=1,
            ),
            "admin_email": _str("address notified about this server"),
            "inputs": _s(
                "values of the application's inputs",
                type="object",
                additionalProperties={
                    "type": ["string", "number", "boolean"],
                    "description": "an input value",
                },
            ),
            "dependencies": _s(
                "which server fills each related image: {image-id: server-name}",
                type="object",
                additionalProperties=_str("a server name", pattern=VCS_NAME),
            ),
        }
    )
    if version >= "1.1.0":
        props["labels"] = _str_map("extra container labels")
    if version >= "1.2.0":
        props["node_access"] = copy.deepcopy(NODE_ACCESS)
        props["container"] = copy.deepcopy(CONTAINER)
        props["allow_pull"] = _bool("pull the image when a system lacks it (default false)")
        props["addons"] = _list(
            "add-on images whose files the container receives read-only", ATTACHED
        )
        props["hotfixes"] = _list(
            "hotfix images the container receives read-only, applied in version order",
            ATTACHED,
        )
    return _top(
        "server", version, props, ["schema", "name", "image", "image_version", "application"]
    )


def cluster_schema(version: str) -> dict:
    props = _header("cluster")
    props.update(
        {
            "name": _str("the cluster name", pattern=VCS_NAME),
            "cvm_group": _str("the CVM service group's name (default cvm)", pattern=VCS_NAME),
            "emit_cvm": _bool("generate the cvm group (default true)"),
            "systems": _list(
                "the cluster's systems",
                _obj(
                    "one system",
                    {
                        "name": _system_name(version, "the VCS system name"),
                        "cpus": _s("CPUs the system has", type="number", exclusiveMinimum=0),
                        "memory": _str("memory the system has, e.g. 64GiB"),
                        "nic": _str("NIC for application IPs, e.g. eth0"),
                        "schema_version": _str(
                            "newest profile schema the system's vxha knows, e.g. 1.1.0",
                            pattern=r"^\d+\.\d+\.\d+$",
                        ),
                        "images": _list(
                            "images loaded on the system, as id:version",
                            _str("id:version", pattern=r"^[a-z][a-z0-9-]*:[^:\s]+$"),
                        ),
                    },
                    required=["name", "cpus", "memory", "nic"],
                ),
                minItems=1,
            ),
        }
    )
    if version >= "1.1.0":
        props["description"] = _str("what the cluster is for")
    if version >= "1.2.0":
        props["systems"]["items"]["properties"]["docker_host"] = _str(
            "the container engine's API socket on this system, Docker's or Podman's, "
            "e.g. unix:///run/podman/podman.sock (default: the agent's)",
            pattern=r"^unix:///\S+$",
        )
    return _top("cluster", version, props, ["schema", "name", "systems"])


def _top(kind: str, version: str, props: dict, required: list) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://vxha.example/schemas/{kind}/{version}.json",
        "title": f"vxha {kind} profile, schema {version}",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


BUILDERS = {
    "image": image_schema,
    "application": application_schema,
    "server": server_schema,
    "cluster": cluster_schema,
}


def render(kind: str, version: str) -> str:
    return json.dumps(BUILDERS[kind](version), indent=2, sort_keys=False) + "\n"


def write_all() -> None:
    for kind in KINDS:
        os.makedirs(os.path.join(SCHEMA_DIR, kind), exist_ok=True)
        for version in VERSIONS:
            with open(os.path.join(SCHEMA_DIR, kind, f"{version}.json"), "w") as f:
                f.write(render(kind, version))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_all()
    else:
        print("usage: python -m vxha.profiles.schema_source --write", file=sys.stderr)
        sys.exit(2)
