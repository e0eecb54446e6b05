"""Real time for real nodes: the engine's clock whose seconds are the wall clock's.

``RealClock`` is the simulator's clock (clock.py) with these changes: it runs each callback
no earlier than its second has come in real time, and a callback that runs late sees the
wall clock's second, so what it schedules counts from when it ran: a slow step delays the
monitors behind it without piling them up (chosen because a clock that stayed at the
callback's own second fell further behind the wall clock with every entry point slower
than its interval allowed, and a served cluster answered minutes late). Entry points run
on their own (runners.RealRunner.start); the clock looks for their ends while it waits
and runs what follows at once. While it waits it also serves the nodes' ``ha*`` commands
(``inbox``, watches.py). Everything that moves time (advance, settle, ``hagrp -wait``, an
events file, a served simulator at speed 1) then runs the cluster as it happens.
"""

from __future__ import annotations

import heapq
import time

from vxha.simulator.clock import Clock

POLL = 0.02  # seconds between two looks at the entry points running


def _ended(arg) -> None:
    fn, (code, timed_out) = arg
    fn(code, timed_out)


class RealClock(Clock):
    __slots__ = ("t0", "inbox", "_serving", "_running")

    def __init__(self):
        super().__init__()
        self.t0 = None  # monotonic time of virtual second 0
        self.inbox = None  # a Daemon whose requests are served while the clock waits
        self._serving = False
        self._running = []  # [(entry point running, what to call with its end)]

    def real_now(self) -> float:
        """Seconds since the clock started, by the wall clock."""
        if self.t0 is None:
            self.t0 = time.monotonic() - self.now
        return time.monotonic() - self.t0

    def when_done(self, running, fn) -> None:
        """Call ``fn(code, timed_out)`` at the second an entry point started on its own
        ends (``running.poll()``: None until then)."""
        self._running.append((running, fn))

    def next_time(self):
        nxt = super().next_time()
        if self._running:  # an entry point that ends comes by the clock too
            soon = int(self.real_now()) + 1
            return soon if nxt is None else min(nxt, soon)
        return nxt

    def _reap(self) -> bool:
        """Schedule, at once, the ends of the entry points that ended; whether any did."""
        still, ended = [], []
        for running, fn in self._running:
            result = running.poll()
            if result is None:
                still.append((running, fn))
            else:
                ended.append((fn, result))
        self._running = still
        for item in ended:
            self.at(max(self.now, int(self.real_now())), _ended, item)
        return bool(ended)

    def _idle(self, seconds: float) -> bool:
        """Wait up to ``seconds``; whether an entry point ended or a request was served
        meanwhile (either may have scheduled something sooner)."""
        if self._running:
            seconds = min(seconds, POLL)
        if self.inbox is None or self._serving:
            time.sleep(seconds)
            served = False
        else:
            self._serving = True  # a request that moves time waits by sleeping, not serving
            try:
                served = self.inbox.serve_one(seconds)
            finally:
                self._serving = False
        return self._reap() or served

    def _wait_for(self, second: int, stop=None) -> bool:
        """Wait until ``second`` has come (True); False once ``stop()`` is true or a
        request was served."""
        while True:
            ahead = second - self.real_now()
            if ahead <= 0:
                return True
            if stop is not None and stop():
                return False
            if self._idle(min(ahead, 0.2)):
                return False

    def run_until(self, until: int, stop=None) -> None:
        until = int(until)
        heap = self._heap
        while True:
            self._reap()
            due = heap[0][0] if heap and heap[0][0] <= until else None
            if not self._wait_for(until if due is None else due, stop):
                if stop is not None and stop():
                    return
                continue  # a request was served: what is due first may have changed
            if due is None:
                break
            when, _, fn, arg = heapq.heappop(heap)
            self.now = max(self.now, when, int(self.real_now()))
            fn(arg)
            if stop is not None and stop():
                return
        self.now = max(self.now, until)
