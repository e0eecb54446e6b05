"""A cgroup per real node (and one for the client), so that a crash or a clean-up kills
every process of it at once: the engine, its helpers, the containers, an entry point.

The cgroup is made in every hierarchy of this machine (cgroup v1 controllers and the v2
unified one, or v2 alone), below this process's own cgroup in each. Membership is read and
ended through the v2 hierarchy: ``cgroup.kill`` (Linux 5.14) kills the whole subtree in
the kernel, so nothing forks away while it is killed. The node's engine runs inside a
cgroup namespace rooted here, so the cgroups it makes for its containers are below it too.
"""

from __future__ import annotations

import os
import time

MOUNTINFO = "/proc/self/mountinfo"


class CgroupError(Exception):
    pass


def hierarchies() -> list:
    """[(mount point, fstype, super options, root)] of the cgroup file systems mounted
    here (root: the cgroup the mount shows as its top)."""
    found = []
    with open(MOUNTINFO) as f:
        for line in f:
            fields = line.split()
            try:
                sep = fields.index("-", 6)
            except ValueError:
                continue
            fstype = fields[sep + 1]
            if fstype in ("cgroup", "cgroup2"):
                opts = fields[sep + 3] if len(fields) > sep + 3 else ""
                found.append((fields[4], fstype, opts, fields[3]))
    return found


def _own_paths() -> dict:
    """This process's cgroup per hierarchy key ('' for v2, else the controller list)."""
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            own[ctrls] = path
    return own


def _key(fstype: str, options: str) -> str:
    if fstype == "cgroup2":
        return ""
    words = [w for w in options.split(",") if w not in ("rw", "ro")]
    names = [w for w in words if w.startswith("name=")]
    ctrls = [w for w in words if "=" not in w and w not in ("xattr", "noprefix", "clone_children")]
    return ",".join(sorted(ctrls) + names)


class Cgroup:
    """One named cgroup in every hierarchy, below this process's cgroups."""

    def __init__(self, name: str):
        self.name = name
        own = _own_paths()
        own_keys = {",".join(sorted(k.split(","))) if k else "": v for k, v in own.items()}
        self.paths = {}  # mount point -> directory of this cgroup
        self.unified = None
        for mountpoint, fstype, options, root in hierarchies():
            if not mountpoint.startswith("/sys/fs/cgroup"):
                continue
            base = own_keys.get(_key(fstype, options))
            if base is None:
                continue
            if root != "/" and (base == root or base.startswith(root + "/")):
                base = base[len(root) :]
            path = os.path.join(mountpoint + base.rstrip("/"), name)
            self.paths[mountpoint] = path
            if fstype == "cgroup2":
                self.unified = path

    def create(self) -> None:
        if self.unified is None:
            raise CgroupError(
                "real-node mode needs the cgroup v2 hierarchy (unified or hybrid) to end a"
                " node's processes at once; none is mounted under /sys/fs/cgroup"
            )
        for path in self.paths.values():
            os.makedirs(path, exist_ok=True)
            if os.path.exists(os.path.join(path, "cpuset.cpus")):
                # cgroup v1 cpuset starts empty, and an empty cpuset takes no process.
                parent = os.path.dirname(path)
                for knob in ("cpuset.cpus", "cpuset.mems"):
                    with open(os.path.join(parent, knob)) as src:
                        value = src.read().strip()
                    with open(os.path.join(path, knob), "w") as dst:
                        dst.write(value)

    def exists(self) -> bool:
        return any(os.path.isdir(p) for p in self.paths.values())

    def join(self) -> None:
        """Move the calling process into this cgroup in every hierarchy (a preexec_fn):
        what makes cgroups for others (an engine) must see its own as the top."""
        for path in self.paths.values():
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write("0")

    def join_tracked(self) -> None:
        """Move the calling process into this cgroup of the v2 hierarchy only (a
        preexec_fn): enough to be killed with the node, and cheap (each v1 move takes
        milliseconds), which an entry point, run every few seconds, cares about."""
        with open(os.path.join(self.unified, "cgroup.procs"), "w") as f:
            f.write("0")

    def pids(self) -> list:
        """Every process in the subtree (v2)."""
        out = []
        if self.unified is None:
            return out
        for root, _, _ in os.walk(self.unified):
            try:
                with open(os.path.join(root, "cgroup.procs")) as f:
                    out += [int(p) for p in f.read().split()]
            except OSError:
                continue
        return out

    def kill(self, timeout: float = 10.0) -> bool:
        """SIGKILL every process of the subtree; True once none is left."""
        if self.unified is None or not os.path.isdir(self.unified):
            return True
        try:
            with open(os.path.join(self.unified, "cgroup.kill"), "w") as f:
                f.write("1")
        except OSError:  # without cgroup.kill: signal each, repeated until none is left
            self._kill_each()
        end = time.monotonic() + timeout
        while self.pids():
            if time.monotonic() > end:
                return False
            self._kill_each()
            time.sleep(0.02)
        return True

    def _kill_each(self) -> None:
        import signal

        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self, timeout: float = 10.0) -> str | None:
        """Remove the cgroup and what the engines made below it, in every hierarchy; why
        not, or None."""
        end = time.monotonic() + timeout
        for path in self.paths.values():
            if not os.path.isdir(path):
                continue
            dirs = sorted((r for r, _, _ in os.walk(path)), key=len, reverse=True)
            for d in dirs:
                while True:
                    try:
                        os.rmdir(d)
                        break
                    except FileNotFoundError:
                        break
                    except OSError as exc:  # busy: an exiting process not yet released
                        if time.monotonic() > end:
                            return f"cgroup {d}: {exc.strerror}"
                        time.sleep(0.05)
        return None
