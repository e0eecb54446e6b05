"""One container engine seen by the watch: its event stream, kept connected, and what its
vxha containers looked like, so that after an outage (the engine restarted, the stream
broke) the containers that changed meanwhile are probed.

The picture (container id -> owner resource, name, state, health) is taken when the
stream connects and kept current from the events; on reconnection a fresh list is
compared with it.
"""

from __future__ import annotations

import time

from vxha.agents.drivers.docker import DockerDriver
from vxha.agents.drivers.docker_events import EventStream, container_event, list_containers
from vxha.agents.drivers.fakestate import DriverError
from vxha.watch.events import LABEL_RESOURCE, from_change, from_engine

CONNECT_TIMEOUT = 5.0
RETRY_FIRST, RETRY_MAX = 0.2, 5.0


def picture(containers) -> dict:
    """container id -> [owner, name, state, health] of vxha's containers."""
    return {
        c["id"]: [c["labels"].get(LABEL_RESOURCE), c["name"], _state(c["state"]), c["health"]]
        for c in containers
        if (c.get("labels") or {}).get(LABEL_RESOURCE)
    }


def _state(state: str) -> str:
    return state if state in ("running", "paused") else "stopped"


def changes(before: dict, after: dict, engine: str) -> list:
    """Subjects of the vxha containers that differ between two pictures."""
    owners = set()
    for cid in set(before) | set(after):
        a, b = before.get(cid), after.get(cid)
        if a != b:
            owners.update(x[0] for x in (a, b) if x and x[0])
    out = []
    for owner in sorted(owners):
        s = from_change("container", owner)
        s.engine = engine
        out.append(s)
    return out


class EngineWatch:
    def __init__(self, host: str, log, clock=time.monotonic):
        self.host = host
        self.log = log
        self.clock = clock
        self.driver = DockerDriver(host=host)
        self.stream = None
        self.connecting = False  # connect() running in a thread of its own (service.py)
        self.picture = None  # None until the first connection
        self.health: dict = {}
        self.next_try = 0.0
        self.failures = 0
        self.last_event_nano = 0
        self.socket_id = None  # (device, inode) of the socket the stream was opened on
        self.connected_at = 0.0
        self.renewing = False  # the stream was closed to be renewed (service.py)

    @property
    def connected(self) -> bool:
        return self.stream is not None

    def fileno(self) -> int:
        return self.stream.fileno()

    def connect(self) -> list:
        """Subscribe, then list: nothing falls between. The subjects of what changed since
        the last picture (none on the first connection)."""
        stream = EventStream(self.host)
        socket_id = self._socket_id()
        try:
            stream.connect(CONNECT_TIMEOUT)
            fresh = picture(list_containers(self.driver, CONNECT_TIMEOUT))
        except DriverError as exc:
            stream.close()
            self.renewing = False  # an outage now, not a renewal: said when it ends
            self.failures += 1
            delay = min(RETRY_MAX, RETRY_FIRST * 2 ** (self.failures - 1))
            self.next_try = self.clock() + delay
            if self.failures == 1 or self.failures % 60 == 0:
                self.log(
                    "warning",
                    f"engine {self.host}: {exc} (trying again every {RETRY_MAX:g} s at most)",
                )
            return []
        self.stream = stream
        self.socket_id = socket_id
        self.connected_at = self.clock()
        if self.picture is None:
            subjects = []
            self.log("info", f"engine {self.host}: events connected")
        else:
            subjects = changes(self.picture, fresh, self.host)
            what = ", ".join(s.key for s in subjects) or "none"
            if self.renewing and not subjects:
                self.log("debug", f"engine {self.host}: event stream renewed, nothing missed")
            else:
                self.log(
                    "info",
                    f"engine {self.host}: events connected again; vxha containers "
                    f"changed meanwhile: {what}",
                )
        self.renewing = False
        self.picture = fresh
        self.health = {cid: v[3] for cid, v in fresh.items()}
        self.failures = 0
        return subjects

    def _socket_id(self):
        import os

        try:
            st = os.stat(self.host[len("unix://") :])
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def replaced(self) -> bool:
        """Another socket now has the engine's path (a new engine took it while the old
        one still holds the stream open, saying nothing more)."""
        now = self._socket_id()
        return now is not None and now != self.socket_id

    def read(self) -> list:
        """Subjects of the events that arrived; on a broken stream, reconnect soon."""
        try:
            events = self.stream.read()
        except EOFError:
            self.log("warning", f"engine {self.host}: the event stream ended; reconnecting")
            self.close()
            self.next_try = self.clock() + RETRY_FIRST
            return []
        return self.subjects(events)

    def subjects(self, events) -> list:
        out = []
        for raw in events:
            event = container_event(raw)
            if event is None:
                continue
            self.last_event_nano = max(self.last_event_nano, event["time_nano"])
            self._update(event)
            s = from_engine(event, self.host, self.health)
            if s is not None:
                out.append(s)
        return out

    def _update(self, event) -> None:
        if self.picture is None:
            return
        cid, action = event["id"], event["action"]
        owner = (event.get("labels") or {}).get(LABEL_RESOURCE)
        if not owner:
            return
        entry = self.picture.get(cid) or [owner, event["name"], "stopped", None]
        if action in ("destroy", "remove"):
            self.picture.pop(cid, None)
            return
        if action == "start":
            entry[2] = "running"
        elif action == "die":
            entry[2], entry[3] = "stopped", None
        elif action in ("pause", "unpause"):
            entry[2] = "paused" if action == "pause" else "running"
        elif action == "health_status":
            entry[3] = event["health"]
        self.picture[cid] = entry

    def replay(self, since_nano: int) -> list:
        """The events since ``since_nano`` (ns since the epoch) until now, for --once."""
        now = time.time_ns()
        stream = EventStream(self.host, since=_stamp(since_nano), until=_stamp(now))
        try:
            stream.connect(CONNECT_TIMEOUT)
            events = stream.read_all(CONNECT_TIMEOUT)
        finally:
            stream.close()
        self.last_event_nano = max(self.last_event_nano, now)
        # Events at the very nanosecond of the last run's mark were handled then.
        return self.subjects(e for e in events if int(e.get("timeNano") or 0) > since_nano)

    def current(self) -> dict:
        return picture(list_containers(self.driver, CONNECT_TIMEOUT))

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def _stamp(nano: int) -> str:
    return f"{nano // 1_000_000_000}.{nano % 1_000_000_000:09d}"
