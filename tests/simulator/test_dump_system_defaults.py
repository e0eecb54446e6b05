"""`haconf -dump` leaves out a system or cluster attribute equal to its default.

Rule (docs/simulator.md, "Commands", what `haconf -dump` writes of a group, a system and
the cluster): an attribute whose value is its default is not written, as for groups and
resources (published transcripts: `hares -modify R Enabled 1`, `haconf -dump` leave no
`Enabled` line; the other attributes: chosen because no stored text makes an exception).
The defaults are those `hasys -display` / `haclus -display` show (simulator/attrs.py:
Capacity 100, User's 5.0 HP-UX "System attributes"; DeleteOnlineResource 1). So a
configuration read, changed to the default and back, dumps as it was read.
"""

from __future__ import annotations

import pytest
from sim_helpers import cf, run

BODY = """group app (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
)
    Dummy app_res (
    )
"""


@pytest.fixture
def sim(make_sim):
    s = make_sim(cf(["n1", "n2"], BODY)).start()
    s.settle()
    return s


def block(sim, head):
    """The block haconf -dump wrote that starts with ``head`` (``system n1``)."""
    text = open(sim.engine.config_path).read()
    start = text.index(f"{head} (")
    return text[start : text.index(")", start) + 1]


def test_a_system_attribute_set_to_its_default_is_not_dumped(sim):
    run(sim, "haconf -makerw", "haconf -dump")
    assert "Capacity" not in block(sim, "system n1")
    run(sim, "hasys -modify n1 Capacity 200", "haconf -dump")
    assert "Capacity = 200" in block(sim, "system n1")
    run(sim, "hasys -modify n1 Capacity 100", "haconf -dump -makero")
    assert "Capacity" not in block(sim, "system n1")
    # the engine still holds the value
    code, out, _ = sim.command(["hasys", "-value", "n1", "Capacity"])
    assert code == 0 and out.strip() == "100"


def test_a_cluster_attribute_set_to_its_default_is_not_dumped(sim):
    run(sim, "haconf -makerw", "haclus -modify DeleteOnlineResource 0", "haconf -dump")
    assert "DeleteOnlineResource = 0" in block(sim, "cluster sim")
    run(sim, "haclus -modify DeleteOnlineResource 1", "haconf -dump -makero")
    assert "DeleteOnlineResource" not in block(sim, "cluster sim")


def test_a_value_other_than_the_default_stays(make_sim):
    s = make_sim(
        cf(["n1"], BODY.replace("n1 = 0, n2 = 1", "n1 = 0")).replace(
            "system n1 (\n)", "system n1 (\n    Capacity = 300\n)"
        )
    ).start()
    s.settle()
    run(s, "haconf -makerw", "haconf -dump -makero")
    assert "Capacity = 300" in block(s, "system n1")
