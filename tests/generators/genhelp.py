"""Builders for generator tests: clusters and servers as vxha.profiles dataclasses."""

from __future__ import annotations

from pathlib import Path

from vxha.profiles import Cluster, Dependency, Mount, Port, Server, System

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "profiles" / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cluster(n=3, emit_cvm=True, images=()):
    return Cluster(
        "lab",
        [System(f"n{i}", 16, 65536, "eth0", "1.1.0", list(images)) for i in range(1, n + 1)],
        cvm_group="cvm",
        emit_cvm=emit_cvm,
        source="cluster.yaml",
    )


def server(name, **kw):
    spec = dict(
        name=name,
        image="app",
        image_version="1.0",
        application="main",
        hostname=f"{name}.lab",
        address="10.0.0.10",
        prefix_len=24,
        device=None,
        ports=[Port(8080, 80, "tcp")],
        mounts=[Mount("data", f"{name}dg", "data", f"/vx/{name}/data", "/data", "data")],
        exclusive_storage=False,
        priority=2,
        cpus=1.5,
        memory_mib=2048,
        privileged=False,
        relocatable=True,
        env={"A": "1"},
        health_cmd=None,
        startup_cmds=[],
        labels={},
        systems=None,
        admin_email=None,
        dependencies=[],
        source=f"{name}.yaml",
    )
    spec.update(kw)
    return Server(**spec)


def dep(server_name, relation="child", location="local", runtime="hard", requirement="mandatory"):
    return Dependency("app", relation, location, requirement, runtime, server_name)
