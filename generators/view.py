"""The live cluster as vxha's commands read it: once, with a constant number of processes.

The configuration comes from the saved main.cf: while the configuration is read-only it is
exactly what the engine runs (every change needs ``haconf -makerw`` and is written by
``haconf -dump``), and vxha refuses to change a configuration someone has open. States and
the admin state of groups (Enabled per system, the maintenance record) come from bulk
``ha*`` reads: ``hagrp -state``, ``hares -state``, ``hagrp -display -attribute``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from vxha.generators import ownership
from vxha.generators.hacli import HaClient, is_up
from vxha.vcs_types.model import Config, Group, resolve_numbers

ADMIN_ATTRS = ("Enabled", "UserStrLocal", "Frozen", "TFrozen")
# What a view read from the engine alone needs of each group besides its admin state.
SHAPE_ATTRS = ("UserStrGlobal", "SystemList", "Parallel")


def config_path(path: Optional[str] = None) -> str:
    """main.cf: ``path`` (a file, or the configuration directory), else $VXHA_CONFIG_DIR,
    else VCS's $VCS_CONF/conf/config."""
    if not path:
        path = os.environ.get("VXHA_CONFIG_DIR") or os.path.join(
            os.environ.get("VCS_CONF", "/etc/VRTSvcs"), "conf", "config"
        )
    return os.path.join(path, "main.cf") if os.path.isdir(path) else path


class ViewError(Exception):
    pass


@dataclass
class ClusterView:
    config: Config
    path: str
    client: Optional[HaClient] = None
    group_states: Dict[str, Dict[str, str]] = field(default_factory=dict)
    admin: Dict[str, Dict[str, Dict[str, str]]] = field(default_factory=dict)
    editing: bool = False  # the configuration is open for writing (.stale is there)
    _resource_states: Optional[Dict[str, Dict[str, str]]] = None
    _system_states: Optional[Dict[str, str]] = None
    _groups: Optional[Dict[str, object]] = None

    # Read on first use, once: a plan that touches no resource never asks for them.
    @property
    def resource_states(self) -> Dict[str, Dict[str, str]]:
        if self._resource_states is None:
            self._resource_states = self.client.resource_states() if self.client else {}
        return self._resource_states

    @property
    def system_states(self) -> Dict[str, str]:
        if self._system_states is None:
            self._system_states = self.client.system_states() if self.client else {}
        return self._system_states

    def group(self, name: str):
        """The group of the configuration read (by name, without a scan per call)."""
        if self._groups is None:
            self._groups = {g.name: g for g in self.config.groups}
        return self._groups.get(name)

    def servers(self) -> Dict[str, List[str]]:
        return ownership.servers(self.config)

    def up_on(self, group: str) -> List[str]:
        """Systems where the group is online, partly online or starting."""
        return sorted(s for s, v in self.group_states.get(group, {}).items() if is_up(v))

    def resource_up_on(self, resource: str) -> List[str]:
        return sorted(s for s, v in self.resource_states.get(resource, {}).items() if is_up(v))

    def systems_of(self, group: str) -> List[str]:
        """The group's SystemList, in priority order."""
        g = self.group(group)
        numbers = g.system_priorities() if g is not None else {}
        return sorted(numbers, key=numbers.__getitem__)

    def _admin(self, group: str, attr: str, system: str):
        """A per-system admin value: the engine's per-system row, else the saved
        configuration's localized value, else the global value (engine, then saved)."""
        values = self.admin.get(group, {}).get(attr, {})
        if system in values:
            return values[system]
        g = self.group(group)
        if g is not None and system in g.local.get(attr, {}):
            return g.local[attr][system]
        if "global" in values:
            return values["global"]
        return g.attrs.get(attr) if g is not None else None

    def system_up(self, system: str) -> bool:
        return self.system_states.get(system, "RUNNING") == "RUNNING"

    def localized(self, group: str, attr: str) -> bool:
        """The attribute has per-system values on the group (``hagrp -local`` was run)."""
        if any(s != "global" for s in self.admin.get(group, {}).get(attr, {})):
            return True
        g = self.group(group)
        return g is not None and attr in g.local

    def enabled(self, group: str, system: str) -> bool:
        value = self._admin(group, "Enabled", system)
        return value is None or str(value).strip() != "0"

    def record(self, group: str, system: str) -> str:
        value = self._admin(group, "UserStrLocal", system)
        return "" if value is None else str(value)

    def frozen(self, group: str) -> bool:
        return any(
            str(self._admin(group, a, "global") or "0").strip() not in ("0", "")
            for a in ("Frozen", "TFrozen")
        )

    def thaw(self, group: str) -> str:
        """The command that ends an admin's freeze of the group: a persistent freeze
        (Frozen) with -persistent, a temporary one (TFrozen) without (hagrp(1M) 7.3)."""
        persistent = str(self._admin(group, "Frozen", "global") or "0").strip() not in ("0", "")
        return f"hagrp -unfreeze {group}" + (" -persistent" if persistent else "")


CACHE_KEEP = 8

# main.cf (absolute path) -> the digest of the configuration as this process last read it
# (parse_config) or saved it (the plan runner's haconf -dump): the runner refuses a plan
# made from a configuration someone saved since (see changed_since_read).
_SEEN: dict = {}


def _digest(main_cf: str, allow_include_dirs=()):
    """main.cf and every other .cf file beside it (and in ``allow_include_dirs``), byte for
    byte, with this vxha's and Python's versions."""
    import hashlib
    import sys

    from vxha import __version__

    folder = os.path.dirname(os.path.abspath(main_cf))
    key = hashlib.sha256(f"{__version__} {sys.version}".encode())
    with open(main_cf, "rb") as f:
        key.update(f.read())
    for directory in [folder] + [os.path.abspath(d) for d in allow_include_dirs]:
        key.update(directory.encode())
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if name.endswith(".cf") and path != os.path.abspath(main_cf):
                key.update(name.encode())
                with open(path, "rb") as f:
                    key.update(f.read())
    return key


def note_read(main_cf: str) -> None:
    """Remember the configuration as it is now as the one this process works from."""
    try:
        _SEEN[os.path.abspath(main_cf)] = _digest(main_cf).hexdigest()
    except OSError:
        _SEEN.pop(os.path.abspath(main_cf), None)


def changed_since_read(main_cf: str) -> bool:
    """Whether the saved configuration changed since this process read it (someone saved
    theirs in between); False when it was not read (a model in memory)."""
    seen = _SEEN.get(os.path.abspath(main_cf)) if main_cf else None
    if seen is None:
        return False
    try:
        return _digest(main_cf).hexdigest() != seen
    except OSError:
        return True


def parse_config(main_cf: str, allow_include_dirs=()):
    """``cf.parse_file(main_cf)``, remembered by content: a configuration read before (the
    same main.cf and type files, byte for byte) is loaded from the state directory instead
    of parsed again (a 200-server main.cf takes 0.3 s to parse, 0.07 s to load).

    The cache lives under $VXHA_STATE_DIR (root's, mode 0700): only vxha writes there."""
    import pickle

    from vxha.generators.plan import state_dir
    from vxha.vcs_types.cf import parse_file
    from vxha.vcs_types.model import with_included

    key = _digest(main_cf, allow_include_dirs)
    if not allow_include_dirs:
        _SEEN[os.path.abspath(main_cf)] = key.hexdigest()
    cache = os.path.join(state_dir(), "parsed")
    path = os.path.join(cache, key.hexdigest() + ".pickle")
    try:
        with open(path, "rb") as f:
            config = pickle.load(f)  # noqa: S301 - vxha's own file in a root-only directory
        config.source = main_cf
        return with_included(config)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    config = parse_file(main_cf, allow_include_dirs=list(allow_include_dirs))
    try:
        os.makedirs(cache, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "wb") as f:
            pickle.dump(config, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        entries = sorted(
            (os.path.join(cache, n) for n in os.listdir(cache) if n.endswith(".pickle")),
            key=os.path.getmtime,
        )
        for old in entries[:-CACHE_KEEP]:
            os.unlink(old)
    except OSError:
        pass  # a cache that cannot be written costs time, nothing else
    # the groups, systems, ... an include declares are the live cluster's too
    return with_included(config)


def read_view(client: HaClient, path: Optional[str] = None, admin: bool = False) -> ClusterView:
    """Read the cluster (see the module doc): main.cf, and one ``ha*`` process for the
    groups' states (with their admin state when ``admin``); resources' and systems'
    states follow on first use. ViewError if main.cf cannot be read."""
    from vxha.vcs_types.cf import CfError

    main_cf = config_path(path)
    try:
        config = parse_config(main_cf)
    except CfError as exc:
        raise ViewError(str(exc)) from exc
    except OSError as exc:
        raise ViewError(
            f"{main_cf}: cannot read the cluster's configuration ({exc.strerror or exc}); "
            "name it with --config-dir or VXHA_CONFIG_DIR"
        ) from exc
    view = ClusterView(config, main_cf, client)
    view.editing = os.path.exists(os.path.join(os.path.dirname(main_cf), ".stale"))
    if admin:
        view.group_states, view.admin = client.group_display(ADMIN_ATTRS)
    else:
        view.group_states = client.group_states()
    return view


def read_groups(client: HaClient, extra=()) -> ClusterView:
    """The groups as the engine shows them, from one ``hagrp -display``: their marker,
    SystemList, states and admin state (and the ``extra`` attributes, in ``view.admin``);
    no main.cf (maintenance and inventory need no more, and a 200-server main.cf costs
    more to parse than the whole display)."""
    states, table = client.group_display(ADMIN_ATTRS + SHAPE_ATTRS + tuple(extra))
    config = Config()
    for name in sorted(set(states) | set(table)):
        rows = table.get(name, {})
        attrs = {}
        tag = rows.get("UserStrGlobal", {}).get("global")
        if tag:
            attrs["UserStrGlobal"] = tag
        attrs["SystemList"] = displayed_system_list(rows.get("SystemList", {}).get("global", ""))
        attrs["Parallel"] = int(rows.get("Parallel", {}).get("global", "0") or 0)
        config.groups.append(Group(name, attrs=attrs))
    view = ClusterView(config, "", client)
    view.group_states, view.admin = states, table
    return view


def displayed_system_list(text: str) -> Dict[str, int]:
    """SystemList as ``hagrp -display`` prints it (``n1 0 n2 1``) -> {system: number};
    a list of names alone (no numbers) is numbered as VCS numbers an unnumbered one."""
    words = text.split()
    pairs = list(zip(words[::2], words[1::2]))
    if len(words) % 2 == 0 and all(p.isdigit() for _, p in pairs):
        return {s: int(p) for s, p in pairs}
    return resolve_numbers(words)
