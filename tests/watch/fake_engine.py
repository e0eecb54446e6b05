"""A stand-in container engine on a unix socket, at the Engine API's boundary: ``GET
/events`` answered with a chunked stream the test writes into, ``GET /containers/json``
with a list the test sets. For what a real engine cannot do on demand, such as a burst
of a hundred events in a few milliseconds."""

from __future__ import annotations

import json
import os
import socket
import threading


class FakeEngine:
    def __init__(self, directory):
        self.path = os.path.join(str(directory), "fake.sock")
        self.host = "unix://" + self.path
        self.containers = []
        self.streams = []
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.path)
        self._server.listen(8)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    break
                head += data
            line = head.split(b"\r\n", 1)[0].decode()
            if " /events" in line:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                with self._lock:
                    self.streams.append(conn)
            elif "/containers/json" in line:
                body = json.dumps(self.containers).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                conn.close()
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                conn.close()

    def subscribers(self) -> int:
        with self._lock:
            return len(self.streams)

    def send(self, events, split=1):
        """Write ``events`` to every subscriber, one chunk each, in writes of ``split``
        pieces (a chunk split between writes, as a socket may deliver it)."""
        data = b""
        for e in events:
            body = json.dumps(e).encode() + b"\n"
            data += f"{len(body):x}\r\n".encode() + body + b"\r\n"
        with self._lock:
            for conn in self.streams:
                step = max(1, len(data) // split)
                for i in range(0, len(data), step):
                    conn.sendall(data[i : i + step])

    def close(self):
        self._server.close()
        with self._lock:
            for conn in self.streams:
                conn.close()
            self.streams = []


def die_event(name, resource, n=0):
    attrs = {"name": name, "exitCode": "137", "image": "local/busybox:1"}
    if resource:
        attrs["vxha.resource"] = resource
    return {
        "status": "die",
        "id": f"{name}-id",
        "Type": "container",
        "Action": "die",
        "Actor": {"ID": f"{name}-id", "Attributes": attrs},
        "time": 1795786604,
        "timeNano": 1795786604000000000 + n,
    }
