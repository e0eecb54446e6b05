"""README.md, "Seeing the cluster": the `vxha why db1` it quotes, set up on the simulator
with the ha* commands an admin types, printed line for line; then the commands it names
clear each reason until db1 is back."""

from __future__ import annotations

import sys

import pytest
from doccommands import ROOT

sys.path.insert(0, str(ROOT / "tests" / "ops"))
from ops_cluster import Cluster, generate  # noqa: E402


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path, generate(str(tmp_path / "main.cf")))
    yield c
    c.stop()


def quoted_why():
    text = (ROOT / "README.md").read_text()
    part = text[text.index("## Seeing the cluster") :]
    block = part.split("```", 2)[1].strip("\n").splitlines()
    assert block[0] == "$ vxha why db1"
    return block[1:]


def clears(out):
    return [line.split("clear: ", 1)[1] for line in out.splitlines() if "clear: " in line]


def test_why_db1_prints_what_readme_quotes_and_its_clears_bring_db1_back(cluster):
    # the state the README names under its quote, made with the commands it names
    assert cluster.online_on("db1") == ["n1"]
    cluster.run("hagrp", "-offline", "db1", "-sys", "n1", check=True)
    cluster.advance(300)
    cluster.run("hagrp", "-freeze", "db1", check=True)
    assert cluster.states()["db1_storage"] == {"n1": "ONLINE", "n2": "OFFLINE", "n3": "OFFLINE"}

    why = cluster.vxha("why", "db1")
    assert why.returncode == 1, why.stderr
    assert why.stdout.splitlines() == quoted_why()

    # the n2 reason's clear is a command VCS takes, and clears that reason
    (n2,) = [c for c in clears(why.stdout) if c.endswith("n2")]
    cluster.run(*n2.split(), check=True)
    cluster.advance(300)
    assert cluster.states()["db1_storage"]["n2"] == "ONLINE"
    why = cluster.vxha("why", "db1")
    assert "n2: requires group db1_storage" not in why.stdout

    # "the command that clears it": the first reason's, run as printed, until db1 is online
    for _ in range(6):
        cluster.run(*clears(why.stdout)[0].split(), check=True)
        cluster.advance(300)
        why = cluster.vxha("why", "db1")
        if why.returncode == 0:
            break
    assert why.returncode == 0, why.stdout
    assert len(cluster.online_on("db1")) == 1
