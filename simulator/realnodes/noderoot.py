"""A real node's own file system view, built inside its new namespaces.

Run as ``python -I -m vxha.simulator.realnodes.noderoot SPEC.json`` by the node, inside
its network, mount, UTS and cgroup namespaces (the mount namespace private). It sets the
host name and pivots the namespace onto a root of its own, a tmpfs holding:

- the machine's top-level directories, each bound without its sub-mounts (so that nothing
  another test or run mounted below them is held by the node), and the few mounts below
  them that the node needs (where the run directory and the interpreter live);
- ``/dev``: a copy of the machine's device nodes plus the shared volumes at the device
  paths the configuration names (``/dev/vx/dsk/<dg>/<vol>``), its own ``/dev/pts`` and
  ``/dev/shm``;
- ``/proc``, a ``/sys`` of the node's network namespace, and ``/sys/fs/cgroup`` seen from
  the node's cgroup namespace (so its engine makes its cgroups below the node's);
- ``/run``: the node's own directory (the engine's socket, vxha's locks and state);
- an empty root of its own, where the agents create mount points such as ``/vx/...``.

What a crash loses goes with the namespace; nothing here is made in the machine's own
mount namespace.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

SKIP_TOP = ("dev", "proc", "sys", "run", "vx", "lost+found")
FRESH_DEV_DIRS = ("pts", "shm", "mqueue", "hugepages")


def mount(*args) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30, check=False)
    if r.returncode != 0:
        raise OSError(f"mount {' '.join(args)}: {r.stderr.strip()}")


def build(spec: dict) -> None:
    root = spec["root"]
    socket.sethostname(spec["hostname"])
    mount("-t", "tmpfs", "-o", "mode=0755", "noderoot", root)
    for name in sorted(os.listdir("/")):
        if name in SKIP_TOP:
            continue
        _bind_entry("/" + name, root + "/" + name)
    for mountpoint in spec.get("binds", ()):
        target = root + mountpoint
        if os.path.isdir(mountpoint):
            os.makedirs(target, exist_ok=True)
            mount("--bind", mountpoint, target)
    for sub in ("proc", "sys", "dev", "run", "vx"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    mount("-t", "proc", "proc", root + "/proc")
    mount("-t", "sysfs", "sysfs", root + "/sys")
    _cgroups(root + "/sys/fs/cgroup", spec.get("cgroups", ()))
    _dev(root + "/dev", spec.get("volumes", ()))
    mount("--bind", spec["run"], root + "/run")
    os.chdir(root)
    os.makedirs(".oldroot", exist_ok=True)
    r = subprocess.run(["pivot_root", ".", ".oldroot"], capture_output=True, text=True,
                       timeout=30, check=False)  # fmt: skip
    if r.returncode != 0:
        raise OSError(f"pivot_root: {r.stderr.strip()}")
    os.chdir("/")
    subprocess.run(["umount", "--lazy", "/.oldroot"], timeout=30, check=True)
    os.rmdir("/.oldroot")


def _bind_entry(src: str, dst: str) -> None:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
    elif os.path.isdir(src):
        os.mkdir(dst)
        mount("--bind", src, dst)
    elif os.path.isfile(src):
        with open(dst, "w"):
            pass
        mount("--bind", src, dst)


def _cgroups(top: str, hierarchies) -> None:
    mount("-t", "tmpfs", "-o", "mode=0755", "cgroup", top)
    for mountpoint, fstype, options in hierarchies:
        path = top + mountpoint[len("/sys/fs/cgroup") :]
        os.makedirs(path, exist_ok=True)
        if fstype == "cgroup2":
            mount("-t", "cgroup2", "cgroup2", path)
        else:
            words = [w for w in options.split(",") if w not in ("rw", "ro")]
            mount("-t", "cgroup", "-o", ",".join(words) or "none", "cgroup", path)


def _dev(dev: str, volumes) -> None:
    mount("-t", "tmpfs", "-o", "mode=0755", "nodedev", dev)
    _copy_devices("/dev", dev)
    os.makedirs(dev + "/pts", exist_ok=True)
    mount("-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620", "devpts", dev + "/pts")
    if os.path.lexists(dev + "/ptmx"):
        os.unlink(dev + "/ptmx")
    os.symlink("pts/ptmx", dev + "/ptmx")
    os.makedirs(dev + "/shm", exist_ok=True)
    mount("-t", "tmpfs", "-o", "mode=1777", "shm", dev + "/shm")
    for vol in volumes:
        path = dev + vol["path"][len("/dev") :]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(vol["major"], vol["minor"]))


def _copy_devices(src: str, dst: str) -> None:
    for entry in os.scandir(src):
        s, d = entry.path, os.path.join(dst, entry.name)
        try:
            st = os.lstat(s)
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(s), d)
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            os.mknod(d, st.st_mode, st.st_rdev)
            os.chown(d, st.st_uid, st.st_gid)
        elif stat.S_ISDIR(st.st_mode):
            if src == "/dev" and entry.name in FRESH_DEV_DIRS:
                continue
            os.mkdir(d, stat.S_IMODE(st.st_mode))
            _copy_devices(s, d)


def main(argv) -> int:
    with open(argv[1]) as f:
        spec = json.load(f)
    try:
        build(spec)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"node root of {spec.get('hostname')}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
