"""Configuration changes: haconf -makerw, -dump and -makero; groups and resources added,
deleted, modified, linked and unlinked (hagrp/hares -add, -delete, -link, -unlink);
systems added and deleted (hasys -add, -delete); types and attributes (hatype, haattr).
Each needs a writable configuration, checks the request as VCS does and raises
``SimError`` instead of acting when VCS would refuse. The command forms and their sources
are ``vxha.vcs_types.haforms``; attribute values are ``attrs.py``'s.
"""

from __future__ import annotations

import copy
import dataclasses
import os

from vxha.simulator import dependencies as deps_mod
from vxha.simulator.attrs import (
    CLUSTER_DEFAULTS,
    GROUP_DEFAULTS,
    RESOURCE_DEFAULTS,
    SYSTEM_DEFAULTS,
)
from vxha.simulator.engine import SimError
from vxha.simulator.model import OFFLINE, UNKNOWN, SimResource, SimSystem, SimType
from vxha.vcs_types import model as cfmodel
from vxha.vcs_types.decl import Attr, TypeDecl
from vxha.vcs_types.haforms import NOT_WRITABLE

ALREADY_WRITABLE = "V-16-1-10364"
# A system added by hasys -add has no engine running until it joins (the restart event).
NOT_JOINED = "UNKNOWN"


def _default(value, default):
    """Whether a scalar value is the attribute's default (``None``: no default known)."""
    return (
        default is not None and not isinstance(value, (list, dict)) and str(value) == str(default)
    )


def _not_default(attrs, defaults):
    """``attrs`` without those whose value is the attribute's default (``defaults``)."""
    return {k: v for k, v in attrs.items() if not _default(v, defaults.get(k))}


def _as_read(value):
    """A string attribute's value as reading its dumped text gives it back: a number written
    bare (hacf knows the attribute is a string, so it needs no quotes; the generator writes
    it so) reads back as a number."""
    if value.__class__ is str:
        return (
            int(value)
            if value.isdigit() and value.isascii() and str(int(value)) == value
            else value
        )
    if value.__class__ is list:
        return [_as_read(v) for v in value]
    if value.__class__ is dict:
        return {k: _as_read(v) for k, v in value.items()}
    return value


class ConfigChanges:
    # -- haconf ----------------------------------------------------------------------------

    def need_writable(self):
        if not self.writable:
            raise SimError("Cluster not writable", NOT_WRITABLE)

    def _stale(self):
        path = getattr(self, "config_path", None)
        return os.path.join(os.path.dirname(path), ".stale") if path else None

    def makerw(self):
        if self.writable:
            raise SimError("Cluster already writable", ALREADY_WRITABLE)
        self.writable = True
        stale = self._stale()
        if stale:  # as VCS does: the configuration on disk may be older than memory
            open(stale, "w").close()

    def dump_config(self):
        """haconf -dump: write the configuration back to main.cf (when loaded from a file)."""
        self.need_writable()
        path = getattr(self, "config_path", None)
        if not path:
            return
        from vxha.vcs_types.cf import write
        from vxha.vcs_types.model import split_by_file
        from vxha.vcs_types.writer import write_types

        # each object back to the file that declared it (its SourceFile), the rest to main.cf
        parts = split_by_file(self.config)
        files = [(path, write(self._as_hacf_writes(parts[0])))]
        files += [(part.source, write(self._as_hacf_writes(part))) for part in parts[1:]]
        # a type changed by hatype/haattr back to the types file it was read from (VCS
        # writes every .cf file of the configuration: docs/simulator.md, "haconf -dump")
        folder = os.path.dirname(path)
        objects = {os.path.basename(part.source) for part in parts[1:]}
        origin = self.config.type_origin
        for name in sorted({origin.get(n) for n in self.changed_types} - {None} - objects):
            same = [
                self._declared(n, d) for n, d in self.config.types.items() if origin.get(n) == name
            ]
            files.append((os.path.join(folder, name), write_types(same)))
        for target, text in files:
            tmp = f"{target}.tmp"
            try:
                with open(tmp, "w") as f:
                    f.write(text)
                os.replace(tmp, target)
            except OSError as exc:
                raise SimError(f"Cannot write {target}: {exc.strerror or exc}") from None
        stale = self._stale()
        if stale and os.path.exists(stale):
            os.unlink(stale)

    def _as_hacf_writes(self, config):
        """``config`` (the configuration, or one file's part of it) as hacf writes it
        (docs/simulator.md, "haconf -dump"): in each group the resources by type then name,
        a group, resource, system or cluster attribute equal to its default left out, the
        resource links by parent then child. The model itself is unchanged."""
        cfg = copy.copy(config)
        cfg.systems = [
            dataclasses.replace(s, attrs=_not_default(s.attrs, SYSTEM_DEFAULTS))
            for s in config.systems
        ]
        if config.cluster is not None:
            cfg.cluster = dataclasses.replace(
                config.cluster, attrs=_not_default(config.cluster.attrs, CLUSTER_DEFAULTS)
            )
        # a static value set by hatype -modify is part of the type's declaration
        cfg.types = {n: self._declared(n, d) for n, d in config.types.items()}
        cfg.groups = [
            dataclasses.replace(
                g,
                attrs=_not_default(g.attrs, GROUP_DEFAULTS),
                resources=sorted(
                    (self._dumped_resource(rm) for rm in g.resources),
                    key=lambda r: (r.type, r.name),
                ),
                links=sorted(g.links, key=lambda k: (k.parent, k.child)),
            )
            for g in config.groups
        ]
        return cfg

    def _declared(self, name, decl):
        t = self.types.get(name)
        if t is None or not t.overrides:
            return decl
        out = copy.copy(decl)
        out.statics = {**decl.statics, **t.overrides}
        return out

    def _dumped_resource(self, rm):
        decl = self.sim_type(rm.type).decl

        def read_back(attr, value):
            a = decl.attr(attr)
            return _as_read(value) if a is not None and a.type == "str" else value

        kept = {}
        for attr, value in rm.attrs.items():
            a = decl.attr(attr)
            if a is not None and a.static:  # an override: written whatever its value
                default = None
            else:
                default = RESOURCE_DEFAULTS.get(attr, a.default if a is not None else None)
            if not _default(value, default):
                kept[attr] = read_back(attr, value)
        # the standard attributes (Critical, Enabled, overrides) first, by name, then the
        # type's in the order it declares them, whatever order the commands set them in
        rank = {name: i for i, name in enumerate(decl.attrs)}
        names = sorted(
            dict.fromkeys([*kept, *rm.local]),
            key=lambda n: (True, rank[n], "") if n in rank else (False, 0, n),
        )
        local = {
            n: {s: read_back(n, v) for s, v in rm.local[n].items()} for n in names if n in rm.local
        }
        return dataclasses.replace(
            rm, attrs={n: kept[n] for n in names if n in kept}, local=local, order=tuple(names)
        )

    def makero(self):
        self.need_writable()
        self.writable = False

    # -- groups ----------------------------------------------------------------------------

    def add_group(self, name):
        self.need_writable()
        if name in self.groups:
            raise SimError(f"Group {name} already exists", "V-16-1-10133")
        gm = cfmodel.Group(name)
        self.config.groups.append(gm)
        self._add_group(gm)
        self.groups[name].autostarted = True

    def delete_group(self, name):
        self.need_writable()
        g = self.group(name)
        if g.resources:
            raise SimError(f"Group {name} has resources: delete them first", "V-16-1-10135")
        if g.deps or g.rdeps:
            raise SimError(f"Group {name} has dependencies: unlink them first", "V-16-1-10137")
        del self.groups[name]
        self.config.groups.remove(g.model)
        for s in self.systems.values():
            s.active.pop(name, None)
        for key in [k for k in self.intents if k[0] == name]:
            self._drop(key)

    def set_group_attr(self, name, attr, value, sname=None):
        """Set a group attribute to a value already decoded (the engine's own callers)."""
        self.need_writable()
        g = self.group(name)
        if sname is not None:
            g.model.local.setdefault(attr, {})[sname] = value
        else:
            g.model.attrs[attr] = value
        self._group_changed(g, attr)
        self.clock.run_due()

    def _group_changed(self, g, attr):
        g.reload()
        if attr == "SystemList":
            self._make_insts(g)
            for s in list(g.insts):
                if s not in g.systemlist and not self._active(g.insts[s]):
                    del g.insts[s]
                    for r in g.resources:
                        r.insts.pop(s, None)
            if self.started:
                for s in g.insts:
                    if self.systems[s].up and any(not r.insts[s].probed for r in g.resources):
                        self._probe_group(g, s, "probe")
        self._dirty_all()

    def link_groups(self, parent, child, category="online", location="local", rigidity="firm"):
        self.need_writable()
        p, c = self.group(parent), self.group(child)
        why = deps_mod.link_error(p, c, category, location, rigidity)
        if why:
            raise SimError(f"Cannot link {parent} to {child}: {why}", "V-16-1-10180")
        dm = cfmodel.GroupDep(child, category, location, rigidity)
        dep = self._add_dep(p, dm)
        # A link is refused when the current states already violate it.
        for s, pi in p.insts.items():
            if self._active(pi) and not deps_mod.dep_met(dep, s, self.up_systems()):
                p.deps.remove(dep)
                c.rdeps.remove(dep)
                raise SimError(
                    f"Cannot link {parent} to {child}: the current states violate "
                    f"{dep.kind()} on system {s}",
                    "V-16-1-10181",
                )
        p.model.deps.append(dm)

    def unlink_groups(self, parent, child):
        self.need_writable()
        p, c = self.group(parent), self.group(child)
        for dep in list(p.deps):
            if dep.child is c:
                p.deps.remove(dep)
                c.rdeps.remove(dep)
                p.model.deps.remove(dep.model)
                self._dirty_all()
                return
        raise SimError(f"Group {parent} does not depend on {child}", "V-16-1-10146")

    # -- resources -------------------------------------------------------------------------

    def add_resource(self, name, type_name, group):
        self.need_writable()
        if name in self.resources:
            raise SimError(f"Resource {name} already exists", "V-16-1-10233")
        g = self.group(group)
        if type_name not in self.type_names():
            raise SimError(f"Type {type_name} does not exist", "V-16-1-10234")
        # VCS creates a resource disabled; hares -modify R Enabled 1 enables it.
        rm = cfmodel.Resource(type_name, name, {"Enabled": 0})
        g.model.resources.append(rm)
        r = SimResource(rm, self.sim_type(type_name), g)
        g.resources.append(r)
        self.resources[name] = r
        self._make_insts(g)
        for s in g.insts:
            r.insts[s].state = OFFLINE
            r.insts[s].probed = True
        for s in g.insts:
            self._refresh(g, s, "resource added")

    def delete_resource(self, name, force=False):
        """hares -delete: with the cluster's DeleteOnlineResource at 1 (its default) an
        online resource is deleted too (hares(1M) OPTIONS); at 0 only with -force. Its
        links go with it."""
        self.need_writable()
        r = self.resource(name)
        attrs = self.config.cluster.attrs if self.config.cluster else {}
        online_ok = str(attrs.get("DeleteOnlineResource", 1)) != "0"
        if not online_ok and not force and any(ri.is_online() for ri in r.insts.values()):
            raise SimError(
                f"Resource {name} is online and DeleteOnlineResource is 0: take it offline "
                "or use -force",
                "V-16-1-10235",
            )
        g = r.group
        for p in list(r.parents):
            p.children.remove(r)
        for c in list(r.children):
            c.parents.remove(r)
        g.model.links = [lk for lk in g.model.links if name not in (lk.parent, lk.child)]
        g.resources.remove(r)
        g.model.resources.remove(r.model)
        del self.resources[name]
        self.log("-", name, "deleted (hares -delete)")
        for s in g.insts:
            self._refresh(g, s, "resource deleted")
        self._dirty_all()

    def set_resource_attr(self, name, attr, value, sname=None):
        """Set a resource attribute to a value already decoded (the engine's own callers)."""
        self.need_writable()
        r = self.resource(name)
        if sname is not None:
            r.model.local.setdefault(attr, {})[sname] = value
        else:
            r.model.attrs[attr] = value
        self._resource_changed(r, attr)
        self.clock.run_due()

    def _resource_changed(self, r, attr):
        was = r.enabled
        r.reload()
        if attr == "Enabled" and r.enabled and not was and self.started:
            for s, ri in r.insts.items():
                if self.systems[s].up and r.group.enabled:
                    self._ep(ri, "monitor", None, self._probe_res_done, "probe")
        if r.type.name == "HostIP" and attr == "Device" and self.world is not None:
            for s in r.insts:
                self.world.ensure_nics(s, [r.values(s).get("Device")])
        for s in r.insts:
            self._refresh(r.group, s, "modify")

    def _probe_res_done(self, ri, code, timed_out, why):
        from vxha.simulator.engine import monitor_state

        self._set_state(ri, UNKNOWN if timed_out else monitor_state(code), why)
        self._schedule_monitor(ri)

    def link_resources(self, parent, child):
        self.need_writable()
        p, c = self.resource(parent), self.resource(child)
        if p.group is not c.group:
            raise SimError("Resources in different groups cannot be linked", "V-16-1-10240")
        if p.type.kept_online:
            # VCS never takes such a resource offline (None: nor online), so it could not
            # take a parent offline before its children (docs/simulator.md)
            ops = "None" if p.type.persistent else "OnOnly"
            raise SimError(
                f"Resource {parent} cannot be a parent: its type {p.type.name} has "
                f"Operations = {ops}"
            )
        if c in p.children:
            raise SimError(f"{parent} already requires {child}", "V-16-1-10241")
        if p in c.descendants() or p is c:
            raise SimError("The link would make a dependency cycle", "V-16-1-10244")
        self._add_link(p.group, parent, child)
        p.group.model.links.append(cfmodel.ResourceLink(parent, child))

    def unlink_resources(self, parent, child):
        self.need_writable()
        p, c = self.resource(parent), self.resource(child)
        if c not in p.children:
            raise SimError(f"{parent} does not require {child}", "V-16-1-10243")
        p.children.remove(c)
        c.parents.remove(p)
        for link in list(p.group.model.links):
            if link.parent == parent and link.child == child:
                p.group.model.links.remove(link)

    # -- systems ---------------------------------------------------------------------------

    def add_system(self, name):
        """hasys -add: the system exists in the configuration; it runs nothing until its
        engine starts (the restart event makes it join)."""
        self.need_writable()
        if name in self.systems:
            raise SimError(f"System {name} already exists", "V-16-1-10357")
        sm = cfmodel.System(name)
        self.config.systems.append(sm)
        system = SimSystem(sm)
        system.up = False
        system.state = NOT_JOINED
        self.systems[name] = system
        self.epoch[name] = 0
        if self.world is not None:
            self.world.ensure([name])
        for g in self.groups.values():
            if name in g.systemlist:
                self._make_insts(g)

    def delete_system(self, name):
        """hasys -delete: only a system in EXITED or UNKNOWN state (hasys(1M) 7.2); one a
        group still lists is refused too (chosen: a SystemList never names a system the
        cluster no longer has)."""
        self.need_writable()
        system = self.system(name)
        if system.state not in ("EXITED", NOT_JOINED):
            raise SimError(
                f"System {name} is {system.state}: only an EXITED or UNKNOWN system can be deleted",
                "V-16-1-10358",
            )
        users = [g.name for g in self.groups.values() if name in g.systemlist]
        if users:
            raise SimError(
                f"System {name} is in the SystemList of {', '.join(users)}", "V-16-1-10359"
            )
        self.config.systems.remove(system.model)
        del self.systems[name]
        self.epoch.pop(name, None)

    # -- types -----------------------------------------------------------------------------

    def type_names(self):
        """What ``hatype -list`` shows: types the configuration declares or uses."""
        return sorted(set(self.config.types) | set(self.types))

    def add_type(self, name):
        """hatype -add: a type ``hatype -list`` does not show, declared empty (haattr -add
        and hatype -modify ArgList fill it), whatever the catalog knows of that name."""
        self.need_writable()
        if name in self.type_names():
            raise SimError(f"Type {name} already exists", "V-16-1-10300")
        decl = TypeDecl(name, attrs=[], arglist=[])
        agent = self.sim_type(name).agent  # vxha's agent runs it when vxha ships the type
        self.config.types[name] = decl
        self.types[name] = SimType(decl, agent)

    def delete_type(self, name):
        self.need_writable()
        self._decl(name)
        users = [r.name for r in self.resources.values() if r.type.name == name]
        if users:
            raise SimError(f"Type {name} has resources: {', '.join(users)}", "V-16-1-10302")
        self.config.types.pop(name, None)
        self.types.pop(name, None)

    def _decl(self, name):
        t = self.types.get(name)
        if t is None:
            if name not in self.config.types:
                raise SimError(f"Type {name} does not exist", "V-16-1-10234")
            t = self.sim_type(name)
        return t

    def _changing(self, name):
        """The type about to change: its declaration made the cluster's own (a shared
        catalog or built-in declaration is never changed in place) and remembered, so that
        haconf -dump writes it back to the file it came from."""
        t = self._decl(name)
        if name not in self.changed_types:
            t.decl = copy.deepcopy(t.decl)
            self.config.types[name] = t.decl
        self.changed_types.add(name)
        return t

    def modify_type(self, name, attr, value):
        self.need_writable()
        t = self._changing(name)
        if attr == "ArgList":
            t.decl.arglist = list(value)
        else:
            t.overrides[attr] = value
        t.refresh()
        for r in self.resources.values():
            if r.type is t:
                r.argv_cache = {}
                r.restatic()

    def add_attr(self, type_name, attr, kind="str", dim="scalar", default=None, flag=""):
        """haattr -add [-static | -temp]: a new attribute of the type."""
        self.need_writable()
        t = self._decl(type_name)
        if t.decl.attr(attr) is not None:
            raise SimError(f"Attribute {attr} already exists in type {type_name}", "V-16-1-10301")
        self._changing(type_name).decl.attrs[attr] = Attr(
            attr, kind, dim, default, static=flag == "static", temp=flag == "temp"
        )

    def set_attr_default(self, type_name, attr, default):
        self.need_writable()
        if attr not in self._decl(type_name).decl.attrs:
            raise SimError(f"Attribute {attr} does not exist in type {type_name}", "V-16-1-10510")
        self._changing(type_name).decl.attrs[attr].default = default

    def delete_attr(self, type_name, attr):
        self.need_writable()
        t = self._decl(type_name)
        if attr not in t.decl.attrs:
            raise SimError(f"Attribute {attr} does not exist in type {type_name}", "V-16-1-10510")
        if attr in t.decl.arglist:
            raise SimError(f"Attribute {attr} is in the ArgList of {type_name}", "V-16-1-10303")
        del self._changing(type_name).decl.attrs[attr]
