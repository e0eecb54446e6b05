"""vxha sim on bad input: a message and exit 2, no traceback, nothing changed; events that
name nothing known; the NICs a configuration names; why a placement skipped a system."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sim_helpers import WEB, cf

VXHA = [sys.executable, "-m", "vxha.cli.main"]


def vxha(*args, **kw):
    p = subprocess.run(VXHA + list(args), capture_output=True, text=True, timeout=60, **kw)
    assert "Traceback" not in p.stderr, p.stderr
    return p


@pytest.fixture
def served(tmp_path):
    from vxha.simulator.api import Simulator
    from vxha.simulator.daemon import Daemon

    sim = Simulator.from_text(cf(["n1", "n2", "n3"], WEB), tmp_path / "run").start()
    sock = str(tmp_path / "s.sock")
    daemon = Daemon(sim, sock).start_thread()
    sim.sock = sock
    yield sim
    daemon.stop()


@pytest.mark.parametrize(
    "content, why",
    [
        (None, "no such file"),
        ("cluster (\n", "main.cf:"),
        (cf(["n1"], "group g (\n    SystemList = { n1 = 0 }\n    Paralel = 1\n)\n"), "Parallel?"),
    ],
    ids=["missing", "broken", "fails-verify"],
)
@pytest.mark.parametrize("action", ["run", "serve"])
def test_run_and_serve_refuse_a_main_cf_they_cannot_simulate(tmp_path, action, content, why):
    main_cf = tmp_path / "main.cf"
    if content is not None:
        main_cf.write_text(content)
    p = vxha("sim", action, str(main_cf), "--run-dir", str(tmp_path / "run"))
    assert p.returncode == 2
    assert why in p.stderr


def test_shims_into_a_place_that_is_not_a_directory(tmp_path):
    p = vxha("sim", "shims", "/dev/null")
    assert p.returncode == 2 and "cannot write the shims" in p.stderr


def test_transcript_into_a_closed_pipe(served):
    served.advance(600)
    proc = subprocess.Popen(
        VXHA + ["sim", "transcript", "--socket", served.sock],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.read(10)
    proc.stdout.close()  # `| head -c 10`
    err = proc.stderr.read().decode()
    proc.wait(timeout=30)
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert proc.returncode == 0


@pytest.mark.parametrize(
    "args, why",
    [
        (["blahblah"], "unknown event 'blahblah'"),
        (["crash"], "crash needs system"),
        (["crash", "--system", "n9"], "no system named 'n9'"),
        (["kill", "--resource", "web_ctr"], "kill needs system"),
        (["kill", "--resource", "nope", "--system", "n1"], "no resource named 'nope'"),
        (["online", "--group", "nope"], "no group named 'nope'"),
        (["fail-command"], "fail-command needs match"),
        (["fail-command", "--match", "hares -delete x", "--times", "0"], "times is a positive"),
        (["hang", "--resource", "web_ctr", "--system", "n1", "--args", "{"], "not JSON"),
        (
            ["hang", "--resource", "web_ctr", "--system", "n1", "--args", '{"entry_point": "x"}'],
            "entry_point is one of",
        ),
    ],
)
def test_an_event_naming_nothing_known_is_an_error_that_changes_nothing(served, args, why):
    before = list(served.transcript.lines)
    p = vxha("sim", "event", *args, "--socket", served.sock)
    assert p.returncode == 2, p.stderr
    assert why in p.stderr
    assert served.transcript.lines == before
    assert served.engine.command_faults == []


def test_an_event_that_cannot_happen_is_not_logged(make_sim):
    from vxha.simulator.events import EventError

    sim = make_sim(cf(["n1", "n2"], WEB.replace(", n3 = 2", ""))).start()
    sim.event("crash", system="n2")
    lines = len(sim.transcript)
    with pytest.raises(EventError, match="already down"):
        sim.event("crash", system="n2")
    with pytest.raises(EventError, match="already running"):
        sim.event("restart", system="n1")
    assert len(sim.transcript) == lines


def test_fail_command_from_the_cli(served, tmp_path):
    p = vxha("sim", "event", "fail-command", "--match", "hagrp -switch", "--times", "2",
             "--socket", served.sock)  # fmt: skip
    assert p.returncode == 0, p.stderr
    for _ in range(2):
        code, _, err = served.command(["hagrp", "-switch", "web", "-to", "n2"])
        assert code == 1 and "fail-command" in err
    assert served.group_state("web", "n1") == "ONLINE"
    assert served.command(["hagrp", "-switch", "web", "-to", "n2"])[0] == 0


NIC_SITE = """group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    HostIP app_ip (
        Device @n1 = ens192
        Device @n2 = ens224
        Address = "10.0.0.20"
        PrefixLen = 24
    )

"""


def test_nics_come_from_the_configuration(make_sim):
    """A site whose NICs are ens192/ens224: HostIP comes online, and fails over to the
    other system's NIC; eth0 exists nowhere the configuration names NICs."""
    sim = make_sim(cf(["n1", "n2"], NIC_SITE).replace("DummyTypes", "HostIPTypes")).start()
    sim.settle()
    assert sim.resource_state("app_ip", "n1") == "ONLINE"
    links = _links(sim, "n1")
    assert "ens192" in links and "eth0" not in links
    sim.event("crash", system="n1")
    sim.settle()
    assert sim.resource_state("app_ip", "n2") == "ONLINE"
    assert "ens224" in _links(sim, "n2")


def _links(sim, system):
    import json

    with open(os.path.join(sim.run_dir, system, "addresses.json")) as f:
        return json.load(f)["links"]


def test_skip_reasons_match_the_candidate_filter(make_sim):
    """why.skip_reason is None exactly where Engine.eligible holds, in varied states."""
    from vxha.simulator import why

    body = WEB + (
        "group db (\n    SystemList = { n1 = 0, n2 = 1, n3 = 2 }\n    AutoStartList = { n2 }\n)\n"
        "    Dummy db_res (\n    )\n    requires group web online local firm\n"
    )
    sim = make_sim(cf(["n1", "n2", "n3"], body)).start()
    sim.settle()
    e = sim.engine

    def agree():
        for g in e.groups.values():
            for s in list(e.systems) + ["nowhere"]:
                assert (why.skip_reason(e, g, s) is None) == e.eligible(g, s), (g.name, s)

    agree()
    sim.command(["hasys", "-freeze", "n2"])
    agree()
    sim.event("kill", resource="web_ctr", system="n1")
    sim.advance(300)
    agree()
    sim.event("crash", system="n3")
    e.writable = True
    e.disable_group("db", "n1")
    agree()
    want = (
        "- db autostart waits: n1 not in AutoStartList; n2 requires group web online local "
        "firm; n3 requires group web online local firm"
    )
    assert want in sim.transcript.text()


@pytest.mark.parametrize(
    "events, why",
    [
        ("events: 7\n", "events: a list of entries, not int 7"),
        ("expect: {a: 1}\n", "expect: a list of entries, not dict"),
        ("events: [{at: x, do: crash, system: n1}]\n", "events[0]: at: whole seconds, not 'x'"),
        ("events: [{at: 1, do: [crash]}]\n", "events[0]: unknown event ['crash']"),
        ("events: []\nduration: [1]\n", "duration: whole seconds, not [1]"),
    ],
)
def test_an_events_file_of_the_wrong_shape_is_named_with_what_is_wrong(tmp_path, events, why):
    # each was a TypeError or ValueError out of the loader ("internal error")
    (tmp_path / "main.cf").write_text(cf(["n1", "n2"], WEB.replace(", n3 = 2", "")))
    (tmp_path / "ev.yaml").write_text(events)
    p = vxha("sim", "run", str(tmp_path / "main.cf"), "--events", str(tmp_path / "ev.yaml"),
             "--run-dir", str(tmp_path / "run"))  # fmt: skip
    assert p.returncode == 2, p.stderr
    assert "internal error" not in p.stderr
    assert f"{tmp_path / 'ev.yaml'}: {why}" in p.stderr
