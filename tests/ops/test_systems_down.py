"""The installer's cluster with some systems down (`hasys -state` FAULTED after a crash,
EXITED after `hastop -sys`): what apply, maintenance, delete and upgrade do there, each
expectation written from docs/operations.md before the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from ops_cluster import Cluster, generate

FIX = Path(__file__).parent / "fixtures" / "installed"


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path, str(FIX / "main.cf"))
    new = generate(str(tmp_path / "new.cf"), only=["auth1"],
                   cluster=str(FIX / "cluster.yaml"), mode="veritas")  # fmt: skip
    c.provision(new)
    c.copy_profiles(["auth1"])
    yield c, new
    c.stop()


def ok(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def test_a_server_added_while_systems_are_down_starts_on_the_others_and_says_so(cluster):
    """An online on a system that is down fails, so a plan that started the storage group
    on every system of its AutoStartList would stop halfway. apply starts it where VCS
    runs, says for each system that is down that VCS starts it there when the system joins
    (docs/simulator.md, "a system rejoining"), and maintenance, delete work on around it."""
    c, new = cluster
    c.event("crash", system="n3")
    c.run("hastop", "-sys", "n2", check=True)
    c.advance(60)
    out = ok(c.vxha("apply", new, "--yes"))
    assert "note: system n3 is FAULTED: group auth1_storage is not started there now" in out.stdout
    assert "note: system n2 is EXITED: group auth1_storage" in out.stdout, out.stdout
    assert "-sys n3" not in "".join(x for x in out.stdout.splitlines(True) if "-online" in x)
    assert c.online_on("auth1_storage") == ["n1"] and c.online_on("auth1") == ["n1"]
    ok(c.vxha("maintenance", "on", "auth1", "--yes"))
    ok(c.vxha("maintenance", "off", "auth1", "--yes"))
    c.event("restart", system="n3")
    c.advance(300)
    assert sorted(c.online_on("auth1_storage")) == ["n1", "n3"]
    ok(c.vxha("delete", "auth1", "--now", "--yes"))
    assert not {"auth1", "auth1_storage"} & c.groups()
