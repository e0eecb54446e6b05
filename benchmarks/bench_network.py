"""HostIP and PortForward: monitor through the launcher, beside `ip -j addr show dev X` and
`nft -j list table inet vxha` run as processes in the same run.

Everything happens in a network namespace made for the run (a veth pair inside it, the
VIP on one end, the PortForward rules in vxha's table there), entered by the measuring
thread only (setns is per thread), and deleted at the end.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import row, time_process  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402

CLONE_NEWNET = 0x40000000
TARGET = "<= 30 ms"
HOSTIP = "HostIP monitor through the launcher (online)"
PORTFWD = "PortForward monitor through the launcher (online, 4 ports)"
IP_VALUES = {"Device": "v0", "Address": "10.88.0.50", "PrefixLen": 24}
PF_VALUES = {
    "Address": "10.88.0.50",
    "TargetAddress": "10.89.0.2",
    "Ports": {"80": "8080", "443": "8443", "53/udp": "53", "8000": "8000"},
}


def _skip(note):
    return [
        row(HOSTIP, float("nan"), target=TARGET, note=note),
        row(PORTFWD, float("nan"), target=TARGET, note=note),
    ]


def _cmd(*argv):
    subprocess.run(list(argv), check=True, capture_output=True, timeout=30)  # noqa: S603


def _enter(ns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
    finally:
        os.close(fd)


def _measure(root, env, runs):
    bin_dir = os.path.join(root, "opt/VRTSvcs/bin")

    def launcher(type_name, ep, values):
        argv = build_argv(project_type(type_name), "bench", values, ep, aep_timeout=10)
        return [os.path.join(bin_dir, type_name, ep), *argv]

    subprocess.run(launcher("HostIP", "online", dict(IP_VALUES, DadCheck=0, ArpCount=0)),  # noqa: S603
                   env=env, check=True, capture_output=True, timeout=30)  # fmt: skip
    subprocess.run(launcher("PortForward", "online", PF_VALUES),  # noqa: S603
                   env=env, check=True, capture_output=True, timeout=30)  # fmt: skip
    out = []
    ip_ms, ip_cpu = time_process(
        launcher("HostIP", "monitor", IP_VALUES), runs, env, ok_codes=[110]
    )
    ip_base, _ = time_process(["ip", "-j", "addr", "show", "dev", "v0"], runs, ok_codes=[0])
    out.append(row(HOSTIP, ip_ms, ip_cpu, "ip -j addr show dev v0", ip_base, TARGET))
    pf_ms, pf_cpu = time_process(
        launcher("PortForward", "monitor", PF_VALUES), runs, env, ok_codes=[110]
    )
    nft_base, _ = time_process(["nft", "-j", "list", "table", "inet", "vxha"], runs, ok_codes=[0])
    out.append(row(PORTFWD, pf_ms, pf_cpu, "nft -j list table inet vxha", nft_base, TARGET))
    return out


def run(quick: bool = False) -> list:
    if os.geteuid() != 0:
        return _skip("skipped: needs root (network namespaces)")
    missing = [t for t in ("ip", "nft") if shutil.which(t) is None]
    if missing:
        return _skip(f"skipped: missing {', '.join(missing)}")
    runs = 5 if quick else 30
    ns = f"vxb-{os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="vxha-bench-net-")
    try:
        _cmd("ip", "netns", "add", ns)
        _cmd("ip", "-n", ns, "link", "set", "lo", "up")
        _cmd("ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
        _cmd("ip", "-n", ns, "addr", "add", "10.88.0.1/24", "dev", "v0")
        _cmd("ip", "-n", ns, "link", "set", "v0", "up")
        _cmd("ip", "-n", ns, "link", "set", "v1", "up")
        root = os.path.join(tmp, "root")
        install_agents(root, sys.executable, ["HostIP", "PortForward"])
        env = dict(os.environ)
        env.pop("VXHA_DRIVERS", None)
        env["VXHA_NODE_DIR"] = os.path.join(tmp, "node")
        with ThreadPoolExecutor(1, initializer=_enter, initargs=(ns,)) as pool:
            return pool.submit(_measure, root, env, runs).result()
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)  # noqa: S603
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
