"""The resolved specifications the generator consumes, and the problems a load reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Problem:
    """One thing wrong (or doubtful, for a warning) in one profile, and how to fix it."""

    file: str
    line: int
    key_path: str
    message: str
    hint: str = ""
    column: int = 0
    severity: str = "error"

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.line and self.column:
            where += f":{self.column}"
        key = f"{self.key_path}: " if self.key_path else ""
        text = f"{where}: {self.severity}: {key}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key_path": self.key_path,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class ProfileError(Exception):
    """Raised when profiles are invalid; ``problems`` lists every error found at once."""

    def __init__(self, problems: List[Problem], warnings: Optional[List[Problem]] = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        lines = [p.format() for p in self.problems]
        super().__init__(f"{len(self.problems)} profile error(s):\n" + "\n".join(lines))


@dataclass
class System:
    name: str
    cpus: float
    memory_mib: int
    nic: str
    schema_version: str
    images: List[str] = field(default_factory=list)
    docker_host: Optional[str] = None


@dataclass
class Cluster:
    name: str
    systems: List[System]
    cvm_group: str = "cvm"
    emit_cvm: bool = True
    source: str = ""

    def system(self, name: str) -> Optional[System]:
        for s in self.systems:
            if s.name == name:
                return s
        return None

    def systems_by_name(self) -> Dict[str, System]:
        """Each system by name, the first of a name as ``system`` finds it: for looking
        up many names at once."""
        out: Dict[str, System] = {}
        for s in self.systems:
            out.setdefault(s.name, s)
        return out


@dataclass
class Port:
    host: int
    container: int
    proto: str = "tcp"


@dataclass
class Mount:
    name: str
    diskgroup: str
    volume: str
    host_path: str
    container_path: str
    kind: str
    read_only: bool = False


@dataclass
class Dependency:
    image: str
    relation: str
    location: str = "local"
    requirement: str = "mandatory"
    runtime: str = "hard"
    server: Optional[str] = None


@dataclass
class AddOn:
    """An add-on or hotfix image attached to a server: its files, read-only at ``path``."""

    kind: str  # add-on | hotfix
    image: str
    version: str
    path: str
    reference: str  # as the engine knows it (default <id>:<version>)


@dataclass
class Server:
    name: str
    image: str
    image_version: str
    application: str
    hostname: str
    address: str
    prefix_len: int
    device: Optional[str]
    ports: List[Port]
    mounts: List[Mount]
    exclusive_storage: bool
    priority: int
    cpus: float
    memory_mib: int
    privileged: bool
    relocatable: bool
    env: Dict[str, str]
    health_cmd: Optional[str]
    startup_cmds: List[str]
    labels: Dict[str, str]
    systems: Optional[List[str]]
    admin_email: Optional[str]
    dependencies: List[Dependency]
    source: str
    # Schema 1.2.0: the engine's reference, the container options (checked, merged image ->
    # application -> server) and what of the node the server profile grants.
    image_ref: str = ""
    allow_pull: bool = False
    container: Dict[str, Any] = field(default_factory=dict)
    node_access: Dict[str, Any] = field(default_factory=dict)
    # The schema each profile of the server states (image, application, server): which
    # systems can serve it (profiles/compat.py).
    schemas: Dict[str, str] = field(default_factory=dict)
    # Add-ons as listed; hotfixes in version order, the order they apply in.
    addons: List[AddOn] = field(default_factory=list)
    hotfixes: List[AddOn] = field(default_factory=list)
