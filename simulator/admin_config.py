"""Configuration changes: haconf -makerw, -dump and -makero; groups and resources added,
deleted, modified, linked and unlinked (hagrp/hares -add, -delete, -modify, -link,
-unlink); types and attributes (hatype, haattr). Each needs a writable configuration.
"""

from __future__ import annotations

import os

from vxha.simulator import dependencies as deps_mod
from vxha.simulator.core import SimError
from vxha.simulator.model import OFFLINE, UNKNOWN, SimResource
from vxha.vcs_types import model as cfmodel
from vxha.vcs_types.decl import Attr, TypeDecl

NOT_WRITABLE = "V-16-1-10369"
ALREADY_WRITABLE = "V-16-1-10364"


class ConfigChanges:
    """haconf, the -add/-delete/-modify/-link/-unlink requests, hatype and haattr."""

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
        path = getattr(self, "config_path", None)
        if not path:
            return
        from vxha.vcs_types.cf import write

        text = write(self.config)
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def makero(self):
        if not self.writable:
            raise SimError("Cluster not writable", NOT_WRITABLE)
        self.writable = False
        stale = self._stale()
        if stale and os.path.exists(stale):
            os.unlink(stale)

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
            raise SimError(f"Group {name} has dependencies: unlink them first", "V-16-1-10136")
        if any(self._active(gi) for gi in g.insts.values()):
            raise SimError(f"Group {name} is online", "V-16-1-10137")
        del self.groups[name]
        self.config.groups.remove(g.model)
        for s in self.systems.values():
            s.active.pop(name, None)
        for key in [k for k in self.intents if k[0] == name]:
            self._drop(key)

    def set_group_attr(self, name, attr, value, sname=None):
        self.need_writable()
        g = self.group(name)
        if attr in ("Enabled",):
            (self.enable_group if int(value) else self.disable_group)(name, sname)
            return
        if attr in ("Frozen", "TFrozen"):
            raise SimError(f"Use hagrp -freeze/-unfreeze to change {attr}", "V-16-1-10140")
        if sname is not None:
            g.model.local.setdefault(attr, {})[sname] = value
        else:
            g.model.attrs[attr] = value
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
        self.clock.run_due()

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
        raise SimError(f"Group {parent} does not depend on {child}", "V-16-1-10182")

    # -- resources -------------------------------------------------------------------------

    def add_resource(self, name, type_name, group):
        self.need_writable()
        if name in self.resources:
            raise SimError(f"Resource {name} already exists", "V-16-1-10233")
        g = self.group(group)
        if type_name not in self.types and not self._type_known(type_name):
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

    def _type_known(self, type_name):
        from vxha.simulator.runners import FRAMEWORK_TYPES
        from vxha.vcs_types.catalog import bundled_types

        if type_name in FRAMEWORK_TYPES or type_name in self.config.types:
            return True
        return any(d.name == type_name for ds in bundled_types().values() for d in ds)

    def delete_resource(self, name):
        self.need_writable()
        r = self.resource(name)
        if any(ri.is_online() for ri in r.insts.values()):
            raise SimError(f"Resource {name} is online: take it offline first", "V-16-1-10235")
        if r.parents or r.children:
            raise SimError(f"Resource {name} has links: unlink them first", "V-16-1-10236")
        g = r.group
        g.resources.remove(r)
        g.model.resources.remove(r.model)
        del self.resources[name]
        for s in g.insts:
            self._refresh(g, s, "resource deleted")

    def set_resource_attr(self, name, attr, value, sname=None):
        self.need_writable()
        r = self.resource(name)
        if sname is not None:
            r.model.local.setdefault(attr, {})[sname] = value
        else:
            r.model.attrs[attr] = value
        was = r.enabled
        r.reload()
        if attr == "Enabled" and r.enabled and not was and self.started:
            for s, ri in r.insts.items():
                if self.systems[s].up and r.group.enabled:
                    self._ep(ri, "monitor", None, self._probe_res_done, "probe")
        for s in r.insts:
            self._refresh(r.group, s, "modify")
        self.clock.run_due()

    def _probe_res_done(self, ri, code, timed_out, why):
        from vxha.simulator.engine import monitor_state

        self._set_state(ri, UNKNOWN if timed_out else monitor_state(code), why)
        self._schedule_monitor(ri)

    def link_resources(self, parent, child):
        self.need_writable()
        p, c = self.resource(parent), self.resource(child)
        if p.group is not c.group:
            raise SimError("Resources in different groups cannot be linked", "V-16-1-10240")
        if c in p.children:
            raise SimError(f"{parent} already requires {child}", "V-16-1-10241")
        if p in c.descendants() or p is c:
            raise SimError("The link would make a dependency cycle", "V-16-1-10242")
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

    # -- types and attributes --------------------------------------------------------------

    def add_type(self, name):
        self.need_writable()
        if name in self.types or self._type_known(name):
            raise SimError(f"Type {name} already exists", "V-16-1-10300")
        decl = TypeDecl(name, attrs=[], arglist=[])
        self.config.types[name] = decl
        self.sim_type(name)

    def _decl(self, name):
        t = self.types.get(name)
        if t is None:
            if not self._type_known(name):
                raise SimError(f"Type {name} does not exist", "V-16-1-10234")
            t = self.sim_type(name)
        return t

    def modify_type(self, name, attr, value):
        self.need_writable()
        t = self._decl(name)
        if attr == "ArgList":
            t.decl.arglist = list(value)
        else:
            t.overrides[attr] = value
        t.refresh()
        for r in self.resources.values():
            if r.type is t:
                r.argv_cache = {}

    def add_attr(self, type_name, attr, kind="str", dim="scalar", default=None):
        self.need_writable()
        t = self._decl(type_name)
        if attr in t.decl.attrs:
            raise SimError(f"Attribute {attr} already exists in type {type_name}", "V-16-1-10301")
        t.decl.attrs[attr] = Attr(attr, kind, dim, default)
