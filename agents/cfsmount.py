"""CFSMount agent: mounts that fail over without losing data.

A mount left half-released while another system writes is how clusters lose data, so:
online refuses to mount over or under someone else's mount; offline never detaches lazily
(a detached file system still written by stray processes while another system mounts it is
corruption) and only signals processes the ForceUnmount policy allows; clean escalates with
short deadlines, may force or lazily detach (logged), and reports success only when the
mount point is verifiably unmounted. See docs/cfsmount.md.
"""

from __future__ import annotations

# The C module: signal.py's enums would cost every monitor an import of enum.
import _signal as signal
import time

from vxha import hostpaths
from vxha.agents.framework import (
    OFFLINE,
    ONLINE,
    UNKNOWN,
    AgentError,
    ConfigError,
    NoAnswer,
    report_attr_change,
)

FSTYPES = ("vxfs", "ext4", "xfs", "tmpfs", "bind")
FORCE_UNMOUNT = ("none", "safe", "kill")

# Never a mount point, nor below one of the node's trees: one list with the profiles.
SYSTEM_PATHS = hostpaths.SYSTEM_PATHS


class Busy(AgentError):
    """The mount is in use and the policy does not allow freeing it (or freeing failed)."""

    msgid = "cfs.busy"


def check_mountpoint(mp: str) -> None:
    """ConfigError naming MountPoint unless it is an absolute, normalized, non-system path."""
    if not mp:
        raise ConfigError("is empty: set it to the absolute path to mount on", "MountPoint")
    if any(ord(c) < 32 or c == "\x7f" for c in mp):
        raise ConfigError(f"{mp!r} contains control characters", "MountPoint")
    if not mp.startswith("/"):
        raise ConfigError(f"{mp!r} is not an absolute path", "MountPoint")
    parts = mp.split("/")
    if ".." in parts:
        raise ConfigError(f"{mp!r} contains '..': give the normalized path", "MountPoint")
    if mp == "/" or not mp.strip("/"):
        raise ConfigError("/ itself cannot be a mount point", "MountPoint")
    if any(part in ("", ".") for part in parts[1:]):  # os.path.normpath would change it
        from os.path import normpath  # not at the top: monitor checks this, os costs a ms

        raise ConfigError(f"{mp!r} is not normalized (use {normpath(mp)!r})", "MountPoint")
    hit = SYSTEM_PATHS.match(mp)
    if hit is not None:
        where = "" if hit == mp else f" (under {hit})"
        raise ConfigError(
            f"{mp} is a system directory{where} and cannot be a mount point", "MountPoint"
        )


def mount_options(fstype: str, opts: str) -> str:
    """MountOpt as passed to mount(8): VxFS on CVM mounts as a cluster mount."""
    words = [w for w in opts.split(",") if w]
    if fstype == "vxfs" and "cluster" not in words:
        words.append("cluster")
    return ",".join(words)


def _depth_order(entries: list) -> list:
    """Deepest first; of mounts stacked on one path, the topmost (latest) first."""
    indexed = list(enumerate(entries))
    indexed.sort(key=lambda ie: (ie[1].mountpoint.count("/"), ie[0]), reverse=True)
    return [e for _, e in indexed]


class CFSMountAgent:
    def validate(self, res):
        check_mountpoint(res.MountPoint)
        if res.FSType not in FSTYPES:
            raise ConfigError(f"{res.FSType!r} is not one of {', '.join(FSTYPES)}", "FSType")
        if res.ForceUnmount not in FORCE_UNMOUNT:
            raise ConfigError(
                f"{res.ForceUnmount!r} is not one of {', '.join(FORCE_UNMOUNT)}", "ForceUnmount"
            )
        if not res.BlockDevice and res.FSType != "tmpfs":
            raise ConfigError("is empty: set the device to mount", "BlockDevice")
        if res.FSType == "bind" and not res.BlockDevice.startswith("/"):
            raise ConfigError("a bind mount's source must be an absolute path", "BlockDevice")
        if any(c.isspace() for c in res.MountOpt):
            raise ConfigError(f"{res.MountOpt!r} contains white space", "MountOpt")
        if res.SecondLevelTimeout < 1:
            raise ConfigError("must be at least 1 (seconds)", "SecondLevelTimeout")

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _source(res) -> str:
        return res.BlockDevice or "tmpfs"

    @staticmethod
    def _at(entries, mp):
        """The topmost mount at ``mp``, or None."""
        top = None
        for e in entries:
            if e.mountpoint == mp:
                top = e
        return top

    def _mine(self, res, drv, entries):
        """(our mount at MountPoint or None, a foreign one there or None)."""
        top = self._at(entries, res.MountPoint)
        if top is None:
            return None, None
        if drv.same_source(top, self._source(res), res.FSType):
            return top, None
        return None, top

    def _under_foreign(self, res, drv, entries, foreign):
        """AgentError when our mount is still at MountPoint under ``foreign``, someone
        else's mount stacked over it: ours is not unmounted, and theirs is not ours to
        remove (a mount is made on the one it covers: its parent id)."""
        by_id = {e.id: e for e in entries}
        e = by_id.get(foreign.parent)
        while e is not None and e.mountpoint == res.MountPoint:
            if drv.same_source(e, self._source(res), res.FSType, covered=True):
                raise AgentError(
                    f"{res.MountPoint} has {foreign.source} ({foreign.fstype}) mounted over "
                    f"ours: left alone; {self._source(res)} stays mounted under it until it "
                    "is unmounted",
                    "MountPoint",
                )
            e = by_id.get(e.parent)

    @staticmethod
    def _alive(res, drv) -> bool:
        """Whether the file system of a block device (ext4, xfs: one system at a time)
        still lives on this system although MountPoint no longer shows it: another
        mount namespace's copy, or a lazy unmount with files still open. vxfs is a
        cluster mount, meant to be mounted on several systems at once. Where several
        simulated systems share this host's kernel and volumes (real-node mode sets
        VXHA_SHARED_DEVICES=1), a device held elsewhere may be another system's: no test."""
        if res.FSType not in ("ext4", "xfs") or res.ctx.env.get("VXHA_SHARED_DEVICES") == "1":
            return False
        try:
            return drv.device_held(res.BlockDevice)
        except _driver_error() as exc:  # cannot tell: no entry point may guess "free"
            raise AgentError(str(exc), "BlockDevice") from None

    @staticmethod
    def _alive_text(res) -> str:
        return (
            f"{res.MountPoint} is unmounted, but {res.BlockDevice} is still in use on this "
            "system (mounted in another mount namespace, or detached with files open): "
            "its processes must end before another system mounts the volume"
        )

    @staticmethod
    def _policy(res) -> str:
        # Veritas's ForceOff asks for the unmount to go through even with open files.
        return "kill" if res.ForceOff else res.ForceUnmount

    # -- entry points -------------------------------------------------------------------------

    def online(self, res):
        drv = res.driver("mounts")
        mp, source, fstype = res.MountPoint, self._source(res), res.FSType
        entries = drv.mounts(res.MountPoint)
        mine, foreign = self._mine(res, drv, entries)
        if mine is not None:
            res.log.info(f"{mp} is already mounted from {source}", "state")
            return None
        if foreign is not None:
            raise AgentError(
                f"{mp} already has {foreign.source} ({foreign.fstype}) mounted on it: "
                "refusing to mount over another mount; unmount it or fix MountPoint",
                "MountPoint",
            )
        below = [e.mountpoint for e in entries if e.mountpoint != mp and _under(e.mountpoint, mp)]
        if below:
            raise AgentError(
                f"{', '.join(below[:3])} {'is' if len(below) == 1 else 'are'} mounted below "
                f"{mp}: refusing to hide them under a new mount",
                "MountPoint",
            )
        problem = drv.source_problem(source, fstype)
        if problem:
            raise AgentError(
                f"{problem}: cannot mount {mp} (is the volume started on this system?)",
                "BlockDevice",
            )
        if self._alive(res, drv):
            raise AgentError(
                f"{source} is already in use on this system (mounted elsewhere, or in "
                "another mount namespace): refusing to mount someone else's file system "
                "a second time",
                "BlockDevice",
            )
        opts = mount_options(fstype, res.MountOpt)
        try:
            drv.make_mountpoint(mp)
            drv.mount(source, mp, fstype, opts, res.timeout())
        except _driver_error() as exc:
            raise AgentError(f"mounting {source} on {mp}: {exc}") from None
        mine, foreign = self._mine(res, drv, drv.mounts(res.MountPoint))
        if mine is None:
            raise AgentError(f"mount of {source} on {mp} returned but the mount is not there")
        res.log.info(
            f"mounted {source} on {mp} ({fstype}{', ' + opts if opts else ''})", "cfs.mounted"
        )
        return None

    def monitor(self, res):
        drv = res.driver("mounts")
        mp = res.MountPoint
        try:
            entries = drv.mounts(res.MountPoint)
        except _driver_error() as exc:
            res.log.error(f"cannot read the mount table: {exc}", "driver")
            return UNKNOWN
        mine, foreign = self._mine(res, drv, entries)
        if foreign is not None:
            res.log.error(
                f"{mp} is mounted from {foreign.source} ({foreign.fstype}), "
                f"not from BlockDevice {self._source(res)}",
                "foreign",
            )
            return UNKNOWN
        if mine is None:
            if self._alive(res, drv):
                res.log.error(
                    f"{res.BlockDevice} is not mounted at {mp} but still in use on this "
                    "system (mounted in another mount namespace, or detached with files "
                    "open): neither online nor offline",
                    "cfs.busy",
                )
                return UNKNOWN
            return OFFLINE
        if mine.read_only(fs=True) and "ro" not in res.MountOpt.split(","):
            # It no longer serves as configured: the file system met an error
            # (errors=remount-ro) or was remounted. VCS cleans and fails over.
            res.log.error(
                f"{mp} is mounted read-only, but MountOpt asks for read-write: offline",
                "cfs.readonly",
            )
            return OFFLINE
        if res.SecondLevelMonitor and res.level_two():
            from vxha.agents.drivers.mounts import ProbeTimeout

            timeout = min(float(res.SecondLevelTimeout), max(0.1, res.time_left() - 0.3))
            try:
                write = not mine.read_only()
                device = res.BlockDevice if res.FSType in ("vxfs", "ext4", "xfs") else ""
                drv.probe(mp, write, timeout, device)
            except ProbeTimeout as exc:
                # A hung file system: whether it is still usable nobody can tell, so no
                # answer; VCS counts the monitor timeouts (FaultOnMonitorTimeouts), then
                # cleans with reason 5 and fails over (DECISIONS.md 8).
                raise NoAnswer(f"the second-level probe of {mp} hangs ({exc})") from None
            except _driver_error() as exc:
                # Mounted but unusable (a dead device): report it offline so VCS cleans up
                # and fails over, rather than unknown, which VCS would only log.
                res.log.error(f"second-level probe of {mp} failed: {exc}", "cfs.probe")
                return OFFLINE
        return ONLINE

    def offline(self, res):
        drv = res.driver("mounts")
        entries = drv.mounts(res.MountPoint)
        mine, foreign = self._mine(res, drv, entries)
        if foreign is not None:
            self._under_foreign(res, drv, entries, foreign)
            res.log.warning(
                f"{res.MountPoint} has {foreign.source} mounted, not {self._source(res)}: "
                "left alone",
                "foreign",
            )
            return None
        if mine is None:
            if self._alive(res, drv):  # detached by someone else, still in use
                raise Busy(self._alive_text(res))
            res.log.info(f"{res.MountPoint} is not mounted", "state")
            return None
        self._release(res, drv, clean=False)
        res.log.info(f"unmounted {res.MountPoint}", "cfs.unmounted")
        if self._alive(res, drv):
            raise Busy(self._alive_text(res))
        return None

    def clean(self, res):
        # An AgentError is logged and mapped to 1 by the framework: VCS retries clean.
        drv = res.driver("mounts")
        entries = drv.mounts(res.MountPoint)
        mine, foreign = self._mine(res, drv, entries)
        if foreign is not None:
            self._under_foreign(res, drv, entries, foreign)
        if mine is not None:
            self._release(res, drv, clean=True)
            mine, _ = self._mine(res, drv, drv.mounts(res.MountPoint))
            if mine is not None:
                return False
        if self._alive(res, drv):
            res.log.error(self._alive_text(res), "cfs.busy")
            return False
        return True

    def info(self, res):
        drv = res.driver("mounts")
        try:
            entries = drv.mounts(res.MountPoint)
        except _driver_error() as exc:  # the kernel's own words, not an agent defect
            raise AgentError(f"cannot read the mount table: {exc}") from None
        mine, foreign = self._mine(res, drv, entries)
        if mine is None:
            held = f"mounted from {foreign.source}" if foreign is not None else "not mounted"
            return {"Device": self._source(res), "State": held}
        pairs = {"Device": mine.source, "FSType": mine.fstype, "Options": mine.options}
        try:
            total, used = drv.usage(res.MountPoint, min(5.0, res.timeout()))
            pairs.update(Size=total, Used=used)
        except _driver_error() as exc:  # a hung file system: say so, not hang info
            pairs.update(Size="unknown", Used=f"unknown ({exc})")
        return pairs

    attr_changed = report_attr_change

    # -- unmounting -------------------------------------------------------------------------

    def _release(self, res, drv, clean: bool) -> None:
        """Unmount MountPoint and everything below it, deepest first, and the other mounts
        of its file system (binds elsewhere), MountPoint last, within the deadline."""
        from vxha.agents.drivers.mounts import MountBusy

        mp = res.MountPoint
        policy = self._policy(res)
        rounds = {}
        entries = None
        while True:
            if entries is None:
                entries = drv.mounts()
            top = self._at(entries, mp)
            if top is None or not drv.same_source(top, self._source(res), res.FSType):
                return  # ours is gone; a mount it covered is someone else's
            first = _depth_order(_holding(top, entries, res.FSType))
            target = first[0] if first else top
            if target.mountpoint != mp and not _under(target.mountpoint, mp):
                res.log.notice(
                    f"{target.mountpoint} is a mount of {mp}'s file system too: unmounting it",
                    "cfs.unmounted",
                )
            cap = 5.0 if clean else 60.0
            try:
                drv.umount(target.mountpoint, res.timeout(cap))
                entries = None
                continue
            except MountBusy as exc:
                busy = str(exc)
            except _driver_error() as exc:
                if not clean:
                    raise AgentError(f"unmounting {target.mountpoint}: {exc}") from None
                busy = str(exc)
            n = rounds[target.id] = rounds.get(target.id, 0) + 1
            self._free(res, drv, target, entries, policy, clean, n, busy)
            entries = None

    def _free(self, res, drv, target, entries, policy, clean, round_no, why) -> None:
        """Make a busy ``target`` unmountable: stop its users, or (clean only) detach it."""
        where = target.mountpoint
        users = drv.users(target, entries)
        if policy == "none":
            raise Busy(
                f"{where} is busy ({_describe(users) or why}) and ForceUnmount is none: "
                "left mounted",
                "ForceUnmount",
            )
        if users and round_no <= 3:
            # offline with "safe" only asks (TERM); "kill" and clean escalate to KILL.
            sigs = [signal.SIGTERM] + ([signal.SIGKILL] if policy == "kill" or clean else [])
            grace = min(2.0 if clean else 10.0, max(0.2, res.time_left() * 0.3))
            self._stop(res, drv, where, users, sigs, grace)
            return
        if clean:
            left = _describe(users)
            res.log.warning(
                f"{where} still busy{' (' + left + ')' if left else ''}: forced unmount", "forced"
            )
            try:
                drv.umount(where, res.timeout(2.0), force=True)
                return
            except _driver_error():
                pass
            res.log.warning(f"{where}: lazy unmount (detached; cleaned up when unused)", "forced")
            try:
                drv.umount(where, res.timeout(2.0), lazy=True)
            except _driver_error() as exc:
                raise AgentError(f"lazy unmount of {where} failed: {exc}") from None
            return
        if users:
            raise Busy(
                f"{where} is still busy ({_describe(users)})"
                + (
                    " after SIGTERM and SIGKILL"
                    if policy == "kill"
                    else " after SIGTERM; ForceUnmount safe does not SIGKILL on offline"
                ),
                "ForceUnmount",
            )
        # Busy without a process of ours to blame (a user in another mount namespace, a
        # transient open): wait and retry until the deadline.
        if res.time_left() < 0.5:
            raise Busy(f"{where} stays busy ({why}) with no process found using it")
        time.sleep(min(0.5, res.time_left() / 4))

    @staticmethod
    def _stop(res, drv, where, users, sigs, grace) -> None:
        from signal import Signals  # the enum, for the names: not on monitor's path

        pids = [u[0] for u in users]
        for i, sig in enumerate(sigs):
            name = Signals(sig).name
            res.log.notice(
                f"sending {name} to processes using {where}: {_describe(users)}",
                "cfs.signal",
            )
            sent = []
            for pid in pids:
                try:
                    if drv.signal(pid, sig):
                        sent.append(pid)
                except _driver_error() as exc:
                    res.log.warning(f"cannot signal {pid}: {exc}", "driver")
            if not sent:
                return
            end = time.monotonic() + (grace if i + 1 < len(sigs) else min(grace, 2.0))
            while time.monotonic() < end and res.time_left() > 0.2:
                pids = [p for p in pids if drv.alive(p)]
                if not pids:
                    return
                time.sleep(0.02)
            pids = [p for p in pids if drv.alive(p)]
            if not pids:
                return


def _made_on(top, entries: list) -> list:
    """``top`` and the mounts made on it, at any depth, by parent id: a mount below
    MountPoint's path that ``top`` covers (made on the file system underneath, before or
    through a process's working directory) is someone else's and cannot be reached."""
    ids, made = {top.id}, [top]
    grew = True
    while grew:  # parents come first in mountinfo, unless a mount was moved
        grew = False
        for e in entries:
            if e.parent in ids and e.id not in ids:
                ids.add(e.id)
                made.append(e)
                grew = True
    return made


def _holding(top, entries: list, fstype: str) -> list:
    """What must go before ``top`` for its file system to leave this system: the mounts
    made on it, and (but for a bind mount, whose device is the source's file system) the
    other mounts of the same file system (same device number) with what is made on them,
    as ClusterLabs' Filesystem's list_bindmounts; a mount holding MountPoint is not one."""
    held = _made_on(top, entries)
    ids = {e.id for e in held}
    if fstype != "bind":
        for e in entries:
            if (
                e.id not in ids
                and (e.major, e.minor) == (top.major, top.minor)
                and not _under(top.mountpoint, e.mountpoint)
            ):
                more = [m for m in _made_on(e, entries) if m.id not in ids]
                ids.update(m.id for m in more)
                held += more
    return [e for e in held if e is not top]


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


def _describe(users) -> str:
    shown = ", ".join(f"{pid} {name} ({how})" for pid, name, how in users[:5])
    return shown + (f" and {len(users) - 5} more" if len(users) > 5 else "")


def _driver_error():
    from vxha.agents.drivers.errors import DriverError

    return DriverError
