"""The mounts driver's fake: one simulated system's mount table in VXHA_NODE_DIR/mounts.json.

The cluster file system stand-in is VXHA_SHARED_DIR: a block device ``/dev/vx/dsk/dg/vol``
exists for every system once ``create_device`` made its directory
``<shared>/cfs/dev_vx_dsk_dg_vol/``; a mount is a record in the system's state, and the
probe reads and writes that shared directory, so every simulated system sees the same data.
tmpfs data is per system (``<node>/tmpfs/...``); bind sources are real directories.

Processes using a mount are simulated too (``add_user``): they block umount until
signalled, and one told to ignore SIGTERM needs SIGKILL. Faults come from faults.json as
``mounts.<op>`` with op one of mounts, mount, umount, users, signal, probe.
"""

from __future__ import annotations

import os
import signal
import time

from vxha.agents.drivers.fakestate import DriverError, FakeState
from vxha.agents.drivers.mounts import (
    MountBusy,
    MountEntry,
    ProbeTimeout,
    probe_name,
    under,
)

FAKE_DEV_MAJOR = 253  # what device-mapper volumes look like; tmpfs and binds say 0


def device_key(source: str) -> str:
    return source.strip("/").replace("/", "_") or "root"


class FakeMounts:
    def __init__(self, ctx):
        self.ctx = ctx
        self.state = FakeState(ctx, "mounts")
        self.shared = ctx.shared_dir or os.path.join(ctx.node_dir, "shared")
        self.node = os.path.basename(os.path.normpath(ctx.node_dir))

    # -- set-up helpers (tests, the simulator) -------------------------------------------

    def device_dir(self, source: str) -> str:
        return os.path.join(self.shared, "cfs", device_key(source))

    def create_device(self, source: str) -> str:
        """Make ``source`` exist on every simulated system (the CVM volume stand-in)."""
        path = self.device_dir(source)
        os.makedirs(path, exist_ok=True)
        return path

    def add_user(self, path: str, name="proc", ignore_term=False) -> int:
        """Simulate a process with its cwd at ``path``; returns its (fake) PID."""
        with self.state.locked() as st:
            pid = st.get("next_pid", 100000)
            st["next_pid"] = pid + 1
            st.setdefault("procs", {})[str(pid)] = {
                "path": path,
                "name": name,
                "ignore_term": bool(ignore_term),
            }
        return pid

    def data_dir(self, mountpoint: str) -> str | None:
        """Where the data of the mount at ``mountpoint`` lives (None when not mounted)."""
        entry = self._top(self._entries(self.state.read()), mountpoint)
        return entry and self._data(entry)

    # -- the driver interface ------------------------------------------------------------

    def mounts(self, under_path: str | None = None) -> list:
        self.state.fault("mounts")
        entries = self._entries(self.state.read())
        if under_path is None:
            return entries
        return [e for e in entries if under(e.mountpoint, under_path)]

    def source_problem(self, source: str, fstype: str) -> str | None:
        if fstype == "tmpfs":
            return None
        if fstype == "bind":
            return None if os.path.isdir(source) else f"{source} is not a directory"
        if not os.path.isdir(self.device_dir(source)):
            return f"{source} does not exist"
        return None

    def same_source(self, entry: MountEntry, source: str, fstype: str, covered=False) -> bool:
        if fstype == "tmpfs":
            return entry.fstype == "tmpfs" and entry.source == source
        if fstype == "bind":
            return entry.root == os.path.normpath(source) and entry.fstype == "bind"
        return entry.source == source

    def device_held(self, source: str) -> bool:
        """Mounted here, or detached while a simulated user still has it (as the real
        driver's O_EXCL open tells)."""
        self.state.fault("mounts")
        st = self.state.read()
        return any(m["source"] == source for m in st.get("mounts", [])) or any(
            p.get("holds") == source for p in st.get("procs", {}).values()
        )

    def make_mountpoint(self, mountpoint: str) -> None:
        self.state.fault("mount")

    def mount(self, source, mountpoint, fstype, options, timeout) -> None:
        self.state.fault("mount")
        problem = self.source_problem(source, fstype)
        if problem:
            raise DriverError(f"mount failed (exit 32): {problem}")
        with self.state.locked() as st:
            mid = st.get("next_id", 100)
            st["next_id"] = mid + 1
            st.setdefault("mounts", []).append(
                {
                    "id": mid,
                    "source": source,
                    "mountpoint": mountpoint,
                    "fstype": fstype,
                    "options": options or "rw",
                    "root": os.path.normpath(source) if fstype == "bind" else "/",
                }
            )

    def umount(self, mountpoint, timeout, force=False, lazy=False) -> None:
        self.state.fault("umount")
        with self.state.locked() as st:
            mounts = st.get("mounts", [])
            at = [i for i, m in enumerate(mounts) if m["mountpoint"] == mountpoint]
            if not at:
                raise DriverError(f"umount failed (exit 32): {mountpoint}: not mounted")
            if not lazy:
                below = [m for m in mounts if m["mountpoint"] != mountpoint]
                if any(under(m["mountpoint"], mountpoint) for m in below) or any(
                    under(p["path"], mountpoint) for p in st.get("procs", {}).values()
                ):
                    raise MountBusy(f"umount: {mountpoint}: target is busy.")
            else:  # detached: the processes keep it, but no longer block anything here
                held = {m["mountpoint"]: m["source"] for m in mounts}
                for p in st.get("procs", {}).values():
                    if under(p["path"], mountpoint):
                        over = [mp for mp in held if under(p["path"], mp)]
                        p["holds"] = held[max(over, key=len)]  # its file system lives on
                        p["path"] = "(detached)" + p["path"]
                mounts[:] = [m for m in mounts if not under(m["mountpoint"], mountpoint)]
                return
            gone = mounts.pop(at[-1])
        if gone["fstype"] == "tmpfs":  # its data goes with it
            import shutil

            shutil.rmtree(os.path.join(self.ctx.node_dir, "tmpfs", device_key(mountpoint)), True)

    def users(self, entry: MountEntry, exclude=()) -> list:
        self.state.fault("users")
        deeper = [e.mountpoint for e in exclude if e.mountpoint != entry.mountpoint]
        found = []
        for pid, p in sorted(self.state.read().get("procs", {}).items()):
            path = p["path"]
            if under(path, entry.mountpoint) and not any(
                d != entry.mountpoint and under(d, entry.mountpoint) and under(path, d)
                for d in deeper
            ):
                found.append((int(pid), p["name"], "cwd"))
        return found

    def signal(self, pid: int, sig: int) -> bool:
        self.state.fault("signal")
        with self.state.locked() as st:
            procs = st.get("procs", {})
            p = procs.get(str(pid))
            if p is None:
                return False
            if sig == signal.SIGKILL or (sig == signal.SIGTERM and not p["ignore_term"]):
                del procs[str(pid)]
        return True

    def alive(self, pid: int) -> bool:
        return str(pid) in self.state.read().get("procs", {})

    def probe(self, mountpoint: str, write: bool, timeout: float, device: str = "") -> None:
        faults = self._probe_fault()
        if faults == "hang":  # as the real probe: no answer within the timeout
            if not self.ctx.inprocess:  # in-process (simulator) time is virtual
                time.sleep(max(0.0, timeout))
            raise ProbeTimeout(f"no answer within {timeout:.1f}s")
        entry = self._top(self._entries(self.state.read()), mountpoint)
        if entry is None:
            raise DriverError(f"{mountpoint}: not mounted")
        if device and not write and not os.path.isdir(self.device_dir(device)):
            raise DriverError(f"{device} returned no data (the device is gone or empty)")
        data = self._data(entry)  # (which makes the volume's directory again)
        try:
            os.listdir(data)
            if write:
                path = os.path.join(data, probe_name(self.node))
                with open(path, "w") as f:
                    f.write("vxha probe\n")
                with open(path) as f:
                    back = f.read()
                os.unlink(path)
                if back != "vxha probe\n":
                    raise DriverError("probe read back differs")
        except OSError as exc:
            raise DriverError(exc.strerror or str(exc)) from None

    def usage(self, mountpoint: str, timeout: float) -> tuple:
        if self._probe_fault() == "hang":  # the same hung file system the probe meets
            raise ProbeTimeout(f"no answer within {timeout:.1f}s")
        entry = self._top(self._entries(self.state.read()), mountpoint)
        if entry is None:
            raise DriverError(f"{mountpoint}: not mounted")
        import shutil

        du = shutil.disk_usage(self._data(entry))
        return du.total, du.used

    # -- internals ------------------------------------------------------------------------

    def _probe_fault(self):
        from vxha.agents.drivers.fakestate import read_faults

        spec = read_faults(self.ctx).get("mounts.probe") or {}
        if spec.get("mode") == "hang":
            return "hang"
        self.state.fault("probe")
        return None

    def _data(self, entry: MountEntry) -> str:
        if entry.fstype == "bind":
            return entry.root
        if entry.fstype == "tmpfs":
            path = os.path.join(self.ctx.node_dir, "tmpfs", device_key(entry.mountpoint))
        else:
            path = self.device_dir(entry.source)
        os.makedirs(path, exist_ok=True)
        return path

    @staticmethod
    def _entries(st) -> list:
        entries = []
        for m in st.get("mounts", []):
            # as the kernel's: the latest mount at or above the path is the parent
            over = [e for e in entries if under(m["mountpoint"], e.mountpoint)]
            entries.append(
                MountEntry(
                    m["id"],
                    over[-1].id if over else 1,
                    0 if m["fstype"] in ("tmpfs", "bind") else FAKE_DEV_MAJOR,
                    m["id"],
                    m["root"],
                    m["mountpoint"],
                    m["options"],
                    m["fstype"],
                    m["source"],
                )
            )
        return entries

    @staticmethod
    def _top(entries, mountpoint):
        at = [e for e in entries if e.mountpoint == mountpoint]
        return at[-1] if at else None
