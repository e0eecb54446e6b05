"""The plan runner (generators/plan.py) and apply's phases (generators/phases.py), on a
scripted ha* client: what runs, in which order, and what is left when a step fails."""

from __future__ import annotations

import pytest
from genhelp import cluster, dep, server

from vxha.generators import plan as P
from vxha.generators.build import Options
from vxha.generators.generate import generate
from vxha.generators.hacli import HaClient
from vxha.generators.phases import ApplyPlanner
from vxha.generators.view import ClusterView, displayed_system_list
from vxha.vcs_types import cf


class Engine:
    """Answers ha* commands: records them, fails the ones told, knows group states."""

    def __init__(self, writable=False, fail=(), states=None):
        self.ran = []
        self.writable = writable
        self.fail = set(fail)
        self.states = states or {}

    def __call__(self, argv, timeout):
        line = " ".join(argv)
        self.ran.append(line)
        if line in self.fail:
            return 1, "", f"VCS WARNING V-16-1-10000 {line}: refused\n"
        if argv == ["haconf", "-makerw"]:
            if self.writable:
                return 1, "", "VCS WARNING V-16-1-10364 Cluster already writable\n"
            self.writable = True
        if argv[:2] == ["haconf", "-dump"]:
            if not self.writable:
                return 1, "", "VCS WARNING V-16-1-10369 Cluster not writable\n"
            if "-makero" in argv:
                self.writable = False
        if argv[1:] == ["-state"]:  # the bulk read: every known state
            rows = [f"{n} State {s} |{v}|" for (n, s), v in sorted(self.states.items())]
            return 0, "#H A S V\n" + "".join(r + "\n" for r in rows), ""
        if argv[1] == "-state" and len(argv) == 5:
            state = self.states.get((argv[2], argv[4]), "OFFLINE")
            return 0, f"#H A S V\n{argv[2]} State {argv[4]} |{state}|\n", ""
        return 0, "", ""

    def changes(self):
        return [x for x in self.ran if " -state " not in x]


def steps(*argvs, session=True):
    return [P.Step("command", list(a), "", session=session) for a in argvs]


@pytest.fixture
def journal(tmp_path):
    return P.Journal(str(tmp_path / "state"))


def test_the_session_opens_first_and_closes_after_the_last_change(journal):
    e = Engine(states={("g", "n1"): "OFFLINE"})
    plan = P.Plan("apply")
    plan.steps = (
        steps(["hagrp", "-offline", "g", "-sys", "n1"], session=False)
        + [P.wait_step("hagrp", "g", "n1", "OFFLINE")]
        + steps(["hagrp", "-delete", "g"])
        + steps(["hagrp", "-online", "h", "-sys", "n1"], session=False)
    )
    P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
    assert e.changes() == [
        "haconf -makerw",  # before anything: someone's open session is refused first
        "hagrp -offline g -sys n1",
        "hagrp -delete g",
        "haconf -dump -makero",
        "hagrp -online h -sys n1",
    ]
    assert journal.load()["state"] == "done"


def test_a_failing_step_stops_the_plan_and_leaves_the_configuration_read_only(journal):
    e = Engine(fail={"hares -delete b"})
    plan = P.Plan(
        "delete",
        steps=steps(
            ["hares", "-delete", "a"], ["hares", "-delete", "b"], ["hagrp", "-delete", "g"]
        ),
    )
    with pytest.raises(P.PlanStopped) as info:
        P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
    text = str(info.value)
    assert "stopped at step 2 of 3" in text and "ran (1):" in text and "did not run (2):" in text
    assert "hares -delete b   <- failed" in text
    assert "vxha delete --resume" in text and "vxha delete --undo" in text
    assert e.changes()[-1] == "haconf -dump -makero" and not e.writable
    data = journal.load()
    assert data["state"] == "stopped" and data["status"] == ["done", "failed", "pending"]
    assert P.Journal(journal.directory).unfinished() is not None
    with pytest.raises(P.PlanRefused, match="stopped halfway"):
        P.refuse_if_unfinished(journal)


def test_a_plan_killed_while_running_is_unfinished_too(journal):
    """The journal is written after every step so that a run killed halfway leaves a true
    record (docs/operations.md, "Journal"): one still marked running with a step done
    holds back a new plan as a stopped one does."""
    plan = P.Plan("apply", steps=steps(["hagrp", "-delete", "g"], ["hagrp", "-delete", "h"]))
    journal.save({"plan": plan.to_json(), "status": ["done", "pending"], "state": "running"})
    with pytest.raises(P.PlanRefused, match=r"\(vxha apply, 1 of 2 steps done\) stopped halfway"):
        P.refuse_if_unfinished(journal)
    journal.save({"plan": plan.to_json(), "status": ["pending", "pending"], "state": "running"})
    P.refuse_if_unfinished(journal)  # killed before it changed anything: nothing to finish


def test_a_stopped_add_types_is_finished_by_running_it_again_never_undone(journal):
    """vxha cluster add-types has no --undo (an attribute added is kept: resources may hold
    values; docs/packaging.md): the refusal that names the way on must not offer one."""
    e = Engine(fail={"hatype -modify Container ArgList Image"})
    plan = P.Plan(
        "cluster add-types",
        steps=steps(
            ["haattr", "-add", "Container", "CapAdd", "-string", "-vector"],
            ["hatype", "-modify", "Container", "ArgList", "Image"],
        ),
    )
    with pytest.raises(P.PlanStopped):
        P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
    with pytest.raises(P.PlanRefused) as info:
        P.refuse_if_unfinished(journal)
    text = str(info.value)
    assert "running 'vxha cluster add-types' again" in text, text
    assert "--undo" not in text.replace("it has no --undo", ""), text


@pytest.mark.parametrize(
    "broken,where",
    [("haconf -makerw", "before the first step"), ("haconf -dump -makero", "after step 2")],
)
def test_opening_or_saving_the_configuration_can_fail_too(journal, broken, where):
    e = Engine(fail={broken})
    plan = P.Plan("apply", steps=steps(["hagrp", "-add", "g"], ["hagrp", "-add", "h"]))
    with pytest.raises(P.PlanStopped, match=f"stopped {where}"):
        P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
    data = journal.load()
    assert data["state"] == "stopped" and "failed" not in data["status"]


def test_someone_elses_open_session_is_refused_before_any_change(journal):
    e = Engine(writable=True)
    plan = P.Plan(
        "apply",
        steps=steps(["hagrp", "-offline", "g", "-sys", "n1"], session=False)
        + steps(["hagrp", "-delete", "g"]),
    )
    with pytest.raises(P.PlanRefused, match="someone is editing"):
        P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
    assert e.changes() == ["haconf -makerw"]
    assert e.writable  # still theirs
    assert journal.unfinished() is None  # nothing ran: a new plan may start


def test_joining_never_saves_even_when_a_step_fails(journal):
    e = Engine(writable=True, fail={"hagrp -delete h"})
    plan = P.Plan("apply", steps=steps(["hagrp", "-delete", "g"], ["hagrp", "-delete", "h"]))
    with pytest.raises(P.PlanStopped, match="left open and not saved"):
        P.Runner(HaClient(e), journal, join=True, out=lambda *_: None).run(plan)
    assert not any(x.startswith("haconf -dump") for x in e.ran)
    assert e.writable


def test_joining_never_saves_a_plan_that_succeeds(journal):
    """--join: the session is the admin's, and vxha never saves it (DECISIONS.md 10)."""
    e = Engine(writable=True)
    plan = P.Plan("apply", steps=steps(["hagrp", "-delete", "g"], ["hagrp", "-delete", "h"]))
    P.Runner(HaClient(e), journal, join=True, out=lambda *_: None).run(plan)
    # the refused -makerw is how the runner finds the session open; no -dump follows
    assert e.changes() == ["haconf -makerw", "hagrp -delete g", "hagrp -delete h"]
    assert e.writable


def test_resume_skips_what_is_done_and_checks_what_is_left(journal):
    from vxha.vcs_types.model import Config, Group

    e = Engine()
    plan = P.Plan(
        "apply",
        steps=[
            P.Step(
                "command", ["hagrp", "-add", "g"], "", session=True, done=[["group", "g", True]]
            ),
            P.Step(
                "command",
                ["hagrp", "-delete", "x"],
                "",
                session=True,
                pre=[["empty", "x"]],
                done=[["group", "x", False]],
            ),
        ],
    )
    config = Config(groups=[Group("g")])
    snap = P.Snapshot(config, {}, {})
    P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan, None, snap)
    assert e.changes() == ["haconf -makerw", "haconf -dump -makero"]  # both already so
    from vxha.vcs_types.model import Resource

    config = Config(groups=[Group("x", resources=[Resource("Dummy", "r")])])
    with pytest.raises(P.PlanStopped, match="needs group x without resources"):
        P.Runner(HaClient(Engine()), journal, out=lambda *_: None).run(
            plan, ["done", "pending"], P.Snapshot(config, {}, {})
        )


def test_a_modify_already_in_place_counts_as_done():
    old = generate(cluster(), [server("web")], Options("veritas")).config
    snap = P.Snapshot(old, {}, {})
    same = ["hares", "-modify", "web_ctr", "Memory", "2048m"]
    other = ["hares", "-modify", "web_ctr", "Memory", "4096m"]
    assert snap.verdict(P.Step("command", same, "", done=[["noop", same]])) == "done"
    assert snap.verdict(P.Step("command", other, "", done=[["noop", other]])) == ""
    snap.after(P.Step("command", other, ""))
    assert snap.verdict(P.Step("command", other, "", done=[["noop", other]])) == "done"


def test_confirmation(monkeypatch):
    plan = P.Plan(
        "apply", steps=[P.Step("command", ["hagrp", "-offline", "g", "-any"], "", stops=True)]
    )
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(P.PlanRefused, match="confirm at a terminal, or pass --yes"):
        P.confirm(plan, yes=False)
    P.confirm(plan, yes=True)
    with pytest.raises(P.PlanRefused, match="not confirmed"):
        P.confirm(plan, yes=False, ask=lambda q: "n")
    P.confirm(plan, yes=False, ask=lambda q: "y")
    wide = P.Plan(
        "apply",
        steps=[
            P.Step(
                "command",
                ["haclus", "-modify", "Statistics", "Enabled"],
                "",
                confirm="cluster-wide",
            )
        ],
    )
    asked = []
    P.confirm(wide, yes=False, ask=lambda q: asked.append(q) or "y")
    assert "cluster-wide" in asked[0]
    quiet = P.Plan("apply", steps=steps(["hagrp", "-modify", "g", "Priority", "1"]))
    P.confirm(quiet, yes=False)  # nothing stops: nothing to ask


def test_plans_survive_the_journal():
    plan = P.Plan(
        "apply",
        steps=[P.wait_step("hares", "r", "n1", "ONLINE")],
        notes=["n"],
        undo={"kind": "config"},
    )
    again = P.Plan.from_json(plan.to_json())
    assert again == plan


# -- apply's phases -------------------------------------------------------------------


def view_of(config, up=None, res_up=None):
    v = ClusterView(config, "/nonexistent/main.cf")
    v.group_states = {g: {s: "ONLINE" for s in systems} for g, systems in (up or {}).items()}
    v._resource_states = {
        r: {s: "ONLINE" for s in systems} for r, systems in (res_up or {}).items()
    }
    v._system_states = {}
    return v


def build(old_servers, new_servers, up=None, res_up=None, **kw):
    old = generate(cluster(), old_servers, Options("veritas")).config
    new = generate(cluster(), new_servers, Options("veritas")).config
    planner = ApplyPlanner(view_of(old, up, res_up), new, **kw)
    return planner.build()


def lines(plan):
    return [s.line() for s in plan.steps]


def test_a_removal_stops_the_groups_parents_first_before_deleting():
    servers = [server("db", address="10.0.0.2"), server("app", dependencies=[dep("db")])]
    up = {"app": ["n1"], "app_storage": ["n1", "n2"], "db": ["n1"], "db_storage": ["n1"]}
    plan = build(servers, servers[:1], up=up)
    got = lines(plan)
    first = got.index("hagrp -offline app -sys n1")
    assert got[first + 1].startswith("wait until group app is OFFLINE on n1")
    assert first < got.index("hagrp -offline app_storage -sys n1")
    assert got.index("hagrp -offline app_storage -sys n2") < got.index("hagrp -unlink app db")
    assert got.index("hagrp -unlink app db") < got.index("hagrp -delete app")
    assert all(s.stops for s in plan.steps if "-offline" in s.argv)
    assert "hagrp -offline db -sys n1" not in got  # db stays, running


def test_a_changed_port_is_an_ordered_restart_of_that_resource():
    from vxha.profiles import Port

    old = [server("web")]
    new = [server("web", ports=[Port(8080, 80, "tcp"), Port(8443, 443, "tcp")])]
    up = {"web": ["n2"], "web_storage": ["n1", "n2", "n3"]}
    plan = build(old, new, up=up, res_up={"web_pf": ["n2"], "web_ctr": ["n2"], "web_ip": ["n2"]})
    assert [x for x in lines(plan) if not x.startswith("wait")] == [
        "hares -offline web_pf -sys n2",
        "hares -modify web_pf Ports 8080/tcp 80 8443/tcp 443",
        "hares -online web_pf -sys n2",
    ]
    assert plan.steps[0].what.endswith("restarted below: Ports changed")


def test_a_storage_restart_stops_the_container_group_on_that_system_first():
    from vxha.profiles import Mount

    old = [server("web")]
    more = server("web").mounts + [Mount("logs", "webdg", "logs", "/vx/web/logs", "/logs", "log")]
    up = {"web": ["n2"], "web_storage": ["n1", "n2", "n3"]}
    res_up = {
        "web_dg_webdg": ["n1", "n2", "n3"],
        "web_mnt_data": ["n1", "n2", "n3"],
        "web_ctr": ["n2"],
        "web_pf": ["n2"],
        "web_ip": ["n2"],
    }
    plan = build(old, [server("web", mounts=more)], up=up, res_up=res_up)
    got = lines(plan)
    assert got.index("hagrp -offline web -sys n2") < got.index(
        "hares -offline web_mnt_data -sys n2"
    )
    assert got.index("hares -offline web_mnt_data -sys n2") < got.index(
        "hares -offline web_dg_webdg -sys n2"
    )
    assert got.index("hares -online web_dg_webdg -sys n2") < got.index("hagrp -online web -sys n2")
    assert "hares -online web_mnt_logs -sys n1" in got


def test_an_admins_group_on_a_storage_group_this_plan_stops_is_refused():
    """A group vxha does not own is never stopped by vxha: one that requires (online local,
    not soft) a vxha group the plan stops there is refused, naming it, before any change."""
    from vxha.profiles import Mount
    from vxha.vcs_types.model import Group, GroupDep

    more = server("web").mounts + [Mount("logs", "webdg", "logs", "/vx/web/logs", "/logs", "log")]
    old = generate(cluster(), [server("web")], Options("veritas")).config
    reports = Group("reports", attrs={"SystemList": {"n1": 0}})
    reports.deps.append(GroupDep("web_storage", "online", "local", "firm"))
    old.groups.append(reports)
    new = generate(cluster(), [server("web", mounts=more)], Options("veritas")).config
    up = {"web_storage": ["n1", "n2", "n3"], "reports": ["n1"]}
    res_up = {"web_dg_webdg": ["n1", "n2", "n3"], "web_mnt_data": ["n1", "n2", "n3"]}
    with pytest.raises(P.PlanRefused) as refused:
        ApplyPlanner(view_of(old, up, res_up), new).build()
    assert str(refused.value) == (
        "group reports (not vxha's) requires group web_storage local firm, which this plan "
        "stops on n1: stop reports first (hagrp -offline reports -sys n1), run this again, "
        "then start it again (hagrp -online); nothing was changed"
    )


def test_too_many_removals_or_every_server_is_refused():
    servers = [server(n, address=f"10.0.0.{i}") for i, n in enumerate("abcde", 1)]
    with pytest.raises(P.PlanRefused, match="removes 4 servers"):
        build(servers, servers[:1])
    with pytest.raises(P.PlanRefused, match="removes every server"):
        build(servers[:2], [])
    assert build(servers, servers[:1], force=True).summary.startswith("vxha apply: removes")
    build(servers, servers[:2], max_removals=3)


def test_a_system_a_group_runs_on_is_not_dropped_from_its_system_list():
    old = [server("web")]
    new = [server("web", systems=["n1", "n2"])]
    with pytest.raises(P.PlanRefused, match="group web runs on n3.*hagrp -switch web -to n1"):
        build(old, new, up={"web": ["n3"], "web_storage": ["n1", "n2", "n3"]})
    plan = build(old, new, up={"web": ["n1"], "web_storage": ["n1", "n2"]})
    assert "hagrp -modify web SystemList n1 0 n2 1" in lines(plan)


def test_system_lists_written_without_numbers_are_numbered_as_vcs_numbers_them():
    # { c, a = 2, b }: an entry without a number gets the previous one's + 1, the first 0
    # (VCS 4.1 User's Guide, "SystemList Attribute")
    config = cf.parse("cluster x (\n\t)\n\ngroup g (\n\tSystemList = { c, a = 2, b }\n\t)\n")
    view = ClusterView(config, "", None)
    assert view.systems_of("g") == ["c", "a", "b"]
    assert displayed_system_list("n1 0 n2 1") == {"n1": 0, "n2": 1}
    assert displayed_system_list("n2 n1") == {"n2": 0, "n1": 1}
    assert displayed_system_list("") == {}


@pytest.mark.parametrize(
    "argv, state, goes_on",
    [
        # VCS started the new group itself once probed, or it is starting
        ("hagrp -online g -sys n1", "ONLINE", True),
        ("hagrp -online g -sys n1", "OFFLINE|STARTING", True),
        ("hagrp -online g -any", "ONLINE", True),
        # someone took it offline meanwhile
        ("hagrp -offline g -sys n1", "OFFLINE", True),
        ("hares -online r -sys n1", "ONLINE", True),
        # refused for another reason: the plan stops
        ("hagrp -online g -sys n1", "OFFLINE|FAULTED", False),
        ("hagrp -online g -sys n2", "ONLINE", False),  # up elsewhere is not up there
        ("hagrp -offline g -sys n1", "ONLINE", False),
    ],
)
def test_an_online_or_offline_refused_because_it_is_already_there_goes_on(
    journal, argv, state, goes_on
):
    """A group created by commands may be started by VCS itself once probed (published
    transcripts: docs/operations.md, Plans): the plan's own -online is then refused, and the
    wait that follows decides instead of the refusal stopping the plan."""
    name = argv.split()[2]
    e = Engine(fail={argv}, states={(name, "n1"): state})
    plan = P.Plan("apply", steps(argv.split(), ["hagrp", "-modify", "g", "Priority", "1"]))
    if goes_on:
        P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
        assert e.changes()[-2:] == ["hagrp -modify g Priority 1", "haconf -dump -makero"]
    else:
        with pytest.raises(P.PlanStopped):
            P.Runner(HaClient(e), journal, out=lambda *_: None).run(plan)
        assert "hagrp -modify g Priority 1" not in e.changes()
