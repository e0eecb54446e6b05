"""Container agent: one container run as a VCS resource, through the container driver.

The container is this resource's when its label ``vxha.resource`` names the resource;
anything else holding the name is foreign and is never touched (docs/container.md).
"""

from __future__ import annotations

import os
import re
import time

from vxha.agents.framework import OFFLINE, ONLINE, UNKNOWN, AgentError, ConfigError

LABEL_RESOURCE = "vxha.resource"
LABEL_TYPE = "vxha.type"
LABEL_SPEC = "vxha.spec"  # digest of the spec the container was created from

RUNNING = ("running",)
STOPPABLE = ("running", "paused", "restarting")

_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL_DNS = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_IMAGE = re.compile(
    rf"(?:{_LABEL_DNS}(?:\.{_LABEL_DNS})*(?::[0-9]+)?/)?"
    rf"{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
_IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{12,64}")
_HOSTNAME = re.compile(rf"{_LABEL_DNS}(?:\.{_LABEL_DNS})*")
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MEMORY = re.compile(r"(\d+(?:\.\d+)?) ?([kmgtp])?(i?b)?", re.IGNORECASE)
_CPUS = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_UNITS = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
MIN_MEMORY = 6 << 20  # the engine refuses less


def parse_memory(text: str) -> int:
    """Docker's unit syntax (1024-based; ``512m``, ``4g``, ``4GiB``, bytes) -> bytes."""
    m = _MEMORY.fullmatch(text.strip())
    if not m or (m.group(3) and m.group(3).lower() == "ib" and not m.group(2)):
        raise ConfigError(
            f"{text!r} is not a size: give bytes or a number with k, m, g or t (512m, 4g)",
            "Memory",
        )
    unit = m.group(2).lower() if m.group(2) else None
    value = int(float(m.group(1)) * _UNITS[unit])
    if value < MIN_MEMORY:
        raise ConfigError(f"{text!r} is less than the engine's minimum of 6m", "Memory")
    return value


def check_image(image: str) -> None:
    if not image:
        raise ConfigError("no image given: set Image to name:tag or an image id", "Image")
    if any(c.isspace() for c in image):
        raise ConfigError(f"{image!r} contains white space", "Image")
    if image.startswith("-"):
        raise ConfigError(f"{image!r} starts with '-'", "Image")
    if not (_IMAGE.fullmatch(image) or _IMAGE_ID.fullmatch(image)):
        raise ConfigError(
            f"{image!r} is not an image reference (name[:tag][@sha256:digest] or an id)", "Image"
        )


def check_path(path: str, what: str) -> None:
    if not path.startswith("/"):
        raise ConfigError(f"{what} {path!r} is not an absolute path", "Mounts")
    if ".." in path.split("/"):
        raise ConfigError(f"{what} {path!r} contains '..'", "Mounts")
    if os.path.normpath(path) != path:
        raise ConfigError(
            f"{what} {path!r} is not normalized (write {os.path.normpath(path)!r})", "Mounts"
        )


class Config:
    """The resource's attribute values, checked and converted (ConfigError naming one)."""

    def __init__(self, res):
        v = res.values
        self.name = v["RuntimeName"] or res.name
        if not _NAME.fullmatch(self.name):
            raise ConfigError(
                f"{self.name!r} is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                "RuntimeName",
            )
        self.image = v["Image"]
        check_image(self.image)
        self.hostname = v["Hostname"]
        if self.hostname and (len(self.hostname) > 253 or not _HOSTNAME.fullmatch(self.hostname)):
            raise ConfigError(f"{self.hostname!r} is not a host name", "Hostname")
        self.env = v["Env"]
        for key in self.env:
            if not _ENV_KEY.fullmatch(key):
                raise ConfigError(
                    f"{key!r} is not a variable name (letters, digits, _; not a digit first)",
                    "Env",
                )
        self.mounts = []
        targets = set()
        for host, target in v["Mounts"].items():
            check_path(host, "host path")
            ro = False
            if target.endswith(":ro") or target.endswith(":rw"):
                ro = target.endswith(":ro")
                target = target[:-3]
            check_path(target, "container path")
            if target == "/":
                raise ConfigError(f"container path of {host!r} is '/'", "Mounts")
            if target in targets:
                raise ConfigError(f"container path {target!r} is mounted twice", "Mounts")
            targets.add(target)
            self.mounts.append({"source": host, "target": target, "read_only": ro})
        self.cpus = None
        if v["CPUs"]:
            if not _CPUS.fullmatch(v["CPUs"]) or float(v["CPUs"]) <= 0:
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
        if self.host and not (
            (self.host.startswith("unix:///") and len(self.host) > 8)
            or re.fullmatch(r"tcp://[^/\s]+:\d+/?", self.host)
        ):
            raise ConfigError(
                f"{self.host!r} is not an engine address (unix:///path or tcp://host:port)",
                "DockerHost",
            )
        self.reuse = bool(v["Reuse"])
        self.allow_pull = bool(v["AllowPull"])

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
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
        spec["labels"][LABEL_SPEC] = digest
        return spec


def budget(res, cap: float | None = None) -> float:
    """A timeout for one engine call that ends before the entry point's own deadline, so
    that an engine not answering is reported (monitor: 99) rather than cut off."""
    return max(0.05, min(res.timeout(cap), res.time_left() - 0.15))


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
        from vxha.agents.drivers.fakestate import DriverError

        drv = res.driver("docker")
        try:
            drv.use_host(self.cfg.host)
        except DriverError as exc:
            raise ConfigError(str(exc), "DockerHost") from None
        return drv

    # -- monitor --------------------------------------------------------------------

    def monitor(self, res):
        from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable

        cfg = self.cfg
        try:
            drv = self._driver(res)
            info = drv.inspect(cfg.name, timeout=budget(res))
            if info is None:
                return OFFLINE
            if not is_ours(info, res):
                self._foreign_once(res, info)
                return OFFLINE
            state = info["state"]
            if state not in RUNNING:
                if state not in ("exited", "created"):
                    res.log.notice(f"container {cfg.name} is {state}", "state")
                return OFFLINE
            ok, why = self._health(res, drv, info)
        except DriverUnavailable as exc:
            res.log.error(f"state unknown: {exc}", "unavailable")
            return UNKNOWN
        except DriverError as exc:
            res.log.error(f"state unknown: {exc}", "driver")
            return UNKNOWN
        if ok:
            return ONLINE
        res.log.warning(f"container {cfg.name} is running but not healthy: {why}", "health")
        return OFFLINE

    def _health(self, res, drv, info):
        """(True, '') when healthy as configured; (False, why) otherwise.

        A 'starting' image health check is not yet healthy: OFFLINE (docs/container.md).
        """
        from vxha.agents.drivers.docker import ExecTimeout
        from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable

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
        path = os.path.join(res.ctx.state_dir, f"Container.{res.name}.foreign")
        try:
            with open(path) as f:
                if f.read().strip() == info["id"]:
                    return
        except OSError:
            pass
        res.log.error(_foreign_error(info, res, self.cfg), "foreign")
        try:
            os.makedirs(res.ctx.state_dir, exist_ok=True)
            with open(path, "w") as f:
                f.write(info["id"])
        except OSError:
            pass

    def _forget_foreign(self, res):
        try:
            os.unlink(os.path.join(res.ctx.state_dir, f"Container.{res.name}.foreign"))
        except OSError:
            pass

    # -- online ---------------------------------------------------------------------

    def online(self, res):
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
                self._wait_ready(res, drv, settle=0)
                return None
            reuse = (
                info is not None
                and cfg.reuse
                and info["state"] in ("created", "exited")
                and info["labels"].get(LABEL_SPEC) == spec["labels"][LABEL_SPEC]
            )
            if not reuse:
                if info is not None:
                    left = info["state"]
                    res.log.info(f"replacing our leftover {left} container", "ctr.replaced")
                    self._remove_and_wait(res, drv)
                self._ensure_image(res, drv)
                drv.create(cfg.name, spec, timeout=res.timeout(30))
        except DriverError as exc:
            raise AgentError(f"container {cfg.name}: {exc}") from None
        try:
            drv.start(cfg.name, timeout=res.timeout(30))
            self._wait_ready(res, drv)
            for cmd in cfg.startup_cmds:
                self._startup(res, drv, cmd)
        except AgentError as exc:
            self._undo(res, drv, exc)
            raise
        except DriverError as exc:
            self._undo(res, drv, exc)
            raise AgentError(f"container {cfg.name}: {exc}") from None
        res.log.info(f"container {cfg.name} is online", "ctr.online")
        return None

    def _ensure_image(self, res, drv):
        cfg = self.cfg
        if drv.image_present(cfg.image, timeout=res.timeout(10)):
            return
        if not cfg.allow_pull:
            raise AgentError(
                f"image {cfg.image} is not present on this system and AllowPull is 0:"
                " load it (docker load) or set AllowPull = 1",
                "Image",
            )
        res.log.info(f"pulling image {cfg.image}", "ctr.pull")
        drv.pull(cfg.image, timeout=res.timeout())

    def _wait_ready(self, res, drv, settle: float = 0.3):
        """Until the container runs and is healthy as configured, within the deadline.

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
                    return  # still running after the pause
                ok, why = self._health(res, drv, info)
                if ok:
                    if settle <= 0:
                        return
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
        from vxha.agents.drivers.fakestate import DriverError

        cfg = self.cfg
        drv = self._driver(res)
        try:
            info = drv.inspect(cfg.name, timeout=res.timeout(10))
            if info is None:
                res.log.info(f"container {cfg.name} is already gone", "ctr.offline")
                return None
            if not is_ours(info, res):
                res.log.warning(_foreign_error(info, res, cfg), "foreign")
                return None
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
            else:
                self._remove_and_wait(res, drv)
        except DriverError as exc:
            raise AgentError(f"container {cfg.name}: {exc}") from None
        res.log.info(f"container {cfg.name} is offline", "ctr.offline")
        return None

    # -- clean ----------------------------------------------------------------------

    def clean(self, res):
        from vxha.agents.drivers.fakestate import DriverError

        cfg = self.cfg
        try:
            drv = self._driver(res)
            info = drv.inspect(cfg.name, timeout=res.timeout(10))
            if info is None:
                return True
            if not is_ours(info, res):
                res.log.warning(_foreign_error(info, res, cfg), "foreign")
                return True
            if info["state"] == "paused":
                drv.unpause(cfg.name, timeout=res.timeout(10))
            if info["state"] in STOPPABLE:
                drv.kill(cfg.name, timeout=res.timeout(10))
            gone = self._remove_and_wait(res, drv)
        except (DriverError, AgentError) as exc:
            res.log.error(f"container {cfg.name} may still be present: {exc}", "state")
            return False
        res.log.info(f"container {cfg.name} killed and removed", "ctr.cleaned")
        return gone

    def info(self, res):
        """ResourceInfo (docs/framework.md): what the container driver's inspect tells."""
        cfg = self.cfg
        drv = self._driver(res)
        info = drv.inspect(cfg.name, timeout=budget(res, 10))
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
