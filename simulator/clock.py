"""The virtual clock: a heap of (time, sequence, callback, argument) run in order.

Time is whole virtual seconds. Callbacks due at the same second run in the order they were
scheduled, which makes every run of the same input produce the same transcript.
"""

from __future__ import annotations

import gc
import heapq


class Clock:
    __slots__ = ("now", "_heap", "_seq")

    def __init__(self):
        self.now = 0
        self._heap = []
        self._seq = 0

    def at(self, when: int, fn, arg=None) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (int(when), self._seq, fn, arg))

    def after(self, delay: int, fn, arg=None) -> None:
        self.at(self.now + max(0, int(delay)), fn, arg)

    def next_time(self):
        return self._heap[0][0] if self._heap else None

    def run_until(self, until: int, stop=None) -> None:
        """Run everything due up to and including ``until``; then the clock reads ``until``.

        ``stop()`` is checked after each callback; when true the clock stays where it is."""
        heap = self._heap
        pop = heapq.heappop
        # The cyclic collector would rescan the whole (long-lived) model again and again,
        # making the cost per group grow with the cluster; what a run leaves is collected
        # when it is over.
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            while heap and heap[0][0] <= until:
                when, _, fn, arg = pop(heap)
                self.now = when
                fn(arg)
                if stop is not None and stop():
                    return
            self.now = max(self.now, until)
        finally:
            if paused:
                gc.enable()

    def run_due(self) -> None:
        """Run what is due now (callbacks scheduled for the current second included)."""
        self.run_until(self.now)

    def __len__(self):
        return len(self._heap)
