"""`haconf -dump` writes a group as hacf does, whatever order its parts were created in.

Rules (docs/simulator.md, "Commands", what `haconf -dump` writes of a group): the
resources of a group are written in alphabetical order, by type then name (Admin 6.0 and
7.2, "About the main.cf file": "hacf arranges the resources alphabetically"; published
hacf-written files put `IP webip` before `NIC csgnic` and `DRBDPrimary r0primary` before
`Mount r0mount`, so the type comes first); an attribute whose value is its default is not
written (published transcripts: `hares -add`, `hares -modify R Enabled 1`, `haconf -dump`
leave no `Enabled` line); the resource links by parent then child (chosen).
"""

from __future__ import annotations

import pytest
from sim_helpers import cf, run

APP = """group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Process app_proc (
        PathName = "/bin/true"
    )
    NIC app_nic (
        Device = eth0
    )
    IP app_ip (
        Device = eth0
        Address = "10.0.0.5"
    )
    Dummy app_b (
    )
    Dummy app_a (
        Critical = 0
    )
    app_proc requires app_ip
    app_proc requires app_a
    app_ip requires app_nic
    requires group base online local firm
"""
BASE = """group base (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy base_res (
    )

"""


@pytest.fixture
def sim(make_sim):
    s = make_sim(cf(["n1", "n2"], BASE + APP)).start()
    s.settle()
    return s


def block(sim, group):
    """The text haconf -dump wrote for ``group``: from its `group` line to the next one."""
    text = open(sim.engine.config_path).read()
    start = text.index(f"group {group} (")
    end = text.find("\ngroup ", start)
    return text[start : end if end >= 0 else len(text)]


def resource_lines(text):
    return [ln.strip() for ln in text.splitlines() if ln.startswith("\t") and ln.endswith(" (")]


def test_dump_writes_resources_by_type_then_name(sim):
    run(sim, "haconf -makerw", "haconf -dump -makero")
    assert resource_lines(block(sim, "app")) == [
        "Dummy app_a (",
        "Dummy app_b (",
        "IP app_ip (",
        "NIC app_nic (",
        "Process app_proc (",
    ]


def test_dump_leaves_out_a_value_equal_to_its_default(sim):
    run(
        sim,
        "haconf -makerw",
        "hares -add app_new Dummy app",  # created with Enabled 0: written
        "hares -modify app_b Critical 1",  # the default: not written
        "haconf -dump",
    )
    text = block(sim, "app")
    new = text[text.index("Dummy app_new (") :]
    assert "Enabled = 0" in new.split(")")[0]
    b = text[text.index("Dummy app_b (") :].split(")")[0]
    assert "Critical" not in b
    a = text[text.index("Dummy app_a (") :].split(")")[0]
    assert "Critical = 0" in a  # not the default: kept
    run(sim, "hares -modify app_new Enabled 1", "haconf -dump -makero")
    new = block(sim, "app")
    assert "Enabled" not in new[new.index("Dummy app_new (") :].split(")")[0]


def test_a_group_deleted_and_created_again_by_commands_dumps_as_before(sim):
    run(sim, "haconf -makerw", "haconf -dump")
    before = block(sim, "app")
    run(
        sim,
        "hagrp -offline app -sys n1",
    )
    sim.settle()
    run(
        sim,
        "hares -unlink app_proc app_ip",
        "hares -unlink app_proc app_a",
        "hares -unlink app_ip app_nic",
        "hagrp -unlink app base",
        *[f"hares -delete {r}" for r in ("app_a", "app_b", "app_ip", "app_nic", "app_proc")],
        "hagrp -delete app",
        "haconf -dump",
    )
    assert "group app (" not in open(sim.engine.config_path).read()
    # created again the way a script does it: another order, each resource enabled
    run(
        sim,
        "hagrp -add app",
        "hagrp -modify app SystemList n1 0 n2 1",
        "hagrp -modify app AutoStartList n1",
        "hares -add app_nic NIC app",
        "hares -modify app_nic Device eth0",
        "hares -add app_a Dummy app",
        "hares -modify app_a Critical 0",
        "hares -add app_ip IP app",
        "hares -modify app_ip Device eth0",
        "hares -modify app_ip Address 10.0.0.5",
        "hares -add app_proc Process app",
        "hares -modify app_proc PathName /bin/true",
        "hares -add app_b Dummy app",
        *[
            f"hares -modify {r} Enabled 1"
            for r in ("app_b", "app_proc", "app_ip", "app_a", "app_nic")
        ],
        "hares -link app_ip app_nic",
        "hares -link app_proc app_a",
        "hares -link app_proc app_ip",
        "hagrp -link app base online local firm",
        "haconf -dump -makero",
    )
    assert block(sim, "app") == before


def test_a_group_taken_through_maintenance_dumps_as_before(sim):
    """A group attribute set back to its default is not written either (the same rule as
    a resource's: Enabled 1 after `hagrp -disable` then `-enable`)."""
    run(sim, "haconf -makerw", "haconf -dump")
    before = block(sim, "app")
    run(
        sim,
        "hagrp -disable app",
        "hagrp -freeze app -persistent",
        "haconf -dump",
        "hagrp -unfreeze app -persistent",
        "hagrp -enable app",
        "hagrp -modify app AutoFailOver 1",
        "haconf -dump -makero",
    )
    assert block(sim, "app") == before


def test_attributes_set_in_another_order_dump_in_the_types_order(sim):
    """Inside a resource, hacf writes the standard attributes (Critical, ...) first, by name,
    then the type's in the order its declaration gives them, a localized one where the
    attribute stands (chosen because published hacf-written blocks read so: `IP webip` with
    Device, then Address, then NetMask, `Critical = 0` first; and so a resource created by
    commands dumps as one read from main.cf). A number set into a string attribute by a
    command is written bare, as main.cf writes it (`Arguments` below), so it reads back as
    the generator's text does."""
    run(
        sim,
        "haconf -makerw",
        "hares -add app_ip2 IP app",
        "hares -modify app_ip2 NetMask 255.255.255.0",
        "hares -modify app_ip2 Address 10.0.0.6",
        "hares -local app_ip2 Device",
        "hares -modify app_ip2 Device eth1 -sys n1",
        "hares -modify app_ip2 Device eth2 -sys n2",
        "hares -modify app_ip2 Critical 0",
        "hares -add app_num Process app",
        "hares -modify app_num Arguments 8443",
        "hares -modify app_num PathName /bin/sleep",
        "haconf -dump -makero",
    )
    text = block(sim, "app")
    ip2 = text[text.index("IP app_ip2 (") :].split(")")[0].splitlines()[1:]
    assert [ln.strip() for ln in ip2 if ln.strip()] == [
        "Critical = 0",
        "Enabled = 0",
        "Device @n1 = eth1",
        "Device @n2 = eth2",
        'Address = "10.0.0.6"',
        'NetMask = "255.255.255.0"',
    ]
    num = text[text.index("Process app_num (") :].split(")")[0].splitlines()[1:]
    assert [ln.strip() for ln in num if ln.strip()] == [
        "Enabled = 0",
        'PathName = "/bin/sleep"',
        "Arguments = 8443",
    ]
