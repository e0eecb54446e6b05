"""CFSMount test set-up: private mount namespaces, loop-device file systems, launchers.

Every real test body runs in a forked child that entered a new mount namespace with
private propagation: whatever it mounts vanishes when it exits, and nothing reaches the
host's mount table. Loop devices are global, so the fixtures detach them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import traceback

import pytest
from realtier import require_real  # noqa: F401  (tests/realtier.py)

from vxha.agents.framework import build_argv
from vxha.agents.install import install_agents
from vxha.vcs_types.catalog import project_type

CFSMOUNT = project_type("CFSMount")
CLONE_NEWNS = 0x00020000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
IMAGE_MB = {"ext4": 64, "xfs": 320}


def enter_private_namespace() -> None:
    """unshare -m --propagation private, for this process."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")


def in_private_namespace(fn, *args, timeout: float = 60.0):
    """Run ``fn(*args)`` in a forked child inside a private mount namespace; re-raise its
    failure here (as AssertionError with the child's traceback) and return its result."""
    import pickle

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            enter_private_namespace()
            result = fn(*args)
            payload = pickle.dumps(("ok", result))
        except BaseException:  # noqa: B036 - everything goes back to the parent
            payload = pickle.dumps(("err", traceback.format_exc()))
            code = 1
        try:
            with os.fdopen(w, "wb") as f:
                f.write(payload)
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    end = time.monotonic() + timeout
    import select

    while True:
        left = end - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(r)
            raise AssertionError(f"test body in the private namespace ran over {timeout}s")
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            data = os.read(r, 65536)
            if not data:
                break
            chunks.append(data)
    os.close(r)
    os.waitpid(pid, 0)
    status, value = pickle.loads(b"".join(chunks)) if chunks else ("err", "child died")
    if status != "ok":
        raise AssertionError("in the private mount namespace:\n" + value)
    return value


def make_image(path, fstype: str) -> str:
    with open(path, "wb") as f:
        f.truncate(IMAGE_MB[fstype] << 20)
    mkfs = (
        ["mkfs.ext4", "-q", "-F", str(path)]
        if fstype == "ext4"
        else ["mkfs.xfs", "-q", "-f", str(path)]
    )
    subprocess.run(mkfs, check=True, capture_output=True, timeout=60)
    return str(path)


@pytest.fixture
def loopdev(tmp_path):
    """loopdev(fstype) -> /dev/loopN holding a fresh file system; detached afterwards."""
    made = []

    def make(fstype="ext4", name=None):
        require_real("losetup", "mkfs.ext4" if fstype == "ext4" else "mkfs.xfs", "mount")
        image = make_image(tmp_path / (name or f"{fstype}{len(made)}.img"), fstype)
        dev = subprocess.run(
            ["losetup", "--find", "--show", image],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        made.append(dev)
        return dev

    yield make
    for dev in made:
        subprocess.run(["losetup", "-d", dev], capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cfsroot")
    install_agents(str(root), sys.executable, ["CFSMount"])
    return root


class Launcher:
    """Runs the installed CFSMount entry points as VCS does."""

    def __init__(self, root, env):
        self.bin = os.path.join(str(root), "opt/VRTSvcs/bin/CFSMount")
        self.env = env

    def __call__(self, ep, values, reason=0, aep=10, timeout=30, name="mnt"):
        argv = build_argv(CFSMOUNT, name, values, ep, reason=reason, aep_timeout=aep)
        return subprocess.run(
            [os.path.join(self.bin, ep), *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
        )


@pytest.fixture
def real_launcher(agent_root, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VXHA_")}
    env["VXHA_LOG_DIR"] = str(tmp_path / "log")
    env["VXHA_NODE_DIR"] = str(tmp_path / "node")  # locks; drivers stay real
    return Launcher(agent_root, env)


def mounted_at(path: str) -> list:
    from vxha.agents.drivers.mounts import parse_mountinfo, stable_read

    return [e for e in parse_mountinfo(stable_read()) if e.mountpoint == path]


def sleeper(cwd=None, stdin=None):
    return subprocess.Popen(
        ["sleep", "300"], cwd=cwd, stdin=stdin or subprocess.DEVNULL, start_new_session=True
    )


def reap(*procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
