"""Processes the drivers start or end: one runner, one kill rule.

Every command a driver runs goes through ``run``: spawned in a session of its own, its
output read under the caller's timeout, and at that timeout the whole session killed,
with anything it forked that left the session (found as descendants). The framework calls
``end_children`` at an entry point's deadline, so nothing the entry point started
outlives it. The kill rule stops every process of the tree first and looks again until
no new one appears, so a tree that keeps forking cannot outrun it.

Kept import-light (posix_spawn and poll, not subprocess): monitors load it.
"""

from __future__ import annotations

# The C module: signal.py's enums would cost every monitor an import of enum.
import _signal as signal
import os
import time

from vxha.agents.drivers.errors import DriverError, DriverUnavailable

# VCS starts agents with a bare environment, and a PATH entry put first by someone else
# must not replace a system command: the system directories are searched first.
SYSTEM_DIRS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")

_live = set()  # sessions (leader PIDs) of children started here and not yet reaped


def which(name: str) -> str:
    """Absolute path of a command (the name itself when it is nowhere)."""
    if "/" in name:
        return name
    for d in SYSTEM_DIRS + tuple(os.environ.get("PATH", "").split(os.pathsep)):
        path = os.path.join(d or ".", name)
        if os.access(path, os.X_OK):
            return path
    return name


def run(argv, timeout: float, stdin: str | None = None, pass_fds=None):
    """(returncode, stdout, stderr) of a command; DriverUnavailable when it overruns
    ``timeout`` (its session is killed then). ``pass_fds`` maps a child fd number to one
    of ours, for a command that must act on an object we opened (``/proc/self/fd/N``)."""
    import select

    end = time.monotonic() + max(0.0, timeout)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if stdin is not None:
        in_r, in_w = os.pipe()
    else:
        in_r, in_w = os.open(os.devnull, os.O_RDONLY), None
    actions = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    for child_fd, fd in (pass_fds or {}).items():
        actions.append((os.POSIX_SPAWN_DUP2, fd, child_fd))
    try:
        # LC_ALL=C: the drivers read the messages (umount's "target is busy"), which a
        # locale from VCS's environment would translate.
        env = dict(os.environ, LC_ALL="C")
        pid = os.posix_spawn(which(argv[0]), list(argv), env, file_actions=actions,
                             setsid=True)  # fmt: skip
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w, in_r, in_w):
            if fd is not None:
                os.close(fd)
        if isinstance(exc, FileNotFoundError):
            raise DriverError(f"{argv[0]} is not installed") from None
        raise DriverError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    _live.add(pid)
    for fd in (out_w, err_w, in_r):
        os.close(fd)
    pending = stdin.encode() if stdin is not None else b""
    chunks = {out_r: [], err_r: []}
    poller = select.poll()
    poller.register(out_r, select.POLLIN)
    poller.register(err_r, select.POLLIN)
    if in_w is not None:
        poller.register(in_w, select.POLLOUT)
    open_fds = {out_r, err_r} | ({in_w} if in_w is not None else set())
    status = None
    try:
        while open_fds:
            left = end - time.monotonic()
            if left <= 0:
                break
            for fd, _ in poller.poll(left * 1000):
                if fd == in_w:
                    try:
                        n = os.write(in_w, pending[:65536]) if pending else 0
                    except BrokenPipeError:
                        pending = b""
                        n = 0
                    pending = pending[n:]
                    if not pending:
                        poller.unregister(in_w)
                        os.close(in_w)
                        open_fds.discard(in_w)
                    continue
                data = os.read(fd, 65536)
                if data:
                    chunks[fd].append(data)
                else:
                    poller.unregister(fd)
                    open_fds.discard(fd)
        while True:
            try:
                done, st = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # end_children reaped it: the deadline came
                break
            if done:
                status = st
                break
            if time.monotonic() >= end:
                break
            time.sleep(0.002)
    finally:
        for fd in open_fds:
            os.close(fd)
        for fd in (out_r, err_r):
            if fd not in open_fds:
                os.close(fd)
        if status is None:
            end_one(pid)
        _live.discard(pid)
    if status is None:
        raise DriverUnavailable(f"{argv[0]} did not finish within {timeout:.1f} s")
    out = b"".join(chunks[out_r]).decode("utf-8", "replace")
    err = b"".join(chunks[err_r]).decode("utf-8", "replace")
    return os.waitstatus_to_exitcode(status), out, err


def detach(argv) -> None:
    """Start a command that ends by itself (a gratuitous ARP run) in its own session,
    neither waited for nor killed at the deadline."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        os.posix_spawn(which(argv[0]), list(argv), os.environ,
                       file_actions=[(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)],
                       setsid=True)  # fmt: skip
    except OSError as exc:
        raise DriverError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    finally:
        os.close(null)


def adopt(pid: int) -> None:
    """Count a child forked elsewhere (the mounts probe) among those the deadline ends;
    it must have made itself a session leader."""
    _live.add(pid)


def release(pid: int) -> None:
    _live.discard(pid)


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie counts as gone)."""
    return _state(pid) not in (b"Z", b"X")


def live_children() -> list:
    return sorted(_live)


def end_children() -> None:
    """Kill every child session started here: the entry point's deadline has come."""
    for pid in list(_live):
        end_one(pid)


def end_one(pid: int) -> None:
    """Kill a child's session, reap it if it dies at once, forget it."""
    kill_session(pid)
    _reap(pid)
    _live.discard(pid)


def _reap(pid: int) -> None:
    # A child stuck in the kernel (umount of a dead NFS server) may not die even of
    # SIGKILL: it is given a moment, then abandoned rather than waited for.
    end = time.monotonic() + 0.1
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done or time.monotonic() >= end:
            return
        time.sleep(0.002)


# -- the kill rule -------------------------------------------------------------------


def kill_tree(pid: int) -> list:
    """SIGKILL a process and all its descendants; the PIDs killed."""
    return _kill({pid}, set())


def kill_session(sid: int) -> list:
    """SIGKILL every process of session ``sid`` and their descendants; the PIDs killed."""
    return _kill({sid}, {sid})


def _table() -> dict:
    """{pid: (ppid, session)} of every live process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            fields = stat[stat.rindex(b")") + 2 :].split()
        except (OSError, ValueError):
            continue
        if fields[0] in (b"Z", b"X"):
            continue
        table[int(entry)] = (int(fields[1]), int(fields[3]))
    return table


def _members(roots, sessions, table) -> set:
    children = {}
    for p, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(p)
    todo = [p for p in roots if p in table]
    todo += [p for p, (_, sid) in table.items() if sid in sessions]
    found = set()
    while todo:
        p = todo.pop()
        if p not in found:
            found.add(p)
            todo.extend(children.get(p, ()))
    return found


def _state(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return b"X"
    return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3]


def _wait_stopped(pids, within: float = 0.5) -> None:
    # kill() returns before the signal takes effect: a process still running on another
    # CPU may finish a fork after /proc was read again. Look only once all have stopped.
    end = time.monotonic() + within
    waiting = set(pids)
    while waiting and time.monotonic() < end:
        waiting = {p for p in waiting if _state(p) not in (b"T", b"t", b"Z", b"X")}
        if waiting:
            time.sleep(0.001)


def _kill(roots, sessions) -> list:
    # Stop first, so that nothing forks between the reading of /proc and the kill; read
    # again until no new member appears (a child forked just before its parent stopped).
    spared = {0, 1, os.getpid(), os.getppid()}
    stopped = set()
    for _ in range(16):
        fresh = _members(roots, sessions, _table()) - stopped - spared
        if not fresh:
            break
        for p in fresh:
            try:
                os.kill(p, signal.SIGSTOP)
            except OSError:
                pass
        _wait_stopped(fresh)
        stopped |= fresh
    for p in stopped:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    return sorted(stopped)
