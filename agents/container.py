"""Container agent: one container run as a VCS resource, through the container driver.

The container is this resource's when its label ``vxha.resource`` names the resource;
anything else holding the name is foreign and is never touched (docs/container.md).
"""

from __future__ import annotations

import time

from vxha import imageref
from vxha.agents import statefile
from vxha.agents.framework import (
    OFFLINE,
    ONLINE,
    UNKNOWN,
    AgentError,
    ConfigError,
    Hang,
    NoAnswer,
)

LABEL_RESOURCE = "vxha.resource"
LABEL_TYPE = "vxha.type"
LABEL_SPEC = "vxha.spec"  # digest of the spec the container was created from

RUNNING = ("running",)
STOPPABLE = ("running", "paused", "restarting")

_UNITS = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
MIN_MEMORY = 6 << 20  # the engine refuses less

# Value syntaxes, checked with string methods rather than re: validate runs in every
# monitor, and importing re costs a monitor more than all of its checks together. Each
# function names the regular expression it matches in full.
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LETTERS = _UPPER | frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_ALNUM = _LETTERS | _DIGITS
_NAME_CHARS = _ALNUM | frozenset("_.-")
_TMPFS_CHARS = _ALNUM | frozenset("=,._-")
# [kmgtp] and i, b as re.IGNORECASE matches them (the Kelvin sign and Turkish i included)
_UNIT_CHARS = frozenset("kmgtpKMGTP\u212a")
_I_CHARS = frozenset("iI\u0130\u0131")
_B_CHARS = frozenset("bB")


def _word(text: str, first, rest, least: int = 1) -> bool:
    """One character of ``first``, then characters of ``rest``; ``least`` in all."""
    return len(text) >= least and text[0] in first and all(c in rest for c in text[1:])


def _is_name(text: str) -> bool:
    """[a-zA-Z0-9][a-zA-Z0-9_.-]+"""
    return _word(text, _ALNUM, _NAME_CHARS, 2)


def _is_network(text: str) -> bool:
    """[a-zA-Z0-9][a-zA-Z0-9_.-]*"""
    return _word(text, _ALNUM, _NAME_CHARS)


def _is_user(text: str) -> bool:
    """[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?"""
    parts = text.split(":")
    return len(parts) <= 2 and all(_word(p, _ALNUM | {"_"}, _NAME_CHARS) for p in parts)


def _is_cap(text: str) -> bool:
    """[A-Z][A-Z0-9_]*"""
    return _word(text, _UPPER, _UPPER | _DIGITS | {"_"})


def _is_tmpfs_opts(text: str) -> bool:
    """[A-Za-z0-9=,._-]*"""
    return all(c in _TMPFS_CHARS for c in text)


def _is_decimal(text: str) -> bool:
    r"""\d+(?:\.\d+)?|\.\d+"""
    whole, dot, fraction = text.partition(".")
    if not dot:
        return whole.isdecimal()
    return fraction.isdecimal() and (not whole or whole.isdecimal())


def _size(text: str):
    r"""(\d+(?:\.\d+)?) ?([kmgtp])?(i?b)? (ignoring case): its three groups, or None."""
    digits = 0
    while digits < len(text) and text[digits].isdecimal():  # \d: any decimal digit
        digits += 1
    number, rest = text[:digits], text[digits:]
    if not number:
        return None
    if rest[:1] == ".":
        fraction = 1
        while fraction < len(rest) and rest[fraction].isdecimal():
            fraction += 1
        if fraction == 1:
            return None
        number, rest = number + rest[:fraction], rest[fraction:]
    if rest[:1] == " ":
        rest = rest[1:]
    unit = None
    if rest[:1] and rest[0] in _UNIT_CHARS:
        unit, rest = rest[0], rest[1:]
    if not rest:
        return number, unit, None
    if rest[-1] in _B_CHARS and (len(rest) == 1 or (len(rest) == 2 and rest[0] in _I_CHARS)):
        return number, unit, rest
    return None


# AddOns / Hotfixes entries: "<image id>:<version> <container path> [<image reference>]".
ADDON_KINDS = {"AddOns": "addon", "Hotfixes": "hotfix"}
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


def _is_addon_id(text: str) -> bool:
    """[a-z][a-z0-9-]{0,62}"""
    return len(text) <= 63 and _word(text, _LOWER, _LOWER | _DIGITS | {"-"})


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _is_addon_version(text: str) -> bool:
    r"""[\w][\w.-]{0,127} (\w as str.isalnum() and _)"""
    return (
        0 < len(text) <= 128
        and _is_word_char(text[0])
        and all(_is_word_char(c) or c in ".-" for c in text[1:])
    )


ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
           "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")  # fmt: skip


def parse_memory(text: str, attr: str = "Memory", minimum: int = MIN_MEMORY) -> int:
    """Docker's unit syntax (1024-based; ``512m``, ``4g``, ``4GiB``, bytes) -> bytes."""
    m = _size(text.strip())
    if not m or (m[2] and m[2].lower() == "ib" and not m[1]):
        raise ConfigError(
            f"{text!r} is not a size: give bytes or a number with k, m, g or t (512m, 4g)",
            attr,
        )
    unit = m[1].lower() if m[1] else None
    value = int(float(m[0]) * _UNITS[unit])
    if value < minimum:
        raise ConfigError(f"{text!r} is less than the engine's minimum of 6m", attr)
    return value


def check_image(image: str) -> None:
    if not image:
        raise ConfigError("no image given: set Image to name:tag or an image id", "Image")
    if any(c.isspace() for c in image):
        raise ConfigError(f"{image!r} contains white space", "Image")
    if image.startswith("-"):
        raise ConfigError(f"{image!r} starts with '-'", "Image")
    if not imageref.is_reference(image):
        raise ConfigError(
            f"{image!r} is not an image reference (name[:tag][@sha256:digest] or an id)", "Image"
        )


def check_path(path: str, what: str, attr: str = "Mounts") -> None:
    if not path.startswith("/"):
        raise ConfigError(f"{what} {path!r} is not an absolute path", attr)
    if ".." in path.split("/"):
        raise ConfigError(f"{what} {path!r} contains '..'", attr)
    if not _normalized(path):
        from posixpath import normpath  # only to name the fix: it costs monitor an os import

        raise ConfigError(f"{what} {path!r} is not normalized (write {normpath(path)!r})", attr)


def _normalized(path: str) -> bool:
    """Whether the absolute ``path`` is what posixpath.normpath makes of it, with no
    leading '//' (no empty, '.' or '..' component, no trailing '/')."""
    return path == "/" or all(p not in ("", ".", "..") for p in path[1:].split("/"))


def _under(path: str, grants) -> bool:
    return any(path == g or path.startswith(g.rstrip("/") + "/") for g in grants)


def _capability(name: str, attr: str) -> str:
    """A capability as the engine takes it (``NET_ADMIN``); ``CAP_`` prefix accepted."""
    cap = name.strip().upper()
    cap = cap[4:] if cap.startswith("CAP_") else cap
    if not _is_cap(cap):
        raise ConfigError(f"{name!r} is not a capability name (NET_ADMIN, SYS_PTRACE)", attr)
    return cap


def _device(text: str) -> dict:
    """``host[:container[:perms]]`` -> {host, container, perms}."""
    parts = text.split(":")
    if len(parts) > 3 or not parts[0]:
        raise ConfigError(f"{text!r} is not host[:container[:rwm]]", "Devices")
    host = parts[0]
    container = parts[1] if len(parts) > 1 and parts[1] else host
    perms = parts[2] if len(parts) > 2 else "rwm"
    check_path(host, "device", "Devices")
    check_path(container, "device path", "Devices")
    if not host.startswith("/dev/"):
        raise ConfigError(f"{host!r} is not a device under /dev", "Devices")
    if not perms or any(c not in "rwm" for c in perms) or len(set(perms)) != len(perms):
        raise ConfigError(f"{text!r}: permissions must be letters of rwm", "Devices")
    return {"host": host, "container": container, "perms": perms}


def addon_image(entry: str) -> str:
    """The image of an AddOns or Hotfixes entry: its own, or ``<id>:<version>``."""
    words = entry.split()
    return words[2] if len(words) > 2 else (words[0] if words else "")


def addon_entries(entries, attr: str, runtime_name: str) -> list:
    """AddOns or Hotfixes entries -> [{kind, id, version, path, image, name, entry}]; ``name``
    is the data container's (docs/container.md "Add-ons and hotfixes")."""
    kind = ADDON_KINDS[attr]
    out = []
    for entry in entries:
        parts = entry.split()
        ident, colon, version = parts[0].partition(":") if parts else ("", "", "")
        if len(parts) not in (2, 3) or not colon or not _is_addon_id(ident):
            raise ConfigError(
                f"{entry!r} is not '<image id>:<version> <container path> [<image>]'", attr
            )
        if not _is_addon_version(version):
            raise ConfigError(f"{entry!r}: {version!r} is not an image version", attr)
        path = parts[1]
        check_path(path, "container path", attr)
        if path == "/":
            raise ConfigError(f"{entry!r}: its container path is '/'", attr)
        image = addon_image(entry)
        if not imageref.is_reference(image):
            raise ConfigError(f"{entry!r}: {image!r} is not an image reference", attr)
        name = f"{runtime_name}.{kind}.{ident}"
        if any(a["name"] == name for a in out):
            raise ConfigError(f"image {ident} is named twice", attr)
        out.append(dict(kind=kind, id=ident, version=version, path=path, image=image,
                        name=name, entry=" ".join(parts)))  # fmt: skip
    return out


def _ulimit(name: str, value: str) -> dict:
    if name not in ULIMITS:
        raise ConfigError(f"{name!r} is not a limit name ({', '.join(ULIMITS)})", "Ulimits")
    parts = value.split(":")
    try:
        soft, hard = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (None, None)
    except ValueError:
        soft = hard = None
    if soft is None or soft < -1 or hard < -1 or (hard != -1 and (soft == -1 or soft > hard)):
        raise ConfigError(f"{name} = {value!r} is not soft[:hard] with soft <= hard", "Ulimits")
    return {"name": name, "soft": soft, "hard": hard}


class Config:
    """The resource's attribute values, checked and converted (ConfigError naming one)."""

    def __init__(self, res):
        v = res.values
        self.name = v["RuntimeName"] or res.name
        if not _is_name(self.name):
            raise ConfigError(
                f"{self.name!r} is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                "RuntimeName",
            )
        self.image = v["Image"]
        check_image(self.image)
        self.hostname = v["Hostname"]
        if self.hostname and (len(self.hostname) > 253 or not imageref.dns_name(self.hostname)):
            raise ConfigError(f"{self.hostname!r} is not a host name", "Hostname")
        self.env = v["Env"]
        for key in self.env:
            if not imageref.env_name(key):
                raise ConfigError(
                    f"{key!r} is not a variable name (letters, digits, _; not a digit first)",
                    "Env",
                )
        self.grant_paths = list(v["GrantHostPaths"])
        for path in self.grant_paths:
            check_path(path, "granted host path", "GrantHostPaths")
        self.mounts = []
        targets = set()
        for host, target in v["Mounts"].items():
            check_path(host, "host path")
            ro = False
            if target.endswith(":ro") or target.endswith(":rw"):
                ro = target.endswith(":ro")
                target = target[:-3]
            check_path(target, "container path")
            self._check_node_path(host)
            if target == "/":
                raise ConfigError(f"container path of {host!r} is '/'", "Mounts")
            if target in targets:
                raise ConfigError(f"container path {target!r} is mounted twice", "Mounts")
            targets.add(target)
            self.mounts.append({"source": host, "target": target, "read_only": ro})
        self.cpus = None
        if v["CPUs"]:
            if not _is_decimal(v["CPUs"]) or float(v["CPUs"]) <= 0:
                raise ConfigError(f"{v['CPUs']!r} is not a positive number of CPUs", "CPUs")
            self.cpus = float(v["CPUs"])
        self.memory = parse_memory(v["Memory"]) if v["Memory"] else None
        self.privileged = bool(v["Privileged"])
        self.health_cmd = v["HealthCmd"].strip()
        self.health_timeout = v["HealthTimeout"]
        if self.health_timeout < 1:
            raise ConfigError(f"{self.health_timeout} is not a positive number of seconds",
                              "HealthTimeout")  # fmt: skip
        self.use_image_health = bool(v["UseImageHealth"])
        self.startup_cmds = v["StartupCmds"]
        for cmd in self.startup_cmds:
            if not cmd.strip():
                raise ConfigError("an empty command", "StartupCmds")
        self.stop_timeout = v["StopTimeout"]
        if self.stop_timeout < 0:
            raise ConfigError(f"{self.stop_timeout} is negative", "StopTimeout")
        self.labels = v["Labels"]
        for key in self.labels:
            if not key or any(c.isspace() for c in key):
                raise ConfigError(f"{key!r} is not a label name", "Labels")
            if key.startswith("vxha."):
                raise ConfigError(f"{key!r}: vxha.* labels are the agent's own", "Labels")
        self.host = v["DockerHost"]
        if self.host.startswith("tcp://"):
            raise ConfigError(
                f"{self.host!r}: plain TCP (no TLS) gives whoever reaches the port root on the"
                " node; give the engine's unix socket (unix:///PATH)",
                "DockerHost",
            )
        if self.host and not (self.host.startswith("unix:///") and len(self.host) > 8):
            raise ConfigError(f"{self.host!r} is not an engine socket (unix:///path)", "DockerHost")
        self.reuse = bool(v["Reuse"])
        self.allow_pull = bool(v["AllowPull"])
        self._options(v)
        # Add-ons first, as given; hotfixes in version order, the order they apply in.
        self.addons = addon_entries(v["AddOns"], "AddOns", self.name)
        hotfixes = addon_entries(v["Hotfixes"], "Hotfixes", self.name)
        self.addons += sorted(hotfixes, key=lambda a: (imageref.version_key(a["version"]), a["id"]))
        taken = {m["target"]: "Mounts" for m in self.mounts}
        taken.update((path, "Tmpfs") for path in self.tmpfs)
        for a in self.addons:
            attr = "Hotfixes" if a["kind"] == "hotfix" else "AddOns"
            if a["path"] in taken:
                raise ConfigError(
                    f"container path {a['path']!r} of {a['id']} is also in {taken[a['path']]}",
                    attr,
                )
            taken[a["path"]] = attr

    def _check_node_path(self, host: str) -> None:
        """A host path that gives the container the node needs the admin's grant."""
        from vxha import hostpaths

        hit = hostpaths.SYSTEM_PATHS.gives_the_node(host)
        if hit is not None and not _under(host, self.grant_paths):
            where = "" if hit == host else f" ({hit})"
            raise ConfigError(
                f"host path {host!r} gives the container the node{where}: only the server"
                " profile's node_access.host_paths grants it (GrantHostPaths)",
                "Mounts",
            )

    def _options(self, v) -> None:
        """The container options admins set, each checked against its grant."""
        self.network = v["Network"]
        if self.network and not _is_network(self.network):
            raise ConfigError(f"{self.network!r} is not none, host or a network name", "Network")
        if self.network == "host" and not v["GrantHostNetwork"]:
            raise ConfigError(
                "host gives the container the node's network: only the server profile's"
                " node_access.host_network grants it (GrantHostNetwork)",
                "Network",
            )
        self.user = v["User"]
        if self.user and not _is_user(self.user):
            raise ConfigError(f"{self.user!r} is not user[:group] (names or ids)", "User")
        granted = {_capability(c, "GrantCaps") for c in v["GrantCaps"]}
        self.cap_add = [_capability(c, "CapAdd") for c in v["CapAdd"]]
        for cap in self.cap_add:
            if cap not in granted and "ALL" not in granted:
                raise ConfigError(
                    f"capability {cap} gives the container part of the node: only the server"
                    " profile's node_access.capabilities grants it (GrantCaps)",
                    "CapAdd",
                )
        self.cap_drop = [_capability(c, "CapDrop") for c in v["CapDrop"]]
        granted = set()
        for dev in v["GrantDevices"]:
            check_path(dev, "granted device", "GrantDevices")
            granted.add(dev)
        self.devices = [_device(d) for d in v["Devices"]]
        for dev in self.devices:
            if dev["host"] not in granted:
                raise ConfigError(
                    f"device {dev['host']} gives the container part of the node: only the"
                    " server profile's node_access.devices grants it (GrantDevices)",
                    "Devices",
                )
        self.command = list(v["Command"])
        self.entrypoint = list(v["Entrypoint"])
        self.read_only = bool(v["ReadOnly"])
        self.ulimits = [_ulimit(k, val) for k, val in sorted(v["Ulimits"].items())]
        self.shm_size = parse_memory(v["ShmSize"], "ShmSize", 1) if v["ShmSize"] else None
        self.tmpfs = {}
        for path, opts in v["Tmpfs"].items():
            check_path(path, "tmpfs path", "Tmpfs")
            if path == "/":
                raise ConfigError("a tmpfs over / is not a container", "Tmpfs")
            if not _is_tmpfs_opts(opts):
                raise ConfigError(f"{path}: {opts!r} are not mount options", "Tmpfs")
            self.tmpfs[path] = opts

    def spec(self, resource: str) -> dict:
        """The neutral create spec (see DockerDriver.create), labelled with its digest."""
        import hashlib
        import json

        labels = dict(self.labels)
        labels[LABEL_RESOURCE] = resource
        labels[LABEL_TYPE] = "Container"
        spec = {
            "image": self.image,
            "hostname": self.hostname,
            "env": dict(self.env),
            "mounts": self.mounts,
            "cpus": self.cpus,
            "memory": self.memory,
            "privileged": self.privileged,
            "labels": labels,
            "init": True,
            "image_health": self.use_image_health,
            "stop_timeout": self.stop_timeout,
        }
        # Options enter the spec only when set, so containers made before they existed
        # keep their digest.
        for key, value in (
            ("network", self.network),
            ("user", self.user),
            ("cap_add", self.cap_add),
            ("cap_drop", self.cap_drop),
            ("devices", self.devices),
            ("command", self.command),
            ("entrypoint", self.entrypoint),
            ("read_only", self.read_only),
            ("ulimits", self.ulimits),
            ("shm_size", self.shm_size),
            ("tmpfs", self.tmpfs),
            ("volumes_from", [a["name"] for a in self.addons]),
            # what the data containers hold, so that a changed add-on changes the digest
            ("addons", [f"{a['kind']} {a['entry']}" for a in self.addons]),
        ):
            if value:
                spec[key] = value
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
        spec["labels"][LABEL_SPEC] = digest
        return spec


def budget(res, cap: float | None = None) -> float:
    """A timeout for one engine call that ends before the entry point's own deadline."""
    return max(0.05, min(res.timeout(cap), res.time_left() - 0.15))


def engine_budget(res, record: str | None, cap: float | None = None) -> float:
    """The first engine call's timeout: with the main process recorded, at most half the
    time left, so that a silent engine still leaves time to answer from the process."""
    if record is None:
        return budget(res, cap)
    return max(0.05, min(budget(res, cap), res.time_left() / 2, 10.0))


def record_name(res) -> str:
    """The state file holding the container's main process recorded at online."""
    return f"Container.{res.name}.proc"


def read_record(res) -> str | None:
    """The main process recorded at online; None when none is, or its file is blank."""
    text = statefile.read(res.ctx, record_name(res))
    return text if text and text.split() else None


def _first_time(res, what: str, key: str) -> bool:
    """Whether ``key`` (a container's id, an exit) is new for this resource's ``what``,
    remembered in a state file: such a line is said once, not at every monitor."""
    name = f"Container.{res.name}.{what}"
    try:
        if (statefile.read(res.ctx, name) or "").strip() == key:
            return False
        statefile.write(res.ctx, name, key)
    except OSError:
        pass
    return True


def is_ours(info: dict, res) -> bool:
    return (info.get("labels") or {}).get(LABEL_RESOURCE) == res.name


def _foreign_error(info: dict, res, cfg) -> str:
    owner = (info.get("labels") or {}).get(LABEL_RESOURCE)
    whose = f"resource {owner}'s" if owner else "not created by vxha"
    return (
        f"container {cfg.name} ({info['id'][:12]}) is {whose}, not {res.name}'s: left untouched;"
        " remove or rename it, or give this resource another RuntimeName"
    )


class ContainerAgent:
    def validate(self, res):
        self.cfg = Config(res)

    def _driver(self, res):
        from vxha.agents.drivers.errors import DriverError

        try:
            drv = res.driver("docker")
            drv.use_host(self.cfg.host)
        except DriverError as exc:
            raise ConfigError(str(exc), "DockerHost") from None
        return drv

    # -- monitor --------------------------------------------------------------------

    def monitor(self, res):
        from vxha.agents.drivers.docker import EngineTimeout
        from vxha.agents.drivers.errors import DriverError, DriverUnavailable

        cfg = self.cfg
        drv = self._driver(res)
        record = read_record(res)
        try:
            info = drv.inspect(cfg.name, timeout=engine_budget(res, record))
            if info is None:
                return OFFLINE
            if not is_ours(info, res):
                self._foreign_once(res, info)
                return OFFLINE
            state = info["state"]
            if state not in RUNNING:
                if state in ("exited", "stopped"):  # Podman: stopped until its cleanup ran
                    self._exit_once(res, info)
                elif state != "created":
                    res.log.notice(f"container {cfg.name} is {state}", "state")
                return OFFLINE
            record = self._rerecord(res, drv, info, record)
            ok, why = self._health(res, drv, info)
        except (EngineTimeout, Hang) as exc:
            return self._without_engine(res, drv, record, f"{exc or 'no answer'}", silent=True)
        except DriverUnavailable as exc:
            return self._without_engine(res, drv, record, str(exc), silent=False)
        except DriverError as exc:
            res.log.error(f"state unknown: {exc}", "driver")
            return UNKNOWN
        if ok:
            return ONLINE
        res.log.warning(f"container {cfg.name} is running but not healthy: {why}", "health")
        return OFFLINE

    def _without_engine(self, res, drv, record, why: str, silent: bool):
        """monitor's answer when the engine refuses, is gone or is silent (DECISIONS.md 8):
        from the main process recorded at online. Silent with nothing recorded: no answer."""
        name = self.cfg.name
        if record is None:
            if silent:
                raise NoAnswer(f"engine silent and no main process of {name} recorded: {why}")
            res.log.warning(
                f"engine not answering ({why}); no main process of {name} recorded here:"
                " not online",
                "unavailable",
            )
            return OFFLINE
        pid = record.split()[0]
        if drv.process_alive(record):
            res.log.warning(
                f"engine not answering ({why}); main process {pid} of {name} runs: online",
                "unavailable",
            )
            return ONLINE
        res.log.warning(
            f"engine not answering ({why}); main process {pid} of {name} is gone: offline",
            "unavailable",
        )
        return OFFLINE

    def _rerecord(self, res, drv, info, record):
        """Keep the record of the main process current (a restart outside VCS changes it,
        and is said: its death never reached VCS)."""
        if record is not None and record.split()[0] == str(info.get("pid")):
            return record
        if record is not None and record.split()[-1] == info["id"]:
            res.log.warning(
                f"container {self.cfg.name} was restarted outside VCS: main process"
                f" {record.split()[0]} is now {info.get('pid')}"
                f" (restart policy {info.get('restart_policy', 'no')})",
                "state",
            )
        return self._record(res, drv, info)

    def _record(self, res, drv, info):
        """Record what identifies the container's main process, and the engine running
        it; the record, or None.

        Records are replaced, never removed: one whose process is gone still says that
        the last main process started here is gone, which is what monitor and clean need
        when the engine does not answer (docs/container.md "Engine outages")."""
        current = drv.main_process(info)
        if current is None:
            return None
        record = f"{current} {info['id']}\n"
        from vxha.agents.drivers.docker import engine_note

        try:
            statefile.write(res.ctx, record_name(res), record)
            # and the engine that runs it, for PortForward (docs/network.md): DockerHost,
            # or empty for $DOCKER_HOST or the default, which PortForward falls back to
            statefile.write(res.ctx, engine_note(self.cfg.name), self.cfg.host + "\n")
        except OSError as exc:
            res.log.warning(f"cannot record the main process: {exc}", "state")
        return record

    def _health(self, res, drv, info):
        """(True, '') when healthy as configured; (False, why) otherwise.

        A 'starting' image health check is not yet healthy: OFFLINE (docs/container.md).
        """
        from vxha.agents.drivers.docker import ExecTimeout
        from vxha.agents.drivers.errors import DriverError, DriverUnavailable

        cfg = self.cfg
        if cfg.use_image_health and info.get("health"):
            if info["health"] != "healthy":
                return False, f"the image's health check reports {info['health']}"
        if cfg.health_cmd and res.level_two():  # LevelTwoMonitorFreq: docs/framework.md
            limit = budget(res, float(cfg.health_timeout))
            try:
                code, out = drv.exec(cfg.name, ["/bin/sh", "-c", cfg.health_cmd], timeout=limit)
            except ExecTimeout:
                return False, f"HealthCmd did not finish within {limit:.0f} s (killed)"
            except DriverUnavailable:
                raise
            except DriverError as exc:  # e.g. the container stopped since the inspect
                return False, f"HealthCmd could not run: {exc}"
            if code != 0:
                tail = " ".join(out.split())[-200:]
                return False, f"HealthCmd exited with {code}" + (f": {tail}" if tail else "")
        return True, ""

    def _foreign_once(self, res, info):
        """Log a foreign container holding the name once per container, not every monitor."""
        if _first_time(res, "foreign", info["id"]):
            res.log.error(_foreign_error(info, res, self.cfg), "foreign")

    def _exit_once(self, res, info):
        """Say why our container stopped, once per exit: the clean VCS runs next removes
        the container, and the engine's record of its exit with it."""
        # the OOM flag in the key: Docker may record it after the exit, then it is said too
        key = f"{info['id']} {info.get('finished_at')} {bool(info.get('oom_killed'))}"
        if not _first_time(res, "exit", key):
            return
        code = info.get("exit_code")
        text = f"container {self.cfg.name} exited with code {code}"
        if isinstance(code, int) and 128 < code < 160:  # a shell's or tini's 128 + signal
            text += f" (signal {code - 128})"
        text += f" at {info.get('finished_at') or 'an unknown time'}"
        if info.get("oom_killed"):
            res.log.warning(
                f"{text}: killed by the kernel's OOM killer (Memory = {res.Memory or 'none'})",
                "state",
            )
        else:
            res.log.notice(text, "state")

    def _forget_foreign(self, res):
        try:
            statefile.remove(res.ctx, f"Container.{res.name}.foreign")
        except OSError:
            pass

    # -- online ---------------------------------------------------------------------

    def online(self, res):
        from vxha.agents import container_addons as addons
        from vxha.agents.drivers.fakestate import DriverError

        cfg = self.cfg
        drv = self._driver(res)
        try:
            info = drv.inspect(cfg.name, timeout=res.timeout(10))
            if info is not None and not is_ours(info, res):
                raise AgentError(_foreign_error(info, res, cfg), "RuntimeName")
            self._forget_foreign(res)
            spec = cfg.spec(res.name)
            if info is not None and info["state"] in STOPPABLE:
                if info["labels"].get(LABEL_SPEC) != spec["labels"][LABEL_SPEC]:
                    res.log.warning(
                        f"container {cfg.name} runs with an older configuration; kept running,"
                        " the new one applies after offline and online",
                        "ctr.config",
                    )
                if info["state"] == "paused":
                    drv.unpause(cfg.name, timeout=res.timeout(10))
                res.log.info(f"container {cfg.name} is already running", "ctr.online")
                self._record(res, drv, self._wait_ready(res, drv, settle=0))
                return None
            reuse = (
                info is not None
                and cfg.reuse
                and info["state"] in ("created", "exited")
                and info["labels"].get(LABEL_SPEC) == spec["labels"][LABEL_SPEC]
                and addons.present(res, drv, cfg)
            )
            if not reuse:
                self._create(res, drv, info, spec)
            else:
                self._no_restart(res, drv, info)
        except DriverError as exc:
            raise AgentError(f"container {cfg.name}: {exc}") from None
        try:
            drv.start(cfg.name, timeout=res.timeout(30))
            info = self._wait_ready(res, drv)
            for cmd in cfg.startup_cmds:
                self._startup(res, drv, cmd)
            self._record(res, drv, info)
        except AgentError as exc:
            self._undo(res, drv, exc)
            raise
        except DriverError as exc:
            self._undo(res, drv, exc)
            raise AgentError(f"container {cfg.name}: {exc}") from None
        res.log.info(f"container {cfg.name} is online", "ctr.online")
        return None

    def _create(self, res, drv, leftover, spec):
        """Everything checked first (names, images, their identity), then our leftovers
        replaced: the data containers of the add-ons and hotfixes, then the container."""
        from vxha.agents import container_addons as addons
        from vxha.agents import container_identity
        from vxha.agents.drivers.fakestate import DriverError

        cfg = self.cfg
        addons.refuse_foreign(res, drv, cfg)
        self._ensure_image(res, drv)
        for a in cfg.addons:
            self._ensure_image(res, drv, a["image"], addons.ATTRS[a["kind"]])
        container_identity.check(res, drv, cfg)
        if leftover is not None:
            res.log.info(f"replacing our leftover {leftover['state']} container", "ctr.replaced")
            self._remove_and_wait(res, drv)
        addons.remove(res, drv)  # whatever an earlier configuration left here
        try:
            addons.create(res, drv, cfg)
            drv.create(cfg.name, spec, timeout=res.timeout(30))
        except (DriverError, AgentError):
            self._remove_addons(res, drv)
            raise

    def _remove_addons(self, res, drv):
        """After a failed online: the data containers go too (a leftover would hold the
        add-on's volume and name)."""
        from vxha.agents import container_addons as addons
        from vxha.agents.drivers.fakestate import DriverError

        if not self.cfg.addons:
            return
        try:
            addons.remove(res, drv)
        except (DriverError, AgentError) as again:
            res.log.warning(f"could not remove the data containers: {again}", "state")

    def _ensure_image(self, res, drv, image=None, attr="Image"):
        cfg = self.cfg
        image = image or cfg.image
        if drv.image_present(image, timeout=res.timeout(10)):
            return
        if not cfg.allow_pull:
            raise AgentError(
                f"image {image} is not present on this system and AllowPull is 0:"
                " load it (docker load) or set AllowPull = 1",
                attr,
            )
        res.log.info(f"pulling image {image}", "ctr.pull")
        drv.pull(image, timeout=res.timeout())

    def _wait_ready(self, res, drv, settle: float = 0.3):
        """Until the container runs and is healthy as configured, within the deadline; the
        container's last inspect.

        Ready also means still running ``settle`` s after it first looked ready, so a
        container whose process exits at once fails online instead of passing it.
        """
        from vxha.agents.framework import DeadlineExceeded

        cfg = self.cfg
        delay = 0.05
        ready_at = None
        if res.ctx.inprocess:
            settle = 0  # simulated: nothing changes while an entry point runs
        while True:
            info = drv.inspect(cfg.name, timeout=res.timeout(10))
            if info is None:
                raise AgentError(f"container {cfg.name} disappeared while starting")
            if info["state"] in ("exited", "dead"):
                last = " | ".join(drv.logs(cfg.name, timeout=res.timeout(5)).splitlines()[-3:])
                raise AgentError(
                    f"container {cfg.name} exited with code {info['exit_code']} while starting"
                    + (f"; last output: {last}" if last else "")
                )
            why = f"it is {info['state']}"
            if info["state"] in RUNNING:
                if ready_at is not None:
                    return info  # still running after the pause
                ok, why = self._health(res, drv, info)
                if ok:
                    if settle <= 0:
                        return info
                    ready_at = time.monotonic()
                    time.sleep(max(0.0, min(settle, res.time_left() - 2.0)))
                    continue
            # Leave time to take the container down again (a failed online must not leave
            # a half-started container that the next monitor would report ONLINE). In a
            # simulation waiting changes nothing: it is the timeout at once.
            if res.time_left() < delay + 2.0 or res.ctx.inprocess:
                raise DeadlineExceeded(f"container {cfg.name} not ready in time: {why}")
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _startup(self, res, drv, cmd):
        from vxha.agents.drivers.docker import ExecTimeout

        try:
            code, out = drv.exec(self.cfg.name, ["/bin/sh", "-c", cmd], timeout=res.timeout())
        except ExecTimeout:
            raise AgentError(
                f"startup command {cmd!r} did not finish in time", "StartupCmds"
            ) from None
        if code != 0:
            tail = " ".join(out.split())[-200:]
            raise AgentError(
                f"startup command {cmd!r} exited with {code}" + (f": {tail}" if tail else ""),
                "StartupCmds",
            )

    def _undo(self, res, drv, exc):
        """A failed online takes its container down so that monitor reports OFFLINE."""
        from vxha.agents.drivers.fakestate import DriverError

        cfg = self.cfg
        try:
            drv.kill(cfg.name, timeout=res.timeout(5))
            if not cfg.reuse:
                drv.remove(cfg.name, timeout=res.timeout(10))
        except (DriverError, AgentError) as again:
            res.log.warning(f"could not take {cfg.name} down after failing: {again}", "state")
            return
        if not cfg.reuse:
            self._remove_addons(res, drv)

    def _remove_and_wait(self, res, drv) -> bool:
        """Remove our container (kill first when it runs); True once it is verifiably gone."""
        from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable

        cfg = self.cfg
        delay = 0.05
        while True:
            try:
                drv.remove(cfg.name, timeout=res.timeout(15))
            except DriverUnavailable:
                raise
            except DriverError as exc:
                # e.g. removal already in progress: wait for the engine to finish it
                why = exc
            else:
                why = None
            if drv.inspect(cfg.name, timeout=res.timeout(10)) is None:
                return True
            if res.time_left() < delay + 0.5 or res.ctx.inprocess:
                raise AgentError(f"container {cfg.name} is still present: {why or 'not removed'}")
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    # -- offline --------------------------------------------------------------------

    def offline(self, res):
        from vxha.agents import container_addons as addons
        from vxha.agents.drivers.fakestate import DriverError

        cfg = self.cfg
        drv = self._driver(res)
        try:
            info = drv.inspect(cfg.name, timeout=res.timeout(10))
            if info is None or not is_ours(info, res):
                self._refuse_if_it_runs(res, drv)
            if info is None:
                res.log.info(f"container {cfg.name} is already gone", "ctr.offline")
            elif not is_ours(info, res):
                res.log.warning(_foreign_error(info, res, cfg), "foreign")
            else:
                self._stop(res, drv, info)
                res.log.info(f"container {cfg.name} is offline", "ctr.offline")
            if not cfg.reuse:  # a kept container mounts its data containers again
                addons.remove(res, drv)
        except DriverError as exc:
            raise AgentError(f"container {cfg.name}: {exc}") from None
        return None

    def _stop(self, res, drv, info):
        """Stop our container (unpaused first), then remove it unless Reuse."""
        cfg = self.cfg
        if info["state"] in STOPPABLE:
            if info["state"] == "paused":
                drv.unpause(cfg.name, timeout=res.timeout(10))
            grace = cfg.stop_timeout
            # The engine needs the grace period plus a moment to kill: fit in our time.
            room = res.time_left() - 2.0
            if grace > room:
                grace = max(0, int(room))
                res.log.warning(
                    f"StopTimeout {cfg.stop_timeout} s shortened to {grace} s to fit"
                    " the offline timeout",
                    "ctr.stop",
                )
            drv.stop(cfg.name, grace, timeout=res.timeout(grace + 10))
        if cfg.reuse:
            info = drv.inspect(cfg.name, timeout=res.timeout(10))
            if info is not None and info["state"] in STOPPABLE:
                raise AgentError(f"container {cfg.name} is still {info['state']}")
            if info is not None:
                self._no_restart(res, drv, info)
        else:
            self._remove_and_wait(res, drv)

    def _no_restart(self, res, drv, info):
        """A kept container's restart policy back to ``no``: with ``always`` set outside
        VCS, Docker starts it again when the daemon starts (a reboot), outside VCS.

        A protection, not the entry point's job: an engine that cannot change it (Podman's
        compatible service before 5.0 has no update) or does not answer in time is said,
        and online or offline goes on (chosen because failing them would make VCS clean
        or fault a service that is otherwise as VCS asked)."""
        from vxha.agents.drivers.errors import DriverError

        policy = info.get("restart_policy", "no")
        if policy == "no":
            return
        try:
            drv.no_restart(self.cfg.name, timeout=res.timeout(10))
        except DriverError as exc:
            res.log.warning(
                f"container {self.cfg.name}: restart policy {policy} set outside VCS, and"
                f" the engine did not set it back to no ({exc}): the engine may start it"
                " outside VCS when it starts; set it with 'docker update --restart no'",
                "ctr.config",
            )
            return
        res.log.warning(
            f"container {self.cfg.name}: restart policy {policy} set"
            " outside VCS: set back to no (VCS decides restarts)",
            "ctr.config",
        )

    # -- clean ----------------------------------------------------------------------

    def clean(self, res):
        from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable

        cfg = self.cfg
        drv = self._driver(res)
        record = read_record(res)
        try:
            info = drv.inspect(cfg.name, timeout=engine_budget(res, record, 10))
            if info is not None and not is_ours(info, res):
                res.log.warning(_foreign_error(info, res, cfg), "foreign")
                info = None
            if info is None and record is not None and drv.process_alive(record):
                why = f"the engine has no container {cfg.name}"
                return self._clean_without_engine(res, drv, record, why)
            gone = True
            if info is not None:
                if info["state"] == "paused":
                    drv.unpause(cfg.name, timeout=res.timeout(10))
                if info["state"] in STOPPABLE:
                    drv.kill(cfg.name, timeout=res.timeout(10))
                gone = self._remove_and_wait(res, drv)
        except (DriverUnavailable, Hang) as exc:
            why = f"engine not answering ({exc or 'no answer'})"
            return self._clean_without_engine(res, drv, record, why)
        except (DriverError, AgentError) as exc:
            res.log.error(f"container {cfg.name} may still be present: {exc}", "state")
            return False
        if info is not None:
            res.log.info(f"container {cfg.name} killed and removed", "ctr.cleaned")
        if gone:
            self._clean_addons(res, drv)
        return gone

    def _clean_addons(self, res, drv):
        """Reuse or not, clean leaves no data container of ours. One that stays is said, not
        a failed clean: it runs nothing and holds no data, and a failed clean would keep the
        group from failing over; the next online here replaces it."""
        from vxha.agents import container_addons as addons
        from vxha.agents.drivers.fakestate import DriverError

        try:
            addons.remove(res, drv)
        except (DriverError, AgentError, Hang) as exc:
            res.log.warning(
                f"container {self.cfg.name} is gone, but not all its data containers: {exc};"
                " the next online here replaces them",
                "ctr.addon",
            )

    def _clean_without_engine(self, res, drv, record, why: str) -> bool:
        """clean with the engine refusing or silent, or not knowing the container whose
        recorded main process runs: kill the recorded main process tree; done only once it
        is verifiably gone. The container itself stays for its engine to remove."""
        name = self.cfg.name
        if record is None:
            res.log.error(
                f"{why} and no main process of {name} recorded here: cannot tell whether it runs",
                "state",
            )
            return False
        pid = record.split()[0]
        if not drv.kill_process(record, timeout=max(0.1, res.time_left() - 0.5)):
            res.log.error(f"{why}; main process {pid} of {name} survived SIGKILL", "state")
            return False
        res.log.info(f"{why}; main process {pid} of {name} and its descendants killed",
                     "ctr.cleaned")  # fmt: skip
        return True

    def _refuse_if_it_runs(self, res, drv):
        """offline, when the engine has no container of ours by that name: AgentError if
        the main process recorded at online still runs (another engine answers at
        DockerHost now). Not offline; a graceful stop is its engine's, so VCS cleans."""
        record = read_record(res)
        if record is not None and drv.process_alive(record):
            raise AgentError(
                f"the engine has no container {self.cfg.name}, but its main process"
                f" {record.split()[0]} recorded here runs: not offline (clean kills it)"
            )

    def action(self, res, token, args):
        """oneoff, exec: an image's lifecycle commands (agents/container_actions.py)."""
        from vxha.agents.container_actions import run

        return run(self, res, token, args)

    def info(self, res):
        """ResourceInfo (docs/framework.md): what the container driver's inspect tells."""
        from vxha.agents.drivers.errors import DriverError

        cfg = self.cfg
        drv = self._driver(res)
        try:
            info = drv.inspect(cfg.name, timeout=budget(res, 10))
        except DriverError as exc:  # the engine's own words, not an agent defect
            raise AgentError(f"inspecting {cfg.name}: {exc}") from None
        engine = cfg.host or getattr(drv, "host", None) or "the system's engine"
        if info is None or not is_ours(info, res):
            return {"State": "absent" if info is None else "foreign", "Engine": engine}
        return {
            "ID": info["id"][:12] or "unknown",
            "State": info["state"],
            "Image": info.get("image_digest") or info.get("image") or "unknown",
            "StartedAt": info.get("started_at") or "unknown",
            "Health": info.get("health") or "none",
            "RestartCount": info.get("restart_count", "unknown"),
            "Engine": engine,
        }
