"""The ha* commands on the simulated engine: VCS's syntax, output shape and exit codes.

``run(engine, argv) -> (exit code, stdout, stderr)`` where ``argv[0]`` is ``hagrp``,
``hares``, ``hasys``, ``haconf``, ``hacf``, ``hatype`` or ``haattr``. The daemon calls it
for the shims; the events file's ``cmd`` events and the Python API call it directly.
Errors print ``VCS WARNING V-16-1-<id> <text>`` on stderr and exit 1, as VCS does.
"""

from __future__ import annotations

from vxha.simulator.engine import SimError
from vxha.simulator.model import as_list


class Usage(Exception):
    pass


class Out:
    def __init__(self):
        self.lines = []

    def __call__(self, text=""):
        self.lines.append(text)

    def text(self):
        return "".join(line + "\n" for line in self.lines)


def run(engine, argv):
    argv = [str(a) for a in argv]
    if not argv:
        return 1, "", "usage: COMMAND ARGS\n"
    name = argv[0].rsplit("/", 1)[-1]
    handler = HANDLERS.get(name)
    if handler is None:
        return 1, "", f"unknown command {name}\n"
    out = Out()
    try:
        handler(engine, argv[1:], out)
    except SimError as exc:
        return 1, out.text(), f"VCS WARNING {exc.msgid} {exc}\n"
    except Usage as exc:
        return 1, out.text(), f"VCS WARNING V-16-1-10000 {exc}\n{USAGE.get(name, '')}"
    return 0, out.text(), ""


USAGE = {
    "hagrp": "usage: hagrp -state|-online|-offline|-switch|-enable|-disable|-freeze|-unfreeze|"
    "-clear|-clearadminwait|-value|-modify|-add|-delete|-link|-unlink|-list|-resources|-dep ...\n",
    "hares": "usage: hares -state|-probe|-clear|-value|-modify|-local|-global|-add|-delete|"
    "-link|-unlink|-online|-offline|-list ...\n",
    "hasys": "usage: hasys -state|-freeze|-unfreeze|-list|-value ...\n",
    "hastop": "usage: hastop -local | -sys SYSTEM... [-force | -evacuate] [-noautodisable]\n",
    "haconf": "usage: haconf -makerw | -dump [-makero]\n",
    "hacf": "usage: hacf -verify CONFIG_DIRECTORY\n",
    "hatype": "usage: hatype -add TYPE | -modify TYPE ATTR VALUE... | -list | -value TYPE ATTR\n",
    "haattr": "usage: haattr -add TYPE ATTR [-string|-integer|-boolean] "
    "[-scalar|-vector|-keylist|-assoc] [DEFAULT]\n",
}


# -- helpers ------------------------------------------------------------------------------


def _opt(args, flag, takes=True):
    """Remove ``flag`` (and its value) from args; return the value, True, or None."""
    if flag not in args:
        return None
    i = args.index(flag)
    if not takes:
        del args[i]
        return True
    if i + 1 >= len(args):
        raise Usage(f"{flag} needs a value")
    value = args[i + 1]
    del args[i : i + 2]
    return value


def _need(args, n, what):
    if len(args) < n:
        raise Usage(f"missing {what}")


def _word(v):
    if isinstance(v, bool):
        return str(int(v))
    return str(v)


def format_value(value):
    """A value as ``-value`` prints it: words separated by spaces; keys then values."""
    if isinstance(value, dict):
        return " ".join(f"{_word(k)} {_word(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(_word(v) for v in value)
    return _word(value)


def _scalar(text):
    t = text.strip()
    if t.lstrip("-").isdigit():
        return int(t)
    return text


def _dim_of(table, attr, current):
    entry = table.get(attr) if table else None
    if entry is not None:
        dims = entry[1] if isinstance(entry[1], tuple) else (entry[1],)
        return dims
    if isinstance(current, dict):
        return ("association",)
    if isinstance(current, list):
        return ("vector",)
    return ("scalar",)


def new_value(current, dims, values):
    """The value ``-modify`` sets from its words (with -add/-delete/-update forms)."""
    assoc = "association" in dims and (len(dims) == 1 or len(values) > 1)
    listy = any(d in ("vector", "keylist") for d in dims)
    if values and values[0] in ("-add", "-delete", "-update"):
        op, rest = values[0], values[1:]
        if assoc:
            cur = dict(current) if isinstance(current, dict) else {}
            if op == "-delete":
                if rest == ["-keys"]:
                    return {}
                for k in rest:
                    cur.pop(k, None)
                return cur
            if len(rest) % 2:
                raise Usage("an association takes key value pairs")
            for k, v in zip(rest[::2], rest[1::2]):
                if op == "-add" and k in cur:
                    raise SimError(f"Key {k} already exists", "V-16-1-10552")
                cur[k] = _scalar(v)
            return cur
        if listy:
            cur = list(current) if isinstance(current, list) else as_list(current)
            if op == "-delete":
                if rest == ["-keys"]:
                    return []
                return [v for v in cur if v not in rest]
            return cur + [_scalar(v) for v in rest]
        raise Usage(f"{op} applies to vector, keylist and association attributes")
    if assoc:
        if len(values) % 2:
            raise Usage("an association takes key value pairs")
        return {k: _scalar(v) for k, v in zip(values[::2], values[1::2])}
    if listy:
        return [_scalar(v) for v in values]
    if len(values) != 1:
        raise Usage("a scalar attribute takes one value")
    return _scalar(values[0])


def _tables():
    try:
        from vxha.vcs_types import verify as v

        return v.GROUP_ATTRS, v.SYSTEM_ATTRS, v.RESOURCE_ATTRS
    except Exception:  # the verifier is optional for the simulator
        return {}, {}, {}


def _table_row(out, cols):
    out(
        f"{cols[0]:<20} {cols[1]:<21} {cols[2]:<14} {cols[3]}"
        if len(cols) == 4
        else f"{cols[0]:<20} {cols[1]:<21} {cols[2]}"
    )


# -- hagrp --------------------------------------------------------------------------------


def hagrp(e, args, out):
    _need(args, 1, "option")
    op = args.pop(0)
    if op == "-state":
        sname = _opt(args, "-sys")
        names = args or list(e.groups)
        _table_row(out, ["#Group", "Attribute", "System", "Value"])
        for name in names:
            g = e.group(name)
            for s in g.insts:
                if sname and s != sname:
                    continue
                _table_row(out, [name, "State", s, "|" + g.insts[s].state + "|"])
        return
    if op == "-list":
        for g in e.groups.values():
            for s in g.systemlist:
                out(f"{g.name:<20} {s}")
        return
    if op == "-resources":
        _need(args, 1, "group")
        for r in e.group(args[0]).resources:
            out(r.name)
        return
    if op == "-dep":
        names = args or None
        out(f"{'#Parent':<20} {'Child':<20} Relationship")
        for g in e.groups.values():
            for d in g.deps:
                if names and g.name not in names and d.child.name not in names:
                    continue
                out(f"{g.name:<20} {d.child.name:<20} {d.category} {d.location} {d.rigidity}")
        return
    if op == "-value":
        _need(args, 2, "group and attribute")
        g = e.group(args[0])
        attr = args[1]
        sname = args[2] if len(args) > 2 else None
        out(format_value(group_value(e, g, attr, sname)))
        return
    if op == "-display":
        names = args or list(e.groups)
        _table_row(out, ["#Group", "Attribute", "System", "Value"])
        for name in names:
            g = e.group(name)
            for attr in sorted(set(g.model.attrs) | {"Enabled", "Frozen", "TFrozen"}):
                _table_row(out, [name, attr, "global", format_value(group_value(e, g, attr))])
            for s, gi in g.insts.items():
                _table_row(out, [name, "State", s, "|" + gi.state + "|"])
        return
    if op in ("-online", "-offline"):
        any_sys = _opt(args, "-any", takes=False)
        _opt(args, "-force", takes=False)
        propagate = bool(_opt(args, "-propagate", takes=False))
        sname = _opt(args, "-sys")
        _need(args, 1, "group")
        if not any_sys and not sname:
            raise Usage(f"{op} needs -sys SYSTEM or -any")
        fn = e.online_group if op == "-online" else e.offline_group
        fn(args[0], sname, bool(any_sys), propagate=propagate)
        return
    if op == "-switch":
        any_sys = _opt(args, "-any", takes=False)
        to = _opt(args, "-to")
        _need(args, 1, "group")
        if not any_sys and not to:
            raise Usage("-switch needs -to SYSTEM or -any")
        e.switch_group(args[0], to, bool(any_sys))
        return
    if op in ("-enable", "-disable"):
        sname = _opt(args, "-sys")
        _need(args, 1, "group")
        (e.enable_group if op == "-enable" else e.disable_group)(args[0], sname)
        return
    if op in ("-freeze", "-unfreeze"):
        persistent = bool(_opt(args, "-persistent", takes=False))
        _need(args, 1, "group")
        (e.freeze_group if op == "-freeze" else e.unfreeze_group)(args[0], persistent)
        return
    if op == "-clear":
        sname = _opt(args, "-sys")
        _need(args, 1, "group")
        e.clear_group(args[0], sname)
        return
    if op in ("-autoenable", "-flush", "-clearadminwait"):
        flag = {"-flush": "-force", "-clearadminwait": "-fault"}.get(op)
        flagged = bool(flag and _opt(args, flag, takes=False))
        sname = _opt(args, "-sys")
        _need(args, 1, "group")
        if not sname:
            raise Usage(f"{op} needs -sys SYSTEM")
        if op == "-flush":
            e.flush_group(args[0], sname, flagged)
        elif op == "-clearadminwait":
            e.clear_admin_wait(args[0], sname, flagged)
        else:
            e.autoenable_group(args[0], sname)
        return
    if op == "-modify":
        sname = _opt(args, "-sys")
        _need(args, 3, "group, attribute and value")
        g = e.group(args[0])
        attr = args[1]
        gtab, _, _ = _tables()
        current = g.model.attrs.get(attr)
        e.set_group_attr(
            g.name, attr, new_value(current, _dim_of(gtab, attr, current), args[2:]), sname
        )
        return
    if op == "-add":
        _need(args, 1, "group")
        e.add_group(args[0])
        return
    if op == "-delete":
        _need(args, 1, "group")
        e.delete_group(args[0])
        return
    if op == "-link":
        _need(args, 2, "parent and child")
        rest = args[2:] + ["online", "local", "firm"][len(args[2:]) :]
        e.link_groups(args[0], args[1], *rest[:3])
        return
    if op == "-unlink":
        _need(args, 2, "parent and child")
        e.unlink_groups(args[0], args[1])
        return
    raise Usage(f"unknown option {op}")


def group_value(e, g, attr, sname=None):
    if attr == "State":
        if sname:
            return "|" + e._gi(g, sname).state + "|"
        return {s: gi.state for s, gi in g.insts.items()}
    if attr == "Enabled":
        if sname:
            return int(g.enabled and e._gi(g, sname).enabled)
        return int(g.enabled)
    if attr == "Frozen":
        return int(g.frozen)
    if attr == "TFrozen":
        return int(g.tfrozen)
    if sname and attr in g.model.local and sname in g.model.local[attr]:
        return g.model.local[attr][sname]
    if attr in g.model.attrs:
        return g.model.attrs[attr]
    defaults = {
        "Parallel": 0,
        "AutoFailOver": 1,
        "AutoStart": 1,
        "FailOverPolicy": "Priority",
        "Priority": 0,
        "OnlineRetryLimit": 0,
        "AutoStartPolicy": "Order",
        "ManageFaults": "ALL",
        "UserStrGlobal": "",
        "SystemList": {},
        "AutoStartList": [],
    }
    if attr in defaults:
        return defaults[attr]
    gtab, _, _ = _tables()
    if attr in gtab:
        return "" if gtab[attr][1] == "scalar" else ""
    raise SimError(f"Attribute {attr} does not exist for group {g.name}", "V-16-1-10510")


# -- hares --------------------------------------------------------------------------------


def hares(e, args, out):
    _need(args, 1, "option")
    op = args.pop(0)
    if op == "-state":
        sname = _opt(args, "-sys")
        names = args or list(e.resources)
        _table_row(out, ["#Resource", "Attribute", "System", "Value"])
        for name in names:
            r = e.resource(name)
            for s, ri in r.insts.items():
                if sname and s != sname:
                    continue
                _table_row(out, [name, "State", s, ri.display()])
        return
    if op == "-list":
        for r in e.resources.values():
            for s in r.insts:
                out(f"{r.name:<20} {s}")
        return
    if op == "-value":
        _need(args, 2, "resource and attribute")
        r = e.resource(args[0])
        attr = args[1]
        sname = args[2] if len(args) > 2 else None
        out(format_value(resource_value(e, r, attr, sname)))
        return
    if op == "-dep":
        out(f"{'#Group':<20} {'Parent':<20} Child")
        for r in e.resources.values():
            if args and r.name not in args:
                continue
            for c in r.children:
                out(f"{r.group.name:<20} {r.name:<20} {c.name}")
        return
    if op == "-probe":
        sname = _opt(args, "-sys")
        _need(args, 1, "resource")
        if not sname:
            raise Usage("-probe needs -sys SYSTEM")
        e.probe_resource(args[0], sname)
        return
    if op == "-clear":
        sname = _opt(args, "-sys")
        _need(args, 1, "resource")
        e.clear_resource(args[0], sname)
        return
    if op in ("-online", "-offline"):
        sname = _opt(args, "-sys")
        _need(args, 1, "resource")
        if not sname:
            raise Usage(f"{op} needs -sys SYSTEM")
        (e.online_resource if op == "-online" else e.offline_resource)(args[0], sname)
        return
    if op == "-modify":
        sname = _opt(args, "-sys")
        _need(args, 3, "resource, attribute and value")
        r = e.resource(args[0])
        attr = args[1]
        _, _, rtab = _tables()
        current = r.model.attrs.get(attr)
        decl_attr = r.type.decl.attr(attr)
        if decl_attr is not None:
            dims = (decl_attr.dim,)
            if current is None:
                current = decl_attr.default
        else:
            if attr not in rtab and attr not in ("Critical", "Enabled"):
                raise SimError(
                    f"Attribute {attr} does not exist for type {r.type.name}", "V-16-1-10510"
                )
            dims = _dim_of(rtab, attr, current)
        e.set_resource_attr(r.name, attr, new_value(current, dims, args[2:]), sname)
        return
    if op in ("-local", "-global"):
        # Localizing changes where values live (main.cf's `Attr @sys = v`); the model keeps
        # per-system values beside the global one, so only the checks VCS makes remain.
        _need(args, 2, "resource and attribute")
        e.need_writable()
        r = e.resource(args[0])
        if r.type.decl.attr(args[1]) is None:
            raise SimError(
                f"Attribute {args[1]} does not exist for type {r.type.name}", "V-16-1-10510"
            )
        if op == "-global" and args[1] in r.model.local:
            e.set_resource_attr(r.name, args[1], r.model.attrs.get(args[1], ""))
            r.model.local.pop(args[1], None)
        return
    if op == "-add":
        _need(args, 3, "resource, type and group")
        e.add_resource(args[0], args[1], args[2])
        return
    if op == "-delete":
        _need(args, 1, "resource")
        e.delete_resource(args[0])
        return
    if op == "-link":
        _need(args, 2, "parent and child")
        e.link_resources(args[0], args[1])
        return
    if op == "-unlink":
        _need(args, 2, "parent and child")
        e.unlink_resources(args[0], args[1])
        return
    raise Usage(f"unknown option {op}")


def resource_value(e, r, attr, sname=None):
    if attr == "State":
        if sname:
            return e._ri(r, sname).display()
        return {s: ri.display() for s, ri in r.insts.items()}
    if attr == "Group":
        return r.group.name
    if attr == "Type":
        return r.type.name
    if attr == "Critical":
        return int(r.critical)
    if attr == "Enabled":
        return int(r.enabled)
    if sname and attr in r.model.local and sname in r.model.local[attr]:
        return r.model.local[attr][sname]
    if attr in r.model.attrs:
        return r.model.attrs[attr]
    a = r.type.decl.attr(attr)
    if a is not None:
        return r.type.static(attr) if a.static else a.default
    raise SimError(f"Attribute {attr} does not exist for resource {r.name}", "V-16-1-10510")


# -- hasys, haconf, hacf, hatype, haattr -----------------------------------------------------


def hasys(e, args, out):
    _need(args, 1, "option")
    op = args.pop(0)
    if op == "-state":
        names = args or list(e.systems)
        out(f"{'#System':<20} {'Attribute':<21} Value")
        for name in names:
            out(f"{name:<20} {'SysState':<21} {e.system(name).state}")
        return
    if op == "-list":
        for s in e.systems:
            out(s)
        return
    if op == "-value":
        _need(args, 2, "system and attribute")
        s = e.system(args[0])
        attr = args[1]
        if attr == "SysState":
            out(s.state)
        elif attr == "Frozen":
            out(str(int(s.frozen)))
        elif attr == "TFrozen":
            out(str(int(s.tfrozen)))
        elif attr in s.model.attrs:
            out(format_value(s.model.attrs[attr]))
        else:
            out("")
        return
    if op in ("-freeze", "-unfreeze"):
        persistent = bool(_opt(args, "-persistent", takes=False))
        evacuate = bool(_opt(args, "-evacuate", takes=False))
        _need(args, 1, "system")
        if op == "-freeze":
            e.freeze_system(args[0], persistent, evacuate)
        else:
            e.unfreeze_system(args[0], persistent)
        return
    raise Usage(f"unknown option {op}")


def haconf(e, args, out):
    if args == ["-makerw"]:
        e.makerw()
        return
    if args and args[0] == "-dump":
        if not e.writable:
            raise SimError("Cluster not writable", "V-16-1-10369")
        e.dump_config()
        if "-makero" in args[1:]:
            e.makero()
        return
    raise Usage("unknown option")


def hacf(e, args, out):
    if len(args) != 2 or args[0] != "-verify":
        raise Usage("hacf -verify CONFIG_DIRECTORY")
    import os

    path = args[1]
    main_cf = os.path.join(path, "main.cf") if os.path.isdir(path) else path
    if not os.path.exists(main_cf):
        raise SimError(f"Cannot find {main_cf}", "V-16-1-10029")
    try:
        from vxha.vcs_types import verify as verify_mod
    except ImportError:
        verify_mod = None
    if verify_mod is None:
        from vxha.vcs_types.cf import CfError, parse_file

        try:
            parse_file(main_cf)
        except CfError as exc:
            raise SimError(str(exc), "V-16-1-10020") from None
        return
    issues = verify_mod.verify(main_cf)
    if issues:
        for issue in issues:
            out(f"VCS ERROR V-16-1-10020 {issue}")
        raise SimError(f"{len(issues)} problem(s) in {main_cf}", "V-16-1-10021")


_KINDS = {"-string": "str", "-integer": "int", "-boolean": "boolean"}
_DIMS = {"-scalar": "scalar", "-vector": "vector", "-keylist": "keylist", "-assoc": "association"}


def hatype(e, args, out):
    _need(args, 1, "option")
    op = args.pop(0)
    if op == "-list":
        for name in sorted(set(e.config.types) | set(e.types)):
            out(name)
        return
    if op == "-add":
        _need(args, 1, "type")
        e.add_type(args[0])
        return
    if op == "-modify":
        _need(args, 3, "type, attribute and value")
        t = e._decl(args[0])
        attr = args[1]
        a = t.decl.attr(attr)
        dims = (a.dim,) if a is not None else ("scalar",)
        current = t.static(attr) if a is not None else None
        e.modify_type(args[0], attr, new_value(current, dims, args[2:]))
        return
    if op == "-value":
        _need(args, 2, "type and attribute")
        t = e._decl(args[0])
        out(format_value(t.decl.arglist if args[1] == "ArgList" else t.static(args[1])))
        return
    raise Usage(f"unknown option {op}")


def haattr(e, args, out):
    _need(args, 1, "option")
    op = args.pop(0)
    if op != "-add":
        raise Usage(f"unknown option {op}")
    static = bool(_opt(args, "-static", takes=False))
    kind, dim = "str", "scalar"
    rest = []
    for a in args:
        if a in _KINDS:
            kind = _KINDS[a]
        elif a in _DIMS:
            dim = _DIMS[a]
        else:
            rest.append(a)
    _need(rest, 2, "type and attribute")
    default = None
    if len(rest) > 2:
        default = new_value(None, (dim,), rest[2:])
    e.add_attr(rest[0], rest[1], kind, dim, default)
    if static:
        e.types[rest[0]].decl.attrs[rest[1]].static = True


def hastop(e, args, out):
    """hastop -local | -sys SYSTEM... [-force | -evacuate] [-noautodisable]."""
    force = bool(_opt(args, "-force", takes=False))
    evacuate = bool(_opt(args, "-evacuate", takes=False))
    keep = bool(_opt(args, "-noautodisable", takes=False))
    if force and (evacuate or keep):
        raise Usage("-force cannot be combined with -evacuate or -noautodisable")
    if args == ["-local"]:
        if e.local_system is None:
            raise Usage("-local: the simulator does not know which system this is; use -sys")
        systems = [e.local_system]
    elif len(args) > 1 and args[0] == "-sys":
        systems = args[1:]
    else:
        raise Usage("hastop -local | -sys SYSTEM... [-force | -evacuate] [-noautodisable]")
    for s in systems:
        e.system(s)
    for s in systems:
        e.stop_engine(s, force, evacuate, autodisable=not keep)


HANDLERS = {
    "hagrp": hagrp,
    "hares": hares,
    "hasys": hasys,
    "haconf": haconf,
    "hacf": hacf,
    "hatype": hatype,
    "haattr": haattr,
    "hastop": hastop,
}
