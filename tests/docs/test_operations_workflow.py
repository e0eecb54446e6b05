"""docs/operations.md, followed in its order on the served example cluster: maintenance on
with a reason, the record it documents, status, off for one system then all, delete with
--keep-data (profile archived, storage listed by inventory with its ways on), the refusals
it names, and --undo."""

from __future__ import annotations

import re
import sys

import pytest
from doccommands import ROOT

sys.path.insert(0, str(ROOT / "tests" / "ops"))
from ops_cluster import Cluster, generate  # noqa: E402

RECORD = re.compile(
    r"vxha-maintenance: by \S+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    r" \(frozen by vxha\): upgrade to 10\.12"
)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path, generate(str(tmp_path / "main.cf")))
    c.copy_profiles()
    yield c
    c.stop()


def test_maintenance_then_delete_keep_data_then_undo(cluster):
    on = cluster.vxha("maintenance", "on", "db1", "--reason", "upgrade to 10.12")
    assert on.returncode == 0, on.stdout + on.stderr
    for s in ("n1", "n2", "n3"):
        assert cluster.value("db1", "Enabled", s) == "0"
        assert RECORD.fullmatch(cluster.value("db1", "UserStrLocal", s))
    status = cluster.vxha("status")
    assert status.returncode == 0
    assert "maintenance" in status.stdout

    # "`off --sys n2` leaves n1 and n3 in maintenance with their records"
    assert cluster.vxha("maintenance", "off", "db1", "--sys", "n2").returncode == 0
    assert cluster.value("db1", "Enabled", "n2") == "1"
    assert cluster.value("db1", "UserStrLocal", "n2") == ""
    for s in ("n1", "n3"):
        assert cluster.value("db1", "Enabled", s) == "0"
        assert RECORD.fullmatch(cluster.value("db1", "UserStrLocal", s))
    off = cluster.vxha("maintenance", "off", "db1")
    assert off.returncode == 0, off.stdout + off.stderr
    assert [cluster.value("db1", "Enabled", s) for s in ("n1", "n2", "n3")] == ["1"] * 3
    assert cluster.value("db1", "Frozen") == "0"

    # delete --keep-data: the failover group goes, the storage group stays, the profile
    # is archived as DIR/archive/<name>@<time>.yaml
    gone = cluster.vxha("delete", "dedup_cloud1", "--keep-data", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "dedup_cloud1" not in cluster.groups() and "dedup_cloud1_storage" in cluster.groups()
    assert not (cluster.profiles / "dedup_cloud1.yaml").exists()
    archived = list((cluster.profiles / "archive").iterdir())
    assert len(archived) == 1 and re.fullmatch(r"dedup_cloud1@\d{8}T\d{6}Z\.yaml", archived[0].name)

    inventory = cluster.vxha("inventory").stdout
    assert "vxha delete dedup_cloud1 --now" in inventory
    assert "vxha restore" in inventory

    # maintenance of a server deleted with --keep-data: refused, naming the storage group
    # and the ways on
    refused = cluster.vxha("maintenance", "on", "dedup_cloud1")
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "dedup_cloud1_storage" in said and "vxha restore dedup_cloud1" in said
    assert "vxha delete dedup_cloud1 --now" in said

    # --undo restores the groups where they ran and the profile
    undo = cluster.vxha("delete", "--undo", "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    cluster.advance(300)
    assert (cluster.profiles / "dedup_cloud1.yaml").exists()
    assert len(cluster.online_on("dedup_cloud1")) == 1


def quoted_stop():
    """The block operations.md prints under "Stop at the first failure"."""
    text = (ROOT / "docs" / "operations.md").read_text()
    part = text[text.index("4. **Stop at the first failure**") :]
    return [line.strip() for line in part.split("```", 2)[1].splitlines() if line.strip()]


def test_apply_stopped_at_a_step_prints_what_operations_md_quotes_then_resume(cluster):
    """dedup_cloud1's memory raised to 20 GiB (a restart: its port forward and container
    offline, the Load and Memory changed, both online again), the Memory step failing."""
    from vxha.profiles import EXAMPLES

    profile = cluster.profiles / "dedup_cloud1.yaml"
    text = profile.read_text()
    assert "memory: 16GiB" in text
    profile.write_text(text.replace("memory: 16GiB", "memory: 20GiB"))
    new = str(cluster.tmp / "new.cf")
    generated = cluster.vxha(
        "generate", "--cluster", f"{EXAMPLES}/cluster.yaml", "--images", f"{EXAMPLES}/images",
        "--cfsmount", "vxha", str(cluster.profiles), "-o", new,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    cluster.fail("hares -modify dedup_cloud1_ctr Memory")
    stopped = cluster.vxha("apply", new, "--yes")
    assert stopped.returncode == 1
    lines = [line.strip() for line in (stopped.stdout + stopped.stderr).splitlines()]
    at = 0
    for quoted in quoted_stop():
        if quoted == "...":
            continue
        head = quoted[: -len("...")].rstrip() if quoted.endswith(" ...") else None
        found = [
            i
            for i in range(at, len(lines))
            if (lines[i].startswith(head) if head else lines[i] == quoted)
        ]
        assert found, f"operations.md's line not printed (in order): {quoted!r}"
        at = found[0] + 1
    # "to finish it: vxha apply --resume"
    resumed = cluster.vxha("apply", "--resume", "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    cluster.advance(300)
    assert cluster.run(
        "hares", "-value", "dedup_cloud1_ctr", "Memory", check=True
    ).stdout.strip() == ("20480m")
    state = cluster.run("hares", "-state", "dedup_cloud1_ctr", "-sys", "n2", check=True).stdout
    assert state.split()[-1] == "ONLINE"
