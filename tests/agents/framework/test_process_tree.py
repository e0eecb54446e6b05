"""Which processes kill_tree and kill_session select, on a stand-in process table
({pid: (parent, session)}): the whole tree, the whole session, nothing else."""

from __future__ import annotations

from vxha.agents.drivers.proc import _members

#   1 init (session 1)
#   ├── 100 agent (session 100)
#   │   ├── 101 mount (session 101)        its own session, started by the agent
#   │   │   └── 102 helper (session 101)
#   │   └── 103 sh (session 100)
#   │       └── 104 sleep (session 100)
#   ├── 200 other daemon (session 200)
#   │   └── 201 its child (session 200)
#   └── 300 reparented orphan of session 101 (session 101)
TABLE = {
    1: (0, 1),
    100: (1, 100),
    101: (100, 101),
    102: (101, 101),
    103: (100, 100),
    104: (103, 100),
    200: (1, 200),
    201: (200, 200),
    300: (1, 101),
}


def test_a_tree_is_its_root_and_every_descendant():
    assert _members({100}, set(), TABLE) == {100, 101, 102, 103, 104}
    assert _members({103}, set(), TABLE) == {103, 104}


def test_a_leaf_is_only_itself():
    assert _members({104}, set(), TABLE) == {104}


def test_a_session_includes_its_reparented_members_and_their_children():
    table = {**TABLE, 301: (300, 101)}
    assert _members({101}, {101}, table) == {101, 102, 300, 301}


def test_a_gone_root_selects_nothing():
    assert _members({999}, set(), TABLE) == set()


def test_other_processes_are_never_selected():
    found = _members({100}, {101}, TABLE)
    assert not found & {1, 200, 201}


def test_several_roots():
    assert _members({103, 200}, set(), TABLE) == {103, 104, 200, 201}
