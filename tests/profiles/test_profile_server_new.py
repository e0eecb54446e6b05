"""vxha server new: interactive prompts (pexpect), re-asking, Ctrl-C, and --set."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pexpect
import pytest
import yaml

from vxha.profiles import validate_paths

VXHA = [sys.executable, "-m", "vxha.cli.main"]


def _as_at_a_terminal():
    # An admin's shell leaves SIGINT at its default; a run started in the background
    # (nohup, `make test &`) passes it on ignored, and Ctrl-C would then never arrive.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(ws, *args):
    child = pexpect.spawn(
        VXHA[0],
        VXHA[1:] + ["server", "new", "--dir", str(ws.servers), *args],
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
        preexec_fn=_as_at_a_terminal,
    )
    return child


def answer(child, prompt, text):
    child.expect_exact(prompt)
    child.sendline(text)


def run(ws, *args):
    return subprocess.run(
        VXHA + ["server", "new", "--dir", str(ws.servers), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def listing(ws):
    return sorted(os.listdir(ws.servers))


def test_interactive_media_server_with_reasking(ws):
    child = spawn(ws, "--type", "nbu/media-net")
    child.expect_exact("New NetBackup Server server: media-net (image nbu 10.3)")
    answer(child, "Server name [media_net1]: ", "nbu-media2")
    child.expect_exact("invalid: a server name is a letter, then letters, digits or _")
    answer(child, "Server name [media_net1]: ", "nbu_media2")
    answer(child, "Hostname: ", "")
    child.expect_exact("a value is required")
    answer(child, "Hostname: ", "nbu-media2.vxdemo.example")
    answer(child, "Application IP with prefix: ", "10.200.0.0/24")
    child.expect_exact("invalid: 10.200.0.0 is the network address of 10.200.0.0/24; try again")
    answer(child, "Application IP with prefix: ", "10.200.0.11/24")
    child.expect_exact("invalid: 10.200.0.11 is already used by server nbu_master1")
    answer(child, "Application IP with prefix: ", "10.200.0.42/24")
    answer(
        child, "Disk group for mount config (configuration, 10GiB, at /config) [nbu_media2dg]: ", ""
    )
    answer(child, "Volume for mount config [config]: ", "")
    answer(child, "(empty: no such mount): ", "")  # optional data disk: skipped
    answer(child, "Disk group for mount log (log, 50GiB, at /logs) [nbu_media2dg]: ", "")
    answer(child, "Volume for mount log [log]: ", "logs")
    answer(child, "Priority (1 highest .. 4 lowest) [2]: ", "5")
    child.expect_exact("invalid: priority is 1 (highest) to 4 (lowest)")
    answer(child, "Priority (1 highest .. 4 lowest) [2]: ", "3")
    answer(child, "CPUs [4]: ", "1")
    child.expect_exact("invalid: the application needs at least 2 CPUs")
    answer(child, "CPUs [4]: ", "")
    answer(child, "Memory [16GiB]: ", "12 GiB")
    answer(child, "Systems (comma-separated, empty: every system): ", "n1, n2")
    answer(child, "Admin e-mail (empty: none): ", "not-an-address")
    child.expect_exact("is not an e-mail address")
    answer(child, "Admin e-mail (empty: none): ", "")
    answer(child, "Master server hostname (hostname): ", "nbu-master1.vxdemo.example")
    child.expect_exact("wrote ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = yaml.safe_load((ws.servers / "nbu_media2.yaml").read_text())
    assert data == {
        "schema": "1.0.0",
        "kind": "server",
        "name": "nbu_media2",
        "image": "nbu",
        "image_version": "10.3",
        "application": "media-net",
        "hostname": "nbu-media2.vxdemo.example",
        "address": "10.200.0.42/24",
        "mounts": [
            {"name": "config", "diskgroup": "nbu_media2dg", "volume": "config"},
            {"name": "log", "diskgroup": "nbu_media2dg", "volume": "logs"},
        ],
        "priority": 3,
        "load": {"cpus": 4, "memory": "12 GiB"},
        "systems": ["n1", "n2"],
        "inputs": {"master_server": "nbu-master1.vxdemo.example"},
    }
    errors, _ = validate_paths([str(ws.root)]).split()
    assert errors == []


def test_ctrl_c_leaves_nothing_behind(ws):
    before = listing(ws)
    child = spawn(ws, "--type", "dedup/cloud")
    answer(child, "Server name [cloud1]: ", "")
    answer(child, "Hostname: ", "cloud1.vxdemo.example")
    child.expect_exact("Application IP with prefix: ")
    child.sendintr()
    child.expect_exact("aborted: nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert listing(ws) == before


def test_end_of_input_aborts_too(ws):
    before = listing(ws)
    child = spawn(ws, "--type", "authsvc/service")
    child.expect_exact("Server name [service1]: ")
    child.sendeof()
    child.expect_exact("aborted: nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and listing(ws) == before


def test_interactive_with_some_values_set_asks_only_the_rest(ws):
    child = spawn(
        ws,
        "--type",
        "dedup/cloud",
        "--set",
        "name=cloud7",
        "--set",
        "hostname=cloud7.vxdemo.example",
        "--set",
        "address=10.200.0.77/24",
        "--set",
        "cloud_provider=ibm",
    )
    answer(child, "Disk group for mount config (configuration, 1GiB, at /config) [cloud7dg]: ", "")
    for _ in range(5):
        child.expect(r"\]: ")
        child.sendline("")
    answer(child, "Priority (1 highest .. 4 lowest) [2]: ", "")
    answer(child, "CPUs [8]: ", "")
    answer(child, "Memory [32GiB]: ", "")
    answer(child, "Systems (comma-separated, empty: every system): ", "")
    answer(child, "Admin e-mail (empty: none): ", "")
    child.expect_exact("--set inputs.cloud_provider: 'ibm' is not one of: aws, azure, gcp")
    answer(child, "Cloud provider (one of aws, azure, gcp) [aws]: ", "gcp")
    answer(child, "Bucket name (string): ", "bkt")
    child.expect_exact("wrote ")
    child.expect(pexpect.EOF)
    data = yaml.safe_load((ws.servers / "cloud7.yaml").read_text())
    assert data["inputs"] == {"cloud_provider": "gcp", "bucket": "bkt"}
    assert [m["name"] for m in data["mounts"]] == ["config", "log", "cache"]


def test_non_interactive_with_set(ws):
    proc = run(
        ws,
        "--type",
        "nbu/media-fc",
        "--set",
        "name=fc2",
        "--set",
        "hostname=fc2.vxdemo.example",
        "--set",
        "address=10.200.0.50/24",
        "--set",
        "systems=n2",
        "--set",
        "master_server=nbu-master1.vxdemo.example",
        "--set",
        "mounts.data.diskgroup=fc2dg",
        "--set",
        "privileged=yes",
        "--non-interactive",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote {ws.servers}/fc2.yaml"
    data = yaml.safe_load((ws.servers / "fc2.yaml").read_text())
    assert data["systems"] == ["n2"] and data["mounts"][1] == {
        "name": "data",
        "diskgroup": "fc2dg",
        "volume": "data",
    }
    session = validate_paths([str(ws.root)])
    assert session.split() == ([], [])
    fc2 = [s for s in session.servers() if s.name == "fc2"][0]
    assert fc2.privileged and not fc2.relocatable


def test_non_interactive_lists_every_missing_value(ws):
    before = listing(ws)
    proc = run(ws, "--type", "nbu/media-fc", "--set", "priority=9")
    assert proc.returncode == 1
    for text in (
        "hostname: a value is required",
        "address: a value is required",
        "priority: priority is 1 (highest) to 4 (lowest)",
        "systems: a value is required",
        "inputs.master_server: a value is required",
    ):
        assert text in proc.stderr
    assert listing(ws) == before


def test_profile_that_would_not_validate_is_not_written(ws):
    os.unlink(ws.server("auth1"))
    ws.edit(ws.server("nbu_master1"), lambda d: d.pop("dependencies"))
    os.unlink(ws.server("nbu_master1"))
    before = listing(ws)
    proc = run(
        ws,
        "--type",
        "nbu/master",
        "--set",
        "hostname=m2.vxdemo.example",
        "--set",
        "address=10.200.0.60/24",
    )
    assert proc.returncode == 1
    assert "would not validate; nothing written" in proc.stderr
    assert "needs a server of image 'authsvc'" in proc.stderr
    assert listing(ws) == before


def test_existing_profile_is_not_replaced(ws):
    (ws.servers / "service1.yaml").write_text("# someone else's\n")
    proc = run(
        ws,
        "--type",
        "authsvc/service",
        "--set",
        "name=service1",
        "--set",
        "hostname=s1.vxdemo.example",
        "--set",
        "address=10.200.0.61/24",
    )
    assert proc.returncode == 1 and "exists; pass --force" in proc.stderr
    assert (ws.servers / "service1.yaml").read_text() == "# someone else's\n"


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["--type", "nbu/backup"], 1, "unknown server type 'nbu/backup'; known: dedup/cloud"),
        (["--type", "media-net", "--set", "colour=blue"], 2, "unknown key 'colour'"),
        (["--type", "media-net", "--set", "nonsense"], 2, "is not KEY=VALUE"),
        (["--type", "dedup/cloud", "--image-version", "2.0"], 1, "supports image versions 2.1"),
    ],
)
def test_bad_requests(ws, args, code, text):
    proc = run(ws, *args)
    assert proc.returncode == code and text in proc.stderr


def test_server_without_new_is_usage(ws):
    proc = subprocess.run(VXHA + ["server"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "usage: vxha server new" in proc.stderr
