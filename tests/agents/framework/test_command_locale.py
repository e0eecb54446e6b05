"""Commands the drivers run speak English whatever locale VCS's environment carries: the
drivers read their messages (umount's "target is busy" is how CFSMount tells a busy mount,
docs/cfsmount.md), and a translated message would turn a busy mount into a plain failure.

The German locale is generated into the test's own directory (LOCPATH): glibc's own
translations (Debian's libc.mo) then translate strerror, as util-linux's translate
umount's messages where its catalogs are installed (RHEL, SLES)."""

from __future__ import annotations

import os
import subprocess

import pytest
from realtier import require_real

from vxha.agents.drivers import proc


@pytest.fixture
def german(tmp_path, monkeypatch):
    require_real("localedef")
    if not os.path.exists("/usr/share/locale/de/LC_MESSAGES/libc.mo"):
        pytest.skip("glibc's German messages (libc.mo) are not installed")
    loc = tmp_path / "locale"
    loc.mkdir()
    subprocess.run(["localedef", "-i", "de_DE", "-f", "ISO-8859-1", str(loc / "de_DE.ISO-8859-1")],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    monkeypatch.setenv("LOCPATH", str(loc))
    monkeypatch.setenv("LANG", "de_DE.ISO-8859-1")
    monkeypatch.setenv("LC_ALL", "de_DE.ISO-8859-1")
    probe = subprocess.run(["ls", "/nonexistent-vxha"], capture_output=True, encoding="latin-1",
                           timeout=10)  # fmt: skip
    assert "nicht gefunden" in probe.stderr  # the environment really translates


@pytest.mark.real
def test_a_command_s_messages_are_english_whatever_the_locale(german):
    code, _, err = proc.run(["ls", "/nonexistent-vxha"], 10)
    assert code != 0
    assert err.endswith("No such file or directory\n"), err
    assert os.environ["LC_ALL"] == "de_DE.ISO-8859-1"  # the agent's own environment is left as is
