"""CFSMount: monitor through the launcher with 500 other mounts present, beside ClusterLabs'
ocf:heartbeat:Filesystem monitor of the same mount and `findmnt --json --mountpoint X`,
interleaved in one run; offline of 10 idle mounts.

Everything happens in a private mount namespace (a forked child that unshared), on
loop-device ext4 file systems; the loop devices are detached at the end. Filesystem
comes from Debian's resource-agents (TESTBED.md, "Baselines for make bench").
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, interleaved, load, row, verdict  # noqa: E402

from vxha.agents.framework import build_argv  # noqa: E402
from vxha.agents.install import install_agents  # noqa: E402
from vxha.vcs_types.catalog import project_type  # noqa: E402

OTHER_MOUNTS = 500
LIMIT = 0.5
FILESYSTEM = "/usr/lib/ocf/resource.d/heartbeat/Filesystem"
IDLE_MOUNTS = 10
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
MONITOR = "CFSMount monitor through the launcher, 500 other mounts"
OFFLINE = "CFSMount offline of 10 idle mounts (total)"


def _skip(note):
    return [
        row(MONITOR, float("nan"), target=f"<= {LIMIT}x", note=note),
        row(OFFLINE, float("nan"), target="<= 1000 ms total", note=note),
    ]


def _cmd(*argv):
    subprocess.run(list(argv), check=True, capture_output=True, timeout=60)  # noqa: S603


def _losetup(image):
    return subprocess.run(  # noqa: S603
        ["losetup", "--find", "--show", image], check=True, capture_output=True, text=True,
        timeout=30,
    ).stdout.strip()  # fmt: skip


def _measure(tmp, devs, runs):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0 or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None):
        raise OSError(ctypes.get_errno(), "cannot enter a private mount namespace")
    others = os.path.join(tmp, "others")
    for i in range(OTHER_MOUNTS):
        path = os.path.join(others, f"m{i:03d}")
        os.makedirs(path)
        if libc.mount(b"other", path.encode(), b"tmpfs", 0, b"size=64k") != 0:
            raise OSError(ctypes.get_errno(), f"mount tmpfs on {path}")
    decl = project_type("CFSMount")
    bin_dir = os.path.join(tmp, "root/opt/VRTSvcs/bin/CFSMount")
    env = dict(os.environ, VXHA_NODE_DIR=os.path.join(tmp, "node"))
    env.pop("VXHA_DRIVERS", None)

    def launcher(ep, dev, mp):
        values = {"MountPoint": mp, "BlockDevice": dev, "FSType": "ext4"}
        return [os.path.join(bin_dir, ep), *build_argv(decl, "bench", values, ep, aep_timeout=60)]

    target = os.path.join(tmp, "data", "target")
    subprocess.run(  # noqa: S603
        launcher("online", devs[0], target), check=True, env=env, timeout=60,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    findmnt = [shutil.which("findmnt") or "findmnt", "--json", "--mountpoint", target]
    ocf = dict(env, OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE="bench")
    ocf.update(OCF_RESKEY_device=devs[0], OCF_RESKEY_directory=target, OCF_RESKEY_fstype="ext4")
    got = interleaved(
        {
            "monitor": Case(launcher("monitor", devs[0], target), env, {110}),
            "filesystem": Case([FILESYSTEM, "monitor"], ocf, {0}),
            "findmnt": Case(findmnt, env, {0}),
            "bare": Case([sys.executable, "-I", "-S", "-c", "pass"], env, {0}),
        },
        runs,
    )
    note = load()

    totals, cpus = [], []
    idle = [(dev, os.path.join(tmp, "data", f"idle{i}")) for i, dev in enumerate(devs[1:])]
    for _ in range(max(3, runs // 3)):
        for dev, mp in idle:
            subprocess.run(  # noqa: S603
                launcher("online", dev, mp), check=True, env=env, timeout=60,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        start = time.perf_counter()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        for dev, mp in idle:
            code = subprocess.run(  # noqa: S603
                launcher("offline", dev, mp), env=env, timeout=60, stdout=subprocess.DEVNULL
            ).returncode
            if code != 0:
                raise RuntimeError(f"offline of {mp} exited {code}")
        totals.append((time.perf_counter() - start) * 1000)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(
            (cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime) * 1000
        )  # fmt: skip
    return {
        **got,
        "load": note,
        "offline": statistics.median(totals),
        "offline_cpu": statistics.median(cpus),
        "offline_runs": len(totals),
    }


def _in_private_namespace(fn, *args):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = json.dumps({"ok": fn(*args)})
        except BaseException as exc:  # noqa: B036 - reported to the parent
            out = json.dumps({"error": f"{type(exc).__name__}: {exc}"})
        with os.fdopen(w, "w") as f:
            f.write(out)
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    result = json.loads(data or '{"error": "the measuring process died"}')
    if "error" in result:
        raise RuntimeError(result["error"])
    return result["ok"]


def run(quick=False):
    if os.geteuid() != 0:
        return _skip("skipped: needs root (mount namespaces, loop devices)")
    missing = [t for t in ("losetup", "mkfs.ext4", "findmnt", "mount") if not shutil.which(t)]
    if not os.access(FILESYSTEM, os.X_OK):
        missing.append(f"{FILESYSTEM} (scripts/setup-testbed.sh)")
    if missing:
        return _skip("skipped: missing " + ", ".join(missing))
    runs = 5 if quick else 30
    devs = []
    with tempfile.TemporaryDirectory() as tmp:
        install_agents(os.path.join(tmp, "root"), sys.executable, ["CFSMount"])
        try:
            for i in range(1 + IDLE_MOUNTS):
                image = os.path.join(tmp, f"fs{i}.img")
                with open(image, "wb") as f:
                    f.truncate(64 << 20)
                _cmd("mkfs.ext4", "-q", "-F", image)
                devs.append(_losetup(image))
            res = _in_private_namespace(_measure, tmp, devs, runs)
        finally:
            for dev in devs:
                subprocess.run(["losetup", "-d", dev], capture_output=True, timeout=30)  # noqa: S603
    mon, mon_cpu = res["monitor"]
    ocf, ocf_cpu = res["filesystem"]
    return [
        row(
            MONITOR,
            mon,
            mon_cpu,
            "ocf:heartbeat:Filesystem monitor",
            ocf,
            f"<= {LIMIT}x",
            f"{verdict(mon / ocf, LIMIT)}; Filesystem CPU {ocf_cpu:.1f} ms "
            f"(CPU {mon_cpu / ocf_cpu:.2f}x); ext4 on loop, "
            f"{OTHER_MOUNTS} tmpfs mounts beside it; median of {runs}, interleaved; "
            f"{res['load']}",
        ),
        row(
            "(same run) vs findmnt and the bare interpreter",
            mon,
            mon_cpu,
            "findmnt --json --mountpoint X",
            res["findmnt"][0],
            "informative",
            f"python -I -S -c pass {res['bare'][0]:.1f} ms wall, {res['bare'][1]:.1f} ms CPU",
        ),
        row(
            OFFLINE,
            res["offline"],
            res["offline_cpu"],
            None,
            None,
            "<= 1000 ms total",
            f"10 ext4 loop mounts offlined one launcher run each; median of "
            f"{res['offline_runs']} rounds, {OTHER_MOUNTS} other mounts present",
        ),
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
