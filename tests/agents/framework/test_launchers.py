"""Contract tests: installed launchers run as processes with argv exactly as VCS builds it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest
from monitor_imports import heavy

from vxha.agents.drivers.proc import alive
from vxha.agents.framework import build_argv
from vxha.agents.install import NO_SITE, entry_point_body, install_agents, launcher_script
from vxha.vcs_types.catalog import PROJECT_TYPES, project_type

DUMMY = project_type("Dummy")
LOG_LINE = re.compile(
    r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d VCS (ERROR|WARNING|NOTICE|INFO) V-16-10000-\d+ "
    r"Dummy:(?P<res>[^:]+):(?P<ep>\w+):(?P<text>.*)$"
)


@pytest.fixture(scope="module")
def agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    install_agents(str(root), sys.executable, ["Dummy", *PROJECT_TYPES])
    return root


@pytest.fixture
def run(agent_root, node_dir):
    def run(ep, argv, timeout=30):
        launcher = agent_root / "opt/VRTSvcs/bin/Dummy" / ep
        return subprocess.run(
            [str(launcher), *argv], capture_output=True, text=True, timeout=timeout
        )

    return run


def test_install_lays_out_entry_points_and_agent_link(agent_root):
    four = ("online", "offline", "monitor", "clean")
    expected = {t: four + ("info", "attr_changed") for t in ("Dummy", *PROJECT_TYPES)}
    expected["Container"] = four + ("info",)
    for t, eps in expected.items():
        d = agent_root / "opt/VRTSvcs/bin" / t
        assert sorted(p.name for p in d.iterdir() if p.is_file() and not p.is_symlink()) == sorted(
            eps
        )
        for ep in eps:
            path = d / ep
            assert os.access(path, os.X_OK), path
            assert path.read_text().startswith(f"#!{sys.executable} -I\n")
        assert os.readlink(d / f"{t}Agent") == "../Script51Agent"
    echo = agent_root / "opt/VRTSvcs/bin/Dummy/actions/echo"
    assert os.access(echo, os.X_OK)
    assert echo.read_text().endswith("main('Dummy', 'action', 'echo')\n")


def test_a_regular_install_gets_launchers_without_the_site_module(regular_install, node_dir):
    """DECISIONS.md 1: -IS, and the launcher puts the install's site directory on
    sys.path itself; the monitor runs as through any launcher."""
    python, site = regular_install.python, regular_install.site
    launcher = regular_install.launcher("Dummy", "monitor")
    lines = open(launcher).read().splitlines()
    assert lines[0] == f"#!{python} -IS"
    assert f"_s = {site!r}" in lines and "sys.path.append(_s)" in lines
    argv = build_argv(DUMMY, "r1", {}, "monitor", aep_timeout=10)
    assert subprocess.run([launcher, *argv], timeout=30).returncode == 100
    online = regular_install.launcher("Dummy", "online")
    assert subprocess.run([online, *build_argv(DUMMY, "r1", {}, "online")],
                          timeout=30).returncode == 0  # fmt: skip
    assert subprocess.run([launcher, *argv], timeout=30).returncode == 110


def test_the_no_op_monitor_imports_only_what_it_needs(regular_install, node_dir):
    """The framework's path: no re, json, enum, subprocess, socket or os (their costs:
    docs/framework.md, "What a monitor imports")."""
    env = dict(os.environ)
    for ep, code in (("online", 0), ("monitor", 110)):
        argv = build_argv(DUMMY, "lean", {}, ep, aep_timeout=10)
        got, names = regular_install.imports("Dummy", ep, argv, env)
        assert got == code
    assert "vxha.agents.framework" in names and "vxha.agents.dummy" in names
    assert heavy(names) == []


def test_a_packaged_launcher_finds_its_site_without_os(regular_install, node_dir):
    """The packages' launchers (packaging/build.py): the installed site directory on the
    monitor's path costs no os import; a tree unpacked elsewhere (dpkg -x) finds the site
    directory relative to the launcher, through os."""
    env = dict(os.environ)
    argv = build_argv(DUMMY, "packed", {}, "monitor", aep_timeout=10)
    body = entry_point_body("Dummy", "monitor")
    installed = "/opt/VRTSvcs/bin/Dummy/monitor"
    # The venv's parent plays the root the tree was unpacked into: its site directory is
    # /venv/lib/pythonX.Y/site-packages there, a path absent from this machine.
    unpacked = os.path.dirname(regular_install.site.rsplit("/venv/", 1)[0] + "/venv")
    elsewhere = "/" + os.path.relpath(regular_install.site, unpacked)
    assert not os.path.exists(elsewhere)
    for site, imports_os in ((regular_install.site, False), (elsewhere, True)):
        launcher = unpacked + installed
        os.makedirs(os.path.dirname(launcher), exist_ok=True)
        with open(launcher, "w") as f:
            f.write(launcher_script(regular_install.python, NO_SITE, site, body, "t", installed))
        os.chmod(launcher, 0o755)
        code, names = regular_install.imports_of(launcher, argv, env)
        assert code == 100
        assert "vxha.agents.dummy" in names
        assert ("os" in names) == imports_os, site


def test_install_agents_command(tmp_path):
    vxha = os.path.join(os.path.dirname(sys.executable), "vxha")
    out = subprocess.run(
        [vxha, "install-agents", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert str(tmp_path / "opt/VRTSvcs/bin/Container/monitor") in out
    assert (tmp_path / "opt/VRTSvcs/bin/CFSMount/CFSMountAgent").is_symlink()


AWKWARD = {
    "Str": 'a "quoted" value with spaces,\nnewlines, unicode \u00e9\u4e2d and \\backslash',
    "Int": -12,
    "Flag": 1,
    "Vec": ["-leading-dash", "", "two words", "--", "\u00fcml"],
    "Keys": [],
    "Assoc": {"-k": "", "K 2": "v=2", "\u00e9": "\n"},
    "Delay": 0,
    "Fail": [],
    "Child": 0,
}


def test_values_of_every_dimension_reach_the_agent_intact(run, node_dir):
    argv = build_argv(DUMMY, "r1", AWKWARD, "online", aep_timeout=10)
    proc = run("online", argv)
    assert proc.returncode == 0, proc.stdout
    assert json.loads((node_dir / "state" / "Dummy.r1").read_text()) == AWKWARD
    assert run("monitor", build_argv(DUMMY, "r1", AWKWARD)).returncode == 110
    clean = run("clean", build_argv(DUMMY, "r1", AWKWARD, "clean", reason=4))
    assert clean.returncode == 0
    assert run("monitor", build_argv(DUMMY, "r1", AWKWARD)).returncode == 100


def test_empty_vectors_associations_and_strings(run, node_dir):
    values = {"Str": "", "Vec": [], "Keys": [], "Assoc": {}}
    argv = build_argv(DUMMY, "r2", values, "online")
    assert argv[1:4] == ["Str", "1", ""]
    assert "Vec 0 Keys 0 Assoc 0" in " ".join(argv)
    assert run("online", argv).returncode == 0
    state = json.loads((node_dir / "state" / "Dummy.r2").read_text())
    assert (state["Str"], state["Vec"], state["Assoc"]) == ("", [], {})


@pytest.mark.parametrize(
    "argv, attr",
    [
        (["r1", "Str"], "Str"),
        (["r1", "Vec", "4", "a", "b"], "Vec"),
        (["r1", "Int", "1", "1.5"], "Int"),
        (["r1", "Flag", "1", "2"], "Flag"),
    ],
)
@pytest.mark.parametrize("ep, code", [("monitor", 99), ("online", 1), ("offline", 1)])
def test_malformed_argv_gives_the_contract_code_and_one_readable_line(
    run, node_dir, argv, attr, ep, code
):
    proc = run(ep, argv)
    assert proc.returncode == code
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    m = LOG_LINE.match(lines[0])
    assert m and m["ep"] == ep and m["text"].startswith(f"attribute {attr}: ")
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (node_dir / "state" / "Dummy.r1").exists()
    log = (node_dir / "log" / "Dummy_A.log").read_text().splitlines()
    assert log[-1] == lines[0]


def test_clean_with_malformed_argv_exits_1(run):
    proc = run("clean", ["r1", "4", "Int", "1", "x"])
    assert proc.returncode == 1
    assert "attribute Int: integer expected" in proc.stdout


def _children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:
                out.append(int(entry))
    return out


def _hung_monitor(agent_root, timeout):
    argv = build_argv(DUMMY, "slow", {"Delay": 60000, "Child": 1}, "monitor", aep_timeout=timeout)
    launcher = agent_root / "opt/VRTSvcs/bin/Dummy/monitor"
    p = subprocess.Popen([str(launcher), *argv], stdout=subprocess.PIPE, text=True)
    for _ in range(200):
        kids = _children_of(p.pid)
        if kids:
            return p, kids
        time.sleep(0.01)
    p.kill()
    pytest.fail("the monitor never started its child")


def test_a_hang_reaches_vcs_as_a_hang(agent_root, node_dir):
    """DECISIONS.md 8: at its deadline the entry point ends its children and logs one
    line but gives no answer; nobody killing it, it exits with 99 5 s after its timeout."""
    start = time.monotonic()
    p, kids = _hung_monitor(agent_root, 2)
    try:
        log = node_dir / "log" / "Dummy_A.log"
        for _ in range(400):
            if log.exists() and "did not finish by its deadline" in log.read_text():
                break
            time.sleep(0.01)
        else:
            pytest.fail("no line at the deadline")
        assert p.poll() is None, "the hung monitor answered"
        time.sleep(0.2)
        assert not any(alive(k) for k in kids), "the monitor's child outlived its deadline"
        assert p.wait(timeout=15) == 99
        assert time.monotonic() - start >= 2 + 5 - 0.3
        lines = log.read_text().splitlines()
        assert len(lines) == 1 and "VCS's MonitorTimeout (2 s) decides" in lines[0]
    finally:
        p.kill()
        p.wait()


def test_killed_at_its_timeout_a_hung_entry_point_leaves_no_child(agent_root, node_dir):
    p, kids = _hung_monitor(agent_root, 2)
    time.sleep(2.0)  # VCS's agent framework kills the entry point at its timeout
    p.kill()
    p.wait()
    time.sleep(0.2)
    assert not any(alive(k) for k in kids)


def test_clean_stops_a_hung_online_holding_the_resource(agent_root, run, node_dir):
    launcher = agent_root / "opt/VRTSvcs/bin/Dummy/online"
    hung = subprocess.Popen(
        [str(launcher), *build_argv(DUMMY, "h", {"Delay": 60000}, "online", aep_timeout=120)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lock = node_dir / "lock" / "Dummy.h.lock"
        for _ in range(200):
            if lock.exists() and lock.read_text().strip() == str(hung.pid):
                break
            time.sleep(0.02)
        else:
            pytest.fail("online never took the resource lock")
        start = time.monotonic()
        proc = run("clean", build_argv(DUMMY, "h", {}, "clean", reason=2, aep_timeout=10))
        assert proc.returncode == 0, proc.stdout
        assert time.monotonic() - start < 5
        assert hung.wait(timeout=5) != 0
        assert f"stopping entry point process {hung.pid}" in proc.stdout
    finally:
        hung.kill()
        hung.wait()


def test_second_entry_point_waits_for_the_first(agent_root, run, node_dir):
    launcher = agent_root / "opt/VRTSvcs/bin/Dummy/online"
    first = subprocess.Popen(
        [str(launcher), *build_argv(DUMMY, "w", {"Delay": 700}, "online", aep_timeout=10)]
    )
    try:
        time.sleep(0.3)
        monitor = run("monitor", build_argv(DUMMY, "w", {}, "monitor", aep_timeout=10))
        # It waited for online to finish, so it sees the resource online.
        assert monitor.returncode == 110
    finally:
        first.wait(timeout=10)


def test_failed_agent_method_is_one_logged_error(run):
    proc = run("online", build_argv(DUMMY, "f", {"Fail": ["online"]}, "online"))
    assert proc.returncode == 1
    assert proc.stdout.count("\n") == 1
    assert "online told to fail by attribute Fail" in proc.stdout


def test_install_agents_refuses_an_interpreter_that_cannot_import_vxha(tmp_path):
    vxha = os.path.join(os.path.dirname(sys.executable), "vxha")
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\nexit 1\n")
    fake_python.chmod(0o755)
    (tmp_path / "r").mkdir()  # install-agents refuses a root that is not a directory
    proc = subprocess.run(
        [vxha, "install-agents", "--root", str(tmp_path / "r"), "--python", str(fake_python)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "cannot import vxha" in proc.stderr
    assert not (tmp_path / "r" / "opt").exists()
