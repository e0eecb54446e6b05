"""Every declaration of vxha's types some vxha shipped (vcs_types/shipped.py) is brought to
the current one by add-types' plan, run on the simulator as on a cluster: the rule of
docs/packaging.md, "Types already on the cluster", for each release rather than one."""

from __future__ import annotations

import pytest

from vxha.agents.cluster_types import plan_type, static_names
from vxha.simulator.api import Simulator
from vxha.vcs_types import cf
from vxha.vcs_types.catalog import PROJECT_TYPES, project_type
from vxha.vcs_types.shipped import shape, shipped
from vxha.vcs_types.writer import write_types

ENTRIES = [
    (name, commit)
    for name in PROJECT_TYPES
    for commit, d in shipped(name)
    if "Name" not in d.attrs  # a reserved word: VCS never loaded those (docs/framework.md)
]


def engine_values(sim, decl):
    out = {}
    for attr in ["ArgList", *static_names(decl)]:
        code, text, err = sim.command(["hatype", "-value", decl.name, attr])
        assert code == 0, err
        out[attr] = text.strip()
    return out


@pytest.mark.parametrize("name,commit", ENTRIES, ids=[f"{n}-{c[:7]}" for n, c in ENTRIES])
def test_each_shipped_declaration_is_upgraded_to_the_current_one(tmp_path, name, commit):
    old = dict(shipped(name))[commit]
    current = project_type(name)
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / f"{name}Types.cf").write_text(write_types([old]))
    (conf / "main.cf").write_text(
        f'include "types.cf"\ninclude "{name}Types.cf"\n\ncluster c (\n\t)\n\nsystem n1 (\n\t)\n'
    )
    sim = Simulator.from_file(str(conf / "main.cf"), tmp_path / "run", dump=True).start()
    plan = plan_type(
        current, cf.parse_file(str(conf / "main.cf")).types[name], engine_values(sim, current)
    )
    assert not plan.error
    for argv in [["haconf", "-makerw"], *plan.commands, ["haconf", "-dump", "-makero"]]:
        code, out, err = sim.command(argv)
        assert code == 0, (argv, out, err)
    got = cf.parse_file(str(conf / "main.cf")).types[name]
    assert shape(got)[1] == current.arglist
    assert {n: a for n, a in shape(got)[0].items() if n in current.attrs} == shape(current)[0]
    for s in current.statics:
        assert got.static(s) == current.static(s), s
    again = plan_type(current, got, engine_values(sim, current))
    assert again.kind == "current" and again.commands == []
