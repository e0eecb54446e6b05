"""The client of ``vxha sim serve``: one JSON request per connection on a unix socket.

Standard library only: the ha* shims import this module and must start fast.
"""

from __future__ import annotations

import json
import os
import socket

ENV = "VXHA_SIM_SOCKET"
CANNOT_CONNECT = "V-16-1-10600"


class SimClientError(Exception):
    """``kind``: "connect" (no daemon answered), "usage" (the request named something
    unknown: nothing changed) or "internal" (the daemon failed on it)."""

    def __init__(self, message, kind="connect"):
        super().__init__(message)
        self.kind = kind


def socket_path(path=None):
    path = path or os.environ.get(ENV)
    if not path:
        raise SimClientError(
            f"{ENV} is not set: start 'vxha sim serve main.cf' and export the socket it prints"
        )
    return path


def request(path, payload, timeout=60.0):
    """Send one request, return the decoded reply."""
    data = json.dumps(payload).encode() + b"\n"
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
    except OSError as exc:
        raise SimClientError(f"cannot connect to the simulator at {path}: {exc}") from None
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError as exc:
        raise SimClientError(f"the simulator at {path} did not answer: {exc}") from None
    finally:
        s.close()
    try:
        reply = json.loads(b"".join(chunks).decode() or "{}")
    except ValueError:
        raise SimClientError(
            f"the simulator at {path} sent a malformed reply", "internal"
        ) from None
    if reply.get("error"):
        raise SimClientError(reply["error"], reply.get("kind", "internal"))
    return reply


class SimClient:
    """What the demo and the ops workflows use to drive a running simulator."""

    def __init__(self, path=None, timeout=60.0):
        self.path = socket_path(path)
        self.timeout = timeout

    def _call(self, op, **kw):
        kw["op"] = op
        return request(self.path, kw, self.timeout)

    def command(self, argv):
        """An ha* command line -> (exit code, stdout, stderr)."""
        r = self._call("command", argv=list(argv))
        return r["code"], r["out"], r["err"]

    def advance(self, seconds):
        """Run virtual time forward; returns the new virtual time."""
        return self._call("advance", seconds=int(seconds))["now"]

    def settle(self, limit=3600):
        return self._call("settle", limit=int(limit))

    def event(self, do, **fields):
        return self._call("event", event=dict(fields, do=do))

    def now(self):
        return self._call("now")["now"]

    def state_table(self):
        return self._call("state")["table"]

    def states(self):
        return self._call("states")["states"]

    def transcript(self, since=0):
        """Transcript lines from index ``since``."""
        return self._call("transcript", since=int(since))["lines"]

    def stop(self):
        return self._call("stop")
