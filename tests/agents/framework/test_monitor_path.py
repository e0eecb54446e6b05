"""What a monitor's start costs beyond the modules it needs (docs/framework.md, "What a
monitor imports"): ``from __future__ import annotations`` is an import at run time too (of
the ``__future__`` module, one file more to find, read and run in every monitor), so the
framework's path and HostIP's go without it, their annotations that Python 3.9 cannot
evaluate quoted instead."""

import os
import shutil

import pytest

from vxha.agents.framework import build_argv
from vxha.vcs_types.catalog import project_type


def test_the_no_op_monitor_does_not_import_future(regular_install, node_dir):
    argv = build_argv(project_type("Dummy"), "nofuture", {}, "monitor", aep_timeout=10)
    code, names = regular_install.imports("Dummy", "monitor", argv, dict(os.environ))
    assert code == 100
    assert "vxha.agents.framework" in names and "vxha.agents.lock" in names
    assert "__future__" not in names


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare (a network namespace of its own)")  # fmt: skip
def test_the_hostip_monitor_does_not_import_future(regular_install, tmp_path):
    """The real drivers, in a network namespace of the test's own: its lo is down and
    holds no address, so the monitor reads the link and the addresses over rtnetlink and
    answers offline."""
    env = {k: v for k, v in os.environ.items() if k != "VXHA_DRIVERS"}
    env["VXHA_NODE_DIR"] = str(tmp_path / "node")
    values = {"Device": "lo", "Address": "127.0.0.1", "PrefixLen": 8}
    argv = build_argv(project_type("HostIP"), "nofuture", values, "monitor", aep_timeout=10)
    code, names = regular_install.imports("HostIP", "monitor", argv, env, ["unshare", "--net"])
    assert code == 100
    assert "vxha.agents.drivers.rtnetlink" in names and "vxha.agents.hostip" in names
    assert "__future__" not in names
