"""vxha watch when things around it fail: ha commands that cannot even be run, the
configuration read failing in unexpected ways, the wall clock jumping, and (with the
stand-in engine, fake_engine.py) the watch killed and restarted, the event stream cut
in the middle of a document, the engine's socket replaced (docs/watch.md, "The rules")."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from fake_engine import FakeEngine, die_event
from test_watch_dispatch import VCS, Clock, died, run_until
from watch_node import SYSTEM, Cluster, WatchProc, probes, settle_probes, write_main_cf

from vxha.generators.hacli import HaClient
from vxha.watch.cluster import ClusterView
from vxha.watch.dispatch import Dispatcher


def _dispatcher(runner, **kw):
    clock = Clock()
    logs = []
    view = ClusterView(HaClient(runner=runner), "n1", env={})
    d = Dispatcher(view, lambda sev, text: logs.append((sev, text)), clock=clock, **kw)
    return d, clock, logs


@pytest.mark.parametrize(
    "error",
    [PermissionError(13, "Permission denied"), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad")],
    ids=["not-executable", "not-utf8"],
)
def test_a_probe_command_that_cannot_be_run_is_retried_then_given_up(error):
    # "VCS not answering": retried after 1, 2 ... s, at most --attempts times, then one
    # error line; never a retry every second for ever.
    vcs = VCS()

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-probe"]:
            vcs.calls.append(list(argv))
            raise error
        return vcs.run(argv, timeout)

    d, clock, logs = _dispatcher(runner, attempts=3, backoff=1.0)
    run_until(d, clock, 0.05)
    d.note([died()])
    run_until(d, clock, 20.0, step=0.05)
    assert len(vcs.probes()) == 3
    gave_up = [t for s, t in logs if s == "error" and t.startswith("gave up probing web_ctr")]
    assert len(gave_up) == 1
    assert not d.busy()


def test_a_configuration_read_that_cannot_be_run_backs_off():
    calls = []

    def runner(argv, timeout):
        calls.append(argv)
        raise PermissionError(13, "Permission denied")

    d, clock, logs = _dispatcher(runner, backoff=1.0, refresh=300.0)
    run_until(d, clock, 30.0, step=0.05)
    # 1 + 2 + 4 + 8 + 16 s of back-off: a handful of reads, not one a second
    assert len(calls) <= 6
    assert any("reading the configuration failed" in t for _, t in logs)
    assert not any(t.startswith("dispatcher:") for _, t in logs)


def test_a_probe_of_a_resource_removed_meanwhile_is_dropped_not_retried():
    # the resource was deleted between the last configuration read and the probe
    vcs = VCS()

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-probe"]:
            vcs.calls.append(list(argv))
            if "web" in vcs.ctrs:
                vcs.ctrs.remove("web")
            # the simulator's words (simulator/admin.py); the watch must not depend on them
            return (
                1,
                "",
                "VCS WARNING V-16-1-40130 Resource web_ctr does not exist in the local cluster\n",
            )
        return vcs.run(argv, timeout)

    d, clock, logs = _dispatcher(runner, attempts=3, backoff=1.0)
    run_until(d, clock, 0.05)
    d.note([died()])
    run_until(d, clock, 10.0, step=0.05)
    assert len(vcs.probes()) == 1
    assert not any(s == "error" for s, _ in logs), logs
    assert any("web_ctr is no longer in the configuration" in t for _, t in logs)


# -- the watch as a process, a stand-in engine, VCS the simulator's shims ---------------

WEB = {
    "Id": "web-id",
    "Names": ["/web"],
    "State": "running",
    "Status": "Up 3 minutes",
    "Labels": {"vxha.resource": "web_ctr"},
}


@pytest.fixture
def fake_cluster(tmp_path):
    engine = FakeEngine(tmp_path)
    engine.containers = [dict(WEB)]
    mp = tmp_path / "mnt"
    mp.mkdir()
    c = Cluster(
        tmp_path,
        write_main_cf(tmp_path / "main.cf", str(mp), engine.host, "unix:///nonexistent/p.sock"),
    )
    c.engines = [engine]
    yield c, engine
    c.stop()
    for e in c.engines:
        e.close()


def _send(engine, events):
    """engine.send to the watch that subscribed last (a stopped watch's stream is gone)."""
    with engine._lock:
        engine.streams = engine.streams[-1:]
    engine.send(events)


def _watch(cluster, engine, tmp_path, name, *extra):
    state = str(tmp_path / "state")  # shared by every run of the test
    return WatchProc(
        None, cluster, tmp_path, "--engine", engine.host, "--no-network", "--no-mounts",
        "--state-dir", state, *extra, name=name,
    )  # fmt: skip


def test_once_compares_the_containers_even_when_the_engine_cannot_replay(fake_cluster, tmp_path):
    # The stand-in engine never ends a replay (it ignores ``until``): the events since the
    # last run are lost, but the containers' states still differ from the saved picture.
    cluster, engine = fake_cluster
    first = _watch(cluster, engine, tmp_path, "once1", "--once")
    assert first.proc.wait(timeout=60) == 0
    first.stop()
    engine.containers[0]["State"] = "exited"
    cluster.reset_calls()
    second = _watch(cluster, engine, tmp_path, "once2", "--once")
    assert second.proc.wait(timeout=60) == 0
    second.stop()
    assert probes(cluster) == [("web_ctr", SYSTEM)], second.text()


def test_a_watch_killed_after_a_probe_does_not_probe_again_when_restarted(fake_cluster, tmp_path):
    cluster, engine = fake_cluster
    w1 = _watch(cluster, engine, tmp_path, "w1")
    try:
        w1.wait_log(r"events connected")
    finally:
        assert w1.stop() == 0  # saves what it saw: web running
    w2 = _watch(cluster, engine, tmp_path, "w2")
    try:
        w2.wait_log(r"events connected again")
        cluster.reset_calls()
        engine.containers[0]["State"] = "exited"
        _send(engine, [die_event("web", "web_ctr")])
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        w2.proc.send_signal(signal.SIGKILL)
    finally:
        w2.stop()
    cluster.reset_calls()
    w3 = _watch(cluster, engine, tmp_path, "w3")
    try:
        text = w3.wait_log(r"events connected again")
        assert "changed meanwhile: none" in text
        assert settle_probes(cluster, 0, quiet=1.5) == []
    finally:
        w3.stop()


def test_a_watch_stopped_before_its_probe_was_made_probes_when_restarted(fake_cluster, tmp_path):
    cluster, engine = fake_cluster
    w1 = _watch(cluster, engine, tmp_path, "w1", "--debounce", "30")
    try:
        w1.wait_log(r"events connected")
        time.sleep(0.5)
        cluster.reset_calls()
        engine.containers[0]["State"] = "exited"
        _send(engine, [die_event("web", "web_ctr")])
        time.sleep(1.0)  # read, its probe waiting for the debounce
    finally:
        assert w1.stop() == 0
    assert probes(cluster) == []
    w2 = _watch(cluster, engine, tmp_path, "w2")
    try:
        w2.wait_log(r"events connected again")
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
    finally:
        w2.stop()


def test_a_stream_cut_inside_a_document_is_a_reconnection_and_a_probe(fake_cluster, tmp_path):
    cluster, engine = fake_cluster
    w = _watch(cluster, engine, tmp_path, "w")
    try:
        w.wait_log(r"events connected")
        cluster.reset_calls()
        body = json.dumps(die_event("web", "web_ctr")).encode() + b"\n"
        half = f"{len(body):x}\r\n".encode() + body[: len(body) // 2]
        engine.containers[0]["State"] = "exited"
        with engine._lock:
            for conn in engine.streams:
                conn.sendall(half)
                conn.close()
            engine.streams = []
        text = w.wait_log(r"events connected again", timeout=10)
        assert "changed meanwhile: web_ctr" in text
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        assert "Traceback" not in w.text()
    finally:
        w.stop()


def test_an_engine_socket_replaced_under_a_live_stream_is_followed(fake_cluster, tmp_path):
    # A new engine took the socket's path while the old one still holds the watch's
    # stream open (and says nothing more): the watch must follow the path.
    cluster, engine = fake_cluster
    w = _watch(cluster, engine, tmp_path, "w")
    try:
        w.wait_log(r"events connected")
        cluster.reset_calls()
        os.unlink(engine.path)
        new = FakeEngine(tmp_path)
        cluster.engines.append(new)
        new.containers = [dict(WEB, State="exited")]
        text = w.wait_log(r"events connected again", timeout=15)
        assert "changed meanwhile: web_ctr" in text
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        assert new.subscribers() == 1
    finally:
        w.stop()


def test_the_saved_states_age_is_immune_to_the_wall_clock_stepping(tmp_path):
    # "A restart of the watch within catch_up (300 s) of its last save" compares with it:
    # the age is the time that passed, whatever the wall clock was set to meanwhile.
    from vxha.watch.service import Options, Watch

    state = tmp_path / "state"
    w = Watch(Options("n1", state_dir=str(state)), HaClient(runner=VCS().run), lambda *a: None, {})
    w.save()
    w._saved = json.loads((state / "watch.json").read_text())
    assert w._recent() is not None
    w._saved["saved"] += 3600  # the wall clock stepped back an hour since the save
    assert w._recent() is not None
    w._saved["saved"] -= 7200  # stepped forward an hour instead
    assert w._recent() is not None
    w._saved["saved"] = time.time()  # the wall clock says "just now", but 1000 s passed
    w._saved["uptime"] -= 1000
    assert w._recent() is None
    # a fresh save of another system's watch is no picture of this one's (its addresses,
    # mounts and containers are another node's)
    w.save()
    w._saved = json.loads((state / "watch.json").read_text())
    assert w._recent() is not None
    w._saved["system"] = "n2"
    assert w._recent() is None


def test_a_watch_started_before_its_engine_connects_when_it_comes(tmp_path):
    # "A broken event stream is reconnected after 0.2 s, then with back-off up to every
    # 5 s": the same for an engine that is not there yet.
    engine_dir = tmp_path / "later"
    engine_dir.mkdir()
    host = "unix://" + str(engine_dir / "fake.sock")
    mp = tmp_path / "mnt"
    mp.mkdir()
    cluster = Cluster(
        tmp_path, write_main_cf(tmp_path / "main.cf", str(mp), host, "unix:///nonexistent/p.sock")
    )
    engine = None
    w = WatchProc(None, cluster, tmp_path, "--engine", host, "--no-network", "--no-mounts")
    try:
        w.wait_log(r"engine .*fake\.sock: .*not reachable")
        time.sleep(3)
        engine = FakeEngine(engine_dir)
        engine.containers = [dict(WEB)]
        w.wait_log(r"events connected", timeout=5 + 2)
        cluster.reset_calls()
        engine.send([die_event("web", "web_ctr")])
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        assert w.text().count("not reachable") == 1  # said once, not at every try
    finally:
        w.stop()
        cluster.stop()
        if engine is not None:
            engine.close()


def test_once_that_ends_with_probes_still_to_make_keeps_the_last_save(tmp_path):
    # --once: "0 when every probe asked for was made"; a run that ends (its time limit)
    # with a probe still waiting for VCS must leave it to the next run, as the resident
    # watch does (docs/watch.md, "A restart of the watch").
    from vxha.watch.service import Options, Watch

    gone = "/vxha-test/gone"

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-display"]:
            if argv[argv.index("-type") + 1] != "CFSMount":
                return 0, "#Resource Attribute System Value\n", ""
            return (
                0,
                (
                    "#Resource Attribute System Value\n"
                    "m Group global g\nm Enabled global 1\n"
                    f"m MountPoint global {gone}\n"
                ),
                "",
            )
        if argv[:2] == ["hagrp", "-display"]:
            if "SystemList" in argv:
                return 0, "#Group Attribute System Value\ng SystemList global n1 0\n", ""
            return 0, "#Group Attribute System Value\ng Enabled global 1\n", ""
        return 1, "", "VCS ERROR V-16-1-10600 Cannot connect to VCS engine\n"  # the probe

    state = tmp_path / "state"
    opts = Options("n1", containers=False, network=False, state_dir=str(state), backoff=100.0)
    first = Watch(opts, HaClient(runner=runner), lambda *a: None, {})
    first.once(limit=1.0)  # records the mount table
    saved = json.loads((state / "watch.json").read_text())
    saved["mounts"][gone] = [["/dev/vx/dsk/dg/v", "vxfs", False]]  # mounted at that save
    (state / "watch.json").write_text(json.dumps(saved))
    logs = []
    second = Watch(opts, HaClient(runner=runner), lambda sev, t: logs.append(t), {})
    assert second.once(limit=1.0) == 1  # VCS did not take the probe
    assert any("probing m on n1 failed" in t for t in logs), logs
    assert json.loads((state / "watch.json").read_text())["mounts"].get(gone), (
        "the save that still has the mount, which the next run compares with, was replaced"
    )


def test_a_watch_log_line_is_one_line_whatever_the_engine_put_in_it():
    # a label value or an engine's error may hold line breaks or a terminal escape: the
    # watch's log (stderr, the journal: one entry per line) gets one line per message
    import io

    from vxha.cli.watch_cmd import make_log

    out = io.StringIO()
    log = make_log("info", out)
    log("info", "not probing: it names resource web\nctr\r\x1b[2J\u2028x")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith("it names resource web ctr \\x1b[2J x")


def test_an_event_the_engine_skipped_is_found_at_the_next_refresh(fake_cluster, tmp_path):
    # Docker gives each subscriber 100 ms to take an event, "or it will be skipped"
    # (moby daemon/events/events.go, PublishMessage): a death may never reach the watch.
    # The stream is renewed every --refresh seconds, with its comparison of containers.
    cluster, engine = fake_cluster
    w = _watch(cluster, engine, tmp_path, "w", "--refresh", "2")
    try:
        w.wait_log(r"events connected")
        cluster.reset_calls()
        engine.containers[0]["State"] = "exited"  # and no event: it was skipped
        assert settle_probes(cluster, 1, timeout=8) == [("web_ctr", SYSTEM)]
        time.sleep(4.5)  # two more renewals, nothing changed: nothing said at info level
        text = w.text()
        assert text.count("changed meanwhile: none") == 0, text
        assert probes(cluster) == [("web_ctr", SYSTEM)]
    finally:
        w.stop()


def test_a_state_directory_that_cannot_be_written_is_said_once(fake_cluster, tmp_path):
    # The watch goes on without its saved state (a restart then cannot catch up); the
    # journal is told once, not at every save (saves follow events, up to one a second).
    cluster, engine = fake_cluster
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    w = WatchProc(
        None, cluster, tmp_path, "--engine", engine.host, "--no-network", "--no-mounts",
        "--state-dir", str(blocker / "state"),
    )  # fmt: skip
    try:
        w.wait_log(r"events connected")
        for n in range(4):
            engine.send([die_event("stranger", None, n)])  # not vxha's: read, not probed
            time.sleep(1.2)
        text = w.text()
        assert text.count("could not save") == 1, text
        assert "Traceback" not in text
    finally:
        w.stop()


def test_a_probe_that_times_out_fails_the_rest_of_its_batch_without_waiting_again():
    # "Every ha command has --timeout (10) s": a VCS that let one probe time out is not
    # asked the next ones of the same batch, each for another 10 s; they are retried and
    # given up with it.
    from vxha.generators.hacli import HaError

    vcs = VCS(containers=[f"s{i}" for i in range(20)])
    clock = Clock()

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-probe"]:
            vcs.calls.append(list(argv))
            clock.now += 10.0
            raise HaError(argv, 124, "no answer within 10 s")
        return vcs.run(argv, timeout)

    logs = []
    view = ClusterView(HaClient(runner=runner), "n1", env={})
    d = Dispatcher(view, lambda sev, t: logs.append((sev, t)), clock=clock, attempts=3)
    run_until(d, clock, 0.05)
    d.note([died(f"s{i}_ctr") for i in range(20)])
    start = clock.now
    while d.busy() and clock.now - start < 2000:
        d.step()
        clock.now += 0.05
    assert not d.busy()
    assert len(vcs.probes()) == 3  # one per attempt, not 20 per attempt
    assert clock.now - start < 3 * 10 + 1 + 2 + 2
    assert d.given_up == 20


@pytest.mark.parametrize("code", [124, 126, 127])
def test_a_probe_vcs_did_not_answer_reads_no_configuration(code):
    # docs/watch.md, "VCS not answering": a command that did not answer (124), could not run
    # (126) or is missing (127) says nothing of the configuration: retried and given up,
    # never followed by a read of it (each read would cost another --timeout)
    from vxha.generators.hacli import HaError

    vcs = VCS()
    clock = Clock()

    def runner(argv, timeout):
        if argv[:2] == ["hares", "-probe"]:
            vcs.calls.append(list(argv))
            raise HaError(argv, code, "no answer")
        return vcs.run(argv, timeout)

    logs = []
    view = ClusterView(HaClient(runner=runner), "n1", env={})
    d = Dispatcher(view, lambda sev, t: logs.append((sev, t)), clock=clock, attempts=3)
    run_until(d, clock, 0.05)
    first = len(vcs.calls)  # the configuration, read at start
    d.note([died()])
    clock.now += 10  # the last read of the configuration is old: a refusal would read it
    run_until(d, clock, 10)
    assert (len(vcs.probes()), d.given_up) == (3, 1)
    assert [c for c in vcs.calls[first:] if "-type" in c or "SystemList" in c] == []


def test_an_engine_that_cannot_be_reached_is_tried_again_with_backoff(tmp_path):
    # docs/watch.md, "The engine restarting, or silent": reconnected after 0.2 s, then with
    # back-off up to every 5 s (a watch that retried every 0.2 s would spin on a dead engine)
    from vxha.watch.engines import EngineWatch

    clock = Clock()
    logs = []
    e = EngineWatch(f"unix://{tmp_path}/absent.sock", lambda sev, t: logs.append(t), clock)
    waits = []
    for _ in range(8):
        assert e.connect() == [] and not e.connected
        waits.append(round(e.next_try - clock.now, 3))
        clock.now = e.next_try
    assert waits == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    assert len(logs) == 1  # said once, not at every try


def test_a_name_reused_by_a_new_container_or_a_stranger(fake_cluster, tmp_path):
    # the Container agent replaced web's container (same name, new id): its death is a
    # probe again; a container not vxha's that took the name later is never one
    cluster, engine = fake_cluster
    w = _watch(cluster, engine, tmp_path, "w")
    try:
        w.wait_log(r"events connected")
        cluster.reset_calls()
        engine.send([die_event("web", "web_ctr")])
        assert settle_probes(cluster, 1) == [("web_ctr", SYSTEM)]
        again = die_event("web", "web_ctr", 1)
        again["id"] = again["Actor"]["ID"] = "web-id-2"
        engine.send([again])
        assert settle_probes(cluster, 2) == [("web_ctr", SYSTEM)] * 2
        stranger = die_event("web", None, 2)
        stranger["id"] = stranger["Actor"]["ID"] = "stranger-id"
        engine.send([stranger])
        assert settle_probes(cluster, 3, timeout=3) == [("web_ctr", SYSTEM)] * 2
    finally:
        w.stop()
