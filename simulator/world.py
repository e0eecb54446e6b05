"""The simulated systems' world: the fake drivers' state under ``<run dir>/<system>`` and
the shared cluster file system under ``<run dir>/shared``.

Events that happen outside VCS (a container dying, a mount lost, an address removed, a
system crashing) change this state the way the real component would change, through the
fakes' own test hooks, so the agents find out by monitoring like on a real node.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil

from vxha.agents.drivers.addresses_fake import DEFAULT_LINKS
from vxha.simulator.runners import node_env

STATE_FILES = ("docker.json", "addresses.json", "forwarding.json", "mounts.json")


class World:
    def __init__(self, run_dir, standin=None):
        self.run_dir = str(run_dir)
        self.standin = standin
        os.makedirs(os.path.join(self.run_dir, "shared"), exist_ok=True)

    def node_dir(self, system):
        return os.path.join(self.run_dir, system)

    def ensure(self, systems):
        for s in systems:
            os.makedirs(self.node_dir(s), exist_ok=True)

    def driver(self, system, kind):
        from vxha.agents.drivers import get_driver
        from vxha.agents.framework import Context

        return get_driver(kind, Context(node_env(self.run_dir, system), inprocess=True))

    # -- set-up ---------------------------------------------------------------------------

    def prepare(self, engine, systems=None):
        """What a real cluster has before VCS starts: the NICs its HostIP resources name
        (DECISIONS.md 7: the configuration, not a profile, says what a system has), images
        loaded, CFS volumes created."""
        wanted = set(engine.systems if systems is None else systems)
        self.ensure(wanted)
        nics = {}
        for r in engine.resources.values():
            if r.type.agent != "framework":
                continue
            for s in r.insts:
                if s not in wanted:
                    continue
                v = r.values(s)
                if r.type.name == "HostIP" and v.get("Device"):
                    nics.setdefault(s, []).append(v["Device"])
                elif r.type.name == "Container" and v.get("Image"):
                    from vxha.agents.container import addon_image

                    docker = self.driver(s, "docker")
                    docker.add_image(v["Image"])
                    for entry in list(v.get("AddOns") or []) + list(v.get("Hotfixes") or []):
                        docker.add_image(addon_image(entry))
                elif r.type.name == "CFSMount" and v.get("BlockDevice"):
                    fake = self.driver(s, "mounts")
                    if hasattr(fake, "create_device") and v.get("FSType", "vxfs") == "vxfs":
                        fake.create_device(v["BlockDevice"])
        for s, devices in nics.items():
            self.ensure_nics(s, devices)

    def ensure_nics(self, system, devices):
        """The system has these links, up (its fake addresses state). A system whose
        configuration names NICs has those and ``lo`` only: the fake's default ``eth0``
        exists only where nothing names a NIC."""
        devices = [d for d in devices if d]
        if not devices:
            return

        def add(st):
            links = st.get("links")
            if links is None:
                links = st["links"] = {"lo": dict(DEFAULT_LINKS["lo"])}
            for d in devices:
                if d not in links:
                    index = 2 + len(links)
                    links[d] = {"up": True, "carrier": True, "index": index, "mac": _mac(index)}

        self._edit(os.path.join(self.node_dir(system), "addresses.json"), add)

    # -- events ---------------------------------------------------------------------------

    def crash(self, system):
        """A crashed system loses everything it ran; shared storage keeps its data."""
        node = self.node_dir(system)
        for name in STATE_FILES:
            path = os.path.join(node, name)
            if os.path.exists(path):
                self._reset_state(system, name, path)
        for sub in ("state", "lock"):
            shutil.rmtree(os.path.join(node, sub), ignore_errors=True)

    @staticmethod
    def _reset_state(system, name, path):
        # Keep what survives a reboot (loaded images, links); drop what ran.
        with open(path) as f:
            try:
                st = json.load(f)
            except ValueError:
                st = {}
        keep = {
            "docker.json": ("images", "registry"),
            "addresses.json": ("links", "network"),
            "forwarding.json": (),
            "mounts.json": ("next_id",),
        }[name]
        st = {k: v for k, v in st.items() if k in keep}
        with open(path, "w") as f:
            json.dump(st, f, indent=1, sort_keys=True)

    def kill(self, res, system):
        """The resource stops outside VCS, as its component would fail."""
        kind = res.type.name
        v = res.values(system)
        if res.type.agent != "framework":
            self.standin.kill(system, res.name)
        elif kind == "Dummy":
            path = os.path.join(self.node_dir(system), "state", f"Dummy.{res.name}")
            if os.path.exists(path):
                os.unlink(path)
        elif kind == "Container":
            self.driver(system, "docker").kill_outside(
                v.get("RuntimeName") or v.get("Name") or res.name
            )
        elif kind == "HostIP":
            self.remove_ip(system, v.get("Address"))
        elif kind == "CFSMount":
            self.lose_mount(system, v.get("MountPoint"))
        elif kind == "PortForward":
            self.driver(system, "forwarding").tamper(res.name, [])
        else:
            raise ValueError(f"cannot kill a resource of type {kind}")

    def start_outside(self, res, system):
        """Someone starts the resource by hand (the concurrency-violation case)."""
        if res.type.agent != "framework":
            self.standin.online.add((system, res.name))
        elif res.type.name == "Dummy":
            state = os.path.join(self.node_dir(system), "state")
            os.makedirs(state, exist_ok=True)
            with open(os.path.join(state, f"Dummy.{res.name}"), "w") as f:
                json.dump({}, f)
        else:
            raise ValueError(f"cannot start a {res.type.name} resource outside VCS here")

    def remove_ip(self, system, address):
        path = os.path.join(self.node_dir(system), "addresses.json")
        self._edit(
            path,
            lambda st: st.__setitem__(
                "addresses", [a for a in st.get("addresses", []) if a.get("address") != address]
            ),
        )

    def lose_mount(self, system, mountpoint):
        path = os.path.join(self.node_dir(system), "mounts.json")
        self._edit(
            path,
            lambda st: st.__setitem__(
                "mounts", [m for m in st.get("mounts", []) if m.get("mountpoint") != mountpoint]
            ),
        )

    def set_faults(self, system, faults, replace=False):
        path = os.path.join(self.node_dir(system), "faults.json")
        os.makedirs(self.node_dir(system), exist_ok=True)
        current = {}
        if not replace and os.path.exists(path):
            with open(path) as f:
                current = json.load(f)
        current.update(faults)
        current = {k: v for k, v in current.items() if v}
        with open(path, "w") as f:
            json.dump(current, f, indent=1, sort_keys=True)

    @staticmethod
    def _edit(path, change):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                with open(path) as f:
                    st = json.load(f)
            except FileNotFoundError:
                st = {}
            change(st)
            tmp = path + ".tmp.sim"
            with open(tmp, "w") as f:
                json.dump(st, f, indent=1, sort_keys=True)
            os.replace(tmp, path)
        finally:
            os.close(fd)


def _mac(index):
    return f"02:00:00:00:{index // 256 % 256:02x}:{index % 256:02x}"
