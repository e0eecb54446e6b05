"""A new admin's site, as README.md and docs/operations.md tell it: the installer's cluster
(fixtures/installed), server profiles of the admin's own (names unlike the examples'), and
what such an admin runs, or runs wrong. Each test pins a place where the documented command
did not do what its doc says."""

from __future__ import annotations

import io
import os
import types
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from ops_cluster import Cluster

from vxha.generators import ownership
from vxha.generators import plan as P
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf

FIX = Path(__file__).parent / "fixtures" / "installed"
IMAGES = os.path.join(EXAMPLES, "images")

WIKI = """\
schema: 1.0.0
kind: server
name: wiki1
image: authsvc
image_version: "3.4"
application: service
hostname: wiki1.corp.example
address: 10.200.0.101/24
mounts:
  - {{name: config, diskgroup: wikidg, volume: cfg}}
  - {{name: data, diskgroup: wikidg, volume: pages{data}}}
admin_email: wiki@corp.example
"""


def profile(folder: Path, data: str = "") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "wiki1.yaml"
    path.write_text(WIKI.format(data=data))
    return path


def generated_text(folder: Path) -> str:
    return generate_from_files(str(FIX / "cluster.yaml"), [str(folder / "wiki1.yaml")],
                               image_root=IMAGES).text  # fmt: skip


@pytest.fixture
def site(tmp_path):
    c = Cluster(tmp_path, str(FIX / "main.cf"))
    profile(c.profiles)
    new = tmp_path / "new.cf"
    new.write_text(generated_text(c.profiles))
    yield c, str(new)
    c.stop()


def ok(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    return proc


def test_server_help_is_help():
    """README.md: `vxha COMMAND --help` for each command; --help exits 0 (argparse's rule,
    which every other command follows). `vxha server --help` answered a usage error, 2."""
    from vxha.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["server", "--help"])
    assert code == 0, err.getvalue()
    assert "vxha server new" in out.getvalue() and "--type" in out.getvalue()


@pytest.mark.slow
def test_resume_starts_again_what_a_failed_wait_waited_for(site):
    """docs/operations.md, Plans: after a stop, --resume finishes the plan. A new server's
    volume not yet created: its storage group faults and the apply stops at the wait after
    `hagrp -online`. The admin creates the volume, clears the fault and resumes: the resume
    must start the group again (it used to wait 300 s on a group nobody started)."""
    c, new = site
    first = c.vxha("apply", new, "--yes")
    assert first.returncode == 1 and "wait until group wiki1_storage" in first.stderr
    assert "vxha apply --resume" in first.stderr
    c.provision(new)
    for s in ("n1", "n2", "n3"):
        c.run("hagrp", "-clear", "wiki1_storage", "-sys", s)
    ok(c.vxha("apply", "--resume", "--yes"))
    assert c.online_on("wiki1_storage") == ["n1", "n2", "n3"]
    assert len(c.online_on("wiki1")) == 1
    assert "already matches" in ok(c.vxha("apply", new, "--yes")).stdout


def test_retry_moves_marks_the_move_before_an_unfinished_wait():
    """The rule itself: a wait not done whose -online/-offline of the same object ran gets
    that command again; a wait already done, or one after something else, does not."""
    steps = P.online_steps("hagrp", "g", "n1", "starts g") + P.offline_steps(
        "hares", "r", "n2", "stops r"
    )
    plan = P.Plan("apply", steps)
    status = ["done", "failed", "done", "done"]
    P.retry_moves(plan, status)
    assert status == ["pending", "failed", "done", "done"]
    status = ["done", "done", "done", "pending"]
    P.retry_moves(plan, status)
    assert status == ["done", "done", "pending", "pending"]


@pytest.mark.slow
def test_delete_undo_after_maintenance(site):
    """docs/operations.md, vxha delete: `--undo` restores the groups where they ran and the
    profile. `maintenance off` leaves UserStrLocal localized and empty on each system (no
    record); a delete of such a server could not be undone ("refusing to change what vxha
    does not own: UserStrLocal")."""
    c, new = site
    c.provision(new)
    ok(c.vxha("apply", new, "--yes"))
    ok(c.vxha("maintenance", "on", "wiki1", "--yes"))
    ok(c.vxha("maintenance", "off", "wiki1", "--yes"))
    where = c.online_on("wiki1")
    ok(c.vxha("delete", "wiki1", "--keep-data", "--yes"))
    assert "wiki1" not in c.groups() and not (c.profiles / "wiki1.yaml").exists()
    ok(c.vxha("delete", "--undo", "--yes"))
    assert c.online_on("wiki1") == where
    assert (c.profiles / "wiki1.yaml").exists()
    assert "already matches" in ok(c.vxha("apply", new, "--yes")).stdout


@pytest.mark.parametrize(
    "data, clash",
    [
        (", host_path: /ora", "MountPoint /ora of resource wiki1_mnt_data"),
        (", host_path: /ora/pages", "MountPoint /ora/pages of resource wiki1_mnt_data"),
        (", host_path: /shared/wiki", "with /shared of resource cfsmount1 in group cfsshared"),
        ("", None),
    ],
)
def test_a_mount_of_the_admins_is_not_taken(tmp_path, data, clash):
    """What vxha owns: a server's mount point at or inside a mount point of a resource vxha
    does not own (the admin's Mount /ora, the CFS mount /shared) is refused before any
    command, as a name taken is."""
    profile(tmp_path, data)
    current = cf.parse_file(str(FIX / "main.cf"))
    tgt = ownership.target(current, cf.parse(generated_text(tmp_path)))
    found = [p for p in tgt.problems if "conflicts with" in p]
    if clash is None:
        assert not found
    else:
        assert any(clash in p and "not vxha's" in p for p in found), tgt.problems


def test_a_block_device_of_the_admins_is_not_taken(tmp_path):
    """The same for the volume itself: the admin's Mount ora_mnt mounts oradg/oravol."""
    folder = tmp_path / "p"
    profile(folder)
    path = folder / "wiki1.yaml"
    path.write_text(path.read_text().replace("diskgroup: wikidg, volume: pages",
                                             "diskgroup: oradg, volume: oravol"))  # fmt: skip
    current = cf.parse_file(str(FIX / "main.cf"))
    tgt = ownership.target(current, cf.parse(generated_text(folder)))
    assert any(
        "BlockDevice /dev/vx/dsk/oradg/oravol" in p and "ora_mnt in group oradb" in p
        for p in tgt.problems
    ), tgt.problems


@pytest.mark.parametrize("froze", [True, False])
def test_maintenance_message_says_what_vcs_does(monkeypatch, froze):
    """docs/operations.md, "Disabling is not enough: the freeze": disabled, VCS neither
    brings the group online nor fails it over there, and still monitors it; frozen, it
    takes no action. The message to the server's admin said VCS no longer monitors it."""
    from vxha.cli import ops_cmd

    steps = [P.Step("command", ["hagrp", "-disable", "wiki1", "-sys", "n1"], "x")]
    if froze:
        steps.insert(0, P.Step("command", ["hagrp", "-freeze", "wiki1", "-persistent"], "x"))
    plan = P.Plan("maintenance", steps)
    group = types.SimpleNamespace(attrs={"UserStrGlobal": "vxha:server=wiki1;notify=a@b.c"})
    view = types.SimpleNamespace(group=lambda name: group)
    args = types.SimpleNamespace(server="wiki1", action="on", reason="")
    ops_cmd._tell_maintenance(plan, view, args)
    body = plan.steps[-1].argv[-1]
    assert "monitors" not in body.replace("still monitors it", "")
    assert "does not bring it online or fail it over there" in body
    assert ("still monitors it but takes no action" in body) == froze


@pytest.mark.slow
def test_sim_provision_readies_what_apply_adds(site):
    """docs/simulator.md, Use: the simulator readies only the configuration it starts with;
    `vxha sim provision NEW --run-dir DIR` loads the images and creates the CFS volumes of
    the servers apply adds later, as an admin does on a node, keeping the data already
    on a volume. With it a first apply of a new server comes online."""
    c, new = site
    bad = c.vxha("sim", "provision", new, "--run-dir", str(c.tmp / "nowhere"))
    assert bad.returncode == 2 and "not a simulator's run directory" in bad.stderr
    assert (
        c.vxha("sim", "provision", str(c.tmp / "none.cf"), "--run-dir", c.run_dir).returncode == 2
    )
    out = ok(c.vxha("sim", "provision", new, "--run-dir", c.run_dir)).stdout
    assert "1 image(s) loaded and 2 volume(s) created on n1, n2, n3" in out
    ok(c.vxha("apply", new, "--yes"))
    assert c.online_on("wiki1_storage") == ["n1", "n2", "n3"] and len(c.online_on("wiki1")) == 1
    (volume,) = Path(c.run_dir).glob("**/cfs/dev_vx_dsk_wikidg_pages")
    (volume / "page").write_text("the admin's data")
    ok(c.vxha("sim", "provision", new, "--run-dir", c.run_dir))
    assert (volume / "page").read_text() == "the admin's data"


def test_ctrl_c_stops_a_plan_as_a_failure_does(tmp_path):
    """docs/operations.md, Plans 4: a plan that stops saves and closes the configuration and
    says how to go on. Ctrl-C in the middle of a session left it open (.stale), and the
    resume it did not offer was refused as someone's session."""
    from vxha.generators.hacli import HaClient

    ran, writable = [], [False]

    def engine(argv, timeout):
        ran.append(" ".join(argv))
        if argv == ["hares", "-delete", "b"]:
            raise KeyboardInterrupt
        if argv == ["haconf", "-makerw"]:
            writable[0] = True
        if argv[:2] == ["haconf", "-dump"]:
            writable[0] = False
        return 0, "", ""

    plan = P.Plan("delete")
    plan.steps = [
        P.Step("command", ["hares", "-delete", r], "", session=True) for r in ("a", "b", "c")
    ]
    journal = P.Journal(str(tmp_path / "state"))
    with pytest.raises(P.PlanStopped) as info:
        P.Runner(HaClient(engine), journal, out=lambda *_: None).run(plan)
    text = str(info.value)
    assert "stopped at step 2 of 3: interrupted" in text
    assert "vxha delete --resume" in text and "vxha delete --undo" in text
    assert ran[-1] == "haconf -dump -makero" and not writable[0]
    data = journal.load()
    assert data["state"] == "stopped" and data["status"] == ["done", "failed", "pending"]


def test_apply_of_a_missing_file_names_it(tmp_path, monkeypatch):
    """An admin in the wrong directory: `vxha apply main.cf` names the file and why, as
    `vxha verify` and `generate` do, instead of Python's "[Errno 2] ..." wording."""
    from vxha.cli.main import main

    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["apply", "main.cf"])
    assert code == 1
    assert err.getvalue() == "vxha: main.cf: No such file or directory\n"


def test_a_missing_type_names_what_adds_it(tmp_path):
    """What vxha owns: a type the cluster lacks is refused with what fixes it. On SFHA (no
    CVM), after `vxha cluster add-types` the plan still lacked CVMVolDg, and the refusal told
    the admin to run add-types again, which never adds Veritas's types."""
    profile(tmp_path)
    current = cf.parse_file(str(FIX.parent / "variants" / "sfha.cf"))
    problems = ownership.target(current, cf.parse(generated_text(tmp_path))).problems
    (cvm,) = [p for p in problems if "no resource type CVMVolDg" in p]
    assert "add-types does not add it" in cvm and "CVMTypes.cf" in cvm
    (ours,) = [p for p in problems if "no resource type Container" in p]
    assert "(vxha cluster add-types)" in ours


WEB = """include "types.cf"
include "DummyTypes.cf"

cluster sim (
)

system n1 (
)

system n2 (
)

group web (
    SystemList = { n1 = 0, n2 = 1 }
    AutoStartList = { n1 }
    UserStrGlobal = "vxha:server=web"
)
    Dummy web_ip (
    )
    Dummy web_ctr (
    )
    web_ctr requires web_ip
"""


def test_why_of_a_partial_failover_group_names_only_what_works(tmp_path):
    """docs/operations.md, vxha why: each reason comes with the command that clears it. A
    failover group PARTIAL on n1 is online there for VCS, which refuses it on n2 (a
    concurrency violation: User's 5.0MP3 and Admin 6.0, the violation event trigger); why
    told the admin "VCS would place it on n2: hagrp -online web -sys n2", which VCS refuses.
    The PARTIAL reason's own command does bring it online."""
    import shlex

    from vxha.generators.hacli import HaClient
    from vxha.generators.why import why
    from vxha.simulator.api import Simulator

    sim = Simulator.from_text(WEB, tmp_path / "run")
    sim.start()
    sim.advance(300)
    sim.settle()
    assert sim.command(["hares", "-offline", "web_ctr", "-sys", "n1"])[0] == 0
    sim.settle()
    assert sim.group_state("web", "n1") == "PARTIAL"
    client = HaClient(runner=lambda argv, timeout: sim.command(argv))
    answer = why(client, "web")
    assert not answer.ok
    commands = [c for r in answer.reasons for c in r.clear]
    assert commands == ["hagrp -online web -sys n1"], [r.text for r in answer.reasons]
    assert sim.command(shlex.split(commands[0]))[0] == 0
    sim.settle()
    assert why(client, "web").ok


def test_sim_provision_loads_an_image_an_upgrade_moves_to(tmp_path):
    """docs/simulator.md, Use: `vxha sim provision --image REF --run-dir DIR` loads an image
    no configuration names yet (the version an upgrade moves to) on every system of the
    served configuration; without a main.cf or an image there is nothing to do: exit 2."""
    import shutil

    from vxha.cli.main import main
    from vxha.simulator.world import World

    conf = tmp_path / "run" / "conf"
    conf.mkdir(parents=True)
    for f in FIX.glob("*.cf"):
        shutil.copy(f, conf)
    run = str(tmp_path / "run")
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
        assert main(["sim", "provision", "--run-dir", run]) == 2
        assert "name a main.cf, or --image REF" in err.getvalue()
        assert main(["sim", "provision", "--image", "dedup:2.2", "--run-dir", run]) == 0
    world = World(run)
    for s in ("n1", "n2", "n3"):
        assert "dedup:2.2" in world.driver(s, "docker").state.read()["images"]
