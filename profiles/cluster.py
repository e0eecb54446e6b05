"""The cluster description (DECISIONS.md 4): systems, their capacity, schema and images."""

from __future__ import annotations

from typing import Optional

from .checks import nic_problem
from .loader import Doc
from .model import Cluster, System
from .units import SIZE_HINT, parse_schema_version, size_mib


def build_cluster(doc: Doc) -> Optional[Cluster]:
    """Cluster from a schema-valid doc, reporting semantic problems into ``doc``."""
    data = doc.data
    systems = []
    seen = set()
    for i, s in enumerate(data["systems"]):
        if s["name"] in seen:
            doc.report(
                ("systems", i, "name"),
                f"system {s['name']!r} is listed twice",
                "describe each system once",
            )
        seen.add(s["name"])
        try:
            mem = size_mib(s["memory"])
        except ValueError as exc:
            doc.report(("systems", i, "memory"), str(exc), SIZE_HINT)
            mem = 0
        why = nic_problem(s["nic"])
        if why:
            doc.report(("systems", i, "nic"), why, "e.g. nic: eth0")
        version = s.get("schema_version", "1.0.0")
        try:
            parse_schema_version(version)
        except ValueError as exc:
            doc.report(("systems", i, "schema_version"), str(exc), "e.g. schema_version: 1.1.0")
        images = s.get("images", [])
        if len(set(images)) != len(images):
            doc.report(
                ("systems", i, "images"), "an image is listed twice", "list each id:version once"
            )
        systems.append(
            System(
                s["name"],
                float(s["cpus"]),
                mem,
                s["nic"],
                version,
                list(images),
                s.get("docker_host"),
            )
        )
    if doc.errors:
        return None
    return Cluster(
        name=data["name"],
        systems=systems,
        cvm_group=data.get("cvm_group", "cvm"),
        emit_cvm=bool(data.get("emit_cvm", True)),
        source=doc.path,
    )
