"""Groups and systems declared in an included file run in the simulator as main.cf's own.

Rules: main.cf may include files that declare groups, resources and systems, each of which
keeps the file it was read from in its SourceFile attribute (Admin 6.0 AIX, "About the
main.cf file"; docs/vcs-language.md, "Includes and types"); the engine loads them all, so
they are listed, probed, autostarted and fail over like any other. `haconf -dump` writes
each back to the file that declared it and writes an object created by a command into
main.cf (chosen because no stored page says how hacf -dump splits a configuration by
SourceFile, and a group moved out of its include would be declared twice on the next load).
"""

from __future__ import annotations

from sim_helpers import HEADER

from vxha.vcs_types.cf import parse_file
from vxha.vcs_types.verify import verify

MAIN = HEADER.replace(
    'include "DummyTypes.cf"\n', 'include "DummyTypes.cf"\ninclude "apps.cf"\n'
) + (
    "system n1 (\n)\n\n"
    "group web (\n    SystemList = { n1 = 0, n2 = 1 }\n    AutoStartList = { n1 }\n)\n"
    "    Dummy web_res (\n    )\n"
)
APPS = (
    "system n2 (\n)\n\n"
    "group app (\n    SystemList = { n1 = 0, n2 = 1 }\n    AutoStartList = { n1 }\n)\n"
    "    Dummy app_res (\n    )\n"
)


def start(tmp_path):
    from vxha.simulator.api import Simulator

    (tmp_path / "main.cf").write_text(MAIN)
    (tmp_path / "apps.cf").write_text(APPS)
    sim = Simulator.from_file(tmp_path / "main.cf", tmp_path / "run", dump=True).start()
    sim.settle()
    return sim


def ok(sim, line):
    code, out, err = sim.command(line.split())
    assert code == 0, f"{line}: {err}"
    return out


def test_a_group_of_an_include_is_listed_and_autostarts(tmp_path):
    sim = start(tmp_path)
    assert "app" in ok(sim, "hagrp -list").split()
    assert "ONLINE" in ok(sim, "hagrp -state app -sys n1")
    assert "OFFLINE" in ok(sim, "hagrp -state app -sys n2")
    # the include's system is a system of the cluster
    assert "n2" in ok(sim, "hasys -list").split()


def test_a_group_of_an_include_fails_over(tmp_path):
    sim = start(tmp_path)
    sim.event("crash", system="n1")
    sim.settle()
    assert "ONLINE" in ok(sim, "hagrp -state app -sys n2")


def test_dump_writes_each_object_back_to_the_file_that_declared_it(tmp_path):
    sim = start(tmp_path)
    ok(sim, "haconf -makerw")
    ok(sim, "hagrp -modify app Priority 2")
    ok(sim, "hagrp -add added")
    ok(sim, "hagrp -modify added SystemList n1 0")
    ok(sim, "haconf -dump -makero")
    main = (tmp_path / "main.cf").read_text()
    apps = (tmp_path / "apps.cf").read_text()
    assert 'include "apps.cf"' in main
    assert "group app (" not in main and "system n2 (" not in main
    assert "group app (" in apps and "Priority = 2" in apps and "system n2 (" in apps
    assert "group added (" in main and "group added (" not in apps
    # read again, the configuration is the one dumped: valid, nothing declared twice
    config = parse_file(tmp_path / "main.cf")
    assert verify(config) == []
    assert [g.name for g in config.groups] == ["web", "added"]
    assert [g.name for sub in config.included for g in sub.groups] == ["app"]


def test_a_group_of_an_include_deleted_by_commands_leaves_its_file(tmp_path):
    sim = start(tmp_path)
    ok(sim, "hagrp -offline app -sys n1")
    sim.settle()
    ok(sim, "haconf -makerw")
    ok(sim, "hares -delete app_res")
    ok(sim, "hagrp -delete app")
    ok(sim, "haconf -dump -makero")
    assert "group app" not in (tmp_path / "apps.cf").read_text()
    assert "system n2 (" in (tmp_path / "apps.cf").read_text()


def test_an_include_that_cannot_be_written_is_a_clear_error(tmp_path):
    sim = start(tmp_path)
    (tmp_path / "apps.cf.tmp").mkdir()  # where the dump writes before it replaces the file
    ok(sim, "haconf -makerw")
    code, out, err = sim.command(["haconf", "-dump"])
    assert (code, out) == (1, "")
    assert err == f"VCS WARNING V-16-1-10000 Cannot write {tmp_path}/apps.cf: Is a directory\n"
    assert (tmp_path / "apps.cf").read_text() == APPS  # the include is left as it was
