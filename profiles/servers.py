"""Server profiles -> effective Server specifications (application -> server inheritance),
with the checks that need the whole set: unique names, addresses, volumes, dependencies."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from . import checks
from .access import resolve_access
from .addons import check_loaded, resolve_addons
from .catalog import Catalog, check_labels, port_of
from .loader import Doc
from .model import Cluster, Dependency, Mount, Port, Problem, Server
from .units import SIZE_HINT, parse_size, size_mib

DEFAULT_PRIORITY = 2
DEFAULT_CPUS = 1.0
DEFAULT_MEMORY = "1GiB"


class Resolved:
    """A server profile with its effective spec; ``server`` is None when it has errors."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.server: Optional[Server] = None
        self.effective: Optional[dict] = None
        self.bindings: Dict[str, str] = {}
        self.catalog: Optional[Catalog] = None


class _Application:
    """What resolving a server takes from its image version and application alone, worked
    out for their first server and shared by the others (a set of profiles runs hundreds
    of servers of one application)."""

    def __init__(self, catalog: Catalog, image: Any, version: str, app: str, adoc: Doc, eff: dict):
        container: List[Tuple[int, str]] = [port_of(p) for p in eff.get("ports", [])]
        if eff.get("ssh") and eff.get("ssh_port") and (eff["ssh_port"], "tcp") not in container:
            container.append((eff["ssh_port"], "tcp"))
        self.container_ports = container
        self.port_numbers = {n for n, _ in container}
        # without a server's own host ports: each container port forwarded a second time
        self.ports_twice = [p for i, p in enumerate(container) if p in container[:i]]
        self.mounts = {m["name"]: m for m in eff.get("mounts", [])}
        self.env = {k: str(v) for k, v in eff.get("env", {}).items()}
        self.inputs = {i["name"]: i for i in eff.get("inputs", [])}
        labels: Dict[str, Any] = {
            "vxos.image.type": image.id,
            "vxos.image.version": version,
            "vxos.application": app,
            # vxos.*: the platform's label namespace (vxha.* is the Container agent's own).
            "vxos.server": _SERVER_NAME,
        }
        if eff.get("parent_types"):
            labels["vxos.parent.type"] = ",".join(eff["parent_types"])
        labels.update(eff.get("labels", {}))
        self.labels = labels
        self.dependencies = [
            (
                d["image"],
                d["relation"],
                d.get("location", "local"),
                _requirement(catalog, d),
                d.get("runtime", "hard"),
            )
            for d in eff.get("dependencies", [])
        ]
        self.dependency_images = {d[0] for d in self.dependencies}
        self.image_ref = eff.get("reference") or f"{image.id}:{version}"
        self.schemas = {
            kind: d.schema_version
            for kind, d in (("image", image.versions[version]), ("application", adoc))
            if d.schema_version
        }


# where the server's own name goes among its labels
_SERVER_NAME = object()


def _application(catalog: Catalog, image: Any, version: str, app: str, eff: dict) -> _Application:
    key = (image.id, version, app)
    shape = catalog.derived.get(key)
    if shape is None or shape[0] is not eff:
        shape = catalog.derived[key] = (
            eff,
            _Application(catalog, image, version, app, image.applications[app], eff),
        )
    return shape[1]


def resolve_server(doc: Doc, catalog: Catalog) -> Resolved:
    """Resolve one schema-valid server profile against the catalog; problems go to ``doc``."""
    res = Resolved(doc)
    res.catalog = catalog
    data = doc.data
    name = data["name"]
    base = doc.path[doc.path.rfind("/") + 1 :]
    stem = base[: base.rfind(".")] if base.rfind(".") > 0 else base
    if stem != name:  # servers/<name>.yaml
        doc.report(
            ("name",),
            f"name {name!r} differs from the file name",
            f"name the file {name}{base[len(stem) :]}, or write name: {stem}",
        )
    image = catalog.image(data["image"])
    if image is None and os.path.isdir(os.path.join(catalog.root, data["image"])):
        return res  # the catalog reports the directory's missing display name file
    if image is None and not os.path.isdir(catalog.root):
        # one error for the missing image root (repeats are merged), not one per server
        catalog.problems.append(
            Problem(
                catalog.root,
                0,
                "",
                "no such directory of image profiles",
                "name the directory holding <image-id>/display-name.txt with --images",
            )
        )
        return res
    if image is None:
        doc.report(
            ("image",),
            f"unknown image {data['image']!r}: no directory {catalog.root}/{data['image']}",
            "known images: " + (", ".join(catalog.image_ids()) or "none"),
        )
        return res
    if image.type() not in (None, "application"):
        doc.report(
            ("image",),
            f"only application images run servers; {image.id!r} is of type {image.type()}",
            "attach add-on and hotfix images to a server of their parent type: its addons"
            " or hotfixes (schema 1.2.0)",
        )
        return res
    version = data["image_version"]
    if version in image.unreadable and version not in image.versions:
        return res  # the version file's own problem is reported
    if version not in image.versions:
        doc.report(
            ("image_version",),
            f"image {image.id!r} has no version {version!r}",
            "known versions: " + ", ".join(image.version_list()),
        )
        return res
    app = data["application"]
    adoc = image.applications.get(app)
    if adoc is None and app in image.unreadable_applications:
        return res  # the application file's own problem is reported
    if adoc is None:
        doc.report(
            ("application",),
            f"image {image.id!r} has no application {app!r}",
            "known applications: " + (", ".join(sorted(image.applications)) or "none"),
        )
        return res
    if not adoc.errors and version not in (adoc.data.get("image_versions") or [version]):
        doc.report(
            ("image_version",),
            f"application {app!r} does not support image version {version!r}",
            "supported: " + ", ".join(adoc.data["image_versions"]),
        )
        return res
    eff = catalog.effective(image.id, version, app)
    if eff is None:
        # The image version's or the application's profile has errors, reported for that
        # file: one mistake, one error (the server is left unresolved).
        return res
    res.effective = eff
    shape = _application(catalog, image, version, app, eff)
    before = len(doc.errors)
    needs = eff.get("needs", {})

    hostname = data.get("hostname")
    if hostname is None:
        if needs.get("hostname", True):
            doc.report(
                (),
                "missing required key 'hostname'",
                f"the application needs a hostname: add hostname: {name.lower().replace('_', '-')}",
            )
        hostname = name.lower().replace("_", "-")
    else:
        why = checks.hostname_problem(hostname)
        if why:
            doc.report(("hostname",), why, "e.g. hostname: nbu-master1.example.com")

    address, prefix = data.get("address"), 0
    if address is None:
        # DECISIONS.md 3: every server's group holds a HostIP, whatever needs.ip_address says
        hint = "add address: <application IP>/<prefix>, e.g. 10.200.0.11/24"
        if needs.get("ip_address", True) is False:
            hint = (
                "every server gets an application IP (its HostIP resource), even when the "
                "application says needs: {ip_address: false}: add address: <IP>/<prefix>, "
                "e.g. 10.200.0.11/24"
            )
        doc.report((), "missing required key 'address'", hint)
    else:
        why, ip, prefix = checks.address_problem(address)
        if why:
            doc.report(("address",), why, "use a usable host address with its prefix length")
        elif ip is not None:
            address = str(ip)

    if data.get("device") is not None:
        why = checks.nic_problem(data["device"])
        if why:
            doc.report(("device",), why, "e.g. device: eth1")
    if needs.get("ethernet_device") and not data.get("device"):
        doc.report(
            (),
            f"application {app!r} needs its own Ethernet device but the server names none",
            "add device: <host NIC>, e.g. device: eth2",
        )

    ports = _ports(doc, data, shape)
    mounts = _mounts(doc, data, shape.mounts, name)
    cpus, memory_mib = _load(doc, data, eff)

    container, access, privileged = resolve_access(doc, data, eff, app)
    addons, hotfixes = resolve_addons(doc, data, eff, catalog, image.id, mounts)
    relocatable = bool(eff.get("relocatable", True)) and not privileged
    if data.get("relocatable") is True and privileged:
        doc.report(
            ("relocatable",),
            "privileged implies not relocatable",
            "remove relocatable: true (a privileged server stays on one system)",
        )
    elif data.get("relocatable") is True and not eff.get("relocatable", True):
        doc.report(
            ("relocatable",), f"application {app!r} is not relocatable", "remove relocatable: true"
        )
    elif data.get("relocatable") is False:
        relocatable = False
    systems = data.get("systems")
    if systems is not None:
        seen = set()
        for i, s in enumerate(systems):
            if s in seen:
                doc.report(("systems", i), f"system {s!r} is listed twice", "list each system once")
            seen.add(s)
    if not relocatable and (systems is None or len(systems) != 1):
        what = "privileged" if privileged else "not relocatable"
        # at what in this file makes it stay: its systems, or its relocatable or privileged
        at = next(
            (k for k in ("systems", "relocatable", "privileged") if data.get(k) is not None), ""
        )
        doc.report(
            (at,) if at else (),
            f"the server is {what}, so it runs on exactly one system; name it",
            "add systems: [<system name>]",
        )

    email = data.get("admin_email")
    if email is not None:
        why = checks.email_problem(email)
        if why:
            doc.report(("admin_email",), why, "e.g. admin_email: ops@example.com")

    env = dict(shape.env)
    env.update(_inputs(doc, data, shape.inputs))

    labels = dict(shape.labels)
    if labels["vxos.server"] is _SERVER_NAME:
        labels["vxos.server"] = name
    check_labels(doc, data.get("labels", {}))
    labels.update(data.get("labels", {}))

    deps = [Dependency(*d) for d in shape.dependencies]
    res.bindings = dict(data.get("dependencies", {}))
    known = shape.dependency_images
    for image_id in res.bindings:
        if image_id not in known:
            doc.report(
                ("dependencies", image_id),
                f"application {app!r} has no dependency on image {image_id!r}",
                "known: " + (", ".join(sorted(known)) or "none"),
            )
    if len(doc.errors) > before:
        return res
    res.server = Server(
        name=name,
        image=image.id,
        image_version=version,
        application=app,
        hostname=hostname,
        address=address,
        prefix_len=prefix,
        device=data.get("device"),
        ports=ports,
        mounts=mounts,
        exclusive_storage=bool(data.get("exclusive_storage", False)),
        priority=int(data.get("priority", DEFAULT_PRIORITY)),
        cpus=cpus,
        memory_mib=memory_mib,
        privileged=privileged,
        relocatable=relocatable,
        env=env,
        health_cmd=eff.get("health_monitor"),
        startup_cmds=list(eff.get("startup", [])),
        labels=labels,
        systems=list(systems) if systems is not None else None,
        admin_email=email,
        dependencies=deps,
        source=doc.path,
        image_ref=shape.image_ref,
        allow_pull=bool(data.get("allow_pull", False)),
        container=container,
        node_access=access,
        schemas=_schemas(shape.schemas, doc.schema_version),
        addons=addons,
        hotfixes=hotfixes,
    )
    return res


def _schemas(of_application: Dict[str, str], server: Optional[str]) -> Dict[str, str]:
    out = dict(of_application)
    if server:
        out["server"] = server
    return out


def _requirement(catalog: Catalog, dep: dict) -> str:
    target = catalog.image(dep["image"])
    if target is not None and target.internal():
        return "mandatory"
    return dep.get("requirement", "mandatory")


def _ports(doc: Doc, data: dict, shape: _Application) -> List[Port]:
    container = shape.container_ports
    remaps = data.get("ports")
    if not remaps:
        for number, proto in shape.ports_twice:
            doc.report(
                ("ports",),
                f"host port {number}/{proto} is forwarded twice",
                "give each container port its own host port",
            )
        return [Port(host=n, container=n, proto=proto) for n, proto in container]
    remap: Dict[int, int] = {}
    numbers = shape.port_numbers
    for i, r in enumerate(remaps):
        if r["container"] not in numbers:
            doc.report(
                ("ports", i, "container"),
                f"the application has no port {r['container']}",
                "known ports: " + ", ".join(str(n) for n in sorted(numbers)),
            )
        remap[r["container"]] = r["host"]
    out = [Port(host=remap.get(n, n), container=n, proto=proto) for n, proto in container]
    seen: Dict[Tuple[int, str], int] = {}
    for p in out:
        if (p.host, p.proto) in seen:
            doc.report(
                ("ports",),
                f"host port {p.host}/{p.proto} is forwarded twice",
                "give each container port its own host port",
            )
        seen[(p.host, p.proto)] = p.container
    return out


def _mounts(doc: Doc, data: dict, wanted: Dict[str, dict], name: str) -> List[Mount]:
    given: Dict[str, int] = {}
    out: List[Mount] = []
    host_paths = []
    for i, m in enumerate(data.get("mounts", [])):
        where = ("mounts", i)
        if m["name"] in given:
            doc.report(
                where + ("name",),
                f"mount {m['name']!r} is given twice",
                "one entry per application mount",
            )
            continue
        given[m["name"]] = i
        spec = wanted.get(m["name"])
        if spec is None:
            doc.report(
                where + ("name",),
                f"the application has no mount {m['name']!r}",
                "its mounts: " + (", ".join(sorted(wanted)) or "none"),
            )
            continue
        host = m.get("host_path", f"/vx/{name}/{m['name']}")
        why = checks.path_problem(host)
        if why:
            doc.report(
                where + ("host_path",),
                why,
                "use an absolute, normalized path outside system directories, "
                f"e.g. /vx/{name}/{m['name']}",
            )
        else:
            host_paths.append((where + ("host_path",), host))
        out.append(
            Mount(
                name=m["name"],
                diskgroup=m["diskgroup"],
                volume=m["volume"],
                host_path=host,
                container_path=spec["path"],
                kind=spec["type"],
                read_only=bool(m.get("read_only", spec.get("read_only", False))),
            )
        )
    for where, msg in checks.overlap_problems(host_paths):
        doc.report(where, msg, "give each mount its own directory")
    for mname, spec in wanted.items():
        if mname not in given and not spec.get("optional"):
            doc.report(
                ("mounts",) if "mounts" in data else (),
                f"the application needs mount {mname!r} ({spec['type']}, "
                f"{spec.get('min_size', 'any size')}) but the server gives none",
                f"add to mounts: {{name: {mname}, diskgroup: <dg>, volume: <volume>}}",
            )
    return out


def _load(doc: Doc, data: dict, eff: dict) -> Tuple[float, int]:
    res = eff.get("resources", {})
    load = data.get("load", {})
    cpus = float(load.get("cpus", res.get("cpus", {}).get("default", DEFAULT_CPUS)))
    min_cpus = res.get("cpus", {}).get("min")
    if min_cpus is not None and cpus < min_cpus:
        doc.report(
            ("load", "cpus"),
            f"{cpus:g} CPUs is below the application's minimum {min_cpus:g}",
            f"set load: {{cpus: {min_cpus:g}}} or more",
        )
    memory = load.get("memory", res.get("memory", {}).get("default", DEFAULT_MEMORY))
    try:
        memory_mib = size_mib(memory)
    except ValueError as exc:
        doc.report(("load", "memory"), str(exc), SIZE_HINT)
        return cpus, 0
    min_mem = res.get("memory", {}).get("min")
    if min_mem is not None and parse_size(memory) < _size_or_zero(min_mem):
        doc.report(
            ("load", "memory"),
            f"{memory} is below the application's minimum {min_mem}",
            f"set load: {{memory: {min_mem}}} or more",
        )
    return cpus, memory_mib


def _size_or_zero(text: Any) -> int:
    try:
        return parse_size(text)
    except ValueError:
        return 0  # reported against the profile that declares it


def _inputs(doc: Doc, data: dict, declared: Dict[str, dict]) -> Dict[str, str]:
    values = data.get("inputs", {})
    env: Dict[str, str] = {}
    for key in values:
        if key not in declared:
            doc.report(
                ("inputs", key),
                f"the application has no input {key!r}",
                "its inputs: " + (", ".join(sorted(declared)) or "none"),
            )
    for iname, spec in declared.items():
        value: Any = values.get(iname, spec.get("default"))
        if value is None:
            if spec.get("required", True):
                doc.report(
                    ("inputs",) if "inputs" in data else (),
                    f"input {iname!r} ({spec['type']}) is required but not given",
                    f"add inputs: {{{iname}: ...}} ({spec.get('prompt', spec['env'])})",
                )
            continue
        why, text = checks.input_value(spec["type"], value, spec.get("choices"))
        if why:
            doc.report(
                ("inputs", iname),
                f"input {iname!r} must be {spec['type']}: {why}",
                spec.get("prompt", "")
                + (f" ({', '.join(spec['choices'])})" if spec.get("choices") else ""),
            )
            continue
        env[spec["env"]] = text
    return env


def cross_check(resolved: List[Resolved], cluster: Optional[Cluster]) -> None:
    """Checks across the whole set: unique names, addresses, volumes; dependency binding;
    instance counts; fit on the cluster's systems."""
    by_name: Dict[str, Resolved] = {}
    # The first server of each address, hostname, volume and host path: a value's later
    # servers are told whose it is.
    addresses: Dict[str, Resolved] = {}
    hostnames: Dict[str, Resolved] = {}
    volumes: Dict[str, Resolved] = {}
    host_paths: Dict[str, Resolved] = {}

    for r in resolved:
        s = r.server
        if s is None:
            continue
        if s.name in by_name:
            r.doc.report(
                ("name",),
                f"server name {s.name!r} is already used by {by_name[s.name].doc.path}",
                "server names are unique in a cluster",
            )
            continue
        by_name[s.name] = r
        other = addresses.setdefault(s.address, r)
        if other is not r:
            _used(
                r,
                other,
                ("address",),
                "address",
                s.address,
                "each server has its own application IP",
            )
        hostname = s.hostname.lower()
        other = hostnames.setdefault(hostname, r)
        if other is not r:
            _used(r, other, ("hostname",), "hostname", hostname, "each server has its own hostname")
        for i, m in enumerate(s.mounts):
            volume = f"{m.diskgroup}/{m.volume}"
            other = volumes.setdefault(volume, r)
            if other is not r:
                _used(
                    r,
                    other,
                    ("mounts", i, "volume"),
                    "volume",
                    volume,
                    "each mount needs its own volume",
                )
            other = host_paths.setdefault(m.host_path, r)
            if other is not r:
                _used(
                    r,
                    other,
                    ("mounts", i),
                    "host path",
                    m.host_path,
                    "each mount needs its own host path",
                )
    # Dependencies: bound by name, or to the only server of that image.
    of_image: Dict[str, List[str]] = {}
    for s in (r.server for r in resolved if r.server):
        of_image.setdefault(s.image, []).append(s.name)
    # Servers whose own profiles failed: their errors are reported already, so references
    # to them must not pile up a second, misleading error.
    broken_names, broken_images = set(), set()
    for r in resolved:
        if r.server is None and isinstance(r.doc.data, dict):
            for key, into in (("name", broken_names), ("image", broken_images)):
                if isinstance(r.doc.data.get(key), str):
                    into.add(r.doc.data[key])
    for r in resolved:
        s = r.server
        if s is None:
            continue
        for dep in s.dependencies:
            bound = r.bindings.get(dep.image)
            if bound is not None:
                target = by_name.get(bound)
                if target is None and bound in broken_names:
                    continue
                if target is None:
                    r.doc.report(
                        ("dependencies", dep.image),
                        f"server {bound!r} is not among the servers loaded",
                        "load its profile with this one",
                    )
                elif target.server.image != dep.image:
                    r.doc.report(
                        ("dependencies", dep.image),
                        f"server {bound!r} runs image {target.server.image!r}, not {dep.image!r}",
                        f"name a server of image {dep.image}",
                    )
                else:
                    dep.server = bound
                continue
            candidates = of_image.get(dep.image, [])
            if len(candidates) == 1:
                dep.server = candidates[0]
            elif len(candidates) > 1:
                r.doc.report(
                    ("dependencies",) if "dependencies" in r.doc.data else (),
                    f"several servers run image {dep.image!r} "
                    f"({', '.join(sorted(candidates))}): name the one this server uses",
                    f"add dependencies: {{{dep.image}: <server name>}}",
                )
            elif dep.requirement == "mandatory" and dep.image not in broken_images:
                r.doc.report(
                    (),
                    f"needs a server of image {dep.image!r} ({dep.relation}, "
                    f"{dep.location}, {dep.runtime}, mandatory) but none is loaded",
                    "provision one, or validate this profile together with it",
                )
    # Instance limits of each image.
    counts: Dict[str, List[Resolved]] = {}
    for r in resolved:
        if r.server:
            counts.setdefault(r.server.image, []).append(r)
    for image_id, rs in counts.items():
        limits = (rs[0].effective or {}).get("instances", {})
        limit = limits.get("servers")
        if limit is not None and len(rs) > limit:
            rs[-1].doc.report(
                ("image",),
                f"image {image_id!r} allows {limit} server(s); {len(rs)} are defined",
                "raise instances.servers in the image",
            )
        priv = [r for r in rs if r.server.privileged]
        plimit = limits.get("privileged", 0)
        if len(priv) > plimit:
            priv[-1].doc.report(
                ("image",),
                f"image {image_id!r} allows {plimit} privileged server(s); {len(priv)} are defined",
                "raise instances.privileged in the image, or remove a privileged server",
            )
    if cluster is not None:
        by_name = cluster.systems_by_name()
        for r in resolved:
            if r.server:
                fit_on_cluster(r, cluster, by_name)


def _used(r: Resolved, first: Resolved, path: tuple, what: str, value: Any, hint: str) -> None:
    r.doc.report(
        path,
        f"{what} {value} is already used by server {first.doc.data.get('name')} ({first.doc.path})",
        hint,
    )


def fit_on_cluster(r: Resolved, cluster: Cluster, by_name: Dict[str, Any]) -> None:
    """Whether the server's systems exist and one can carry its load; ``by_name``: the
    cluster's systems by name (``Cluster.systems_by_name``)."""
    s = r.server
    names = s.systems if s.systems is not None else [x.name for x in cluster.systems]
    systems = []
    for i, n in enumerate(names):
        sysobj = by_name.get(n)
        if sysobj is None:
            r.doc.report(
                ("systems", i),
                f"system {n!r} is not in cluster {cluster.name}",
                "systems: " + ", ".join(x.name for x in cluster.systems),
            )
        else:
            systems.append(sysobj)
    if s.addons or s.hotfixes:
        # The SystemList the generator writes: without named systems, those that have the
        # server's image (or list no images).
        wanted = f"{s.image}:{s.image_version}"
        hosting = [
            x for x in systems if s.systems is not None or not x.images or wanted in x.images
        ]
        check_loaded(r.doc, r.doc.data, s.addons + s.hotfixes, hosting)
    small = [x.name for x in systems if x.cpus < s.cpus or x.memory_mib < s.memory_mib]
    if systems and len(small) == len(systems):
        offer = ", ".join(f"{x.name}: {x.cpus:g} CPUs, {x.memory_mib} MiB" for x in systems)
        r.doc.report(
            ("load",),
            f"needs {s.cpus:g} CPUs and {s.memory_mib} MiB but no system offers that ({offer})",
            "lower the load or add a bigger system",
        )
    elif small and s.systems is not None:
        r.doc.report(
            ("systems",),
            f"systems {', '.join(small)} are too small for {s.cpus:g} CPUs and {s.memory_mib} MiB",
            "remove them from systems",
        )
