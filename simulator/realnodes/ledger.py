"""What a real-node run creates, written down in its run directory before it is created
(DECISIONS.md 10), and the removal of all of it: on exit, by ``vxha sim cleanup RUN_DIR``,
and by the next run when the run that made it was killed.

The ledger is ``RUN_DIR/real/ledger.jsonl``, one JSON object a line, appended and synced
before each creation: a run killed at any instant leaves at most one entry for something
that does not exist yet, which removal tolerates. Removal trusts nothing it did not name:
every namespace and cgroup it removes carries the run's prefix, every mount, loop file and
directory lies under the run's own directory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time

from vxha.simulator.realnodes.host import mounted

REGISTRY = "/run/vxha/sim-real"  # one file per live run: the path of its run directory
REAL = "real"  # RUN_DIR/real holds everything real-node mode makes


def real_dir(run_dir: str) -> str:
    return os.path.join(os.path.abspath(run_dir), REAL)


def new_prefix() -> str:
    """A short name no other run uses: network namespace, cgroup and link names carry it."""
    return f"vxr{os.getpid() % 100000}{secrets.token_hex(2)}"


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (identifies it with its pid)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rindex(b")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return None


class Ledger:
    """The run's record of what it creates."""

    def __init__(self, run_dir: str, prefix: str | None = None):
        self.run_dir = os.path.abspath(run_dir)
        self.dir = real_dir(run_dir)
        self.path = os.path.join(self.dir, "ledger.jsonl")
        self.prefix = prefix
        self.copy = None

    @classmethod
    def begin(cls, run_dir: str) -> Ledger:
        """A new run in ``run_dir``: its prefix and owner (this process) recorded first.
        Every entry is also copied to the registry of runs, so that the next run finds
        what this one made if it is killed, even when its run directory is gone."""
        led = cls(run_dir, new_prefix())
        if os.path.exists(led.path):
            raise LedgerError(
                f"{led.path} exists: a real-node run used {run_dir} before; "
                f"remove what it left with `vxha sim cleanup {run_dir}` or choose another"
                " run directory"
            )
        os.makedirs(led.dir, exist_ok=True)
        os.makedirs(REGISTRY, exist_ok=True)
        led.copy = os.path.join(REGISTRY, led.prefix)
        pid = os.getpid()
        led.record("run", prefix=led.prefix, owner=pid, start=start_time(pid), dir=led.dir)
        return led

    def record(self, kind: str, **fields) -> None:
        line = (json.dumps(dict(fields, kind=kind), sort_keys=True) + "\n").encode()
        for path in (self.path, self.copy):
            if path:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    os.write(fd, line)
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def entries(self) -> list:
        return read_entries(self.path)


def read_entries(path: str) -> list:
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a line cut by a kill: what it announced was not made
        if isinstance(item, dict):
            out.append(item)
    return out


class LedgerError(Exception):
    pass


def owner_alive(entries) -> bool:
    for e in entries:
        if e.get("kind") == "run":
            pid, start = e.get("owner"), e.get("start")
            return isinstance(pid, int) and start is not None and start_time(pid) == start
    return False


def _run(argv, timeout=30):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def remove_all(run_dir: str, force: bool = False) -> list:
    """Remove everything the ledger of ``run_dir`` names; what could not be removed, as
    sentences (empty: nothing is left). Refuses while the run's owner still runs, unless
    ``force`` (the owner itself removing its own)."""
    entries = Ledger(run_dir).entries()
    if not entries:
        return []
    return remove_entries(entries, force)


def remove_entries(entries: list, force: bool = False) -> list:
    run = next((e for e in entries if e.get("kind") == "run"), None)
    prefix = run.get("prefix") if run else None
    base = run.get("dir") if run else None
    if not prefix or not isinstance(base, str) or os.path.basename(base) != REAL:
        return ["the ledger has no run entry: nothing removed"]
    if not force and owner_alive(entries):
        return [f"{os.path.dirname(base)}: its run is still going (stop it first: Ctrl-C)"]
    # Two runs sweeping the same dead run take turns; every step below checks first.
    lock = _lock(os.path.join(REGISTRY, prefix))
    try:
        return _remove(entries, prefix, base)
    finally:
        if lock is not None:
            os.close(lock)


def _lock(path: str):
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _remove(entries: list, prefix: str, base: str) -> list:
    from vxha.simulator.realnodes.cgroups import Cgroup

    problems = []

    def ours(name):
        return isinstance(name, str) and name.startswith(prefix)

    def under(path):
        return isinstance(path, str) and (path == base or path.startswith(base + "/"))

    # Processes first: every long-lived one was started inside one of the run's cgroups.
    groups = [Cgroup(e["name"]) for e in entries if e.get("kind") == "cgroup" and ours(e["name"])]
    for cg in groups:
        if not cg.kill():
            problems.append(f"cgroup {cg.name}: processes still running after SIGKILL")
    # Namespaces die with their last binding once nothing runs in them, taking their
    # mounts (the nodes' file systems) with them.
    binds = [e["path"] for e in entries if e.get("kind") == "bind" and under(e.get("path"))]
    for path in sorted(set(binds), key=len, reverse=True):
        if mounted(path):
            r = _run(["umount", "--lazy", path])
            if r.returncode != 0 and mounted(path):
                problems.append(f"mount {path}: {r.stderr.strip()}")
    for e in entries:
        if e.get("kind") == "netns" and ours(e.get("name")):
            if os.path.exists(f"/run/netns/{e['name']}"):
                r = _run(["ip", "netns", "delete", e["name"]])
                if r.returncode != 0:
                    problems.append(f"network namespace {e['name']}: {r.stderr.strip()}")
    for e in entries:
        if e.get("kind") == "loop" and under(e.get("file")):
            problems += _detach_loops(e["file"])
    for cg in groups:
        problem = cg.remove()
        if problem:
            problems.append(problem)
    if not problems:
        shutil.rmtree(base, ignore_errors=True)
        if os.path.exists(base):
            problems.append(f"{base}: could not be removed")
        else:
            try:
                os.unlink(os.path.join(REGISTRY, prefix))
            except FileNotFoundError:
                pass
    return problems


def loops_of(file: str) -> list:
    """Loop devices whose backing file is ``file`` (as the kernel names it)."""
    found = []
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return found
    for name in names:
        if not name.startswith("loop"):
            continue
        try:
            with open(f"/sys/block/{name}/loop/backing_file") as f:
                backing = f.read().strip()
        except OSError:
            continue
        if backing in (file, file + " (deleted)"):
            found.append("/dev/" + name)
    return found


def _detach_loops(file: str) -> list:
    problems = []
    for dev in loops_of(file):
        end = time.monotonic() + 10
        while True:  # the last mount of a dead namespace is released a moment later
            r = _run(["losetup", "--detach", dev])
            if r.returncode == 0 or dev not in loops_of(file):
                break
            if time.monotonic() > end:
                problems.append(f"loop device {dev} ({file}): {r.stderr.strip()}")
                break
            time.sleep(0.1)
    return problems


def sweep() -> list:
    """Remove what killed runs left (runs in the registry whose owner is gone): the
    "next run" clean-up. (run directory, problems) for each run swept."""
    swept = []
    try:
        names = sorted(os.listdir(REGISTRY))
    except FileNotFoundError:
        return swept
    for name in names:
        entries = read_entries(os.path.join(REGISTRY, name))
        if not entries or owner_alive(entries):
            continue
        run = next((e for e in entries if e.get("kind") == "run"), {})
        swept.append((os.path.dirname(str(run.get("dir"))), remove_entries(entries)))
    return swept
