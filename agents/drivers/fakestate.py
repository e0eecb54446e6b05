"""What every fake driver shares: one JSON state file per driver under VXHA_NODE_DIR,
updated under a file lock so separate entry-point processes see one world, and the fault
injection of VXHA_NODE_DIR/faults.json (DECISIONS.md 1).

The error classes live in agents/drivers/errors.py and are importable from here too.
"""

from __future__ import annotations

import fcntl
import os
import time

from vxha.agents.drivers.errors import DriverError, DriverUnavailable
from vxha.agents.framework import Hang

__all__ = ["DriverError", "DriverUnavailable", "FakeState", "read_faults"]


class FakeState:
    """The JSON state of one fake driver on one simulated node."""

    def __init__(self, ctx, kind: str):
        if not ctx.node_dir:
            raise DriverError("fake drivers need VXHA_NODE_DIR (the simulated system's directory)")
        self.ctx = ctx
        self.kind = kind
        self.path = os.path.join(ctx.node_dir, f"{kind}.json")
        self.lock_path = self.path + ".lock"

    def locked(self):
        """Yield the state dict under an exclusive lock; it is saved when the block ends."""
        from contextlib import contextmanager  # not at the top: every real driver imports us

        return contextmanager(self._locked)()

    def _locked(self):
        import json

        os.makedirs(self.ctx.node_dir, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state = self._read()
            before = json.dumps(state, sort_keys=True, separators=(",", ":"))
            yield state
            after = json.dumps(state, sort_keys=True, separators=(",", ":"))
            if after != before:
                tmp = f"{self.path}.tmp.{os.getpid()}"
                with open(tmp, "w") as f:
                    f.write(after)
                os.replace(tmp, self.path)
        finally:
            os.close(fd)

    def read(self) -> dict:
        """A snapshot of the state (no lock: the file is replaced atomically)."""
        return self._read()

    def _read(self) -> dict:
        import json

        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def fault(self, op: str) -> None:
        """Apply the fault configured for ``<kind>.<op>`` (or ``<kind>.*``), if any."""
        faults = read_faults(self.ctx)
        spec = faults.get(f"{self.kind}.{op}") or faults.get(f"{self.kind}.*")
        if not spec:
            return
        mode = spec.get("mode")
        if mode == "error":
            raise DriverError(spec.get("message") or f"{self.kind}.{op} failed (injected)")
        if mode == "unavailable":
            raise DriverUnavailable(spec.get("message") or f"{self.kind} is not answering")
        if mode == "hang":
            if self.ctx.inprocess:
                raise Hang(f"{self.kind}.{op}")
            while True:  # the real component never answers: the deadline ends us
                time.sleep(3600)
        if mode == "slow":
            seconds = float(spec.get("seconds", 1))
            if self.ctx.inprocess:
                return  # virtual time: the simulator accounts for it
            time.sleep(seconds)


def read_faults(ctx) -> dict:
    import json

    try:
        with open(os.path.join(ctx.node_dir, "faults.json")) as f:
            return json.load(f)
    except (FileNotFoundError, TypeError):
        return {}
    except ValueError as exc:
        raise DriverError(f"faults.json is not valid JSON: {exc}") from None
