"""Fixtures of the HostIP / PortForward tests: launchers, fake node, real namespaces."""

from __future__ import annotations

import sys

import pytest
from netns_topo import Topology, require_real

from vxha.agents.install import install_agents

REAL_TOOLS = ("ip", "nsenter", "arping", "nft", "socat", "iptables-save", "iptables-restore")


@pytest.fixture(scope="session")
def net_agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("netroot")
    install_agents(str(root), sys.executable, ["HostIP", "PortForward"])
    return root


@pytest.fixture
def topo(tmp_path, net_agent_root):
    require_real(*REAL_TOOLS)
    t = Topology(tmp_path, net_agent_root)
    try:
        t.up()
        yield t
    finally:
        t.down()
