"""Kernel settings under /proc/sys, as the current network namespace sees them: the one
reader and writer of the drivers (forwarding's sysctls, the addresses' promote_secondaries).
"""

from __future__ import annotations

import os

from vxha.agents.drivers.errors import DriverError


def path_of(key: str) -> str:
    """``net.ipv4.ip_forward`` -> ``/proc/sys/net/ipv4/ip_forward``."""
    return os.path.join("/proc/sys", key.replace(".", "/"))


def read(path: str, name: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError as exc:
        raise DriverError(f"cannot read sysctl {name}: {exc}") from None


def write(path: str, value: str, name: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(str(value))
    except OSError as exc:
        raise DriverError(f"cannot set sysctl {name}: {exc}") from None
