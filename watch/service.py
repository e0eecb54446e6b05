"""``vxha watch``: the sources (engines, netlink, the mount table) read in one poll loop,
the dispatcher (dispatch.py) in a thread of its own, so that a VCS that does not answer
never stops the events from being read.

What the watch saw is saved in the state directory (``watch.json``): ``--once`` compares
with it (and replays the engines' events since it) to handle what happened since its last
run; a watch restarted within ``catch_up`` seconds of its last save does the same.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import select
import signal
import threading
import time

from vxha.watch import mounttable, netlink
from vxha.watch.cluster import ClusterView
from vxha.watch.dispatch import TUNING, Dispatcher
from vxha.watch.engines import RETRY_MAX, EngineWatch, changes
from vxha.watch.events import from_change

STATE_NAME = "watch.json"
LOCK_NAME = "watch.lock"  # held while a watch uses the state directory
SAVE_EVERY = 30.0
SETTLE = 1.0  # at most one save a second while things change
SOCKET_CHECK = 5.0  # how often the engines' socket paths and streams' ages are checked
BOOT_ID = "/proc/sys/kernel/random/boot_id"


class Options:
    """What ``vxha watch`` was told (cli/watch_cmd.py fills it)."""

    def __init__(
        self,
        system,
        engines=(),
        containers=True,
        network=True,
        mounts=True,
        catch_up=300.0,
        state_dir=None,
        **tuning,
    ):
        self.system = system
        self.engines = list(engines)
        self.containers = containers
        self.network = network
        self.mounts = mounts
        unknown = set(tuning) - set(TUNING)
        if unknown:
            raise TypeError(f"unknown watch options: {', '.join(sorted(unknown))}")
        for name, default in TUNING.items():
            setattr(self, name, tuning.get(name, default))
        self.catch_up = catch_up
        self.state_dir = state_dir


class Watch:
    def __init__(self, opts: Options, client, log, env=os.environ):
        self.opts = opts
        self.log = log
        self.env = env
        self.view = ClusterView(client, opts.system, env)
        self.dispatcher = Dispatcher(
            self.view, log, **{name: getattr(opts, name) for name in TUNING}
        )
        self.dispatcher.on_refresh = self._engines_wanted
        self.engines: dict = {}
        self._wanted = set(opts.engines)
        self._lock = threading.Lock()
        self.netlink = None
        self.mounts = None
        self._saved = self._load()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._next_check = 0.0
        self._save_failed = False

    # -- state --------------------------------------------------------------------------

    def _ctx(self):
        from vxha.agents.framework import Context

        ctx = Context(self.env)
        if self.opts.state_dir:
            ctx.state_dir = self.opts.state_dir
        return ctx

    def claim(self) -> str | None:
        """Take the state directory for this watch alone (one watch per node: a second
        would probe every fault twice and overwrite the saves): None, or why not. A
        directory that cannot be written is no obstacle: the watch goes on without saving
        (docs/watch.md)."""
        from vxha.agents import statefile

        where = self._ctx().state_dir
        try:
            fd = statefile.open_in(where, LOCK_NAME, os.O_RDWR)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            try:
                pid = os.pread(fd, 32, 0).decode("ascii", "replace").split()[0]
            except (OSError, IndexError):
                pid = "?"
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                return None
            return f"another vxha watch (pid {pid}) is running with the state directory {where}"
        os.pwrite(fd, b"%-12d\n" % os.getpid(), 0)
        self._claimed = fd  # kept open (close-on-exec) for the watch's life
        return None

    def _load(self) -> dict | None:
        from vxha.agents import statefile

        try:
            text = statefile.read(self._ctx(), STATE_NAME)
            return json.loads(text) if text else None
        except (OSError, ValueError) as exc:
            self.log("warning", f"ignoring the saved state ({exc})")
            return None

    def save(self) -> None:
        from vxha.agents import statefile

        data = {
            "saved": time.time(),
            "boot": _boot_id(),
            "uptime": time.monotonic(),
            "system": self.opts.system,
            "engines": {},
        }
        for host, e in self.engines.items():
            if e.picture is not None:
                data["engines"][host] = {
                    "mark": e.last_event_nano or time.time_ns(),
                    "containers": e.picture,
                }
        if self.netlink is not None:
            data["network"] = self.netlink.snapshot.to_json()
        if self.mounts is not None:
            data["mounts"] = mounttable.to_json(self.mounts.table)
        try:
            statefile.write(self._ctx(), STATE_NAME, json.dumps(data, sort_keys=True))
        except OSError as exc:
            if not self._save_failed:  # said once: saves follow events, up to one a second
                self.log("warning", f"could not save what the watch saw: {exc}")
            self._save_failed = True
            return
        if self._save_failed:
            self.log("info", "saving what the watch saw works again")
        self._save_failed = False

    def _recent(self) -> dict | None:
        """The saved state if it was saved within ``catch_up`` seconds. Its age is read on
        the monotonic clock when it was saved since this boot, so that the wall clock
        stepped back or forth changes nothing."""
        s = self._saved
        if not s or s.get("system") != self.opts.system:
            return None
        try:
            if s.get("boot") and s.get("boot") == _boot_id():
                age = time.monotonic() - float(s["uptime"])
            else:
                age = time.time() - float(s.get("saved", 0))
        except (TypeError, ValueError, KeyError):
            return None
        return s if 0 <= age <= self.opts.catch_up else None

    def _settled(self) -> bool:
        """Every event read so far has led to its probe (made, given up or dropped): what
        the watch saw may be saved. Saved earlier, a watch killed before the probe would
        not probe at its restart; saved only now and then, it would probe again."""
        if self.dispatcher.busy():
            return False
        return not any(e.connecting for e in self.engines.values())

    # -- sources ------------------------------------------------------------------------

    def _open_sources(self) -> list:
        """Open netlink and the mount table; the subjects of what changed since the saved
        state, when there is a recent one."""
        saved = self._recent() or {}
        subjects = []
        if self.opts.network:
            self.netlink = netlink.NetlinkWatch()
            if "network" in saved:
                before = netlink.Snapshot.from_json(saved["network"])
                subjects += before.changes(self.netlink.snapshot)
        if self.opts.mounts:
            self.mounts = mounttable.MountWatch()
            if "mounts" in saved:
                before = mounttable.from_json(saved["mounts"])
                subjects += mounttable.changes(before, self.mounts.table)
        return [from_change(kind, key) for kind, key in subjects]

    def _engines_wanted(self, view) -> None:
        if self.opts.engines or not self.opts.containers:
            return
        wanted = view.engines()
        with self._lock:
            if wanted == self._wanted:
                return
            self._wanted = wanted
        self._wake()

    def _reconcile_engines(self) -> None:
        with self._lock:
            wanted = set(self._wanted) if self.opts.containers else set()
        for host in list(self.engines):
            if host not in wanted and not self.engines[host].connecting:
                self.engines.pop(host).close()
                self.log("info", f"engine {host}: no longer used here; not watched")
        saved = (self._recent() or {}).get("engines", {})
        for host in sorted(wanted - set(self.engines)):
            e = self.engines[host] = EngineWatch(host, self.log)
            if host in saved:
                e.picture = saved[host].get("containers")
            self.log("info", f"engine {host}: watching its events")

    def _connect(self, e) -> None:
        """Connect to an engine in a thread of its own: a silent engine holds its connection
        for up to its timeout, and the other sources must be read meanwhile."""
        e.connecting = True

        def connect():
            try:
                self.dispatcher.note(e.connect())
            except Exception as exc:  # noqa: BLE001 - a bug must not end the retries
                self.log("error", f"engine {e.host}: connecting: {type(exc).__name__}: {exc}")
                e.next_try = e.clock() + RETRY_MAX
            finally:
                e.connecting = False
                self._wake()

        threading.Thread(target=connect, daemon=True, name=f"engine {e.host}").start()

    def _check_engines(self, now) -> float:
        """Every few seconds: reconnect an engine whose socket path names another socket
        than its stream's, and renew a stream older than ``refresh`` (the comparison of
        containers then finds an event the engine skipped); the seconds until the next
        check."""
        if now >= self._next_check:
            self._next_check = now + min(SOCKET_CHECK, self.opts.refresh)
            for e in self.engines.values():
                if not e.connected or e.connecting:
                    continue
                if e.replaced():
                    self.log("warning", f"engine {e.host}: its socket was replaced; reconnecting")
                elif now - e.connected_at >= self.opts.refresh:
                    e.renewing = True
                else:
                    continue
                e.close()
                e.next_try = now
        return self._next_check - now

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # -- running ------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set (SIGTERM, SIGINT)."""
        self.dispatcher.note(self._open_sources())
        worker = threading.Thread(
            target=self.dispatcher.run, args=(stop,), daemon=True, name="dispatcher"
        )
        worker.start()
        last_save = time.monotonic() - SETTLE
        dirty = True  # what the watch sees changed since the last save
        self.log("info", f"watching for {self.opts.system}: " + ", ".join(self._what()))
        while not stop.is_set():
            self._reconcile_engines()
            now = time.monotonic()
            retry = [self._check_engines(now)]
            for e in self.engines.values():
                if not e.connected and not e.connecting and now >= e.next_try:
                    self._connect(e)
            poller = select.poll()
            poller.register(self._wake_r, select.POLLIN)
            sources = {}
            if self.netlink is not None:
                poller.register(self.netlink.fileno(), select.POLLIN)
                sources[self.netlink.fileno()] = self.netlink
            if self.mounts is not None:
                poller.register(self.mounts.fileno(), select.POLLPRI | select.POLLERR)
                sources[self.mounts.fileno()] = self.mounts
            for e in self.engines.values():
                if e.connecting:
                    continue
                if e.connected:
                    poller.register(e.fileno(), select.POLLIN | select.POLLHUP)
                    sources[e.fileno()] = e
                else:
                    retry.append(e.next_try - now)
            timeout = min([SAVE_EVERY] + retry + ([SETTLE] if dirty else []))
            try:
                ready = poller.poll(max(0, int(timeout * 1000) + 1))
            except InterruptedError:
                ready = []
            noted = time.monotonic()
            dirty = dirty or bool(ready)
            for fd, _ev in ready:
                if fd == self._wake_r:
                    _drain(fd)
                    continue
                source = sources.get(fd)
                if source is None:
                    continue
                try:
                    subjects = source.read()
                except OSError as exc:
                    self.log("error", f"reading {type(source).__name__}: {exc}")
                    continue
                if subjects:
                    self.dispatcher.note(subjects, noted)
            since = time.monotonic() - last_save
            if (since >= SAVE_EVERY or dirty and since >= SETTLE) and self._settled():
                self.save()
                last_save, dirty = time.monotonic(), False
        self.dispatcher.wake()
        worker.join(timeout=2.0)
        if self._settled():
            self.save()
        else:
            self.log(
                "warning",
                "stopping before every probe was made: what the watch saw since its last "
                "save is not saved, so that a start within "
                f"{self.opts.catch_up:g} s compares with that save and probes again",
            )
        for e in self.engines.values():
            e.close()

    def _what(self) -> list:
        what = []
        if self.opts.containers:
            what.append(
                "container engines "
                + (", ".join(sorted(self._wanted)) or "(from the configuration)")
            )
        if self.opts.network:
            what.append("netlink addresses and links")
        if self.opts.mounts:
            what.append("the mount table")
        return what

    def once(self, limit: float = 60.0) -> int:
        """Handle what happened since the last run, then return: 0 when every probe asked
        for was made, 1 when VCS did not answer (a probe or the configuration given up)."""
        first = self._saved is None
        subjects = []
        if self.opts.network:
            self.netlink = netlink.NetlinkWatch()
        if self.opts.mounts:
            self.mounts = mounttable.MountWatch()
        saved = self._saved or {}
        if not first and saved.get("system") == self.opts.system:
            if self.netlink is not None and "network" in saved:
                before = netlink.Snapshot.from_json(saved["network"])
                subjects += before.changes(self.netlink.snapshot)
            if self.mounts is not None and "mounts" in saved:
                subjects += mounttable.changes(
                    mounttable.from_json(saved["mounts"]), self.mounts.table
                )
        found = [from_change(k, v) for k, v in subjects]
        self.dispatcher.step()  # reads the configuration: which engines are used here
        self._reconcile_engines()
        for host, e in self.engines.items():
            before = saved.get("engines", {}).get(host)
            try:
                now_picture = e.current()
            except Exception as exc:  # noqa: BLE001 - an engine away is logged, not fatal
                self.log("warning", f"engine {host}: {exc}")
                continue
            if before:
                # the pictures first: an engine that cannot replay its events (its log
                # rotated, a clock stepped back) must not hide what changed
                found += changes(before["containers"], now_picture, host)
                e.picture = before["containers"]
                e.health = {cid: v[3] for cid, v in e.picture.items()}
                try:
                    found += e.replay(int(before.get("mark", 0)))
                except Exception as exc:  # noqa: BLE001 - as above
                    self.log("warning", f"engine {host}: replaying its events: {exc}")
            e.picture = now_picture
        if first:
            self.log(
                "info",
                "first run: recorded what the watch sees; the next run handles what changed since",
            )
        self.dispatcher.note(found)
        self.dispatcher.drain(limit)
        if self.dispatcher.busy():
            # a probe still to make at the time limit: the next run compares with the
            # last save again and asks for it then (as a restarted resident watch does)
            self.log("warning", f"probes not made within {limit:g} s; left to the next run")
            return 1
        self.save()
        return 1 if self.dispatcher.given_up or not self.view.loaded else 0


def _boot_id() -> str:
    try:
        with open(BOOT_ID) as f:
            return f.read().strip()
    except OSError:
        return ""


def _drain(fd) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass


def install_signals(watch: Watch, stop: threading.Event) -> None:
    """SIGTERM and SIGINT stop the watch; SIGHUP reads the configuration again now."""

    def handler(signum, frame):
        stop.set()
        watch._wake()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGHUP, lambda s, f: watch.dispatcher.refresh_soon())
