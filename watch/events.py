"""What an event is about, before the watch knows which resource that is.

A subject is one of: a container (``key`` = the resource its ``vxha.resource`` label names,
with the container's name and engine to confirm it), an address, a link (device name), or
a mount point. Events about the same subject within the debounce window are one.
"""

from __future__ import annotations

LABEL_RESOURCE = "vxha.resource"  # the Container agent's ownership label (agents/container.py)
FAULT_ACTIONS = ("die", "oom")


class Subject:
    __slots__ = ("kind", "key", "why", "container", "engine")

    def __init__(self, kind, key, why="", container=None, engine=None):
        self.kind = kind
        self.key = key
        self.why = why
        self.container = container
        self.engine = engine

    def ident(self) -> tuple:
        return (self.kind, self.key, self.container, self.engine)

    def __repr__(self):
        return f"Subject({self.kind} {self.key}: {self.why})"


def from_engine(event: dict, engine: str, health: dict) -> Subject | None:
    """The subject of a container event (see docker_events.container_event), or None when
    it is not one the watch acts on: not vxha's container (no label), or neither a death,
    an OOM kill, nor health turning unhealthy or recovering from it (a container starting,
    ``starting`` then ``healthy``, is its online, not a fault). ``health`` (container id ->
    last status) lets Podman's event of every check run count only when the status
    changes."""
    owner = (event.get("labels") or {}).get(LABEL_RESOURCE)
    action = event.get("action")
    if action == "health_status":
        status = event.get("health")
        cid = event.get("id", "")
        before = health.get(cid)
        health[cid] = status
        if before == status or "unhealthy" not in (before, status):
            return None
        why = f"container {event.get('name')} health {status}"
    elif action in FAULT_ACTIONS:
        if action == "die":
            health.pop(event.get("id", ""), None)
            why = f"container {event.get('name')} died (exit {event.get('exit_code')})"
        else:
            why = f"container {event.get('name')} had a process killed for memory (oom)"
    else:
        return None
    if not owner:
        return None
    return Subject("container", owner, why, container=event.get("name") or None, engine=engine)


def from_change(kind: str, key: str) -> Subject:
    why = {
        "address": f"address {key} added, removed or changed",
        "link": f"link {key} changed (up, carrier, renamed or removed)",
        "mount": f"mount table changed at {key}",
        "container": f"container of {key} changed while the engine was out of sight",
    }[kind]
    return Subject(kind, key, why)
