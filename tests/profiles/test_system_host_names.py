"""A system's name is the node's host name (User's Guide 4.1, "System Definition"): from
profile schema 1.3.0 the cluster's and a server's ``systems`` take `rac-node1` and
`node1.example.com`; older schemas refuse them with the version that takes them, and the
names reach main.cf, verify and the simulator as the configuration language writes them."""

from __future__ import annotations

import re

import yaml

from vxha.cli import main as cli
from vxha.profiles import schema_source
from vxha.vcs_types import cf

HOSTS = {"n1": "rac-node1", "n2": "rac-node2.corp.example", "n3": "3par-n3"}


def _rename(ws, schema):
    text = ws.cluster.read_text()
    for old, new in HOSTS.items():
        text = re.sub(rf"\b{old}\b", new, text)
    ws.cluster.write_text(re.sub(r"(?m)^schema: .*$", f"schema: {schema}", text))
    for path in ws.servers.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if "systems" in data:
            data["systems"] = [HOSTS[s] for s in data["systems"]]
            data["schema"] = schema
            path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_older_schemas_refuse_a_host_name_naming_the_version_that_takes_it(ws):
    _rename(ws, "1.2.0")
    errors = ws.errors()
    bad = [p for p in errors if "is not of the required form" in p.message]
    assert bad and all("needs schema 1.3.0" in p.hint for p in bad), errors
    names = {p.message.split("'")[1] for p in bad}
    assert names == set(HOSTS.values())


def test_host_names_generate_verify_and_fail_over(ws, tmp_path, capsys):
    _rename(ws, "1.3.0")
    assert ws.errors() == []
    out = tmp_path / "main.cf"
    argv = ["generate", "--cluster", str(ws.cluster), str(ws.servers)]
    assert cli.main([*argv, "--images", str(ws.images), "-o", str(out)]) == 0
    text = out.read_text()
    # a bare word holds letters, digits, '_' and '-' (docs/vcs-language.md): the dotted
    # name is written quoted, everywhere it appears
    assert "system rac-node1 (" in text and 'system "rac-node2.corp.example" (' in text
    assert 'Device @"rac-node2.corp.example" = ' in text
    # a name starting with a digit is quoted: bare only "with a letter first"
    assert 'system "3par-n3" (' in text and "system 3par-n3" not in text
    assert cli.main(["verify", str(out)]) == 0
    config = cf.parse_file(str(out))
    assert [s.name for s in config.systems] == list(HOSTS.values())

    from vxha.simulator.api import Simulator

    sim = Simulator.from_file(str(out), str(tmp_path / "run"))
    sim.start()
    sim.settle()

    def online(group):
        insts = sim.engine.group(group).insts
        return [s for s in insts if sim.group_state(group, s).startswith("ONLINE")]

    first = online("nbu_media1")
    assert len(first) == 1, sim.state_table()
    sim.event("crash", system=first[0])
    sim.settle()
    after = online("nbu_media1")
    assert len(after) == 1 and after != first, sim.state_table()


def test_server_new_takes_a_host_name_and_writes_the_schema_that_reads_it():
    from vxha.profiles import provision

    problem, names = provision._systems(False)("rac-node1, node2.corp.example")
    assert problem is None and names == ["rac-node1", "node2.corp.example"]
    problem, _ = provision._systems(False)("-n1")
    assert problem and "not a system name" in problem
    # one rule: the interactive check is the schema's pattern
    assert provision.checks.SYSTEM_NAME.pattern == schema_source.SYSTEM_NAME


def test_server_new_with_a_host_name_writes_schema_1_3_0_and_validates(ws):
    import subprocess
    import sys

    _rename(ws, "1.3.0")
    argv = [sys.executable, "-m", "vxha.cli.main", "server", "new", "--dir", str(ws.servers)]
    sets = {
        "name": "fc2",
        "hostname": "fc2.vxdemo.example",
        "address": "10.200.0.50/24",
        "systems": "rac-node2.corp.example",
        "master_server": "nbu-master1.vxdemo.example",
        "mounts.data.diskgroup": "fc2dg",
        "privileged": "yes",
    }
    for key, value in sets.items():
        argv += ["--set", f"{key}={value}"]
    proc = subprocess.run(
        [*argv, "--type", "nbu/media-fc", "--non-interactive"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load((ws.servers / "fc2.yaml").read_text())
    assert data["schema"] == "1.3.0" and data["systems"] == ["rac-node2.corp.example"]
    assert ws.errors() == []
