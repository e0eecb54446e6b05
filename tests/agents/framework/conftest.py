"""Fixtures of the framework tests: the Dummy launchers, a stand-in VCS command."""

from __future__ import annotations

import os
import sys

import pytest

from vxha.agents.install import install_agents


@pytest.fixture(scope="module")
def agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    install_agents(str(root), sys.executable, ["Dummy"])
    return root


@pytest.fixture
def vcs_command(tmp_path):
    """vcs_command(name) -> (env with VCS_HOME, file recording each call's arguments)."""

    def make(name):
        home = tmp_path / "vcs"
        (home / "bin").mkdir(parents=True, exist_ok=True)
        calls = tmp_path / f"{name}.calls"
        cmd = home / "bin" / name
        cmd.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >>{calls}\necho >>{calls}\n')
        cmd.chmod(0o755)
        return dict(os.environ, VCS_HOME=str(home)), calls

    return make
