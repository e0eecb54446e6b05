"""Small per-resource state files under the context's state directory, and the one safe
way to open any file vxha keeps on a node (locks, state, logs).

Agents keep here what must survive between entry points (a container's recorded main
process, a foreign object already reported). Whatever the umask, every directory vxha
creates is 0700 and every file 0600; nothing is opened through a symbolic link; a
directory or file owned by another user, a directory others may write to, or a file with
a second hard link is refused with an OSError naming it: agents run as root, and a planted
link must never make them write somewhere else.

Written with posix, the C module under os, like the rest of the framework's path: every
call here is posix's own, and importing os (with _collections_abc) would cost every
entry point about a millisecond.
"""

import errno
import posix

# inode(7)'s file type bits, for three tests (the stat module is one import more)
S_IFMT, S_IFDIR, S_IFREG = 0o170000, 0o040000, 0o100000
_DIR_FLAGS = posix.O_RDONLY | posix.O_DIRECTORY | posix.O_NOFOLLOW | posix.O_CLOEXEC


def join(directory: str, *names: str) -> str:
    """os.path.join for the relative names vxha makes."""
    for name in names:
        if directory and not directory.endswith("/"):
            directory += "/"
        directory += name
    return directory


def path(ctx, name: str) -> str:
    return join(ctx.state_dir, _safe(name))


def read(ctx, name: str) -> "str | None":
    """The file's text, or None when there is none (or it is a symbolic link)."""
    try:
        fd = open_in(ctx.state_dir, _safe(name), posix.O_RDONLY, create=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None
        raise
    try:
        chunks = []
        while True:
            data = posix.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
    finally:
        posix.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def write(ctx, name: str, text: str) -> None:
    """Replace the file atomically (a reader sees the old text or the new, never half);
    a symbolic link planted under the name is replaced, never followed."""
    dfd = open_dir(ctx.state_dir)
    try:
        target = _safe(name)
        tmp = f".{target}.{posix.getpid()}.tmp"
        try:
            posix.unlink(tmp, dir_fd=dfd)
        except FileNotFoundError:
            pass
        flags = posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL | posix.O_NOFOLLOW | posix.O_CLOEXEC
        fd = posix.open(tmp, flags, 0o600, dir_fd=dfd)
        try:
            posix.fchmod(fd, 0o600)
            posix.write(fd, text.encode("utf-8"))
        finally:
            posix.close(fd)
        posix.replace(tmp, target, src_dir_fd=dfd, dst_dir_fd=dfd)
    finally:
        posix.close(dfd)


def remove(ctx, name: str) -> None:
    try:
        dfd = open_dir(ctx.state_dir, create=False)
    except FileNotFoundError:
        return
    try:
        posix.unlink(_safe(name), dir_fd=dfd)
    except FileNotFoundError:
        pass
    finally:
        posix.close(dfd)


# -- the safe open -----------------------------------------------------------------------


def open_dir(directory: str, create: bool = True) -> int:
    """An fd of ``directory`` after checking it (created 0700 with its missing parents)."""
    try:
        dfd = posix.open(directory, _DIR_FLAGS)
    except FileNotFoundError:
        if not create:
            raise
        _make_dirs(directory)
        dfd = posix.open(directory, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise OSError(exc.errno, f"{directory} is a symbolic link or not a directory") from None
        raise
    try:
        _check_dir(posix.fstat(dfd), directory)
    except OSError:
        posix.close(dfd)
        raise
    return dfd


def open_in(directory: str, name: str, flags: int, create: bool = True) -> int:
    """An fd of ``directory/name`` opened with ``flags`` (plus O_CREAT, mode 0600, when
    ``create``), never through a symbolic link, after checking owner and links."""
    dfd = open_dir(directory, create)
    try:
        flags |= posix.O_NOFOLLOW | posix.O_CLOEXEC | posix.O_NONBLOCK
        made = False
        if create:
            try:
                fd = posix.open(name, flags | posix.O_CREAT | posix.O_EXCL, 0o600, dir_fd=dfd)
                made = True
            except FileExistsError:
                fd = posix.open(name, flags, dir_fd=dfd)
        else:
            fd = posix.open(name, flags, dir_fd=dfd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, f"{join(directory, name)} is a symbolic link") from None
        raise
    finally:
        posix.close(dfd)
    try:
        st = posix.fstat(fd)
        where = join(directory, name)
        if (st.st_mode & S_IFMT) != S_IFREG:
            raise OSError(errno.EINVAL, f"{where} is not a regular file")
        if st.st_uid != posix.geteuid():
            raise OSError(errno.EPERM, f"{where} belongs to uid {st.st_uid}, not to this agent")
        if st.st_nlink != 1:
            raise OSError(errno.EPERM, f"{where} has {st.st_nlink} hard links")
        if made or st.st_mode & 0o077:
            posix.fchmod(fd, 0o600)
        posix.set_blocking(fd, True)
    except OSError:
        posix.close(fd)
        raise
    return fd


def _make_dirs(directory: str) -> None:
    parent = _parent(directory.rstrip("/"))
    if parent and parent != directory and not _is_dir(parent):
        _make_dirs(parent)
    try:
        posix.mkdir(directory, 0o700)
    except FileExistsError:
        return
    posix.chmod(directory, 0o700)  # mkdir's mode passes through the umask


def _parent(path: str) -> str:
    """os.path.dirname"""
    head = path[: path.rfind("/") + 1]
    return head.rstrip("/") or head


def _is_dir(path: str) -> bool:
    try:
        return (posix.stat(path).st_mode & S_IFMT) == S_IFDIR
    except (OSError, ValueError):
        return False


def _check_dir(st, directory: str) -> None:
    if (st.st_mode & S_IFMT) != S_IFDIR:
        raise OSError(errno.ENOTDIR, f"{directory} is not a directory")
    if st.st_uid not in (posix.geteuid(), 0):
        raise OSError(errno.EPERM, f"{directory} belongs to uid {st.st_uid}, not to this agent")
    if st.st_mode & 0o022:
        raise OSError(errno.EPERM, f"{directory} is writable by others (mode "
                      f"{(st.st_mode & 0o7777):04o})")  # fmt: skip


def _safe(name: str) -> str:
    name = name.replace("/", "_")
    return "_" + name if name.startswith(".") else name
