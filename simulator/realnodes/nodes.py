"""One real node: a system of the simulated cluster made of this machine's namespaces.

A node is a network namespace (its NICs are veth links into the public bridge), a mount
namespace pivoted onto a root of its own (noderoot.py: its own /dev with the shared
volumes, /run, /sys, cgroup view), a UTS namespace (its host name is the system's name), a
cgroup namespace over the node's cgroup, and a container engine started in all of them by
the same code that starts the agents' test engines (engines.py). Everything of the node
runs in its cgroup, so a crash kills all of it at once.

Names: the network namespace and the cgroup are ``<prefix>-<system>``; files live under
``RUN_DIR/real/nodes/<system>``; the namespace bindings under ``RUN_DIR/real/ns``. Each is
recorded in the ledger before it is made.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys

from vxha.simulator.realnodes.cgroups import Cgroup, hierarchies
from vxha.simulator.realnodes.engines import ENGINES, Place
from vxha.simulator.realnodes.host import RealNodeError, mounted, sh

NS_KINDS = ("mnt", "uts", "cgroup")
DEFAULT_SOCKET = "/var/run/docker.sock"  # where the agents look without DockerHost
RUN_TOPS = ("/var/run", "/run")


class Node:
    def __init__(self, run, system: str, index: int):
        self.run = run
        self.system = system
        self.index = index
        self.netns = f"{run.prefix}-{system}"
        self.dir = os.path.join(run.base, "nodes", system)
        self.run_dir = os.path.join(self.dir, "run")  # the node's /run
        self.root = os.path.join(self.dir, "root")  # mount point of its root (inside only)
        self.log_dir = os.path.join(self.dir, "log")  # VCS_LOG
        self.ns_files = {k: os.path.join(run.ns_dir, f"{system}.{k}") for k in NS_KINDS}
        self.cgroup = Cgroup(f"{run.prefix}-{system}")
        self.engine = None
        self.engine_kind = None
        self.engine_socket = None  # as the node sees it (DockerHost's path)
        self.up = False

    # -- reaching into the node -------------------------------------------------------

    def enter(self) -> list:
        """The nsenter argv prefix that runs a command on this node."""
        f = self.ns_files
        return ["nsenter", f"--net=/run/netns/{self.netns}", f"--mount={f['mnt']}",
                f"--uts={f['uts']}", f"--cgroup={f['cgroup']}", "--"]  # fmt: skip

    def join(self) -> None:
        """Into the node's cgroup (v2 hierarchy): an entry point or a command on it."""
        self.cgroup.join_tracked()

    def sh(self, *argv, timeout: float = 30) -> str:
        """Run a command on the node (its namespaces and cgroup)."""
        return sh([*self.enter(), *argv], timeout=timeout, preexec=self.join)

    def outside(self, path: str) -> str:
        """Where a path of the node's /run is, seen from this machine."""
        p = os.path.normpath(path)
        for top in RUN_TOPS:
            if p == top or p.startswith(top + "/"):
                return self.run_dir + p[len(top) :]
        raise RealNodeError(
            f"{path} is not under /run: each node has its own /run, other paths are shared"
            " by every node of this machine"
        )

    # -- life cycle ---------------------------------------------------------------------

    def create(self, volumes: list, binds: list) -> None:
        """Make the node's namespaces, cgroup and root (noderoot.py)."""
        led = self.run.ledger
        led.record("netns", name=self.netns)
        sh(["ip", "netns", "add", self.netns])
        sh(["ip", "-n", self.netns, "link", "set", "lo", "up"])
        led.record("cgroup", name=self.cgroup.name)
        self.cgroup.create()
        for d in (self.run_dir, self.root, self.log_dir):
            os.makedirs(d, exist_ok=True)
        for path in self.ns_files.values():
            with open(path, "w"):
                pass
            led.record("bind", path=path)
        spec = {
            "root": self.root,
            "run": self.run_dir,
            "hostname": self.system,
            "volumes": volumes,
            "binds": binds,
            "cgroups": [h[:3] for h in hierarchies() if h[0].startswith("/sys/fs/cgroup/")],
        }
        spec_path = os.path.join(self.dir, "root.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f, indent=1)
        f = self.ns_files
        sh(
            ["nsenter", f"--net=/run/netns/{self.netns}", "unshare", f"--mount={f['mnt']}",
             f"--uts={f['uts']}", f"--cgroup={f['cgroup']}", "--propagation", "private", "--",
             sys.executable, "-I", "-m", "vxha.simulator.realnodes.noderoot", spec_path],
            timeout=60,
            preexec=self.cgroup.join,
        )  # fmt: skip
        self.up = True

    def start_engine(self, kind: str, socket_path: str) -> None:
        """Start the node's engine (``kind``: docker or podman) listening on
        ``socket_path`` as the node sees it (the configuration's DockerHost)."""
        sock_out = self.outside(socket_path)
        os.makedirs(os.path.dirname(sock_out), exist_ok=True)
        place = Place(
            self.netns,
            os.path.join(self.dir, kind),
            f"/run/vxha-{kind}",
            os.path.join(self.run_dir, f"vxha-{kind}"),
            socket_path,
            sock_out,
            self.enter(),
            self.cgroup.join,
        )
        os.makedirs(place.run_out, exist_ok=True)
        # PortForward has no DockerHost: it asks the engine at the default socket. A node
        # whose engine listens elsewhere links the default to it, as Podman's
        # podman-docker package does (/run/docker.sock -> /run/podman/podman.sock).
        default = self.outside(DEFAULT_SOCKET)
        if os.path.normpath(sock_out) != default and not os.path.lexists(default):
            os.symlink(socket_path, default)
        self.engine_kind, self.engine_socket = kind, socket_path
        self.engine = ENGINES[kind]("vxr", place)
        self.engine.start()

    def load_images(self, images: dict) -> None:
        """Import each image (ref -> (changes, tar bytes)) the engine does not have yet."""
        for ref, (changes, tar) in images.items():
            have = self.engine.docker("image", "inspect", ref, check=False, timeout=30)
            if have.returncode != 0:
                self.engine.import_image(ref, changes, tar)

    def load_addons(self, addons: dict) -> None:
        """Build each stand-in add-on or hotfix image (ref -> (volume path, labels)) the
        engine does not have yet: one file under its volume, the labels the agent checks."""
        for ref, (path, labels) in sorted(addons.items()):
            have = self.engine.docker("image", "inspect", ref, check=False, timeout=30)
            if have.returncode != 0:
                files = {f"{path}/STANDIN": f"stand-in of {ref}\n"}
                self.engine.built.discard(ref)  # an engine made again has lost it
                self.engine.build_addon(ref, files, path, labels)

    # -- events ---------------------------------------------------------------------------

    def engine_stop(self) -> None:
        """The engine stops with its containers: Docker stops them itself; Podman's
        service is not their parent, so they are stopped first, as its unit would."""
        e = self.running_engine()
        if self.engine_kind == "podman":
            ids = e.docker("ps", "-q", timeout=30, check=False).stdout.split()
            if ids:
                e.docker("stop", "-t", "1", *[i.decode() for i in ids], timeout=60, check=False)
        e.stop_engine()

    def engine_hang(self) -> None:
        self.running_engine().signal(signal.SIGSTOP)

    def engine_resume(self) -> None:
        self.running_engine().signal(signal.SIGCONT)

    def engine_start(self) -> None:
        e = self.running_engine()
        if e.proc is not None and e.proc.poll() is None:
            raise RealNodeError(f"the container engine of {self.system} runs already")
        e.start()

    def running_engine(self):
        if not self.up or self.engine is None:
            raise RealNodeError(f"{self.system} is down: it has no container engine running")
        return self.engine

    def kill_all(self) -> None:
        """Every process of the node killed at once (its cgroup): the first step of a
        crash (the cluster then removes its links and tears it down)."""
        self.up = False
        if not self.cgroup.kill():
            raise RealNodeError(f"{self.system}: processes survived SIGKILL of its cgroup")
        if self.engine is not None and self.engine.proc is not None:
            self.engine.proc.wait(timeout=10)

    def teardown(self) -> None:
        """What only lived in the node's kernel state goes: its namespaces with their
        mounts, addresses and rules, its /run, its cgroup. The engine's directory (its
        images) stays, as a disk would."""
        for path in self.ns_files.values():
            if mounted(path):
                sh(["umount", "--lazy", path])
        if os.path.exists(f"/run/netns/{self.netns}"):
            sh(["ip", "netns", "delete", self.netns])
        shutil.rmtree(self.run_dir, ignore_errors=True)
        os.makedirs(self.run_dir, exist_ok=True)
        problem = self.cgroup.remove()
        if problem:
            raise RealNodeError(problem)
