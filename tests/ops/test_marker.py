"""A group is vxha's only when its UserStrGlobal starts with the marker and names a server,
and the group is named as vxha names that server's groups (<srv>, <srv>_storage): every
command that changes a cluster asks this before touching a group."""

from __future__ import annotations

import pytest

from vxha.generators.ownership import MARKER, server_of, servers
from vxha.vcs_types.model import Config, Group


@pytest.mark.parametrize(
    "tag, server",
    [
        (f"{MARKER}db1", "db1"),
        (f"{MARKER}db1;admin=ops@example.com", "db1"),
        (f"{MARKER};admin=ops@example.com", None),  # a marker that names no server
        (MARKER, None),
        (f"x{MARKER}db1", None),  # the marker must lead
        ("db1", None),
        ("", None),
        (None, None),
        ([f"{MARKER}db1"], None),  # not a string
    ],
)
def test_server_of(tag, server):
    attrs = {} if tag is None else {"UserStrGlobal": tag}
    assert server_of(Group("db1", attrs=attrs)) == server


@pytest.mark.parametrize(
    "name, server",
    [("db1", "db1"), ("db1_storage", "db1"), ("db1_storage2", None), ("db1x", None),
     ("xdb1", None), ("db1_ctr", None), ("reports", None), ("storage", None)],
)  # fmt: skip
def test_a_marker_counts_only_on_a_group_named_as_the_servers(name, server):
    """DECISIONS.md 3 names a server's groups; a marker copied onto another group (an
    admin's copy of a vxha group) does not make it vxha's (docs/operations.md)."""
    assert server_of(Group(name, attrs={"UserStrGlobal": f"{MARKER}db1"})) == server


def test_no_group_is_no_server():
    assert server_of(None) is None


def test_a_marker_elsewhere_is_not_ownership():
    assert server_of(Group("db1", attrs={"UserStrLocal": f"{MARKER}db1"})) is None


def test_servers_lists_each_servers_groups_in_configuration_order():
    config = Config()
    config.groups = [
        Group("db1_storage", attrs={"UserStrGlobal": f"{MARKER}db1"}),
        Group("ClusterService"),
        Group("web1", attrs={"UserStrGlobal": f"{MARKER}web1;admin=a@b"}),
        Group("db1", attrs={"UserStrGlobal": f"{MARKER}db1"}),
        Group("admin_db", attrs={"UserStrGlobal": "owned by the DBA team"}),
    ]
    assert servers(config) == {"db1": ["db1_storage", "db1"], "web1": ["web1"]}
    assert list(servers(config)) == ["db1", "web1"]
