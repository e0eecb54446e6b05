"""A randomized campaign against the engine: small configurations `vxha verify` accepts,
started, then random events and admin commands, each followed by some virtual time; after
each step, once settled, the invariants below (each from the rule it states) must hold.

CI runs a fixed, derandomized profile (``max_examples`` keeps it under a minute); hunt
longer with ``VXHA_SIM_FUZZ_EXAMPLES=2000 VXHA_SIM_FUZZ_SEED=random``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import traceback

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption
from sim_helpers import cf

from vxha.simulator.api import Simulator
from vxha.simulator.engine import SimError
from vxha.simulator.events import EventError
from vxha.vcs_types import verify as verify_mod

EXAMPLES = int(os.environ.get("VXHA_SIM_FUZZ_EXAMPLES", "150"))
RANDOM = os.environ.get("VXHA_SIM_FUZZ_SEED") == "random"
RUN_ROOT = "/dev/shm" if os.path.isdir("/dev/shm") else None

TYPES = ("Dummy", "FileOnOff")  # through the framework, and the stand-in agent
POLICIES = ("Priority", "RoundRobin", "Load")


# -- configurations ------------------------------------------------------------------------------


def legal_links(parent_parallel, child_parallel):
    """(category, location, rigidity) the engine allows for this pair (VCS_ENGINE.md,
    "Parallel groups"; docs/simulator.md, "link checks")."""
    out = [("offline", "local", "firm")]
    for loc in ("local", "global", "remote"):
        for rig in ("soft", "firm", "hard"):
            if rig == "hard" and loc != "local":
                continue
            if parent_parallel and child_parallel and (loc != "local" or rig == "hard"):
                continue
            if parent_parallel and not child_parallel and loc == "local":
                continue
            if not parent_parallel and child_parallel and rig == "hard":
                continue
            out.append(("online", loc, rig))
    return out


@st.composite
def configurations(draw):
    """(main.cf text, description) of 2-4 systems and 2-5 groups."""
    systems = [f"n{i + 1}" for i in range(draw(st.integers(2, 4)))]
    ngroups = draw(st.integers(2, 5))
    groups = []
    for gi in range(ngroups):
        name = f"g{gi}"
        parallel = draw(st.booleans()) if gi else False
        members = draw(st.lists(st.sampled_from(systems), min_size=1, unique=True))
        prio = draw(st.permutations(range(len(members))))
        autostart = draw(st.lists(st.sampled_from(members), unique=True))
        attrs = [
            "SystemList = { " + ", ".join(f"{s} = {p}" for s, p in zip(members, prio)) + " }",
        ]
        if autostart:
            attrs.append("AutoStartList = { " + ", ".join(autostart) + " }")
        if parallel:
            attrs.append("Parallel = 1")
        else:
            if draw(st.booleans()):
                attrs.append(f"FailOverPolicy = {draw(st.sampled_from(POLICIES))}")
            if draw(st.integers(0, 3)) == 0:
                attrs.append("AutoFailOver = 0")
        if draw(st.booleans()):
            attrs.append(f"Priority = {draw(st.integers(1, 3))}")
        if draw(st.booleans()):
            attrs.append(f"Load = {draw(st.integers(0, 60))}")
        if draw(st.integers(0, 3)) == 0:
            attrs.append(f"OnlineRetryLimit = {draw(st.integers(1, 2))}")
        nres = draw(st.integers(1, 3))
        res = []
        for ri in range(nres):
            rname = f"{name}_r{ri}"
            rtype = draw(st.sampled_from(TYPES))
            body = []
            if rtype == "FileOnOff":
                body.append(f'PathName = "/tmp/{rname}"')
            if draw(st.integers(0, 3)) == 0:
                body.append("Critical = 0")
            if draw(st.integers(0, 3)) == 0:
                body.append(f"RestartLimit = {draw(st.integers(1, 2))}")
            children = [f"{name}_r{c}" for c in range(ri) if draw(st.booleans())]
            res.append((rname, rtype, body, children))
        groups.append(
            {"name": name, "parallel": parallel, "attrs": attrs, "res": res, "systems": members}
        )
    deps = []
    for gi in range(ngroups):
        # A parent only depends on a later group: no cycle, and at most 4 levels.
        later = list(range(gi + 1, ngroups))
        if not later or draw(st.integers(0, 2)) == 0:
            continue
        ci = draw(st.sampled_from(later))
        if any(d[1] == ci for d in deps if d[0] == gi):
            continue
        p, c = groups[gi], groups[ci]
        link = draw(st.sampled_from(legal_links(p["parallel"], c["parallel"])))
        deps.append((gi, ci) + link)
    body = ""
    for gi, g in enumerate(groups):
        body += f"group {g['name']} (\n" + "".join(f"    {a}\n" for a in g["attrs"]) + ")\n"
        for rname, rtype, rbody, _ in g["res"]:
            body += f"    {rtype} {rname} (\n" + "".join(f"        {b}\n" for b in rbody)
            body += "    )\n"
        for rname, _, _, children in g["res"]:
            body += "".join(f"    {rname} requires {c}\n" for c in children)
        for d in deps:
            if d[0] == gi:
                cat, loc, rig = d[2:]
                words = "offline local" if cat == "offline" else f"{cat} {loc} {rig}"
                body += f"    requires group {groups[d[1]]['name']} {words}\n"
        body += "\n"
    return cf(systems, body), {"systems": systems, "groups": groups}


# -- steps -----------------------------------------------------------------------------------------


@st.composite
def steps(draw, desc):
    """One event or admin command (argv or event dict) and the virtual seconds after it."""
    systems = desc["systems"]
    groups = [g["name"] for g in desc["groups"]]
    g = draw(st.sampled_from(desc["groups"]))
    s = draw(st.sampled_from(systems))
    gs = draw(st.sampled_from(g["systems"]))
    r = draw(st.sampled_from(g["res"]))[0]
    kind = draw(
        st.sampled_from(
            (
                "crash",
                "restart",
                "jeopardy",
                "engine_hang",
                "stop_intentionally",
                "kill",
                "start_outside",
                "fail",
                "hang",
                "heal",
                "hagrp",
                "hagrp",
                "hagrp",
                "hares",
                "hares",
                "hasys",
            )
        )
    )
    if kind in ("crash", "restart", "jeopardy", "engine_hang"):
        action = {"do": kind, "system": s}
    elif kind in ("kill", "start_outside", "stop_intentionally"):
        action = {"do": kind, "resource": r, "system": gs}
    elif kind in ("fail", "hang"):
        ep = draw(st.sampled_from(("online", "offline", "monitor", "clean")))
        action = {"do": kind, "resource": r, "system": gs, "args": {"entry_point": ep}}
        action["args"]["count"] = draw(st.integers(1, 2))
    elif kind == "heal":
        action = {"do": "heal", "resource": r, "system": gs}
    elif kind == "hagrp":
        op = draw(
            st.sampled_from(
                (
                    "-online",
                    "-offline",
                    "-switch",
                    "-freeze",
                    "-unfreeze",
                    "-enable",
                    "-disable",
                    "-clear",
                    "-flush",
                )
            )
        )
        name = draw(st.sampled_from(groups))
        argv = ["hagrp", op, name]
        if op in ("-online", "-offline") and draw(st.integers(0, 3)) == 0:
            argv += ["-propagate", "-sys", s]
        elif op in ("-online", "-switch") and draw(st.integers(0, 3)) == 0:
            argv.append("-any")
        elif op in ("-online", "-offline", "-flush"):
            argv += ["-sys", s]
        elif op == "-switch":
            argv += ["-to", s]
        elif op in ("-freeze", "-unfreeze") and draw(st.booleans()):
            argv.append("-persistent")
        elif op in ("-enable", "-disable", "-clear") and draw(st.booleans()):
            argv += ["-sys", s]
        action = argv
    elif kind == "hares":
        op = draw(st.sampled_from(("-online", "-offline", "-clear", "-probe")))
        action = ["hares", op, r]
        if op != "-clear" or draw(st.booleans()):
            action += ["-sys", gs]
    else:
        op = draw(st.sampled_from(("-freeze", "-unfreeze")))
        action = ["hasys", op, s]
        if op == "-freeze" and draw(st.booleans()):
            action.append("-evacuate")
    return action, draw(st.sampled_from((0, 1, 30, 60, 130, 320)))


# -- invariants ------------------------------------------------------------------------------------


def base(state):
    return state.split("|", 1)[0]


def up_systems(sim, group=None):
    """Running systems (of the group's SystemList when one is given)."""
    return [
        n for n, s in sim.engine.systems.items() if s.up and (group is None or n in group.insts)
    ]


def check_one_system(sim):
    # VCS_ENGINE.md "Probing": a failover group online on more than one system is a
    # concurrency violation, which VCS ends (docs/simulator.md, "Probing and monitoring").
    for g in sim.engine.groups.values():
        if g.parallel:
            continue
        where = [s for s in up_systems(sim, g) if base(g.insts[s].state) in ("ONLINE", "PARTIAL")]
        assert len(where) <= 1, f"failover group {g.name} online on {where}"


def check_resource_order(sim, exempt):
    # Admin 5.1, "About VCS behavior on resource faults": a faulted resource takes its
    # parents offline; Admin 7.0 "... comes online": children first. Exempt: a frozen
    # group (faults only displayed), FaultPropagation 0, a child faulted with no
    # critical resource on its path (its parents stay online), a child UNKNOWN (acted
    # on by nobody, docs/simulator.md "monitor exit codes"), a child whose fault is not
    # declared yet: its clean failing (UNABLE_TO_OFFLINE) or waiting for the admin
    # (ADMIN_WAIT) (docs/simulator.md "Faults and restarts": the resource keeps its state
    # and nothing else is done meanwhile).
    for r in sim.engine.resources.values():
        g = r.group
        if g.name in exempt or not g.fault_propagation:
            continue
        for s in up_systems(sim, g):
            ri = r.insts[s]
            if ri.state != "ONLINE":
                continue
            for c in r.children:
                ci = c.insts[s]
                undeclared = "UNABLE_TO_OFFLINE" in ci.flags or "ADMIN_WAIT" in ci.flags
                if c.enabled and ci.state not in ("ONLINE", "UNKNOWN") and not undeclared:
                    raise AssertionError(
                        f"{r.name} ONLINE on {s} but its child {c.name} is {ci.stable()}"
                    )


def noncritical_fault(group):
    """A resource of ``group`` faulted with no critical resource on its path: the group has
    not faulted (VCS_ENGINE.md "Resource faults": no failover, the group is PARTIAL), so its
    parents are not told, even when the propagation left it offline."""
    for r in group.resources:
        for ri in r.insts.values():
            if ri.state == "FAULTED" and not any(x.critical for x in [r] + r.ancestors()):
                return True
    return False


def check_dependencies(sim, exempt):
    # VCS_ENGINE.md "Group dependencies" (User's 4.1, "Service Group Dependency
    # Configurations"): a firm or hard online parent needs its child online (local: on
    # its system; global: anywhere; remote: on another system); offline local, whatever
    # the rigidity: the child is not online on the parent's system. Soft links let
    # either side go ("soft: either side may be taken offline while the other stays
    # online"). Exempt: a frozen parent keeps its state, a frozen child's fault is only
    # displayed, and a child taken offline by `hares -offline` (docs/simulator.md Limits).
    for g in sim.engine.groups.values():
        for d in g.deps:
            if d.child.name in exempt or g.name in exempt:
                continue
            for s in up_systems(sim, g):
                gi = g.insts[s]
                if base(gi.state) not in ("ONLINE", "PARTIAL") or gi.stopping:
                    continue
                child_on = [
                    t
                    for t in up_systems(sim, d.child)
                    if base(d.child.insts[t].state) in ("ONLINE", "PARTIAL")
                    and not d.child.insts[t].stopping
                ]
                if d.category == "offline":
                    assert s not in child_on, f"{g.name} on {s} with its child {d.child.name}"
                    continue
                if d.rigidity == "soft":
                    continue
                if d.location == "local":
                    ok = s in child_on
                elif d.location == "global":
                    ok = bool(child_on)
                else:
                    ok = any(t != s for t in child_on)
                assert ok, f"{g.name} {gi.state} on {s}: {d.kind()} {d.child.name} on {child_on}"


def active_systems(g, up):
    return {
        s
        for s in up
        if s in g.insts and (base(g.insts[s].state) in ("ONLINE", "PARTIAL") or g.insts[s].starting)
    }


def check_not_moved(sim, before, held):
    # VCS_ENGINE.md "Freeze and disable": a frozen group gets no online, offline or failover;
    # a disabled group cannot be brought online or failed over (there, with -sys).
    up = up_systems(sim)
    for g in sim.engine.groups.values():
        if g.name not in held:
            continue
        new = active_systems(g, up) - before[g.name]
        frozen, disabled_on = held[g.name]
        if frozen:
            assert not new, f"frozen group {g.name} brought online on {sorted(new)}"
        bad = new & disabled_on
        assert not bad, f"disabled group {g.name} brought online on {sorted(bad)}"


STATE_ROW = re.compile(r"^(\S+)\s+State\s+(\S+)\s+\|(.*)\|$")


def check_displays(sim):
    # docs/simulator.md "ha* shims": hagrp -state and hastatus -sum print the model's states.
    code, out, err = sim.command(["hagrp", "-state"])
    assert code == 0, err
    shown = {}
    for line in out.splitlines()[1:]:
        m = STATE_ROW.match(line)
        assert m, f"hagrp -state line {line!r}"
        shown[(m.group(1), m.group(2))] = m.group(3)
    want = {(g.name, s): gi.state for g in sim.engine.groups.values() for s, gi in g.insts.items()}
    assert shown == want
    code, out, err = sim.command(["hastatus", "-sum"])
    assert code == 0, err
    rows = {}
    for line in out.splitlines():
        if line.startswith("B  "):
            w = line.split()
            rows[(w[1], w[2])] = w[5]
        elif line.startswith("A  "):
            w = line.split()
            assert w[2] == sim.engine.systems[w[1]].state
    assert rows == want


# -- the campaign ----------------------------------------------------------------------------------


def apply(sim, action):
    """Apply one step; only the engine's documented refusals may come back."""
    if isinstance(action, dict):
        fields = {k: v for k, v in action.items() if k != "do"}
        try:
            sim.event(action["do"], **fields)
        except (EventError, SimError):
            return False
        return True
    code, out, err = sim.command(action)
    assert code in (0, 1), f"{' '.join(action)}: exit {code}: {err}"
    if code:
        assert err.strip(), f"{' '.join(action)} refused without a message"
    return code == 0


def exempt_after(sim, action, ok, exempt, outside):
    """Record the groups the documented exceptions take out of the invariants: ``exempt``
    from the ordering ones, ``outside`` (resources started outside VCS) from all but one."""
    if not ok:
        return
    if isinstance(action, dict):
        # Started outside VCS: the engine did not bring it online (its monitor finds it
        # online whenever it next runs), and no document has VCS take a resource offline
        # because its children or its group's child are not online.
        if action["do"] == "start_outside":
            group = sim.engine.resource(action["resource"]).group.name
            exempt.add(group)
            outside.add(group)
        return
    if action[:2] == ["hagrp", "-freeze"]:
        exempt.add(action[2])
    if action[:2] == ["hares", "-offline"]:
        exempt.add(sim.engine.resource(action[2]).group.name)


def held_groups(sim):
    """{group: (frozen, systems where disabled)} for groups the engine must not move."""
    out = {}
    for g in sim.engine.groups.values():
        disabled = {s for s, gi in g.insts.items() if not gi.enabled}
        if not g.enabled:
            disabled = set(g.insts)
        if g.is_frozen() or disabled:
            out[g.name] = (g.is_frozen(), disabled)
    return out


def moved_by_step(sim, action, group):
    """Whether the step itself (not the engine) may bring ``group`` online: an admin
    request naming it or one of its resources, or one of its resources started outside."""
    if isinstance(action, dict):
        name = action.get("resource")
    elif action[0] == "hagrp":
        return action[2] == group
    elif action[0] == "hares":
        name = action[2]
    else:
        return False
    return name is not None and sim.engine.resource(name).group.name == group


def run_campaign(text, plan):
    run_dir = tempfile.mkdtemp(prefix=f"vxha-fuzz-{os.getpid()}-", dir=RUN_ROOT)
    try:
        sim = Simulator.from_text(text, run_dir)
        issues = verify_mod.errors(verify_mod.verify(os.path.join(run_dir, "main.cf")))
        assume(not issues)
        sim.start()
        sim.command(["haconf", "-makerw"])
        sim.settle()
        exempt, outside, quiet = set(), set(), set()
        for g in sim.engine.groups.values():
            if g.is_frozen():
                exempt.add(g.name)
        for action, seconds in plan:
            up = up_systems(sim)
            before = {g.name: active_systems(g, up) for g in sim.engine.groups.values()}
            held = held_groups(sim)
            ok = apply(sim, action)
            exempt_after(sim, action, ok, exempt, outside)
            sim.advance(seconds)
            sim.settle()
            held = {
                n: h
                for n, h in held.items()
                if n in held_groups(sim) and n not in outside and not moved_by_step(sim, action, n)
            }
            check_one_system(sim)
            # Once a resource faulted without a critical resource on its path, neither its
            # parents in the group nor the group's parents were told (Admin 5.1, "VCS
            # behavior diagrams"), and what follows (a clear, a crash wiping the fault)
            # does not tell them either.
            quiet.update(g.name for g in sim.engine.groups.values() if noncritical_fault(g))
            check_resource_order(sim, exempt | quiet)
            check_dependencies(sim, exempt | quiet)
            check_not_moved(sim, before, held)
            check_displays(sim)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


@st.composite
def campaigns(draw):
    text, desc = draw(configurations())
    plan = draw(st.lists(steps(desc), min_size=1, max_size=16))
    return text, desc, plan


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(campaigns())
def test_random_configurations_and_steps_keep_the_engine_rules(campaign):
    text, _, plan = campaign
    try:
        run_campaign(text, plan)
    except UnsatisfiedAssumption:
        raise
    except Exception as e:  # an invariant broken, or an exception the engine let escape
        where = "".join(traceback.format_tb(e.__traceback__)[-3:])
        steps_text = "\n".join(f"  {a!r} then {s}s" for a, s in plan)
        raise AssertionError(
            f"{type(e).__name__}: {e}\n{where}--- main.cf\n{text}\n--- steps\n{steps_text}"
        ) from None


@pytest.mark.parametrize(
    "parent,child", [(False, False), (False, True), (True, False), (True, True)]
)
def test_the_links_generated_are_those_the_engine_allows(parent, child):
    from vxha.simulator.dependencies import link_error

    class G:
        def __init__(self, parallel):
            self.name, self.parallel, self.deps, self.rdeps = str(parallel), parallel, [], []

    p, c = G(parent), G(child)
    c.name += "_child"
    legal = legal_links(parent, child)
    for cat in ("online", "offline"):
        for loc in ("local", "global", "remote"):
            for rig in ("soft", "firm", "hard"):
                allowed = link_error(p, c, cat, loc, rig) is None
                # offline local is one link whatever rigidity is written, but never hard
                offline = (cat, loc) == ("offline", "local") and rig != "hard"
                generated = (cat, loc, rig) in legal or offline
                assert allowed == generated, (cat, loc, rig)
