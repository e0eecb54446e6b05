"""The ops workflows' ha* client (generators/hacli.py) against the shims: the output it
parses is the output the shims print."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "generator_example_crash"


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    from vxha.simulator.api import Simulator
    from vxha.simulator.daemon import Daemon
    from vxha.simulator.shims import install_shims

    sim = Simulator.from_text((EXAMPLE / "main.cf").read_text(), tmp_path / "run").start()
    sim.settle()
    sock = str(tmp_path / "sim.sock")
    daemon = Daemon(sim, sock).start_thread()
    install_shims(str(tmp_path / "bin"))
    monkeypatch.setenv("VXHA_SIM_SOCKET", sock)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    yield sim
    daemon.stop()


def test_hacli_reads_the_shims(cluster):
    hacli = pytest.importorskip("vxha.generators.hacli")
    client = hacli.HaClient(timeout=30)
    groups = client.groups()
    assert groups[:3] == ["cvm", "auth1_storage", "auth1"]
    assert client.group_states("auth1") == {"n1": "ONLINE", "n2": "OFFLINE", "n3": "OFFLINE"}
    assert client.group_systems("auth1") == ["n1", "n2", "n3"]
    assert client.resources("auth1") == ["auth1_ip", "auth1_ctr", "auth1_pf"]
    assert ("auth1", "auth1_storage", "online", "local", "firm") in client.dependencies()
    assert client.servers() == {
        "auth1": ["auth1_storage", "auth1"],
        "db1": ["db1_storage", "db1"],
    }
    client.makerw()
    client.makerw()  # already writable is tolerated
    client.run("hagrp", "-disable", "auth1", "-sys", "n2", change=True)
    client.run("hagrp", "-local", "auth1", "UserStrLocal", change=True)
    client.run("hagrp", "-modify", "auth1", "UserStrLocal", "vxha:maintenance by me", "-sys", "n2")
    assert client.group_value("auth1", "UserStrLocal", "n2") == "vxha:maintenance by me"
    assert client.group_value("auth1", "Enabled", "n2") == "0"
    client.dump_makero()
    client.dump_makero()  # not writable is tolerated
