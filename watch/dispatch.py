"""From subjects to probes: ``hares -probe RES -sys SYSTEM`` through the operations
commands' client, and nothing else. The monitor that VCS then runs decides the state.

- **Debounced**: a resource's first event schedules its probe ``debounce`` seconds later;
  every event until then joins it. After a probe, the next one of the same resource waits
  at least ``gap`` seconds (events meanwhile join it), so a burst is one probe.
- **Never a disabled or frozen group**: right before each batch, one ``hagrp -display``
  of the groups concerned (Enabled on this system, Frozen, TFrozen).
- **Rate-limited**: at most ``rate`` probes a second on this node (a token bucket holding
  one second's worth); a probe that found no token for ``max_wait`` seconds is dropped,
  and the drops are logged together with the events they carried.
- **VCS not answering**: a failed read or probe is retried after 1, 2, 4 ... seconds, at
  most ``attempts`` times in all; then it is given up with one log line naming the
  events. The watch itself never stops for it.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from vxha.generators.hacli import HaError

# The dispatcher's tuning and its defaults, as Options (service.py) and the command's
# options name them: seconds, except rate (probes a second) and attempts.
TUNING = {
    "debounce": 0.1,
    "gap": 1.0,
    "rate": 10.0,
    "max_wait": 5.0,
    "attempts": 3,
    "backoff": 1.0,
    "refresh": 300.0,
}


class Pending:
    __slots__ = ("resource", "due", "first", "whys", "attempts")

    def __init__(self, resource, due, first, why):
        self.resource = resource
        self.due = due
        self.first = first
        self.whys = [why]
        self.attempts = 0

    def add(self, why):
        if why not in self.whys and len(self.whys) < 5:
            self.whys.append(why)


class Dispatcher:
    def __init__(
        self,
        view,
        log,
        clock=time.monotonic,
        debounce=TUNING["debounce"],
        gap=TUNING["gap"],
        rate=TUNING["rate"],
        max_wait=TUNING["max_wait"],
        attempts=TUNING["attempts"],
        backoff=TUNING["backoff"],
        refresh=TUNING["refresh"],
    ):
        self.view = view
        self.client = view.client
        self.system = view.system
        self.log = log
        self.clock = clock
        self.debounce = debounce
        self.gap = gap
        self.rate = rate
        self.max_wait = max_wait
        self.attempts = attempts
        self.backoff = backoff
        self.refresh_every = refresh
        self.pending: dict = {}
        self.last_probe: dict = {}
        self.waiting: list = []  # (subject, time): noted before the configuration was read
        self.probes = 0
        self.dropped = 0
        self.given_up = 0
        self.on_refresh = None  # told of each successful configuration read
        self._inbox = deque()
        self._cond = threading.Condition()
        self._tokens = max(1.0, rate)
        self._token_time = clock()
        self._next_refresh = 0.0
        self._refresh_failures = 0
        self._missing_refresh = -1e9

    # -- input (any thread) ----------------------------------------------------------------

    def note(self, subjects, when=None) -> None:
        when = self.clock() if when is None else when
        with self._cond:
            self._inbox.extend((s, when) for s in subjects)
            self._cond.notify()

    def wait(self, timeout) -> None:
        with self._cond:
            if not self._inbox:
                self._cond.wait(timeout)

    def refresh_soon(self) -> None:
        """Read the configuration at the next step (within a second); no lock taken, so a
        signal handler may call it."""
        self._next_refresh = 0.0

    def wake(self) -> None:
        with self._cond:
            self._cond.notify()

    # -- the work (the dispatcher's thread, or --once) -------------------------------------

    def busy(self) -> bool:
        return bool(self.pending or self._inbox or self.waiting)

    def step(self) -> float:
        """Do what is due; the seconds until something else will be."""
        now = self.clock()
        if now >= self._next_refresh:
            self._refresh(now)
        with self._cond:
            noted = list(self._inbox)
            self._inbox.clear()
        if self.view.loaded:
            for subject, when in self.waiting + noted:
                self._map(subject, when)
            self.waiting = []
        else:
            self.waiting += noted
            self._expire_waiting(now)
        due = [p for p in self.pending.values() if p.due <= self.clock()]
        if due:
            self._dispatch(sorted(due, key=lambda p: p.first))
        now = self.clock()
        wake = [self._next_refresh - now]
        wake += [p.due - now for p in self.pending.values()]
        return max(0.0, min(wake))

    def _refresh(self, now) -> bool:
        try:
            self.view.refresh()
        except HaError as exc:
            self._refresh_failures += 1
            delay = min(self.refresh_every, self.backoff * 2 ** min(self._refresh_failures, 6))
            if self._refresh_failures == 1 or self._refresh_failures % 10 == 0:
                self.log(
                    "warning",
                    f"reading the configuration failed "
                    f"({self._refresh_failures} in a row; again in {delay:.0f} s): {exc}",
                )
            self._next_refresh = now + delay
            return False
        if self._refresh_failures:
            self.log("info", "reading the configuration works again")
        self._refresh_failures = 0
        self._next_refresh = now + self.refresh_every
        if self.on_refresh is not None:
            self.on_refresh(self.view)
        return True

    def _expire_waiting(self, now) -> None:
        """Events noted while the configuration cannot be read wait as long as a probe's
        retries would, then are given up."""
        limit = self.backoff * (2**self.attempts - 1)
        old = [s for s, t in self.waiting if now - t > limit]
        if old:
            self.waiting = [(s, t) for s, t in self.waiting if now - t <= limit]
            self.given_up += len(old)
            self.log(
                "error",
                "gave up events noted while the configuration could not be "
                f"read: {_events(s.why for s in old)}",
            )

    def _map(self, subject, when) -> None:
        resources = self.view.concerned(subject)
        if not resources and subject.kind == "container":
            known = subject.key in self.view.resources
            if not known and when - self._missing_refresh > 5.0:
                # A container named by a resource read before it existed: read again, once.
                self._missing_refresh = self.clock()
                if self._refresh(self.clock()):
                    resources = self.view.concerned(subject)
            if not resources:
                self.log(
                    "info",
                    f"not probing: {subject.why}: it names resource "
                    f"{subject.key}, not a Container of {self.system} here",
                )
                return
        for r in resources:
            p = self.pending.get(r.name)
            if p is not None:
                p.add(subject.why)
                continue
            due = max(when + self.debounce, self.last_probe.get(r.name, -1e9) + self.gap)
            self.pending[r.name] = Pending(r, due, when, subject.why)

    def _dispatch(self, due) -> None:
        try:
            blockers = self.view.probe_blockers([p.resource for p in due])
        except HaError as exc:
            for p in due:
                self._failed(p, f"reading group {p.resource.group}: {exc}")
            return
        dropped = []
        silent = None  # why VCS is not answering, once one probe of the batch timed out
        for p in due:
            name = p.resource.name
            if silent is not None and name not in blockers:
                self._failed(p, silent)  # not asked again, for another --timeout
                continue
            if name in blockers:
                del self.pending[name]
                self.log(
                    "info",
                    f"not probing {name} on {self.system}: {blockers[name]} ({_events(p.whys)})",
                )
                continue
            now = self.clock()
            if not self._token(now):
                if now - p.first >= self.max_wait:
                    del self.pending[name]
                    dropped.append(p)
                else:
                    p.due = now + (1.0 - self._tokens) / self.rate
                continue
            try:
                self.client.run("hares", "-probe", name, "-sys", self.system)
            except HaError as exc:
                if exc.code == 124:  # chosen: VCS silent for one probe is silent for all
                    silent = str(exc)
                if self._gone(name, exc):
                    del self.pending[name]
                    self.log(
                        "info",
                        f"not probing {name} on {self.system}: {name} is no longer in the "
                        f"configuration here ({_events(p.whys)})",
                    )
                else:
                    self._failed(p, str(exc))
                continue
            del self.pending[name]
            self.probes += 1
            self.last_probe[name] = self.clock()
            self.log("info", f"probed {name} on {self.system}: {_events(p.whys)}")
        if dropped:
            self.dropped += len(dropped)
            self.log(
                "warning",
                f"rate limit ({self.rate:g} probes a second): dropped "
                f"{len(dropped)} probe(s) that waited {self.max_wait:g} s; VCS's next "
                "monitor will see them: "
                + "; ".join(f"{p.resource.name} ({_events(p.whys)})" for p in dropped),
            )

    def _gone(self, name, exc) -> bool:
        """Whether VCS refused a probe because the resource was removed (or renamed, or its
        group left this system) since the last read: read again, at most every 5 s. A
        command that did not answer (124), could not run (126) or is missing (127) says
        nothing of the configuration."""
        if exc.code in (124, 126, 127):
            return False
        now = self.clock()
        if now - self._missing_refresh > 5.0:
            self._missing_refresh = now
            if not self._refresh(now):
                return False
        r = self.view.resources.get(name)
        return r is None or self.system not in self.view.groups.get(r.group, ())

    def _failed(self, p, why) -> None:
        p.attempts += 1
        name = p.resource.name
        if p.attempts >= self.attempts:
            del self.pending[name]
            self.given_up += 1
            self.log(
                "error",
                f"gave up probing {name} on {self.system} after {p.attempts} "
                f"attempt(s): {why} (events: {_events(p.whys)})",
            )
            return
        delay = self.backoff * 2 ** (p.attempts - 1)
        p.due = self.clock() + delay
        self.log(
            "warning",
            f"probing {name} on {self.system} failed (attempt {p.attempts} "
            f"of {self.attempts}; again in {delay:g} s): {why}",
        )

    def _token(self, now) -> bool:
        self._tokens = min(max(1.0, self.rate), self._tokens + (now - self._token_time) * self.rate)
        self._token_time = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    # -- running ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """The dispatcher's thread: step until ``stop`` is set."""
        while not stop.is_set():
            try:
                delay = self.step()
            except Exception as exc:  # a bug must not end detection: log, go on
                self.log("error", f"dispatcher: {type(exc).__name__}: {exc}")
                delay = 1.0
            self.wait(min(delay, 1.0) if delay > 0 else 0.001)

    def drain(self, limit: float) -> None:
        """Until nothing is pending (--once), at most ``limit`` seconds."""
        end = self.clock() + limit
        while self.busy() and self.clock() < end:
            delay = self.step()
            if self.busy():
                time.sleep(min(max(delay, 0.01), max(0.0, end - self.clock())))


def _events(whys) -> str:
    return "; ".join(whys)
