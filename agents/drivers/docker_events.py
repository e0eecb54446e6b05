"""The container engine's event stream (``GET /events``) and its container list, for
``vxha watch``: Docker and Podman's Docker-compatible service alike.

The stream is one HTTP/1.1 request on the engine's unix socket whose answer never ends:
the engine writes one JSON document per event, chunked. ``EventStream`` connects with a
deadline, then is read without blocking from the caller's poll loop. Only
``type=container`` is filtered by the engine: Podman's compatible service names its
actions differently in filters (``died``, not ``die``) and ignores label filters, so the
caller picks actions and labels itself. Standard library only, like docker.py.
"""

from __future__ import annotations

import _socket as socket
import json
import re
import time
from urllib.parse import quote

from vxha.agents.drivers.fakestate import DriverError, DriverUnavailable

_HEALTH = re.compile(r"\((healthy|unhealthy|health: starting)\)")
_MAX_PENDING = 1 << 20
_CONTAINERS_ONLY = quote(json.dumps({"type": ["container"]}))


class EventStream:
    """One subscription to an engine's events; ``read()`` returns those that arrived."""

    def __init__(self, host: str, since: str | None = None, until: str | None = None):
        if not host.startswith("unix:///"):
            raise DriverError(f"engine address {host!r}: expected unix:///PATH")
        self.host = host
        self.path = host[len("unix://") :]
        query = f"filters={_CONTAINERS_ONLY}"
        if since:
            query += f"&since={since}"
        if until:
            query += f"&until={until}"
        self.request = f"GET /events?{query} HTTP/1.1\r\nHost: docker\r\nUser-Agent: vxha\r\n\r\n"
        self.sock = None
        self._raw = bytearray()  # bytes received, not yet de-chunked
        self._body = bytearray()  # de-chunked body, not yet decoded
        self._chunked = False
        self._ended = False

    def connect(self, timeout: float) -> None:
        """Send the request and read the answer's head within ``timeout``; then the socket
        is non-blocking. DriverUnavailable when the engine is not there or silent."""
        deadline = time.monotonic() + timeout
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC, 0)
        try:
            sock.settimeout(max(0.01, timeout))
            sock.connect(self.path)
            sock.sendall(self.request.encode())
            head = bytearray()
            while b"\r\n\r\n" not in head:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                sock.settimeout(left)
                chunk = sock.recv(65536)
                if not chunk:
                    raise DriverUnavailable(f"engine at {self.host} closed the event stream")
                head += chunk
        except socket.timeout:
            sock.close()
            raise DriverUnavailable(
                f"engine at {self.host} did not answer GET /events within {timeout:.1f} s"
            ) from None
        except OSError as exc:
            sock.close()
            raise DriverUnavailable(
                f"engine at {self.host} is not reachable: {exc.strerror or exc}"
            ) from None
        except DriverUnavailable:
            sock.close()
            raise
        end = head.index(b"\r\n\r\n")
        status_line, _, fields = bytes(head[:end]).partition(b"\r\n")
        try:
            status = int(status_line.split(b" ", 2)[1])
        except (IndexError, ValueError):
            sock.close()
            raise DriverError(
                f"engine at {self.host} answered something that is not HTTP"
            ) from None
        if status != 200:
            sock.close()
            raise DriverError(f"engine at {self.host}: GET /events answered HTTP {status}")
        self._chunked = b"transfer-encoding: chunked" in fields.lower()
        self._raw += head[end + 4 :]
        sock.setblocking(False)
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def read(self) -> list:
        """The events received so far, decoded; EOFError once the engine ended the stream
        (it stopped, or ``until`` was reached) and everything before was returned."""
        if self.sock is not None and not self._ended:
            while True:
                try:
                    data = self.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    data = b""
                if not data:
                    self._ended = True
                    break
                self._raw += data
        events = self._decode()
        if self._ended and not events:
            raise EOFError(f"engine at {self.host} ended the event stream")
        return events

    def read_all(self, timeout: float) -> list:
        """Every event until the engine ends the stream (a request with ``until``)."""
        import select

        deadline = time.monotonic() + timeout
        events = []
        while True:
            try:
                events += self.read()
            except EOFError:
                return events
            left = deadline - time.monotonic()
            if left <= 0:
                raise DriverUnavailable(f"engine at {self.host} did not end the event replay")
            select.select([self.sock], [], [], left)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _decode(self) -> list:
        if self._chunked:
            self._dechunk()
        else:
            self._body += self._raw
            self._raw.clear()
        # Documents follow one another (Docker ends each with a newline; nothing promises
        # it), and one may be split over reads: decode what is complete, keep the rest.
        text = bytes(self._body).decode("utf-8", "surrogateescape")
        decoder = json.JSONDecoder()
        events, pos, n = [], 0, len(text)
        while True:
            while pos < n and text[pos] in " \t\r\n":
                pos += 1
            if pos >= n:
                break
            try:
                event, end = decoder.raw_decode(text, pos)
            except ValueError:
                nl = text.find("\n", pos)
                if nl < 0:
                    break  # incomplete: wait for the rest
                pos = nl + 1  # a malformed line: nothing to act on
                continue
            pos = end
            if isinstance(event, dict):
                events.append(event)
        del self._body[: len(text[:pos].encode("utf-8", "surrogateescape"))]
        if len(self._body) > _MAX_PENDING:  # never completes: not a stream of events
            self._body.clear()
        return events

    def _dechunk(self) -> None:
        raw = self._raw
        while True:
            eol = raw.find(b"\r\n")
            if eol < 0:
                return
            try:
                size = int(bytes(raw[:eol]).split(b";")[0], 16)
            except ValueError:
                self._ended = True
                raw.clear()
                return
            if size == 0:
                self._ended = True
                raw.clear()
                return
            if len(raw) < eol + 2 + size + 2:
                return
            self._body += raw[eol + 2 : eol + 2 + size]
            del raw[: eol + 2 + size + 2]


def container_event(event: dict) -> dict | None:
    """An engine event as the watch reads it, or None when it is not a container event:
    {action, id, name, labels, exit_code, health, time_nano}. ``action`` is ``die``,
    ``oom``, ``health_status`` or another engine action; ``health`` is Docker's
    ``health_status: unhealthy`` suffix or Podman's ``HealthStatus`` field."""
    if (event.get("Type") or event.get("type")) != "container":
        return None
    actor = event.get("Actor") or {}
    attrs = actor.get("Attributes") or {}
    action = event.get("Action") or event.get("status") or ""
    health = event.get("HealthStatus")
    if action.startswith("health_status"):
        action, _, suffix = action.partition(":")
        health = suffix.strip() or health
    return {
        "action": action,
        "id": actor.get("ID") or event.get("id") or "",
        "name": attrs.get("name", ""),
        "labels": attrs,
        "exit_code": attrs.get("exitCode") or attrs.get("containerExitCode"),
        "health": health or None,
        "time_nano": int(event.get("timeNano") or 0),
    }


def list_containers(driver, timeout: float) -> list:
    """Every container of the engine (all states): [{id, name, labels, state, health}],
    through the container driver's transport (docker.py)."""
    _, payload = driver._call("GET", "/containers/json?all=1", None, timeout)
    try:
        raw = json.loads(payload)
    except ValueError as exc:
        raise DriverError(f"list containers: the engine's answer is not JSON ({exc})") from None
    out = []
    for c in raw if isinstance(raw, list) else []:
        names = c.get("Names") or [""]
        m = _HEALTH.search(c.get("Status") or "")
        out.append(
            {
                "id": c.get("Id") or "",
                "name": (names[0] or "").lstrip("/"),
                "labels": c.get("Labels") or {},
                "state": c.get("State") or "",
                "health": m.group(1).replace("health: ", "") if m else None,
            }
        )
    return out
