"""Contract tier: the installed CFSMount launchers, argv as VCS builds it, on the fake."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from cfsmount_helpers import Launcher

from vxha.agents.drivers.mounts_fake import FakeMounts
from vxha.agents.framework import Context

DEV = "/dev/vx/dsk/webdg/datavol"
MP = "/vx/web/data"
BASE = {"MountPoint": MP, "BlockDevice": DEV}


class Node:
    """One simulated system: its launcher environment and its fake driver."""

    def __init__(self, agent_root, tmp, name):
        self.dir = tmp / name
        self.env = dict(
            os.environ,
            VXHA_DRIVERS="fake",
            VXHA_NODE_DIR=str(self.dir),
            VXHA_SHARED_DIR=str(tmp / "shared"),
        )
        self.run = Launcher(agent_root, self.env)
        self.fake = FakeMounts(Context(self.env))

    def faults(self, spec):
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "faults.json").write_text(json.dumps(spec))

    def mounted(self, mp=MP):
        return [e for e in self.fake.mounts() if e.mountpoint == mp]


@pytest.fixture
def n1(agent_root, tmp_path):
    node = Node(agent_root, tmp_path, "n1")
    node.fake.create_device(DEV)
    return node


@pytest.fixture
def n2(agent_root, tmp_path):
    return Node(agent_root, tmp_path, "n2")


def v(**kw):
    return dict(BASE, **kw)


def test_round_trip_and_the_other_system_sees_the_data(n1, n2):
    assert n1.run("monitor", v()).returncode == 100
    r = n1.run("online", v())
    assert r.returncode == 0
    assert f"mounted {DEV} on {MP} (vxfs, cluster)" in r.stdout
    assert n1.run("monitor", v(SecondLevelMonitor=1)).returncode == 110
    assert n1.run("online", v()).returncode == 0
    with open(os.path.join(n1.fake.data_dir(MP), "db"), "w") as f:
        f.write("rows")
    assert n1.run("offline", v()).returncode == 0
    assert n1.run("monitor", v()).returncode == 100
    assert n2.run("online", v()).returncode == 0
    with open(os.path.join(n2.fake.data_dir(MP), "db")) as f:
        assert f.read() == "rows"
    assert n1.mounted() == []


def test_options_pass_through_and_cluster_is_added_once(n1):
    assert n1.run("online", v(MountOpt="ro,cluster")).returncode == 0
    (e,) = n1.mounted()
    assert e.options == "ro,cluster"


@pytest.mark.parametrize("reason", range(6))
def test_clean_every_reason_unmounts(n1, reason):
    assert n1.run("online", v()).returncode == 0
    assert n1.run("clean", v(), reason=reason).returncode == 0
    assert n1.mounted() == []


def test_busy_with_none_fails_offline_and_clean_keeps_it(n1):
    assert n1.run("online", v(ForceUnmount="none")).returncode == 0
    pid = n1.fake.add_user(MP + "/app")
    r = n1.run("offline", v(ForceUnmount="none"))
    assert r.returncode == 1
    assert f"{MP} is busy ({pid} proc (cwd)) and ForceUnmount is none: left mounted" in r.stdout
    assert n1.run("monitor", v(ForceUnmount="none")).returncode == 110
    assert n1.run("clean", v(ForceUnmount="none"), reason=1).returncode == 1
    assert n1.fake.alive(pid) and len(n1.mounted()) == 1


def test_busy_with_safe_terms_on_offline_and_kills_only_on_clean(n1):
    assert n1.run("online", v()).returncode == 0
    polite = n1.fake.add_user(MP)
    stubborn = n1.fake.add_user(MP + "/x", "db", ignore_term=True)
    r = n1.run("offline", v(), aep=4)
    assert r.returncode == 1
    assert "ForceUnmount safe does not SIGKILL on offline" in r.stdout
    assert not n1.fake.alive(polite) and n1.fake.alive(stubborn)
    r = n1.run("clean", v(), reason=1)
    assert r.returncode == 0, r.stdout
    assert "sending SIGKILL to processes using" in r.stdout
    assert not n1.fake.alive(stubborn) and n1.mounted() == []


def test_busy_with_kill_or_forceoff_offlines(n1):
    for values in (v(ForceUnmount="kill"), v(ForceUnmount="none", ForceOff=1)):
        assert n1.run("online", values).returncode == 0
        pid = n1.fake.add_user(MP, "app", ignore_term=True)
        r = n1.run("offline", values)
        assert r.returncode == 0, r.stdout
        assert not n1.fake.alive(pid) and n1.mounted() == []


def test_offline_unmounts_sub_mounts_deepest_first(n1):
    assert n1.run("online", v()).returncode == 0
    n1.fake.mount("t1", MP + "/a", "tmpfs", "", 5)
    n1.fake.mount("t2", MP + "/a/b", "tmpfs", "", 5)
    assert n1.run("offline", v()).returncode == 0
    assert n1.fake.mounts() == []


def test_clean_falls_back_to_lazy_unmount_when_users_survive(n1):
    assert n1.run("online", v(ForceUnmount="kill")).returncode == 0
    n1.fake.add_user(MP)
    n1.faults({"mounts.signal": {"mode": "error", "message": "EPERM"}})
    r = n1.run("clean", v(ForceUnmount="kill"), reason=0, aep=6)
    assert r.returncode == 0, r.stdout
    assert "forced unmount" in r.stdout and "lazy unmount" in r.stdout
    assert n1.mounted() == []


def test_clean_fails_while_unmount_keeps_failing(n1):
    assert n1.run("online", v()).returncode == 0
    n1.faults({"mounts.umount": {"mode": "error", "message": "I/O error"}})
    r = n1.run("offline", v())
    assert r.returncode == 1 and "I/O error" in r.stdout
    r = n1.run("clean", v(), reason=1, aep=4)
    assert r.returncode == 1
    assert len(n1.mounted()) == 1


def test_offline_signals_nobody_when_umount_fails_for_another_reason_than_busy(n1):
    # docs/cfsmount.md, offline: processes are signalled "when umount says busy", under the
    # ForceUnmount policy; an unmount failing otherwise (EIO) fails offline with its error.
    assert n1.run("online", v(ForceUnmount="kill")).returncode == 0
    pid = n1.fake.add_user(MP + "/app")
    n1.faults({"mounts.umount": {"mode": "error", "message": "I/O error"}})
    r = n1.run("offline", v(ForceUnmount="kill"))
    assert r.returncode == 1
    assert f"unmounting {MP}: I/O error" in r.stdout and "sending" not in r.stdout
    assert n1.fake.alive(pid) and len(n1.mounted()) == 1


def test_foreign_mount_is_refused_and_unknown(n1):
    n1.fake.create_device("/dev/vx/dsk/otherdg/vol")
    n1.fake.mount("/dev/vx/dsk/otherdg/vol", MP, "vxfs", "", 5)
    r = n1.run("online", v())
    assert r.returncode == 1
    assert "already has /dev/vx/dsk/otherdg/vol (vxfs) mounted on it: refusing" in r.stdout
    r = n1.run("monitor", v())
    assert r.returncode == 99
    assert f"not from BlockDevice {DEV}" in r.stdout


def test_a_mount_stacked_over_ours_keeps_offline_and_clean_at_1(n1):
    """vxfs, the production type (docs/cfsmount.md, "A mount stacked over ours"): ours
    stays mounted under another device mounted over it, so offline and clean exit 1 and
    leave both; the real tier tests ext4, tmpfs and bind."""
    other = "/dev/vx/dsk/otherdg/vol"
    n1.fake.create_device(other)
    assert n1.run("online", v()).returncode == 0
    n1.fake.mount(other, MP, "vxfs", "", 5)
    assert [e.source for e in n1.mounted()] == [DEV, other]
    assert n1.run("monitor", v()).returncode == 99
    for ep in ("offline", "clean"):
        r = n1.run(ep, v(), reason=4)
        assert r.returncode == 1, (ep, r.stdout)
        assert f"{MP} has {other} (vxfs) mounted over ours: left alone" in r.stdout
        assert [e.source for e in n1.mounted()] == [DEV, other]
    n1.fake.umount(MP, 5)
    assert n1.run("offline", v()).returncode == 0
    assert n1.mounted() == []


def test_mount_below_is_refused(n1):
    n1.fake.mount("t", MP + "/cache", "tmpfs", "", 5)
    r = n1.run("online", v())
    assert r.returncode == 1 and f"{MP}/cache is mounted below {MP}: refusing" in r.stdout


def test_missing_device(n1):
    r = n1.run("online", v(BlockDevice="/dev/vx/dsk/webdg/gone"))
    assert r.returncode == 1
    assert "attribute BlockDevice: /dev/vx/dsk/webdg/gone does not exist" in r.stdout
    assert n1.mounted() == []


def test_hung_mount_table_is_a_hung_monitor(n1):
    """No answer (DECISIONS.md 8): at its deadline the monitor logs one line and waits
    for VCS's MonitorTimeout to take it."""
    n1.faults({"mounts.mounts": {"mode": "hang"}})
    with pytest.raises(subprocess.TimeoutExpired):  # VCS kills it at its timeout
        n1.run("monitor", v(), aep=1, timeout=2.5)
    log = (n1.dir / "log" / "CFSMount_A.log").read_text().splitlines()
    assert len(log) == 1
    assert "monitor did not finish by its deadline: no answer given" in log[0]


def test_unavailable_mount_table_gives_unknown(n1):
    n1.faults({"mounts.mounts": {"mode": "unavailable", "message": "no answer"}})
    r = n1.run("monitor", v())
    assert r.returncode == 99 and "cannot read the mount table: no answer" in r.stdout


def test_info_without_a_mount_table_fails_with_the_reason(n1):
    n1.faults({"mounts.mounts": {"mode": "unavailable", "message": "no answer"}})
    r = n1.run("info", v())
    assert (r.returncode, r.stdout) == (1, "")  # log lines of info go to stderr
    assert "cannot read the mount table: no answer" in r.stderr
    assert "internal error" not in r.stderr


def test_hung_probe_is_a_hung_monitor(n1):
    assert n1.run("online", v()).returncode == 0
    n1.faults({"mounts.probe": {"mode": "hang"}})
    with pytest.raises(subprocess.TimeoutExpired):  # VCS kills it at its timeout
        n1.run("monitor", v(SecondLevelMonitor=1, SecondLevelTimeout=1), aep=3, timeout=3.5)
    log = (n1.dir / "log" / "CFSMount_A.log").read_text()
    assert "the second-level probe of /vx/web/data hangs (no answer within 1.0s)" in log


def test_failing_probe_reports_offline(n1):
    assert n1.run("online", v()).returncode == 0
    n1.faults({"mounts.probe": {"mode": "error", "message": "Input/output error"}})
    r = n1.run("monitor", v(SecondLevelMonitor=1))
    assert r.returncode == 100
    assert "second-level probe of /vx/web/data failed: Input/output error" in r.stdout


@pytest.mark.parametrize(
    "change, text",
    [
        ({"MountPoint": ""}, "attribute MountPoint: is empty"),
        ({"MountPoint": "vx/web"}, "attribute MountPoint: 'vx/web' is not an absolute path"),
        ({"MountPoint": "/vx/../etc"}, "attribute MountPoint: '/vx/../etc' contains '..'"),
        ({"MountPoint": "/vx//web/"}, "attribute MountPoint: '/vx//web/' is not normalized"),
        ({"MountPoint": "/"}, "attribute MountPoint: / itself cannot be a mount point"),
        ({"MountPoint": "/var"}, "attribute MountPoint: /var is a system directory"),
        ({"MountPoint": "/vx/a\nb"}, "attribute MountPoint: '/vx/a\\nb' contains control"),
        ({"FSType": "nfs"}, "attribute FSType: 'nfs' is not one of"),
        ({"ForceUnmount": "always"}, "attribute ForceUnmount: 'always' is not one of"),
        ({"BlockDevice": ""}, "attribute BlockDevice: is empty"),
        ({"MountOpt": "rw, sync"}, "attribute MountOpt: 'rw, sync' contains white space"),
        ({"SecondLevelTimeout": 0}, "attribute SecondLevelTimeout: must be at least 1"),
    ],
)
def test_bad_input(n1, change, text):
    for ep, code in (("online", 1), ("monitor", 99), ("offline", 1), ("clean", 1)):
        r = n1.run(ep, v(**change))
        assert r.returncode == code, (ep, r.stdout)
        assert text in r.stdout, (ep, r.stdout)
    assert not (n1.dir / "mounts.json").exists()


def test_offline_stops_at_a_mount_it_covered(n1):
    n1.fake.create_device("/dev/vx/dsk/otherdg/vol")
    n1.fake.mount("/dev/vx/dsk/otherdg/vol", MP, "vxfs", "", 5)
    n1.fake.mount(DEV, MP, "vxfs", "cluster", 5)  # ours stacked on top of it
    assert n1.run("monitor", v()).returncode == 110
    assert n1.run("offline", v()).returncode == 0
    assert [e.source for e in n1.mounted()] == ["/dev/vx/dsk/otherdg/vol"]


def test_in_process_hung_probe_costs_no_real_time(n1):
    """The simulator runs entry points in-process on virtual time (DECISIONS.md 1)."""
    from vxha.agents.framework import build_argv, execute
    from vxha.vcs_types.catalog import project_type

    decl = project_type("CFSMount")
    assert n1.run("online", v()).returncode == 0
    n1.faults({"mounts.probe": {"mode": "hang"}})
    argv = build_argv(decl, "mnt", v(SecondLevelMonitor=1), "monitor", aep_timeout=60)
    start = time.monotonic()
    outcome = execute("CFSMount", "monitor", argv, env=n1.env, inprocess=True)
    assert outcome.timed_out and outcome.code == 99 and time.monotonic() - start < 1
    assert any("hangs (no answer within 30.0s)" in line for line in outcome.lines)


def test_a_read_write_mount_remounted_read_only_is_offline(n1):
    """docs/cfsmount.md, "monitor": read-only while MountOpt asks for read-write is 100."""
    assert n1.run("online", v()).returncode == 0
    state = json.loads((n1.dir / "mounts.json").read_text())
    state["mounts"][0]["options"] = "ro,cluster"  # remounted outside VCS
    (n1.dir / "mounts.json").write_text(json.dumps(state))
    r = n1.run("monitor", v())
    assert r.returncode == 100
    assert f"{MP} is mounted read-only, but MountOpt asks for read-write: offline" in r.stdout
    assert n1.run("monitor", v(MountOpt="ro")).returncode == 110


def test_clean_of_ext4_says_1_while_its_detached_file_system_lives(n1):
    """docs/cfsmount.md, "clean": a lazy unmount leaves an ext4 or xfs file system alive
    while a user keeps it; clean says 1 (monitor 99) until it is gone. vxfs, a cluster
    mount, is not held back (test_clean_falls_back_to_lazy_unmount_when_users_survive)."""
    ext4 = v(FSType="ext4", ForceUnmount="kill")
    assert n1.run("online", ext4).returncode == 0
    pid = n1.fake.add_user(MP)
    n1.faults({"mounts.signal": {"mode": "error", "message": "EPERM"}})
    r = n1.run("clean", ext4, reason=0, aep=6)
    assert r.returncode == 1, r.stdout
    assert "lazy unmount" in r.stdout and f"{DEV} is still in use on this system" in r.stdout
    assert n1.mounted() == []
    assert n1.run("monitor", ext4).returncode == 99
    n1.faults({})
    n1.fake.signal(pid, 9)
    assert n1.run("clean", ext4, reason=0).returncode == 0
    assert n1.run("monitor", ext4).returncode == 100


def test_systems_sharing_one_host_and_its_volumes_do_not_hold_each_other_back(n1):
    """Real-node mode mounts one volume on several simulated systems of one host and says
    so with VXHA_SHARED_DEVICES=1 (docs/cfsmount.md): a mount of the device elsewhere on
    the host may be another system's, not ours to refuse or wait for. Without it, the
    device in use on the host refuses online."""
    ext4 = v(FSType="ext4")
    n1.fake.mount(DEV, "/elsewhere", "ext4", "", 5)  # the volume in use on the host
    r = n1.run("online", ext4)
    assert r.returncode == 1 and f"{DEV} is already in use on this system" in r.stdout
    n1.run.env["VXHA_SHARED_DEVICES"] = "1"
    assert n1.run("online", ext4).returncode == 0
    assert n1.run("offline", ext4).returncode == 0
    assert n1.run("monitor", ext4).returncode == 100
    assert [e.mountpoint for e in n1.fake.mounts()] == ["/elsewhere"]
