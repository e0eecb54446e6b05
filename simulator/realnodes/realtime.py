"""Real time for real nodes: the engine's clock whose seconds are the wall clock's.

``RealClock`` is the simulator's clock (clock.py) with one change: it runs each callback
no earlier than its second has come in real time. Everything that moves time (advance,
settle, ``hagrp -wait``, an events file, a served simulator at speed 1) then runs the
cluster as it happens. Entry points run one at a time, each taking the real time it takes;
the clock then catches up, so a second lost waiting for an entry point is not waited for
again.
"""

from __future__ import annotations

import time

from vxha.simulator.clock import Clock


class RealClock(Clock):
    __slots__ = ("t0",)

    def __init__(self):
        super().__init__()
        self.t0 = None  # monotonic time of virtual second 0

    def real_now(self) -> float:
        """Seconds since the clock started, by the wall clock."""
        if self.t0 is None:
            self.t0 = time.monotonic() - self.now
        return time.monotonic() - self.t0

    def _wait_for(self, second: int, stop=None) -> None:
        while True:
            ahead = second - self.real_now()
            if ahead <= 0 or (stop is not None and stop()):
                return
            time.sleep(min(ahead, 0.2))

    def run_until(self, until: int, stop=None) -> None:
        until = int(until)
        while True:
            nxt = self.next_time()
            if nxt is None or nxt > until:
                break
            self._wait_for(nxt, stop)
            if stop is not None and stop():
                return
            Clock.run_until(self, nxt, stop)
            if stop is not None and stop():
                return
        self._wait_for(until, stop)
        self.now = max(self.now, until)
