"""Attribute changes on the simulated cluster: ``-modify``, ``-local``, ``-global``,
``-override`` and ``-undo_override`` of groups, resources, systems and the cluster.

The words become a value by ``haforms.new_value`` (the forms of the 5.1 Administrator's
Guide, "Defining attributes as local"); what the object's state allows is checked here:
``-sys`` only for a localized attribute, a localized one only with ``-sys``, a static
attribute only once overridden, no attribute VCS keeps itself.
"""

from __future__ import annotations

import copy

from vxha.simulator.engine import SimError
from vxha.simulator.loadwarning import LEVEL, THRESHOLD
from vxha.vcs_types import haforms
from vxha.vcs_types import model as cfmodel
from vxha.vcs_types.decl import empty_value

# Attributes VCS maintains itself: "you cannot modify resource attributes defined by the
# system, such as the resource state" (VCS 4.1 User's Guide, Modifying Resource Attributes);
# the attribute tables of the administrator's guides mark these "system use only".
READ_ONLY = {
    "group": {
        "ActiveCount",
        "AutoDisabled",
        "CurrentCount",
        "IntentOnline",
        "Evacuating",
        "Probed",
        "State",
        "TFrozen",
        "Frozen",
    },
    "resource": {
        "ConfidenceLevel",
        "ConfidenceMsg",
        "Flags",
        "Group",
        "IState",
        "LastOnline",
        "MonitorTimeStats",
        "Path",
        "Probed",
        "ResourceInfo",
        "Signaled",
        "Start",
        "State",
        "Type",
    },
    "system": {
        "AvailableCapacity",
        "CurrentLimits",
        "LoadTimeCounter",
        "OnGrpCnt",
        "SysState",
        "Frozen",
        "TFrozen",
        "NodeId",
        "LLTNodeId",
    },
    "cluster": {"ClusState", "CID", "ClusterUUID", "ReadOnly"},
}
# Values VCS gives attributes a configuration leaves out (the attribute tables of the
# administrator's guides); -display shows these besides what main.cf sets.
GROUP_DEFAULTS = {
    "AutoFailOver": 1,
    "AutoRestart": 1,
    "AutoStart": 1,
    "AutoStartList": [],
    "AutoStartPolicy": "Order",
    "Enabled": 1,
    "FailOverPolicy": "Priority",
    "Frozen": 0,
    "ManageFaults": "ALL",
    "OnlineRetryLimit": 0,
    "Parallel": 0,
    "Priority": 0,
    "SystemList": {},
    "TFrozen": 0,
    "UserStrGlobal": "",
}
RESOURCE_DEFAULTS = {"AutoStart": 1, "Critical": 1, "Enabled": 1}
# Capacity: User's 5.0 (HP-UX 11i v3), "System attributes"; the load warning's level and
# time: Admin 7.0, "About AutoStart operation" (docs/simulator.md, "Systems").
SYSTEM_DEFAULTS = {"Capacity": 100, "LoadWarningLevel": LEVEL, "LoadTimeThreshold": THRESHOLD}
CLUSTER_DEFAULTS = {"DeleteOnlineResource": 1}
DEFAULTS = {
    "group": GROUP_DEFAULTS,
    "resource": RESOURCE_DEFAULTS,
    "system": SYSTEM_DEFAULTS,
    "cluster": CLUSTER_DEFAULTS,
}
# Attributes whose documented effect the simulator does not model (docs/simulator.md,
# "Limits": no stored manual says what their other values do): (kind, attribute) -> (the
# values whose behaviour the simulator follows, as written; "" is an empty list, what it
# does). Any other value is refused by -modify and told in the transcript when main.cf
# sets it, never kept silently.
NOT_MODELLED = {
    ("group", "SysDownPolicy"): (("",), "no policy: a system going down autodisables as usual"),
    ("group", "OnlineClearParent"): (("0",), "an online does not clear the parents' faults"),
    ("group", "PreSwitch"): (("0",), "a switch runs no PreSwitch action"),
    ("group", "AutoRestart"): (("0", "1"), "2 acts as 1"),
    ("resource", "MonitorOnly"): (("0",), "the resource is brought online and offline as usual"),
}
# Attributes set by their own commands (haforms.STATE_COMMANDS names them).
_STATE_CMD = {"group": "hagrp", "system": "hasys"}


def _tables():
    from vxha.vcs_types import verify

    return {
        "group": verify.GROUP_ATTRS,
        "system": verify.SYSTEM_ATTRS,
        "cluster": verify.CLUSTER_ATTRS,
        "resource": verify.RESOURCE_ATTRS,
    }


def _pick_dim(dims, current, words):
    """Load and Capacity are one number (Load policy) or per meter: an association when
    the value is one already, or when the words are pairs or -modify operations."""
    if isinstance(dims, str):
        return dims
    if isinstance(current, dict) or (words and (words[0] in haforms.MODIFIERS or len(words) > 1)):
        return "association"
    return "scalar"


class AttrMixin:
    # -- what an attribute is --------------------------------------------------------------

    def _attr_object(self, kind, name):
        """(simulator object or None, its configuration model) for kind and name."""
        if kind == "group":
            g = self.group(name)
            return g, g.model
        if kind == "resource":
            r = self.resource(name)
            return r, r.model
        if kind == "system":
            s = self.system(name)
            return s, s.model
        if self.config.cluster is None:
            self.config.cluster = cfmodel.Cluster("cluster")
        return None, self.config.cluster

    def attr_spec(self, kind, name, attr):
        """(data type, dimensions, static) of an attribute of that object; SimError naming
        it when the object has no such attribute."""
        if kind == "resource":
            r = self.resource(name)
            decl = r.type.decl
            a = decl.attr(decl.current_name(attr) or attr)
            if a is not None:
                return a.type, a.dim, a.static
        spec = _tables()[kind].get(attr)
        if spec is None:
            what = f"{kind} {name}" if name else "the cluster"
            raise SimError(f"Attribute {attr} does not exist for {what}", haforms.UNKNOWN_ATTR)
        return spec[0], spec[1], False

    def _systems_of(self, kind, obj):
        if kind == "group":
            return list(obj.systemlist)
        if kind == "resource":
            return list(obj.group.systemlist)
        return []

    def attr_value(self, kind, name, attr, sname=None, default=None):
        """The attribute's value (the system's when localized) as the configuration has it."""
        _, model = self._attr_object(kind, name)
        local = getattr(model, "local", {}).get(attr)
        if local is not None and sname is not None and sname in local:
            return local[sname]
        return model.attrs.get(attr, default)

    # -- -modify -------------------------------------------------------------------------

    def modify_attr(self, kind, name, attr, words, sname=None):
        """``ha* -modify NAME ATTR words... [-sys S]``."""
        self.need_writable()
        obj, model = self._attr_object(kind, name)
        if kind == "group" and attr == "Enabled":  # per system without -local (-disable -sys)
            value = _value(attr, "int", "scalar", None, words)
            (self.enable_group if value else self.disable_group)(name, sname)
            return
        self._refuse_read_only(kind, attr)
        dtype, dims, static = self.attr_spec(kind, name, attr)
        if static and attr not in model.attrs and attr not in model.local:
            raise SimError(
                f"{attr} is a static attribute of type {obj.type.name}: override it first "
                f"(hares -override {name} {attr})",
                haforms.STATIC,
            )
        local = getattr(model, "local", {}).get(attr)
        if sname is not None:
            if local is None:
                raise SimError(
                    f"Attribute {attr} of {name} is not local: -sys needs it localized first "
                    f"({_cmd(kind)} -local {name} {attr})",
                    haforms.NOT_LOCAL,
                )
            if sname not in self._systems_of(kind, obj):
                self.system(sname)
                raise SimError(f"System {sname} is not in the SystemList of {name}", "V-16-1-40133")
            current = local.get(sname)
        else:
            if local is not None:
                raise SimError(
                    f"Attribute {attr} of {name} is local: give -sys SYSTEM, or make it global "
                    f"({_cmd(kind)} -global {name} {attr} VALUE...)",
                    haforms.IS_LOCAL,
                )
            current = self._current(kind, obj, model, attr)
        dim = _pick_dim(dims, current, words)
        value = _value(attr, dtype, dim, current, words)
        refusal = not_modelled(kind, attr, value)
        if refusal:
            raise SimError(f"{_cmd(kind)} -modify {name} {refusal}", "V-16-1-10557")
        if sname is not None:
            local[sname] = value
        else:
            model.attrs[attr] = value
        self._attr_changed(kind, obj, attr)

    def _current(self, kind, obj, model, attr):
        if attr in model.attrs:
            return model.attrs[attr]
        if kind == "resource":
            a = obj.type.decl.attr(attr)
            if a is not None:
                return obj.type.static(attr) if a.static else a.default
        return DEFAULTS.get(kind, {}).get(attr)

    def _refuse_read_only(self, kind, attr):
        if attr in READ_ONLY.get(kind, ()):
            cmd = haforms.STATE_COMMANDS.get((_STATE_CMD.get(kind, ""), attr))
            how = f": use {cmd}" if cmd else ": VCS keeps it"
            raise SimError(f"Attribute {attr} cannot be modified{how}", "V-16-1-10554")

    # -- -local, -global -------------------------------------------------------------------

    def localize_attr(self, kind, name, attr):
        """``ha* -local NAME ATTR``: one value per system of the SystemList, each starting
        as the global value. An attribute already local stays as it is."""
        self.need_writable()
        obj, model = self._attr_object(kind, name)
        self._refuse_read_only(kind, attr)
        _, _, static = self.attr_spec(kind, name, attr)
        if attr in model.local:
            return
        if static and attr not in model.attrs:
            raise SimError(
                f"{attr} is a static attribute: override it before localizing it "
                f"(hares -override {name} {attr})",
                haforms.STATIC,
            )
        current = self._current(kind, obj, model, attr)
        if current is None:
            dtype, dims, _ = self.attr_spec(kind, name, attr)
            current = empty_value(dtype, dims if isinstance(dims, str) else "scalar")
        model.attrs.pop(attr, None)
        model.local[attr] = {s: copy.deepcopy(current) for s in self._systems_of(kind, obj)}
        self._attr_changed(kind, obj, attr)

    def globalize_attr(self, kind, name, attr, words):
        """``ha* -global NAME ATTR VALUE...``: one value for every system again."""
        self.need_writable()
        obj, model = self._attr_object(kind, name)
        dtype, dims, _ = self.attr_spec(kind, name, attr)
        if attr not in model.local:
            raise SimError(f"Attribute {attr} of {name} is not local", haforms.NOT_LOCAL)
        value = _value(attr, dtype, _pick_dim(dims, None, words), None, words)
        del model.local[attr]
        model.attrs[attr] = value
        self._attr_changed(kind, obj, attr)

    # -- static attributes of one resource ------------------------------------------------

    def override_attr(self, name, attr):
        """``hares -override RES ATTR``: the resource keeps its own copy of a static
        attribute, starting as the type's value (4.1 Agent Developer's Guide)."""
        self.need_writable()
        r = self.resource(name)
        a = r.type.decl.attr(attr)
        if a is None or not a.static:
            raise SimError(
                f"{attr} is not a static attribute of type {r.type.name}", haforms.STATIC
            )
        refusal = haforms.override_refusal(name, attr)
        if refusal is not None:
            raise SimError(refusal, haforms.STATIC)
        if attr in r.model.attrs or attr in r.model.local:
            raise SimError(f"{attr} of {name} is already overridden", haforms.STATIC)
        r.model.attrs[attr] = copy.deepcopy(r.type.static(attr))
        self._attr_changed("resource", r, attr)

    def undo_override_attr(self, name, attr):
        """``hares -undo_override RES ATTR``: the type's value applies again."""
        self.need_writable()
        r = self.resource(name)
        a = r.type.decl.attr(attr)
        overridden = attr in r.model.attrs or attr in r.model.local
        if a is None or not a.static or not overridden:
            raise SimError(f"{attr} of {name} is not overridden", haforms.STATIC)
        r.model.attrs.pop(attr, None)
        r.model.local.pop(attr, None)
        self._attr_changed("resource", r, attr)

    # -- consequences ----------------------------------------------------------------------

    def _attr_changed(self, kind, obj, attr):
        if kind == "group":
            self._group_changed(obj, attr)
        elif kind == "resource":
            self._resource_changed(obj, attr)
        elif kind == "system":
            obj.reload()
            self._dirty_all()
        else:
            attrs = self.config.cluster.attrs
            self.statistics = str(attrs.get("Statistics", "")) == "Enabled"
            self._dirty_all()
        self.clock.run_due()


def not_modelled(kind, attr, value):
    """What to say of ``attr = value`` when the simulator does not model that value, else
    None."""
    followed = NOT_MODELLED.get((kind, attr))
    if followed is None:
        return None
    modelled, instead = followed
    shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
    if shown.strip() in modelled:
        return None
    return f"{attr} {shown} is documented but not modelled by the simulator ({instead})"


def log_not_modelled(engine):
    """One transcript line for each value main.cf sets that the simulator does not model."""
    objects = [("group", g) for g in engine.groups.values()]
    objects += [("resource", r) for r in engine.resources.values()]
    for kind, obj in objects:
        model = obj.model
        for (k, attr), _ in NOT_MODELLED.items():
            if k != kind:
                continue
            values = [model.attrs[attr]] if attr in model.attrs else []
            values += list(getattr(model, "local", {}).get(attr, {}).values())
            for value in values:
                said = not_modelled(kind, attr, value)
                if said:
                    engine.log("-", obj.name, said)
                    break


def _cmd(kind):
    return {"group": "hagrp", "resource": "hares"}.get(kind, "ha")


def _value(attr, dtype, dim, current, words):
    try:
        return haforms.new_value(attr, dtype, dim, current, words)
    except haforms.FormError as exc:
        raise SimError(str(exc), exc.msgid) from None
