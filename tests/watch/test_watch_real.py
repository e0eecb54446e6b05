"""vxha watch against real components: a real Docker and Podman engine, real netlink in
the test's network namespace, real mounts in its private mount namespace; VCS is the
simulator behind its ha* shims. Each event leads to exactly one probe of the right
resource on the right system, or to none where none is due."""

from __future__ import annotations

import os
import signal
import time

import pytest
from watch_node import ADDRESS, NIC, RESOURCE, SYSTEM, probes, run_container, settle_probes

pytestmark = pytest.mark.real

ENGINE_KINDS = ["docker", "podman"]


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_container_death_is_one_probe_of_its_resource(kind, engines, watch, cluster):
    resource, name = RESOURCE[kind]
    run_container(engines[kind], name, resource)
    w = watch()
    engines[kind].docker("kill", name)
    assert settle_probes(cluster, 1) == [(resource, SYSTEM)]
    text = w.wait_log(rf"probed {resource} on {SYSTEM}: container {name} died")
    assert "exit 137" in text


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_container_turning_unhealthy_is_one_probe(kind, engines, watch, cluster):
    from container_engines import BUSYBOX_HEALTH

    resource, name = RESOURCE[kind]
    engine = engines[kind]
    with engine.health_timer():
        run_container(engine, name, resource, image=BUSYBOX_HEALTH)
        w = watch()
        end = time.monotonic() + 20
        while (
            "healthy"
            not in engine.docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.decode()
        ):
            assert time.monotonic() < end, "the container never became healthy"
            time.sleep(0.1)
        time.sleep(1.5)  # healthy checks keep coming (Podman reports every run)
        assert probes(cluster) == []  # starting -> healthy is its online, not a fault
        engine.docker("exec", name, "rm", "/tmp/healthy")
        assert settle_probes(cluster, 1, timeout=20, quiet=2.0) == [(resource, SYSTEM)]
    w.wait_log(rf"probed {resource} on {SYSTEM}: container {name} health unhealthy")


def test_oom_kill_in_a_container_is_one_probe(engines, watch, cluster):
    """Docker reports a process of the container killed for memory (the container may go
    on running: the monitor decides)."""
    resource, name = RESOURCE["docker"]
    run_container(engines["docker"], name, resource, "--memory", "16m")
    w = watch()
    engines["docker"].docker(
        "exec", "-d", name, "sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1"
    )
    assert settle_probes(cluster, 1) == [(resource, SYSTEM)]
    w.wait_log(rf"probed {resource} on {SYSTEM}: container {name} had a process killed")


def test_address_removed_is_one_probe_of_the_hostip(node, watch, cluster):
    node.add_address()
    w = watch()
    node.run("ip", "addr", "del", f"{ADDRESS}/24", "dev", NIC)
    assert settle_probes(cluster, 1) == [("web_ip", SYSTEM)]
    w.wait_log(rf"probed web_ip on {SYSTEM}: address {ADDRESS}")


def test_link_down_is_one_probe_of_the_hostip(node, watch, cluster):
    node.add_address()
    watch()
    # The peer going down takes the carrier of NIC: one link event for web_ip's device.
    node.run("ip", "link", "set", NIC + "p", "down")
    assert settle_probes(cluster, 1) == [("web_ip", SYSTEM)]


def test_mount_gone_is_one_probe_of_the_cfsmount(node, watch, cluster):
    node.run("mount", "-t", "tmpfs", "-o", "size=1m", "vxw", cluster.mountpoint)
    w = watch()
    node.run("umount", cluster.mountpoint)
    assert settle_probes(cluster, 1) == [("web_mnt_data", SYSTEM)]
    w.wait_log(rf"probed web_mnt_data on {SYSTEM}: mount table changed at")


def test_other_addresses_links_and_mounts_are_no_probe(node, watch, cluster, tmp_path):
    node.add_address()
    watch()
    node.run("ip", "addr", "add", "10.200.0.99/24", "dev", NIC)
    node.run("ip", "link", "add", "vx9", "type", "veth", "peer", "name", "vx9p")
    other = tmp_path / "other"
    other.mkdir()
    node.run("mount", "-t", "tmpfs", "vxw", str(other))
    node.run("umount", str(other))
    assert settle_probes(cluster, 0, timeout=0) == []


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_a_container_vxha_does_not_own_is_no_probe(kind, engines, watch, cluster):
    engine = engines[kind]
    from container_engines import BUSYBOX

    engine.docker("run", "-d", "--name", "stranger", BUSYBOX)  # no vxha label
    run_container(engine, "impostor", "no_such_res")  # names a resource that is not there
    resource, name = RESOURCE["podman" if kind == "docker" else "docker"]
    run_container(engine, "elsewhere", resource)  # the other engine's resource, here
    w = watch()
    for c in ("stranger", "impostor", "elsewhere"):
        engine.docker("kill", c)
    assert settle_probes(cluster, 0, timeout=0, quiet=2.0) == []
    text = w.wait_log("not probing: container impostor died")
    assert "not probing: container elsewhere died" in text


@pytest.mark.parametrize("how", ["freeze", "disable"])
def test_frozen_or_disabled_group_is_no_probe(how, engines, node, watch, cluster):
    resource, name = RESOURCE["docker"]
    run_container(engines["docker"], name, resource)
    node.add_address()
    w = watch()
    if how == "freeze":
        change, undo = ["hagrp", "-freeze", "web"], ["hagrp", "-unfreeze", "web"]
    else:
        change, undo = (
            ["hagrp", "-disable", "web", "-sys", SYSTEM],
            ["hagrp", "-enable", "web", "-sys", SYSTEM],
        )
    cluster.run("haconf", "-makerw", check=True)
    cluster.run(*change, check=True)
    cluster.run("haconf", "-dump", "-makero", check=True)
    try:
        engines["docker"].docker("kill", name)
        node.run("ip", "addr", "del", f"{ADDRESS}/24", "dev", NIC)
        w.wait_log(r"not probing web_ip on n1: group web is (frozen|disabled)")
        w.wait_log(r"not probing web_ctr on n1: group web is (frozen|disabled)")
        assert probes(cluster) == []
    finally:
        cluster.run("haconf", "-makerw", check=True)
        cluster.run(*undo, check=True)
        cluster.run("haconf", "-dump", "-makero", check=True)


def test_vcs_not_answering_is_retried_then_given_up_and_the_watch_goes_on(engines, watch, cluster):
    resource, name = RESOURCE["docker"]
    engine = engines["docker"]
    run_container(engine, name, resource)
    w = watch("--attempts", "3")
    cluster.fail("hares -probe", times=3)
    engine.docker("kill", name)
    text = w.wait_log(rf"gave up probing {resource} on {SYSTEM} after 3 attempt", timeout=20)
    assert "container web died" in text.split("gave up")[-1]
    assert text.count(f"probing {resource} on {SYSTEM} failed (attempt") == 2
    assert probes(cluster).count((resource, SYSTEM)) == 3
    # VCS answers again: the next event is probed as usual.
    engine.docker("rm", name)
    run_container(engine, name, resource)
    cluster.reset_calls()
    engine.docker("kill", name)
    assert settle_probes(cluster, 1) == [(resource, SYSTEM)]
    assert w.alive()


def test_vcs_hanging_is_given_up_within_the_timeouts(engines, watch, cluster, tmp_path):
    """An ha command that never answers is ended at --timeout; the watch gives the probe
    up after its attempts and keeps reading events."""
    resource, name = RESOURCE["docker"]
    run_container(engines["docker"], name, resource)
    w = watch("--attempts", "2", "--timeout", "1")
    hang = cluster.wrap / "hares"
    real = hang.read_text()
    hang.write_text(real.replace("exec ", 'case "$1" in -probe) sleep 30;; esac\nexec ', 1))
    try:
        start = time.monotonic()
        engines["docker"].docker("kill", name)
        w.wait_log(rf"gave up probing {resource} on {SYSTEM} after 2 attempt", timeout=20)
        assert time.monotonic() - start < 2 * 1 + 1 + 5
    finally:
        hang.write_text(real)
    assert w.alive()


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_engine_restarted_under_the_watch(kind, tmp_path, node):
    """The engine is killed, and its container with what it left running; the engine comes
    back: the watch reconnects, probes the container that changed while it could not
    see, once, and then reads events again."""
    from container_engines import BUSYBOX, ENGINES
    from watch_node import Cluster, WatchProc, write_main_cf

    engine = ENGINES[kind]("vxw")
    c = None
    try:
        engine.start()
        engine.build_images((BUSYBOX,))
        mp = tmp_path / "mnt"
        mp.mkdir()
        other = "unix:///nonexistent/engine.sock"
        if kind == "docker":
            main_cf = write_main_cf(tmp_path / "main.cf", str(mp), engine.host, other)
        else:
            main_cf = write_main_cf(tmp_path / "main.cf", str(mp), other, engine.host)
        c = Cluster(tmp_path, main_cf)
        resource, name = RESOURCE[kind]
        run_container(engine, name, resource)
        w = WatchProc(node, c, tmp_path, "--no-network", "--no-mounts")
        try:
            w.wait_log(rf"engine {engine.host}: events connected")
            pid = engine.container_pid(name)
            engine.kill_engine()
            w.wait_log(rf"engine {engine.host}: the event stream ended")
            if kind == "docker":
                # dockerd's containerd and shims went with it: end the container too.
                engine.reap()
                _forget_dead_containerd(engine)
            else:
                # conmon, not the API service, watches the container: it records the exit.
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
            assert probes(c) == []
            engine.start()
            text = w.wait_log(rf"engine {engine.host}: events connected again", timeout=30)
            assert f"changed meanwhile: {resource}" in text
            assert settle_probes(c, 1) == [(resource, SYSTEM)]
            # and the events flow again
            engine.docker("rm", "-f", name)
            run_container(engine, name, resource)
            c.reset_calls()
            engine.docker("kill", name)
            assert settle_probes(c, 1) == [(resource, SYSTEM)]
        finally:
            w.stop()
    finally:
        if c is not None:
            c.stop()
        engine.stop()


def _forget_dead_containerd(engine) -> None:
    """The killed dockerd's containerd stays a zombie where nothing reaps orphans (this
    test bed's init); its pid file would make the next dockerd wait for it."""
    try:
        os.unlink(os.path.join(engine.dir, "exec", "containerd", "containerd.pid"))
    except FileNotFoundError:
        pass


def test_once_handles_what_happened_since_its_last_run(engines, node, cluster, tmp_path):
    """--once: the first run records what it sees; the next probes each resource whose
    container died (both engines), whose address went and whose mount went, once."""
    from watch_node import WatchProc

    for kind in ENGINE_KINDS:
        run_container(engines[kind], RESOURCE[kind][1], RESOURCE[kind][0])
    node.add_address()
    node.run("mount", "-t", "tmpfs", "-o", "size=1m", "vxw", cluster.mountpoint)

    def once():
        w = WatchProc(node, cluster, tmp_path, "--once")
        w.proc.wait(timeout=60)
        return w.stop(), w.text()

    cluster.reset_calls()
    code, text = once()
    assert code == 0, text
    assert "first run" in text
    assert probes(cluster) == []
    for kind in ENGINE_KINDS:
        engines[kind].docker("kill", RESOURCE[kind][1])
    node.run("ip", "addr", "del", f"{ADDRESS}/24", "dev", NIC)
    node.run("umount", cluster.mountpoint)
    code, text = once()
    assert code == 0, text
    assert sorted(probes(cluster)) == [
        ("app_ctr", SYSTEM),
        ("web_ctr", SYSTEM),
        ("web_ip", SYSTEM),
        ("web_mnt_data", SYSTEM),
    ]
    assert "container web died (exit 137)" in text  # the engine's event, replayed
    cluster.reset_calls()
    code, text = once()  # nothing new
    assert code == 0 and probes(cluster) == [], text


def test_a_silent_engine_does_not_hold_back_other_events(node, watch, cluster, tmp_path):
    """An engine that takes the connection and never answers (a stopped dockerd) is waited
    for in its own thread: an address removed meanwhile is probed before the engine's
    connection times out."""
    import socket

    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = str(tmp_path / "silent.sock")
    silent.bind(path)
    silent.listen(4)  # never accepted: the request waits unanswered
    try:
        node.add_address()
        w = watch("--engine", f"unix://{path}", "--no-mounts", ready=[r"watching for"])
        node.run("ip", "addr", "del", f"{ADDRESS}/24", "dev", NIC)
        text = w.wait_log(r"did not answer GET /events", timeout=20)
        assert f"probed web_ip on {SYSTEM}" in text.split("did not answer")[0]
        assert probes(cluster) == [("web_ip", SYSTEM)]
    finally:
        silent.close()


def test_a_restarted_watch_probes_what_changed_while_it_was_stopped(node, watch, cluster):
    """The watch saves what it saw when stopped; started again (systemd's Restart=) within
    its catch-up time, it probes each resource whose address or mount changed meanwhile."""
    node.add_address()
    node.run("mount", "-t", "tmpfs", "-o", "size=1m", "vxw", cluster.mountpoint)
    first = watch("--no-containers", ready=[r"watching for"])
    assert first.stop() == 0
    node.run("ip", "addr", "del", f"{ADDRESS}/24", "dev", NIC)
    node.run("umount", cluster.mountpoint)
    watch("--no-containers", ready=[r"watching for"], name="watch")
    assert sorted(settle_probes(cluster, 2)) == [("web_ip", SYSTEM), ("web_mnt_data", SYSTEM)]
