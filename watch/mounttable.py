"""Mount table changes of the watch's mount namespace: ``/proc/self/mountinfo`` polled for
POLLPRI, as util-linux's libmount monitor does (proc(5): the file is pollable, and a
change in the namespace's mounts raises POLLPRI and POLLERR), then read again and
compared. A change is reported per mount point: something mounted, unmounted, or mounted
read-only there.
"""

from __future__ import annotations

import os

from vxha.agents.drivers.mounts import MOUNTINFO, parse_mountinfo

Table = dict  # mount point -> tuple of (source, fstype, read-only), in mount order


def table(text: str) -> Table:
    out: dict = {}
    for e in parse_mountinfo(text):
        out.setdefault(e.mountpoint, []).append((e.source, e.fstype, e.read_only()))
    return {k: tuple(v) for k, v in out.items()}


def changes(before: Table, after: Table) -> list:
    """Mount points whose mounts differ between the two tables."""
    return sorted(
        ("mount", mp) for mp in set(before) | set(after) if before.get(mp) != after.get(mp)
    )


def to_json(t: Table) -> dict:
    return {mp: [list(m) for m in ms] for mp, ms in t.items()}


def from_json(data: dict) -> Table:
    return {mp: tuple((s, f, bool(r)) for s, f, r in ms) for mp, ms in data.items()}


class MountWatch:
    """An open ``/proc/self/mountinfo``: register ``fileno()`` for POLLPRI, then ``read()``."""

    def __init__(self, path: str = MOUNTINFO):
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self.table = table(self._text())

    def fileno(self) -> int:
        return self.fd

    def _text(self) -> str:
        # Reading from the start again is what re-arms POLLPRI.
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            data = os.read(self.fd, 1 << 16)
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks).decode("utf-8", "surrogateescape")

    def read(self) -> list:
        """Subjects (watch/events.py) of the mount points that changed."""
        from vxha.watch.events import from_change

        fresh = table(self._text())
        subjects = changes(self.table, fresh)
        self.table = fresh
        return [from_change(kind, key) for kind, key in subjects]

    def close(self) -> None:
        os.close(self.fd)
