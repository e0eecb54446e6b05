"""The private container engines of the agents' real tests and benchmarks.

They are started by the same code that starts each real node's engine in the simulator's
real-node mode (``vxha.simulator.realnodes.engines``): one copy of how an engine runs here.
"""

from __future__ import annotations

from realtier import require_real  # noqa: F401  (tests/realtier.py)

from vxha.simulator.realnodes.engines import (  # noqa: F401
    BUSYBOX,
    BUSYBOX_EXIT,
    BUSYBOX_HEALTH,
    BUSYBOX_NOTERM,
    ENGINES,
    HEALTHCHECK,
    IMAGES,
    PODMAN_TOOLS,
    REGISTRY_PORT,
    TOOLS,
    Dockerd,
    Engine,
    Podman,
    inspect_json,
)
from vxha.simulator.realnodes.engines import alive as _alive  # noqa: F401


def start_engine(kind: str, prefix: str, images=None, tools=()):
    """A private engine of ``kind`` (names start with ``prefix``) with ``images`` built,
    skipping with the reason where its tools (and ``tools``) are missing; stopped again
    when the start fails."""
    cls = ENGINES[kind]
    require_real(*cls.tools, *tools)
    e = cls(prefix)
    try:
        e.start()
        e.build_images(images)
    except BaseException:
        e.stop()
        raise
    return e
