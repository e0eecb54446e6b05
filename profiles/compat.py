"""The source's three compatibility questions, answered from schema versions.

1. Can this platform (knowing schemas up to X) serve profile P?
2. Can system N (its schema version and loaded images) host server S?
3. Is the quality of service the same on every system of a cluster?

Same major version: yes, listing the attributes the older side does not know (reduced
quality of service). Newer major: no, the platform must be upgraded first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Dict, List, Optional, Tuple

from .catalog import Catalog
from .loader import Doc
from .model import Cluster, Server, System
from .schemas import choose_version, unknown_to
from .servers import Resolved


@dataclass
class Answer:
    ok: bool
    reasons: List[str] = field(default_factory=list)
    reduced: List[str] = field(default_factory=list)  # "file: attribute" unknown to the reader

    @property
    def full(self) -> bool:
        """Served with the full quality of service."""
        return self.ok and not self.reduced

    def as_dict(self) -> dict:
        return {"ok": self.ok, "full": self.full, "reasons": self.reasons, "reduced": self.reduced}


def can_serve(doc: Doc, up_to: Optional[str] = None) -> Answer:
    """Question 1 for one loaded profile (its kind and stated schema already checked)."""
    if doc.kind is None or doc.schema_version is None:
        return Answer(False, [f"{doc.path}: not a profile this platform can read"])
    version, _, reason = choose_version(doc.kind, doc.schema_version, up_to)
    if version is None:
        return Answer(False, [f"{doc.path}: {reason}"])
    unknown = set(doc.unknown_attributes)
    if isinstance(doc.data, dict):
        unknown.update(unknown_to(doc.data, doc.kind, version))
    reduced = [f"{doc.path}: {a}" for a in sorted(unknown)]
    reasons = []
    if reduced:
        reasons.append(
            f"{doc.path}: written for schema {doc.schema_version}; a platform knowing "
            f"{doc.kind} schemas up to {version} ignores {', '.join(sorted(unknown))}"
        )
    return Answer(True, reasons, reduced)


def profile_chain(resolved: Resolved, catalog: Catalog) -> List[Doc]:
    """The image version, application and server profiles a server is made of, and the
    profiles of the add-ons and hotfixes it receives."""
    data = resolved.doc.data
    image = catalog.image(data["image"])
    docs = []
    if image is not None:
        for d in (
            image.versions.get(data["image_version"]),
            image.applications.get(data["application"]),
        ):
            if d is not None:
                docs.append(d)
    docs.append(resolved.doc)
    server = resolved.server
    for addon in (server.addons + server.hotfixes) if server is not None else []:
        attached = catalog.image(addon.image)
        d = attached.versions.get(addon.version) if attached is not None else None
        if d is not None:
            docs.append(d)
    return docs


def schema_problem(system: System, server: Server) -> Optional[str]:
    """Why ``system`` cannot serve the schemas ``server``'s profiles state, or None."""
    stated = tuple(sorted(getattr(server, "schemas", {}).items()))
    try:
        # asked for every server on every system it may run on; few combinations exist
        return _schemas_problem(system.schema_version, stated)
    except TypeError:  # a value no dictionary key can be: asked as it is
        return _schemas_problem.__wrapped__(system.schema_version, stated)


@cache
def _schemas_problem(up_to: Optional[str], stated: Tuple[Tuple[str, str], ...]) -> Optional[str]:
    for kind, version_stated in stated:
        version, _, reason = choose_version(kind, version_stated, up_to)
        if version is None:
            return f"its {kind} profile: {reason}"
    return None


def can_host(system: System, server: Server, chain: List[Doc]) -> Answer:
    """Question 2: can ``system`` host ``server`` (profiles in ``chain``)?"""
    answer = Answer(True)
    wanted = f"{server.image}:{server.image_version}"
    # a system listing no images is not known to lack one (as the generator and the
    # add-on checks read it: docs/profiles.md "Add-ons and hotfixes")
    if system.images and wanted not in system.images:
        answer.ok = False
        answer.reasons.append(f"image {wanted} is not loaded on {system.name}")
    for addon in server.addons + server.hotfixes:
        attached = f"{addon.image}:{addon.version}"
        if system.images and attached not in system.images:
            answer.ok = False
            answer.reasons.append(f"{addon.kind} {attached} is not loaded on {system.name}")
    if server.systems is not None and system.name not in server.systems:
        answer.ok = False
        answer.reasons.append(f"{system.name} is not in the server's systems")
    if system.cpus < server.cpus or system.memory_mib < server.memory_mib:
        answer.ok = False
        answer.reasons.append(
            f"{system.name} has {system.cpus:g} CPUs and {system.memory_mib} MiB; the server "
            f"needs {server.cpus:g} CPUs and {server.memory_mib} MiB"
        )
    for doc in chain:
        part = can_serve(doc, system.schema_version)
        if not part.ok:
            answer.ok = False
            answer.reasons.extend(f"{system.name}: {r}" for r in part.reasons)
        else:
            answer.reduced.extend(part.reduced)
            answer.reasons.extend(
                f"{system.name} (schema {system.schema_version}): {r}" for r in part.reasons
            )
    return answer


@dataclass
class QosReport:
    same: bool
    per_server: Dict[str, Dict[str, Answer]]
    reasons: List[str]

    def table(self, systems: List[str]) -> List[str]:
        """Which system can host which server, at which quality of service: "full",
        "reduced", "no", or "-" where the server's systems leave it out (the rolling
        platform upgrade's view: which servers must stay off which nodes)."""
        width = max([len("server")] + [len(s) for s in self.per_server]) + 2
        lines = ["server".ljust(width) + "".join(n.ljust(9) for n in systems)]
        for server, per in sorted(self.per_server.items()):
            cells = []
            for n in systems:
                a = per.get(n)
                cells.append(
                    "-" if a is None else "no" if not a.ok else "full" if a.full else "reduced"
                )
            lines.append(server.ljust(width) + "".join(c.ljust(9) for c in cells))
        return [line.rstrip() for line in lines]

    def as_dict(self) -> dict:
        return {
            "same": self.same,
            "reasons": self.reasons,
            "servers": {
                s: {n: a.as_dict() for n, a in per.items()} for s, per in self.per_server.items()
            },
        }


def same_qos(cluster: Cluster, items: List[tuple]) -> QosReport:
    """Question 3 over (server, chain) pairs: does every system that may host a server give
    it the same (full) quality of service?"""
    per_server: Dict[str, Dict[str, Answer]] = {}
    reasons: List[str] = []
    for server, chain in items:
        names = server.systems if server.systems is not None else [s.name for s in cluster.systems]
        answers = {}
        for n in names:
            system = cluster.system(n)
            if system is not None:
                answers[n] = can_host(system, server, chain)
        per_server[server.name] = answers
        hosting = {n: a for n, a in answers.items() if a.ok}
        if not hosting:
            reasons.append(f"{server.name}: no system can host it")
        lacking = sorted(n for n, a in answers.items() if not a.ok)
        if lacking and hosting:
            reasons.append(f"{server.name}: cannot run on {', '.join(lacking)}")
        reduced = sorted(n for n, a in hosting.items() if a.reduced)
        if reduced:
            what = sorted({r.split(": ", 1)[-1] for n in reduced for r in hosting[n].reduced})
            reasons.append(
                f"{server.name}: reduced quality of service on {', '.join(reduced)} "
                f"(unknown there: {', '.join(what)})"
            )
    return QosReport(not reasons, per_server, reasons)
