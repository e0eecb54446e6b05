"""A small network in namespaces the tests create (and always remove).

    node1 (eth0 10.77.0.1, fd77::1) ─┐
    node2 (eth0 10.77.0.2, fd77::2) ─┼─ br0 in namespace "br"
    client (eth0 10.77.0.100, fd77::100) ─┘
    node1 ctr0 10.78.0.1, fd78::1 ── ctr (eth0 10.78.0.2, fd78::2): the "container"

Every link is a veth created directly inside the test's namespaces; the bridge lives in a
namespace too. Nothing is ever created in, or moved through, the root namespace.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from realtier import require_real  # noqa: F401  (tests/realtier.py)

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import project_type

CLONE_NEWNET = 0x40000000
NET = "10.77.0"
NET6 = "fd77::"
CTR_NET = "10.78.0"
CTR_NET6 = "fd78::"


def sh(*argv, timeout=10, check=True, input=None):
    p = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=timeout, input=input
    )
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))}: rc={p.returncode} {p.stderr.strip()}")
    return p


class Topology:
    """The namespaces of one test (module): names are ``vxt-<pid>-<n>-<role>``."""

    _count = 0

    def __init__(self, tmp, agent_root):
        Topology._count += 1
        self.prefix = f"vxt-{os.getpid()}-{Topology._count}-"
        self.tmp = tmp
        self.agent_root = agent_root
        self.created = []
        self.procs = []
        self._pools = {}

    def ns(self, role: str) -> str:
        return self.prefix + role

    # -- set-up / tear-down ----------------------------------------------------------

    def up(self):
        for role in ("br", "node1", "node2", "client", "ctr"):
            name = self.ns(role)
            sh("ip", "netns", "add", name)
            self.created.append(name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
            (self.tmp / role).mkdir(exist_ok=True)
        br = self.ns("br")
        sh("ip", "-n", br, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", br, "link", "set", "br0", "up")
        for i, (role, host) in enumerate((("node1", 1), ("node2", 2), ("client", 100))):
            port = f"p{i}"
            sh("ip", "-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0",
               "netns", self.ns(role))  # fmt: skip
            sh("ip", "-n", br, "link", "set", port, "master", "br0", "up")
            n = self.ns(role)
            sh("ip", "-n", n, "addr", "add", f"{NET}.{host}/24", "dev", "eth0")
            sh("ip", "-n", n, "addr", "add", f"{NET6}{host}/64", "dev", "eth0", "nodad")
            sh("ip", "-n", n, "link", "set", "eth0", "up")
        n1, ctr = self.ns("node1"), self.ns("ctr")
        sh("ip", "-n", n1, "link", "add", "ctr0", "type", "veth", "peer", "name", "eth0",
           "netns", ctr)  # fmt: skip
        sh("ip", "-n", n1, "addr", "add", f"{CTR_NET}.1/24", "dev", "ctr0")
        sh("ip", "-n", n1, "link", "set", "ctr0", "up")
        sh("ip", "-n", ctr, "addr", "add", f"{CTR_NET}.2/24", "dev", "eth0")
        sh("ip", "-n", ctr, "link", "set", "eth0", "up")
        sh("ip", "-n", ctr, "route", "add", "default", "via", f"{CTR_NET}.1")
        sh("ip", "-n", n1, "addr", "add", f"{CTR_NET6}1/64", "dev", "ctr0", "nodad")
        sh("ip", "-n", ctr, "addr", "add", f"{CTR_NET6}2/64", "dev", "eth0", "nodad")
        sh("ip", "-n", ctr, "-6", "route", "add", "default", "via", f"{CTR_NET6}1")
        return self

    def down(self):
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for name in self.created:
            # whatever still runs there (a background arping) is ours: end it first
            pids = sh("ip", "netns", "pids", name, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for name in reversed(self.created):
            sh("ip", "netns", "del", name, check=False)
        self.created.clear()

    # -- running things inside -------------------------------------------------------

    def exec(self, role, *argv, timeout=10, check=True, input=None):
        """A command inside the namespace (nsenter: no /sys remount)."""
        return sh("nsenter", f"--net=/run/netns/{self.ns(role)}", *argv, timeout=timeout,
                  check=check, input=input)  # fmt: skip

    def spawn(self, role, *argv):
        p = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{self.ns(role)}", *map(str, argv)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(p)
        return p

    def env(self, role):
        env = dict(os.environ)
        env.pop("VXHA_DRIVERS", None)
        env["VXHA_NODE_DIR"] = str(self.tmp / role)
        return env

    def entry_point(self, role, type_name, ep, resource, values, reason=None, aep=8, wrap=(),
                    resinfo_op=1):  # fmt: skip
        """Run an installed launcher inside the node's namespace, argv as VCS builds it;
        `wrap` goes between nsenter and the launcher (setpriv, to take a capability away)."""
        decl = project_type(type_name)
        argv = build_argv(decl, resource, values, ep, reason=reason, aep_timeout=aep,
                          resinfo_op=resinfo_op)  # fmt: skip
        launcher = self.agent_root / "opt/VRTSvcs/bin" / type_name / ep
        return subprocess.run(
            ["nsenter", f"--net=/run/netns/{self.ns(role)}", *wrap, str(launcher), *argv],
            capture_output=True,
            text=True,
            timeout=aep + 10,
            env=self.env(role),
        )

    def call(self, role, fn, *args, **kw):
        """Run ``fn`` on a thread that lives in the namespace (setns is per thread), so the
        real drivers act there and their commands inherit it."""
        pool = self._pools.get(role)
        if pool is None:
            path = f"/run/netns/{self.ns(role)}"
            pool = ThreadPoolExecutor(1, initializer=_enter, initargs=(path,))
            self._pools[role] = pool
        return pool.submit(fn, *args, **kw).result(timeout=60)

    # -- observations ----------------------------------------------------------------

    def neigh_mac(self, role, address):
        out = self.exec(role, "ip", "-j", "neigh", "show", address).stdout
        import json

        for n in json.loads(out or "[]"):
            if n.get("dst") == address and n.get("lladdr"):
                return n["lladdr"]
        return None

    def mac(self, role, dev="eth0"):
        import json

        return json.loads(self.exec(role, "ip", "-j", "link", "show", dev).stdout)[0]["address"]

    def ruleset(self, role):
        return self.exec(role, "nft", "-j", "list", "ruleset").stdout


def _enter(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


def wait_for(pred, timeout=5.0, step=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def echo_server(topo, role, port):
    """A socat echo server (IPv4 and IPv6: one dual-stack socket) in a namespace."""
    return topo.spawn(
        role, "socat", f"TCP6-LISTEN:{port},fork,reuseaddr,ipv6only=0", "EXEC:/bin/cat"
    )


def tcp_roundtrip(topo, role, host, port, payload="hello vxha\n", timeout=5):
    where = f"TCP6:[{host}]:{port}" if ":" in host else f"TCP4:{host}:{port}"
    p = topo.exec(role, "socat", "-T", "2", "-", f"{where},connect-timeout=2",
                  input=payload, timeout=timeout, check=False)  # fmt: skip
    return p.stdout
