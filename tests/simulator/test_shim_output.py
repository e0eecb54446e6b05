"""The query tables laid out as VCS lays them out.

Source: output captured from an InfoScale cluster in a public administrator's notes
(`hagrp -state kc_sg`, `hagrp -display vxfen`, `hares -display`, `hasys -display
xha239194`, `haclus -display`): a group's table in columns of 13, 22 and 11 characters
(`#Group       Attribute             System     Value`), a resource's display in 17, 25
and 11, a system's in 11 and 24, the cluster's in 25; a name longer than its column is
followed by one space (docs/simulator.md, "Commands")."""

from __future__ import annotations

import pytest
from sim_helpers import cf

KC = """group kc_sg (
    SystemList = { xha239194 = 0, xha239195 = 1 }
    AutoStartList = { xha239194 }
)
    Dummy RES_phantom_vxfen (
    )

"""


@pytest.fixture
def sim(make_sim):
    s = make_sim(cf(["xha239194", "xha239195"], KC)).start()
    s.settle()
    return s


def lines(sim, line):
    code, out, err = sim.command(line.split())
    assert code == 0, err
    return out.splitlines()


def test_group_state_columns(sim):
    assert lines(sim, "hagrp -state kc_sg") == [
        "#Group       Attribute             System     Value",
        "kc_sg        State                 xha239194  |ONLINE|",
        "kc_sg        State                 xha239195  |OFFLINE|",
    ]


def test_group_display_columns(sim):
    out = lines(sim, "hagrp -display kc_sg")
    assert out[0] == "#Group       Attribute             System     Value"
    assert "kc_sg        AutoStartList         global     xha239194" in out


def test_resource_display_columns(sim):
    out = lines(sim, "hares -display RES_phantom_vxfen")
    assert out[0] == "#Resource        Attribute                System     Value"
    assert out[1] == "RES_phantom_vxfen Group                    global     kc_sg"
    assert out[2] == "RES_phantom_vxfen Type                     global     Dummy"


def test_system_display_columns(sim):
    out = lines(sim, "hasys -display xha239194")
    assert out[0] == "#System    Attribute               Value"
    assert "xha239194  SysState                RUNNING" in out


def test_cluster_display_columns(sim):
    out = lines(sim, "haclus -display")
    assert out[0] == "#Attribute               Value"
    assert "ClusterName              sim" in out
