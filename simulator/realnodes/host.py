"""Commands real-node mode runs on this machine: argv lists, a timeout each, and an error
that says which command failed and what it printed."""

from __future__ import annotations

import subprocess


class RealNodeError(RuntimeError):
    """Real-node mode cannot build or change what it was asked to."""


def sh(argv, timeout: float = 30, input: bytes | None = None, preexec=None) -> str:
    """Run ``argv``; its standard output, or RealNodeError with its standard error."""
    try:
        r = subprocess.run(  # noqa: S603 - argv list
            list(argv),
            input=input,
            capture_output=True,
            timeout=timeout,
            check=False,
            preexec_fn=preexec,  # noqa: PLW1509 - joins a node's cgroup before exec
        )
    except subprocess.TimeoutExpired:
        raise RealNodeError(f"{' '.join(argv)}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise RealNodeError(f"{argv[0]}: {exc.strerror}") from None
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip() or f"exit {r.returncode}"
        raise RealNodeError(f"{' '.join(argv)}: {err}")
    return r.stdout.decode("utf-8", "replace")


def mounted(path: str) -> bool:
    """Whether something is mounted at ``path`` in this mount namespace."""
    from vxha.agents.drivers.mounts import escape

    esc = f" {escape(path)} "
    with open("/proc/self/mountinfo") as f:
        return any(esc in line for line in f)
