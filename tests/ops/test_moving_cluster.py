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
