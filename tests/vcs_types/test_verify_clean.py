"""The verifier's one-pass check of a clean configuration never passes one its rules report,
and passes the generator's configurations (or it would save nothing)."""

from __future__ import annotations

import copy

import pytest
from bigconfig import big_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cf_properties import configs, values

from vxha.vcs_types import verify_clean
from vxha.vcs_types.model import GroupDep, ResourceLink
from vxha.vcs_types.verify import Context, verify
from vxha.vcs_types.verify_clean import FUSED, clean

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def _fused_findings(cfg):
    ctx = Context(cfg)
    return [issue for rule in FUSED for issue in rule(ctx)]


def _every_rule(cfg, monkeypatch):
    """What verify reports with the one-pass check never answering True."""
    with monkeypatch.context() as m:
        m.setattr(verify_clean, "clean", lambda ctx: False)
        return verify(cfg)


def test_the_generators_shape_takes_the_one_pass_check():
    cfg = big_config(3)
    assert clean(Context(cfg))
    assert _fused_findings(cfg) == [] and verify(cfg) == []


def _resource(cfg, rtype):
    return next(r for g in cfg.groups for r in g.resources if r.type == rtype)


def _group(cfg, name):
    return next(g for g in cfg.groups if g.name == name)


# One change per rule the pass stands in for; each must make it answer False.
MUTATIONS = {
    "unknown attribute": lambda c: _resource(c, "Container").attrs.update(Nope=1),
    "value of the wrong type": lambda c: _group(c, "srv00000").attrs.update(Priority="high"),
    "association of strings where integers": lambda c: _group(c, "srv00000").attrs.update(
        Load={"CPU": "two"}
    ),
    "localized to no system": lambda c: _resource(c, "HostIP").local["Device"].update(nX="e"),
    "localized group attribute to no system": lambda c: _group(c, "srv00000").local.update(
        Priority={"nX": 3}
    ),
    "SystemList names no system": lambda c: _group(c, "srv00000").attrs["SystemList"].update(nX=9),
    "AutoStartList not in SystemList": lambda c: _group(c, "srv00000").attrs.update(
        AutoStartList=["n30"]
    ),
    "two systems one number": lambda c: _group(c, "srv00000").attrs["SystemList"].update(n2=0),
    "a number left out, then the same": lambda c: (
        _group(c, "srv00000").attrs["SystemList"].update(n2=2, n3=None)
    ),
    "ClusterList": lambda c: _group(c, "srv00000").attrs.update(ClusterList={"a": 0, "b": 0}),
    "link to another group's resource": lambda c: _group(c, "srv00000").links.append(
        ResourceLink("srv00000_pf", "srv00001_ctr")
    ),
    "link to no resource": lambda c: _group(c, "srv00000").links.append(
        ResourceLink("srv00000_pf", "ghost")
    ),
    "link twice": lambda c: _group(c, "srv00000").links.append(
        ResourceLink("srv00000_pf", "srv00000_ctr")
    ),
    "link cycle": lambda c: _group(c, "srv00000").links.append(
        ResourceLink("srv00000_ctr", "srv00000_pf")
    ),
    "link cycle in a chain": lambda c: _group(c, "cvm").links.append(
        ResourceLink("cvm_vxconfigd", "vxfsckd")
    ),
    "required attribute missing": lambda c: _resource(c, "Container").attrs.pop("Image"),
    "required attribute not on every system": lambda c: (
        _resource(c, "HostIP").local["Device"].pop("n2")
    ),
    "required attribute empty": lambda c: _resource(c, "CFSMount").attrs.update(MountPoint=""),
    "dependency on no group": lambda c: _group(c, "srv00000").deps.append(GroupDep("ghost")),
    "dependency on itself": lambda c: _group(c, "srv00000").deps.append(GroupDep("srv00000")),
    "dependency twice": lambda c: _group(c, "srv00000").deps.append(GroupDep("srv00000_storage")),
    "dependency VCS refuses": lambda c: _group(c, "srv00000").deps.append(
        GroupDep("srv00001", "offline", "global")
    ),
    "parallel on failover": lambda c: _group(c, "srv00000_storage").deps.append(
        GroupDep("srv00001")
    ),
    "resource name twice": lambda c: setattr(_resource(c, "PortForward"), "name", "srv00001_pf"),
    "illegal resource name": lambda c: setattr(_resource(c, "PortForward"), "name", "9pf"),
    "group name twice": lambda c: setattr(_group(c, "srv00001"), "name", "srv00000"),
    "unknown type": lambda c: setattr(_resource(c, "PortForward"), "type", "Nope"),
    "system attribute unknown": lambda c: c.systems[0].attrs.update(Nope=1),
    "cluster attribute of the wrong type": lambda c: c.cluster.attrs.update(Statistics=[1]),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_finding_the_pass_stands_in_for_makes_it_answer_false(name, monkeypatch):
    cfg = big_config(2)
    MUTATIONS[name](cfg)
    assert _fused_findings(cfg), "the mutation must give a finding"
    assert not clean(Context(cfg))
    assert verify(cfg) == _every_rule(cfg, monkeypatch)


def test_the_fixtures_verify_the_same_with_and_without_the_pass(monkeypatch):
    from vxha.vcs_types.cf import parse_file

    paths = sorted(FIXTURES.rglob("main.cf"))
    assert paths
    for path in paths:
        cfg = parse_file(path)
        assert verify(cfg) == _every_rule(cfg, monkeypatch), path


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_any_config_the_pass_calls_clean_has_no_finding_of_its_rules(cfg):
    if clean(Context(cfg)):
        assert _fused_findings(cfg) == []


@st.composite
def mutated_big_configs(draw):
    cfg = copy.deepcopy(_BIG)
    objs = list(cfg.groups) + [r for g in cfg.groups for r in g.resources] + cfg.systems
    obj = draw(st.sampled_from(objs))
    names = sorted(set(obj.attrs) | {"Priority", "SystemList", "AutoStartList", "Device"})
    name = draw(st.sampled_from(names))
    if draw(st.booleans()) and name in obj.attrs:
        del obj.attrs[name]
    else:
        obj.attrs[name] = draw(values)
    return cfg


_BIG = big_config(2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_big_configs())
def test_any_changed_attribute_the_pass_calls_clean_has_no_finding_of_its_rules(cfg):
    if clean(Context(cfg)):
        assert _fused_findings(cfg) == []
