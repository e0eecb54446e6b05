"""vxha install-agents on a node where an admin's file stands where a type's agent
directory goes: refused before anything is written, naming the path, as the packages
refuse (packaging/install-check.sh, docs/packaging.md "Never installed over what is not
vxha's")."""

from __future__ import annotations

from test_install_agents_cfsmount import install


def test_refuses_a_file_where_the_agent_directory_goes(tmp_path):
    bin_dir = tmp_path / "opt/VRTSvcs/bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "Container").write_text("an admin's notes\n")
    p = install(tmp_path, "--types", "HostIP,Container")
    assert p.returncode == 1
    assert (
        "vxha install-agents: not installed: /opt/VRTSvcs/bin/Container exists and is not a "
        "directory" in p.stderr
    ), p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(p.name for p in bin_dir.iterdir()) == ["Container"]  # HostIP not written
    assert (bin_dir / "Container").read_text() == "an admin's notes\n"
