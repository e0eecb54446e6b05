"""Compiled templates kept between runs, each checked against its source's content.

Compiling the templates costs every ``vxha generate`` about a tenth of a second. jinja2
stores a template's compiled code under its name and path with a digest of its source;
here the digest also covers jinja2's version and the environment's options, so a template
edited in place (ours or an admin's, whatever its mtime), another jinja2 or other options
compile it again: the cache never serves code of another source.
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import Optional

CACHE_ENV = "XDG_CACHE_HOME"


def cache_dir() -> Optional[str]:
    """``$XDG_CACHE_HOME/vxha/templates`` (default ``~/.cache``), made private to this
    user; None when it cannot be, and templates are then compiled every run."""
    base = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    path = os.path.join(base, "vxha", "templates")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    # Compiled code is loaded and run: only a directory no other user can write is used.
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return path


def bytecode_cache(fingerprint: str):
    """A jinja2 bytecode cache whose entries are valid only for the same source and
    ``fingerprint`` (jinja2's version and the environment's options); None without a
    usable directory."""
    directory = cache_dir()
    if directory is None:
        return None
    from jinja2.bccache import FileSystemBytecodeCache

    class ContentCache(FileSystemBytecodeCache):
        def get_source_checksum(self, source: str) -> str:
            digest = hashlib.sha256(fingerprint.encode("utf-8"))
            digest.update(b"\0")
            digest.update(source.encode("utf-8"))
            return digest.hexdigest()

        def load_bytecode(self, bucket) -> None:
            # A damaged or unreadable entry is compiled again, never an error.
            try:
                super().load_bytecode(bucket)
            except Exception:  # noqa: BLE001 - pickle and marshal raise many kinds
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass  # a full or read-only disk costs the next run a compilation

    return ContentCache(directory, "%s.jinja2")
