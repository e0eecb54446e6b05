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
    from vxha.generators import hacli

    client = hacli.HaClient(timeout=30)
    states = client.group_states()
    assert list(states)[:3] == ["cvm", "auth1_storage", "auth1"]
    assert states["auth1"] == {"n1": "ONLINE", "n2": "OFFLINE", "n3": "OFFLINE"}
    assert client.resource_states()["auth1_ctr"]["n1"] == "ONLINE"
    assert client.system_states() == {"n1": "RUNNING", "n2": "RUNNING", "n3": "RUNNING"}
    client.run("haconf", "-makerw", change=True)
    client.run("hagrp", "-disable", "auth1", "-sys", "n2", change=True)
    client.run("hagrp", "-local", "auth1", "UserStrLocal", change=True)
    client.run("hagrp", "-modify", "auth1", "UserStrLocal", "vxha:maintenance by me", "-sys", "n2")
    shown, admin = client.group_display(("Enabled", "UserStrLocal", "UserStrGlobal"))
    assert shown == states
    assert admin["auth1"]["UserStrLocal"]["n2"] == "vxha:maintenance by me"
    assert admin["auth1"]["Enabled"]["n2"] == "0" and admin["auth1"]["Enabled"]["n1"] == "1"
    assert admin["auth1"]["UserStrGlobal"]["global"] == "vxha:server=auth1"
    assert client.wait_group("auth1", "n1", lambda s: s == "ONLINE", timeout=5) == "ONLINE"
    client.run("haconf", "-dump", "-makero", change=True)
    with pytest.raises(hacli.HaError) as info:
        client.run("haconf", "-dump", "-makero")
    assert hacli.NOT_WRITABLE in info.value.output
