"""vxha validate and vxha compat as commands: output, exit codes, --json."""

from __future__ import annotations

import json
import subprocess
import sys

from vxha.cli.main import main as vxha
from vxha.profiles import EXAMPLES


def run(capsys, *argv):
    code = vxha(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_examples_exit_0(capsys):
    code, out, err = run(capsys, "validate", EXAMPLES)
    assert code == 0 and out == ""
    # The one grant of the examples: the fibre-channel media server's privilege.
    assert err.splitlines()[0] == "node access: nbu_mediafc1: privileged"
    assert err.splitlines()[1].startswith("ok: ") and "7 server(s) resolved, 0 error(s)" in err


def test_validate_summarises_node_access(ws, capsys):
    ws.edit(
        ws.server("nbu_media1"),
        lambda d: d.update(
            schema="1.2.0",
            node_access={"capabilities": ["NET_ADMIN"], "devices": ["/dev/sg0"]},
        ),
    )
    code, out, err = run(capsys, "validate", str(ws.root))
    assert code == 0, out
    assert "node access: nbu_media1: capabilities NET_ADMIN; devices /dev/sg0\n" in err
    code, out, err = run(capsys, "validate", "--json", str(ws.root))
    report = json.loads(out)
    assert report["node_access"]["nbu_media1"]["devices"] == ["/dev/sg0"]
    assert report["node_access"]["nbu_mediafc1"]["privileged"] is True


def test_validate_reports_all_errors_at_once(ws, capsys):
    ws.edit(ws.server("auth1"), lambda d: d.update(address="10.200.0.255/24"))
    ws.edit(ws.server("db1"), lambda d: d.update(priority=0))
    code, out, err = run(capsys, "validate", str(ws.root))
    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith(f"{ws.server('auth1')}:8:")
        and "address: 10.200.0.255 is the broadcast address" in line
        for line in lines
    ), out
    assert any(
        str(ws.server("db1")) in line and "priority: 0 is too small" in line for line in lines
    )
    assert any(line.strip().startswith("hint: ") for line in lines)
    assert "FAILED" in err and "2 error(s)" in err


def test_validate_json(ws, capsys):
    ws.edit(ws.server("auth1"), lambda d: d.update(hostname="bad_host"))
    code, out, _ = run(capsys, "validate", "--json", str(ws.root))
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    (e,) = report["errors"]
    assert e["file"] == str(ws.server("auth1")) and e["line"] == 7 and e["key_path"] == "hostname"
    assert "RFC 1123" in e["message"] and e["severity"] == "error"
    assert set(e) == {"file", "line", "column", "key_path", "severity", "message", "hint"}


def test_validate_single_image_directory(capsys):
    code, _, err = run(capsys, "validate", f"{EXAMPLES}/images/dedup")
    assert code == 0, err


def test_validate_with_explicit_images_and_cluster(ws, capsys):
    ws.edit(ws.server("db1"), lambda d: d.update(load={"cpus": 64, "memory": "4GiB"}))
    code, out, _ = run(
        capsys,
        "validate",
        "--images",
        str(ws.images),
        "--cluster",
        str(ws.cluster),
        str(ws.servers),
    )
    assert code == 1 and "no system offers that" in out


def test_validate_platform_version_warns_about_newer_minor(capsys):
    code, out, _ = run(capsys, "validate", "--platform-version", "1.0.0", f"{EXAMPLES}/images")
    assert code == 0
    assert "warning: labels: key 'labels' is not known to schema 1.0.0" in out


def test_validate_missing_path(capsys):
    code, out, _ = run(capsys, "validate", "/nonexistent/x.yaml")
    assert code == 1 and "no such file or directory" in out


def test_validate_usage_error(capsys):
    try:
        vxha(["validate"])
    except SystemExit as exc:
        assert exc.code == 2


def test_validate_as_a_process():
    proc = subprocess.run(
        [sys.executable, "-m", "vxha.cli.main", "validate", EXAMPLES],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compat_serve(capsys):
    code, out, _ = run(
        capsys, "compat", "serve", "--platform-version", "1.0.0", f"{EXAMPLES}/images/nbu/10.3.yaml"
    )
    assert code == 0 and "10.3.yaml: yes, reduced QoS" in out and "ignores labels" in out


def test_compat_serve_newer_major(ws, capsys):
    ws.edit(ws.server("auth1"), lambda d: d.update(schema="3.0.0"))
    code, out, _ = run(capsys, "compat", "serve", str(ws.server("auth1")))
    assert code == 1 and "auth1.yaml: no" in out and "upgrade vxha" in out


def test_compat_host(capsys):
    code, out, _ = run(
        capsys,
        "compat",
        "host",
        "--cluster",
        f"{EXAMPLES}/cluster.yaml",
        "--system",
        "n1",
        f"{EXAMPLES}/servers",
    )
    assert code == 1  # nbu_mediafc1 is pinned to n3
    assert "auth1 on n1: yes" in out and "nbu_mediafc1 on n1: no" in out


def test_compat_qos_json(capsys):
    code, out, _ = run(
        capsys,
        "compat",
        "qos",
        "--json",
        "--cluster",
        f"{EXAMPLES}/cluster.yaml",
        f"{EXAMPLES}/servers",
    )
    report = json.loads(out)
    assert code == 1 and report["same"] is False
    assert report["servers"]["nbu_master1"]["n3"]["full"] is False
    assert report["servers"]["auth1"]["n3"]["full"] is True


def test_compat_qos_tables_which_system_hosts_which_server(ws, capsys):
    # n2 no longer has dedup 2.1: a rolling upgrade that has not reached it yet
    def drop(data):
        n2 = next(s for s in data["systems"] if s["name"] == "n2")
        n2["images"] = [i for i in n2["images"] if i != "dedup:2.1"]

    ws.edit(ws.cluster, drop)
    code, out, _ = run(capsys, "compat", "qos", "--cluster", str(ws.cluster), str(ws.servers))
    assert code == 1
    table = [line.split() for line in out.split("\n\n", 1)[1].splitlines()]
    assert table[0] == ["server", "n1", "n2", "n3"]
    rows = {r[0]: r[1:] for r in table[1:]}
    assert rows["auth1"] == ["full", "full", "full"]
    assert rows["dedup_disk1"] == ["full", "no", "full"]
    assert rows["nbu_master1"] == ["full", "full", "reduced"]  # labels unknown on n3
    assert rows["nbu_mediafc1"] == ["-", "-", "reduced"]  # pinned to n3


def test_compat_with_invalid_profiles_exits_2(ws, capsys):
    ws.edit(ws.server("auth1"), lambda d: d.update(priority=7))
    code, _, err = run(capsys, "compat", "qos", "--cluster", str(ws.cluster), str(ws.servers))
    assert code == 2 and "priority" in err


def test_validate_one_server_binds_dependencies_from_its_directory(capsys):
    code, out, err = run(capsys, "validate", f"{EXAMPLES}/servers/nbu_master1.yaml")
    assert code == 0, out
    assert "1 server(s) resolved" in err


def test_neighbours_problems_are_not_reported_but_conflicts_are(ws, capsys):
    ws.edit(ws.server("db1"), lambda d: d.update(priority=9))  # a neighbour's own problem
    ws.edit(ws.server("dedup_disk1"), lambda d: d.update(address="10.200.0.10/24"))
    code, out, _ = run(capsys, "validate", str(ws.server("dedup_disk1")))
    assert code == 1
    assert "priority" not in out
    assert "address 10.200.0.10 is already used by server auth1" in out


def test_compat_host_on_one_file_answers_for_that_server(capsys):
    code, out, _ = run(
        capsys,
        "compat",
        "host",
        "--cluster",
        f"{EXAMPLES}/cluster.yaml",
        "--system",
        "n3",
        f"{EXAMPLES}/servers/auth1.yaml",
    )
    assert code == 0 and out.strip() == "auth1 on n3: yes"


def test_bad_platform_version_is_a_usage_error(capsys):
    code, _, err = run(capsys, "validate", "--platform-version", "one", EXAMPLES)
    assert code == 2 and "not of the form MAJOR.MINOR.PATCH" in err
    code, _, err = run(capsys, "compat", "serve", "--platform-version", "1.x", EXAMPLES)
    assert code == 2


def test_compat_serve_json(capsys):
    code, out, _ = run(capsys, "compat", "serve", "--json", f"{EXAMPLES}/servers/db1.yaml")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    (answer,) = [a for p, a in report["profiles"].items() if p.endswith("db1.yaml")]
    assert answer == {"ok": True, "full": True, "reasons": [], "reduced": []}
