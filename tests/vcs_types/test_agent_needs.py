"""What the agents of Veritas's bundled types need of a resource that hacf does not check.

hacf -verify checks syntax (UG 4.1, "Verifying a Configuration"), so these are warnings:
the configuration loads and the agent cannot do its work. Each test is written from the
guide's rule (docs/vcs-language.md, rule ``agent_attributes``).
"""

from __future__ import annotations

import pytest

from vxha.vcs_types.verify import verify

_HEAD = """include "types.cf"

cluster c (
\t)

system n1 (
\t)

system n2 (
\t)

group g (
\tSystemList = { n1 = 0, n2 = 1 }
\t)

\tMount m1 (
\t\tMountPoint = "/data"
\t\tBlockDevice = "/dev/vx/dsk/dg1/vol1"
"""


def _findings(tmp_path, lines):
    (tmp_path / "main.cf").write_text(_HEAD + lines + "\t\t)\n")
    return [i for i in verify(tmp_path / "main.cf") if i.rule == "agent_attributes"]


def test_a_vxfs_mount_without_fsckopt_is_a_warning_naming_the_guide(tmp_path):
    # BARG 6.0 (HP-UX) "Attributes for Mount agent": FsckOpt "Mandatory for non-NFS
    # mounts"; hacf only checks syntax, so the file loads: a warning, not an error
    (issue,) = _findings(tmp_path, "\t\tFSType = vxfs\n")
    assert issue.severity == "warning"
    assert "resource m1 (Mount): FsckOpt is not set" in issue.message
    assert "Attributes for Mount agent" in issue.message
    assert issue.where.endswith("main.cf:16:2")


@pytest.mark.parametrize("fsck", ['"-y"', '"-n"', '"-o full -y"'])
def test_a_mount_with_fsckopt_holding_y_or_n_has_no_finding(tmp_path, fsck):
    assert _findings(tmp_path, f"\t\tFSType = vxfs\n\t\tFsckOpt = {fsck}\n") == []


@pytest.mark.parametrize("fstype", ["nfs", "NFS"])
def test_an_nfs_mount_needs_no_fsckopt(tmp_path, fstype):
    # "For NFS mounts, the value of this attribute is not applicable and is ignored"
    assert _findings(tmp_path, f"\t\tFSType = {fstype}\n") == []


def test_fsckopt_without_y_or_n_is_a_warning(tmp_path):
    # "Its value must include either -y or -n"
    (issue,) = _findings(tmp_path, '\t\tFSType = ext4\n\t\tFsckOpt = "-f"\n')
    assert issue.severity == "warning"
    assert "FsckOpt '-f' includes neither -y nor -n" in issue.message


def test_fsckopt_localized_on_every_system_is_set(tmp_path):
    lines = '\t\tFSType = vxfs\n\t\tFsckOpt @n1 = "-y"\n\t\tFsckOpt @n2 = "-n"\n'
    assert _findings(tmp_path, lines) == []


def test_fsckopt_localized_on_some_systems_names_the_others(tmp_path):
    (issue,) = _findings(tmp_path, '\t\tFSType = vxfs\n\t\tFsckOpt @n1 = "-y"\n')
    assert "FsckOpt is not set for n2" in issue.message


def test_the_warning_does_not_fail_verify(tmp_path):
    # the file stays valid for hacf: no error among all the findings
    (tmp_path / "main.cf").write_text(_HEAD + "\t\tFSType = vxfs\n\t\t)\n")
    assert [i for i in verify(tmp_path / "main.cf") if i.severity == "error"] == []


def test_a_mount_naming_no_file_system_type_gets_no_fsckopt_warning(tmp_path):
    # chosen: without FSType the mount may be NFS, for which FsckOpt is ignored
    assert _findings(tmp_path, "") == []
