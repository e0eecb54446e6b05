"""Host paths of different servers never nest: one server's storage going offline would
otherwise signal the other's processes and unmount its volume."""

from __future__ import annotations

import pytest
from genhelp import cluster, server

from vxha.generators.build import GenerationError, _outer_paths, plan
from vxha.profiles import Mount


def test_a_mount_under_another_servers_mount_is_refused():
    logs = Mount("log", "adg", "log", "/vx/a/log", "/log", "log")
    inner = Mount("data", "bdg", "data", "/vx/a/log/b", "/data", "data")
    with pytest.raises(GenerationError) as err:
        plan(cluster(), [server("a", mounts=[logs]), server("b", mounts=[inner])])
    text = str(err.value)
    assert "b.yaml: server b: mount data (/vx/a/log/b) is inside server a's mount log" in text


def test_the_same_host_path_for_two_servers_is_refused():
    one = Mount("data", "adg", "data", "/vx/shared", "/data", "data")
    two = Mount("data", "bdg", "data", "/vx/shared", "/data", "data")
    with pytest.raises(GenerationError) as err:
        plan(cluster(), [server("a", mounts=[one]), server("b", mounts=[two])])
    assert "is inside server a's mount data (/vx/shared)" in str(err.value)


def test_siblings_and_one_servers_own_nesting_pass():
    a = [
        Mount("data", "adg", "data", "/vx/a/data", "/data", "data"),
        Mount("sub", "adg", "sub", "/vx/a/data/sub", "/sub", "data"),
    ]
    b = [Mount("data", "bdg", "data", "/vx/ab/data", "/data", "data")]
    plan(cluster(), [server("a", mounts=a), server("b", mounts=b)])


@pytest.mark.parametrize(
    "path, outer",
    [
        ("/", ["/", "/"]),
        ("/vx", ["/", "/vx"]),
        ("/vx/web/data", ["/", "/vx", "/vx/web", "/vx/web/data"]),
        ("vx/web", ["vx", "vx/web"]),
    ],
)
def test_a_mount_point_is_checked_against_each_of_its_ancestors(path, outer):
    assert _outer_paths(path) == outer
