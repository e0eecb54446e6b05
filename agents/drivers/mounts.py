"""The mounts driver: mount(8)/umount(8) with timeouts, /proc/self/mountinfo, the processes
using a mount, and the second-level probe.

Nothing here may hang an entry point: commands run through the one runner
(agents/drivers/proc.py), whose timeout kills their whole session and abandons a child
stuck in the kernel; the process finder only reads /proc links (never
stat()s a file on the mount, which is how fuser hangs on a dead NFS server); the probe
runs in a forked child that is abandoned when it does not answer in time.

Imports stay cheap: monitor loads this module.
"""

from __future__ import annotations

# The C module: signal.py's enums would cost every monitor an import of enum.
import _signal as signal
import posix  # not os, which costs monitor about a millisecond: these calls are posix's
import time

from vxha.agents.drivers.errors import DriverError, DriverUnavailable

# File systems the agent knows: block-device ones, and the two non-CFS test set-ups.
BLOCK_FSTYPES = ("vxfs", "ext4", "xfs")
FSTYPES = BLOCK_FSTYPES + ("tmpfs", "bind")

MOUNTINFO = "/proc/self/mountinfo"
# File systems on which stat() cannot block on a remote server or a cluster lock.
LOCAL_FSTYPES = ("ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs")


class MountBusy(DriverError):
    """umount said the target is busy (EBUSY)."""


class ProbeTimeout(DriverUnavailable):
    """The second-level probe did not answer in time (a dead or hung device)."""


def probe_name(node: str) -> str:
    """The file the second-level probe writes in the mount: one per system."""
    return f".vxha-probe.{node}"


class MountEntry:
    """One line of /proc/self/mountinfo (proc(5))."""

    __slots__ = ("id", "parent", "major", "minor", "root", "mountpoint", "options", "fstype",
                 "source", "superopts")  # fmt: skip

    def __init__(self, id, parent, major, minor, root, mountpoint, options, fstype, source,
                 superopts=""):  # fmt: skip
        self.id = id
        self.parent = parent
        self.major = major
        self.minor = minor
        self.root = root
        self.mountpoint = mountpoint
        self.options = options
        self.fstype = fstype
        self.source = source
        self.superopts = superopts

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}

    def read_only(self, fs: bool = False) -> bool:
        """The mount is read-only; with ``fs``, also when only its file system is: the
        super block's options say ``ro`` (ext4's errors=remount-ro on older kernels) or
        ``emergency_ro`` (the same on 6.x kernels), while the mount's own still say rw."""
        if "ro" in self.options.split(","):
            return True
        return fs and not {"ro", "emergency_ro"}.isdisjoint(self.superopts.split(","))

    def __repr__(self):
        return f"MountEntry({self.id} {self.source} on {self.mountpoint} type {self.fstype})"


def unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo octal."""
    if "\\" not in field:
        return field
    out = []
    i = 0
    n = len(field)
    while i < n:
        c = field[i]
        if c == "\\" and i + 3 < n + 1 and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list:
    """mountinfo text -> [MountEntry] in the kernel's order (parents before children)."""
    entries = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
            major, _, minor = fields[2].partition(":")
            entries.append(
                MountEntry(
                    int(fields[0]),
                    int(fields[1]),
                    int(major),
                    int(minor),
                    unescape(fields[3]),
                    unescape(fields[4]),
                    fields[5],
                    fields[sep + 1],
                    unescape(fields[sep + 2]),
                    fields[sep + 3] if len(fields) > sep + 3 else "",
                )
            )
        except (ValueError, IndexError):
            continue  # a line we cannot read is not one of ours
    return entries


def escape(path: str) -> str:
    """A path as mountinfo writes it."""
    for c, e in (("\\", "\\134"), (" ", "\\040"), ("\t", "\\011"), ("\n", "\\012")):
        path = path.replace(c, e)
    return path


def select_lines(text: str, top: str) -> str:
    """The lines of mountinfo text that can describe a mount at or below ``top``: a cheap
    substring filter, so that a system with thousands of mounts parses only a few."""
    esc = escape(top.rstrip("/") or "/")
    at, below = f" {esc} ", f" {esc}/"
    return "\n".join(line for line in text.split("\n") if at in line or below in line)


def under(path: str, top: str) -> bool:
    """``path`` is ``top`` or lies below it (component-wise, not string prefix)."""
    return path == top or path.startswith(top.rstrip("/") + "/")


def stable_read(path: str = MOUNTINFO, tries: int = 5) -> str:
    """The mount table, read whole, and again while the kernel says it changed since the
    file was opened: a table changing while it is read can come back torn (what makes
    ClusterLabs' Filesystem agent read /proc/mounts twice and compare). Mount tables are
    pollable for exactly that (proc(5): a mount or unmount marks the open file with
    POLLPRI), which costs one read where comparing costs two. Other files never report a
    change."""
    data = b""
    for _ in range(tries):
        data, changed = _read_once(path)
        if not changed:
            break
    return data.decode("utf-8", "surrogateescape")


def _read_once(path: str) -> tuple:
    """(the file's bytes, whether the kernel flagged a change since it was opened)."""
    import select

    with open(path, "rb", buffering=0) as f:
        data = f.read()
        poller = select.poll()
        poller.register(f.fileno(), select.POLLPRI)
        return data, bool(poller.poll(0))


def _protected_pids() -> set:
    """This process, its ancestors (the VCS agent that runs us) and PID 1."""
    pids = {0, 1, posix.getpid()}
    pid = posix.getppid()
    for _ in range(64):
        if pid in pids:
            break
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            pid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def open_directory(path: str, create: bool = False) -> int:
    """An O_PATH fd of the directory ``path``, reached component by component without
    following a symbolic link (what openat2's RESOLVE_NO_SYMLINKS does); missing
    components are created (0755) when ``create``. DriverError naming a link met."""
    import errno

    flags = posix.O_PATH | posix.O_DIRECTORY | posix.O_NOFOLLOW | posix.O_CLOEXEC
    parts = [p for p in path.split("/") if p]
    fd = posix.open("/", flags)
    try:
        for i, part in enumerate(parts):
            here = "/" + "/".join(parts[: i + 1])
            try:
                nfd = posix.open(part, flags, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise DriverError(f"{here} does not exist") from None
                try:
                    posix.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise DriverError(f"cannot create {here}: {exc.strerror}") from None
                nfd = posix.open(part, flags, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise DriverError(f"{here}: {exc.strerror}") from None
                try:
                    posix.readlink(part, dir_fd=fd)
                except OSError:
                    raise DriverError(f"{here} is not a directory") from None
                raise DriverError(
                    f"{here} is a symbolic link: a mount point path is never followed "
                    "through one (it could lead the mount anywhere on the host)"
                ) from None
            posix.close(fd)
            fd = nfd
    except BaseException:
        posix.close(fd)
        raise
    return fd


class MountDriver:
    """The real mounts of this system (its mount namespace)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.node = posix.uname().nodename

    # -- reading ------------------------------------------------------------------------

    def mounts(self, under_path: str | None = None) -> list:
        """The mount table, read until two reads agree; only the mounts at or below
        ``under_path`` when given."""
        try:
            text = stable_read()
        except OSError as exc:
            raise DriverError(f"cannot read {MOUNTINFO}: {exc}") from None
        if under_path is None:
            return parse_mountinfo(text)
        return [e for e in parse_mountinfo(select_lines(text, under_path))
                if under(e.mountpoint, under_path)]  # fmt: skip

    def source_problem(self, source: str, fstype: str) -> str | None:
        """Why ``source`` cannot be mounted as ``fstype`` (missing, wrong kind), or None."""
        if fstype == "tmpfs":
            return None
        try:
            st = posix.stat(source)
        except FileNotFoundError:
            return f"{source} does not exist"
        except OSError as exc:
            return f"{source}: {exc.strerror}"
        import stat

        if fstype == "bind":
            return None if stat.S_ISDIR(st.st_mode) else f"{source} is not a directory"
        return None if stat.S_ISBLK(st.st_mode) else f"{source} is not a block device"

    def same_source(self, entry: MountEntry, source: str, fstype: str, covered=False) -> bool:
        """Whether ``entry`` is a mount of ``source`` (as ``fstype``). ``covered``: another
        mount hides ``entry``, so a bind mount's directory cannot be stat()ed through its
        path; its file system and its root (the source's path within it) tell instead."""
        if fstype == "tmpfs":
            return entry.fstype == "tmpfs" and entry.source == source
        try:
            st = posix.stat(source)
        except OSError:
            st = None
        if fstype == "bind":
            if st is None or (posix.major(st.st_dev), posix.minor(st.st_dev)) != (
                entry.major,
                entry.minor,
            ):
                return False
            if covered:
                return (source + "/").endswith(entry.root.rstrip("/") + "/")
            try:
                return posix.stat(entry.mountpoint).st_ino == st.st_ino
            except OSError:
                return False
        if (
            st is not None
            and st.st_rdev
            and ((posix.major(st.st_rdev), posix.minor(st.st_rdev)) == (entry.major, entry.minor))
        ):
            return True
        if entry.source == source:
            return True
        try:
            from os.path import realpath

            return realpath(entry.source) == realpath(source)
        except OSError:
            return False

    def device_held(self, source: str) -> bool:
        """Whether a file system still holds the block device ``source`` on this system:
        mounted in any mount namespace, or detached (lazy unmount) while still in use.
        open(2) with O_EXCL on a block device fails with EBUSY then; one open, no process.
        A device that is gone (or a loop device without its file) holds nothing.
        O_NONBLOCK: no media check on open (sd(4)'s removable devices), as blkid opens."""
        import errno

        flags = posix.O_RDONLY | posix.O_EXCL | posix.O_NONBLOCK | posix.O_CLOEXEC
        try:
            fd = posix.open(source, flags)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                return True
            if exc.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
                return False
            raise DriverError(f"cannot tell whether {source} is in use: {exc.strerror}") from None
        posix.close(fd)
        return False

    # -- changing -----------------------------------------------------------------------

    def make_mountpoint(self, mountpoint: str) -> None:
        posix.close(open_directory(mountpoint, create=True))

    def mount(self, source: str, mountpoint: str, fstype: str, options: str, timeout: float):
        """Mount on the directory reached without following a symbolic link (and, for a
        bind mount, from one): mount(8) is handed the opened directories as
        /proc/self/fd/N and told not to resolve the paths again."""
        fds = {3: open_directory(mountpoint)}
        try:
            if fstype == "bind":
                fds[4] = open_directory(source)
                argv = ["mount", "--no-canonicalize", "--bind"]
            else:
                argv = ["mount", "--no-canonicalize", "-t", fstype]
            if options:
                argv += ["-o", options]
            argv += ["--", "/proc/self/fd/4" if fstype == "bind" else source, "/proc/self/fd/3"]
            from vxha.agents.drivers.proc import run  # not at the top: monitor runs nothing

            code, _, err = run(argv, timeout, pass_fds=fds)
        finally:
            for fd in fds.values():
                posix.close(fd)
        if code != 0:
            raise DriverError(f"mount failed (exit {code}): {err.strip() or 'no message'}")

    def umount(self, mountpoint: str, timeout: float, force=False, lazy=False) -> None:
        """Unmount the topmost mount at ``mountpoint``; MountBusy when it is in use."""
        argv = ["umount", "--no-canonicalize"]
        if force:
            argv.append("--force")
        if lazy:
            argv.append("--lazy")
        argv += ["--", mountpoint]
        from vxha.agents.drivers.proc import run

        code, _, err = run(argv, timeout)
        err = err.strip()
        if code == 0:
            return
        if "busy" in err.lower():
            raise MountBusy(err)
        raise DriverError(f"umount failed (exit {code}): {err or 'no message'}")

    # -- processes ----------------------------------------------------------------------

    def users(self, entry: MountEntry, exclude=()) -> list:
        """Processes of this mount namespace using the mount ``entry``: (pid, name, how).

        Walks /proc/*/{cwd,root,exe,fd,maps} by readlink and text only: no stat() of
        anything on a remote or cluster mount. Paths below the mounts in ``exclude``
        (deeper mounts still present) belong to those, not to ``entry``. Never lists this
        process, its ancestors or PID 1.
        """
        top = entry.mountpoint
        deeper = [e.mountpoint for e in exclude if e.mountpoint != top and under(e.mountpoint, top)]
        dev = f"{entry.major:02x}:{entry.minor:02x}"
        # On a local file system a stat of /proc/PID/cwd cannot hang, and tells a directory
        # on the mount from one the mount covers (entered before it was mounted).
        local = (entry.major, entry.minor) if entry.fstype in LOCAL_FSTYPES else None

        def on_mount(path):
            if path.endswith(" (deleted)"):
                path = path[:-10]
            return under(path, top) and not any(under(path, d) for d in deeper)

        try:
            my_ns = posix.readlink("/proc/self/ns/mnt")
        except OSError:
            my_ns = None
        protected = _protected_pids()
        found = []
        for name in posix.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid in protected:
                continue
            base = f"/proc/{pid}/"
            try:
                if my_ns is not None and posix.readlink(base + "ns/mnt") != my_ns:
                    continue
            except OSError:
                continue  # gone, or a kernel thread
            how = self._how(base, on_mount, entry.id, dev, local)
            if how:
                try:
                    with open(base + "comm") as f:
                        comm = f.read().strip()
                except OSError:
                    comm = "?"
                found.append((pid, comm, how))
        return found

    @staticmethod
    def _how(base, on_mount, mount_id, dev, local=None) -> str | None:
        for link in ("cwd", "root", "exe"):
            try:
                if on_mount(posix.readlink(base + link)):
                    if local is not None:
                        st = posix.stat(base + link)
                        if (posix.major(st.st_dev), posix.minor(st.st_dev)) != local:
                            continue
                    return link
            except OSError:
                pass
        try:
            fds = posix.listdir(base + "fd")
        except OSError:
            fds = ()
        for fd in fds:
            try:
                target = posix.readlink(base + "fd/" + fd)
            except OSError:
                continue
            if not target.startswith("/") or not on_mount(target):
                continue
            try:  # fdinfo names the mount exactly; a same-named path elsewhere does not count
                with open(base + "fdinfo/" + fd) as f:
                    info = f.read()
                for line in info.splitlines():
                    if line.startswith("mnt_id:"):
                        if int(line.split()[1]) != mount_id:
                            target = None
                        break
            except (OSError, ValueError):
                pass
            if target:
                return f"open file {target}"
        try:
            with open(base + "maps") as f:
                for line in f:
                    parts = line.split(None, 5)
                    if len(parts) == 6 and parts[3] == dev and on_mount(parts[5].rstrip("\n")):
                        return f"mapped file {parts[5].strip()}"
        except OSError:
            pass
        return None

    def signal(self, pid: int, sig: int) -> bool:
        """Send ``sig``; False when the process is already gone (or a zombie). Refuses this
        process, its ancestors and PID 1."""
        if pid in _protected_pids():
            raise DriverError(f"refusing to signal protected process {pid}")
        if not self.alive(pid):
            return False
        try:
            posix.kill(pid, sig)
        except ProcessLookupError:
            return False
        return True

    def alive(self, pid: int) -> bool:
        """Whether ``pid`` still runs (a zombie counts as gone)."""
        from vxha.agents.drivers.proc import alive

        return alive(pid)

    # -- second-level probe -------------------------------------------------------------

    def probe(self, mountpoint: str, write: bool, timeout: float, device: str = "") -> None:
        """Write, sync, read back and remove a small file (or, when ``write`` is false, list
        the directory and read the first block of ``device``, when given, past the page
        cache) in a forked child. The child is killed and abandoned, never waited for,
        when it does not answer within ``timeout``: ProbeTimeout."""
        return fork_probe(mountpoint, probe_name(self.node), write, timeout, device)

    def usage(self, mountpoint: str, timeout: float) -> tuple:
        """(size, used) in bytes of the file system at ``mountpoint``, asked in a forked
        child as the probe is (a statvfs of a hung file system never returns)."""
        size, used = in_child(lambda: _usage(mountpoint), timeout).split()
        return int(size), int(used)


def _probe_body(path: str, write: bool, device: str = "") -> None:
    from os.path import dirname

    posix.listdir(dirname(path))
    if not write:
        if device:
            _read_device(device)
        return
    token = f"vxha probe {posix.getpid()} {time.time()}\n".encode()
    fd = posix.open(path, posix.O_WRONLY | posix.O_CREAT | posix.O_TRUNC | posix.O_NOFOLLOW, 0o600)
    try:
        posix.write(fd, token)
        posix.fsync(fd)
    finally:
        posix.close(fd)
    fd = posix.open(path, posix.O_RDONLY | posix.O_NOFOLLOW)
    try:
        back = posix.read(fd, len(token) + 1)
    finally:
        posix.close(fd)
    posix.unlink(path)
    if back != token:
        raise OSError(f"read back {len(back)} bytes that differ from what was written")


def _read_device(device: str) -> None:
    """Read the device's first block with O_DIRECT: a read-only mount's directory listing
    comes from the kernel's caches and would pass on a device that is gone (what
    ClusterLabs' Filesystem does at OCF_CHECK_LEVEL 10, with dd iflag=direct)."""
    import mmap

    buf = mmap.mmap(-1, 4096)  # page-aligned, as O_DIRECT needs
    fd = posix.open(device, posix.O_RDONLY | posix.O_DIRECT | posix.O_CLOEXEC)
    try:
        got = posix.readv(fd, [buf])
    finally:
        posix.close(fd)
    if got <= 0:
        raise OSError(f"{device} returned no data (the device is gone or empty)")


def fork_probe(mountpoint: str, name: str, write: bool, timeout: float, device: str = "",
               body=None) -> None:  # fmt: skip
    """Run the probe of ``mountpoint`` in a child; DriverError/ProbeTimeout on failure."""
    body = body or _probe_body
    from os.path import join

    in_child(lambda: body(join(mountpoint, name), write, device), timeout)


def in_child(fn, timeout: float) -> str:
    """``fn()``'s text, computed in a forked child that holds nothing of ours; the child
    is killed and abandoned, never waited for, when it does not answer within
    ``timeout``: ProbeTimeout. DriverError with the child's error."""
    from vxha.agents.drivers import proc

    r, w = posix.pipe()
    pid = posix.fork()
    if pid == 0:  # child: hold nothing of the parent's (its lock, VCS's stdout pipe)
        try:
            posix.setsid()  # so that the deadline's kill rule finds it as a session
            null = posix.open("/dev/null", posix.O_RDWR)
            for fd in (0, 1, 2):
                posix.dup2(null, fd)
            posix.closerange(3, w)
            posix.closerange(w + 1, 65536)
            for sig in (signal.SIGALRM, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            try:
                msg = "ok " + (fn() or "")
            except OSError as exc:
                msg = f"err {exc.strerror or exc}"
            except BaseException as exc:  # noqa: B036 - reported to the parent, never raised
                msg = f"err {type(exc).__name__}: {exc}"
            posix.write(w, msg.encode("utf-8", "replace")[:4000])
        finally:
            posix._exit(0)
    posix.close(w)
    proc.adopt(pid)
    try:
        import select

        ready, _, _ = select.select([r], [], [], max(0.0, timeout))
        if not ready:
            proc.end_one(pid)  # killed, and abandoned if stuck in the kernel
            raise ProbeTimeout(f"no answer within {timeout:.1f}s")
        msg = posix.read(r, 4096).decode("utf-8", "replace")
    finally:
        posix.close(r)
    try:
        posix.waitpid(pid, 0)
    except OSError:
        pass
    proc.release(pid)
    if not msg.startswith("ok "):
        raise DriverError(msg[4:] or "the probe process died")
    return msg[3:]


def _usage(mountpoint: str) -> str:
    st = posix.statvfs(mountpoint)
    return f"{st.f_blocks * st.f_frsize} {(st.f_blocks - st.f_bfree) * st.f_frsize}"
