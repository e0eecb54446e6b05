"""Moving a server to another version of its image: whether its image profiles allow the
move, the server as it will be, and the lifecycle commands that go with it.

- **upgrade** C -> V: V is newer and V's profile lists C in ``upgrade_from``.
- **downgrade** C -> V: V is older and C's profile lists V in ``downgrade_to``.

Which profile's command runs in which image (chosen because a command runs in the image
whose profile states it, and only the newer version knows both data formats):

- upgrade: V's ``pre_upgrade`` in a one-off container of V, V's ``post_upgrade`` in the
  new container;
- downgrade: C's ``pre_downgrade`` in a one-off container of C, V's ``post_downgrade`` in
  the new container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .api import Session, no_cyclic_gc
from .compat import Answer, can_host, profile_chain
from .model import Cluster, Server
from .units import version_key

KINDS = ("upgrade", "downgrade")


class MoveError(Exception):
    """The move is refused; the message says why and what would make it possible."""


@dataclass
class Command:
    text: str  # the command line, run by /bin/sh -c
    image: str  # the engine reference of the image it runs in
    where: str  # "oneoff" (a one-off container of image) or "exec" (the new container)
    what: str  # pre_upgrade, post_downgrade, ...


@dataclass
class Move:
    kind: str
    server: str
    profile: str  # the server profile's path
    current: str  # image versions
    target: str
    before: Server  # the server at the current version
    after: Server  # ... and at the target version
    others: List[Server] = field(default_factory=list)  # the servers ``after`` depends on
    hosts: Dict[str, Answer] = field(default_factory=dict)  # system -> can it host after?
    pre: Optional[Command] = None
    post: Optional[Command] = None

    def lacking(self) -> Dict[str, List[str]]:
        """system -> why it cannot host the target version."""
        return {s: a.reasons for s, a in self.hosts.items() if not a.ok}


def _resolve(path: str, image_root: str, cluster: Cluster, version: Optional[str] = None):
    session = Session(image_root)
    with no_cyclic_gc():
        session.add_server(path)
        if not session.server_docs:
            raise MoveError("\n".join(p.format() for p in session.problems))
        if version is not None and isinstance(session.server_docs[0].data, dict):
            session.server_docs[0].data["image_version"] = version
        session.add_context(os.path.dirname(os.path.abspath(path)))
        session.cluster = cluster
        session.run()
    errors, _ = session.split()
    asked = session.asked()
    if errors or not asked or asked[0].server is None:
        at = f" at image version {version}" if version else ""
        raise MoveError(
            f"server profile {path}{at} does not validate:\n"
            + "\n".join(p.format() for p in errors)
        )
    return session, asked[0]


def plan_move(
    kind: str, path: str, target: str, image_root: str, cluster: Cluster, systems=None
) -> Move:
    """The move of the server profile at ``path`` to image version ``target``, or
    MoveError. ``systems``: the systems to answer for (default the cluster's)."""
    if kind not in KINDS:
        raise MoveError(f"{kind!r} is not one of {', '.join(KINDS)}")
    _, now = _resolve(path, image_root, cluster)
    before = now.server
    image = now.catalog.image(before.image)
    current = before.image_version
    known = image.version_list()
    if target == current:
        raise MoveError(f"server {before.name} already runs {before.image} {current}")
    if target not in image.versions:
        raise MoveError(
            f"image {before.image} has no version {target!r} (known: {', '.join(known)})"
        )
    newer = version_key(target) > version_key(current)
    if kind == "upgrade" and not newer:
        raise MoveError(
            f"{target} is older than {current}: that is a downgrade "
            f"(vxha downgrade {before.name} --to {target})"
        )
    if kind == "downgrade" and newer:
        raise MoveError(
            f"{target} is newer than {current}: that is an upgrade "
            f"(vxha upgrade {before.name} --to {target})"
        )
    if kind == "upgrade":
        doc = image.versions[target]
        allowed = list(doc.data.get("upgrade_from") or [])
        if current not in allowed:
            raise MoveError(
                f"{before.image} {target} cannot be upgraded to from {current}: its profile "
                f"({doc.path}) lists upgrade_from: [{', '.join(allowed)}]"
            )
    else:
        doc = image.versions[current]
        allowed = list(doc.data.get("downgrade_to") or [])
        if target not in allowed:
            raise MoveError(
                f"{before.image} {current} cannot be downgraded to {target}: its profile "
                f"({doc.path}) lists downgrade_to: [{', '.join(allowed)}]"
            )
    session, then = _resolve(path, image_root, cluster, target)
    after = then.server
    by_name = {r.server.name: r.server for r in session.resolved if r.server is not None}
    others = [by_name[d.server] for d in after.dependencies if d.server in by_name]
    move = Move(kind, after.name, path, current, target, before, after, others)
    chain = profile_chain(then, then.catalog)
    names = systems or [s.name for s in cluster.systems]
    for name in names:
        system = cluster.system(name)
        if system is not None:
            move.hosts[name] = can_host(system, after, chain)
    new_ref, old_ref = after.image_ref, before.image_ref
    cycle_now = (now.effective or {}).get("lifecycle") or {}
    cycle_then = (then.effective or {}).get("lifecycle") or {}
    if kind == "upgrade":
        pre, post = cycle_then.get("pre_upgrade"), cycle_then.get("post_upgrade")
        move.pre = pre and Command(pre, new_ref, "oneoff", "pre_upgrade")
    else:
        pre, post = cycle_now.get("pre_downgrade"), cycle_then.get("post_downgrade")
        move.pre = pre and Command(pre, old_ref, "oneoff", "pre_downgrade")
    move.post = post and Command(post, new_ref, "exec", f"post_{kind}")
    return move


_VERSION_LINE = r"^(image_version:[ \t]*)(\S[^#\n]*?)([ \t]*(?:#.*)?)$"


def recorded_version(path: str) -> str:
    """The ``image_version`` a server profile states (as written)."""
    import re

    with open(path, encoding="utf-8") as f:
        m = re.search(_VERSION_LINE, f.read(), re.M)
    return m.group(2).strip("\"'") if m else "?"


def record_version(path: str, version: str) -> None:
    """Write ``image_version`` into the server profile, keeping its other lines (comments
    included); the file is replaced atomically."""
    import re

    with open(path, encoding="utf-8") as f:
        text = f.read()
    line = re.compile(_VERSION_LINE, re.M)
    if len(line.findall(text)) != 1:
        raise MoveError(f"{path}: expected one top-level 'image_version:' line")
    text = line.sub(lambda m: f'{m.group(1)}"{version}"{m.group(3)}', text)
    tmp = f"{path}.vxha-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
