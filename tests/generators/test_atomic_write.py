"""main.cf is replaced whole or not at all, and durably: write, fsync, rename, fsync the
directory (a crash after the rename must not leave an empty main.cf)."""

from __future__ import annotations

import os
import stat

import pytest

from vxha.cli.generate_cmd import _write


def test_the_file_is_replaced_whole_with_its_mode_kept(tmp_path):
    path = tmp_path / "main.cf"
    path.write_text("old\n")
    path.chmod(0o751)
    _write(str(path), "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert os.listdir(tmp_path) == ["main.cf"]  # no temporary file left


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_s_mode(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        _write(str(tmp_path / "main.cf"), "new\n")
        assert os.umask(umask) == umask  # the umask is left as it was
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "main.cf").stat().st_mode) == mode


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "main.cf"
    path.write_text("old\n")

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        _write(str(path), "new\n")
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["main.cf"]


def test_a_reader_never_sees_a_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "main.cf"
    path.write_text("old\n")
    seen = []
    real_replace = os.replace

    def replace(src, dst, *a, **k):
        seen.append(path.read_text())  # what a reader sees just before the rename
        real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    _write(str(path), "x" * 100000)
    assert seen == ["old\n"] and path.read_text() == "x" * 100000


def test_the_data_and_the_directory_are_synced_around_the_rename(tmp_path, monkeypatch):
    path = tmp_path / "main.cf"
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(*a, **k):
        events.append("rename")
        real_replace(*a, **k)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    _write(str(path), "new\n")
    assert events == ["fsync file", "rename", "fsync dir"]


def test_bytes_are_written_as_durably(tmp_path, monkeypatch):
    path = tmp_path / "main.cf"
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    _write(str(path), b"\x00bytes\n", binary=True)
    assert path.read_bytes() == b"\x00bytes\n" and synced == [False, True]
