"""One crafted bad configuration per verify rule the generator issue adds (verify_groups),
plus the SystemList/AutoStartList rule, and a main.cf of LINBIT's template's shape."""

from __future__ import annotations

import shutil

import pytest
from genhelp import FIXTURES

from vxha.vcs_types import cf
from vxha.vcs_types.model import GroupDep
from vxha.vcs_types.verify import verify
from vxha.vcs_types.verify_groups import MAX_LEVELS, link_problem

HEAD = """include "types.cf"
include "CVMTypes.cf"
include "CFSTypes.cf"
include "ContainerTypes.cf"
include "HostIPTypes.cf"
include "PortForwardTypes.cf"

cluster lab (
    Statistics = Enabled
)
system n1 (
)
system n2 (
)
"""


def group(name, parallel=False, deps=(), body="", systems="{ n1 = 0, n2 = 1 }"):
    lines = [f"group {name} (", f"    SystemList = {systems}"]
    if parallel:
        lines.append("    Parallel = 1")
    lines.append(")")
    if body:
        lines.append(body)
    for d in deps:
        lines.append(f"    requires group {d}")
    return "\n".join(lines) + "\n"


def issues(*groups):
    config = cf.resolve_includes(cf.parse(HEAD + "".join(groups), "main.cf"), FIXTURES)
    return [str(i) for i in verify(config)]


def test_a_clean_configuration():
    assert issues(group("a", deps=["b online local firm"]), group("b")) == []


# required attributes


def test_required_attribute_missing():
    body = '    HostIP ip (\n        Address = "10.0.0.1"\n    )'
    assert issues(group("a", body=body)) == [
        "main.cf:18:5: resource ip (HostIP): required attribute Device is not set"
    ]


def test_required_attribute_localized_on_some_systems_only():
    body = '    HostIP ip (\n        Address = "10.0.0.1"\n        Device @n1 = eth0\n    )'
    assert issues(group("a", body=body)) == [
        "main.cf:18:5: resource ip (HostIP): required attribute Device is not set for n2"
    ]


def test_required_attribute_localized_on_every_system():
    body = (
        '    HostIP ip (\n        Address = "10.0.0.1"\n        Device @n1 = eth0\n'
        "        Device @n2 = eth1\n    )"
    )
    assert issues(group("a", body=body)) == []


def test_required_attribute_set_empty():
    body = '    Container c (\n        Image = ""\n    )'
    assert issues(group("a", body=body)) == [
        "main.cf:18:5: resource c (Container): required attribute Image is not set"
    ]


# group dependencies name existing groups


def test_dependency_on_a_missing_group():
    assert issues(group("a", deps=["nowhere online local firm"])) == [
        "main.cf:18:5: group a: requires group nowhere: no group nowhere is declared"
    ]


def test_dependency_on_itself():
    out = issues(group("a", deps=["a online local firm"]))
    assert out == ["main.cf:18:5: group a: requires group a: a group cannot depend on itself"]


def test_the_same_child_twice():
    out = issues(group("a", deps=["b online local firm", "b online local soft"]), group("b"))
    assert out == ["main.cf:19:5: group a: requires group b: the child is named twice"]


# VCS's rules


def test_offline_dependencies_are_only_local():
    out = issues(group("a", deps=["b offline global soft"]), group("b"))
    assert out == [
        "main.cf:18:5: group a: requires group b offline global soft: offline dependencies "
        "exist only as offline local"
    ]


def test_offline_local_is_accepted():
    assert issues(group("a", deps=["b offline local firm"]), group("b")) == []


def test_hard_only_online_local():
    out = issues(group("a", deps=["b online global hard"]), group("b"))
    assert out and "hard dependencies exist only as online local" in out[0]


def test_failover_parent_parallel_child_hard_is_rejected():
    out = issues(group("a", deps=["b online local hard"]), group("b", parallel=True))
    assert out and "cannot have a hard dependency on a parallel group" in out[0]


@pytest.mark.parametrize("kind", ["online local soft", "online local firm", "online global firm"])
def test_failover_parent_parallel_child_allowed(kind):
    assert issues(group("a", deps=[f"b {kind}"]), group("b", parallel=True)) == []


def test_parallel_parent_failover_child_online_local_is_rejected():
    out = issues(group("a", parallel=True, deps=["b online local firm"]), group("b"))
    assert out and "cannot depend online local on a failover group" in out[0]


def test_parallel_parent_failover_child_global_is_allowed():
    assert issues(group("a", parallel=True, deps=["b online global soft"]), group("b")) == []


def test_parallel_parent_parallel_child_global_is_rejected():
    out = issues(
        group("a", parallel=True, deps=["b online global firm"]), group("b", parallel=True)
    )
    assert out and "between parallel groups" in out[0]


def test_failover_groups_online_local_hard_is_allowed():
    assert issues(group("a", deps=["b online local hard"]), group("b")) == []


def test_link_problem_table():
    assert link_problem(GroupDep("b", "online", "remote", "soft"), True, False) is None
    assert link_problem(GroupDep("b", "offline", "local", "firm"), True, True) is None


# cycles and levels


def test_group_dependency_cycle():
    out = issues(
        group("a", deps=["b online local firm"]),
        group("b", deps=["c online local firm"]),
        group("c", deps=["a online local firm"]),
    )
    assert out == ["main.cf:18:5: group dependencies form a cycle: a -> b -> c -> a"]


def chain(n):
    names = [f"g{i}" for i in range(n)]
    return [
        group(name, deps=[f"{names[i + 1]} online local firm"] if i + 1 < n else [])
        for i, name in enumerate(names)
    ]


def test_five_levels_are_allowed():
    assert issues(*chain(MAX_LEVELS)) == []


def test_six_levels_are_too_many():
    out = issues(*chain(MAX_LEVELS + 1))
    assert len(out) == 1
    assert "g0 -> g1 -> g2 -> g3 -> g4 -> g5" in out[0] and "at most 5 levels" in out[0]


# SystemList and AutoStartList name defined systems (verify.py's rule, tested here too)


def test_system_list_names_an_undefined_system():
    # HEAD is 15 lines: the group opens on line 15, its SystemList (4 blanks in) on 16
    out = issues(group("a", systems="{ n1 = 0, n9 = 1 }"))
    assert out == ["main.cf:16:5: group a: SystemList names n9, which is not a system"]


def test_autostart_list_names_an_undefined_system():
    # the group's third line: after its head (15) and SystemList (16)
    text = group("a").replace(")", "    AutoStartList = { n7 }\n)", 1)
    out = issues(text)
    assert out == ["main.cf:17:5: group a: AutoStartList names n7, which is not a system"]


# LINBIT drbd-utils' template shape


def test_drbd_template_shape_parses_and_verifies():
    assert verify(FIXTURES / "drbd" / "main.cf") == []
    config = cf.parse_file(FIXTURES / "drbd" / "main.cf")
    assert {"DRBDConfigure", "DRBDPrimary", "Mount"} <= set(config.types)
    assert cf.write(config) == (FIXTURES / "drbd" / "main.cf").read_text()


def test_drbd_template_with_its_original_hard_link_is_rejected(tmp_path):
    # LINBIT's template links the failover group to the parallel one "online local hard";
    # the 7.x administrator's guide supports no hard dependency on a parallel child.
    for f in (FIXTURES / "drbd").iterdir():
        shutil.copy(f, tmp_path / f.name)
    main = tmp_path / "main.cf"
    main.write_text(main.read_text().replace("online local firm", "online local hard"))
    out = [str(i) for i in verify(main)]
    assert len(out) == 1 and "cannot have a hard dependency on a parallel group" in out[0]


# -- Phantom and NotifierMngr in the kind of group the guides allow (warnings) ----------

PHANTOM = "    Phantom ph (\n    )\n"
NIC = "    NIC nic (\n        Device = eth0\n    )\n"
NOTIFIER = '    NotifierMngr ntfr (\n        SmtpServer = "smtp.example.com"\n    )\n'


def test_phantom_in_a_parallel_group_with_other_resources_is_clean():
    assert issues(group("p", parallel=True, body=NIC + PHANTOM)) == []


def test_phantom_in_a_failover_group_is_a_warning():
    (found,) = issues(group("f", body=NIC + PHANTOM))
    assert "warning: resource ph (group f): Phantom belongs in parallel groups only" in found


def test_phantom_alone_in_its_group_is_a_warning():
    (found,) = issues(group("p", parallel=True, body=PHANTOM))
    assert "warning: resource ph (group p): a Phantom must not be the only resource" in found


def test_notifier_in_a_parallel_group_is_a_warning():
    assert issues(group("csg", body=NIC + NOTIFIER)) == []
    (found,) = issues(group("csg", parallel=True, body=NIC + NOTIFIER))
    assert "warning: resource ntfr (group csg): NotifierMngr belongs in a failover group" in found
