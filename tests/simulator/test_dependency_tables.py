"""The documented group-dependency tables, one case per row and column.

Each case is a parent group ``app`` and a child group ``db`` (each two Dummy resources,
``<g>_top requires <g>_base``), one link between them, a layout, the steps the column
speaks of (a fault is a kill of ``<g>_base``; a manual operation is an ha* command with the
exit status the rule implies) and the states the row gives, written from the row before
the run. The case's id names its source:

- ``A72-FF``, ``A72-FP``, ``A72-PP``: Admin 7.2 (Linux), "About failover parent / failover
  child", "About failover parent / parallel child", "About parallel parent / parallel
  child" (the tables "Service group dependency configurations");
- ``A60-PF``: Admin 6.0 (AIX), "About parallel parent / failover child";
- ``U41-local``, ``U41-global``, ``U41-remote``: User's 4.1, "Service Group Dependency
  Configurations" (Online Local, Online Global, Online Remote tables and their FAQs);
- ``U41-FP``: User's 4.1, "Dependencies in Failover and Parallel Service Groups";
- ``U41-manual``: User's 4.1, "Manual Operations for Service Group Dependencies";
- ``U41-limits``: User's 4.1, "Dependency Limitations";
- ``U41-auto``: User's 4.1, "Automatic Actions for Service Group Dependencies";
- ``A70-freeze``: Admin 7.0, "About freezing service groups" (a frozen group is not
  taken offline, brought online or failed over);
- ``simdoc``: a rule of docs/simulator.md that no table row states (the row it pins is
  named in the case's comment).

The columns: ``child-fo`` the child faults and can fail over, ``child-nofo`` it cannot,
``parent-fo`` / ``parent-nofo`` the same for the parent, ``online``/``offline``/``switch``
the manual operations, ``link`` an ``hagrp -link``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from sim_helpers import cf

SYSTEMS = ("n1", "n2", "n3")
ALL = SYSTEMS

OK, REFUSED = 0, 1
MONITOR_ROUND = 90  # the default MonitorInterval (60 s) has run once after a kill


@dataclass(frozen=True)
class Grp:
    """A group's layout: Parallel, SystemList in priority order, AutoStartList."""

    parallel: bool = False
    systems: tuple = ALL
    autostart: tuple = ("n1",)

    def text(self, name, link=None):
        numbered = ", ".join(f"{s} = {i}" for i, s in enumerate(self.systems))
        out = [f"group {name} (", f"    SystemList = {{ {numbered} }}"]
        if self.autostart:
            out.append(f"    AutoStartList = {{ {', '.join(self.autostart)} }}")
        if self.parallel:
            out.append("    Parallel = 1")
        out += [")", f"    Dummy {name}_base (", "    )", f"    Dummy {name}_top (", "    )"]
        out.append(f"    {name}_top requires {name}_base")
        if link:
            out.append(f"    requires group db {link}")
        return "\n".join(out) + "\n\n"


F = Grp()


def fo(systems=ALL, autostart=("n1",)):
    return Grp(False, tuple(systems), tuple(autostart))


def par(systems=ALL, autostart=ALL):
    return Grp(True, tuple(systems), tuple(autostart))


@dataclass(frozen=True)
class Row:
    id: str
    link: str | None
    parent: Grp
    child: Grp
    steps: tuple  # ("kill", group, system) | ("cmd", "hagrp ...", exit status)
    expect: dict  # {"group@system": state}
    order: tuple = ()  # (earlier, later) transcript regexes
    notes: dict = field(default_factory=dict)

    def config(self):
        return cf(SYSTEMS, self.child.text("db") + self.parent.text("app", self.link))


def kill(group, system):
    return ("kill", group, system)


def cmd(line, status=OK):
    return ("cmd", line, status)


FAULTED = "OFFLINE|FAULTED"


ROWS = [
    # ---- Admin 7.2, failover parent / failover child -------------------------------------
    Row(
        "A72-FF-online_local_soft-online",
        "online local soft",
        fo(autostart=()),
        F,
        (cmd("hagrp -online app -sys n2", REFUSED), cmd("hagrp -online app -sys n1")),
        {"app@n1": "ONLINE", "app@n2": "OFFLINE"},
    ),
    Row(
        "A72-FF-online_local_soft-child-fo",
        "online local soft",
        F,
        F,
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n2": "ONLINE", "app@n1": "OFFLINE"},
        # "Parent stays online": it leaves n1 only once the child is online on n2.
        order=(r"n2 db \S+ -> ONLINE ", r"n1 app ONLINE -> ONLINE\|STOPPING"),
    ),
    Row(
        "A72-FF-online_local_soft-child-nofo",
        "online local soft",
        F,
        fo(systems=("n1",)),
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "app@n1": "ONLINE"},
    ),
    Row(
        "A72-FF-online_local_soft-parent",
        "online local soft",
        F,
        F,
        (kill("app", "n1"),),
        # U41-local: "No failover for parent. Child continues to run on original system."
        {"app@n1": FAULTED, "app@n2": "OFFLINE", "app@n3": "OFFLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FF-online_local_firm-child-fo",
        "online local firm",
        F,
        F,
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n2": "ONLINE", "app@n1": "OFFLINE"},
    ),
    Row(
        "A72-FF-online_local_firm-child-nofo",
        "online local firm",
        F,
        fo(systems=("n1",)),
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "app@n1": "OFFLINE", "app@n2": "OFFLINE", "app@n3": "OFFLINE"},
    ),
    Row(
        "A72-FF-online_local_firm-parent",
        "online local firm",
        F,
        F,
        (kill("app", "n1"),),
        {"app@n1": FAULTED, "app@n2": "OFFLINE", "app@n3": "OFFLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FF-online_local_hard-child-fo",
        "online local hard",
        F,
        F,
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n2": "ONLINE", "app@n1": "OFFLINE"},
        # "Parents taken offline before Child is taken offline."
        order=(r"n1 app \S+ -> OFFLINE ", r"n1 db_top ONLINE -> OFFLINE"),
    ),
    Row(
        "A72-FF-online_local_hard-child-nofo",
        "online local hard",
        F,
        fo(systems=("n1",)),
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "app@n1": "OFFLINE", "app@n2": "OFFLINE"},
    ),
    Row(
        "A72-FF-online_local_hard-parent-fo",
        "online local hard",
        F,
        F,
        (kill("app", "n1"),),
        # "Child taken offline. If Child fails over, Parent migrates to the same system."
        {"app@n1": FAULTED, "db@n1": "OFFLINE", "db@n2": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "A72-FF-online_local_hard-parent-nofo",
        "online local hard",
        F,
        fo(systems=("n1",)),
        (kill("app", "n1"),),
        # "Child taken offline ... If Child cannot fail over, Parent remains offline."
        # (U41-local, "No Failover System for Parent Group", keeps the child running: the
        # newer row is followed.)
        {"app@n1": FAULTED, "db@n1": "OFFLINE", "app@n2": "OFFLINE", "app@n3": "OFFLINE"},
    ),
    Row(
        "A72-FF-online_global_soft-online",
        "online global soft",
        fo(autostart=()),
        fo(autostart=()),
        (
            cmd("hagrp -online app -sys n2", REFUSED),
            cmd("hagrp -online db -sys n1"),
            cmd("hagrp -online app -sys n2"),
        ),
        {"app@n2": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FF-online_global_soft-child-fo",
        "online global soft",
        fo(autostart=("n2",)),
        F,
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n2": "ONLINE"},
        # "Parent stays online": never stopped.
        order=(r"n1 db_base \S+ -> FAULTED", r"^$"),
    ),
    Row(
        "A72-FF-online_global_soft-child-nofo",
        "online global soft",
        fo(autostart=("n2",)),
        fo(systems=("n1",)),
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "app@n2": "ONLINE"},
    ),
    Row(
        "A72-FF-online_global_soft-parent-fo",
        "online global soft",
        fo(autostart=("n2",)),
        F,
        (kill("app", "n2"),),
        # "Child stays online. Parent fails over to any available system." (Priority: n1)
        {"app@n2": FAULTED, "app@n1": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FF-online_global_soft-parent-nofo",
        "online global soft",
        fo(systems=("n2",), autostart=("n2",)),
        F,
        (kill("app", "n2"),),
        {"app@n2": FAULTED, "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FF-online_global_firm-child-fo",
        "online global firm",
        fo(autostart=("n2",)),
        F,
        (kill("db", "n1"),),
        # "Parent taken offline after Child is taken offline. If Child fails over to
        # another system, Parent is brought online on any system" (its policy: n1 first).
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n1": "ONLINE", "app@n2": "OFFLINE"},
        order=(r"n1 db_top ONLINE -> OFFLINE", r"n2 app ONLINE -> ONLINE\|STOPPING"),
    ),
    Row(
        "U41-global-online_global_firm-child-nofo",
        "online global firm",
        fo(autostart=("n2",)),
        fo(systems=("n1",)),
        (kill("db", "n1"),),
        # "Child faults. Parent taken offline. Both groups die."
        {"db@n1": FAULTED, "app@n1": "OFFLINE", "app@n2": "OFFLINE", "app@n3": "OFFLINE"},
    ),
    Row(
        "U41-global-online_global_firm-parent-fo",
        "online global firm",
        fo(autostart=("n2",)),
        F,
        (kill("app", "n2"),),
        # "Parent fails over. Child continues to run on original system."
        {"app@n2": FAULTED, "app@n1": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_firm-parent-nofo",
        "online global firm",
        fo(systems=("n2",), autostart=("n2",)),
        F,
        (kill("app", "n2"),),
        {"app@n2": FAULTED, "db@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_soft-offline_child",
        "online global soft",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -offline db -sys n1"),),
        # FAQ: "Can child group be taken offline when parent group is online? Soft=Yes"
        {"db@n1": "OFFLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_firm-offline_child",
        "online global firm",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -offline db -sys n1", REFUSED),),
        {"db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-global-online_local_firm-offline_child",
        "online local firm",
        F,
        F,
        (cmd("hagrp -offline db -sys n1", REFUSED),),
        # The FAQ's "Firm=No", applied to every location (docs/simulator.md).
        {"db@n1": "ONLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_local_hard-offline_child",
        "online local hard",
        F,
        F,
        (cmd("hagrp -offline db -sys n1", REFUSED), cmd("hagrp -offline app -sys n1")),
        # "Hard=No" for the child; the parent goes offline freely (parent offline is not
        # restricted by any row).
        {"db@n1": "ONLINE", "app@n1": "OFFLINE"},
    ),
    Row(
        "U41-global-online_local_soft-offline_child",
        "online local soft",
        F,
        F,
        (cmd("hagrp -offline db -sys n1"),),
        {"db@n1": "OFFLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_soft-switch_parent",
        "online global soft",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -switch app -to n3"),),
        {"app@n3": "ONLINE", "app@n2": "OFFLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_firm-switch_parent",
        "online global firm",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -switch app -to n3"),),
        {"app@n3": "ONLINE", "app@n2": "OFFLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_soft-switch_child",
        "online global soft",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -switch db -to n3"),),
        {"db@n3": "ONLINE", "db@n1": "OFFLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-global-online_global_firm-switch_child",
        "online global firm",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -switch db -to n3", REFUSED),),
        {"db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-remote-online_remote_soft-child-fo_onto_parent",
        "online remote soft",
        fo(autostart=("n2",)),
        F,
        (kill("db", "n1"),),
        # "If child fails over to the system on which parent was online, the parent
        # restarts on a system different from the child" (its policy: n1 first).
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n2": "OFFLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "U41-remote-online_remote_soft-child-fo_elsewhere",
        "online remote soft",
        fo(autostart=("n2",)),
        fo(systems=("n1", "n3", "n2")),
        (kill("db", "n1"),),
        # "Otherwise, parent continues to run on original system."
        {"db@n1": FAULTED, "db@n3": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-remote-online_remote_soft-child-nofo",
        "online remote soft",
        fo(autostart=("n2",)),
        fo(systems=("n1",)),
        (kill("db", "n1"),),
        # "Child dies. Parent continues running."
        {"db@n1": FAULTED, "app@n2": "ONLINE"},
    ),
    # ---- Admin 7.2, failover parent / parallel child -------------------------------------
    Row(
        "U41-FP-online_local_soft-child-fo",
        "online local soft",
        F,
        par(),
        (kill("db", "n1"),),
        # "Consider a configuration in which instances of the child group are online on
        # Systems A and B and the parent group is online on System A. If the child faults,
        # the parent group fails over to System B." A72-FP ("If Child instance fails over
        # to another system, the Parent also fails over to the same system") does not
        # say whether another instance already online counts; its firm row moves the
        # parent to "Child instance there", as U41 does.
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n1": "OFFLINE", "app@n2": "ONLINE"},
        order=(r"n1 db_base \S+ -> FAULTED", r"n1 app ONLINE -> ONLINE\|STOPPING"),
    ),
    Row(
        "A72-FP-online_local_soft-child-nofo",
        "online local soft",
        F,
        par(systems=("n1",), autostart=("n1",)),
        (kill("db", "n1"),),
        # "If Child instance cannot failover to another system, Parent remains online."
        {"db@n1": FAULTED, "app@n1": "ONLINE"},
    ),
    Row(
        "A72-FP-online_local_soft-parent",
        "online local soft",
        F,
        par(),
        (kill("app", "n1"),),
        # "Parent fails over to other system and depends on Child instance there. Child
        # Instance remains online where the Parent faulted."
        {"app@n1": FAULTED, "app@n2": "ONLINE", "db@n1": "ONLINE", "db@n2": "ONLINE"},
    ),
    Row(
        "A72-FP-online_local_firm-child",
        "online local firm",
        F,
        par(),
        (kill("db", "n1"),),
        # "Parent is taken offline. Parent fails over to other system and depends on Child
        # instance there."
        {"db@n1": FAULTED, "app@n1": "OFFLINE", "app@n2": "ONLINE", "db@n2": "ONLINE"},
    ),
    Row(
        "A72-FP-online_local_firm-parent",
        "online local firm",
        F,
        par(),
        (kill("app", "n1"),),
        {"app@n1": FAULTED, "app@n2": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FP-online_local_firm-online_child_elsewhere",
        "online local firm",
        F,
        par(autostart=("n1",)),
        (cmd("hagrp -online db -sys n2"),),
        # U41-manual: "For a parallel child group linked online local with failover/parallel
        # parent, multiple instances of child group online are acceptable."
        {"db@n1": "ONLINE", "db@n2": "ONLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "A72-FP-online_global_soft-child",
        "online global soft",
        F,
        par(),
        (kill("db", "n1"),),
        # "Parent remains online if Child faults on any system."
        {"db@n1": FAULTED, "app@n1": "ONLINE"},
        order=(r"n1 db_base \S+ -> FAULTED", r"^$"),
    ),
    Row(
        "A72-FP-online_global_soft-parent",
        "online global soft",
        F,
        par(),
        (kill("app", "n1"),),
        # "Parent fails over to another system, maintaining dependence on all Child
        # instances."
        {"app@n1": FAULTED, "app@n2": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "A72-FP-online_global_firm-child",
        "online global firm",
        F,
        par(),
        (kill("db", "n1"),),
        # "Parent is taken offline. If another Child instance is online or Child fails
        # over, Parent fails over to another system or the same system." (its policy: n1)
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n1": "ONLINE"},
        order=(r"n1 app ONLINE -> ONLINE\|STOPPING", r"n1 app \S+ -> ONLINE \(online"),
    ),
    Row(
        "A72-FP-online_global_firm-child-nofo",
        "online global firm",
        F,
        par(systems=("n1",), autostart=("n1",)),
        (kill("db", "n1"),),
        # "If no Child instance is online or Child cannot fail over, Parent remain[s
        # offline]" (the stored copy is cut there; U41-global: "Both groups die").
        {"db@n1": FAULTED, "app@n1": "OFFLINE", "app@n2": "OFFLINE", "app@n3": "OFFLINE"},
    ),
    Row(
        "A72-FP-online_global_soft-child-nofo",
        "online global soft",
        F,
        par(systems=("n1",), autostart=("n1",)),
        (kill("db", "n1"),),
        # "If Child cannot fail over to another system, Parent remains online."
        {"db@n1": FAULTED, "app@n1": "ONLINE"},
    ),
    # ---- Admin 6.0, parallel parent / failover child -------------------------------------
    Row(
        "A60-PF-online_global_soft-child",
        "online global soft",
        par(),
        F,
        (kill("db", "n1"),),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n1": "ONLINE", "app@n2": "ONLINE"},
        order=(r"n1 db_base \S+ -> FAULTED", r"^$"),
    ),
    Row(
        "A60-PF-online_global_soft-parent",
        "online global soft",
        par(),
        F,
        (kill("app", "n2"),),
        {"app@n2": FAULTED, "db@n1": "ONLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "A60-PF-online_global_firm-child",
        "online global firm",
        par(),
        F,
        (kill("db", "n1"),),
        # "All instances of Parent taken offline. After Child fails over, Parent instances
        # are failed over or restarted on the same systems."
        {
            "db@n1": FAULTED,
            "db@n2": "ONLINE",
            "app@n1": "ONLINE",
            "app@n2": "ONLINE",
            "app@n3": "ONLINE",
        },
        order=(r"n3 app ONLINE -> ONLINE\|STOPPING", r"n3 app \S+ -> ONLINE \(online"),
    ),
    Row(
        "A60-PF-online_global_firm-parent",
        "online global firm",
        par(),
        F,
        (kill("app", "n2"),),
        {"app@n2": FAULTED, "db@n1": "ONLINE", "app@n3": "ONLINE"},
    ),
    Row(
        "A60-PF-online_remote_soft-child-fo_onto_parent",
        "online remote soft",
        par(systems=("n2", "n3"), autostart=("n2", "n3")),
        F,
        (kill("db", "n1"),),
        # "If Child fails over to system on which Parent is online, Parent fails over to
        # other systems." A parallel instance has no other system: it goes offline there.
        {"db@n2": "ONLINE", "app@n2": "OFFLINE", "app@n3": "ONLINE"},
    ),
    Row(
        "A60-PF-online_remote_soft-child-fo_elsewhere",
        "online remote soft",
        par(systems=("n3",), autostart=("n3",)),
        F,
        (kill("db", "n1"),),
        # "If Child fails over to another system, Parent remains online."
        {"db@n2": "ONLINE", "app@n3": "ONLINE"},
        order=(r"n1 db_base \S+ -> FAULTED", r"^$"),
    ),
    Row(
        "A60-PF-online_remote_soft-parent",
        "online remote soft",
        par(systems=("n2", "n3"), autostart=("n2", "n3")),
        F,
        (kill("app", "n3"),),
        # "Child remains online."
        {"app@n3": FAULTED, "db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "A60-PF-online_remote_firm-child-fo_onto_parent",
        "online remote firm",
        par(systems=("n2", "n3"), autostart=("n2", "n3")),
        F,
        (kill("db", "n1"),),
        # "All instances of Parent taken offline. If Child fails over to system on which
        # Parent was online, Parent fails over to other systems. If Child fails over to
        # another system, Parent brought online on same systems."
        {"db@n2": "ONLINE", "app@n2": "OFFLINE", "app@n3": "ONLINE"},
        order=(r"n3 app ONLINE -> ONLINE\|STOPPING", r"n3 app \S+ -> ONLINE \(online"),
    ),
    Row(
        "A60-PF-online_remote_firm-child-fo_elsewhere",
        "online remote firm",
        par(systems=("n3",), autostart=("n3",)),
        F,
        (kill("db", "n1"),),
        {"db@n2": "ONLINE", "app@n3": "ONLINE"},
        order=(r"n3 app ONLINE -> ONLINE\|STOPPING", r"n3 app \S+ -> ONLINE \(online"),
    ),
    Row(
        "A60-PF-online_remote_firm-parent",
        "online remote firm",
        par(systems=("n2", "n3"), autostart=("n2", "n3")),
        F,
        (kill("app", "n3"),),
        {"app@n3": FAULTED, "db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "A60-PF-offline_local-child-fo_elsewhere",
        "offline local",
        par(systems=("n2",), autostart=("n2",)),
        fo(systems=("n1", "n3")),
        (kill("db", "n1"),),
        # "Parent remains online if Child fails over to another system."
        {"db@n3": "ONLINE", "app@n2": "ONLINE"},
        order=(r"n1 db_base \S+ -> FAULTED", r"^$"),
    ),
    # ---- Admin 7.2, parallel parent / parallel child -------------------------------------
    Row(
        "A72-PP-online_local_soft-child",
        "online local soft",
        par(),
        par(),
        (kill("db", "n1"),),
        # "If Child cannot fail over, Parent remains online."
        {"db@n1": FAULTED, "app@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "A72-PP-online_local_soft-parent",
        "online local soft",
        par(),
        par(),
        (kill("app", "n1"),),
        # "Child instance stays online."
        {"app@n1": FAULTED, "db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "A72-PP-online_local_firm-child",
        "online local firm",
        par(),
        par(),
        (kill("db", "n1"),),
        # "Parent taken offline ... If Child cannot fail over, Parent remains offline."
        {"db@n1": FAULTED, "app@n1": "OFFLINE", "app@n2": "ONLINE", "db@n2": "ONLINE"},
    ),
    Row(
        "A72-PP-online_local_firm-parent",
        "online local firm",
        par(),
        par(),
        (kill("app", "n1"),),
        {"app@n1": FAULTED, "db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "A72-PP-offline_local-child",
        "offline local",
        par(systems=("n2", "n3"), autostart=("n2", "n3")),
        par(autostart=("n1",)),
        (kill("db", "n1"),),
        # "Parent remains online if Child fails over to another system" (it does not fail
        # over here: nothing comes to the parent's systems).
        {"db@n1": FAULTED, "app@n2": "ONLINE", "app@n3": "ONLINE"},
    ),
    Row(
        "A72-PP-offline_local-parent",
        "offline local",
        par(systems=("n2", "n3"), autostart=("n2", "n3")),
        par(autostart=("n1",)),
        (kill("app", "n2"),),
        # "Child remains online."
        {"app@n2": FAULTED, "db@n1": "ONLINE", "app@n3": "ONLINE"},
    ),
    # ---- User's 4.1, manual operations ---------------------------------------------------
    Row(
        "U41-manual-online_global_firm-parent_child_offline",
        "online global firm",
        fo(autostart=()),
        fo(autostart=()),
        (cmd("hagrp -online app -sys n1", REFUSED), cmd("hagrp -online app -any", REFUSED)),
        # "a parent group cannot be brought online manually if the child is not online"
        {"app@n1": "OFFLINE", "app@n2": "OFFLINE", "db@n1": "OFFLINE"},
    ),
    Row(
        "U41-manual-online_local_firm-parent_elsewhere",
        "online local firm",
        fo(autostart=()),
        F,
        (cmd("hagrp -online app -sys n2", REFUSED), cmd("hagrp -online app -any")),
        {"app@n1": "ONLINE", "app@n2": "OFFLINE"},
    ),
    Row(
        "U41-manual-online_remote_soft-parent_on_child_system",
        "online remote soft",
        fo(autostart=()),
        F,
        (cmd("hagrp -online app -sys n1", REFUSED), cmd("hagrp -online app -sys n3")),
        {"app@n1": "OFFLINE", "app@n3": "ONLINE"},
    ),
    Row(
        "U41-manual-offline_local-parent_on_child_system",
        "offline local",
        fo(autostart=()),
        F,
        (cmd("hagrp -online app -sys n1", REFUSED), cmd("hagrp -online app -sys n2")),
        {"app@n1": "OFFLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-manual-online_local_soft-child_elsewhere",
        "online local soft",
        F,
        F,
        (
            cmd("hagrp -offline db -sys n1"),
            cmd("hagrp -online db -sys n2", REFUSED),
            cmd("hagrp -online db -sys n1"),
        ),
        # "if parent is online, a child group online is rejected for any system other than
        # the system where parent is online"
        {"db@n1": "ONLINE", "db@n2": "OFFLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "U41-manual-online_remote_soft-child_on_parent_system",
        "online remote soft",
        fo(autostart=("n2",)),
        F,
        (
            cmd("hagrp -offline db -sys n1"),
            cmd("hagrp -online db -sys n2", REFUSED),
            cmd("hagrp -online db -sys n3"),
        ),
        {"db@n2": "OFFLINE", "db@n3": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-manual-offline_local-child_on_parent_system",
        "offline local",
        fo(autostart=("n2",)),
        fo(autostart=()),
        (cmd("hagrp -online db -sys n2", REFUSED), cmd("hagrp -online db -sys n1")),
        {"db@n2": "OFFLINE", "db@n1": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-manual-online_remote_soft-parallel_child_instances",
        "online remote soft",
        fo(autostart=("n2",)),
        par(autostart=("n1",)),
        (cmd("hagrp -online db -sys n3"),),
        # "For a parallel child group linked online remote with failover parent, multiple
        # instances of child group online are acceptable, as long as child group does not
        # go online" [on the parent's system].
        {"db@n1": "ONLINE", "db@n3": "ONLINE", "app@n2": "ONLINE"},
    ),
    Row(
        "U41-manual-online_local_firm-switch_parent_away_from_child",
        "online local firm",
        F,
        F,
        (cmd("hagrp -switch app -to n2", REFUSED),),
        # The switch's online half is a manual online: "For online local dependencies, a
        # parent group cannot be brought online manually on any system other than the
        # system on which the child is online."
        {"app@n1": "ONLINE", "app@n2": "OFFLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-global-online_local_firm-switch_child",
        "online local firm",
        F,
        F,
        (cmd("hagrp -switch db -to n2", REFUSED),),
        # FAQ (online global): "Can child group be switched while parent group is running?
        # Firm=No", applied to every location (docs/simulator.md).
        {"db@n1": "ONLINE", "app@n1": "ONLINE"},
    ),
    Row(
        "simdoc-online_local_soft-switch_child_parent_follows",
        "online local soft",
        F,
        F,
        (cmd("hagrp -switch db -to n2"),),
        # FAQ (online global): soft children may be switched; a local soft parent follows
        # (docs/simulator.md, "a child is refused online ... on a switch the parent follows").
        {"db@n2": "ONLINE", "app@n2": "ONLINE", "db@n1": "OFFLINE", "app@n1": "OFFLINE"},
    ),
    # ---- frozen and disabled groups ------------------------------------------------------
    Row(
        "A70-freeze-online_local_firm-parent_frozen-child-fo",
        "online local firm",
        F,
        F,
        (cmd("hagrp -freeze app"), kill("db", "n1")),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n1": "ONLINE", "app@n2": "OFFLINE"},
    ),
    Row(
        "A70-freeze-online_remote_soft-parent_frozen-child-fo_onto_parent",
        "online remote soft",
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -freeze app"), kill("db", "n1")),
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n2": "ONLINE", "app@n1": "OFFLINE"},
    ),
    Row(
        "simdoc-disabled-online_local_firm-child_disabled_on_next",
        "online local firm",
        F,
        F,
        (cmd("hagrp -disable db -sys n2"), kill("db", "n1")),
        # docs/simulator.md, Placement: a system where the group is disabled is no
        # candidate; the child goes to n3 and the parent migrates with it (A72-FF firm row).
        {"db@n1": FAULTED, "db@n3": "ONLINE", "app@n3": "ONLINE", "app@n2": "OFFLINE"},
    ),
    Row(
        "simdoc-disabled-online_local_firm-parent_disabled_where_child_goes",
        "online local firm",
        F,
        F,
        (cmd("hagrp -disable app -sys n2"), kill("db", "n1")),
        # The parent has no system to go to: it "remains offline" (A72-FF firm row).
        {"db@n1": FAULTED, "db@n2": "ONLINE", "app@n1": "OFFLINE", "app@n2": "OFFLINE"},
    ),
    # ---- User's 4.1, automatic online ----------------------------------------------------
    Row(
        "U41-auto-online_local_firm-autostart_order",
        "online local firm",
        F,
        F,
        (),
        # "in an online local dependency, parent groups are brought online only after all
        # child groups are brought online"
        {"db@n1": "ONLINE", "app@n1": "ONLINE"},
        order=(r"n1 db \S+ -> ONLINE ", r"n1 app OFFLINE -> OFFLINE\|STARTING"),
    ),
    # ---- User's 4.1, dependency limitations (hagrp -link) --------------------------------
    Row(
        "U41-limits-link_all_parent_offline",
        None,
        fo(autostart=()),
        F,
        (cmd("hagrp -link app db online remote firm"),),
        # "All link requests are accepted if all instances of parent group are offline."
        {"app@n1": "OFFLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-limits-link_online_local_child_elsewhere",
        None,
        fo(autostart=("n2",)),
        F,
        (cmd("hagrp -link app db online local firm", REFUSED),),
        {"app@n2": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-limits-link_online_remote_same_system",
        None,
        F,
        F,
        (cmd("hagrp -link app db online remote soft", REFUSED),),
        {"app@n1": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-limits-link_offline_local_same_system",
        None,
        F,
        F,
        (cmd("hagrp -link app db offline local", REFUSED),),
        {"app@n1": "ONLINE", "db@n1": "ONLINE"},
    ),
    Row(
        "U41-limits-link_parent_online_child_offline",
        None,
        F,
        fo(autostart=()),
        (cmd("hagrp -link app db online global soft", REFUSED),),
        {"app@n1": "ONLINE", "db@n1": "OFFLINE"},
    ),
    Row(
        "U41-limits-link_parallel_pair_global",
        None,
        par(autostart=()),
        par(autostart=()),
        (
            cmd("hagrp -link app db online global soft", REFUSED),
            cmd("hagrp -link app db online remote soft", REFUSED),
            cmd("hagrp -link app db online local soft"),
        ),
        {"app@n1": "OFFLINE"},
    ),
    Row(
        "U41-limits-link_parallel_parent_failover_child_local",
        None,
        par(autostart=()),
        fo(autostart=()),
        (
            cmd("hagrp -link app db online local firm", REFUSED),
            cmd("hagrp -link app db online global firm"),
        ),
        {"app@n1": "OFFLINE"},
    ),
]


def _run(sim, row):
    if any(s[0] == "cmd" and (" -link " in s[1] or " -disable " in s[1]) for s in row.steps):
        assert sim.command(["haconf", "-makerw"])[0] == 0
    for step in row.steps:
        if step[0] == "kill":
            sim.event("kill", resource=f"{step[1]}_base", system=step[2])
            sim.advance(MONITOR_ROUND)
        else:
            _, line, status = step
            argv = line.split()
            code, out, err = sim.command(argv)
            assert code == status, f"{line}: exit {code}, expected {status}: {out}{err}"
        sim.settle()


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_documented_row(make_sim, row):
    sim = make_sim(row.config()).start()
    sim.settle()
    begun = len(sim.transcript.lines) if row.steps else 0  # autostart rows read it all
    _run(sim, row)
    got = {k: sim.group_state(*k.split("@")) for k in row.expect}
    assert got == row.expect, sim.state_table()
    if row.order:
        first, then = row.order
        lines = sim.transcript.lines[begun:]
        at = [i for i, x in enumerate(lines) if re.search(first, x)]
        assert at, f"no transcript line matches {first!r}"
        if then == r"^$":  # the parent is never stopped
            stopped = [x for x in lines if re.search(r" app ONLINE -> ONLINE\|STOPPING", x)]
            assert not stopped, stopped
            return
        later = [i for i, x in enumerate(lines) if re.search(then, x)]
        assert later, f"no transcript line matches {then!r}"
        assert at[0] < later[0], "\n".join(lines)


def test_a_site_dependency_is_refused_not_simulated_as_another_location(make_sim, tmp_path):
    """Admin 7.0, "Dependency location", says only where an `online site` parent may run;
    no stored manual gives its fault or operation rows: the simulator refuses such a
    main.cf with a message (exit 2 from `vxha sim`), where it used to treat it as remote."""
    import subprocess
    import sys

    from vxha.simulator.engine import SimError

    text = Row("site", "online site soft", fo(autostart=("n2",)), F, (), {}).config()
    with pytest.raises(SimError, match="app requires group db online site soft"):
        make_sim(text)
    main_cf = tmp_path / "main.cf"
    main_cf.write_text(text)
    p = subprocess.run(
        [sys.executable, "-m", "vxha.cli.main", "sim", "run", str(main_cf)]
        + ["--run-dir", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2 and "site dependencies are not simulated" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_a_global_firm_parent_the_admin_took_offline_meanwhile_is_left_offline(make_sim):
    """The parent is taken offline only once its child is (A72-FF online global firm): if
    the admin takes it offline while the child is still going offline, it stays offline
    (it is not then failed over as if the engine had stopped it)."""
    row = Row("admin", "online global firm", fo(autostart=("n2",)), F, (), {})
    sim = make_sim(row.config()).start()
    sim.settle()
    slow = {"entry_point": "offline", "seconds": 8}  # within Dummy's OfflineTimeout
    sim.event("slow", resource="db_top", system="n1", args=slow)
    sim.event("kill", resource="db_base", system="n1")
    sim.advance(62)  # the monitor at 60 s saw the fault; db_top goes offline until 68 s
    assert sim.group_state("db", "n1").endswith("STOPPING"), sim.state_table()
    assert sim.group_state("app", "n2") == "ONLINE"
    code, _, err = sim.command(["hagrp", "-offline", "app", "-sys", "n2"])
    assert code == 0, err
    sim.advance(MONITOR_ROUND)
    sim.settle()
    assert sim.group_state("db", "n2") == "ONLINE", sim.state_table()
    assert [sim.group_state("app", s) for s in SYSTEMS] == ["OFFLINE"] * 3, sim.state_table()
