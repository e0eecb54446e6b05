"""The ha* commands on the simulated engine: VCS's syntax, output and exit codes.

``run(engine, argv) -> (exit code, stdout, stderr)``. Every argv is parsed through the
table of documented forms (``vxha.vcs_types.haforms``): a form VCS does not document is
refused as VCS refuses it, with the form's syntax; a documented one runs its handler below
(queries are ``display.py``'s). Errors print ``VCS WARNING V-16-1-<id> <text>`` on stderr
and exit 1. The daemon calls ``run`` for the shims; events and the Python API call it too.
"""

from __future__ import annotations

import os

from vxha.simulator import display
from vxha.simulator.engine import SimError
from vxha.vcs_types import haforms

TIMED_OUT = "V-16-1-10805"  # Connection timed out (-wait)
WAIT_LIMIT = 3600  # virtual seconds a -wait without -time waits (chosen: never hangs)


# What VCS answers to a request that succeeded (published transcripts: docs/simulator.md,
# "Commands"); printed on stderr with exit 0.
GROUP_ADDED = (
    "VCS NOTICE V-16-1-10136 Group added; populating SystemList and setting the Parallel "
    "attribute recommended before adding resources"
)
RESOURCE_ADDED = (
    "VCS NOTICE V-16-1-10242 Resource added. Enabled attribute must be set before agent monitors"
)


class Out:
    def __init__(self):
        self.lines = []
        self.notices = []

    def __call__(self, text=""):
        self.lines.append(text)

    def notice(self, text):
        """A VCS NOTICE: stderr, the command still succeeds."""
        self.notices.append(text)

    def text(self):
        return "".join(line + "\n" for line in self.lines)

    def err(self):
        return "".join(line + "\n" for line in self.notices)


def run(engine, argv):
    argv = [str(a) for a in argv]
    failed = _injected_failure(engine, argv)
    if failed:
        return 1, "", failed
    try:
        call = haforms.parse(argv)
    except haforms.FormError as exc:
        cmd = argv[0].rsplit("/", 1)[-1] if argv else ""
        forms = [exc.form.syntax()] if exc.form else None
        usage = "".join(f"    {f}\n" for f in forms) if forms else haforms.usage(cmd)
        return 1, "", f"VCS WARNING {exc.msgid} {exc}\nUsage:\n{usage}"
    handler = HANDLERS.get(call.form.key)
    out = Out()
    try:
        if handler is None or not call.form.modelled:
            raise SimError(
                f"{call.form.key} is documented ({call.form.source}) but not modelled by "
                "the simulator"
            )
        _check_cluster(engine, call)
        handler(engine, call, out)
    except SimError as exc:
        return 1, out.text(), f"VCS WARNING {exc.msgid} {exc}\n"
    except haforms.FormError as exc:
        return 1, out.text(), f"VCS WARNING {exc.msgid} {exc}\n"
    return 0, out.text(), out.err()


def _injected_failure(engine, argv):
    """A fail-command event matching this argv: the command fails and changes nothing."""
    faults = getattr(engine, "command_faults", None)
    if not faults or not argv:
        return None
    words = [argv[0].rsplit("/", 1)[-1]] + argv[1:]
    for fault in faults:
        match, left = fault
        if words[: len(match)] == match:
            fault[1] = left - 1
            if fault[1] <= 0:
                faults.remove(fault)
            text = " ".join(words)
            engine.log("-", "admin", f"{text}: failed by fail-command")
            return f"VCS WARNING V-16-1-10000 {text}: failed (simulator fail-command)\n"
    return None


def _check_cluster(e, call):
    """``-clus CLUSTER`` (or ``haclus -state CLUSTER``): the simulator runs one cluster, so
    CLUSTER must be its name (then the command acts as without it, as with ``-localclus``)."""
    clus = call.get("clus") or call.get("cluster")
    if clus is not None and clus != display.cluster_value(e, "ClusterName"):
        raise SimError(f"Cluster {clus} does not exist (the simulator runs one cluster)")


def _not_modelled(call, *flags):
    for flag in flags:
        if call.get(flag.lstrip("-")):
            raise SimError(
                f"{call.form.cmd} {call.form.op} {flag} is documented but not modelled by "
                "the simulator"
            )


# -- haconf, hacf ------------------------------------------------------------------------------


def makerw(e, call, out):
    e.makerw()


def dump(e, call, out):
    e.dump_config()
    if call.get("makero"):
        e.makero()


def hacf_verify(e, call, out):
    path = call["directory"]
    main_cf = os.path.join(path, "main.cf") if os.path.isdir(path) else path
    if not os.path.exists(main_cf):
        raise SimError(f"Cannot find {main_cf}", "V-16-1-10029")
    from vxha.vcs_types import verify as verify_mod

    issues = verify_mod.errors(verify_mod.verify(main_cf))
    if issues:
        for issue in issues:
            out(f"VCS ERROR V-16-1-10020 {issue}")
        raise SimError(f"{len(issues)} problem(s) in {main_cf}", "V-16-1-10021")


# -- hagrp -------------------------------------------------------------------------------------


def group_online(e, call, out):
    _not_modelled(call, "-force", "-checkpartial", "-site")
    e.online_group(
        call["group"],
        call.get("sys"),
        bool(call.get("any")),
        bool(call.get("propagate")),
        bool(call.get("nopre")),
    )


def group_offline(e, call, out):
    _not_modelled(call, "-force", "-site")
    if call.get("ifprobed") and call.get("sys"):
        g = e.group(call["group"])
        if not display._probed(g, call["sys"]):
            raise SimError(f"Group {g.name} is not probed on system {call['sys']}")
    e.offline_group(
        call["group"], call.get("sys"), bool(call.get("any")), bool(call.get("propagate"))
    )


def group_switch(e, call, out):
    _not_modelled(call, "-site")
    nopre = bool(call.get("nopre"))
    if nopre and not (call.get("to") and call.get("localclus")):
        # hagrp(1M) 5.0MP3 and 7.3: -switch group -to system [-clus cluster | -localclus [-nopre]]
        raise haforms.FormError("hagrp -switch: -nopre goes with -to SYSTEM and -localclus")
    e.switch_group(call["group"], call.get("to"), bool(call.get("any")), nopre=nopre)


def group_link(e, call, out):
    e.link_groups(
        call["parent"],
        call["child"],
        call["category"],
        call["location"],
        call.get("rigidity", "firm"),
    )


def group_value(e, call, out):
    g = e.group(call["group"])
    out(display.format_value(display.group_value(e, g, call["attr"], call.get("system"))))


def show_help(e, call, out):
    """``CMD -help [-modify | -link | -list]``: the command's usage (that form's, when one
    is named). What VCS prints is not in the stored pages: chosen as the forms' syntax."""
    cmd = call.form.cmd
    only = next((f"-{k}" for k in ("modify", "link", "list") if call.get(k)), None)
    for f in haforms.FORMS:
        if f.cmd == cmd and f.op != "-help" and (only is None or f.op == only):
            out(f.syntax())


# -- hares -------------------------------------------------------------------------------------


def resource_link(e, call, out):
    """hares -link PARENT CHILD; the 7.3 form with several children and -min NUMBER (an "at
    least" dependency) is not modelled."""
    children = [c.rstrip(",") for c in call["child"] if c.rstrip(",")]
    if call.get("min") is not None or len(children) != 1:
        raise SimError(
            "hares -link PARENT CHILD, CHILD... -min NUMBER (an at least dependency) is "
            f"documented ({call.form.source}) but not modelled by the simulator"
        )
    e.link_resources(call["parent"], children[0])


def resource_unlink(e, call, out):
    """hares -unlink PARENT CHILD[, CHILD...] (hares(1M) 7.3): every link, or none."""
    children = [c.rstrip(",") for c in call["child"] if c.rstrip(",")]
    parent = e.resource(call["parent"])
    for name in children:
        if e.resource(name) not in parent.children:
            raise SimError(f"{parent.name} does not require {name}", "V-16-1-10243")
    for name in children:
        e.unlink_resources(parent.name, name)


def resource_display(e, call, out):
    _not_modelled(call, "-ovalues")
    display.display_resources(e, call, out)


def resource_dep(e, call, out):
    _not_modelled(call, "-atleast")
    display.resource_dep(e, call, out)


def resource_online(e, call, out):
    _not_modelled(call, "-force")
    e.online_resource(call["resource"], call["sys"])


def resource_offline(e, call, out):
    e.offline_resource(
        call["resource"],
        call["sys"],
        ignoreparent=bool(call.get("ignoreparent")),
        parentprop=bool(call.get("parentprop")),
        offprop=call.form.op == "-offprop",
    )


def resource_action(e, call, out):
    from vxha.simulator.actions import run_action

    code, output = run_action(
        e, call["resource"], call["token"], call.get("actionargs") or [], call["sys"]
    )
    if output:
        out(output.rstrip("\n"))
    if code != 0:
        raise SimError(f"Action {call['token']} on resource {call['resource']} failed")


def resource_value(e, call, out):
    r = e.resource(call["resource"])
    attr = call["attr"]
    if attr not in ("Group", "Type", "State", "Probed"):
        e.attr_spec("resource", r.name, attr)
    out(display.format_value(display.resource_value(e, r, attr, call.get("system"))))


# -- hastop ----------------------------------------------------------------------------------


def hastop(e, call, out):
    force, evacuate = bool(call.get("force")), bool(call.get("evacuate"))
    autodisable = not call.get("noautodisable")
    if call.form.op == "-all":
        e.check_engine_shutdown("-all", force)
        e.stop_all(force)
        return
    if call.form.op == "-local":
        if e.local_system is None:
            raise SimError(
                "hastop -local: the simulator does not know which system this is; use -sys"
            )
        systems = [e.local_system]
    else:
        systems = call["system"]
    for s in systems:
        e.system(s)
    e.check_engine_shutdown(call.form.op, force, evacuate, autodisable)
    for s in systems:
        e.stop_engine(s, force, evacuate, autodisable)


def hastart(e, call, out):
    """VCS starts on the system the command is typed on and joins the cluster: its
    resources are probed there (User's 4.1, "Starting VCS"; Admin 6.0.1)."""
    _not_modelled(call, "-stale", "-force", "-onenode")
    if e.local_system is None:
        raise SimError(
            "hastart: the simulator does not know which system this is; type it in an "
            "events file's cmd with system:"
        )
    system = e.system(e.local_system)
    if system.up:
        raise SimError(f"VCS is already running on system {system.name}")
    e.restart(system.name)


# -- hasys, haclus -----------------------------------------------------------------------------


def system_freeze(e, call, out):
    e.freeze_system(call["system"], bool(call.get("persistent")), bool(call.get("evacuate")))


def system_value(e, call, out):
    s = e.system(call["system"])
    if call["attr"] not in ("SysState",):
        e.attr_spec("system", s.name, call["attr"])
    out(display.format_value(display.system_value(e, s, call["attr"])))


def cluster_value(e, call, out):
    if call["attr"] != "ClusterName":
        e.attr_spec("cluster", None, call["attr"])
    out(display.format_value(display.cluster_value(e, call["attr"])))


# -- hatype, haattr ----------------------------------------------------------------------------

_KINDS = {"string": "str", "integer": "int", "boolean": "boolean"}
_DIMS = {"scalar": "scalar", "vector": "vector", "keylist": "keylist", "assoc": "association"}


def type_modify(e, call, out):
    t = e._decl(call["type"])
    attr = call["attr"]
    a = t.decl.attr(attr)
    if attr != "ArgList" and (a is None or not a.static):
        raise SimError(
            f"{attr} is not a static attribute of type {t.name} (a resource's own attribute "
            "is set with hares -modify)",
            haforms.STATIC,
        )
    dtype, dim = ("str", "vector") if attr == "ArgList" else (a.type, a.dim)
    current = t.decl.arglist if attr == "ArgList" else t.static(attr)
    value = _value(attr, dtype, dim, current, call["value"])
    if attr == "ArgList":
        for name in value:
            if t.decl.attr(str(name).split(":")[0]) is None and ":" not in str(name):
                raise SimError(
                    f"ArgList of {t.name} names unknown attribute {name}", "V-16-1-10510"
                )
    e.modify_type(t.name, attr, value)


def type_value(e, call, out):
    t = e._decl(call["type"])
    out(display.format_value(display.type_value(e, t, call["attr"])))


def attr_add(e, call, out):
    kind = next((v for k, v in _KINDS.items() if call.get(k)), "str")
    dim = next((v for k, v in _DIMS.items() if call.get(k)), "scalar")
    default = None
    if call.get("default"):
        default = _value(call["attr"], kind, dim, None, call["default"])
    flag = "static" if call.get("static") else "temp" if call.get("temp") else ""
    e.add_attr(call["type"], call["attr"], kind, dim, default, flag)


def attr_default(e, call, out):
    a = e._decl(call["type"]).decl.attrs.get(call["attr"])
    if a is None:
        raise SimError(f"Attribute {call['attr']} does not exist in type {call['type']}")
    e.set_attr_default(
        call["type"], call["attr"], _value(a.name, a.type, a.dim, None, call["default"])
    )


def _value(attr, dtype, dim, current, words):
    try:
        return haforms.new_value(attr, dtype, dim, current, words)
    except haforms.FormError as exc:
        raise SimError(str(exc), exc.msgid) from None


# -- -wait -------------------------------------------------------------------------------------


def _wait(e, call, read):
    """Run virtual time until ``read()`` prints the wanted value, at most -time seconds."""
    want = call["value"]
    end = e.clock.now + int(call.get("time") or WAIT_LIMIT)
    while True:
        got = read()
        if got == want or got.strip("|") == want.strip("|"):
            return
        if e.clock.now >= end:
            raise SimError("Connection timed out", TIMED_OUT)
        nxt = e.clock.next_time()
        e.clock.run_until(end if nxt is None else min(end, max(nxt, e.clock.now + 1)))


def group_wait(e, call, out):
    g = e.group(call["group"])
    _wait(
        e,
        call,
        lambda: display.format_value(display.group_value(e, g, call["attr"], call.get("sys"))),
    )


def resource_wait(e, call, out):
    r = e.resource(call["resource"])
    _wait(
        e,
        call,
        lambda: display.format_value(display.resource_value(e, r, call["attr"], call.get("sys"))),
    )


def system_wait(e, call, out):
    s = e.system(call["system"])
    _wait(e, call, lambda: display.format_value(display.system_value(e, s, call["attr"])))


def cluster_wait(e, call, out):
    _wait(e, call, lambda: display.format_value(display.cluster_value(e, call["attr"])))


HANDLERS = {
    "haconf -makerw": makerw,
    "haconf -dump": dump,
    "hacf -verify": hacf_verify,
    # hagrp
    "hagrp -add": lambda e, c, o: (e.add_group(c["group"]), o.notice(GROUP_ADDED)),
    "hagrp -delete": lambda e, c, o: e.delete_group(c["group"]),
    "hagrp -link": group_link,
    "hagrp -unlink": lambda e, c, o: e.unlink_groups(c["parent"], c["child"]),
    "hagrp -local": lambda e, c, o: e.localize_attr("group", c["group"], c["attr"]),
    "hagrp -global": lambda e, c, o: e.globalize_attr("group", c["group"], c["attr"], c["value"]),
    "hagrp -modify": lambda e, c, o: e.modify_attr(
        "group", c["group"], c["attr"], c["value"], c.get("sys")
    ),
    "hagrp -online": group_online,
    "hagrp -offline": group_offline,
    "hagrp -switch": group_switch,
    "hagrp -freeze": lambda e, c, o: e.freeze_group(c["group"], bool(c.get("persistent"))),
    "hagrp -unfreeze": lambda e, c, o: e.unfreeze_group(c["group"], bool(c.get("persistent"))),
    "hagrp -enable": lambda e, c, o: e.enable_group(c["group"], c.get("sys")),
    "hagrp -disable": lambda e, c, o: e.disable_group(c["group"], c.get("sys")),
    "hagrp -enableresources": lambda e, c, o: e.enable_group_resources(c["group"], True),
    "hagrp -disableresources": lambda e, c, o: e.enable_group_resources(c["group"], False),
    "hagrp -autoenable": lambda e, c, o: e.autoenable_group(c["group"], c["sys"]),
    "hagrp -clear": lambda e, c, o: e.clear_group(c["group"], c.get("sys")),
    "hagrp -flush": lambda e, c, o: e.flush_group(c["group"], c["sys"], bool(c.get("force"))),
    "hagrp -clearadminwait": lambda e, c, o: e.clear_admin_wait(
        c["group"], c["sys"], bool(c.get("fault"))
    ),
    "hagrp -display": display.display_groups,
    "hagrp -state": display.group_state,
    "hagrp -list": display.group_list,
    "hagrp -value": group_value,
    "hagrp -dep": display.group_dep,
    "hagrp -resources": display.group_resources,
    "hagrp -forecast": display.forecast,
    "hagrp -wait": group_wait,
    "hagrp -help": show_help,
    # hares
    "hares -add": lambda e, c, o: (
        e.add_resource(c["resource"], c["type"], c["group"]),
        o.notice(RESOURCE_ADDED),
    ),
    "hares -delete": lambda e, c, o: e.delete_resource(c["resource"], bool(c.get("force"))),
    "hares -link": resource_link,
    "hares -unlink": resource_unlink,
    "hares -local": lambda e, c, o: e.localize_attr("resource", c["resource"], c["attr"]),
    "hares -global": lambda e, c, o: e.globalize_attr(
        "resource", c["resource"], c["attr"], c["value"]
    ),
    "hares -override": lambda e, c, o: e.override_attr(c["resource"], c["attr"]),
    "hares -undo_override": lambda e, c, o: e.undo_override_attr(c["resource"], c["attr"]),
    "hares -modify": lambda e, c, o: e.modify_attr(
        "resource", c["resource"], c["attr"], c["value"], c.get("sys")
    ),
    "hares -online": resource_online,
    "hares -offline": resource_offline,
    "hares -offprop": resource_offline,
    "hares -probe": lambda e, c, o: e.probe_resource(c["resource"], c["sys"]),
    "hares -clear": lambda e, c, o: e.clear_resource(c["resource"], c.get("sys")),
    "hares -action": resource_action,
    "hares -display": resource_display,
    "hares -state": display.resource_state,
    "hares -list": display.resource_list,
    "hares -value": resource_value,
    "hares -dep": resource_dep,
    "hares -wait": resource_wait,
    "hares -help": show_help,
    # hasys
    "hasys -add": lambda e, c, o: e.add_system(c["system"]),
    "hasys -delete": lambda e, c, o: e.delete_system(c["system"]),
    "hasys -modify": lambda e, c, o: e.modify_attr("system", c["system"], c["attr"], c["value"]),
    "hasys -freeze": system_freeze,
    "hasys -unfreeze": lambda e, c, o: e.unfreeze_system(c["system"], bool(c.get("persistent"))),
    "hasys -display": display.display_systems,
    "hasys -state": display.system_state,
    "hasys -list": display.system_list,
    "hasys -value": system_value,
    "hasys -wait": system_wait,
    "hasys -help": show_help,
    # haclus
    "haclus -modify": lambda e, c, o: e.modify_attr("cluster", None, c["attr"], c["value"]),
    "haclus -value": cluster_value,
    "haclus -display": display.display_cluster,
    "haclus -wait": cluster_wait,
    "haclus -state": display.cluster_state,
    # hatype, haattr
    "hatype -add": lambda e, c, o: e.add_type(c["type"]),
    "hatype -delete": lambda e, c, o: e.delete_type(c["type"]),
    "hatype -modify": type_modify,
    "hatype -display": display.display_types,
    "hatype -resources": display.type_resources,
    "hatype -list": display.type_list,
    "hatype -value": type_value,
    "hatype -help": show_help,
    "haattr -help": show_help,
    "haconf -help": show_help,
    "haattr -add": attr_add,
    "haattr -default": attr_default,
    "haattr -delete": lambda e, c, o: e.delete_attr(c["type"], c["attr"]),
    # hastatus
    "hastatus -sum": display.status_summary,
    # hastart, hastop
    "hastart": hastart,
    "hastop -all": hastop,
    "hastop -local": hastop,
    "hastop -sys": hastop,
    "hastop -help": show_help,
}
