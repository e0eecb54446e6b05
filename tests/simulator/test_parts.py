"""The simulator's parts: events files, command values, link checks, daemon, CLI."""

from __future__ import annotations

import pytest
from sim_helpers import WEB, cf


def test_events_file_errors():
    from vxha.simulator.events import EventError, load

    with pytest.raises(EventError, match="unknown event 'explode'"):
        load("events:\n  - {at: 1, do: explode}\n")
    with pytest.raises(EventError, match="needs at: and do:"):
        load("- {do: crash}\n")
    with pytest.raises(EventError, match="needs at: and state:"):
        load("expect:\n  - {at: 1, group: g}\n")
    events, expect, duration, _ = load("- {at: 5, do: crash, system: n1}\n")
    assert (len(events), expect, duration) == (1, [], 5)


@pytest.mark.parametrize("limit", [None, 100_000])
def test_a_deeply_nested_events_file_is_named_whatever_the_recursion_limit(tmp_path, limit):
    """The answer must not depend on the interpreter's recursion limit, which a test runner
    may have raised (the no-traceback suite once read "not valid YAML" here)."""
    import sys

    from vxha.simulator.events import EventError, load

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000)
    before = sys.getrecursionlimit()
    try:
        if limit:
            sys.setrecursionlimit(limit)
        with pytest.raises(EventError, match=f"^{deep}: nested too deeply$"):
            load(str(deep))
    finally:
        sys.setrecursionlimit(before)


def test_link_checks(make_sim):
    body = WEB + (
        "group store (\n    SystemList = { n1 = 0, n2 = 1, n3 = 2 }\n"
        "    AutoStartList = { n2 }\n    Parallel = 1\n)\n    Dummy store_res (\n    )\n\n"
    )
    sim = make_sim(cf(["n1", "n2", "n3"], body)).start()
    e = sim.engine
    e.writable = True
    from vxha.simulator.engine import SimError

    with pytest.raises(SimError, match="hard dependency on a parallel group"):
        e.link_groups("web", "store", "online", "local", "hard")
    with pytest.raises(SimError, match="current states violate"):
        e.link_groups("web", "store", "online", "local", "firm")  # web on n1, store on n2
    e.link_groups("web", "store", "online", "global", "soft")
    with pytest.raises(SimError, match="cycle"):
        e.link_groups("store", "web", "online", "global", "soft")
    with pytest.raises(SimError, match="offline local"):
        e.link_groups("store", "web", "offline", "global", "soft")


def test_daemon_client(tmp_path):
    from vxha.simulator.api import Simulator
    from vxha.simulator.client import SimClient, SimClientError
    from vxha.simulator.daemon import Daemon

    sim = Simulator.from_text(cf(["n1", "n2", "n3"], WEB), tmp_path / "run").start()
    sock = str(tmp_path / "s.sock")
    daemon = Daemon(sim, sock).start_thread()
    try:
        client = SimClient(sock)
        assert client.now() == 0
        client.event("kill", resource="web_ctr", system="n1")
        assert client.advance(60) == 60
        assert client.states()["web"]["n2"] == "ONLINE"
        assert "web_ctr" in client.state_table()
        lines = client.transcript(since=0)
        assert lines[0] == "T+000000 n1 system RUNNING (start)"
        assert client.command(["hasys", "-state", "n1"])[0] == 0
        assert client.settle()["settled"] is True
        with pytest.raises(SimClientError, match="unknown request"):
            client._call("nonsense")
        client.stop()
    finally:
        daemon.stop()
    with pytest.raises(SimClientError, match="cannot connect"):
        SimClient(sock).now()


def test_vxha_sim_run(tmp_path, capsys):
    from vxha.cli.sim_cmd import main

    (tmp_path / "main.cf").write_text(cf(["n1", "n2", "n3"], WEB))
    (tmp_path / "ev.yaml").write_text(
        "events:\n  - {at: 100, do: crash, system: n1}\n"
        "expect:\n  - {at: 100, group: web, system: n2, state: ONLINE}\n"
    )
    code = main(
        [
            "sim",
            "run",
            str(tmp_path / "main.cf"),
            "--events",
            str(tmp_path / "ev.yaml"),
            "--run-dir",
            str(tmp_path / "run"),
            "--table",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "T+000100 n1 system RUNNING -> FAULTED (crash)" in out
    (tmp_path / "ev.yaml").write_text(
        "expect:\n  - {at: 10, group: web, system: n2, state: ONLINE}\n"
    )
    code = main(
        [
            "sim",
            "run",
            str(tmp_path / "main.cf"),
            "--events",
            str(tmp_path / "ev.yaml"),
            "--run-dir",
            str(tmp_path / "run2"),
        ]
    )
    assert code == 1
    assert "expected ONLINE, got OFFLINE" in capsys.readouterr().err


def test_vxha_sim_serve_as_a_process(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from vxha.simulator.client import SimClient

    (tmp_path / "main.cf").write_text(cf(["n1", "n2", "n3"], WEB))
    sock = tmp_path / "d.sock"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vxha.cli.main",
            "sim",
            "serve",
            str(tmp_path / "main.cf"),
            "--run-dir",
            str(tmp_path / "run"),
            "--socket",
            str(sock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == f"VXHA_SIM_SOCKET={sock}"
        client = SimClient(str(sock))
        assert client.command(["haconf", "-makerw"])[0] == 0
        assert (tmp_path / "run" / "conf" / ".stale").exists()
        assert client.command(["hagrp", "-modify", "web", "Priority", "2"])[0] == 0
        assert client.command(["haconf", "-dump", "-makero"])[0] == 0
        assert "Priority = 2" in (tmp_path / "run" / "conf" / "main.cf").read_text()
        assert not (tmp_path / "run" / "conf" / ".stale").exists()
        assert "Priority" not in (tmp_path / "main.cf").read_text()
        client.stop()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0
    assert not os.path.exists(sock)
    del time


def test_an_event_on_a_crashed_system_in_flight(make_sim):
    """A hung entry point on a system that crashes meanwhile is forgotten, not applied."""
    sim = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    sim.event("hang", resource="web_ctr", system="n1", args={"entry_point": "offline"})
    sim.event("switch", group="web", system="n2")
    sim.advance(5)
    sim.event("crash", system="n1")
    sim.advance(60)
    assert sim.group_state("web", "n2") == "ONLINE"
    assert sim.engine.settled()


def test_cli_talks_to_a_daemon_and_speed_runs_time(tmp_path, capsys):
    import time

    from vxha.cli.sim_cmd import main
    from vxha.simulator.api import Simulator
    from vxha.simulator.daemon import Daemon

    sim = Simulator.from_text(cf(["n1", "n2", "n3"], WEB), tmp_path / "run").start()
    sock = str(tmp_path / "c.sock")
    daemon = Daemon(sim, sock, speed=100).start_thread()
    try:
        time.sleep(0.5)
        assert main(["sim", "advance", "10", "--socket", sock]) == 0
        now = int(capsys.readouterr().out.strip()[2:])
        assert now >= 20  # 10 advanced plus what the speed ran by itself
        assert main(["sim", "event", "crash", "--system", "n1", "--socket", sock]) == 0
        assert main(["sim", "state", "--socket", sock]) == 0
        assert "FAULTED" in capsys.readouterr().out
        assert main(["sim", "transcript", "--since", "2", "--socket", sock]) == 0
        assert "n1 system RUNNING -> FAULTED (crash)" in capsys.readouterr().out
        assert main(["sim", "stop", "--socket", sock]) == 0
    finally:
        daemon.stop()
    assert main(["sim", "state", "--socket", sock]) == 1
