"""Cluster and system discovery: this host's CPUs and memory (``--discover``)."""

from __future__ import annotations

import os
import socket
from typing import List, Optional, Tuple


def host_capacity(meminfo: str = "/proc/meminfo") -> Tuple[float, int]:
    """(CPUs usable by this process, memory in MiB) of this host."""
    try:
        cpus = float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cpus = float(os.cpu_count() or 1)
    mem_mib = 0
    try:
        with open(meminfo, encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_mib = int(line.split()[1]) // 1024  # kB -> MiB
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not mem_mib and hasattr(os, "sysconf"):
        try:
            mem_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 20)
        except (ValueError, OSError):
            mem_mib = 0
    return cpus, mem_mib


def this_system(cluster) -> Optional[str]:
    """The cluster system this host is (by short host name), or None."""
    short = socket.gethostname().split(".")[0]
    for s in cluster.systems:
        if s.name in (short, socket.gethostname()):
            return s.name
    return None


def apply_discovery(cluster, capacity: Optional[Tuple[float, int]] = None) -> List[str]:
    """Set the discovered CPUs and memory on this host's system; notes for the user.

    When this host is none of the cluster's systems (a lab generating for identical
    machines) every system gets the values, and the note says so.
    """
    cpus, mem = capacity or host_capacity()
    me = this_system(cluster)
    targets = [s for s in cluster.systems if me is None or s.name == me]
    for s in targets:
        s.cpus = cpus
        if mem:
            s.memory_mib = mem
    names = ", ".join(s.name for s in targets)
    if me is None:
        return [
            f"--discover: this host is none of the cluster's systems; "
            f"{cpus:g} CPUs and {mem} MiB set on every system ({names})"
        ]
    return [f"--discover: {me} has {cpus:g} CPUs and {mem} MiB"]
