"""PortForward's tracked flows on the fake driver: deleting them is the aftermath of a
change of the rules, not the change itself (docs/network.md, "Tracked flows")."""

from __future__ import annotations

import json
import subprocess

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import project_type

PF = {"Address": "10.0.0.10", "TargetAddress": "172.17.0.2", "Ports": {"53/udp": "53"}}


def run(root, ep, values, reason=None):
    argv = build_argv(project_type("PortForward"), "web_pf", values, ep, reason, 5)
    p = subprocess.run([str(root / "opt/VRTSvcs/bin/PortForward" / ep), *argv],
                       capture_output=True, text=True, timeout=15)  # fmt: skip
    return p.returncode, p.stdout


def test_flows_that_cannot_be_deleted_are_said_and_the_rules_still_count(net_agent_root, node_dir):
    (node_dir / "faults.json").write_text(
        json.dumps({"forwarding.flows": {"mode": "error", "message": "conntrack is not installed"}})
    )
    code, out = run(net_agent_root, "online", PF)
    assert code == 0, out
    assert "could not delete the tracked flows to 10.0.0.10: conntrack is not installed" in out
    assert run(net_agent_root, "monitor", PF)[0] == 110
    moved = dict(PF, TargetAddress="172.17.0.3")
    assert run(net_agent_root, "monitor", moved)[0] == 100
    code, out = run(net_agent_root, "online", moved)
    assert code == 0 and "could not delete the tracked flows" in out
    code, out = run(net_agent_root, "offline", moved)
    assert code == 0 and "tracked flows" not in out  # offline lets them drain
    assert run(net_agent_root, "monitor", moved)[0] == 100
    # an online with the rules already in place changes nothing, so deletes nothing
    assert run(net_agent_root, "online", PF)[0] == 0
    code, out = run(net_agent_root, "online", PF)
    assert code == 0 and "already in place" in out and "tracked flows" not in out
