"""A private dockerd for tests and benchmarks, started the way TESTBED.md says.

One dockerd inside a network namespace made for it (entered with nsenter: `ip netns exec`
hides the cgroup mounts), with its own data and exec roots and socket under a temporary
directory, and a busybox image built locally from Debian's busybox-static. ``stop()``
removes everything it made: the daemon, its exec root's netns mount, the namespace, the
directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time

from realtier import require_real  # noqa: F401  (tests/realtier.py)

BUSYBOX = "local/busybox:1"  # runs until stopped (TERM ends it)
BUSYBOX_HEALTH = "local/busybox-health:1"  # HEALTHCHECK: healthy while /tmp/healthy exists
BUSYBOX_NOTERM = "local/busybox-noterm:1"  # its main process ignores SIGTERM
BUSYBOX_EXIT = "local/busybox-exit:1"  # prints "boom" and exits 3 at once
IMAGES = {
    BUSYBOX: ['CMD ["/bin/sleep", "1000000"]'],
    BUSYBOX_HEALTH: [
        'CMD ["/bin/sh", "-c", "touch /tmp/healthy; exec sleep 1000000"]',
        "HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD test -f /tmp/healthy",
    ],
    BUSYBOX_NOTERM: ['CMD ["/bin/sh", "-c", "trap \'\' TERM; while :; do sleep 1; done"]'],
    BUSYBOX_EXIT: ['CMD ["/bin/sh", "-c", "echo boom; exit 3"]'],
}
TOOLS = ("dockerd", "docker", "ip", "nsenter", "busybox", "tini", "umount")


def _run(argv, timeout=30, check=True, **kw):
    return subprocess.run(argv, timeout=timeout, check=check, capture_output=True, **kw)


class Dockerd:
    """A running private dockerd; ``host`` is its ``unix://`` address."""

    def __init__(self, prefix: str = "vxt"):
        self.netns = f"{prefix}-{os.getpid()}-{int(time.monotonic() * 1000) % 100000}"
        # Short: containerd's socket lives under the exec root and unix paths are limited.
        self.dir = tempfile.mkdtemp(prefix=f"{prefix}d-", dir="/tmp")
        self.sock = os.path.join(self.dir, "docker.sock")
        self.host = "unix://" + self.sock
        self.pidfile = os.path.join(self.dir, "dockerd.pid")
        self.proc = None
        self._ns_made = False

    def start(self, timeout: float = 30.0) -> Dockerd:
        _run(["ip", "netns", "add", self.netns])
        self._ns_made = True
        _run(["ip", "-n", self.netns, "link", "set", "lo", "up"])
        log = open(os.path.join(self.dir, "dockerd.log"), "wb")
        d = self.dir
        self.proc = subprocess.Popen(
            [
                "nsenter",
                f"--net=/run/netns/{self.netns}",
                "setsid",
                "dockerd",
                "--data-root",
                f"{d}/data",
                "--exec-root",
                f"{d}/exec",
                "--pidfile",
                self.pidfile,
                "--host",
                self.host,
                "--iptables=false",
                "--ip6tables=false",
                "--shutdown-timeout=1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dockerd exited: {self.log_tail()}")
            if os.path.exists(self.sock) and self.docker("version", check=False).returncode == 0:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"dockerd did not answer within {timeout} s: {self.log_tail()}")

    def log_tail(self, n: int = 20) -> str:
        try:
            with open(os.path.join(self.dir, "dockerd.log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def docker(self, *args, check=True, timeout=60, input=None):
        """Run the docker CLI against this daemon."""
        return _run(["docker", "-H", self.host, *args], timeout=timeout, check=check, input=input)

    def daemon_pid(self) -> int:
        with open(self.pidfile) as f:
            return int(f.read().strip())

    def build_images(self) -> None:
        """The IMAGES, each from a rootfs of Debian's busybox-static (no registry here)."""
        rootfs = os.path.join(self.dir, "rootfs")
        os.makedirs(os.path.join(rootfs, "bin"))
        for sub in ("tmp", "proc", "sys", "dev", "etc", "data"):
            os.makedirs(os.path.join(rootfs, sub), exist_ok=True)
        shutil.copy2(shutil.which("busybox"), os.path.join(rootfs, "bin", "busybox"))
        applets = _run([os.path.join(rootfs, "bin", "busybox"), "--list"]).stdout.split()
        for applet in applets:
            link = os.path.join(rootfs, "bin", applet.decode())
            if not os.path.lexists(link):
                os.symlink("busybox", link)
        tar = _run(["tar", "-C", rootfs, "-c", "."], timeout=60).stdout
        for ref, changes in IMAGES.items():
            args = []
            for change in changes:
                args += ["-c", change]
            self.docker("import", *args, "-", ref, input=tar)

    def stop(self) -> None:
        """Stop the daemon (TERM, then KILL) and remove what start() made."""
        pid = None
        try:  # a test may have left it stopped (SIGSTOP)
            os.kill(self.daemon_pid(), signal.SIGCONT)
        except (OSError, ValueError):
            pass
        if self.proc and self.proc.poll() is None:
            try:  # containers first: dockerd would wait for each one's stop timeout
                ids = self.docker("ps", "-aq", timeout=10, check=False).stdout.split()
                if ids:
                    self.docker("rm", "-f", *[i.decode() for i in ids], timeout=20, check=False)
            except subprocess.TimeoutExpired:
                pass
        try:
            pid = self.daemon_pid()
        except (OSError, ValueError):
            pid = self.proc.pid if self.proc else None
        if pid:
            for sig in (signal.SIGCONT, signal.SIGTERM):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
            end = time.monotonic() + 10
            while time.monotonic() < end and _alive(pid):
                time.sleep(0.05)
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        # containerd-shim processes of containers still running belong to us too.
        for shim in _processes_mentioning(self.dir):
            try:
                os.kill(shim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for mnt in _mounts_under(self.dir):
            _run(["umount", "-l", mnt], check=False)
        if self._ns_made:
            _run(["ip", "netns", "delete", self.netns], check=False)
            self._ns_made = False
        shutil.rmtree(self.dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _processes_mentioning(text: str) -> list:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def _mounts_under(directory: str) -> list:
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mnt = line.split()[4].replace("\\040", " ")
            if mnt == directory or mnt.startswith(directory + "/"):
                found.append(mnt)
    return sorted(found, key=len, reverse=True)
