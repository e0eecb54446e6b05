"""Contract tests of the entry points beyond the four (info, action, attr_changed), of
argv tuples a type does not declare, of halog logging and of level-two monitoring, through
the installed launchers as VCS runs them."""

from __future__ import annotations

import os
import subprocess

import pytest

from vxha.agents.framework import Context, build_argv, execute
from vxha.vcs_types.catalog import project_type

DUMMY = project_type("Dummy")


@pytest.fixture
def run(agent_root, node_dir):
    def run(ep, argv, env=None):
        launcher = agent_root / "opt/VRTSvcs/bin/Dummy" / ep
        return subprocess.run(
            [str(launcher), *argv], capture_output=True, text=True, timeout=30, env=env
        )

    return run


def log_of(node_dir):
    path = node_dir / "log" / "Dummy_A.log"
    return path.read_text().splitlines() if path.exists() else []


# -- info ---------------------------------------------------------------------------------


def test_info_prints_its_resourceinfo_pairs(run):
    """Agent Developer's Guide 9.0, "Syntax for the info script": info <res> <resinfo_op>
    <ArgList>; what it prints on success becomes ResourceInfo's Msg."""
    assert run("online", build_argv(DUMMY, "r", {"Str": "s"}, "online")).returncode == 0
    for op in (1, 2):
        p = run("info", build_argv(DUMMY, "r", {"Str": "s p"}, "info", resinfo_op=op))
        assert p.returncode == 0, p.stdout
        assert p.stdout == "Online=1\nStr=s p\n"


def test_info_without_resinfo_op_fails(run, node_dir):
    p = run("info", build_argv(DUMMY, "r", {}, "monitor"))
    assert p.returncode == 1
    assert "info needs resinfo_op 1 or 2" in p.stderr


def test_info_stdout_holds_its_pairs_and_nothing_else(run):
    """A successful info's stdout becomes ResourceInfo's Msg (Agent Developer's Guide 9.0,
    "About the ResourceInfo attribute"): its log lines, here the one about a tuple the
    type does not declare (VCS adds ContainerInfo where containers are configured), go to
    stderr."""
    argv = build_argv(DUMMY, "r", {"Str": "s"}, "info") + ["ContainerInfo", "0"]
    p = run("info", argv)
    assert (p.returncode, p.stdout) == (0, "Online=0\nStr=s\n")
    assert "argv tuple ContainerInfo (0 values) is not an attribute" in p.stderr


def test_info_sets_resourceinfo_keys_with_hares_where_vcs_is(run, node_dir, vcs_command):
    env, calls = vcs_command("hares")
    p = run("info", build_argv(DUMMY, "r", {"Str": "x"}, "info", resinfo_op=1), env)
    assert p.returncode == 0
    assert calls.read_text().splitlines() == [
        "-modify|r|ResourceInfo|-add|Online|0|",
        "-modify|r|ResourceInfo|-add|Str|x|",
    ]
    calls.unlink()
    run("info", build_argv(DUMMY, "r", {"Str": "x"}, "info", resinfo_op=2), env)
    assert "|-update|" in calls.read_text()


# -- action ---------------------------------------------------------------------------------


def test_action_runs_from_its_token_launcher(agent_root, node_dir):
    """Agent Developer's Guide, "About the action entry point": one script per token in
    the agent's actions directory; resource, ArgList, then the count of action arguments
    and the arguments; 0 success, 1 failure; at most 2048 bytes of output kept."""
    echo = agent_root / "opt/VRTSvcs/bin/Dummy/actions/echo"
    argv = build_argv(DUMMY, "r", {}, "action", action_args=["hello", "big world"])
    p = subprocess.run([str(echo), *argv], capture_output=True, text=True, timeout=30)
    assert (p.returncode, p.stdout) == (0, "hello big world")
    long = build_argv(DUMMY, "r", {}, "action", action_args=["x" * 5000])
    p = subprocess.run([str(echo), *long], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and len(p.stdout) == 2048
    failing = build_argv(DUMMY, "r", {"Fail": ["action"]}, "action")
    p = subprocess.run([str(echo), *failing], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "action told to fail" in p.stdout


# -- attr_changed -----------------------------------------------------------------------------


def test_attr_changed_is_told_and_its_exit_is_zero(run, node_dir):
    """attr_changed <res> <changed res> <changed attr> <new value> (5.0MP3 guide, "Syntax
    for the attr_changed script"); VCS ignores its exit value."""
    p = run("attr_changed", ["r", "r", "Str", "new value"])
    assert p.returncode == 0
    assert log_of(node_dir)[-1].endswith("Dummy:r:attr_changed:r.Str is now new value")


@pytest.mark.parametrize(
    "type_name, attr",
    [("HostIP", "Address"), ("PortForward", "Ports"), ("CFSMount", "MountPoint")],
)
def test_a_restart_requiring_attribute_change_is_reported(node_dir, type_name, attr):
    decl = project_type(type_name)
    assert attr in decl.static("RegList")
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    out = execute(type_name, "attr_changed", ["x", "x", attr, "new"], env, True)
    assert out.code == 0
    assert f"attribute {attr} is now 'new'" in out.lines[-1]
    assert "until it is taken offline and brought online again" in out.lines[-1]
    other = execute(type_name, "attr_changed", ["x", "y", attr, "new"], env, True)
    assert other.lines == []  # another resource's change is not this one's


# -- argv tuples the type does not declare -------------------------------------------------------


def test_an_unknown_tuple_is_accepted_and_logged_once_across_processes(run, node_dir):
    extra = ["ContainerInfo", "3", "Name", "z1", "1"]
    assert run("online", build_argv(DUMMY, "r", {}, "online") + extra).returncode == 0
    for _ in range(2):
        assert run("monitor", build_argv(DUMMY, "r", {}) + extra).returncode == 110
    assert run("clean", build_argv(DUMMY, "r", {}, "clean", 4) + extra).returncode == 0
    said = [line for line in log_of(node_dir) if "ContainerInfo" in line]
    assert len(said) == 1 and "not an attribute of type Dummy here: ignored" in said[0]
    second = ["Newer", "1", "x"]
    assert run("monitor", build_argv(DUMMY, "r", {}) + extra + second).returncode == 100
    assert sum("Newer" in line for line in log_of(node_dir)) == 1


def test_an_undocumented_clean_reason_is_logged_and_clean_runs(run, node_dir):
    assert run("online", build_argv(DUMMY, "r", {}, "online")).returncode == 0
    argv = build_argv(DUMMY, "r", {}, "clean", 4)
    argv[1] = "9"
    p = run("clean", argv)
    assert p.returncode == 0
    assert "clean reason '9' is not one VCS documents (0-5): treated as 5" in p.stdout
    assert run("monitor", build_argv(DUMMY, "r", {})).returncode == 100


# -- halog ----------------------------------------------------------------------------------


def test_lines_go_through_halog_where_logviahalog_is_set(run, node_dir, vcs_command):
    """Administrator's Guide 7.0, "Log unification of VCS agent's entry points": with
    LogViaHalog = 1 a script entry point's lines go to the engine log through halog."""
    env, calls = vcs_command("halog")
    argv = build_argv(DUMMY, "r", {"Fail": ["online"]}, "online") + ["LogViaHalog", "1", "1"]
    assert run("online", argv, env).returncode == 1
    (call,) = calls.read_text().splitlines()
    assert call.startswith("-add|Dummy:r:online:online told to fail by attribute Fail|-sev|E|")
    assert "|-msgid|10004|" in call
    assert log_of(node_dir) == []
    # halog absent: the agent log keeps the line.
    os.unlink(os.path.join(env["VCS_HOME"], "bin", "halog"))
    assert run("online", argv, env).returncode == 1
    assert "online told to fail" in log_of(node_dir)[-1]


# -- level-two monitoring ---------------------------------------------------------------------


def _level_two(node_dir, env_extra=None, freq=None):
    from vxha.agents.framework import Resource

    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir), **(env_extra or {})}
    decl = project_type("CFSMount")
    values = {"LevelTwoMonitorFreq": freq} if freq is not None else {}
    res = Resource("m", decl, "monitor", values, Context(env, True), 1e12)
    return res.level_two()


def test_level_two_every_levelTwoMonitorFreq_th_monitor(node_dir):
    """The 9.0 guide's LevelTwoMonitorFreq: detail monitoring every N monitor cycles."""
    assert [_level_two(node_dir, freq=3) for _ in range(6)] == [False, False, True] * 2
    assert [_level_two(node_dir, freq=0) for _ in range(3)] == [False] * 3
    assert project_type("CFSMount").static("LevelTwoMonitorFreq") == 1
    assert all(_level_two(node_dir) for _ in range(3))


def test_level_two_as_vcs_tells_a_script_monitor(node_dir):
    """VCSAG_GET_MONITOR_LEVEL leaves the answer in VCSAG_MONITOR_LEVEL_TWO (7.3 and 9.0
    guides): when it is there it decides."""
    assert _level_two(node_dir, {"VCSAG_MONITOR_LEVEL_TWO": "0"}, freq=1) is False
    assert _level_two(node_dir, {"VCSAG_MONITOR_LEVEL_TWO": "2"}, freq=0) is True


def test_cfsmount_probes_only_at_level_two(node_dir):
    from vxha.agents.drivers.mounts_fake import FakeMounts

    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    fake = FakeMounts(Context(env, True))
    values = {"MountPoint": "/vx/a", "BlockDevice": "/dev/vx/dsk/dg/a", "SecondLevelMonitor": 1}
    fake.create_device(values["BlockDevice"])
    decl = project_type("CFSMount")
    assert (
        execute("CFSMount", "online", build_argv(decl, "m", values, "online"), env, True).code == 0
    )
    (node_dir / "faults.json").write_text('{"mounts.probe": {"mode": "hang"}}')
    quiet = dict(env, VCSAG_MONITOR_LEVEL_TWO="0")
    assert execute("CFSMount", "monitor", build_argv(decl, "m", values), quiet, True).code == 110
    hung = execute("CFSMount", "monitor", build_argv(decl, "m", values), env, True)
    assert hung.timed_out
