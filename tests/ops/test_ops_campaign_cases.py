"""Fixed cases of the randomized campaign (test_ops_properties.py) for what a random draw
reaches seldom: an admin's group in an included file that requires a vxha group, on a
cluster running an older vxha's types, through `cluster add-types` shown, stopped midway
and run again, an apply and a refused delete. The campaign's invariants run after every
command (Campaign.step); the assertions here say the case reached what it is for."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import test_ops_properties as campaign_mod
from test_ops_properties import ADMIN_CF, OURS, Campaign

from vxha.vcs_types import cf
from vxha.vcs_types.catalog import project_type
from vxha.vcs_types.shipped import shape

ADM0 = (
    "group adm0 (\n\tSystemList = { n1 = 0, n2 = 1 }\n\tAutoStartList = { n1 }\n\t)\n\n"
    "\tNIC adm0_nic (\n\t\tDevice @n1 = eth0\n\t\tDevice @n2 = eth1\n\t\t)\n\n"
    "\trequires group db1 online global soft\n"
)


def op(kind, **kw):
    base = {"kind": kind, "session": None, "fail": None, "resolve": "resume", "present": True}
    return {**base, **kw}


@pytest.mark.slow
def test_included_admin_groups_and_older_types_through_add_types(monkeypatch):
    monkeypatch.setattr(campaign_mod, "event", lambda *a, **k: None)
    tmp = Path(tempfile.mkdtemp(prefix="vxha-opscase-"))
    start = (["db1"], [ADM0], {}, {}, [["hagrp", "-freeze", "adm0"]], "installed", ["adm0"],
             {t: 0 for t in OURS})  # fmt: skip
    campaign = None
    try:
        campaign = Campaign(tmp, start)
        c = campaign.c
        conf = Path(c.config).parent
        assert (conf / ADMIN_CF).exists() and "group adm0" not in Path(c.config).read_text()
        older = [
            t for t in OURS if shape(cf.parse_file(c.config).types[t]) != shape(project_type(t))
        ]
        assert older, "the case starts from no older type"
        campaign.step(op("add-types", dry=True))
        stopped = tmp / "stopped"
        real_vxha = c.vxha

        def vxha(*argv, **kw):
            out = real_vxha(*argv, **kw)
            if argv[:2] == ("cluster", "add-types") and "stopped at step" in out.stderr:
                stopped.write_text(out.stderr)
            return out

        c.vxha = vxha
        campaign.step(op("add-types", dry=False, fail=0.5))
        assert stopped.exists(), "add-types armed to fail midway did not stop"
        campaign.step(op("apply", servers=None, add=["auth1"], remove=[], force=False, edits=[]))
        campaign.step(op("delete", server="db1", now=True, shred=False, archive=False))
        assert "group adm0" in (conf / ADMIN_CF).read_text()
    finally:
        if campaign:
            campaign.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.slow
def test_a_joined_move_stopped_before_its_switch_is_put_back_in_the_joined_session(monkeypatch):
    """Rule (docs/operations.md, vxha upgrade, "When a step fails"): a move that fails while
    going into maintenance puts maintenance back as it was and says to run it again; with
    --join the put-back runs in the admin's open session as the move did (Configuration
    sessions), instead of being refused by it and leaving the server half in maintenance.
    Found by the campaign: downgrade --join stopped at `hagrp -disable`."""
    monkeypatch.setattr(campaign_mod, "event", lambda *a, **k: None)
    tmp = Path(tempfile.mkdtemp(prefix="vxha-opscase-"))
    campaign = None
    try:
        campaign = Campaign(tmp, (["db1", "dedup_disk1"], [], {}, {}, [], "installed"))
        c = campaign.c
        argv = ["downgrade", "dedup_disk1", "--to", "2.0", "--profiles", str(campaign.folder)]
        argv += ["--cluster", str(campaign_mod.FIX / "cluster.yaml")]
        argv += ["--images", campaign_mod.IMAGES, "--yes", "--join"]
        c.fail("hagrp -disable dedup_disk1 -sys n1")
        c.run("haconf", "-makerw", check=True)
        out = c.vxha(*argv)
        assert out.returncode == 1 and "stopped at step" in out.stderr, out.stderr
        assert "nothing was switched" in out.stderr, out.stderr
        assert "already open for writing" not in out.stderr, out.stderr
        c.run("haconf", "-dump", "-makero", check=True)
        assert c.value("dedup_disk1", "Frozen") == "0"
        records = c.run("hagrp", "-display", "dedup_disk1", "-attribute", "UserStrLocal")
        assert "vxha-maintenance" not in records.stdout, records.stdout
    finally:
        if campaign:
            campaign.stop()
        shutil.rmtree(tmp, ignore_errors=True)
