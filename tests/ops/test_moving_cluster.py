"""Plans against a cluster that moves under them: another admin's session, a command that
was killed, two commands at once. Each expectation is written from docs/operations.md
("Configuration sessions", "Plans") before the run."""

from __future__ import annotations

import argparse

import pytest

from vxha.cli import ops_cmd
from vxha.generators.plan import PlanRefused


class View:
    editing = True
    path = "/etc/VRTSvcs/conf/config/main.cf"


def test_resume_after_a_killed_run_names_its_own_open_session_as_the_way_out():
    """A vxha apply killed (SIGKILL, a crash) inside its configuration session never
    closed it, and its journal still says "running". --resume must refuse the open
    configuration (it cannot tell it from another admin's), and say that it may be the
    killed command's own session and how to close it; it said only that someone is
    editing, and the admin, alone on the cluster, had no way on."""
    args = argparse.Namespace(join=False, dry_run=False)
    with pytest.raises(PlanRefused) as err:
        ops_cmd._refuse_editing(View(), args, "apply")
    text = str(err.value)
    assert "the last plan (vxha apply) never recorded its end" in text
    assert "save it (haconf -dump -makero) and run this again" in text
    assert text.endswith("nothing was changed")
    # a plan that ended (stopped or done) says nothing of it: the session is someone's
    with pytest.raises(PlanRefused) as err:
        ops_cmd._refuse_editing(View(), args)
    assert "never recorded its end" not in str(err.value)


HOLDER = """
import sys, time
from vxha.generators import plan as P
P.Journal(sys.argv[1]).save({"plan": {"command": "apply"}, "status": ["done", "pending"],
                             "state": "running"})
print("ready", flush=True)
time.sleep(60)
"""


def test_a_second_command_from_the_same_node_is_refused_while_a_plan_runs(tmp_path):
    """Two vxha commands at once on one node: the second used to plan, then write its own
    journal and start.cf over the running plan's (an --undo of the first then went back
    to the wrong configuration) and, once the first had closed its session, change the
    cluster between the first's steps. It is refused before it changes anything, naming
    the running one (docs/operations.md, Plans, "Journal")."""
    import subprocess
    import sys

    from vxha.generators import plan as P

    state = str(tmp_path / "state")
    first = subprocess.Popen(
        [sys.executable, "-c", HOLDER, state], stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout.readline().strip() == "ready"
        second = P.Journal(state)
        with pytest.raises(PlanRefused) as err:
            P.refuse_if_unfinished(second)
        assert f"another vxha command is running a plan from this node (pid {first.pid}" in str(
            err.value
        )
        with pytest.raises(PlanRefused) as err:
            second.save_text("start.cf", "x")
        assert "another vxha command is changing the cluster" in str(err.value)
        assert not (tmp_path / "state" / "start.cf").exists()
    finally:
        first.kill()
        first.wait()
    # once it has ended (killed, even), the lock is free: its journal reads as stopped
    # halfway, with the way on
    with pytest.raises(PlanRefused, match="--resume"):
        P.refuse_if_unfinished(P.Journal(state))
    P.Journal(state).save_text("start.cf", "x")


def test_a_configuration_saved_by_someone_between_the_read_and_the_run_refuses_the_plan(
    tmp_path, monkeypatch
):
    """An admin answers the confirmation minutes after vxha read the cluster; meanwhile
    another admin saved a change (a group added, frozen, linked). The plan was made from a
    configuration no longer there: vxha refuses it once its session is open, before its
    first step, closes the session again and says to run the command again. It used to run
    the plan blind, stopping halfway where the change was in its way."""
    from vxha.generators import plan as P
    from vxha.generators.hacli import HaClient
    from vxha.generators.view import parse_config

    main_cf = tmp_path / "main.cf"
    main_cf.write_text('include "types.cf"\n\ncluster c (\n\t)\n\nsystem n1 (\n\t)\n')
    monkeypatch.setenv("VXHA_STATE_DIR", str(tmp_path / "state"))
    parse_config(str(main_cf))  # the command's read
    ran = []

    def engine(argv, timeout):
        ran.append(" ".join(argv))
        return 0, "", ""

    plan = P.Plan("apply", config_path=str(main_cf))
    plan.steps = [P.Step("command", ["hagrp", "-add", "web"], "", session=True)]
    # someone's change, saved
    main_cf.write_text(main_cf.read_text() + "\ngroup theirs (\n\tSystemList = { n1 = 0 }\n\t)\n")
    journal = P.Journal(str(tmp_path / "journal"))
    with pytest.raises(PlanRefused) as err:
        P.Runner(HaClient(engine), journal, out=lambda *_: None).run(plan)
    assert "was saved by someone else since this command read it" in str(err.value)
    assert "run the command again" in str(err.value)
    assert ran == ["haconf -makerw", "haconf -dump -makero"]
    assert journal.load()["state"] == "refused"
    # read again, the same plan runs
    parse_config(str(main_cf))
    ran.clear()
    P.Runner(HaClient(engine), journal, out=lambda *_: None).run(plan)
    assert ran == ["haconf -makerw", "hagrp -add web", "haconf -dump -makero"]
