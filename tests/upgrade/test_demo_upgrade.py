"""make demo ends with one upgrade: dedup_disk1 to dedup 2.2, through the plan runner."""

from __future__ import annotations

from vxha.cli.demo_cmd import Demo, default_profiles
from vxha.profiles.moves import recorded_version


def test_the_demo_upgrades_one_server(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VXHA_POLL", "0")  # what the demo sets for itself, undone afterwards
    demo = Demo(str(tmp_path / "demo"))
    assert demo.run(default_profiles()) == 0
    out = capsys.readouterr().out
    server, image, where = demo.findings["upgrade"]
    assert (server, image, len(where)) == ("dedup_disk1", "dedup:2.2", 1)
    assert recorded_version(str(tmp_path / "demo" / "profiles" / "dedup_disk1.yaml")) == "2.2"
    lines = [line.split() for line in out.splitlines()]
    ran = [w[1:] for w in lines if len(w) == 7 and w[2:4] == ["dedup_disk1_ctr", "action"]]
    assert ran == [[where[0], "dedup_disk1_ctr", "action", "oneoff", "exit", "0"],
                   [where[0], "dedup_disk1_ctr", "action", "exec", "exit", "0"]]  # fmt: skip
    # the example profiles themselves are untouched
    assert recorded_version(f"{default_profiles()}/servers/dedup_disk1.yaml") == "2.1"
