"""What a configuration asks of the machine in real-node mode, read from the simulator's
model (DECISIONS.md 7: the configuration, never a profile, says what a system has).

Per system: its container engine (the ``DockerHost`` of the Container resources it may
run: Docker's daemon, or Podman's service when the socket's path names podman; the
default socket when none is set), its NICs (HostIP ``Device``), the images its Containers
name. For the cluster: the shared volumes (CFSMount ``BlockDevice``), the application
addresses (HostIP) and the client's targets (each PortForward's address and first port).
"""

from __future__ import annotations

import posixpath

from vxha.simulator.realnodes.host import RealNodeError
from vxha.simulator.realnodes.images import ImageNeeds
from vxha.simulator.realnodes.nodes import DEFAULT_SOCKET
from vxha.simulator.realnodes.storage import check_volume_path, local_fstype


def engine_kind(socket_path: str) -> str:
    """podman when the socket's path names it (``/run/podman/podman.sock``), else docker."""
    return "podman" if "podman" in socket_path.lower() else "docker"


class Plan:
    def __init__(self):
        self.engines = {}  # system -> socket path (as the node sees it)
        self.nics = {}  # system -> [device]
        self.images = {}  # system -> [image ref]
        self.image_needs = {}  # image ref -> ImageNeeds (one image for every node)
        self.addons = {}  # system -> {add-on or hotfix image ref: (volume path, labels)}
        self.volumes = {}  # BlockDevice -> local fstype
        self.app_addresses = []  # [(address, prefixlen)]
        self.targets = {}  # server name -> (address, port)


def plan(engine, systems=None) -> Plan:
    """The plan of ``engine``'s configuration (systems: all, or these)."""
    p = Plan()
    wanted = set(engine.systems if systems is None else systems)
    framework = [r for r in engine.resources.values() if r.type.agent == "framework"]
    sockets = {}  # system -> {path: resource}
    for r in framework:
        kind = r.type.name
        for s in r.insts:
            v = r.values(s)
            if kind == "Container":
                host = v.get("DockerHost") or "unix://" + DEFAULT_SOCKET
                if not host.startswith("unix:///"):
                    raise RealNodeError(f"Container {r.name}: DockerHost {host!r} is not unix:///")
                path = posixpath.normpath(host[len("unix://") :])
                sockets.setdefault(s, {}).setdefault(path, r.name)
            elif kind == "HostIP" and v.get("Device") and s in wanted:
                devices = p.nics.setdefault(s, [])
                if v["Device"] not in devices:
                    devices.append(v["Device"])
            elif kind == "CFSMount" and v.get("BlockDevice"):
                if v.get("FSType") in ("tmpfs", "bind"):
                    continue
                check_volume_path(v["BlockDevice"], r.name)
                p.volumes[v["BlockDevice"]] = local_fstype(v.get("FSType", "vxfs"))
        if kind == "HostIP":
            v = r.values(next(iter(r.insts))) if r.insts else {}
            if v.get("Address"):
                pair = (v["Address"], int(v.get("PrefixLen") or 24))
                if pair not in p.app_addresses:
                    p.app_addresses.append(pair)
    for s, paths in sockets.items():
        if len(paths) > 1:
            named = ", ".join(f"{path} ({res})" for path, res in sorted(paths.items()))
            raise RealNodeError(
                f"system {s}: its Containers name more than one engine socket ({named});"
                " a real node runs one engine"
            )
        p.engines[s] = next(iter(paths))
    for s in wanted:
        p.engines.setdefault(s, DEFAULT_SOCKET)
    _images(engine, framework, wanted, p)
    _targets(framework, p)
    return p


def _images(engine, framework, wanted, p) -> None:
    ports = {}  # container runtime name -> container ports its PortForwards forward to
    for r in framework:
        if r.type.name == "PortForward":
            for s in r.insts:
                v = r.values(s)
                ports.setdefault(v.get("Container"), set()).update(
                    int(cp) for cp in (v.get("Ports") or {}).values()
                )
    for r in framework:
        if r.type.name != "Container":
            continue
        for s in r.insts:
            if s not in wanted:
                continue
            v = r.values(s)
            if not v.get("Image"):
                continue
            name = v.get("RuntimeName") or v.get("Name") or r.name
            mounts = v.get("Mounts") or {}
            dirs = [
                t.rsplit(":", 1)[0] if t.endswith((":ro", ":rw")) else t for t in mounts.values()
            ]
            refs = p.images.setdefault(s, [])
            if v["Image"] not in refs:
                refs.append(v["Image"])
            needs = p.image_needs.setdefault(v["Image"], ImageNeeds())
            needs.add(ports.get(name, ()), dirs, v.get("HealthCmd", ""), v.get("StartupCmds") or ())
            _addons(v, name, p.addons.setdefault(s, {}))


def _addons(values, name, out) -> None:
    """The add-on and hotfix images a Container names (read as its agent reads them) into
    ``out``: image ref -> (volume path, the labels the agent checks)."""
    from vxha.agents.container import addon_entries
    from vxha.agents.framework import ConfigError

    parent = (values.get("Labels") or {}).get("vxos.image.type")
    for attr in ("AddOns", "Hotfixes"):
        try:
            entries = addon_entries(values.get(attr) or (), attr, name)
        except ConfigError:
            continue  # the agent refuses the resource at online, as on a real node
        for a in entries:
            labels = {"vxos.image.type": a["id"], "vxos.image.version": a["version"]}
            if parent:
                labels["vxos.parent.type"] = parent
            out[a["image"]] = (a["path"], labels)


def _targets(framework, p) -> None:
    for r in framework:
        if r.type.name != "PortForward" or not r.insts:
            continue
        v = r.values(next(iter(r.insts)))
        ports = sorted(int(str(k).partition("/")[0]) for k in (v.get("Ports") or {}))
        if v.get("Address") and ports:
            p.targets[r.group.name] = (v["Address"], ports[0])
