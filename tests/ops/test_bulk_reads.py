"""Every command reads the cluster with the same few ha* processes, whatever its size."""

from __future__ import annotations

import pytest
from ops_cluster import Cluster, generate
from test_ownership import write_profiles

SMALL = ("auth1", "db1", "dedup_cloud1")


@pytest.fixture(scope="module")
def clusters(tmp_path_factory):
    made = []
    for name, only in (("small", SMALL), ("large", None)):
        tmp = tmp_path_factory.mktemp(name)
        c = Cluster(tmp, generate(str(tmp / "old.cf"), only=only))
        c.same = str(tmp / "old.cf")
        folder = write_profiles(
            tmp / "edited", only, {"dedup_cloud1": [("host: 11102", "host: 11103")]}
        )
        c.changed = generate(str(tmp / "new.cf"), servers=[str(folder)])
        made.append(c)
    yield made
    for c in made:
        c.stop()


def reads(c: Cluster, *argv):
    c.reset_calls()
    c.vxha(*argv, check=True)
    return c.calls()


@pytest.mark.parametrize(
    "argv",
    [
        ("maintenance", "list"),
        ("inventory",),
        ("apply", "{same}"),
        ("apply", "{changed}", "--dry-run"),
    ],
)
def test_reads_do_not_grow_with_the_cluster(clusters, argv):
    small, large = clusters
    assert len(small.groups()) < len(large.groups())
    counts = []
    for c in clusters:
        args = [a.format(same=c.same, changed=c.changed) for a in argv]
        counts.append(reads(c, *args))
    assert len(counts[0]) == len(counts[1]), counts
    assert len(counts[1]) <= 3, counts[1]
    assert not any(" -value " in line for line in counts[1])
