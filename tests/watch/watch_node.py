"""A node for the watch's tests: a network namespace with a NIC and an address, and a
private mount namespace, both held by one sleeping process; ``vxha watch`` runs inside
them against a served simulated cluster (tests/ops/ops_cluster.py: the ha* shims behind a
wrapper that logs every command, so the probes asked for can be counted).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ops"))
sys.path.insert(0, os.path.join(HERE, "..", "agents", "container"))

from ops_cluster import VXHA, Cluster  # noqa: E402

from vxha.agents.container import LABEL_RESOURCE, LABEL_TYPE  # noqa: E402

ADDRESS = "10.200.0.10"
NIC = "v0"
SYSTEM = "n1"
PROBE = re.compile(r"^hares -probe (\S+) -sys (\S+)$")

MAIN_CF = """\
include "types.cf"
include "CFSMountTypes.cf"
include "ContainerTypes.cf"
include "HostIPTypes.cf"

cluster wt (
	)

system n1 (
	)

system n2 (
	)

group web_storage (
	SystemList = {{ n1 = 0, n2 = 1 }}
	AutoStartList = {{ n1, n2 }}
	Parallel = 1
	UserStrGlobal = "vxha:server=web"
	)

	CFSMount web_mnt_data (
		MountPoint = "{mountpoint}"
		BlockDevice = "/dev/vx/dsk/webdg/data"
		)

group web (
	SystemList = {{ n1 = 0, n2 = 1 }}
	AutoStartList = {{ n1 }}
	UserStrGlobal = "vxha:server=web"
	)

	HostIP web_ip (
		Address = "{address}"
		PrefixLen = 24
		Device @n1 = {nic}
		Device @n2 = {nic}
		)

	Container web_ctr (
		RuntimeName = web
		Image = "local/busybox:1"
		DockerHost = "{docker}"
		)

	requires group web_storage online local firm

group app (
	SystemList = {{ n1 = 0, n2 = 1 }}
	AutoStartList = {{ n1 }}
	UserStrGlobal = "vxha:server=app"
	)

	Container app_ctr (
		RuntimeName = app
		Image = "local/busybox:1"
		DockerHost = "{podman}"
		)
"""

# the Container resource each engine kind serves, and its container's name
RESOURCE = {"docker": ("web_ctr", "web"), "podman": ("app_ctr", "app")}


def write_main_cf(path, mountpoint, docker, podman) -> str:
    with open(path, "w") as f:
        f.write(
            MAIN_CF.format(
                mountpoint=mountpoint, address=ADDRESS, nic=NIC, docker=docker, podman=podman
            )
        )
    return str(path)


def run(argv, check=True, timeout=30):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{argv} exited {proc.returncode}: {proc.stdout}{proc.stderr}")
    return proc


class Node:
    """A network namespace (lo, a veth pair with ADDRESS on NIC) and a private mount
    namespace, held by a sleeping process; everything made here is removed by stop()."""

    _count = 0

    def __init__(self, tmp):
        Node._count += 1
        self.netns = f"vxw-{os.getpid()}-{Node._count}"
        self.tmp = tmp
        run(["ip", "netns", "add", self.netns])
        self.holder = None
        try:
            run(["ip", "-n", self.netns, "link", "set", "lo", "up"])
            run(
                [
                    "ip",
                    "-n",
                    self.netns,
                    "link",
                    "add",
                    NIC,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    NIC + "p",
                ]
            )
            for dev in (NIC, NIC + "p"):
                run(["ip", "-n", self.netns, "link", "set", dev, "up"])
            self.holder = subprocess.Popen(
                [
                    "nsenter",
                    f"--net=/run/netns/{self.netns}",
                    "unshare",
                    "-m",
                    "--propagation",
                    "private",
                    "sleep",
                    "100000",
                ],
                stdin=subprocess.DEVNULL,
            )
            mine = os.readlink("/proc/self/ns/mnt")
            end = time.monotonic() + 10
            while _mnt_ns(self.holder.pid) in (None, mine):
                assert time.monotonic() < end, "the node's mount namespace did not appear"
                time.sleep(0.01)
        except BaseException:
            self.stop()
            raise

    def argv(self, *argv) -> list:
        return ["nsenter", "-t", str(self.holder.pid), "-m", "-n", *argv]

    def run(self, *argv, check=True):
        return run(self.argv(*argv), check=check)

    def add_address(self, address=ADDRESS, dev=NIC):
        self.run("ip", "addr", "add", f"{address}/24", "dev", dev, "nodad")

    def stop(self) -> None:
        if self.holder is not None:
            self.holder.kill()  # its mount namespace, and every mount in it, goes with it
            self.holder.wait(timeout=10)
            self.holder = None
        run(["ip", "netns", "delete", self.netns], check=False)


def _mnt_ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


class WatchProc:
    """``vxha watch`` running in a node, against a served cluster; its log in a file."""

    def __init__(self, node, cluster, tmp, *extra, name="watch", env=None):
        self.log_path = os.path.join(str(tmp), f"{name}.log")
        self.state = os.path.join(str(tmp), f"{name}-state")
        argv = [
            VXHA,
            "watch",
            "--system",
            SYSTEM,
            "--state-dir",
            self.state,
            "--log-level",
            "debug",
            *extra,
        ]
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            node.argv(*argv) if node is not None else argv,
            env=env or cluster.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def text(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=20.0, count=1) -> str:
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            text = self.text()
            if len(rx.findall(text)) >= count:
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f"vxha watch exited {self.proc.returncode}:\n{text}")
            if time.monotonic() > end:
                raise AssertionError(f"no {pattern!r} in the watch's log:\n{text}")
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        return self.proc.returncode


def probes(cluster) -> list:
    """(resource, system) of every hares -probe asked for since the last reset."""
    out = []
    for line in cluster.calls():
        m = PROBE.match(line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def settle_probes(cluster, want: int, timeout=10.0, quiet=1.5) -> list:
    """The probes once ``want`` of them were asked for and ``quiet`` seconds passed with
    no other: a second probe would be a failure of debouncing."""
    end = time.monotonic() + timeout
    while len(probes(cluster)) < want and time.monotonic() < end:
        time.sleep(0.02)
    time.sleep(quiet)
    return probes(cluster)


def run_container(engine, name, resource, *extra, image=None):
    """A container as the Container agent labels it (agents/container.py)."""
    from container_engines import BUSYBOX

    engine.docker(
        "run",
        "-d",
        "--name",
        name,
        "--label",
        f"{LABEL_RESOURCE}={resource}",
        "--label",
        f"{LABEL_TYPE}=Container",
        *extra,
        image or BUSYBOX,
    )


__all__ = ["Cluster", "Node", "WatchProc", "probes", "settle_probes", "write_main_cf"]
