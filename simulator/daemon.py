"""``vxha sim serve``: a simulator behind a unix socket for the ha* shims and scripts.

Requests are handled one at a time (the engine is single-threaded), each a JSON object on
one connection (see client.py). With ``speed`` > 0 virtual time also runs by itself,
``speed`` virtual seconds per real second; otherwise only ``advance`` moves it.
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time

from vxha.simulator import events as events_mod


class Daemon:
    def __init__(self, sim, path, speed=0.0):
        self.sim = sim
        self.path = str(path)
        self.speed = float(speed or 0)
        self.running = False
        self._sock = None
        self._thread = None
        self._debt = 0.0

    def bind(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(self.path)
        os.chmod(self.path, 0o600)
        s.listen(16)
        s.settimeout(0.2)
        self._sock = s
        self.running = True
        return self

    def serve_forever(self):
        last = time.monotonic()
        while self.running:
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                conn = None
            except OSError:
                break
            if self.speed:
                now = time.monotonic()
                self._debt += (now - last) * self.speed
                last = now
                whole = int(self._debt)
                if whole:
                    self._debt -= whole
                    self.sim.advance(whole)
            if conn is not None:
                with conn:
                    self._handle(conn)
        self.close()

    def serve_one(self, timeout: float) -> bool:
        """Handle one request if one comes within ``timeout`` seconds; whether one did
        (for a caller that runs the simulator itself and serves between its steps)."""
        ready, _, _ = select.select([self._sock], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            conn, _ = self._sock.accept()
        except OSError:  # the client gave up meanwhile
            return False
        with conn:
            self._handle(conn)
        return True

    def start_thread(self):
        """Serve in a background thread (tests, the demo); returns self."""
        if self._sock is None:
            self.bind()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self):
        self.running = False
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
                if os.path.exists(self.path):
                    os.unlink(self.path)

    def stop(self):
        self.running = False
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _handle(self, conn):
        conn.settimeout(10)
        chunks = []
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            req = json.loads(b"".join(chunks).decode() or "{}")
            reply = self.dispatch(req)
        except events_mod.EventError as exc:
            reply = {"error": str(exc), "kind": "usage"}
        except Exception as exc:  # a bad request must not stop the daemon
            reply = {"error": f"{type(exc).__name__}: {exc}", "kind": "internal"}
        try:
            conn.sendall(json.dumps(reply).encode())
        except OSError:
            pass

    def dispatch(self, req):
        sim = self.sim
        op = req.get("op")
        if op == "command":
            code, out, err = sim.command(req.get("argv") or [])
            return {"code": code, "out": out, "err": err}
        if op == "advance":
            sim.advance(int(req.get("seconds", 0)))
            return {"now": sim.now}
        if op == "settle":
            done = sim.settle(int(req.get("limit", 3600)))
            return {"now": sim.now, "settled": done}
        if op == "event":
            ev = dict(req.get("event") or {})
            ev["at"] = sim.now
            events_mod.apply(sim, ev)
            sim.engine.clock.run_due()
            return {"now": sim.now}
        if op == "now":
            return {"now": sim.now}
        if op == "state":
            return {"table": sim.state_table()}
        if op == "states":
            return {"states": sim.states()}
        if op == "transcript":
            return {"lines": sim.transcript.since(int(req.get("since", 0)))}
        if op == "stop":
            self.running = False
            return {"stopped": True}
        return {"error": f"unknown request {op!r}"}
