"""apply as a plan against the simulator's shims: stopped at every step in turn, then
resumed to the same end as an uninterrupted run, or undone to the start; a restart the
admin asked for that uses up no RestartLimit; confirmation and the removal threshold."""

from __future__ import annotations

import json
import os

import pexpect
import pytest
from ops_cluster import VXHA, Cluster, generate
from test_ownership import write_profiles

from vxha.generators import diff as D
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf

# dedup_cloud1 gets another host port and more memory: its PortForward and Container are
# restarted, in order, and nothing else changes.
EDITS = {"dedup_cloud1": [("host: 11102", "host: 11103"), ("memory: 16GiB", "memory: 20GiB")]}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plans")
    c = Cluster(tmp, generate(str(tmp / "old.cf")))
    folder = write_profiles(tmp / "edited", None, EDITS)
    c.new = generate(str(tmp / "new.cf"), servers=[str(folder)])
    c.old = str(tmp / "old.cf")
    yield c
    c.stop()


def server_state(c: Cluster, server="dedup_cloud1"):
    """What an apply changes of one server: its saved groups (as VCS holds them: a value
    written "10082" or 10082 is one value) and where each of its groups and resources is
    up."""
    saved = D.normalize(cf.parse(c.saved(), "main.cf"))
    groups = {g.name: g for g in saved.groups if f"vxha:server={server}" in str(g.attrs)}
    out = c.run("hares", "-state", check=True).stdout
    up = sorted(
        line.split()[0] + "@" + line.split()[2]
        for line in out.splitlines()
        if line.startswith(server) and line.split()[3] == "ONLINE"
    )
    return groups, up, sorted((g, tuple(sorted(c.online_on(g)))) for g in groups)


def command_steps(c: Cluster, main_cf):
    plan = json.loads(c.vxha("apply", main_cf, "--dry-run", "--json", check=True).stdout)
    return [
        (i + 1, " ".join(s["argv"])) for i, s in enumerate(plan["steps"]) if s["kind"] == "command"
    ]


def test_a_plan_stopped_at_any_step_resumes_to_the_same_end_or_undoes_to_the_start(served):
    c = served
    start = server_state(c)
    steps = command_steps(c, c.new)
    assert [line for _, line in steps][:2] == [
        "hares -offline dedup_cloud1_pf -sys n2",
        "hares -offline dedup_cloud1_ctr -sys n2",
    ]
    assert len(steps) == 7
    c.vxha("apply", c.new, "--yes", check=True)
    end = server_state(c)
    assert end != start
    assert end[0]["dedup_cloud1"].resource("dedup_cloud1_ctr").attrs["Memory"] == "20480m"
    c.vxha("apply", "--undo", "--yes", check=True)
    assert server_state(c) == start

    # every step in turn, and the configuration session's own commands
    steps = [(0, "haconf -makerw")] + steps + [(7, "haconf -dump -makero")]
    for n, (number, line) in enumerate(steps):
        c.fail(line)
        stopped = c.vxha("apply", c.new, "--yes")
        assert stopped.returncode == 1, line
        if number == 0:
            assert "stopped before the first step" in stopped.stderr
        elif line.startswith("haconf -dump"):
            assert f"stopped after step {number} of 11" in stopped.stderr
        else:
            assert f"stopped at step {number} of 11" in stopped.stderr
        assert "vxha apply --resume" in stopped.stderr
        assert "V-16-1-10369" in c.run("haconf", "-dump", "-makero").stderr  # read-only
        if n % 2:
            undone = c.vxha("apply", "--undo", "--yes")
            assert undone.returncode == 0, undone.stdout + undone.stderr
            assert server_state(c) == start, f"undo after a stop at {line}"
            continue
        resumed = c.vxha("apply", "--resume", "--yes")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert server_state(c) == end, f"resume after a stop at {line}"
        c.vxha("apply", "--undo", "--yes", check=True)
        assert server_state(c) == start


def test_a_new_plan_waits_for_the_stopped_one(served):
    c = served
    c.fail("hares -modify dedup_cloud1_ctr Memory 20480m")
    assert c.vxha("apply", c.new, "--yes").returncode == 1
    again = c.vxha("apply", c.new, "--yes")
    assert again.returncode == 1
    assert "stopped halfway" in again.stderr and "--resume" in again.stderr
    # --dry-run shows a plan and stops (docs/operations.md, "Show"): a new plan's, or what
    # --resume would run; neither is refused, and nothing changes
    before = server_state(c)
    assert c.vxha("apply", c.new, "--dry-run").returncode == 0
    shown = c.vxha("apply", "--resume", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("resuming vxha apply at step ")
    assert server_state(c) == before
    # the stopped plan is resumed by its own command only
    other = c.vxha("delete", "--resume", "--yes")
    assert (other.returncode, other.stderr) == (
        1,
        "vxha: the plan that stopped is a 'vxha apply': run that with --resume\n",
    )
    assert server_state(c) == before
    c.vxha("apply", "--undo", "--yes", check=True)
    # the last plan (the undo) finished: nothing is left to resume
    late = c.vxha("apply", "--resume", "--yes")
    assert (late.returncode, late.stderr) == (
        1,
        "vxha: there is no plan to resume: the last one finished (or none was run)\n",
    )


def test_a_restart_asked_for_uses_up_no_restart_limit(served):
    c = served
    since = len(c.vxha("sim", "transcript", check=True).stdout.splitlines())
    where = c.online_on("dedup_cloud1")
    c.vxha("apply", c.new, "--yes", check=True)
    c.advance(300)
    lines = c.vxha("sim", "transcript", "--since", str(since), check=True).stdout
    pf = [x for x in lines.splitlines() if "dedup_cloud1_pf" in x]
    assert pf and not any("restart" in x or "(monitor)" in x or "FAULTED" in x for x in pf)
    # the one restart PortForward allows is still there when the rules really go
    c.event("kill", resource="dedup_cloud1_pf", system=where[0])
    c.advance(120)
    lines = c.vxha("sim", "transcript", "--since", str(since), check=True).stdout
    assert "dedup_cloud1_pf restart 1/1" in lines
    assert c.online_on("dedup_cloud1") == where
    c.vxha("apply", "--undo", "--yes", check=True)


def test_a_plan_that_stops_services_asks_first(served):
    c = served
    before = server_state(c)
    refused = c.vxha("apply", c.new)  # no terminal, no --yes
    assert refused.returncode == 1
    assert "confirm at a terminal, or pass --yes" in refused.stderr
    assert "nothing was changed" in refused.stderr
    child = pexpect.spawn(VXHA, ["apply", c.new], env=c.env, encoding="utf-8", timeout=120)
    child.expect(r"Proceed\? \[y/N\] ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert server_state(c) == before


def test_removing_every_server_or_too_many_is_refused(served, tmp_path):
    c = served
    empty = tmp_path / "empty"
    empty.mkdir()
    gen = c.vxha("generate", "--cluster", os.path.join(EXAMPLES, "cluster.yaml"), str(empty))
    assert gen.returncode == 1 and "no server profile" in gen.stderr
    few = generate(str(tmp_path / "few.cf"), only=("auth1", "nbu_master1"))
    refused = c.vxha("apply", few, "--yes")
    assert refused.returncode == 1
    assert "removes 5 servers" in refused.stderr and "--force" in refused.stderr
    one = generate(str(tmp_path / "one.cf"), only=("auth1", "nbu_master1", "db1", "nbu_media1"))
    shown = c.vxha("apply", one, "--dry-run", check=True).stdout
    assert "removes dedup_cloud1, dedup_disk1, nbu_mediafc1" in shown
    forced = c.vxha("apply", few, "--dry-run", "--force", check=True).stdout
    assert "hagrp -delete db1" in forced
