"""The per-resource lock: one entry point per resource at a time, and clean's right of way.

A flock on ``<lock dir>/<Type>.<resource>.lock`` (a private file: agents/statefile.py).
The PID written in it is only a hint for people: the process clean may stop is the one
the kernel says holds the flock (/proc/locks) and that has the lock file open, and it is
signalled through a pidfd where the kernel has them, so a reused PID is never hit.
"""

import errno
import fcntl
import posix  # not os: see agents/statefile.py
import time

from vxha.agents.statefile import join, open_in


class ResourceLock:
    def __init__(self, ctx, type_name, resource):
        self.dir = ctx.lock_dir
        self.name = f"{type_name}.{resource.replace('/', '_')}.lock"
        self.path = join(self.dir, self.name)
        self.fd = None

    def _open(self) -> int:
        return open_in(self.dir, self.name, posix.O_RDWR)

    def try_acquire(self) -> bool:
        if self.fd is None:
            self.fd = self._open()
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        # Fixed width, no truncation: one small write, cheap on any file system.
        posix.pwrite(self.fd, b"%-12d\n" % posix.getpid(), 0)
        return True

    def acquire(self, deadline: float) -> bool:
        delay = 0.005
        while not self.try_acquire():
            if time.monotonic() + delay > deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        return True

    def holder(self) -> "int | None":
        """The PID of another process holding the lock, verified with the kernel; None."""
        try:
            fd = self.fd if self.fd is not None else self._open()
        except OSError:
            return None
        try:
            st = posix.fstat(fd)
        finally:
            if fd != self.fd:
                posix.close(fd)
        from os.path import realpath  # clean's path only

        real = realpath(self.path)
        for pid in flock_owners(st.st_dev, st.st_ino):
            if pid != posix.getpid() and has_open(pid, real):
                return pid
        return None

    def signal_holder(self, pid: int, sig: int) -> bool:
        """Send ``sig`` to ``pid`` if it still holds this lock; False when it does not."""
        try:
            st = posix.fstat(self.fd) if self.fd is not None else posix.stat(self.path)
        except OSError:
            return False
        pidfd = None
        if hasattr(posix, "pidfd_open"):
            try:
                pidfd = posix.pidfd_open(pid)
            except OSError:
                return False
        try:
            # Checked after the pidfd pins the process: a PID reused since is not ours.
            owners = flock_owners(st.st_dev, st.st_ino)
            from os.path import realpath

            if pid not in owners or not has_open(pid, realpath(self.path)):
                return False
            import signal

            if pidfd is not None:
                signal.pidfd_send_signal(pidfd, sig)
            else:
                posix.kill(pid, sig)
            return True
        except ProcessLookupError:
            return False
        finally:
            if pidfd is not None:
                posix.close(pidfd)

    def release(self):
        if self.fd is not None:
            posix.close(self.fd)
            self.fd = None


def flock_owners(dev: int, ino: int) -> list:
    """PIDs /proc/locks names as holding a FLOCK on the file (dev, ino)."""
    want = f"{posix.major(dev):02x}:{posix.minor(dev):02x}:{ino}"
    owners = []
    try:
        with open("/proc/locks") as f:
            for line in f:
                words = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 fd:00:2199894 0 EOF"
                if len(words) >= 6 and words[1] == "FLOCK" and words[5] == want:
                    owners.append(int(words[4]))
    except (OSError, ValueError):
        pass
    return owners


def has_open(pid: int, path: str) -> bool:
    """Whether process ``pid`` has the file at ``path`` (a real path) open. Read from the
    fd links' text only: a stat could block on a file of a hung file system."""
    base = f"/proc/{pid}/fd"
    try:
        fds = posix.listdir(base)
    except OSError:
        return False
    for fd in fds:
        try:
            if posix.readlink(f"{base}/{fd}") == path:
                return True
        except OSError:
            continue
    return False
