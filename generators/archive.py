"""Server profiles set aside when a server is deleted, so that the next generate + apply
does not bring it back, and restored with one command (``vxha restore``).

An archived profile keeps its file name with the time it was archived:
``<profiles>/archive/<name>@<YYYYmmddTHHMMSSZ><suffix>``. ``vxha generate DIR`` reads only
the files directly in DIR, so the archive is never read as a live profile.
"""

from __future__ import annotations

import os
import re
import time
from typing import List, Optional

# As vxha.profiles reads them (profiles/catalog.py), without importing the profile loader.
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")

ARCHIVE = "archive"
_NAME = re.compile(r"""^\s*"?name"?\s*:\s*["']?([A-Za-z][A-Za-z0-9_]*)""", re.M)
_STAMPED = re.compile(r"^(?P<stem>.+)@(?P<stamp>\d{8}T\d{6}Z)(?P<suffix>\.[a-z]+)$")


class ArchiveError(Exception):
    pass


def server_name(path: str) -> Optional[str]:
    """The ``name`` a server profile declares (its first top-level ``name``)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(65536)
    except OSError:
        return None
    m = _NAME.search(text)
    return m.group(1) if m else None


def profile_files(directory: str) -> List[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if n.endswith(PROFILE_SUFFIXES)]


def find_profile(directory: str, server: str) -> Optional[str]:
    """The live profile of ``server`` in ``directory`` (by its file name first)."""
    files = profile_files(directory)
    for suffix in PROFILE_SUFFIXES:
        path = os.path.join(directory, server + suffix)
        if path in files and server_name(path) == server:
            return path
    for path in files:
        if server_name(path) == server:
            return path
    return None


def archive_path(directory: str, src: str) -> str:
    stem, suffix = os.path.splitext(os.path.basename(src))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return os.path.join(directory, ARCHIVE, f"{stem}@{stamp}{suffix}")


def move(src: str, dst: str) -> None:
    """Move a profile (the plan's local action); the destination must not exist."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.exists(dst):
        raise ArchiveError(f"{dst} already exists: not overwriting it")
    os.rename(src, dst)


def archived(directory: str) -> List[dict]:
    """Every archived profile: server, file, when it was archived, newest first."""
    folder = os.path.join(directory, ARCHIVE)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    out = []
    for n in names:
        m = _STAMPED.match(n)
        if not m:
            continue
        path = os.path.join(folder, n)
        out.append(
            {
                "server": server_name(path) or m.group("stem"),
                "file": path,
                "archived": m.group("stamp"),
                "restore": f"vxha restore {server_name(path) or m.group('stem')}",
            }
        )
    out.sort(key=lambda e: (e["server"], e["archived"]), reverse=True)
    return out


def restore(directory: str, server: str) -> str:
    """Move the newest archived profile of ``server`` back; returns where it went."""
    entries = [e for e in archived(directory) if e["server"] == server]
    if not entries:
        raise ArchiveError(f"no archived profile of {server} in {os.path.join(directory, ARCHIVE)}")
    src = entries[0]["file"]
    m = _STAMPED.match(os.path.basename(src))
    dst = os.path.join(directory, m.group("stem") + m.group("suffix"))
    live = find_profile(directory, server)
    if live is not None:
        raise ArchiveError(f"{server} already has a profile: {live}")
    if os.path.exists(dst):
        raise ArchiveError(f"{dst} exists (another server's profile?): move it first")
    os.rename(src, dst)
    return dst
