"""The Container agent's actions (oneoff, exec): an image's lifecycle commands, through the
installed action launchers as VCS's agent framework runs them (``actions/<token>``), on
the fake driver and on both real engines with two images of one server."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from container_engines import BUSYBOX
from container_helpers import DECL

from vxha.agents.framework import build_argv

OLD, NEW = "local/lifecycle:1", "local/lifecycle:2"


def action(agent, token, *args, timeout=60, aep=10):
    """Run one action launcher with VCS's argv: (exit code, output)."""
    argv = build_argv(
        DECL, agent.resource, agent.values, "action", aep_timeout=aep, action_args=list(args)
    )
    exe = os.path.join(agent.bin, "actions", token)
    start = time.monotonic()
    proc = subprocess.run(
        [exe, *argv], env=agent.env, capture_output=True, text=True, timeout=timeout
    )
    action.elapsed = time.monotonic() - start
    return proc.returncode, proc.stdout


# -- fake tier -------------------------------------------------------------------------


def test_oneoff_runs_the_command_in_the_image_asked_with_the_servers_mounts_and_env(
    fake, fake_agent, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    fake.add_image(NEW)
    a = fake_agent(Mounts={str(data): "/data"}, Env={"SITE": "hq"})
    code, out = action(a, "oneoff", NEW, "20", "/opt/app/bin/pre-upgrade", "--check")
    assert code == 0, out
    assert "exited 0" in out
    (ran,) = fake.oneoffs()
    assert ran["image"] == NEW
    assert ran["command"] == "/opt/app/bin/pre-upgrade --check"
    assert ran["mounts"] == [{"source": str(data), "target": "/data", "read_only": False}]
    assert ran["env"] == {"SITE": "hq"}
    assert ran["labels"] == {"vxha.oneoff": a.resource}
    # removed afterwards; the resource's own container was never made
    assert fake.state.read().get("containers", {}) == {}


def test_a_word_escaped_for_hares_reaches_the_command_as_written(fake, fake_agent):
    fake.add_image(NEW)
    a = fake_agent()
    code, out = action(a, "oneoff", NEW, "20", "/opt/app/bin/pre-upgrade", "%--from", "2.1")
    assert code == 0, out
    (ran,) = fake.oneoffs()
    assert ran["command"] == "/opt/app/bin/pre-upgrade --from 2.1"


def test_oneoff_that_fails_fails_the_action_with_its_output(fake, fake_agent):
    fake.add_image(NEW)
    fake.set_run(NEW, "/bin/migrate", code=3, output="schema 7 unknown\n")
    a = fake_agent()
    code, out = action(a, "oneoff", NEW, "20", "/bin/migrate")
    assert code == 1
    assert "exited with 3" in out and "schema 7 unknown" in out
    assert fake.state.read().get("containers", {}) == {}


def test_oneoff_that_never_ends_is_killed_at_its_limit(fake, fake_agent):
    fake.add_image(NEW)
    fake.set_run(NEW, code=0, hang=True)
    a = fake_agent()
    code, out = action(a, "oneoff", NEW, "1", "sleep", "3600")
    assert code == 1
    assert "did not finish within 1 s" in out
    assert action.elapsed < 8
    assert fake.state.read().get("containers", {}) == {}


def test_oneoff_refuses_a_missing_image_and_bad_arguments(fake, fake_agent):
    a = fake_agent()
    code, out = action(a, "oneoff", NEW, "20", "true")
    assert code == 1 and f"image {NEW} is not present" in out
    code, out = action(a, "oneoff", NEW, "soon", "true")
    assert code == 1 and "not a positive number of seconds" in out
    code, out = action(a, "oneoff", NEW)
    assert code == 1 and "oneoff IMAGE SECONDS COMMAND" in out


def test_exec_runs_inside_the_running_container(fake, fake_agent):
    a = fake_agent()
    code, out = action(a, "exec", "20", "/bin/post-upgrade")
    assert code == 1 and "is not running here (absent)" in out
    assert a.online().code == 0
    fake.set_exec(a.resource, "/bin/post-upgrade", code=0, output="catalog migrated")
    code, out = action(a, "exec", "20", "/bin/post-upgrade")
    assert code == 0, out
    assert "catalog migrated" in out
    fake.set_exec(a.resource, "/bin/post-upgrade", code=2, output="no catalog")
    code, out = action(a, "exec", "20", "/bin/post-upgrade")
    assert code == 1 and "exited with 2: no catalog" in out
    assert fake.exec_log(a.resource) == ["/bin/sh -c /bin/post-upgrade"] * 2


# -- real tier: two images of one server ---------------------------------------------------


@pytest.fixture
def lifecycle_images(real):
    """Two busybox-based images, as an old and a new version of one server's image: each
    says which version it is in /etc/version."""
    for ref, version in ((OLD, "1"), (NEW, "2")):
        ctx = os.path.join(real.dir, f"build-lifecycle-{version}")
        os.makedirs(ctx, exist_ok=True)
        with open(os.path.join(ctx, "version"), "w") as f:
            f.write(f"{version}\n")
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(f'FROM {BUSYBOX}\nCOPY version /etc/version\nCMD ["/bin/sleep", "1000000"]\n')
        real.docker(
            "build", "-q", "-t", ref, ctx, env=dict(os.environ, DOCKER_BUILDKIT="0"), timeout=120
        )
    return OLD, NEW


@pytest.mark.real
def test_real_pre_command_in_the_new_image_post_command_in_the_new_container(
    real, real_agent, lifecycle_images, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    a = real_agent(Image=OLD, Mounts={str(data): "/data"}, Env={"SITE": "hq"})
    assert a.online().code == 0
    # pre: a one-off container of the new image, beside the old container, with the data
    code, out = action(
        a, "oneoff", NEW, "20", 'echo "pre $(cat /etc/version) $SITE" >> /data/steps'
    )
    assert code == 0, out
    assert (data / "steps").read_text() == "pre 2 hq\n"
    assert a.resource in real.docker("ps", "--format", "{{.Names}}").stdout.decode().split()
    assert f"{a.resource}-oneoff" not in real.docker("ps", "-a").stdout.decode()
    # the switch: the old container goes, the new image's comes
    assert a.offline().code == 0
    a.values["Image"] = NEW
    assert a.online().code == 0
    code, out = action(a, "exec", "20", 'echo "post $(cat /etc/version)" >> /data/steps')
    assert code == 0, out
    assert (data / "steps").read_text() == "pre 2 hq\npost 2\n"
    # a failing command fails the action and says why; the old image answers for itself
    code, out = action(a, "oneoff", OLD, "20", "cat /etc/version; exit 4")
    assert code == 1 and "exited with 4: 1" in out
    assert a.offline().code == 0


@pytest.mark.real
def test_real_oneoff_that_hangs_is_killed_and_removed(real, real_agent, lifecycle_images):
    a = real_agent(Image=OLD)
    code, out = action(a, "oneoff", NEW, "2", "sleep 600")
    assert code == 1 and "did not finish within 2 s: killed" in out
    assert action.elapsed < 9
    assert f"{a.resource}-oneoff" not in real.docker("ps", "-a").stdout.decode()
