"""Everything real-node mode makes on this machine for one run, built from the
configuration's plan (plan.py): the public network and its client, the shared volumes,
the stand-in images, one node per system with its engine; and its removal.

Before anything is made, what killed runs left is removed (ledger.sweep) and this run's
ledger is begun; every later creation is recorded first. ``remove()`` takes it all away
(on exit, Ctrl-C, SIGTERM); ``vxha sim cleanup RUN_DIR`` does the same for a killed run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from vxha.simulator.realnodes import ledger as ledger_mod
from vxha.simulator.realnodes.host import RealNodeError, sh
from vxha.simulator.realnodes.images import CMD, standin_tar
from vxha.simulator.realnodes.network import Public, client_addresses
from vxha.simulator.realnodes.nodes import Node
from vxha.simulator.realnodes.plan import engine_kind, plan
from vxha.simulator.realnodes.storage import Volumes

TOOLS = ("ip", "nsenter", "unshare", "mount", "umount", "pivot_root", "losetup", "mkfs.ext4",
         "busybox", "docker")  # fmt: skip
ENGINE_TOOLS = {"docker": ("dockerd", "containerd", "runc", "tini"), "podman": ("podman",
                "conmon", "catatonit")}  # fmt: skip
PROBE_INTERVAL = 0.1  # seconds between a client's requests to one server
PROBE_TIMEOUT = 0.5  # seconds a request may take


def missing_requirements(kinds=("docker",)) -> str | None:
    """Why real-node mode cannot run here, or None."""
    if os.geteuid() != 0:
        return "real-node mode needs root (namespaces, mounts, loop devices, engines)"
    tools = list(TOOLS)
    for kind in kinds:
        tools += ENGINE_TOOLS[kind]
    absent = [t for t in tools if shutil.which(t) is None]
    if absent:
        return f"missing tools: {', '.join(absent)} (make testbed installs them)"
    return None


class RealCluster:
    def __init__(self, run_dir: str):
        self.run_dir = os.path.abspath(run_dir)
        self.base = ledger_mod.real_dir(run_dir)
        self.ns_dir = os.path.join(self.base, "ns")
        self.client_log = os.path.join(self.base, "client.log")
        self.ledger = None
        self.prefix = None
        self.plan = None
        self.public = None
        self.volumes = None
        self.nodes = {}
        self.images = {}  # ref -> (changes, tar)
        self.client = None
        self.swept = []  # [(run directory, problems)] of killed runs removed first
        self.on_node_start = None  # called with the system once a node runs (its watch)

    # -- building -------------------------------------------------------------------------

    def build(self, engine, systems=None) -> None:
        """Make the machine ready for ``engine``'s configuration."""
        the_plan = plan(engine)
        why = missing_requirements(sorted({engine_kind(p) for p in the_plan.engines.values()}))
        if why:
            raise RealNodeError(why)
        self.swept = ledger_mod.sweep()
        self.ledger = ledger_mod.Ledger.begin(self.run_dir)
        self.prefix = self.ledger.prefix
        self.plan = the_plan
        os.makedirs(self.ns_dir, exist_ok=True)
        # Namespace files can only be bound on a mount that does not propagate.
        self.ledger.record("bind", path=self.ns_dir)
        sh(["mount", "--bind", self.ns_dir, self.ns_dir])
        sh(["mount", "--make-private", self.ns_dir])
        self.public = Public(self)
        self.public.create(client_addresses(the_plan.app_addresses))
        self.volumes = Volumes(self)
        self.volumes.create(the_plan.volumes)
        rootfs = os.path.join(self.base, "images", "rootfs")
        for ref, needs in sorted(the_plan.image_needs.items()):
            self.images[ref] = ([f"CMD {CMD}"], standin_tar(rootfs, ref, needs))
        for s in engine.systems:
            if systems is None or s in systems:
                self.start_node(s)
        self.start_client()

    def start_node(self, system: str) -> Node:
        """Make (or, after a crash, make again) the node of ``system`` and start its engine."""
        node = self.nodes.get(system)
        if node is None:
            node = self.nodes[system] = Node(self, system, len(self.nodes))
        elif node.up:
            raise RealNodeError(f"{system} runs already")
        node.create(self.volumes.spec(), needed_mounts([self.run_dir, *interpreter_paths()]))
        self.public.plug(node, self.plan.nics.get(system, []))
        socket = self.plan.engines[system]
        node.start_engine(engine_kind(socket), socket)
        node.load_images({ref: self.images[ref] for ref in self.plan.images.get(system, [])})
        node.load_addons(self.plan.addons.get(system, {}))
        if self.on_node_start is not None:
            self.on_node_start(system)
        return node

    def start_client(self) -> None:
        targets = [f"{name}={a}:{p}" for name, (a, p) in sorted(self.plan.targets.items())]
        if not targets:
            return
        argv = [*self.public.client_enter(), sys.executable, "-I", "-m",
                "vxha.simulator.realnodes.probe", self.client_log, str(PROBE_INTERVAL),
                str(PROBE_TIMEOUT), *targets]  # fmt: skip
        self.client = subprocess.Popen(  # noqa: S603 - argv list
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=self.public.client_cgroup.join_tracked,  # noqa: PLW1509 - its cgroup
        )

    # -- events -----------------------------------------------------------------------------

    def crash_node(self, system: str) -> None:
        """Every process of the node killed, then its links removed, then what lived only
        in its kernel (namespaces, mounts, addresses, rules) gone."""
        node = self.node(system)
        node.kill_all()
        self.public.unplug(node)
        node.teardown()

    def node(self, system: str) -> Node:
        node = self.nodes.get(system)
        if node is None:
            raise RealNodeError(f"{system} has no real node")
        return node

    # -- the client ------------------------------------------------------------------------

    def request(self, server: str, path: str = "/", timeout: float = 3) -> str:
        """GET ``path`` from ``server`` through its application IP, from the client."""
        address, port = self.plan.targets[server]
        return self.public.client_sh(
            sys.executable, "-I", "-m", "vxha.simulator.realnodes.probe", "get", address,
            str(port), path, str(timeout), timeout=timeout + 10,
        )  # fmt: skip

    def client_results(self, server: str | None = None) -> list:
        """[(monotonic time, server, ok)] the client logged."""
        out = []
        try:
            with open(self.client_log) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return out
        for line in lines:
            words = line.split()
            if len(words) >= 3 and (server is None or words[1] == server):
                try:
                    out.append((float(words[0]), words[1], words[2] == "ok"))
                except ValueError:
                    continue
        return out

    def served_again(self, server: str, since: float) -> tuple:
        """(first failed request, first answer after it) of ``server`` after monotonic
        time ``since``; None for what has not happened (no failure yet, no answer yet)."""
        first_fail = None
        for t, _, ok in self.client_results(server):
            if t < since:
                continue
            if not ok and first_fail is None:
                first_fail = t
            elif ok and first_fail is not None:
                return first_fail, t
        return first_fail, None

    def keep_logs(self, dest: str) -> None:
        """Copy the agents' logs of every node to ``dest/<system>`` (before remove())."""
        for system, node in self.nodes.items():
            if os.path.isdir(node.log_dir):
                shutil.copytree(node.log_dir, os.path.join(dest, system), dirs_exist_ok=True)

    # -- removal ----------------------------------------------------------------------------

    def remove(self) -> list:
        """Remove everything this run made; what could not be removed (empty: nothing)."""
        if self.ledger is None:
            return []
        problems = ledger_mod.remove_all(self.run_dir, force=True)
        if self.client is not None:
            self.client.wait(timeout=10)
        self.ledger = None
        return problems


def interpreter_paths() -> list:
    """Where this interpreter and vxha live: the nodes run them."""
    import vxha

    paths = [sys.prefix, sys.base_prefix, os.path.realpath(sys.executable)]
    paths.append(os.path.realpath(os.path.dirname(vxha.__file__)))
    import vxha.simulator

    paths.append(os.path.realpath(os.path.dirname(vxha.simulator.__file__)))
    return paths


def needed_mounts(paths) -> list:
    """The mount points deeper than the top-level directories that ``paths`` lie on (a
    node's root binds each top-level directory without its sub-mounts)."""
    from vxha.agents.drivers.mounts import parse_mountinfo, stable_read, under

    points = {e.mountpoint for e in parse_mountinfo(stable_read())}
    found = set()
    for path in paths:
        for mp in points:
            if mp.count("/") >= 2 and under(path, mp):
                found.add(mp)
    return sorted(found, key=lambda p: (p.count("/"), p))
