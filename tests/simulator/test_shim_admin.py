"""What an administrator sees from the ha* commands, checked against what VCS prints in
published transcripts and the manuals (docs/simulator.md, "Commands")."""

from __future__ import annotations

import pytest
from sim_helpers import WEB, cf


@pytest.fixture
def sim(make_sim):
    s = make_sim(cf(["n1", "n2", "n3"], WEB)).start()
    s.settle()
    return s


def cmd(sim, line):
    return sim.command(line.split())


def test_group_and_resource_added_print_vcs_notices(sim):
    """Published transcripts (an administrator's two-node notes; LINBIT drbd-utils' VCS
    README): `hagrp -add` answers `VCS NOTICE V-16-1-10136 Group added; populating
    SystemList and setting the Parallel attribute recommended before adding resources`,
    `hares -add` `VCS NOTICE V-16-1-10242 Resource added. Enabled attribute must be set
    before agent monitors`; both succeed."""
    assert cmd(sim, "haconf -makerw")[0] == 0
    code, out, err = cmd(sim, "hagrp -add SG1")
    assert code == 0
    assert err == (
        "VCS NOTICE V-16-1-10136 Group added; populating SystemList and setting the "
        "Parallel attribute recommended before adding resources\n"
    )
    assert out == ""
    code, out, err = cmd(sim, "hares -add SG-ip Dummy SG1")
    assert code == 0
    assert err == (
        "VCS NOTICE V-16-1-10242 Resource added. Enabled attribute must be set before "
        "agent monitors\n"
    )
    assert out == ""


def test_refusals_do_not_reuse_the_notice_numbers(sim):
    """V-16-1-10136 and 10242 are VCS's notices for an added group and resource: a
    refusal never prints them."""
    cmd(sim, "haconf -makerw")
    cmd(sim, "hagrp -add a")
    cmd(sim, "hagrp -add b")
    cmd(sim, "hagrp -modify a SystemList n1 0")
    cmd(sim, "hagrp -modify b SystemList n1 0")
    assert cmd(sim, "hagrp -link a b online local firm")[0] == 0
    code, _, err = cmd(sim, "hagrp -delete b")
    assert code == 1 and "V-16-1-10136" not in err
    code, _, err = cmd(sim, "hares -link web_ctr web_pf")  # web_pf requires web_ctr
    assert code == 1 and "V-16-1-10242" not in err


def test_cluster_readonly_follows_haconf(sim):
    """The cluster's ReadOnly attribute: 1 while the configuration is read-only, 0 while
    writable (published VCS command summaries: `haclus -display | grep -i readonly`,
    "0 = write mode, 1 = read only mode"); vxha's HaClient.readonly() reads it."""

    def value():
        code, out, err = cmd(sim, "haclus -value ReadOnly")
        assert code == 0, err
        return out.strip()

    def shown():
        out = cmd(sim, "haclus -display")[1].splitlines()
        return [ln.split() for ln in out if ln.startswith("ReadOnly")]

    assert value() == "1" and shown() == [["ReadOnly", "1"]]
    cmd(sim, "haconf -makerw")
    assert value() == "0" and shown() == [["ReadOnly", "0"]]
    cmd(sim, "haconf -dump -makero")
    assert value() == "1"
