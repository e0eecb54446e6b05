"""Processes the drivers start or end: one place for the kill rule.

Kept import-light: monitors load it.
"""

from __future__ import annotations

import os


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (found through /proc)."""
    import signal

    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    todo, victims = [pid], []
    while todo:
        p = todo.pop()
        victims.append(p)
        todo.extend(children.get(p, ()))
    for p in victims:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
