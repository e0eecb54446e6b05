"""The plan runner stopped from outside (generators/plan.py): a signal, or a journal it can
no longer write. docs/operations.md, Plans: the runner stops at the first failure, saves
and closes the configuration, and says what ran, what did not and how to go on."""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import sys
import textwrap

import pytest

from vxha.generators import plan as P
from vxha.generators.hacli import HaClient

# A plan run in a child process whose ha* engine sends the process a signal when the
# second step runs; the child prints what the runner said and where the session stands.
CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from vxha.generators import plan as P
    from vxha.generators.hacli import HaClient

    state = {"writable": False, "ran": []}

    def engine(argv, timeout):
        line = " ".join(argv)
        state["ran"].append(line)
        if argv == ["haconf", "-makerw"]:
            state["writable"] = True
        if argv[:2] == ["haconf", "-dump"] and "-makero" in argv:
            state["writable"] = False
        if line == "hares -delete b":
            os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        return 0, "", ""

    plan = P.Plan("delete", steps=[
        P.Step("command", ["hares", "-delete", r], "", session=True) for r in "abc"
    ])
    try:
        P.Runner(HaClient(engine), P.Journal(sys.argv[1]), out=lambda *_: None).run(plan)
        said = "finished"
    except P.PlanStopped as exc:
        said = str(exc)
    print(json.dumps({"said": said, "writable": state["writable"], "ran": state["ran"]}))
    """
)


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_stops_the_plan_as_ctrl_c_does(tmp_path, name):
    """A service manager's SIGTERM, a closed terminal's SIGHUP: the plan stops as at a
    failure (the configuration saved and closed, the journal says it stopped, the way on
    said). It used to die at once, leaving the configuration open (.stale), and --resume
    refused it as someone's session."""
    journal = tmp_path / "state"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(journal), name],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    got = json.loads(proc.stdout)
    assert "interrupted" in got["said"], got
    assert "to finish it: vxha delete --resume" in got["said"]
    assert got["writable"] is False, got
    assert got["ran"][-1] == "haconf -dump -makero"
    data = json.loads((journal / "plan.json").read_text())
    assert data["state"] == "stopped"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # put back after the run


class FullJournal(P.Journal):
    """A state directory that fills up: the first write works, the next ones fail."""

    def __init__(self, directory):
        super().__init__(directory)
        self.writes = 0

    def save(self, data):
        self.writes += 1
        if self.writes > 1:
            raise OSError(errno.ENOSPC, "No space left on device", self.path + ".tmp")
        super().save(data)


def test_a_journal_that_can_no_longer_be_written_still_says_what_ran(tmp_path):
    """The disk holding the state directory fills after the first step: the runner stops
    there (it cannot keep a true record), closes the configuration, and still says what
    ran and how to go on, naming the journal and why it could not be written. It used to
    end with the one line of the write error, the steps that ran unsaid."""
    ran = []
    writable = [False]

    def engine(argv, timeout):
        ran.append(" ".join(argv))
        if argv == ["haconf", "-makerw"]:
            writable[0] = True
        if argv[:2] == ["haconf", "-dump"]:
            writable[0] = False
        return 0, "", ""

    plan = P.Plan(
        "apply",
        steps=[P.Step("command", ["hagrp", "-add", g], "", session=True) for g in "xyz"],
    )
    journal = FullJournal(str(tmp_path / "state"))
    with pytest.raises(P.PlanStopped) as info:
        P.Runner(HaClient(engine), journal, out=lambda *_: None).run(plan)
    text = str(info.value)
    assert "stopped after step 1 of 3: " in text and "No space left on device" in text
    assert "ran (1):" in text and "hagrp -add x" in text
    assert f"the plan journal could not be written ({journal.path}: No space left" in text
    assert "vxha apply --resume" in text
    assert ran == ["haconf -makerw", "hagrp -add x", "haconf -dump -makero"]
    assert writable[0] is False
