"""Contract tests: the installed Container launchers run as VCS runs them, on the fake driver."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from container_engines import BUSYBOX
from realtier import info_pairs

from vxha.agents.drivers.docker_fake import FakeDocker
from vxha.agents.framework import Context


def containers(fake):
    return fake.state.read().get("containers", {})


def test_round_trip(fake, fake_agent):
    a = fake_agent(Memory="4g", CPUs="2", Mounts={"/vx/web/data": "/data:ro"})
    assert a.monitor().code == 100
    r = a.online()
    assert r.code == 0 and "is online" in r.out
    c = containers(fake)[a.resource]
    assert c["state"] == "running"
    assert c["labels"]["vxha.resource"] == a.resource
    assert c["labels"]["vxha.type"] == "Container"
    assert c["spec"]["init"] is True
    assert c["spec"]["memory"] == 4 << 30 and c["spec"]["cpus"] == 2.0
    assert c["spec"]["mounts"] == [{"source": "/vx/web/data", "target": "/data", "read_only": True}]
    assert a.monitor().code == 110
    assert fake.container_address(a.resource) == c["address"]
    assert a.offline().code == 0
    assert a.resource not in containers(fake)
    assert a.monitor().code == 100
    assert a.clean().code == 0


def test_name_attribute_and_default(fake, fake_agent):
    a = fake_agent(resource="web_ctr")
    assert a.online().code == 0
    assert "web_ctr" in containers(fake)
    b = fake_agent(resource="db_ctr", RuntimeName="db")
    assert b.online().code == 0
    assert "db" in containers(fake)


def test_old_name_attribute_is_read_with_a_warning(fake, fake_agent):
    """`Name` is a VCS reserved word: the attribute is RuntimeName now, and argv built from
    an older ContainerTypes.cf (a tuple `Name 1 db`) still names the container."""
    a = fake_agent(resource="db_ctr")
    argv = ["db_ctr", "Name", "1", "db", "Image", "1", BUSYBOX, "AEPTimeout", "1", "10"]
    proc = subprocess.run(
        [f"{a.bin}/online", *argv], env=a.env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout
    assert "db" in containers(fake) and "db_ctr" not in containers(fake)
    assert "attribute Name is now RuntimeName" in proc.stdout


def test_info_tells_what_the_engine_says_and_fails_with_its_words(fake, fake_agent, tmp_path):
    """info's ResourceInfo pairs (docs/container.md "info"); an engine that does not answer
    is an error naming the container, not an invented answer nor an internal error."""
    a = fake_agent()
    a.env["VCS_HOME"] = str(tmp_path)  # no hares: the pairs are printed only
    assert info_pairs(a.run("info").out) == {"State": "absent", "Engine": "fake://"}
    assert a.online().code == 0
    r = a.run("info")
    assert r.code == 0, r.out
    got = info_pairs(r.out)
    assert got["ID"] == containers(fake)[a.resource]["id"][:12]
    assert (got["State"], got["Image"], got["Health"]) == ("running", BUSYBOX, "none")
    (fake.node / "faults.json").write_text(json.dumps({"docker.inspect": {"mode": "unavailable"}}))
    r = a.run("info")
    assert (r.code, r.out) == (1, "")
    log = (fake.node / "log" / "Container_A.log").read_text()
    assert f"{a.resource}:info:inspecting {a.resource}: " in log
    assert "internal error" not in log


def test_ocf_tester_sequence(fake, fake_agent):
    a = fake_agent()
    assert [a.online().code, a.online().code, a.monitor().code] == [0, 0, 110]
    assert [a.offline().code, a.offline().code, a.monitor().code] == [0, 0, 100]
    assert [a.clean().code, a.clean().code] == [0, 0]


def test_killed_from_outside(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    fake.kill_outside(a.resource)
    assert a.monitor().code == 100
    assert a.clean().code == 0
    assert a.resource not in containers(fake)


def test_health_cmd_only_when_configured(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    assert a.monitor().code == 110
    assert fake.exec_count(a.resource) == 0  # no exec at all without HealthCmd
    b = fake_agent(HealthCmd="/bin/check")
    assert b.online().code == 0
    assert b.monitor().code == 110
    n = fake.exec_count(b.resource)
    fake.set_exec(b.resource, "/bin/check", code=2, output="db down")
    r = b.monitor()
    assert r.code == 100 and "HealthCmd exited with 2: db down" in r.out
    assert fake.exec_count(b.resource) == n + 1
    fake.set_exec(b.resource, "/bin/check", seconds=30)
    r = b.monitor(HealthTimeout=1)
    assert r.code == 100 and "did not finish within 1 s" in r.out and r.elapsed < 4


def test_image_health(fake, fake_agent):
    fake.add_image("local/health:1", healthcheck=True, health="healthy")
    a = fake_agent(Image="local/health:1", UseImageHealth=1)
    assert a.online().code == 0
    assert a.monitor().code == 110
    fake.set_health(a.resource, "unhealthy")
    r = a.monitor()
    assert r.code == 100 and "reports unhealthy" in r.out
    fake.set_health(a.resource, "starting")
    r = a.monitor()
    assert r.code == 100 and "reports starting" in r.out
    # without UseImageHealth the image's check is disabled and not read
    b = fake_agent(Image="local/health:1")
    assert b.online().code == 0
    assert containers(fake)[b.resource]["spec"]["image_health"] is False
    assert b.monitor().code == 110


def test_online_waits_for_health_then_gives_up_and_cleans_up(fake, fake_agent):
    fake.add_image("local/slow:1", healthcheck=True, health="starting")
    a = fake_agent(Image="local/slow:1", UseImageHealth=1)
    r = a.online(aep=4)
    assert r.code == 1 and "not ready in time: the image's health check reports starting" in r.out
    assert a.resource not in containers(fake)
    assert a.monitor().code == 100


def test_startup_cmds(fake, fake_agent):
    a = fake_agent(StartupCmds=["init-db", "load-data"])
    assert a.online().code == 0
    assert fake.exec_count(a.resource) == 2
    assert a.online().code == 0  # already running: not run again
    assert fake.exec_count(a.resource) == 2


def test_privileged_and_a_start_refused(fake, fake_agent):
    a = fake_agent(Privileged=1)
    (fake.node / "faults.json").write_text(
        json.dumps({"docker.start": {"mode": "error", "message": "unable to apply caps"}})
    )
    r = a.online()
    assert r.code == 1 and "unable to apply caps" in r.out
    assert a.resource not in containers(fake)  # created, refused to start: removed again
    (fake.node / "faults.json").unlink()
    assert a.online().code == 0
    assert containers(fake)[a.resource]["spec"]["privileged"] is True


def test_failing_startup_cmd_takes_the_container_down(fake, fake_agent):
    a = fake_agent(StartupCmds=["load-data"])
    (fake.node / "faults.json").write_text(
        json.dumps({"docker.exec": {"mode": "error", "message": "OCI runtime exec failed"}})
    )
    r = a.online()
    assert r.code == 1 and "OCI runtime exec failed" in r.out
    assert a.resource not in containers(fake)


def _engine_fault(fake, mode):
    (fake.node / "faults.json").write_text(json.dumps({"docker.*": {"mode": mode}}))


# DECISIONS.md 8, docs/container.md "Engine outages": (engine, main process recorded at
# online, that process afterwards) -> monitor's exit code and the line it logs.
OUTAGES = [
    ("unavailable", True, "alive", 110, "runs: online"),
    ("unavailable", True, "killed", 100, "is gone: offline"),
    ("unavailable", False, None, 100, "no main process of"),
    ("hang", True, "alive", 110, "runs: online"),
    ("hang", True, "killed", 100, "is gone: offline"),
    ("hang", False, None, 99, "no main process of"),
    ("error", True, "alive", 99, "state unknown"),
]


@pytest.mark.parametrize("mode,recorded,process,code,line", OUTAGES)
def test_monitor_during_an_engine_outage(fake, fake_agent, mode, recorded, process, code, line):
    a = fake_agent()
    if recorded:
        assert a.online().code == 0
    else:  # running, but not brought online by this system's agent: nothing recorded
        fake.create(a.resource, {"image": BUSYBOX, "labels": {"vxha.resource": a.resource}}, 5)
        fake.start(a.resource, 5)
    _engine_fault(fake, mode)
    if process == "killed":
        fake.kill_outside(a.resource)  # the host sees it die; no engine involved
    no_answer = mode == "hang" and not recorded
    r = a.monitor(aep=1 if no_answer else 3)
    assert r.code == code, r
    assert line in r.out, r.out
    if no_answer:  # a hang reaches VCS as a hang: 99 only 5 s after its timeout
        assert "no answer given" in r.out and r.elapsed >= 5.5
    elif mode == "hang":
        assert r.elapsed < 3.0  # answered from the process, within MonitorTimeout
    (fake.node / "faults.json").unlink()
    assert a.monitor().code == (100 if process == "killed" else 110)


@pytest.mark.parametrize("mode", ["unavailable", "hang"])
def test_clean_without_engine_kills_the_recorded_process(fake, fake_agent, mode):
    a = fake_agent()
    assert a.online().code == 0
    record = fake.node / "state" / f"Container.{a.resource}.proc"
    assert record.exists()
    _engine_fault(fake, mode)
    r = a.clean(aep=4)
    assert r.code == 0, r
    assert "killed" in r.out
    assert containers(fake)[a.resource]["state"] == "exited"  # the host killed it
    r = a.monitor(aep=3)  # the record stays: its process is gone
    assert r.code == 100 and "is gone: offline" in r.out, r
    assert a.clean().code == 0  # again: nothing left to kill


def test_clean_without_engine_and_nothing_recorded_fails(fake, fake_agent):
    a = fake_agent()
    fake.create(a.resource, {"image": BUSYBOX, "labels": {"vxha.resource": a.resource}}, 5)
    fake.start(a.resource, 5)
    _engine_fault(fake, "unavailable")
    r = a.clean()
    assert r.code == 1 and "cannot tell whether it runs" in r.out
    assert containers(fake)[a.resource]["state"] == "running"


def test_the_record_outlives_its_process(fake, fake_agent):
    """After offline the record stays: with the engine gone, monitor still knows the last
    main process started here is gone (OFFLINE), and clean has nothing to kill (0)."""
    a = fake_agent()
    record = fake.node / "state" / f"Container.{a.resource}.proc"
    assert a.online().code == 0
    pid = containers(fake)[a.resource]["pid"]
    assert record.read_text().split()[0] == str(pid)
    assert a.offline().code == 0
    assert record.read_text().split()[0] == str(pid)
    for mode in ("unavailable", "hang"):
        _engine_fault(fake, mode)
        r = a.monitor(aep=3)
        assert r.code == 100 and f"main process {pid} of" in r.out, r
        assert a.clean(aep=3).code == 0
    (fake.node / "faults.json").unlink()
    assert a.online().code == 0
    assert record.read_text().split()[0] == str(containers(fake)[a.resource]["pid"]) != str(pid)


def test_monitor_follows_a_restart_outside_vcs(fake, fake_agent):
    a = fake_agent()
    record = fake.node / "state" / f"Container.{a.resource}.proc"
    assert a.online().code == 0
    first = record.read_text()
    fake.kill_outside(a.resource)
    fake.start(a.resource, 5)  # `docker start` by hand: a new main process
    assert a.monitor().code == 110
    assert record.read_text() != first
    assert record.read_text().split()[0] == str(containers(fake)[a.resource]["pid"])


def test_clean_reports_failure_until_verifiably_gone(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    fake.stick_removal(a.resource)
    r = a.clean(aep=3)
    assert r.code == 1 and "removal of container" in r.out
    assert containers(fake)[a.resource]["state"] == "removing"
    fake.stick_removal(a.resource, False)
    assert a.clean().code == 0
    assert a.resource not in containers(fake)


def test_clean_preempts_a_hung_online(fake, fake_agent):
    a = fake_agent()
    (fake.node / "faults.json").write_text(json.dumps({"docker.start": {"mode": "hang"}}))
    proc = subprocess.Popen(
        [f"{a.bin}/online", *_argv(a, "online", aep=30)],
        env=a.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        end = time.monotonic() + 10
        while a.resource not in containers(fake):
            assert time.monotonic() < end
            time.sleep(0.05)
        (fake.node / "faults.json").unlink()
        r = a.clean(reason=2)
        assert r.code == 0, r
        assert a.resource not in containers(fake)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        proc.wait()


def _argv(a, ep, aep):
    from container_helpers import DECL

    from vxha.agents.framework import build_argv

    return build_argv(DECL, a.resource, a.values, ep, aep_timeout=aep)


def test_foreign_container_is_never_touched(fake, fake_agent):
    a = fake_agent()
    fake.run_foreign(a.resource, BUSYBOX, labels={"vxha.resource": "other_ctr"})
    r = a.online()
    assert r.code == 1 and "resource other_ctr's, not" in r.out and "attribute RuntimeName" in r.out
    r = a.monitor()
    assert r.code == 100 and "left untouched" in r.out
    assert a.monitor().out == ""  # once
    assert a.offline().code == 0
    assert a.clean().code == 0
    c = containers(fake)[a.resource]
    assert c["state"] == "running" and c["labels"] == {"vxha.resource": "other_ctr"}


def test_image_presence_and_pull(fake, fake_agent):
    a = fake_agent(Image="registry.example.com/app:2")
    r = a.online()
    assert r.code == 1 and "is not present on this system and AllowPull is 0" in r.out
    assert containers(fake) == {}
    fake.add_registry_image("registry.example.com/app:2")
    r = a.online(AllowPull=1)
    assert r.code == 0 and "pulling image registry.example.com/app:2" in r.out


def test_offline_waits_stop_timeout_for_a_term_ignoring_container(fake, fake_agent):
    a = fake_agent(StopTimeout=1)
    assert a.online().code == 0
    fake.ignore_term(a.resource)
    r = a.offline()
    assert r.code == 0 and 0.9 < r.elapsed < 5
    assert a.resource not in containers(fake)


def test_offline_stop_timeout_fits_the_entry_point_deadline(fake, fake_agent):
    a = fake_agent(StopTimeout=60)
    assert a.online().code == 0
    fake.ignore_term(a.resource)
    r = a.offline(aep=5)
    assert r.code == 0 and "StopTimeout 60 s shortened" in r.out and r.elapsed < 5


def test_reuse(fake, fake_agent):
    a = fake_agent(Reuse=1)
    assert a.online().code == 0
    first = containers(fake)[a.resource]["id"]
    assert a.offline().code == 0
    assert containers(fake)[a.resource]["state"] == "exited"
    assert a.online().code == 0
    assert containers(fake)[a.resource]["id"] == first
    assert a.offline().code == 0
    assert a.online(Hostname="changed").code == 0
    assert containers(fake)[a.resource]["id"] != first


def test_paused_container(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    fake.pause_outside(a.resource)
    r = a.monitor()
    assert r.code == 100 and "is paused" in r.out
    assert a.offline().code == 0
    assert a.resource not in containers(fake)


BAD = [
    ({"Image": "local/busy box:1"}, "Image", "contains white space"),
    ({"Image": "-rm"}, "Image", "starts with '-'"),
    ({"Image": ""}, "Image", "no image given"),
    ({"Mounts": {"data": "/data"}}, "Mounts", "host path 'data' is not an absolute path"),
    ({"Mounts": {"/vx/../etc": "/data"}}, "Mounts", "contains '..'"),
    ({"Mounts": {"/vx//web/": "/data"}}, "Mounts", "is not normalized"),
    ({"Mounts": {"/vx/web": "data"}}, "Mounts", "container path 'data' is not an absolute"),
    ({"Env": {"A B": "x"}}, "Env", "is not a variable name"),
    ({"Memory": "12XB"}, "Memory", "'12XB' is not a size"),
    ({"Memory": "1k"}, "Memory", "minimum of 6m"),
    ({"CPUs": "two"}, "CPUs", "not a positive number"),
    ({"Labels": {"vxha.resource": "x"}}, "Labels", "vxha.* labels are the agent's own"),
    ({"DockerHost": "/var/run/docker.sock"}, "DockerHost", "is not an engine socket"),
    ({"RuntimeName": "-x"}, "RuntimeName", "is not a container name"),
    ({"Hostname": "bad_host!"}, "Hostname", "is not a host name"),
    ({"HealthTimeout": 0}, "HealthTimeout", "not a positive number"),
    ({"StartupCmds": [" "]}, "StartupCmds", "an empty command"),
]


@pytest.mark.parametrize("values,attr,text", BAD, ids=[b[2] for b in BAD])
def test_bad_input(fake, fake_agent, values, attr, text):
    a = fake_agent(**values)
    for ep, code in (("online", 1), ("monitor", 99), ("offline", 1), ("clean", 1)):
        r = a.run(ep, reason=4 if ep == "clean" else None)
        assert r.code == code, (ep, r)
        assert f"attribute {attr}: " in r.out and text in r.out, r.out
    assert containers(fake) == {}


def test_fake_state_is_shared_between_processes(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    other = FakeDocker(Context(dict(fake.env)))
    assert other.inspect(a.resource, timeout=1)["state"] == "running"


def test_any_image_for_simulations(fake, fake_agent):
    fake.allow_any_image()
    a = fake_agent(Image="vendor/app:7")
    assert a.online().code == 0
    assert a.monitor().code == 110
