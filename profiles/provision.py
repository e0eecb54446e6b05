"""Provisioning a server profile (``vxha server new``): the questions an application implies,
each value checked as it is given, the whole profile validated with its neighbours, then
written atomically. Prompting itself lives in the CLI; this module knows no terminal."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from . import checks
from .api import Session
from .catalog import Catalog, Image, profile_files
from .loader import LoadFailed, load_doc, parse_text
from .model import Problem
from .units import SIZE_HINT, parse_size


class ProvisionError(Exception):
    """A request that cannot become a server profile; ``problems`` says why."""

    def __init__(self, message: str, problems: Optional[List[Problem]] = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Question:
    key: str  # --set key, e.g. address, mounts.data.diskgroup, inputs.site_name
    prompt: str
    check: Callable[[str], Tuple[Optional[str], Any]]  # text -> (why wrong, value)
    default: Optional[str] = None
    required: bool = True
    help: str = ""
    only_if: Optional[str] = None  # asked only when this other question got a value

    def default_for(self, answers: Dict[str, Any]) -> Optional[str]:
        if self.default is None:
            return None
        return self.default.replace("{name}", str(answers.get("name", "")))


@dataclass
class Plan:
    image: Image
    application: str
    version: str
    questions: List[Question] = field(default_factory=list)
    existing: Dict[str, dict] = field(default_factory=dict)  # server name -> data


def _vcs_name(taken: Dict[str, dict]):
    def check(text: str):
        if not checks.VCS_NAME.match(text):
            return ("a server name is a letter, then letters, digits or _ (at most 40)", None)
        if text in taken:
            return (f"server {text!r} already exists", None)
        return None, text

    return check


def _address(taken: Dict[str, dict]):
    used = {str(d.get("address", "")).split("/")[0]: n for n, d in taken.items()}

    def check(text: str):
        why, ip, _ = checks.address_problem(text)
        if why:
            return why, None
        if str(ip) in used:
            return f"{ip} is already used by server {used[str(ip)]}", None
        return None, text

    return check


def _hostname(text: str):
    why = checks.hostname_problem(text)
    return (why, None) if why else (None, text)


def _priority(text: str):
    if text not in ("1", "2", "3", "4"):
        return "priority is 1 (highest) to 4 (lowest)", None
    return None, int(text)


def _cpus(minimum: Optional[float]):
    def check(text: str):
        try:
            value = float(text)
        except ValueError:
            return f"{text!r} is not a number of CPUs", None
        if value <= 0:
            return "CPUs must be more than 0", None
        if minimum is not None and value < minimum:
            return f"the application needs at least {minimum:g} CPUs", None
        return None, int(value) if value.is_integer() else value

    return check


def _memory(minimum: Optional[str]):
    def check(text: str):
        try:
            n = parse_size(text)
        except ValueError as exc:
            return f"{exc} ({SIZE_HINT})", None
        if minimum is not None and n < parse_size(minimum):
            return f"the application needs at least {minimum}", None
        return None, text

    return check


def _ident(text: str):
    if not re.match(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$", text):
        return "use a letter, then letters, digits, '_', '.' or '-' (at most 32)", None
    return None, text


def _systems(required: bool):
    def check(text: str):
        names = [s.strip() for s in text.split(",") if s.strip()]
        if required and len(names) != 1:
            return "this server runs on exactly one system: name it", None
        for n in names:
            if not checks.SYSTEM_NAME.match(n):
                return f"{n!r} is not a system name (the node's host name)", None
        return None, names or None

    return check


def _email(text: str):
    why = checks.email_problem(text)
    return (why, None) if why else (None, text)


def _input(spec: dict):
    def check(text: str):
        why, _ = checks.input_value(spec["type"], text, spec.get("choices"))
        if why:
            return why, None
        if spec["type"] == "integer":
            return None, int(text)
        if spec["type"] == "number":
            return None, float(text)
        if spec["type"] == "boolean":
            return None, text.strip().lower() in ("true", "yes", "y", "1", "on")
        return None, text

    return check


def _yes_no(text: str):
    word = text.strip().lower()
    if word in ("yes", "y", "true", "1", "on"):
        return None, True
    if word in ("no", "n", "false", "0", "off"):
        return None, False
    return f"{text!r} is not yes or no", None


def existing_servers(directory: str) -> Dict[str, dict]:
    out: Dict[str, dict] = {}
    for f in profile_files(directory):
        try:
            doc = load_doc(f, directory)
        except LoadFailed:
            continue
        if isinstance(doc.data, dict) and isinstance(doc.data.get("name"), str):
            out[doc.data["name"]] = doc.data
    return out


def plan(catalog: Catalog, server_type: str, directory: str, version: Optional[str] = None) -> Plan:
    """The questions for a new server of ``server_type`` (``image/application``, or an
    application name unique among the images)."""
    catalog.load_all()
    catalog.check()
    if "/" in server_type:
        image_id, app = server_type.split("/", 1)
        image = catalog.image(image_id)
        if image is None or app not in image.applications:
            raise ProvisionError(
                f"unknown server type {server_type!r}; known: {known_types(catalog)}"
            )
    else:
        found = [i for i in catalog.images.values() if i and server_type in i.applications]
        if len(found) != 1:
            why = "unknown" if not found else "ambiguous"
            raise ProvisionError(
                f"{why} server type {server_type!r}; known: {known_types(catalog)}"
            )
        image, app = found[0], server_type
    adoc = image.applications[app]
    problems = [p for d in [adoc] + list(image.versions.values()) for p in d.errors]
    if problems:
        raise ProvisionError(f"the profiles of {image.id}/{app} have errors", problems)
    if image.type() != "application":
        raise ProvisionError(f"only application images run servers; {image.id} is {image.type()}")
    supported = adoc.data.get("image_versions") or image.version_list()
    supported = [v for v in image.version_list() if v in supported]
    if version is None:
        version = supported[-1]
    if version not in supported:
        raise ProvisionError(
            f"{image.id}/{app} supports image versions {', '.join(supported)}, not {version!r}"
        )
    eff = catalog.effective(image.id, version, app)
    taken = existing_servers(directory)
    p = Plan(image, app, version, existing=taken)
    q = p.questions.append
    base = app.replace("-", "_")
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    q(
        Question(
            "name",
            "Server name",
            _vcs_name(taken),
            f"{base}{n}",
            help="a VCS identifier: letters, digits, _",
        )
    )
    needs = eff.get("needs", {})
    q(
        Question(
            "hostname",
            "Hostname",
            _hostname,
            None,
            needs.get("hostname", True),
            "RFC 1123, e.g. srv1.example.com",
        )
    )
    q(
        Question(
            "address",
            "Application IP with prefix",
            _address(taken),
            None,
            True,
            "e.g. 10.200.0.30/24",
        )
    )
    for m in eff.get("mounts", []):
        opt = bool(m.get("optional"))
        what = f"{m['name']} ({m['type']}, {m.get('min_size', 'any size')}, at {m['path']})"
        q(
            Question(
                f"mounts.{m['name']}.diskgroup",
                f"Disk group for mount {what}" + (" (empty: no such mount)" if opt else ""),
                _ident,
                None if opt else "{name}dg",
                not opt,
            )
        )
        q(
            Question(
                f"mounts.{m['name']}.volume",
                f"Volume for mount {m['name']}",
                _ident,
                m["name"],
                not opt,
                only_if=f"mounts.{m['name']}.diskgroup",
            )
        )
    q(Question("priority", "Priority (1 highest .. 4 lowest)", _priority, "2"))
    res = eff.get("resources", {})
    cpus = res.get("cpus", {})
    mem = res.get("memory", {})
    q(Question("cpus", "CPUs", _cpus(cpus.get("min")), f"{cpus.get('default', 1):g}"))
    q(Question("memory", "Memory", _memory(mem.get("min")), mem.get("default", "1GiB")))
    if eff.get("privileged"):
        # The application only asks: the admin grants it (DECISIONS.md 4 "Node access").
        q(
            Question(
                "privileged",
                "The application asks to run privileged, with the whole node: grant it (yes/no)",
                _yes_no,
                None,
                True,
            )
        )
    pinned = bool(eff.get("privileged")) or eff.get("relocatable") is False
    q(
        Question(
            "systems",
            "System to run on" if pinned else "Systems (comma-separated, empty: every system)",
            _systems(pinned),
            None,
            pinned,
        )
    )
    q(Question("admin_email", "Admin e-mail (empty: none)", _email, None, False))
    for spec in eff.get("inputs", []):
        default = spec.get("default")
        if isinstance(default, bool):
            default = "yes" if default else "no"
        label = spec.get("prompt", spec["name"])
        kind = spec["type"]
        if kind == "choice":
            kind = "one of " + ", ".join(spec.get("choices", []))
        q(
            Question(
                f"inputs.{spec['name']}",
                f"{label} ({kind})",
                _input(spec),
                None if default is None else str(default),
                spec.get("required", True),
            )
        )
    for dep in eff.get("dependencies", []):
        candidates = sorted(n for n, d in taken.items() if d.get("image") == dep["image"])
        if len(candidates) > 1:
            q(
                Question(
                    f"dependencies.{dep['image']}",
                    f"Server of {dep['image']} this one uses ({', '.join(candidates)})",
                    _choice(candidates),
                    candidates[0],
                )
            )
    return p


def _choice(options: List[str]):
    def check(text: str):
        return (None, text) if text in options else (f"one of {', '.join(options)}", None)

    return check


def known_types(catalog: Catalog) -> str:
    names = [
        f"{i.id}/{a}"
        for i in catalog.images.values()
        if i and not i.internal()
        for a in sorted(i.applications)
    ]
    return ", ".join(sorted(names)) or "none"


def build(plan_: Plan, answers: Dict[str, Any]) -> dict:
    """The server profile's data from answered questions (values already checked)."""
    name = answers["name"]
    data: Dict[str, Any] = {
        # The oldest schema holding every key written: any system can read it in full.
        "schema": "1.0.0",
        "kind": "server",
        "name": name,
        "image": plan_.image.id,
        "image_version": plan_.version,
        "application": plan_.application,
    }
    for key in ("hostname", "address"):
        if answers.get(key) is not None:
            data[key] = answers[key]
    mounts = []
    for key, value in answers.items():
        if key.startswith("mounts.") and key.endswith(".diskgroup") and value:
            mname = key.split(".")[1]
            mounts.append(
                {
                    "name": mname,
                    "diskgroup": value,
                    "volume": answers.get(f"mounts.{mname}.volume") or mname,
                }
            )
    if mounts:
        data["mounts"] = mounts
    if answers.get("privileged"):
        data["privileged"] = True  # the admin's grant, readable by every schema version
    data["priority"] = answers.get("priority", 2)
    data["load"] = {"cpus": answers.get("cpus"), "memory": answers.get("memory")}
    if answers.get("systems"):
        data["systems"] = answers["systems"]
        if not all(checks.VCS_NAME.match(n) for n in data["systems"]):
            data["schema"] = "1.3.0"  # the first where a system name may be a host name
    if answers.get("admin_email"):
        data["admin_email"] = answers["admin_email"]
    inputs = {
        k.split(".", 1)[1]: v
        for k, v in answers.items()
        if k.startswith("inputs.") and v is not None
    }
    if inputs:
        data["inputs"] = inputs
    deps = {k.split(".", 1)[1]: v for k, v in answers.items() if k.startswith("dependencies.")}
    if deps:
        data["dependencies"] = deps
    return data


def render(data: dict) -> str:
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return "# Server profile written by 'vxha server new'.\n" + body


def check_new(text: str, path: str, directory: str, image_root: str) -> List[Problem]:
    """Problems of the new profile, validated together with the directory's servers."""
    session = Session(image_root)
    for f in profile_files(directory):
        if os.path.abspath(f) != os.path.abspath(path):
            session.add_server(f, directory)
    try:
        doc = parse_text(text, path)
    except LoadFailed as exc:
        return [exc.problem]
    session._add_doc(doc, "server")
    session.run()
    errors, _ = session.split()
    return [p for p in errors if p.file == path]


def write_atomically(path: str, text: str, overwrite: bool = False) -> None:
    """Write ``text`` to ``path`` so that readers see all of it or nothing."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the file appeared meanwhile: never clobber
            os.unlink(tmp)
        tmp = ""
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
