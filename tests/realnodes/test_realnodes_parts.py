"""The parts of real-node mode that need no root: what a configuration asks of the machine,
the client's addresses, the file systems volumes get, the stand-in images, the ledger and
its registry, the real clock, and what the commands refuse."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile

import pytest
from realnode_helpers import CLUSTER_CF
from realtier import require_real

from vxha.simulator import events
from vxha.simulator.api import Simulator
from vxha.simulator.realnodes import ledger
from vxha.simulator.realnodes.host import RealNodeError
from vxha.simulator.realnodes.images import ImageNeeds, standin_tar
from vxha.simulator.realnodes.network import client_addresses
from vxha.simulator.realnodes.plan import engine_kind, plan
from vxha.simulator.realnodes.realtime import RealClock
from vxha.simulator.realnodes.sim import local_filesystems
from vxha.vcs_types.cf import parse_file

VXHA = os.path.join(os.path.dirname(sys.executable), "vxha")


def _engine(tmp_path, text=None):
    if text is None:
        return Simulator.from_file(CLUSTER_CF, tmp_path).engine
    return Simulator.from_text(text, tmp_path).engine


# -- the plan ------------------------------------------------------------------------------


def test_the_plan_reads_engines_nics_volumes_images_and_targets(tmp_path):
    p = plan(_engine(tmp_path))
    assert p.engines == {
        "n1": "/var/run/docker.sock",
        "n2": "/var/run/docker.sock",
        "n3": "/run/podman/podman.sock",
    }
    assert [engine_kind(p.engines[s]) for s in ("n1", "n3")] == ["docker", "podman"]
    assert p.nics == {"n1": ["eth0"], "n2": ["eth0"], "n3": ["eth0"]}
    assert p.volumes == {"/dev/vx/dsk/webdg/data": "ext4", "/dev/vx/dsk/appdg/data": "ext4"}
    assert p.targets == {"web": ("10.210.0.10", 80), "app": ("10.210.0.20", 80)}
    assert sorted(p.images["n1"]) == ["local/app:1", "local/web:1"]
    web = p.image_needs["local/web:1"]
    assert (web.ports, web.data_dirs, web.health_paths) == (
        {8080},
        ["/data"],
        {"/usr/local/bin/web-health"},
    )
    assert sorted(p.app_addresses) == [("10.210.0.10", 24), ("10.210.0.20", 24)]
    # app's add-on, labelled as the agent checks it (docs/container.md, "Image identity")
    labels = {"vxos.image.type": "app-plugin", "vxos.image.version": "1.0",
              "vxos.parent.type": "app"}  # fmt: skip
    for s in ("n1", "n2", "n3"):
        assert p.addons[s] == {"app-plugin:1.0": ("/opt/plugins/app", labels)}


def test_one_engine_per_node(tmp_path):
    local = 'DockerHost @n1 = "unix:///var/run/docker.sock"'
    before, after = open(CLUSTER_CF).read().rsplit(local, 1)
    text = before + 'DockerHost @n1 = "unix:///run/other.sock"' + after  # app's, not web's
    with pytest.raises(RealNodeError, match=r"system n1: .*more than one engine socket"):
        plan(_engine(tmp_path, text))


def test_volumes_only_at_cvm_volume_paths(tmp_path):
    text = open(CLUSTER_CF).read().replace("/dev/vx/dsk/webdg/data", "/dev/sdb1")
    with pytest.raises(RealNodeError, match="CFSMount web_mnt_data: BlockDevice '/dev/sdb1'"):
        plan(_engine(tmp_path, text))


def test_vxfs_is_mounted_as_ext4_and_said(tmp_path):
    config = parse_file(CLUSTER_CF)
    notes = local_filesystems(config)
    assert notes == [
        "web_mnt_data: FSType vxfs -> ext4 (no VxFS here)",
        "app_mnt_data: FSType vxfs -> ext4 (no VxFS here)",
    ]
    mounts = [r for g in config.groups for r in g.resources if r.type == "CFSMount"]
    assert {r.attrs["FSType"] for r in mounts} == {"ext4"}
    assert local_filesystems(config) == []


def test_a_client_address_in_each_application_subnet():
    assert client_addresses([("10.0.0.10", 24), ("10.0.0.254", 24), ("10.1.0.5", 16)]) == [
        ("10.0.0.253", 24),
        ("10.1.255.254", 16),
    ]
    with pytest.raises(RealNodeError, match="no room for a client"):
        client_addresses([("10.0.0.1", 31)])


# -- images -------------------------------------------------------------------------------


@pytest.mark.real
def test_a_standin_image_serves_the_forwarded_ports_and_has_the_health_check(tmp_path):
    require_real("busybox")
    needs = ImageNeeds()
    needs.add([8080, 8443], ["/data", "/config"], "/opt/x/bin/health --quick")
    tar = tarfile.open(fileobj=io.BytesIO(standin_tar(str(tmp_path / "rootfs"), "x:1", needs)))
    serve = tar.extractfile("srv/serve").read().decode()
    assert "for p in 8443; do httpd" in serve and "exec httpd -f -p 8080" in serve
    assert "for d in /data /config" in tar.extractfile("srv/datadir").read().decode()
    health = tar.getmember("opt/x/bin/health")
    assert health.mode & 0o111 and b"127.0.0.1:8080" in tar.extractfile(health).read()
    assert tar.getmember("./bin/busybox").isfile()


# -- the ledger ----------------------------------------------------------------------------


@pytest.fixture
def registry(tmp_path, monkeypatch):
    reg = tmp_path / "registry"
    monkeypatch.setattr(ledger, "REGISTRY", str(reg))
    return reg


def test_the_ledger_is_kept_in_the_run_directory_and_the_registry(tmp_path, registry):
    led = ledger.Ledger.begin(str(tmp_path / "run"))
    led.record("netns", name=f"{led.prefix}-n1")
    entries = ledger.read_entries(led.path)
    assert entries == ledger.read_entries(str(registry / led.prefix))
    assert entries[0]["kind"] == "run" and entries[0]["owner"] == os.getpid()
    assert ledger.owner_alive(entries)
    assert ledger.sweep() == []  # its owner runs: left alone
    with pytest.raises(ledger.LedgerError, match="vxha sim cleanup"):
        ledger.Ledger.begin(str(tmp_path / "run"))


def test_removal_refuses_a_live_run_and_names_only_what_carries_the_prefix(tmp_path, registry):
    led = ledger.Ledger.begin(str(tmp_path / "run"))
    led.record("netns", name="not-ours")  # a tampered line: never removed
    problems = ledger.remove_all(str(tmp_path / "run"))
    assert problems == [f"{tmp_path / 'run'}: its run is still going (stop it first: Ctrl-C)"]
    assert ledger.remove_all(str(tmp_path / "run"), force=True) == []
    assert not os.path.exists(led.dir) and not os.path.exists(registry / led.prefix)
    assert ledger.remove_entries([{"kind": "netns", "name": "x"}]) == [
        "the ledger has no run entry: nothing removed"
    ]


def test_a_cut_ledger_line_is_ignored(tmp_path):
    path = tmp_path / "ledger.jsonl"
    path.write_text('{"kind": "run", "prefix": "vxr1"}\n{"kind": "netns", "na')
    assert ledger.read_entries(str(path)) == [{"kind": "run", "prefix": "vxr1"}]


# -- the real clock ------------------------------------------------------------------------


def test_the_real_clock_runs_a_callback_no_earlier_than_its_second(monkeypatch):
    from vxha.simulator.realnodes import realtime

    now = [100.0]
    monkeypatch.setattr(realtime.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(realtime.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    clock = RealClock()
    ran = []

    def monitor(_):
        ran.append((clock.now, now[0] - 100))
        clock.after(3, monitor)  # the next one MonitorInterval after this one ran

    clock.at(3, monitor)
    clock.at(3, lambda _: now.__setitem__(0, now[0] + 5))  # an entry point taking 5 s
    clock.at(5, lambda _: ran.append((clock.now, now[0] - 100)))
    clock.run_until(7)
    # The late one runs at once (not 5 s later again) and reads the wall clock's second;
    # the monitor due at 6 ran late at 8 and its next one counts from there, not from 6.
    assert ran == [(3, 3.0), (8, 8.0), (8, 8.0)]
    assert clock.next_time() == 11
    assert clock.now == 8 and now[0] - 100 == 8.0


class _Running:
    """An entry point of the clock tests: it ends at a given time of the fake clock."""

    def __init__(self, now, ends, code):
        self.now, self.ends, self.code = now, ends, code

    def poll(self):
        return (self.code, False) if self.now[0] >= self.ends else None


def _fake_time(monkeypatch, start=100.0):
    from vxha.simulator.realnodes import realtime

    now = [start]
    monkeypatch.setattr(realtime.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(realtime.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    return now


def test_entry_points_run_together_and_each_end_is_handled_when_it_comes(monkeypatch):
    now = _fake_time(monkeypatch)
    clock = RealClock()
    ended = []
    # Two entry points started at second 0 (an address and a container coming up):
    # neither waits for the other, and each end is handled as it comes, not a second later.
    for ends, name in ((100.5, "HostIP"), (101.3, "Container")):
        run = _Running(now, ends, 0)
        clock.when_done(run, lambda code, t, name=name: ended.append((name, now[0] - 100)))
    assert clock.next_time() == 1  # settle() waits for what runs
    clock.run_until(5)
    assert [n for n, _ in ended] == ["HostIP", "Container"]
    assert 0.5 <= ended[0][1] < 0.55 and 1.3 <= ended[1][1] < 1.35
    assert clock.next_time() is None


def test_the_clock_serves_requests_while_it_waits_and_runs_what_they_schedule(monkeypatch):
    now = _fake_time(monkeypatch)
    clock = RealClock()
    ran = []

    class Inbox:  # one request (a probe) comes at 100.3: it schedules work for now
        def serve_one(self, seconds):
            if now[0] < 100.3 <= now[0] + seconds and not ran:
                now[0] = 100.3
                clock.after(0, lambda _: ran.append(now[0] - 100))
                return True
            now[0] += seconds
            return False

    clock.inbox = Inbox()
    clock.at(10, lambda _: ran.append(now[0] - 100))  # the next periodic monitor
    clock.run_until(10)
    assert ran == [pytest.approx(0.3), 10.0]


# -- commands ------------------------------------------------------------------------------


def test_real_events_are_refused_on_fake_nodes(tmp_path):
    sim = Simulator.from_file(CLUSTER_CF, tmp_path)
    sim.start()
    with pytest.raises(events.EventError, match=r"runtime_stop: only on real nodes"):
        sim.event("runtime_stop", system="n1")
    assert not any("runtime_stop" in line for line in sim.transcript.lines)


def test_monitor_interval_goes_with_real(tmp_path):
    r = subprocess.run([VXHA, "sim", "run", CLUSTER_CF, "--monitor-interval", "5"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (r.returncode, r.stderr) == (2, "vxha sim run: --monitor-interval goes with --real\n")


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "--watch goes with --real (the watch reads real nodes' events)"),
        pytest.param(
            ["--real", "--no-start"],
            "--watch needs the nodes started: drop --no-start",
            marks=pytest.mark.real,
        ),  # fmt: skip
    ],
)
def test_watch_goes_with_real_nodes_started(tmp_path, extra, message):
    if "--real" in extra:
        require_real()  # --real is refused before --watch without root
    r = subprocess.run([VXHA, "sim", "serve", CLUSTER_CF, "--watch", *extra, "--run-dir",
                        str(tmp_path)], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (r.returncode, r.stderr) == (2, f"vxha sim serve: {message}\n")
    assert not os.path.exists(tmp_path / "conf")  # refused before anything was made


@pytest.mark.real
def test_cleanup_of_a_directory_without_a_run(tmp_path):
    require_real()  # vxha sim cleanup needs root
    r = subprocess.run([VXHA, "sim", "cleanup", str(tmp_path)], capture_output=True, text=True,
                       timeout=60)  # fmt: skip
    assert (r.returncode, r.stdout) == (0, f"vxha sim cleanup: nothing recorded in {tmp_path}:"
                                           " nothing to remove\n")  # fmt: skip
    r = subprocess.run([VXHA, "sim", "cleanup", str(tmp_path / "none")], capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "no such directory" in r.stderr


def test_an_entry_point_running_on_its_own_is_killed_at_its_deadline():
    import time

    from vxha.agents import framework
    from vxha.simulator.runners import Running

    proc = subprocess.Popen(["sleep", "30"])
    running = Running(proc, "online", time.monotonic() + 0.2)
    assert running.poll() is None
    time.sleep(0.3)
    assert running.poll() == (framework.failure_code("online"), True)
    assert proc.returncode is not None  # killed and reaped, as VCS kills a hung entry point
    done = Running(subprocess.Popen(["true"]), "monitor", time.monotonic() + 10)
    done.proc.wait(timeout=10)
    assert done.poll() == (0, False)
