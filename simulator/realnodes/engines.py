"""Private container engines, started the way TESTBED.md says: for the agents' real tests
and benchmarks (each engine alone in a network namespace of its own) and for the
simulator's real nodes (each node's engine inside that node's namespaces).

Each engine runs inside a network namespace (entered with nsenter: `ip netns exec` hides
the cgroup mounts), with its own state directories and socket, and the busybox images
built locally from Debian's busybox-static. ``Dockerd`` is Docker's daemon; ``Podman`` is
Podman's Docker-compatible API service. Standing alone, ``stop()`` removes everything
start() made: the engine, what it left running (found by its state directory), its
mounts, the namespace, the directory. Placed on a node (``Place``), the node owns the
namespaces and directories: ``stop()`` ends the engine and what it runs, nothing more.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

BUSYBOX = "local/busybox:1"  # runs until stopped (TERM ends it)
BUSYBOX_HEALTH = "local/busybox-health:1"  # HEALTHCHECK: healthy while /tmp/healthy exists
BUSYBOX_NOTERM = "local/busybox-noterm:1"  # its main process ignores SIGTERM
BUSYBOX_EXIT = "local/busybox-exit:1"  # prints "boom" and exits 3 at once
HEALTHCHECK = "HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD test -f /tmp/healthy"
IMAGES = {
    BUSYBOX: ['CMD ["/bin/sleep", "1000000"]'],
    BUSYBOX_HEALTH: [
        'CMD ["/bin/sh", "-c", "touch /tmp/healthy; exec sleep 1000000"]',
        HEALTHCHECK,
    ],
    BUSYBOX_NOTERM: ['CMD ["/bin/sh", "-c", "trap \'\' TERM; while :; do sleep 1; done"]'],
    BUSYBOX_EXIT: ['CMD ["/bin/sh", "-c", "echo boom; exit 3"]'],
}
TOOLS = ("dockerd", "docker", "ip", "nsenter", "busybox", "tini", "umount")
PODMAN_TOOLS = ("podman", "catatonit", "docker", "ip", "nsenter", "busybox", "umount")
REGISTRY_PORT = 5000  # inside the engine's own network namespace


def _run(argv, timeout=30, check=True, **kw):
    return subprocess.run(argv, timeout=timeout, check=check, capture_output=True, **kw)


class Place:
    """Where an engine runs: its namespaces (``enter``: the nsenter argv that reaches them,
    ``preexec``: what the started process does first, e.g. join a cgroup), its persistent
    directory, its volatile directory as the engine sees it (``run_in``) and as this
    process sees it (``run_out``), and its API socket seen from each side."""

    def __init__(self, netns, directory, run_in, run_out, sock_in, sock_out, enter, preexec=None):
        self.netns = netns
        self.dir = directory
        self.run_in = run_in
        self.run_out = run_out
        self.sock_in = sock_in
        self.sock_out = sock_out
        self.enter = list(enter)
        self.preexec = preexec


class Engine:
    """A running private engine; ``host`` is its ``unix://`` address (as this process
    reaches it)."""

    kind = "?"
    tools: tuple = ()
    sock_name = "engine.sock"

    def __init__(self, prefix: str = "vxt", place: Place | None = None):
        self._own = place is None
        if place is None:
            stamp = int(time.monotonic() * 1000) % 100000
            netns = f"{prefix}-{self.kind[0]}-{os.getpid()}-{stamp}"
            # Short: sockets live under this directory and unix paths are limited.
            d = tempfile.mkdtemp(prefix=f"{prefix}{self.kind[0]}-", dir="/tmp")
            sock = os.path.join(d, self.sock_name)
            place = Place(netns, d, d, d, sock, sock, ["nsenter", f"--net=/run/netns/{netns}"])
        self.place = place
        self.netns = place.netns
        self.dir = place.dir
        self.sock = place.sock_out
        self.host = "unix://" + self.sock
        self.proc = None
        self.registry = None
        self._ns_made = False
        self.built: set = set()

    # -- life cycle -----------------------------------------------------------------

    def start(self, timeout: float = 30.0):
        if self._own and not self._ns_made:
            _run(["ip", "netns", "add", self.netns])
            self._ns_made = True
            _run(["ip", "-n", self.netns, "link", "set", "lo", "up"])
        os.makedirs(self.dir, exist_ok=True)
        log = open(os.path.join(self.dir, "engine.log"), "ab")
        self.proc = subprocess.Popen(  # noqa: S603 - argv list
            [*self.place.enter, "setsid", *self.argv()],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env(),
            cwd=self.dir,  # conmon writes its per-container "oom" file in its working directory
            preexec_fn=self.place.preexec,  # noqa: PLW1509 - joins a cgroup before exec
        )
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log_tail()}")
            if os.path.exists(self.sock) and self.docker("version", check=False).returncode == 0:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not answer within {timeout} s: {self.log_tail()}")

    def argv(self) -> list:
        raise NotImplementedError

    def env(self) -> dict:
        return dict(os.environ)

    def daemon_pid(self) -> int:
        raise NotImplementedError

    def log_tail(self, n: int = 20) -> str:
        try:
            with open(os.path.join(self.dir, "engine.log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def docker(self, *args, check=True, timeout=60, input=None, env=None):
        """Run the docker CLI against this engine (Podman's service speaks the same API)."""
        return _run(
            ["docker", "-H", self.host, *args], timeout=timeout, check=check, input=input, env=env
        )

    def container_pid(self, name: str) -> int:
        return int(self.docker("inspect", "-f", "{{.State.Pid}}", name).stdout)

    # -- outages --------------------------------------------------------------------

    def signal(self, sig) -> None:
        os.kill(self.daemon_pid(), sig)

    def kill_engine(self) -> None:
        """SIGKILL the engine alone: what it started keeps running (reap() ends it)."""
        pid = self.daemon_pid()
        os.kill(pid, signal.SIGKILL)
        self._wait_gone(pid, 10)

    def stop_engine(self) -> None:
        """Stop the engine as its service manager would (SIGTERM), and wait for it to end."""
        pid = self.daemon_pid()
        os.kill(pid, signal.SIGTERM)
        self._wait_gone(pid, 20)

    def _wait_gone(self, pid: int, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and alive(pid):
            time.sleep(0.05)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass

    def reap(self) -> None:
        """Kill every process this engine left behind (found by its state directory) with
        all its descendants: containerd, shims, conmon, the containers themselves."""
        from vxha.agents.drivers.proc import kill_tree

        roots = [p for p in processes_mentioning(self.dir) if p != os.getpid()]
        for pid in roots:
            kill_tree(pid)
        end = time.monotonic() + 5
        while time.monotonic() < end and any(alive(p) for p in roots):
            time.sleep(0.05)

    # -- images and helpers ---------------------------------------------------------

    def build_images(self, only=None) -> None:
        """The IMAGES (or those named in ``only``), each from a rootfs of Debian's
        busybox-static (no registry here)."""
        tar = busybox_tar(os.path.join(self.dir, "rootfs"))
        for ref, changes in IMAGES.items():
            if only is None or ref in only:
                self.import_image(ref, changes, tar)

    def import_image(self, ref: str, changes: list, tar: bytes) -> None:
        args = []
        for change in changes:
            args += ["-c", change]
        self.docker("import", *args, "-", ref, input=tar)

    def build_addon(self, ref: str, files: dict, volume: str, labels: dict) -> None:
        """An add-on image as an image developer builds one (docs/container.md): ``FROM
        scratch``, ``files`` (path -> text) under ``volume``, a VOLUME there and the labels.
        Built once per engine; the legacy builder speaks to both engines' APIs."""
        if ref in self.built:
            return
        ctx = os.path.join(self.dir, "build-" + ref.replace("/", "_").replace(":", "_"))
        for path, text in files.items():
            target = os.path.join(ctx, "files", path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                f.write(text)
        label_line = " ".join(f'{k}="{v}"' for k, v in labels.items())
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(f"FROM scratch\nCOPY files/ /\nVOLUME {volume}\nLABEL {label_line}\n")
        env = dict(os.environ, DOCKER_BUILDKIT="0")
        self.docker("build", "-q", "-t", ref, ctx, env=env, timeout=120)
        self.built.add(ref)

    @contextlib.contextmanager
    def health_timer(self):
        """Image health checks run while in the block (the engine runs them itself)."""
        yield

    def start_registry(self) -> str:
        """A registry server on the loopback of the engine's namespace; its host:port."""
        if self.registry is None:
            root = os.path.join(self.dir, "registry")
            os.makedirs(root, exist_ok=True)
            config = os.path.join(self.dir, "registry.yml")
            with open(config, "w") as f:
                f.write(
                    "version: 0.1\nlog: {level: warn}\n"
                    f"storage: {{filesystem: {{rootdirectory: {root}}}}}\n"
                    f"http: {{addr: '127.0.0.1:{REGISTRY_PORT}'}}\n"
                )
            log = open(os.path.join(self.dir, "registry.log"), "ab")
            self.registry = subprocess.Popen(  # noqa: S603 - argv list
                ["nsenter", f"--net=/run/netns/{self.netns}", "docker-registry", "serve", config],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            log.close()
            end = time.monotonic() + 20
            while not self._registry_answers():
                if self.registry.poll() is not None or time.monotonic() > end:
                    raise RuntimeError("docker-registry did not start")
                time.sleep(0.1)
        return f"127.0.0.1:{REGISTRY_PORT}"

    def _registry_answers(self) -> bool:
        probe = _run(
            ["nsenter", f"--net=/run/netns/{self.netns}", "busybox", "wget", "-q", "-O", "-",
             f"http://127.0.0.1:{REGISTRY_PORT}/v2/"],
            check=False,
            timeout=5,
        )  # fmt: skip
        return probe.returncode == 0

    def remove_containers(self, timeout: float = 20) -> None:
        """Remove every container, running or not (the engine must answer)."""
        ids = self.docker("ps", "-aq", timeout=10, check=False).stdout.split()
        if ids:
            self.docker("rm", "-f", *[i.decode() for i in ids], timeout=timeout, check=False)

    def stop(self) -> None:
        """Stop the engine and what it runs; standing alone, also remove everything
        start() made."""
        try:  # a test may have left it stopped (SIGSTOP)
            self.signal(signal.SIGCONT)
        except (OSError, ValueError):
            pass
        if self.proc and self.proc.poll() is None:
            try:  # containers first: the engine would wait for each one's stop timeout
                self.remove_containers()
            except subprocess.TimeoutExpired:
                pass
            try:
                self.stop_engine()
            except (OSError, ValueError):
                pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.registry is not None:
            self.registry.kill()
            self.registry.wait(timeout=10)
        self.reap()
        if not self._own:
            return
        for mnt in mounts_under(self.dir):
            _run(["umount", "-l", mnt], check=False)
        if self._ns_made:
            _run(["ip", "netns", "delete", self.netns], check=False)
            self._ns_made = False
        shutil.rmtree(self.dir, ignore_errors=True)


class Dockerd(Engine):
    kind = "docker"
    tools = TOOLS
    sock_name = "docker.sock"

    @property
    def pidfile(self) -> str:
        return os.path.join(self.place.run_out, "dockerd.pid")

    def argv(self) -> list:
        p = self.place
        return [
            "dockerd",
            "--data-root",
            f"{p.dir}/data",
            "--exec-root",
            f"{p.run_in}/exec",
            "--pidfile",
            f"{p.run_in}/dockerd.pid",
            "--host",
            "unix://" + p.sock_in,
            "--iptables=false",
            "--ip6tables=false",
            "--shutdown-timeout=1",
        ]

    def daemon_pid(self) -> int:
        with open(self.pidfile) as f:
            return int(f.read().strip())


class Podman(Engine):
    """Podman's Docker-compatible API service (``podman system service``), as root."""

    kind = "podman"
    tools = PODMAN_TOOLS
    sock_name = "p.sock"

    def __init__(self, prefix: str = "vxt", place: Place | None = None):
        super().__init__(prefix, place)
        d, r = self.place.dir, self.place.run_in
        os.makedirs(d, exist_ok=True)
        # This sandbox refuses raising rlimits inside containers (TESTBED.md); the rest keeps
        # every file the service writes under its own directories, not /etc or /run.
        with open(os.path.join(d, "containers.conf"), "w") as f:
            f.write(
                "[containers]\n"
                'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
                "[network]\n"
                'network_backend = "netavark"\n'
                f'network_config_dir = "{d}/networks"\n'
                "[engine]\n"
                f'tmp_dir = "{r}/tmp"\n'
                'events_logger = "file"\n'
                f'events_logfile_path = "{r}/events.log"\n'
            )
        # No search registries: a short name never reaches out; the test registry is
        # plain HTTP on the namespace's loopback.
        with open(os.path.join(d, "registries.conf"), "w") as f:
            f.write(
                "unqualified-search-registries = []\n"
                f'[[registry]]\nlocation = "127.0.0.1:{REGISTRY_PORT}"\ninsecure = true\n'
            )

    def argv(self) -> list:
        p = self.place
        return [
            "podman",
            "--root",
            f"{p.dir}/root",
            "--runroot",
            f"{p.run_in}/run",
            "--storage-driver",
            "vfs",
            "system",
            "service",
            "--time=0",
            "unix://" + p.sock_in,
        ]

    def env(self) -> dict:
        env = dict(os.environ)
        env["CONTAINERS_CONF"] = os.path.join(self.dir, "containers.conf")
        env["CONTAINERS_REGISTRIES_CONF"] = os.path.join(self.dir, "registries.conf")
        return env

    def daemon_pid(self) -> int:
        # nsenter and setsid exec: the process started is the service itself.
        if self.proc is None:
            raise ValueError("not started")
        return self.proc.pid

    def import_image(self, ref: str, changes: list, tar: bytes) -> None:
        # Podman's import takes no HEALTHCHECK change: build that image from the base one.
        if not any(c.startswith("HEALTHCHECK") for c in changes):
            return super().import_image(ref, changes, tar)
        ctx = os.path.join(self.dir, "build-" + ref.replace("/", "_").replace(":", "_"))
        os.makedirs(ctx, exist_ok=True)
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(f"FROM {BUSYBOX}\n" + "\n".join(changes) + "\n")
        env = dict(os.environ, DOCKER_BUILDKIT="0")
        self.docker("build", "-q", "-t", ref, ctx, env=env, timeout=120)

    @contextlib.contextmanager
    def health_timer(self):
        """Podman runs image health checks from systemd timers; without systemd (here),
        this thread plays the timer: it asks the service to run each running container's
        check every half second, as `podman healthcheck run` does."""
        stop = threading.Event()

        from vxha.agents.drivers.docker import DockerDriver
        from vxha.agents.drivers.fakestate import DriverError
        from vxha.agents.framework import Context

        api = DockerDriver(Context({}), host=self.host)

        def tick():
            while not stop.wait(0.5):
                for cid in self.docker("ps", "-q", check=False, timeout=10).stdout.split():
                    try:
                        path = f"/v4.0.0/libpod/containers/{cid.decode()}/healthcheck"
                        api._request("GET", path, None, 5)
                    except DriverError:
                        pass

        t = threading.Thread(target=tick, daemon=True)
        t.start()
        try:
            yield
        finally:
            stop.set()
            t.join(timeout=10)


ENGINES = {"docker": Dockerd, "podman": Podman}


def busybox_rootfs(rootfs: str) -> str:
    """A root file system of Debian's busybox-static (the binary and its applet links)."""
    if not os.path.isdir(rootfs):
        os.makedirs(os.path.join(rootfs, "bin"))
        for sub in ("tmp", "proc", "sys", "dev", "etc", "data"):
            os.makedirs(os.path.join(rootfs, sub), exist_ok=True)
        shutil.copy2(shutil.which("busybox"), os.path.join(rootfs, "bin", "busybox"))
        applets = _run([os.path.join(rootfs, "bin", "busybox"), "--list"]).stdout.split()
        for applet in applets:
            link = os.path.join(rootfs, "bin", applet.decode())
            if not os.path.lexists(link):
                os.symlink("busybox", link)
    return rootfs


def busybox_tar(rootfs: str) -> bytes:
    return _run(["tar", "-C", busybox_rootfs(rootfs), "-c", "."], timeout=60).stdout


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def processes_mentioning(text: str) -> list:
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


def mounts_under(directory: str, mountinfo: str = "/proc/self/mountinfo") -> list:
    found = []
    with open(mountinfo) as f:
        for line in f:
            mnt = line.split()[4].replace("\\040", " ")
            if mnt == directory or mnt.startswith(directory + "/"):
                found.append(mnt)
    return sorted(found, key=len, reverse=True)


def inspect_json(engine: Engine, name: str) -> dict:
    return json.loads(engine.docker("inspect", name).stdout)[0]
