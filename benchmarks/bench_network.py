"""HostIP and PortForward: monitor through the launcher, HostIP's beside ClusterLabs'
ocf:heartbeat:IPaddr2 monitor of the same address, PortForward's beside `nft -j list
table inet vxha`, each pair interleaved in one run.

Everything happens in a network namespace made for the run (a veth pair inside it, the
VIP on one end, the PortForward rules in vxha's table there), entered by the measuring
thread only (setns is per thread; the processes it starts inherit it), and deleted at the
end. IPaddr2 comes from Debian's resource-agents (TESTBED.md, "Baselines for make bench").
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

from common import PACKAGED_PYTHON, Case, interleaved, load, packaged_python, row, verdict  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402

CLONE_NEWNET = 0x40000000
TARGET = "<= 30 ms"
LIMIT = 0.5
IPADDR2 = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2"
HOSTIP = "HostIP monitor through the launcher (online)"
HOSTIP_PACKAGED = f"HostIP monitor, launcher on {PACKAGED_PYTHON} (the packages' interpreter)"
PORTFWD = "PortForward monitor through the launcher (online, 4 ports)"
IP_VALUES = {"Device": "v0", "Address": "10.88.0.50", "PrefixLen": 24}
PF_VALUES = {
    "Address": "10.88.0.50",
    "TargetAddress": "10.89.0.2",
    "Ports": {"80": "8080", "443": "8443", "53/udp": "53", "8000": "8000"},
}


def _skip(note):
    return [
        row(HOSTIP, float("nan"), target=f"<= {LIMIT}x", note=note),
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


def _measure(root, env, runs, packaged_root=None):
    def launcher(type_name, ep, values, top=root):
        argv = build_argv(project_type(type_name), "bench", values, ep, aep_timeout=10)
        return [os.path.join(top, "opt/VRTSvcs/bin", type_name, ep), *argv]

    subprocess.run(launcher("HostIP", "online", dict(IP_VALUES, DadCheck=0, ArpCount=0)),  # noqa: S603
                   env=env, check=True, capture_output=True, timeout=30)  # fmt: skip
    subprocess.run(launcher("PortForward", "online", PF_VALUES),  # noqa: S603
                   env=env, check=True, capture_output=True, timeout=30)  # fmt: skip
    ipaddr2 = dict(env, OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE="bench")
    ipaddr2.update(OCF_RESKEY_ip=IP_VALUES["Address"], OCF_RESKEY_nic=IP_VALUES["Device"],
                   OCF_RESKEY_cidr_netmask=str(IP_VALUES["PrefixLen"]))  # fmt: skip
    cases = {
        "hostip": Case(launcher("HostIP", "monitor", IP_VALUES), env, {110}),
        "ipaddr2": Case([IPADDR2, "monitor"], ipaddr2, {0}),
    }
    if packaged_root:
        cases["packaged"] = Case(launcher("HostIP", "monitor", IP_VALUES, packaged_root), env,
                                 {110})  # fmt: skip
    got = interleaved(cases, runs)
    (ip_ms, ip_cpu), (base, base_cpu) = got["hostip"], got["ipaddr2"]
    out = [
        row(
            HOSTIP,
            ip_ms,
            ip_cpu,
            "ocf:heartbeat:IPaddr2 monitor",
            base,
            f"<= {LIMIT}x",
            f"{verdict(ip_ms / base, LIMIT)}; IPaddr2 CPU {base_cpu:.1f} ms "
            f"(CPU {ip_cpu / base_cpu:.2f}x); median of {runs}, "
            f"interleaved; {load()}",
        )  # fmt: skip
    ]
    if packaged_root:
        pk_ms, pk_cpu = got["packaged"]
        note = (f"{verdict(pk_ms / base, LIMIT)}; CPU {pk_cpu / base_cpu:.2f}x; interleaved "
                f"with the row above; {load()}")  # fmt: skip
        out.append(row(HOSTIP_PACKAGED, pk_ms, pk_cpu, "ocf:heartbeat:IPaddr2 monitor", base,
                       f"<= {LIMIT}x", note))  # fmt: skip
    got = interleaved(
        {
            "pf": Case(launcher("PortForward", "monitor", PF_VALUES), env, {110}),
            "nft": Case(["nft", "-j", "list", "table", "inet", "vxha"], env, {0}),
        },
        runs,
    )
    (pf_ms, pf_cpu), (nft_base, _) = got["pf"], got["nft"]
    out.append(row(PORTFWD, pf_ms, pf_cpu, "nft -j list table inet vxha", nft_base, TARGET,
                   f"{'met' if pf_ms <= 30 else 'MISSED'}; {load()}"))  # fmt: skip
    return out


def run(quick: bool = False) -> list:
    if os.geteuid() != 0:
        return _skip("skipped: needs root (network namespaces)")
    missing = [t for t in ("ip", "nft") if shutil.which(t) is None]
    if not os.access(IPADDR2, os.X_OK):
        missing.append(f"{IPADDR2} (scripts/setup-testbed.sh)")
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
        packaged = packaged_python()
        packaged_root = os.path.join(tmp, "packaged") if packaged else None
        if packaged:
            install_agents(packaged_root, packaged, ["HostIP"])
        env = dict(os.environ)
        env.pop("VXHA_DRIVERS", None)
        env["VXHA_NODE_DIR"] = os.path.join(tmp, "node")
        with ThreadPoolExecutor(1, initializer=_enter, initargs=(ns,)) as pool:
            return pool.submit(_measure, root, env, runs, packaged_root).result()
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)  # noqa: S603
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
