"""vxha install-agents never lays its CFSMount over Veritas's (DECISIONS.md 6), nor an agent
over another package's, as the packages refuse to (packaging/install-check.sh)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VXHA = os.path.join(os.path.dirname(sys.executable), "vxha")


def install(root, *args):
    return subprocess.run(
        [VXHA, "install-agents", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def veritas_agent(tmp_path):
    d = tmp_path / "opt/VRTSvcs/bin/CFSMount"
    d.mkdir(parents=True)
    (d / "CFSMountAgent").write_bytes(b"\x7fELF veritas's agent")
    (d / "monitor").write_text("#!/bin/sh\n# Veritas\n")
    return tmp_path


def test_refuses_over_veritas_cfsmount_agent_and_changes_nothing(veritas_agent):
    before = sorted(str(p) for p in veritas_agent.rglob("*"))
    p = install(veritas_agent)
    assert p.returncode == 1
    assert "Veritas's CFSMount is present" in p.stderr
    assert "--types" in p.stderr  # says how to install the other types
    assert sorted(str(p) for p in veritas_agent.rglob("*")) == before
    agent = veritas_agent / "opt/VRTSvcs/bin/CFSMount/CFSMountAgent"
    assert agent.read_bytes() == b"\x7fELF veritas's agent" and not agent.is_symlink()


def test_refuses_where_veritas_cfstypes_is_configured(tmp_path):
    conf = tmp_path / "etc/VRTSvcs/conf/config"
    conf.mkdir(parents=True)
    (conf / "CFSTypes.cf").write_text("type CFSMount (\n)\n")
    p = install(tmp_path, "--types", "CFSMount")
    assert p.returncode == 1 and "CFSTypes.cf" in p.stderr
    assert not (tmp_path / "opt").exists()


def test_other_types_install_beside_veritas_cfsmount(veritas_agent):
    p = install(veritas_agent, "--types", "Container,HostIP,PortForward")
    assert p.returncode == 0, p.stderr
    assert (veritas_agent / "opt/VRTSvcs/bin/HostIP/monitor").exists()
    assert not (veritas_agent / "opt/VRTSvcs/bin/CFSMount/CFSMountAgent").is_symlink()


def test_reinstalling_over_its_own_cfsmount_is_fine(tmp_path):
    assert install(tmp_path).returncode == 0
    p = install(tmp_path)
    assert p.returncode == 0, p.stderr


def test_refuses_over_another_packages_agent_and_changes_nothing(tmp_path):
    d = tmp_path / "opt/VRTSvcs/bin/HostIP"
    d.mkdir(parents=True)
    (d / "monitor").write_text("#!/bin/sh\n# another package's HostIP agent\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    p = install(tmp_path, "--types", "Container,HostIP")
    assert p.returncode == 1
    assert p.stderr == (
        "vxha install-agents: not installed: /opt/VRTSvcs/bin/HostIP holds another "
        "package's agent\n"
    )
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("link", [None, "../Script50Agent", "/opt/other/bin/HostIPAgent"])
def test_refuses_over_another_packages_agent_binary(tmp_path, link):
    """An agent binary vxha did not make (a file, or a link to anything but
    ../Script51Agent) is another package's, whatever the monitor beside it says."""
    d = tmp_path / "opt/VRTSvcs/bin/HostIP"
    d.mkdir(parents=True)
    if link is None:
        (d / "HostIPAgent").write_bytes(b"\x7fELF another package's agent")
    else:
        (d / "HostIPAgent").symlink_to(link)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    p = install(tmp_path, "--types", "HostIP")
    assert (p.returncode, p.stderr) == (
        1,
        "vxha install-agents: not installed: /opt/VRTSvcs/bin/HostIP holds another "
        "package's agent\n",
    )
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_refuses_where_the_agent_directory_is_at_the_other_place(tmp_path):
    """Agent Developer's Guide 9.0, "Installing the custom agent": a type's agent directory
    at only one of /opt/VRTSvcs/bin, /opt/VRTSagents/ha/bin or AgentDirectory."""
    (tmp_path / "opt/VRTSagents/ha/bin/Container").mkdir(parents=True)
    p = install(tmp_path, "--types", "Container")
    assert p.returncode == 1
    assert p.stderr == (
        "vxha install-agents: not installed: /opt/VRTSagents/ha/bin/Container exists, and "
        "VCS takes a type's agent from one place only\n"
    )
    assert not (tmp_path / "opt/VRTSvcs").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--types", ",,"], "vxha install-agents: error: --types names no type\n"),
        (["--root", "{tmp}/absent"], "error: --root is not a directory: {tmp}/absent\n"),
        (["--root", "{tmp}/file"], "error: --root is not a directory: {tmp}/file\n"),
        (["--types", "HostIP,NoSuch"], "error: unknown type(s): NoSuch\n"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, args, message):
    """A typo must not install every type (an empty --types) nor create a root."""
    (tmp_path / "file").write_text("")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    p = subprocess.run(
        [VXHA, "install-agents", *(["--root", str(tmp_path)] if "--root" not in args else []),
         *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 2
    assert p.stderr.endswith(message.replace("{tmp}", str(tmp_path))), p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_a_relative_interpreter_is_refused_even_where_it_runs(tmp_path):
    """A launcher's #! line needs an absolute path: a relative one that works in the
    installer's directory would name nothing where VCS starts the agent."""
    here = os.path.dirname(sys.executable)
    python = os.path.basename(sys.executable)
    p = subprocess.run([VXHA, "install-agents", "--root", str(tmp_path), "--python", python],
                       capture_output=True, text=True, timeout=60, cwd=here)  # fmt: skip
    assert p.returncode == 2
    assert p.stderr.endswith(
        f"error: --python must be an absolute path to an interpreter: {python}\n"
    ), p.stderr
    assert list(tmp_path.iterdir()) == []
