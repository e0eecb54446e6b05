"""Profiles -> the plain data the main.cf templates render (DECISIONS.md 3 and 4).

Everything the templates need is decided here, in one deterministic pass: names, system
lists, loads, and the group dependencies that image relationships become. The templates
only lay it out; what they write is then parsed and verified (generate.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from vxha.vcs_types import triggers

from .names import Namer

CFSMOUNT_MODES = ("veritas", "vxha")

# Image relationship (location, runtime) -> VCS group dependency (category, location,
# rigidity). docs/generator.md gives the reasons; "peer" relationships get no dependency.
DEPENDENCY_MAP = {
    ("local", "hard"): ("online", "local", "firm"),
    ("local", "soft"): ("online", "local", "soft"),
    ("global", "hard"): ("online", "global", "firm"),
    ("global", "soft"): ("online", "global", "soft"),
}
_STRENGTH = {"soft": 0, "firm": 1, "hard": 2}

# The failover policy of every server group: multi-dimensional Load against each system's
# Capacity, which needs the cluster attribute Statistics = Enabled.
FAILOVER_POLICY = "BiggestAvailable"
AUTOSTART_POLICY = "Load"


class GenerationError(Exception):
    """The profiles cannot become a configuration; ``problems`` says why, all at once."""

    def __init__(self, problems: List[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Options:
    cfsmount: str = "veritas"  # veritas | vxha (DECISIONS.md 6)


@dataclass
class Plan:
    """The configuration's content as plain data, plus what the generator noticed."""

    context: dict
    warnings: List[str] = field(default_factory=list)


def cpu_load(cpus: float) -> int:
    """Whole CPUs, rounded up, as Load and Capacity count them."""
    return int(math.ceil(cpus - 1e-9)) if cpus and cpus > 0 else 0


def cpu_text(cpus: float) -> str:
    """Docker's --cpus value: ``2``, ``0.5``."""
    return f"{cpus:g}" if cpus and cpus > 0 else ""


def where(obj) -> str:
    return getattr(obj, "source", "") or "<profile>"


def plan(cluster, servers, options: Optional[Options] = None) -> Plan:
    """The context for the templates from a Cluster and its Servers (vxha.profiles)."""
    options = options or Options()
    if options.cfsmount not in CFSMOUNT_MODES:
        raise GenerationError([f"--cfsmount must be one of {', '.join(CFSMOUNT_MODES)}"])
    problems: List[str] = []
    warnings: List[str] = []
    systems = [
        {
            "name": s.name,
            "cpu": int(math.floor(s.cpus + 1e-9)),
            "mem": int(s.memory_mib),
            "nic": s.nic,
        }
        for s in cluster.systems
    ]
    system_names = [s["name"] for s in systems]
    nic_of = {s["name"]: s["nic"] for s in systems}
    # The engine's socket per system (DECISIONS.md 10 "Engines"), when the cluster names one.
    engine_of = {s.name: s.docker_host for s in cluster.systems if getattr(s, "docker_host", None)}
    # Which systems can host which image versions (cannot_host).
    hosts = {s.name: s for s in cluster.systems}
    hosting: dict = {}  # cannot_host's answers in this plan
    # the least CPUs and memory of a system: a server within both fits every system
    smallest = (
        min((s.cpus for s in cluster.systems), default=0),
        min((s.memory_mib for s in cluster.systems), default=0),
    )
    servers = sorted(servers, key=lambda s: s.name)

    groups = Namer()
    resources = Namer()
    cvm_name = cluster.cvm_group or "cvm"
    groups.reserve(cvm_name)
    with_fsckd = options.cfsmount == "veritas"
    cvm = {
        "group": cvm_name,
        "emit": bool(cluster.emit_cvm),
        "systems": system_names,
        "node_ids": {n: i for i, n in enumerate(system_names)},
        "with_fsckd": with_fsckd,
    }
    if cluster.emit_cvm:
        cvm["clus"] = resources.unique("cvm_clus")
        cvm["vxconfigd"] = resources.unique("cvm_vxconfigd")
        cvm["fsckd"] = resources.unique("vxfsckd") if with_fsckd else None

    # Group names are fixed by DECISIONS.md 3, so a clash is an error, not a rename.
    owner: Dict[str, str] = {cvm_name: f"the cluster's {cvm_name} group"}
    for srv in servers:
        for g in (srv.name, f"{srv.name}_storage"):
            if g in owner:
                problems.append(
                    f"{where(srv)}: server {srv.name}: group {g} clashes with {owner[g]}; "
                    "rename the server"
                )
            else:
                owner[g] = f"server {srv.name}"
                groups.reserve(g)

    by_name = {s.name: s for s in servers}
    ctx_servers = []
    placement: Dict[str, List[str]] = {}
    for srv in servers:
        entry = _server(
            srv,
            system_names,
            nic_of,
            hosts,
            hosting,
            smallest,
            resources,
            options,
            problems,
            warnings,
        )
        entry["ctr"].update(_container(srv, entry, engine_of, problems, warnings))
        entry["cvm_group"] = cvm_name
        ctx_servers.append(entry)
        placement[srv.name] = [s for s, _ in entry["system_list"]]

    problems += nested_host_paths(servers, ctx_servers)
    deps = _dependencies(servers, by_name, placement, problems, warnings)
    for entry in ctx_servers:
        entry["deps"] = deps.get(entry["name"], [])

    if problems:
        raise GenerationError(problems)
    includes = ["types.cf", "CVMTypes.cf"]
    includes.append("CFSTypes.cf" if options.cfsmount == "veritas" else "CFSMountTypes.cf")
    includes += ["ContainerTypes.cf", "HostIPTypes.cf", "PortForwardTypes.cf"]
    context = {
        "includes": includes,
        "cluster": {"name": cluster.name},
        "systems": systems,
        "cvm": cvm,
        "servers": ctx_servers,
        "cfsmount": options.cfsmount,
        "failover_policy": FAILOVER_POLICY,
        "autostart_policy": AUTOSTART_POLICY,
    }
    return Plan(context, warnings)


def nested_host_paths(servers, ctx_servers) -> List[str]:
    """A mount point of one server at or below another server's: refused, as the first
    server's storage going offline would signal the second's processes and unmount its
    volume, and its container could swap a directory of that path for a link."""
    where_of = {srv.name: where(srv) for srv in servers}
    owners: Dict[str, list] = {}
    for srv in ctx_servers:
        for m in srv["mounts"]:
            owners.setdefault(m["mount_point"].rstrip("/") or "/", []).append(
                (srv["name"], m["res"])
            )
    problems = []
    for path in sorted(owners):
        outer = [p for p in _outer_paths(path) if p in owners]
        for owner, res in owners[path]:
            for other in outer:
                for other_owner, other_res in owners.get(other, ()):
                    if other_owner == owner:
                        continue
                    if other == path and (other_owner, other_res) > (owner, res):
                        continue  # the same path: reported once, on the later server
                    problems.append(
                        f"{where_of[owner]}: server {owner}: mount {_mount_name(res, owner)} "
                        f"({path}) is inside server {other_owner}'s mount "
                        f"{_mount_name(other_res, other_owner)} ({other}); give each server "
                        "host paths of its own"
                    )
    return problems


def _outer_paths(path: str) -> List[str]:
    """``path``'s ancestors from the root, then ``path``: ``/``, ``/a``, ``/a/b``."""
    out = ["/"] if path.startswith("/") else []
    end = path.find("/", 1)
    while end != -1:
        out.append(path[:end])
        end = path.find("/", end + 1)
    out.append(path)
    return out


def _mount_name(res: str, server: str) -> str:
    prefix = f"{server}_mnt_"
    return res[len(prefix) :] if res.startswith(prefix) else res


def _server(
    srv,
    system_names,
    nic_of,
    hosts,
    hosting,
    smallest,
    resources: Namer,
    options,
    problems,
    warnings,
) -> dict:
    name = srv.name
    allowed = list(srv.systems) if srv.systems else list(system_names)
    # Comprehensions below only where they change something: each is a function call
    # before Python 3.12, and almost every server has known systems that can host it.
    unknown = []
    for s in allowed:
        if s not in nic_of:
            unknown.append(s)
    if unknown:
        problems.append(
            f"{where(srv)}: server {name}: systems {', '.join(unknown)} are not in the "
            "cluster description"
        )
        allowed = [s for s in allowed if s in nic_of]
    lacking = cannot_host(srv, allowed, hosts, hosting)
    if lacking and srv.systems:
        problems.append(
            f"{where(srv)}: server {name}: {'; '.join(lacking.values())}; load it there or "
            "leave those systems out"
        )
    if lacking:
        allowed = [s for s in allowed if s not in lacking]
    if lacking and not srv.systems and allowed:
        warnings.append(
            f"{where(srv)}: server {name}: SystemList restricted to {', '.join(allowed)}: "
            + "; ".join(lacking.values())
        )
    if not srv.systems and allowed and (srv.cpus > smallest[0] or srv.memory_mib > smallest[1]):
        # Capacity is a soft restriction to VCS (Administrator's Guide 6.0, "System capacity
        # and service group load"), but a container cannot get more CPUs than its host has:
        # leave out the systems too small for the load, as for a missing image
        small = [
            s for s in allowed if hosts[s].cpus < srv.cpus or hosts[s].memory_mib < srv.memory_mib
        ]
        if small and len(small) < len(allowed):  # none big enough: the profiles' error
            allowed = [s for s in allowed if s not in small]
            warnings.append(
                f"{where(srv)}: server {name}: SystemList restricted to {', '.join(allowed)}: "
                f"{', '.join(small)} too small for its load ({srv.cpus:g} CPUs, "
                f"{srv.memory_mib} MiB)"
            )
    if not allowed:
        why = ""
        if lacking and not srv.systems:  # say why, and the way out
            why = (
                f": {'; '.join(dict.fromkeys(lacking.values()))}; load the image on a system "
                "(its images in the cluster description)"
            )
        problems.append(f"{where(srv)}: server {name}: no system can host it{why}")
        allowed = list(system_names[:1])
    pinned = bool(srv.privileged) or not getattr(srv, "relocatable", True)
    if pinned:
        if not srv.systems:
            warnings.append(
                f"{where(srv)}: server {name} is not relocatable and names no system: "
                f"pinned to {allowed[0]}, the cluster's first; name one under 'systems'"
            )
        allowed = allowed[:1]
    system_list = list(zip(allowed, range(len(allowed))))

    # Storage: one CVMVolDg per disk group (its volumes in mount order), one CFSMount each.
    dgs: Dict[str, dict] = {}
    mounts = []
    ctr_mounts = {}
    activation = "ex" if srv.exclusive_storage else "sw"
    for m in srv.mounts:
        dg = dgs.get(m.diskgroup)
        if dg is None:
            dg = {
                "res": resources.unique(f"{name}_dg_{m.diskgroup}"),
                "diskgroup": m.diskgroup,
                "volumes": [],
                "activation": activation,
            }
            dgs[m.diskgroup] = dg
        if m.volume not in dg["volumes"]:
            dg["volumes"].append(m.volume)
        mount = {
            "res": resources.unique(f"{name}_mnt_{m.name}"),
            "dg_res": dg["res"],
            "mount_point": m.host_path or f"/vx/{name}/{m.name}",
            "block_device": f"/dev/vx/dsk/{m.diskgroup}/{m.volume}",
            "container_path": m.container_path,
            "read_only": bool(m.read_only),
        }
        mounts.append(mount)
        if m.container_path:
            ctr_mounts[mount["mount_point"]] = m.container_path + (
                ":ro" if mount["read_only"] else ""
            )

    ip = None
    if srv.address:
        device_local = {} if srv.device else dict(zip(allowed, map(nic_of.__getitem__, allowed)))
        ip = {
            "res": resources.unique(f"{name}_ip"),
            "address": srv.address,
            "prefix_len": int(srv.prefix_len),
            "device": srv.device or "",
            "device_local": device_local,
        }
    ctr = {
        "res": resources.unique(f"{name}_ctr"),
        "name": name,
        "image": f"{srv.image}:{srv.image_version}" if srv.image_version else srv.image,
        "hostname": srv.hostname or "",
        "env": dict(srv.env or {}),
        "mounts": ctr_mounts,
        "cpus": cpu_text(srv.cpus),
        "memory": f"{int(srv.memory_mib)}m" if srv.memory_mib else "",
        "privileged": bool(srv.privileged),
        "health_cmd": srv.health_cmd or "",
        "startup_cmds": list(srv.startup_cmds or []),
        "labels": dict(srv.labels or {}),
    }
    pf = None
    if ip is not None and srv.ports:
        pf = {
            "res": resources.unique(f"{name}_pf"),
            "address": srv.address,
            "container": name,
            "ports": {f"{p.host}/{p.proto}": p.container for p in srv.ports},
        }
    elif srv.ports:
        warnings.append(f"{where(srv)}: server {name} has ports but no address: not forwarded")
    return {
        "name": name,
        "storage_group": f"{name}_storage",
        "storage_parallel": not srv.exclusive_storage,
        "system_list": system_list,
        "autostart": list(allowed),
        "auto_failover": not pinned,
        "priority": int(srv.priority),
        "load_cpu": cpu_load(srv.cpus),
        "load_mem": int(srv.memory_mib or 0),
        "user_str": triggers.marker(name, [srv.admin_email] if srv.admin_email else []),
        "notify": {
            "path": triggers.TRIGGER_PATH,
            "failover": list(triggers.FAILOVER_TRIGGERS),
            "storage": list(triggers.STORAGE_TRIGGERS),
        }
        if getattr(srv, "admin_email", None)
        else None,
        "dgs": list(dgs.values()),
        "mounts": mounts,
        "ip": ip,
        "ctr": ctr,
        "pf": pf,
        "deps": [],
    }


def cannot_host(srv, names, hosts, known: Optional[dict] = None) -> Dict[str, str]:
    """system -> why it cannot host ``srv``'s image version: a system that lists its
    loaded images hosts only those (DECISIONS.md 4), and one whose vxha knows too old a
    schema cannot serve its profiles (profiles/compat.py). ``known``: the answers given
    so far for the same ``hosts`` (the servers of a site ask the same question)."""
    from vxha.profiles.compat import schema_problem

    image = f"{srv.image}:{srv.image_version}"
    key = None
    if known is not None:
        try:
            key = (image, tuple(sorted(srv.schemas.items())), tuple(names))
            hit = known.get(key)
        except (AttributeError, TypeError):  # no schemas, or values no key can hold
            key = hit = None
        if hit is not None:
            return dict(hit)
    out: Dict[str, str] = {}
    missing = [s for s in names if s in hosts and hosts[s].images and image not in hosts[s].images]
    if missing:
        why = f"image {image} is not loaded on {', '.join(missing)}"
        out.update({s: why for s in missing})
    for s in names:
        problem = schema_problem(hosts[s], srv) if s in hosts and s not in out else None
        if problem:
            out[s] = f"{s} cannot serve it ({problem})"
    if key is not None:
        known[key] = dict(out)
    return out


def _container(srv, entry, engine_of, problems, warnings) -> dict:
    """The Container resource's engine, image source, options and node access grants."""
    name = srv.name
    # read only here: the server's own options and grants, not copies
    opts = getattr(srv, "container", None) or {}
    access = getattr(srv, "node_access", None) or {}
    engines = {s: engine_of.get(s, "") for s, _ in entry["system_list"]} if engine_of else {}
    distinct = set(engines.values())
    mounts = entry["ctr"]["mounts"]
    host_paths = opts.get("host_paths")
    if host_paths:
        mounts = dict(mounts)
    for host, target in (host_paths or {}).items():
        if host in mounts:
            problems.append(
                f"{where(srv)}: server {name}: host path {host} is both a mount of the server"
                " and a container host path"
            )
        mounts[host] = target
    granted = _grants_text(access)
    if granted:
        warnings.append(
            f"{where(srv)}: server {name}: its server profile grants node access: {granted}"
        )
    ref = getattr(srv, "image_ref", "")
    return {
        "image": ref or entry["ctr"]["image"],
        "mounts": mounts,
        "docker_host_local": engines if len(distinct) > 1 else {},
        "docker_host": next(iter(distinct)) if len(distinct) == 1 else "",
        "allow_pull": bool(getattr(srv, "allow_pull", False)),
        "network": opts.get("network", ""),
        "user": opts.get("user", ""),
        "cap_add": _caps(opts.get("cap_add")),
        "cap_drop": _caps(opts.get("cap_drop")),
        "devices": list(opts.get("devices", [])),
        "command": list(opts.get("command", [])),
        "entrypoint": list(opts.get("entrypoint", [])),
        "read_only": bool(opts.get("read_only")),
        "ulimits": _texts(opts.get("ulimits")),
        "shm_size": opts.get("shm_size", ""),
        "tmpfs": dict(opts.get("tmpfs") or {}),
        "grant_caps": _caps(access.get("capabilities")),
        "grant_devices": list(access.get("devices", [])),
        "grant_host_paths": list(access.get("host_paths", [])),
        "grant_host_network": bool(access.get("host_network")),
        "addons": _attachments(getattr(srv, "addons", None)),
        "hotfixes": _attachments(getattr(srv, "hotfixes", None)),
    }


# Most servers set no container options, grants, add-ons or hotfixes: an empty one costs
# no comprehension (a function call each before Python 3.12).
def _caps(names) -> List[str]:
    return [_cap(c) for c in names] if names else []


def _texts(mapping) -> Dict[str, str]:
    return {k: str(v) for k, v in mapping.items()} if mapping else {}


def _attachments(addons) -> List[str]:
    return [_attached(a) for a in addons] if addons else []


def _attached(addon) -> str:
    """An AddOns / Hotfixes entry: ``<id>:<version> <path>``, and the image when the add-on's
    profile names another reference (docs/container.md "Add-ons and hotfixes")."""
    own = f"{addon.image}:{addon.version}"
    entry = f"{own} {addon.path}"
    return entry if addon.reference in ("", own) else f"{entry} {addon.reference}"


def _cap(name: str) -> str:
    cap = str(name).strip().upper()
    return cap[4:] if cap.startswith("CAP_") else cap


def _grants_text(access: dict) -> str:
    parts = ["privileged"] if access.get("privileged") else []
    for key, what in (
        ("capabilities", "capabilities"),
        ("devices", "devices"),
        ("host_paths", "host paths"),
    ):
        if access.get(key):
            parts.append(f"{what} {', '.join(str(x) for x in access[key])}")
    if access.get("host_network"):
        parts.append("the host's network")
    return "; ".join(parts)


def _dependencies(servers, by_name, placement, problems, warnings) -> Dict[str, List[dict]]:
    """Image relationships -> ``requires group`` lines of the parents' failover groups."""
    links: Dict[Tuple[str, str], Tuple[str, str, str]] = {}
    for srv in servers:
        for dep in srv.dependencies or []:
            if dep.relation == "peer":
                continue
            other = dep.server
            if other is None or other not in by_name:
                what = f"server {other}" if other else f"a server of image {dep.image}"
                if dep.requirement == "mandatory":
                    problems.append(
                        f"{where(srv)}: server {srv.name} needs {what} ({dep.relation}, "
                        "mandatory) but none is among the profiles given; add its profile "
                        "or name it under 'dependencies'"
                    )
                continue
            if other == srv.name:
                problems.append(f"{where(srv)}: server {srv.name} depends on itself")
                continue
            parent, child = (srv.name, other) if dep.relation == "child" else (other, srv.name)
            kind = DEPENDENCY_MAP.get((dep.location, dep.runtime))
            if kind is None:
                problems.append(
                    f"{where(srv)}: server {srv.name}: unknown relationship "
                    f"{dep.location}/{dep.runtime} with {other}"
                )
                continue
            if (
                kind[1] == "local"
                and placement[parent]  # none: its own error says why
                and placement[child]
                and not set(placement[parent]) & set(placement[child])
            ):
                problems.append(
                    f"{where(srv)}: servers {parent} and {child} must run on the same system "
                    "(local relationship) but share none; widen their 'systems'"
                )
                continue
            known = links.get((parent, child))
            links[(parent, child)] = kind if known is None else _stronger(known, kind)
    if links:
        _relationship_cycles(links, by_name, problems)
        _local_together(links, placement, by_name, problems)
    out: Dict[str, List[dict]] = {}
    for (parent, child), (category, location, rigidity) in sorted(links.items()):
        out.setdefault(parent, []).append(
            {"child": child, "category": category, "location": location, "rigidity": rigidity}
        )
    return out


def _relationship_cycles(links, by_name, problems) -> None:
    """VCS refuses cyclic group dependencies (docs/generator.md, group_cycles): say which
    profiles' relationships close the cycle, rather than only the rendered main.cf's line."""
    from vxha.vcs_types.verify import _cycles

    children: Dict[str, List[str]] = {}
    for parent, child in links:
        children.setdefault(parent, []).append(child)
    for cycle in _cycles(children, sorted(children)):
        problems.append(
            f"{where(by_name[cycle[0]])}: the relationships of servers "
            f"{' -> '.join(cycle)} form a cycle (each requires the next), which VCS refuses; "
            "make one of them a peer relationship, or drop it from its image or "
            "application profile (override/remove dependencies)"
        )


def _local_together(links, placement, by_name, problems) -> None:
    """Servers tied by local relationships run on one system together (online local:
    the parent where its child is), so together they need a system they all may use;
    each pair sharing one is not enough (a beside b on n1 only, a beside c on n2 only)."""
    root: Dict[str, str] = {}

    def find(x: str) -> str:
        while root.get(x, x) != x:
            x = root[x]
        return x

    for (parent, child), kind in links.items():
        if kind[1] == "local":
            root.setdefault(parent, parent)
            root.setdefault(child, child)
            a, b = find(parent), find(child)
            if a != b:
                root[max(a, b)] = min(a, b)
    groups: Dict[str, List[str]] = {}
    for name in root:
        groups.setdefault(find(name), []).append(name)
    for members in groups.values():
        if len(members) < 3:
            continue  # a pair: already checked
        common = set(placement[members[0]]).intersection(*(placement[m] for m in members))
        if not common:
            members.sort()
            each = ", ".join(f"{m} ({' '.join(placement[m])})" for m in members)
            problems.append(
                f"{where(by_name[members[0]])}: servers {each} are tied by local relationships"
                " and must run on one system together, but no system may host them all; "
                "widen their 'systems' to share one"
            )


def _stronger(a, b):
    """Both sides of a relationship declared it: keep the stricter reading."""
    location = "local" if "local" in (a[1], b[1]) else "global"
    rigidity = a[2] if _STRENGTH[a[2]] >= _STRENGTH[b[2]] else b[2]
    return ("online", location, rigidity)
