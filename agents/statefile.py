"""Small per-resource state files under the context's state directory.

One place for how agents keep what must survive between entry points (a container's
recorded main process, a foreign object already reported): names, modes, atomic writes.
"""

from __future__ import annotations

import os


def path(ctx, name: str) -> str:
    return os.path.join(ctx.state_dir, name.replace("/", "_"))


def read(ctx, name: str) -> str | None:
    """The file's text, or None when there is none."""
    try:
        with open(path(ctx, name), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def write(ctx, name: str, text: str) -> None:
    """Replace the file atomically (a reader sees the old text or the new, never half)."""
    target = path(ctx, name)
    os.makedirs(ctx.state_dir, mode=0o700, exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, target)


def remove(ctx, name: str) -> None:
    try:
        os.unlink(path(ctx, name))
    except FileNotFoundError:
        pass
