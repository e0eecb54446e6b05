"""The container runtime driver: a Docker Engine behind a small, runtime-neutral interface.

Every call speaks the Engine API directly over the engine's socket with one plain HTTP/1.1
request and a deadline: no docker-py (its import alone costs ~150 ms) and no http.client
(~16 ms of email-parsing imports), because monitor runs this every MonitorInterval for
every container and its start-up cost is measured. ``FakeDocker`` (docker_fake.py) has the
same interface; one test suite runs against both.

Containers are described to agents as plain dicts (see :func:`summarize`), and created
from a neutral spec (see :meth:`DockerDriver.create`), so another runtime can plug in.
"""

from __future__ import annotations

# The socket module's wrapper costs ~2 ms of imports (selectors, enum classes); the C
# object underneath has all a request needs.
import _socket as socket
import posix
import time

# json's loads and dumps, without the import of re that json itself costs a monitor.
from vxha.agents.drivers import jsonscan as json
from vxha.agents.drivers.errors import DriverError, DriverUnavailable

DEFAULT_HOST = "unix:///var/run/docker.sock"

# The command a data container is created with: never run (an add-on image has nothing to
# run), but the engines refuse a container without one.
DATA_COMMAND = "/vxha-data-container-runs-nothing"

# Container states reported by inspect (Docker's words; a fake or another runtime maps to them).
STATES = ("created", "running", "paused", "restarting", "removing", "exited", "dead")


class ExecTimeout(DriverError):
    """A command run inside a container did not finish in time; it was killed."""


class EngineTimeout(DriverUnavailable):
    """The engine (or a stream from it) did not answer before the deadline: it is silent,
    as a hung engine is; a plain DriverUnavailable means it refused or is gone."""


def summarize(raw: dict) -> dict:
    """A container as agents see it, from the Engine API's inspect document."""
    st = raw.get("State") or {}
    cfg = raw.get("Config") or {}
    netset = raw.get("NetworkSettings") or {}
    nets = netset.get("Networks") or {}
    addresses = {n: v.get("IPAddress") for n, v in nets.items() if v and v.get("IPAddress")}
    test = (cfg.get("Healthcheck") or {}).get("Test") or []
    return {
        "id": raw.get("Id", ""),
        "name": (raw.get("Name") or "").lstrip("/"),
        "image": cfg.get("Image", ""),
        "state": st.get("Status") or ("running" if st.get("Running") else "exited"),
        "health": (st.get("Health") or {}).get("Status") or None,
        "exit_code": st.get("ExitCode"),
        "oom_killed": bool(st.get("OOMKilled")),
        "finished_at": st.get("FinishedAt") or None,
        "restart_policy": ((raw.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name")
        or "no",
        "pid": st.get("Pid") or None,
        "labels": cfg.get("Labels") or {},
        "addresses": addresses,
        "healthcheck_disabled": test == ["NONE"],
        "started_at": st.get("StartedAt") or None,
        "restart_count": raw.get("RestartCount"),
        "image_digest": raw.get("Image") or None,
    }


def pick_address(info: dict | None, network: str | None = None) -> str | None:
    """The container's address on ``network`` (default: its only or first network)."""
    if not info or info.get("state") != "running":
        return None
    addresses = info.get("addresses") or {}
    if network is not None:
        return addresses.get(network) or None
    for name in sorted(addresses):
        return addresses[name]
    return None


def demux(data: bytes) -> str:
    """Text of a multiplexed stdout/stderr stream (8-byte frame headers), or raw text."""
    out = []
    pos, n = 0, len(data)
    while pos + 8 <= n and data[pos] in (0, 1, 2) and data[pos + 1 : pos + 4] == b"\0\0\0":
        size = int.from_bytes(data[pos + 4 : pos + 8], "big")
        out.append(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    if pos < n and not out:
        out.append(data)  # a TTY stream: not multiplexed
    return b"".join(out).decode("utf-8", "replace")


# What urllib.parse.quote(text, safe="/:@") leaves as it is (urllib.parse costs a monitor
# an import of ipaddress).
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/:@")


def _quote(text: str) -> str:
    """``text`` percent-encoded for a request path, as urllib.parse.quote(safe="/:@")."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


class DockerDriver:
    """A Docker Engine, or Podman's Docker-compatible service, at ``DockerHost``
    (``unix:///path``)."""

    kind = "docker"

    def __init__(self, ctx=None, host: str | None = None):
        if ctx is None:
            from os import environ as env  # a caller outside the framework
        else:
            env = ctx.env
        self.use_host(host or env.get("DOCKER_HOST") or DEFAULT_HOST)

    def use_host(self, host: str | None) -> None:
        """Talk to the engine at ``host`` from now on (empty: keep the current one).

        Only ``unix://`` sockets: the Engine API over plain TCP gives whoever reaches the
        port root on the node, and this driver speaks no TLS.
        """
        if not host:
            return
        if host.startswith("tcp://"):
            raise DriverError(
                f"engine address {host!r}: plain TCP (no TLS) gives whoever reaches the port"
                " root on the node; use the engine's unix socket (unix:///PATH)"
            )
        if not host.startswith("unix:///") or len(host) <= len("unix:///"):
            raise DriverError(f"engine address {host!r}: expected unix:///PATH")
        self.family, self.address = socket.AF_UNIX, host[len("unix://") :]
        self.host = host
        self._podman = None

    # -- transport ------------------------------------------------------------------

    def _request(self, method: str, path: str, body=None, timeout: float = 10.0):
        """(status, body bytes) of one request; DriverUnavailable when no answer in time."""
        deadline = time.monotonic() + timeout
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: vxha\r\n"
            f"Connection: close\r\nContent-Length: {len(data)}\r\n"
        )
        if body is not None:
            head += "Content-Type: application/json\r\n"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0)
        try:
            sock.settimeout(max(0.01, timeout))
            sock.connect(self.address)
            sock.sendall(head.encode() + b"\r\n" + data)
            buf = bytearray()
            header_end = -1
            length = None
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                sock.settimeout(left)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if header_end < 0:
                    header_end = buf.find(b"\r\n\r\n")
                    if header_end >= 0:
                        length = _content_length(bytes(buf[:header_end]))
                if length is not None and len(buf) >= header_end + 4 + length:
                    break
        except socket.timeout:
            raise EngineTimeout(
                f"docker engine at {self.host} did not answer {method} {path.split('?')[0]} "
                f"within {timeout:.1f} s"
            ) from None
        except OSError as exc:
            raise DriverUnavailable(
                f"docker engine at {self.host} is not reachable: {exc.strerror or exc}"
            ) from None
        finally:
            sock.close()
        return _parse_response(bytes(buf), self.host)

    def _call(self, method, path, body=None, timeout=10.0, ok=(200, 201, 204, 304)):
        status, payload = self._request(method, path, body, timeout)
        if status in ok:
            return status, payload
        raise DriverError(f"{method} {path.split('?')[0]}: {_message(status, payload)}")

    # -- containers -----------------------------------------------------------------

    def inspect(self, name: str, timeout: float) -> dict | None:
        """The container (see :func:`summarize`), or None when there is none of that name."""
        status, payload = self._request("GET", f"/containers/{_quote(name)}/json", None, timeout)
        if status == 404:
            return None
        if status != 200:
            raise DriverError(f"inspect {name}: {_message(status, payload)}")
        try:
            return summarize(json.loads(payload))
        except ValueError as exc:
            raise DriverError(f"inspect {name}: the engine's answer is not JSON ({exc})") from None

    def create(self, name: str, spec: dict, timeout: float) -> str:
        """Create a container from a neutral spec; return its id.

        spec: image, hostname, env {k: v}, mounts [{source, target, read_only}], cpus (float),
        memory (bytes), privileged, labels {k: v}, init (bool), image_health (bool: keep the
        image's HEALTHCHECK), stop_timeout (seconds); options when set: network, user,
        cap_add, cap_drop, devices [{host, container, perms}], command, entrypoint,
        read_only, ulimits [{name, soft, hard}], shm_size (bytes), tmpfs {path: options},
        volumes_from [data container names] (their volumes, read-only).
        """
        for m in spec.get("mounts") or []:
            # Docker refuses a missing bind source; Podman creates it, which would put an
            # unmounted CFS mount point's data on the root file system: refuse it here.
            if not _exists(m["source"]):
                raise DriverError(
                    f"invalid mount config: bind source path does not exist: {m['source']}"
                )
        host_config = {
            "Init": bool(spec.get("init", True)),
            "Privileged": bool(spec.get("privileged")),
            "RestartPolicy": {"Name": "no"},  # VCS decides restarts, never the engine
            # Type=bind never creates a missing source: an unmounted CFS mount point is an
            # error, not a fresh empty directory on the root file system.
            "Mounts": [
                {
                    "Type": "bind",
                    "Source": m["source"],
                    "Target": m["target"],
                    "ReadOnly": bool(m.get("read_only")),
                }
                for m in spec.get("mounts") or []
            ],
        }
        for key, field in (
            ("network", "NetworkMode"),
            ("cap_add", "CapAdd"),
            ("cap_drop", "CapDrop"),
            ("read_only", "ReadonlyRootfs"),
            ("shm_size", "ShmSize"),
            ("tmpfs", "Tmpfs"),
        ):
            if spec.get(key):
                host_config[field] = spec[key]
        if spec.get("devices"):
            host_config["Devices"] = [
                {
                    "PathOnHost": d["host"],
                    "PathInContainer": d["container"],
                    "CgroupPermissions": d["perms"],
                }
                for d in spec["devices"]
            ]
        if spec.get("ulimits"):
            host_config["Ulimits"] = [
                {"Name": u["name"], "Soft": u["soft"], "Hard": u["hard"]} for u in spec["ulimits"]
            ]
        if spec.get("volumes_from"):
            host_config["VolumesFrom"] = [f"{n}:ro" for n in spec["volumes_from"]]
        if spec.get("cpus"):
            host_config["NanoCpus"] = int(round(float(spec["cpus"]) * 1e9))
        if spec.get("memory"):
            host_config["Memory"] = int(spec["memory"])
        body = {
            "Image": spec["image"],
            "Env": [f"{k}={v}" for k, v in (spec.get("env") or {}).items()],
            "Labels": dict(spec.get("labels") or {}),
            "HostConfig": host_config,
        }
        for key, field in (
            ("hostname", "Hostname"),
            ("user", "User"),
            ("command", "Cmd"),
            ("entrypoint", "Entrypoint"),
        ):
            if spec.get(key):
                body[field] = spec[key]
        if spec.get("stop_timeout") is not None:
            body["StopTimeout"] = int(spec["stop_timeout"])
        if not spec.get("image_health", True):
            body["Healthcheck"] = {"Test": ["NONE"]}
        _, payload = self._call(
            "POST", f"/containers/create?name={_quote(name)}", body, timeout, ok=(201,)
        )
        return json.loads(payload).get("Id", "")

    def start(self, name: str, timeout: float) -> None:
        self._call("POST", f"/containers/{_quote(name)}/start", None, timeout)

    def stop(self, name: str, stop_timeout: int, timeout: float) -> bool:
        """TERM, then KILL after ``stop_timeout`` s; False when there is no such container."""
        status, payload = self._request(
            "POST", f"/containers/{_quote(name)}/stop?t={int(stop_timeout)}", None, timeout
        )
        if status == 404:
            return False
        if status not in (204, 304):
            raise DriverError(f"stop {name}: {_message(status, payload)}")
        return True

    def kill(self, name: str, timeout: float, signal: str = "KILL") -> bool:
        """Send ``signal``; False when the container is absent or not running."""
        status, payload = self._request(
            "POST", f"/containers/{_quote(name)}/kill?signal={signal}", None, timeout
        )
        if status in (404, 409) or _state_improper(status, payload):
            return False
        if status != 204:
            raise DriverError(f"kill {name}: {_message(status, payload)}")
        return True

    def no_restart(self, name: str, timeout: float) -> None:
        """Set the container's restart policy back to ``no`` (Docker's update; Podman's
        compatible service has none, and no way to give a container another policy)."""
        body = {"RestartPolicy": {"Name": "no"}}
        self._call("POST", f"/containers/{_quote(name)}/update", body, timeout)

    def unpause(self, name: str, timeout: float) -> None:
        status, payload = self._request(
            "POST", f"/containers/{_quote(name)}/unpause", None, timeout
        )
        if status not in (204, 304, 404, 409):
            raise DriverError(f"unpause {name}: {_message(status, payload)}")

    def remove(self, name: str, timeout: float, volumes: bool = False) -> bool:
        """Remove the container (forced); False when already absent. Its volumes stay,
        unless ``volumes``: then its anonymous ones go too (a data container's copy of its
        image), never a named volume."""
        status, payload = self._request(
            "DELETE", f"/containers/{_quote(name)}?force=1&v={int(volumes)}", None, timeout
        )
        if status == 404:
            return False
        if status != 204:
            raise DriverError(f"remove {name}: {_message(status, payload)}")
        return True

    def logs(self, name: str, timeout: float, tail: int = 5) -> str:
        """The last lines the container wrote (stdout and stderr), '' when unknown."""
        try:
            status, payload = self._request(
                "GET",
                f"/containers/{_quote(name)}/logs?stdout=1&stderr=1&tail={tail}",
                None,
                timeout,
            )
        except DriverError:
            return ""
        return demux(payload).strip() if status == 200 else ""

    def exec(self, name: str, argv: list, timeout: float) -> tuple:
        """Run ``argv`` inside the running container: (exit code, output).

        ExecTimeout after ``timeout`` s, the command (and what it started) killed so that no
        exec session is left behind; DriverError when the container is not running.
        """
        deadline = time.monotonic() + timeout
        body = {"Cmd": list(argv), "AttachStdout": True, "AttachStderr": True, "Tty": False}
        status, payload = self._request("POST", f"/containers/{_quote(name)}/exec", body, timeout)
        if status == 409 or _state_improper(status, payload):
            raise DriverError(f"container {name} is not running: {_message(status, payload)}")
        if status != 201:
            raise DriverError(f"exec in {name}: {_message(status, payload)}")
        exec_id = json.loads(payload)["Id"]
        try:
            status, out = self._request(
                "POST",
                f"/exec/{exec_id}/start",
                {"Detach": False, "Tty": False},
                max(0.01, deadline - time.monotonic()),
            )
        except EngineTimeout:
            self._kill_exec(exec_id, name)
            raise ExecTimeout(f"{argv[-1]!r} did not finish within {timeout:.1f} s") from None
        if status != 200:
            raise DriverError(f"exec in {name}: {_message(status, out)}")
        output = demux(out)
        # The stream ends when the process exits; its exit code follows in a moment.
        for _ in range(50):
            left = max(0.5, deadline - time.monotonic())
            info = json.loads(self._call("GET", f"/exec/{exec_id}/json", None, left)[1])
            if not info.get("Running"):
                return info.get("ExitCode"), output
            time.sleep(0.01)
        return info.get("ExitCode"), output

    def _kill_exec(self, exec_id: str, name: str) -> None:
        """Kill a timed-out exec'd process and its descendants (same host only)."""
        try:
            info = json.loads(self._call("GET", f"/exec/{exec_id}/json", None, 1.0)[1])
        except (DriverError, ValueError):
            return
        pid = info.get("Pid")
        if not pid or not info.get("Running"):
            return
        from vxha.agents.drivers.proc import kill_tree  # not at the top: monitor kills nothing

        kill_tree(int(pid))

    # -- the container's main process, seen from the host (no engine needed) --------

    def main_process(self, info: dict) -> str | None:
        """What identifies the running container's main process on this host: its PID,
        its start time (clock ticks after boot, /proc/PID/stat) and the boot's id, so that
        a PID reused by another process, or a reboot, never passes for it."""
        pid = info.get("pid")
        start = _start_time(pid) if pid else None
        return None if start is None else f"{pid} {start} {_boot_id()}"

    def process_alive(self, record: str) -> bool:
        """True while the process ``main_process`` identified still runs."""
        pid, start, boot = _parse_record(record)
        return pid > 0 and boot == _boot_id() and _start_time(pid) == start

    def kill_process(self, record: str, timeout: float) -> bool:
        """SIGKILL the recorded process and its descendants; True once it is gone."""
        if not self.process_alive(record):
            return True
        from vxha.agents.drivers.proc import kill_tree

        kill_tree(_parse_record(record)[0])
        deadline = time.monotonic() + timeout
        delay = 0.01
        while self.process_alive(record):
            if time.monotonic() + delay > deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        return True

    # -- images ---------------------------------------------------------------------

    def image_present(self, image: str, timeout: float) -> bool:
        status, payload = self._request("GET", f"/images/{_quote(image)}/json", None, timeout)
        if status == 404:
            return False
        if status != 200:
            raise DriverError(f"image {image}: {_message(status, payload)}")
        return True

    def pull(self, image: str, timeout: float) -> None:
        """Pull ``image`` from its registry; DriverError with the registry's reason."""
        status, payload = self._request(
            "POST", f"/images/create?fromImage={_quote(image)}", None, timeout
        )
        if status != 200:
            raise DriverError(f"pull {image}: {_message(status, payload)}")
        for line in payload.decode("utf-8", "replace").splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict) and msg.get("error"):
                raise DriverError(f"pull {image}: {msg['error']}")

    def image_info(self, image: str, timeout: float) -> dict | None:
        """The local image's ``{id, labels, volumes}`` (its VOLUME paths), None when absent."""
        status, payload = self._request("GET", f"/images/{_quote(image)}/json", None, timeout)
        if status == 404:
            return None
        if status != 200:
            raise DriverError(f"image {image}: {_message(status, payload)}")
        try:
            doc = json.loads(payload)
        except ValueError as exc:
            raise DriverError(f"image {image}: the engine's answer is not JSON ({exc})") from None
        cfg = doc.get("Config") or {}
        return {
            "id": doc.get("Id", ""),
            "labels": cfg.get("Labels") or {},
            "volumes": sorted(cfg.get("Volumes") or {}),
        }

    # -- data containers: an image's files for other containers (add-ons, hotfixes) ---

    def create_data(self, name: str, image: str, path: str, labels: dict, timeout: float) -> str:
        """Create a data container: ``image``'s files at ``path`` in an anonymous volume,
        which containers created with ``volumes_from`` mount read-only. Nothing of the
        image runs (an add-on has nothing to run); returns the container's id."""
        host_config = {"NetworkMode": "none", "RestartPolicy": {"Name": "no"}}
        podman = self.is_podman(timeout)
        if podman:
            host_config["Init"] = True
        body = {
            "Image": image,
            "Cmd": [DATA_COMMAND],  # the engines refuse a container without a command
            "Labels": dict(labels),
            "Volumes": {path: {}},
            "HostConfig": host_config,
        }
        _, payload = self._call(
            "POST", f"/containers/create?name={_quote(name)}", body, timeout, ok=(201,)
        )
        if podman:
            # Docker copies the image's files into the volume at create; Podman when a
            # container using the volume first starts, from that container's own image. So
            # the data container starts once: its init (catatonit) finds no command in the
            # image and exits, the volume filled from the add-on image.
            self._call("POST", f"/containers/{_quote(name)}/start", None, timeout)
        return json.loads(payload).get("Id", "")

    def labelled(self, labels: dict, timeout: float) -> list:
        """Every container (any state) carrying all of ``labels``: ``[{name, labels, state}]``."""
        wanted = json.dumps({"label": [f"{k}={v}" for k, v in sorted(labels.items())]})
        _, payload = self._call(
            "GET", f"/containers/json?all=1&filters={_quote(wanted)}", None, timeout
        )
        out = []
        for c in json.loads(payload) or []:
            names = c.get("Names") or [""]
            out.append(
                {
                    "name": names[0].lstrip("/"),
                    "labels": c.get("Labels") or {},
                    "state": c.get("State") or "",
                }
            )
        return out

    def is_podman(self, timeout: float) -> bool:
        """Whether the engine is Podman's Docker-compatible service (asked once): only
        Podman answers its own ping; its ``/version`` would take a second."""
        if self._podman is None:
            status, payload = self._request("GET", "/libpod/_ping", None, timeout)
            if status not in (200, 404):
                raise DriverError(f"ping: {_message(status, payload)}")
            self._podman = status == 200
        return self._podman

    # -- for other agents -----------------------------------------------------------

    def container_address(self, name: str, network: str | None = None, timeout: float = 5.0):
        """The running container's IP address on ``network`` (default: its first), or None."""
        return pick_address(self.inspect(name, timeout), network)


def engine_note(name: str) -> str:
    """The state file in which the Container agent notes the engine (its socket) running
    container ``name``: PortForward, which has no DockerHost, asks that engine for the
    container's address (docs/network.md, "Which engine")."""
    return f"engine.{name}"


def _exists(path: str) -> bool:
    """os.path.exists, without os on monitor's path."""
    try:
        posix.stat(path)
    except (OSError, ValueError):
        return False
    return True


def _start_time(pid) -> int | None:
    """The process's start time in clock ticks after boot; None when it is gone or a zombie."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as f:
            stat = f.read()
    except (OSError, ValueError):
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return "-"


def _parse_record(record: str):
    try:
        pid, start, boot = record.split()[:3]
        return int(pid), int(start), boot
    except ValueError:
        return 0, 0, ""


def _state_improper(status: int, payload: bytes) -> bool:
    """Podman's answer where Docker says 409: the container is not in a state for that."""
    return status == 500 and b"container state improper" in payload


def _content_length(head: bytes):
    chunked = False
    length = None
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        key = key.strip().lower()
        if key == b"content-length":
            length = int(value.strip() or 0)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return None if chunked else length


def _parse_response(raw: bytes, host: str):
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        raise DriverUnavailable(f"docker engine at {host} closed the connection without an answer")
    head, body = raw[:end], raw[end + 4 :]
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise DriverError(f"docker engine at {host} answered something that is not HTTP") from None
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = _dechunk(body)
    else:
        length = _content_length(head)
        if length is not None:
            body = body[:length]
    return status, body


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            break
        try:
            size = int(body[pos:eol].split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out += body[eol + 2 : eol + 2 + size]
        pos = eol + 2 + size + 2
    return bytes(out)


def _message(status: int, payload: bytes) -> str:
    try:
        text = json.loads(payload).get("message")
    except (ValueError, AttributeError):
        text = None
    if not text:
        text = payload.decode("utf-8", "replace").strip()[:300]
    return f"{text} (HTTP {status})"
