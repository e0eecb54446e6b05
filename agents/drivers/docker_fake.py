"""The fake container runtime: DockerDriver's interface over one simulated node's JSON state.

State (``<VXHA_NODE_DIR>/docker.json``), shared by every entry-point process of the node:
``images`` {ref: {"healthcheck": bool, "health": status reached after start, "labels",
"volumes"}}, ``registry`` {ref: same} (what ``pull`` can fetch), ``any_image`` (every image
present), ``containers`` {name: {id, name, image, state, health, exit_code, labels, spec,
address, pid, started, ignores_term, exec {command: result}, exec_count, exec_log,
running_execs, volume}}, ``volumes`` {id: {container, path, image}} (data containers'
anonymous volumes), ``next_pid``; ``runs`` {image: {command: result}} and ``oneoffs`` [what
each one-off container (spec ``once``) ran]. Faults come from faults.json as
``docker.<op>`` (ops: inspect, create, start, stop, kill, unpause, remove, exec,
image_present, image_info, create_data, labelled, pull); a ``hang`` outside the simulator
lasts the call's timeout and then raises EngineTimeout, as the real driver's bounded calls
do.

A running container has a main process (``pid`` and a ``started`` serial standing for its
start time) that the host sees whatever the engine does: ``process_alive`` and
``kill_process`` never consult faults, as /proc needs no engine.

The methods after "test hooks" let tests and the simulator act on the world from outside
(a container killed, made unhealthy, a foreign container holding a name).
"""

from __future__ import annotations

import time
import uuid

from vxha.agents.drivers.docker import EngineTimeout, ExecTimeout, pick_address
from vxha.agents.drivers.fakestate import DriverError, FakeState, read_faults

SUBNET = "172.17.0."


class FakeDocker:
    kind = "docker"

    def __init__(self, ctx, host: str | None = None):
        self.ctx = ctx
        self.state = FakeState(ctx, "docker")
        self.host = host or "fake://"

    def use_host(self, host: str | None) -> None:
        if host:
            self.host = host

    def _engine(self, op: str, timeout: float) -> None:
        """Apply the fault configured for ``op``; a hang lasts ``timeout``, then times out."""
        faults = read_faults(self.ctx)
        spec = faults.get(f"docker.{op}") or faults.get("docker.*")
        if spec and spec.get("mode") == "hang" and not self.ctx.inprocess:
            # A moment past the timeout: a call bounded by the entry point's own deadline
            # meets that deadline first, as a hung socket read would.
            time.sleep(max(0.0, timeout) + 0.05)
            raise EngineTimeout(f"docker engine did not answer {op} within {timeout:.1f} s")
        self.state.fault(op)

    # -- containers -----------------------------------------------------------------

    def inspect(self, name: str, timeout: float) -> dict | None:
        self._engine("inspect", timeout)
        c = self.state.read().get("containers", {}).get(name)
        return _summary(c) if c else None

    def create(self, name: str, spec: dict, timeout: float) -> str:
        self._engine("create", timeout)
        with self.state.locked() as st:
            if name in st.setdefault("containers", {}):
                raise DriverError(f'Conflict. The container name "/{name}" is already in use')
            image = st.get("images", {}).get(spec["image"])
            if image is None and st.get("any_image"):
                image = {}
            if image is None:
                raise DriverError(f"No such image: {spec['image']}")
            for m in spec.get("mounts") or []:
                if not m["source"].startswith("/"):
                    raise DriverError(f"invalid mount source {m['source']!r}")
            for source in spec.get("volumes_from") or []:
                if source not in st["containers"]:
                    raise DriverError(f"No such container: {source}")
            cid = uuid.uuid4().hex + uuid.uuid4().hex
            st["containers"][name] = {
                "id": cid,
                "name": name,
                "image": spec["image"],
                "state": "created",
                "health": None,
                "exit_code": 0,
                "labels": dict(spec.get("labels") or {}),
                "spec": spec,
                "address": None,
                "ignores_term": False,
                "healthcheck": bool(image.get("healthcheck")) and spec.get("image_health", True),
                "health_on_start": image.get("health", "healthy"),
                "exec": {},
                "exec_count": 0,
            }
            return cid

    def start(self, name: str, timeout: float) -> None:
        self._engine("start", timeout)
        with self.state.locked() as st:
            c = _get(st, name)
            if c["state"] == "running":
                return
            if c["state"] in ("removing", "dead"):
                raise DriverError(f"container {name} is marked for removal and cannot be started")
            c["state"] = "running"
            c["exit_code"] = 0
            st["next_pid"] = st.get("next_pid", 4000) + 1
            c["pid"] = st["next_pid"]
            c["started"] = st["next_pid"]
            c["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            c["health"] = c["health_on_start"] if c.get("healthcheck") else None
            c["address"] = _next_ip(st)
            if c["spec"].get("once"):
                _run_once(st, c)

    def stop(self, name: str, stop_timeout: int, timeout: float) -> bool:
        self._engine("stop", timeout)
        c = self.state.read().get("containers", {}).get(name)
        if c is None:
            return False
        if c["state"] in ("running", "paused", "restarting") and c.get("ignores_term"):
            # TERM is ignored: the engine waits the stop timeout, then kills.
            if not self.ctx.inprocess:
                time.sleep(max(0.0, min(float(stop_timeout), timeout)))
            code = 137
        else:
            code = 143
        with self.state.locked() as st:
            c = st.get("containers", {}).get(name)
            if c is None:
                return False
            if c["state"] in ("running", "paused", "restarting"):
                _exited(c, code)
        return True

    def kill(self, name: str, timeout: float, signal: str = "KILL") -> bool:
        self._engine("kill", timeout)
        with self.state.locked() as st:
            c = st.get("containers", {}).get(name)
            if c is None or c["state"] not in ("running", "paused", "restarting"):
                return False
            if signal in ("KILL", "9", "SIGKILL") or not c.get("ignores_term"):
                _exited(c, 137 if signal in ("KILL", "9", "SIGKILL") else 143)
        return True

    def no_restart(self, name: str, timeout: float) -> None:
        self._engine("update", timeout)
        with self.state.locked() as st:
            _get(st, name)["restart_policy"] = "no"

    def unpause(self, name: str, timeout: float) -> None:
        self._engine("unpause", timeout)
        with self.state.locked() as st:
            c = st.get("containers", {}).get(name)
            if c is not None and c["state"] == "paused":
                c["state"] = "running"

    def remove(self, name: str, timeout: float, volumes: bool = False) -> bool:
        self._engine("remove", timeout)
        with self.state.locked() as st:
            c = st.get("containers", {}).get(name)
            if c is None:
                return False
            stuck = c.get("stuck_removal")
            if stuck:
                _exited(c, c.get("exit_code") or 137)
                c["state"] = "removing"
            else:
                del st["containers"][name]
                if volumes and c.get("volume"):
                    st.get("volumes", {}).pop(c["volume"], None)
        if stuck:
            raise DriverError(f"removal of container {name} is already in progress")
        return True

    def logs(self, name: str, timeout: float, tail: int = 5) -> str:
        c = self.state.read().get("containers", {}).get(name)
        return (c or {}).get("logs", "")

    def exec(self, name: str, argv: list, timeout: float) -> tuple:
        self._engine("exec", timeout)
        command = " ".join(argv)
        with self.state.locked() as st:
            c = _get(st, name)
            if c["state"] != "running":
                raise DriverError(f"container {name} is not running")
            c["exec_count"] = c.get("exec_count", 0) + 1
            c.setdefault("exec_log", []).append(command)
            results = c.get("exec") or {}
            runs = st.get("runs", {}).get(c["image"], {})
            result = (
                results.get(command)
                or results.get(argv[-1])
                or results.get("*")
                or runs.get(argv[-1])
                or {}
            )
            seconds = float(result.get("seconds", 0))
            if seconds and not self.ctx.inprocess:
                # In flight until it ends or is killed: what the engine's top would list.
                c.setdefault("running_execs", []).append(command)
        try:
            if seconds > timeout:
                if not self.ctx.inprocess:
                    time.sleep(timeout)
                raise ExecTimeout(f"{argv[-1]!r} did not finish within {timeout:.1f} s")
            if seconds and not self.ctx.inprocess:
                time.sleep(seconds)
        finally:
            if seconds and not self.ctx.inprocess:
                with self.state.locked() as st:
                    c = st.get("containers", {}).get(name)
                    if c is not None and command in c.get("running_execs", []):
                        c["running_execs"].remove(command)
        return int(result.get("code", 0)), result.get("output", "")

    # -- the container's main process, seen from the host ---------------------------

    def main_process(self, info: dict) -> str | None:
        c = self._by_pid(info.get("pid"))
        return None if c is None else f"{c['pid']} {c['started']} fake"

    def process_alive(self, record: str) -> bool:
        pid, started = _parse_record(record)
        c = self._by_pid(pid)
        return c is not None and c.get("started") == started

    def kill_process(self, record: str, timeout: float) -> bool:
        pid, started = _parse_record(record)
        with self.state.locked() as st:
            for c in st.get("containers", {}).values():
                if c.get("pid") == pid and c.get("started") == started and _runs(c):
                    _exited(c, 137)
        return True

    def _by_pid(self, pid):
        if not pid:
            return None
        for c in self.state.read().get("containers", {}).values():
            if c.get("pid") == pid and _runs(c):
                return c
        return None

    # -- images ---------------------------------------------------------------------

    def image_present(self, image: str, timeout: float) -> bool:
        self._engine("image_present", timeout)
        st = self.state.read()
        return bool(st.get("any_image")) or image in st.get("images", {})

    def pull(self, image: str, timeout: float) -> None:
        self._engine("pull", timeout)
        with self.state.locked() as st:
            found = st.get("registry", {}).get(image)
            if found is None:
                raise DriverError(f"pull {image}: pull access denied or repository does not exist")
            st.setdefault("images", {})[image] = dict(found)

    def image_info(self, image: str, timeout: float) -> dict | None:
        self._engine("image_info", timeout)
        st = self.state.read()
        found = st.get("images", {}).get(image)
        if found is None and st.get("any_image"):
            found = {"id": "sha256:any"}
        if found is None:
            return None
        return {
            "id": found.get("id") or f"sha256:{image}",
            "labels": dict(found.get("labels") or {}),
            "volumes": sorted(found.get("volumes") or []),
        }

    # -- data containers ------------------------------------------------------------

    def create_data(self, name: str, image: str, path: str, labels: dict, timeout: float) -> str:
        self._engine("create_data", timeout)
        with self.state.locked() as st:
            if name in st.setdefault("containers", {}):
                raise DriverError(f'Conflict. The container name "/{name}" is already in use')
            if image not in st.get("images", {}) and not st.get("any_image"):
                raise DriverError(f"No such image: {image}")
            cid = uuid.uuid4().hex + uuid.uuid4().hex
            st.setdefault("volumes", {})[cid] = {"container": name, "path": path, "image": image}
            st["containers"][name] = {
                "id": cid,
                "name": name,
                "image": image,
                "state": "created",
                "health": None,
                "exit_code": 0,
                "labels": dict(labels),
                "spec": {"image": image, "data_path": path},
                "address": None,
                "volume": cid,
            }
            return cid

    def labelled(self, labels: dict, timeout: float) -> list:
        self._engine("labelled", timeout)
        out = []
        for c in self.state.read().get("containers", {}).values():
            have = c.get("labels") or {}
            if all(have.get(k) == v for k, v in labels.items()):
                out.append({"name": c["name"], "labels": dict(have), "state": c["state"]})
        return sorted(out, key=lambda c: c["name"])

    def is_podman(self, timeout: float) -> bool:
        return False

    def container_address(self, name: str, network: str | None = None, timeout: float = 5.0):
        return pick_address(self.inspect(name, timeout), network)

    # -- test hooks: the world acting on the node -----------------------------------

    def add_image(
        self,
        ref: str,
        healthcheck: bool = False,
        health: str = "healthy",
        labels: dict | None = None,
        volumes: list | None = None,
    ) -> None:
        """Make ``ref`` present locally; with a HEALTHCHECK reaching ``health`` after start,
        its ``labels`` and VOLUME paths."""
        with self.state.locked() as st:
            st.setdefault("images", {})[ref] = {
                "healthcheck": healthcheck,
                "health": health,
                "labels": dict(labels or {}),
                "volumes": list(volumes or []),
            }

    def allow_any_image(self, allow: bool = True) -> None:
        """Every image counts as present (for simulations that do not model images)."""
        with self.state.locked() as st:
            st["any_image"] = allow

    def add_registry_image(self, ref: str, healthcheck: bool = False) -> None:
        """Make ``ref`` pullable."""
        with self.state.locked() as st:
            st.setdefault("registry", {})[ref] = {"healthcheck": healthcheck, "health": "healthy"}

    def kill_outside(self, name: str, exit_code: int = 137, oom: bool = False) -> None:
        """The container dies (`docker kill`, the process crashed; ``oom``: the kernel's
        OOM killer, which the engine reports as OOMKilled)."""
        with self.state.locked() as st:
            c = _get(st, name)
            _exited(c, exit_code)
            c["oom_killed"] = oom

    def remove_outside(self, name: str) -> None:
        with self.state.locked() as st:
            st.get("containers", {}).pop(name, None)

    def pause_outside(self, name: str) -> None:
        with self.state.locked() as st:
            _get(st, name)["state"] = "paused"

    def set_health(self, name: str, status: str | None) -> None:
        """The image's health check now reports ``status`` (healthy/unhealthy/starting)."""
        with self.state.locked() as st:
            c = _get(st, name)
            c["healthcheck"] = status is not None
            c["health"] = status

    def set_exec(self, name: str, command: str, code: int = 0, output: str = "", seconds=0):
        """What running ``command`` inside the container returns (and how long it takes)."""
        with self.state.locked() as st:
            _get(st, name).setdefault("exec", {})[command] = {
                "code": code,
                "output": output,
                "seconds": seconds,
            }

    def set_run(self, image: str, command: str = "*", code: int = 0, output: str = "",
                hang: bool = False) -> None:  # fmt: skip
        """What ``command`` ends with in a container of ``image``: a one-off container's
        (``"*"``: any command; ``hang``: it never ends; without one, it exits 0 at once), and
        the same command exec'd in a running container of that image (unless ``set_exec``
        says otherwise for that container)."""
        with self.state.locked() as st:
            runs = st.setdefault("runs", {}).setdefault(image, {})
            runs[command] = {"code": code, "output": output, "hang": hang}

    def set_default_exec(self, name: str, code: int = 0, output: str = "", seconds=0) -> None:
        """Default result for commands without their own ``set_exec``."""
        self.set_exec(name, "*", code, output, seconds)

    def ignore_term(self, name: str, ignore: bool = True) -> None:
        """PID 1 ignores SIGTERM: stop waits its timeout, then kills."""
        with self.state.locked() as st:
            _get(st, name)["ignores_term"] = ignore

    def stick_removal(self, name: str, stuck: bool = True) -> None:
        """Removal fails as 'already in progress' (a container stuck in removal)."""
        with self.state.locked() as st:
            _get(st, name)["stuck_removal"] = stuck

    def run_foreign(self, name: str, image: str, labels: dict | None = None) -> None:
        """A container someone else started under ``name`` (no vxha labels)."""
        self.create(name, {"image": image, "labels": labels or {}}, 5.0)
        self.start(name, 5.0)

    def volumes(self) -> dict:
        """The data containers' anonymous volumes still present: {id: {container, path}}."""
        return dict(self.state.read().get("volumes", {}))

    def running_execs(self, name: str) -> list:
        """Commands exec'd in the container that are still running (the engine's top)."""
        c = self.state.read().get("containers", {}).get(name) or {}
        return list(c.get("running_execs", []))

    def oneoffs(self) -> list:
        """What the one-off containers started here ran: image, command, mounts, env."""
        return list(self.state.read().get("oneoffs", []))

    def exec_log(self, name: str) -> list:
        """The commands exec'd in the container, in order."""
        return list((self.state.read().get("containers", {}).get(name) or {}).get("exec_log", []))

    def exec_count(self, name: str) -> int:
        return (self.state.read().get("containers", {}).get(name) or {}).get("exec_count", 0)


def _get(st: dict, name: str) -> dict:
    c = st.get("containers", {}).get(name)
    if c is None:
        raise DriverError(f"No such container: {name}")
    return c


def _exited(c: dict, code: int) -> None:
    c["state"] = "exited"
    c["exit_code"] = code
    c["oom_killed"] = False
    c["finished_at"] = (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time_ns() % 10**9:09d}Z"
    )
    c["address"] = None
    c["pid"] = None
    c["running_execs"] = []  # exec'd processes die with the container's PID namespace


def _run_once(st: dict, c: dict) -> None:
    """A one-off container's command runs to its end as it starts (``set_run``)."""
    command = " ".join((c["spec"].get("command") or [])[-1:])
    runs = st.get("runs", {}).get(c["image"], {})
    result = runs.get(command) or runs.get("*") or {}
    spec = c["spec"]
    st.setdefault("oneoffs", []).append(
        {"image": c["image"], "command": command, "mounts": spec.get("mounts") or [],
         "env": spec.get("env") or {}, "labels": c["labels"]}
    )  # fmt: skip
    if not result.get("hang"):
        c["logs"] = result.get("output", "")
        _exited(c, int(result.get("code", 0)))


def _runs(c: dict) -> bool:
    return c.get("state") in ("running", "paused", "restarting")


def _parse_record(record: str):
    try:
        pid, started = record.split()[:2]
        return int(pid), int(started)
    except ValueError:
        return 0, 0


def _next_ip(st: dict) -> str:
    used = {c.get("address") for c in st.get("containers", {}).values()}
    n = 2
    while f"{SUBNET}{n}" in used:
        n += 1
    return f"{SUBNET}{n}"


def _summary(c: dict) -> dict:
    return {
        "id": c["id"],
        "name": c["name"],
        "image": c["image"],
        "state": c["state"],
        "health": c.get("health") if c["state"] == "running" else None,
        "exit_code": c.get("exit_code"),
        "oom_killed": bool(c.get("oom_killed")),
        "finished_at": c.get("finished_at"),
        "restart_policy": c.get("restart_policy") or "no",
        "pid": c.get("pid") if _runs(c) else None,
        "labels": dict(c.get("labels") or {}),
        "addresses": {"bridge": c["address"]} if c.get("address") else {},
        "healthcheck_disabled": not c.get("spec", {}).get("image_health", True),
        "started_at": c.get("started_at"),
        "restart_count": 0,
        "image_digest": None,
    }
