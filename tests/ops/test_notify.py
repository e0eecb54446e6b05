"""A server's admin is told of its groups' faults and failovers through the groups' own
triggers (TriggerPath / TriggersEnabled): in the simulator, which calls the triggers as VCS
does, and with the installed trigger script sending to an SMTP sink on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from ops_cluster import Cluster, generate
from smtp_sink import Sink

from vxha.agents import notify
from vxha.agents.install import install_triggers
from vxha.simulator.api import Simulator
from vxha.vcs_types import triggers

ADMIN = "ops@vxdemo.example"  # auth1's admin_email in the example profiles


def mail(run_dir):
    """(system, message) of every message the simulated nodes sent, oldest first."""
    out = []
    for system in sorted(os.listdir(run_dir)):
        if os.path.isdir(os.path.join(run_dir, system, "mail")):
            out += [(system, m) for m in notify.outbox(os.path.join(run_dir, system))]
    return out


def online_on(sim, group):
    return [s for s, v in sim.states()[group].items() if v == "ONLINE"]


@pytest.fixture
def sim(tmp_path):
    s = Simulator.from_file(generate(str(tmp_path / "main.cf")), tmp_path / "run")
    s.start()
    s.advance(600)
    s.settle()
    return s


def test_a_fault_mails_the_servers_admin_once_and_the_failover_follows(sim):
    first = online_on(sim, "auth1")[0]
    before = len(mail(sim.run_dir))
    # RestartLimit 1: the first death is restarted in place, the second faults.
    for _ in range(2):
        sim.event("container_dies", resource="auth1_ctr", system=first)
        sim.advance(600)
        sim.settle()
    then = online_on(sim, "auth1")
    assert then and then != [first]
    sent = mail(sim.run_dir)[before:]
    auth = [(s, m) for s, m in sent if m["Subject"].startswith("vxha: auth1:")]
    fault = [(s, m) for s, m in auth if "resource auth1_ctr faulted" in m["Subject"]]
    assert len(fault) == 1
    system, m = fault[0]
    assert system == first  # VCS calls a trigger on the system where the event happened
    assert m["To"] == ADMIN
    assert m["Subject"] == f"vxha: auth1: resource auth1_ctr faulted on {first} (it was ONLINE)"
    body = m.get_content()
    assert "Server:   auth1" in body and f"System:   {first}" in body
    assert "Resource: auth1_ctr (was ONLINE)" in body
    subjects = [m["Subject"] for _, m in auth]
    assert f"vxha: auth1: group auth1 went offline on {first}" in subjects
    assert subjects[-1] == f"vxha: auth1: group auth1 is online on {then[0]}"
    assert all(m["To"] == ADMIN for _, m in auth)
    # The trigger calls are in the transcript, once each.
    lines = [line for line in sim.transcript.lines if " trigger resfault " in line]
    assert [line.split(" ", 2)[2] for line in lines] == [
        f"auth1 trigger resfault {first} auth1_ctr ONLINE",
        f"auth1 trigger resfault {first} auth1_pf ONLINE",
    ]


def test_a_server_without_an_admin_address_sends_nothing(sim):
    where = online_on(sim, "db1")[0]
    before = len(mail(sim.run_dir))
    sim.event("kill", resource="db1_ip", system=where)
    sim.advance(600)
    sim.settle()
    assert not any("db1" in m["Subject"] for _, m in mail(sim.run_dir)[before:])
    assert not any(" db1 trigger " in line for line in sim.transcript.lines)


NOFAILOVER = """include "types.cf"
cluster lab ( )
system n1 ( )
system n2 ( )
group solo (
    SystemList = {{ n1 = 0 }}
    AutoStartList = {{ n1 }}
    UserStrGlobal = "{marker}"
    TriggerPath = "{path}"
    TriggersEnabled = {{ {enabled} }}
    )
    Dummy solo_res (
    )
"""


def one_group(tmp_path, enabled, path=triggers.TRIGGER_PATH):
    text = NOFAILOVER.format(
        marker=triggers.marker("solo", ["a@x.example", "b@x.example"]), path=path, enabled=enabled
    )
    s = Simulator.from_text(text, tmp_path / "run").start()
    s.advance(300)
    s.settle()
    return s


def test_nofailover_runs_on_the_lowest_running_system_naming_the_last_one(tmp_path):
    s = one_group(tmp_path, "NOFAILOVER, RESFAULT")
    s.event("kill", resource="solo_res", system="n1")
    s.advance(300)
    s.settle()
    sent = mail(s.run_dir)
    assert [(system, m["Subject"]) for system, m in sent] == [
        ("n1", "vxha: solo: resource solo_res faulted on n1 (it was ONLINE)"),
        ("n1", "vxha: solo: group solo cannot fail over (last tried on n1)"),
    ]
    assert {m["To"] for _, m in sent} == {"a@x.example, b@x.example"}
    # POSTONLINE is not enabled here: the start sent nothing.


def test_only_the_triggers_enabled_run_and_only_vxhas_path_is_run(tmp_path):
    s = one_group(tmp_path, "POSTOFFLINE", path="bin/sometriggers")
    s.event("kill", resource="solo_res", system="n1")
    s.advance(300)
    s.settle()
    assert mail(s.run_dir) == []
    called = [line for line in s.transcript.lines if " trigger " in line]
    assert [line.split(" ", 2)[2] for line in called] == [
        "solo trigger postoffline n1 solo (bin/sometriggers)"
    ]


# -- the trigger's pieces --------------------------------------------------------------------


def test_trigger_arguments_with_or_without_the_trigger_type():
    want = {"system": "n1", "resource": "db1_ctr", "previous_state": "ONLINE"}
    assert notify.parse("resfault", ["0", "n1", "db1_ctr", "ONLINE"]) == want
    assert notify.parse("resfault", ["n1", "db1_ctr", "ONLINE"]) == want
    assert notify.parse("postonline", ["n2", "db1"]) == {"system": "n2", "group": "db1"}
    with pytest.raises(notify.NotifyError, match="expected system group"):
        notify.parse("postonline", ["n2"])
    # one word too many is dropped only when it is a trigger type (0 custom, 1 internal)
    with pytest.raises(notify.NotifyError) as refused:
        notify.parse("postonline", ["n1", "n2", "db1"])
    assert str(refused.value) == "postonline: expected system group, got n1 n2 db1"
    with pytest.raises(notify.NotifyError, match="unknown trigger"):
        notify.parse("sysoffline", ["n2"])


def test_recipients_travel_in_the_marker():
    assert triggers.marker("db1") == "vxha:server=db1"
    tag = triggers.marker("db1", ["a@x", "b@y"])
    assert tag == "vxha:server=db1;notify=a@x,b@y"
    assert triggers.recipients(tag) == ["a@x", "b@y"]
    assert triggers.recipients("vxha:server=db1") == []
    # an admin's own UserStrGlobal is not vxha's marker, whatever fields it has
    assert triggers.recipients("billing;notify=a@x") == []
    assert triggers.recipients("owner=ops;notify=a@x,b@y") == []
    from vxha.generators.ownership import server_of
    from vxha.vcs_types.model import Group

    assert server_of(Group("db1", attrs={"UserStrGlobal": tag})) == "db1"


def test_a_group_without_the_marker_names_no_server_and_no_one():
    """Only the vxha marker names a server (DECISIONS.md 3): an admin's own text in
    UserStrGlobal is not read as one."""
    values = {
        ("hares", "-value", "app_ip", "Group"): "app\n",
        ("hagrp", "-value", "app", "UserStrGlobal"): "owner=operations-team\n",
    }
    event = notify.resolve(
        "resfault",
        {"system": "n1", "resource": "app_ip", "previous_state": "ONLINE"},
        lambda argv: values[tuple(argv)],
    )
    assert (event["group"], event["server"], event["recipients"]) == ("app", "", [])


def test_the_smtp_configuration_and_its_errors(tmp_path):
    conf = tmp_path / "notify.conf"
    assert notify.read_conf(str(conf)) == notify.DEFAULTS  # absent: the defaults
    conf.write_text("# the relay\nhost = relay.example\nport = 2525  # submission\n")
    got = notify.read_conf(str(conf))
    assert (got["host"], got["port"], got["timeout"]) == ("relay.example", "2525", "10")
    conf.write_text("host = relay\nrelay = yes\n")
    with pytest.raises(notify.NotifyError, match=r"notify.conf:2: expected KEY = VALUE"):
        notify.read_conf(str(conf))
    conf.write_text("port = smtp\n")
    with pytest.raises(notify.NotifyError, match="port = 'smtp' is not a positive"):
        notify.read_conf(str(conf))
    # a whole number that is not positive: no port 0, and no conversation without a deadline
    for key in ("port", "timeout"):
        conf.write_text(f"{key} = 0\n")
        with pytest.raises(notify.NotifyError) as refused:
            notify.read_conf(str(conf))
        assert str(refused.value) == f"{conf}: {key} = '0' is not a positive whole number"


# -- real tier: the installed trigger, as VCS runs it, to an SMTP sink on loopback ------------


@pytest.fixture
def served(tmp_path):
    c = Cluster(tmp_path, generate(str(tmp_path / "main.cf")))
    yield c
    c.stop()


@pytest.mark.real
def test_real_installed_trigger_sends_one_message_through_the_nodes_smtp(served, tmp_path):
    from email import message_from_bytes
    from email.policy import default

    root = tmp_path / "root"
    install_triggers(str(root), sys.executable)
    script = root / "opt/VRTSvcs" / triggers.TRIGGER_PATH / "resfault" / triggers.SCRIPT
    assert script.read_text().startswith(f"#!{sys.executable} -I\n")
    sink = Sink()
    try:
        conf = tmp_path / "notify.conf"
        conf.write_text(f"host = 127.0.0.1\nport = {sink.port}\nfrom = vxha@n1.vxdemo.example\n")
        env = {k: v for k, v in served.env.items() if k not in ("VXHA_DRIVERS", "VXHA_NODE_DIR")}
        env.update(VXHA_NOTIFY_CONF=str(conf), VXHA_LOG_DIR=str(tmp_path / "log"))
        # As VCS runs it: the trigger type first, then the trigger's arguments.
        proc = subprocess.run(
            [str(script), "0", "n1", "auth1_ctr", "ONLINE"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert len(sink.messages) == 1
        sender, rcpts, content = sink.messages[0]
        assert sender == "vxha@n1.vxdemo.example" and rcpts == [ADMIN]
        m = message_from_bytes(content, policy=default)
        assert m["Subject"] == "vxha: auth1: resource auth1_ctr faulted on n1 (it was ONLINE)"
        # A group without recipients: nothing sent, and that is no failure.
        proc = subprocess.run(
            [str(root / "opt/VRTSvcs" / triggers.TRIGGER_PATH / "postonline" / triggers.SCRIPT),
             "0", "n2", "db1"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 0 and len(sink.messages) == 1
    finally:
        sink.stop()
    # The relay is gone: the trigger gives up within its timeout and says why in its log.
    start = time.monotonic()
    proc = subprocess.run(
        [str(script), "0", "n1", "auth1_ctr", "ONLINE"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1 and time.monotonic() - start < 30
    log = (tmp_path / "log" / "vxha_notify_A.log").read_text()
    assert "not sent: SMTP 127.0.0.1" in log


def test_maintenance_on_and_off_tell_the_servers_admin(served, tmp_path):
    sink = Sink()
    try:
        served.env["VXHA_NOTIFY_CONF"] = sink.conf(tmp_path)
        systems = sorted(served.value("auth1", "SystemList").split()[::2])
        r = served.vxha("maintenance", "on", "auth1", "--reason", "disk swap", "--yes")
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"told {ADMIN}" in r.stdout
        (sent,) = sink.received()
        assert sent["To"] == ADMIN
        assert sent["Subject"] == f"vxha: auth1: in maintenance on {', '.join(systems)}"
        assert "(disk swap)" in sent.get_content()
        r = served.vxha("maintenance", "off", "auth1", "--sys", systems[0], "--yes")
        assert r.returncode == 0, r.stdout + r.stderr
        assert sink.received()[1]["Subject"] == f"vxha: auth1: maintenance over on {systems[0]}"
        # off again where maintenance is already over ends nothing: nobody is told again
        r = served.vxha("maintenance", "off", "auth1", "--sys", systems[0], "--yes")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(sink.messages) == 2 and "told" not in r.stdout, r.stdout
        # A server without an admin address: no message, and that is no failure.
        r = served.vxha("maintenance", "on", "db1", "--yes")
        assert r.returncode == 0 and len(sink.messages) == 2
    finally:
        sink.stop()
    # The relay is gone: the maintenance still changes, the admin is not told, it says so.
    r = served.vxha("maintenance", "off", "auth1", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"note: could not tell {ADMIN}: SMTP 127.0.0.1:{sink.port}" in r.stderr
    assert served.value("auth1", "Enabled", systems[-1]) == "1"
