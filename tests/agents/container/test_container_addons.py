"""Add-ons, hotfixes and image identity through the installed launchers, on the fake driver
(docs/container.md "Add-ons and hotfixes", "Image identity")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from container_engines import BUSYBOX
from container_helpers import DECL, Agent

from vxha.agents.drivers.docker_fake import FakeDocker
from vxha.agents.framework import Context, build_argv

PLUGIN = "nbu-s3-plugin:1.0"
HOTFIX_1 = "nbu-hotfix-1:1"
HOTFIX_2 = "nbu-hotfix-2:2"
PARENT = {"vxos.image.type": "nbu", "vxos.image.version": "10.3"}


def identity(ident, version, parent="nbu"):
    return {"vxos.image.type": ident, "vxos.image.version": version, "vxos.parent.type": parent}


@pytest.fixture
def images(fake):
    """The parent image and an add-on and two hotfixes, each with its labels and VOLUME."""
    fake.add_image(BUSYBOX, labels=PARENT)
    fake.add_image(PLUGIN, labels=identity("nbu-s3-plugin", "1.0"), volumes=["/opt/plugins/s3"])
    fake.add_image(HOTFIX_1, labels=identity("nbu-hotfix-1", "1"), volumes=["/opt/hotfix/1"])
    fake.add_image(HOTFIX_2, labels=identity("nbu-hotfix-2", "2"), volumes=["/opt/hotfix/2"])
    return fake


def addon_agent(fake_agent, **values):
    values.setdefault("Labels", dict(PARENT))
    values.setdefault("AddOns", [f"{PLUGIN} /opt/plugins/s3"])
    return fake_agent(**values)


def containers(fake):
    return fake.state.read().get("containers", {})


def data_containers(fake):
    return {n: c for n, c in containers(fake).items() if c.get("volume")}


def test_round_trip(images, fake_agent):
    # Hotfixes listed out of order: they apply in version order, after the add-ons.
    a = addon_agent(fake_agent, Hotfixes=[f"{HOTFIX_2} /opt/hotfix/2", f"{HOTFIX_1} /opt/hotfix/1"])
    r = a.online()
    assert r.code == 0, r
    name = a.resource
    order = [f"{name}.addon.nbu-s3-plugin", f"{name}.hotfix.nbu-hotfix-1",
             f"{name}.hotfix.nbu-hotfix-2"]  # fmt: skip
    assert containers(images)[name]["spec"]["volumes_from"] == order
    for n in order:
        c = containers(images)[n]
        assert c["labels"]["vxha.resource"] == name
        assert c["labels"]["vxha.type"] in ("Container.addon", "Container.hotfix")
    assert containers(images)[order[0]]["spec"] == {"image": PLUGIN, "data_path": "/opt/plugins/s3"}
    assert "receives nbu-s3-plugin:1.0 at /opt/plugins/s3" in r.out
    assert a.monitor().code == 110
    assert a.offline().code == 0
    assert containers(images) == {} and images.volumes() == {}
    assert a.online().code == 0
    assert a.clean().code == 0
    assert containers(images) == {} and images.volumes() == {}


def test_clean_removes_them_with_reuse_too(images, fake_agent):
    a = addon_agent(fake_agent, Reuse=1)
    assert a.online().code == 0
    assert a.offline().code == 0  # Reuse: the stopped container and its data containers stay
    assert set(data_containers(images)) == {f"{a.resource}.addon.nbu-s3-plugin"}
    first = containers(images)[a.resource]["id"]
    assert a.online().code == 0
    assert containers(images)[a.resource]["id"] == first  # reused, add-on and all
    assert a.clean().code == 0
    assert containers(images) == {} and images.volumes() == {}


def test_a_changed_add_on_replaces_a_reused_container(images, fake_agent):
    images.add_image("nbu-s3-plugin:1.1", labels=identity("nbu-s3-plugin", "1.1"))
    a = addon_agent(fake_agent, Reuse=1)
    assert a.online().code == 0 and a.offline().code == 0
    first = containers(images)[a.resource]["id"]
    assert a.online(AddOns=["nbu-s3-plugin:1.1 /opt/plugins/s3"]).code == 0
    assert containers(images)[a.resource]["id"] != first
    data = containers(images)[f"{a.resource}.addon.nbu-s3-plugin"]
    assert data["image"] == "nbu-s3-plugin:1.1"
    assert len(images.volumes()) == 1  # the old copy went with its data container


def test_a_data_container_that_stays_does_not_fail_clean(images, fake_agent):
    """The container is gone: clean says 0 (a failed clean would keep the group from failing
    over), warns of the data container, and the next online here replaces it."""
    a = addon_agent(fake_agent)
    assert a.online().code == 0
    data = f"{a.resource}.addon.nbu-s3-plugin"
    images.stick_removal(data)
    r = a.clean()
    assert r.code == 0, r
    assert "is gone, but not all its data containers" in r.out and data in r.out
    assert set(containers(images)) == {data}
    assert a.online().code == 1  # still stuck: online cannot put a fresh one in its place
    assert a.resource not in containers(images)
    images.stick_removal(data, False)
    assert a.online().code == 0
    assert containers(images)[data]["state"] != "removing"


def test_clean_leaves_the_data_containers_while_the_container_stays(images, fake_agent):
    """Their volumes are mounted in it: removing them then would only strand the volumes."""
    a = addon_agent(fake_agent)
    assert a.online().code == 0
    images.stick_removal(a.resource)
    assert a.clean().code == 1
    assert f"{a.resource}.addon.nbu-s3-plugin" in containers(images)
    images.stick_removal(a.resource, False)
    assert a.clean().code == 0
    assert containers(images) == {} and images.volumes() == {}


def test_what_an_earlier_configuration_left_is_removed(images, fake_agent):
    """Found by their labels, not by today's AddOns: an add-on dropped from the resource
    while it ran still goes at offline."""
    a = addon_agent(fake_agent)
    assert a.online().code == 0
    assert a.offline(AddOns=[]).code == 0
    assert containers(images) == {} and images.volumes() == {}


def test_a_failover_carries_them(images, fake_agent, tmp_path, agent_root):
    a = addon_agent(fake_agent)
    assert a.online().code == 0
    other = tmp_path / "n2"
    other.mkdir()
    env = dict(images.env, VXHA_NODE_DIR=str(other))
    n2 = FakeDocker(Context(env))
    n2.add_image(BUSYBOX, labels=PARENT)
    n2.add_image(PLUGIN, labels=identity("nbu-s3-plugin", "1.0"), volumes=["/opt/plugins/s3"])
    b = Agent(agent_root, env, a.resource, a.values)
    assert a.clean().code == 0  # the first system failed
    assert b.online().code == 0
    assert containers(images) == {}
    on_n2 = n2.state.read()["containers"]
    assert set(on_n2) == {a.resource, f"{a.resource}.addon.nbu-s3-plugin"}


def test_a_foreign_container_holding_the_name_is_never_touched(images, fake_agent):
    a = addon_agent(fake_agent)
    name = f"{a.resource}.addon.nbu-s3-plugin"
    images.run_foreign(name, BUSYBOX)
    r = a.online()
    assert r.code == 1 and "attribute AddOns" in r.out and "not created by vxha" in r.out
    assert a.resource not in containers(images)  # refused before anything was created
    for ep in ("offline", "clean"):
        assert a.run(ep, reason=4 if ep == "clean" else None).code == 0
    c = containers(images)[name]
    assert c["state"] == "running" and c["labels"] == {}


def test_a_failed_online_removes_them(images, fake_agent):
    a = addon_agent(fake_agent)
    (images.node / "faults.json").write_text(json.dumps({"docker.start": {"mode": "error"}}))
    r = a.online()
    assert r.code == 1
    assert containers(images) == {} and images.volumes() == {}


def test_a_missing_add_on_image(images, fake_agent):
    a = addon_agent(fake_agent, AddOns=["nbu-nfs-plugin:2 /opt/plugins/nfs"])
    r = a.online()
    assert r.code == 1 and "attribute AddOns: image nbu-nfs-plugin:2 is not present" in r.out
    assert containers(images) == {}
    images.add_registry_image("nbu-nfs-plugin:2")
    assert a.online(AllowPull=1).code == 0


REFUSED = [
    ("the image is another type", BUSYBOX, {"vxos.image.type": "dedup"}, "Image",
     "image local/busybox:1 says vxos.image.type=dedup, but the resource's Labels expect "
     "vxos.image.type=nbu"),
    ("the image is another version", BUSYBOX, dict(PARENT, **{"vxos.image.version": "10.2"}),
     "Image", "says vxos.image.version=10.2, but the resource's Labels expect "
     "vxos.image.version=10.3"),
    ("the add-on is another image", PLUGIN, identity("nbu-nfs-plugin", "1.0"), "AddOns",
     "add-on image nbu-s3-plugin:1.0 says vxos.image.type=nbu-nfs-plugin, but AddOns expect "
     "vxos.image.type=nbu-s3-plugin"),
    ("the add-on is another version", PLUGIN, identity("nbu-s3-plugin", "0.9"), "AddOns",
     "says vxos.image.version=0.9, but AddOns expect vxos.image.version=1.0"),
    ("the add-on extends another type", PLUGIN, identity("nbu-s3-plugin", "1.0", "dedup"),
     "AddOns", "says vxos.parent.type=dedup, but it is attached to a container of image type "
     "nbu"),
]  # fmt: skip


@pytest.mark.parametrize("why,ref,labels,attr,text", REFUSED, ids=[r[0] for r in REFUSED])
def test_an_image_contradicting_its_name_is_refused(images, fake_agent, why, ref, labels,
                                                    attr, text):  # fmt: skip
    volumes = ["/opt/plugins/s3"] if ref == PLUGIN else []
    images.add_image(ref, labels=labels, volumes=volumes)
    a = addon_agent(fake_agent)
    r = a.online()
    assert r.code == 1, r
    assert f"attribute {attr}: " in r.out and text in r.out, r.out
    assert containers(images) == {}  # nothing created


def test_an_add_on_whose_volume_is_elsewhere_is_refused(images, fake_agent):
    a = addon_agent(fake_agent, AddOns=[f"{PLUGIN} /opt/s3"])
    r = a.online()
    assert r.code == 1
    assert "declares its files at /opt/plugins/s3 (VOLUME), but AddOns expects /opt/s3" in r.out


def test_an_unlabelled_image_is_accepted_and_said_once(images, fake_agent):
    images.add_image(BUSYBOX)  # no labels at all
    a = addon_agent(fake_agent)
    r = a.online()
    assert r.code == 0
    assert "image local/busybox:1 has no label vxos.image.type, vxos.image.version" in r.out
    assert "accepted" in r.out
    assert a.offline().code == 0
    r = a.online()
    assert r.code == 0 and "has no label" not in r.out


def test_no_expectation_checks_nothing_of_the_main_image(images, fake_agent):
    images.add_image(BUSYBOX, labels={"vxos.image.type": "dedup"})
    a = fake_agent()  # written by hand: no vxos labels, no add-ons
    assert a.online().code == 0


BAD = [
    (["nbu-s3-plugin /opt/plugins/s3"], "AddOns", "is not '<image id>:<version> <container"),
    (["nbu-s3-plugin:1.0"], "AddOns", "is not '<image id>:<version> <container"),
    (["Nbu:1.0 /opt/x"], "AddOns", "is not '<image id>:<version> <container"),
    (["nbu-s3-plugin:1.0 opt/x"], "AddOns", "container path 'opt/x' is not an absolute path"),
    (["nbu-s3-plugin:1.0 /"], "AddOns", "its container path is '/'"),
    (["nbu-s3-plugin:1.0 /opt/x BAD:REF:x"], "AddOns", "is not an image reference"),
    (["nbu-s3-plugin:1.0 /opt/x", "nbu-s3-plugin:1.1 /opt/y"], "AddOns", "named twice"),
    (["nbu-s3-plugin:1.0 /data"], "AddOns", "'/data' of nbu-s3-plugin is also in Mounts"),
    (["a:1 /opt/x", "b:1 /opt/x"], "AddOns", "'/opt/x' of b is also in AddOns"),
]


@pytest.mark.parametrize("entries,attr,text", BAD, ids=[b[2] for b in BAD])
def test_bad_input(images, fake_agent, entries, attr, text):
    a = addon_agent(fake_agent, AddOns=entries, Mounts={"/vx/web/data": "/data"})
    for ep, code in (("online", 1), ("monitor", 99), ("offline", 1), ("clean", 1)):
        r = a.run(ep, reason=4 if ep == "clean" else None)
        assert r.code == code, (ep, r)
        assert f"attribute {attr}: " in r.out and text in r.out, r.out
    assert containers(images) == {}


def test_hotfix_bad_input_names_its_attribute(images, fake_agent):
    a = addon_agent(fake_agent, Hotfixes=["nbu-hotfix-1:1 /opt/plugins/s3"])
    r = a.monitor()
    assert r.code == 99 and "attribute Hotfixes: container path '/opt/plugins/s3'" in r.out


def test_monitor_never_imports_the_add_on_code(images, fake_agent):
    """Add-on work belongs to online, offline and clean: monitor stays as light as before."""
    a = addon_agent(fake_agent)
    assert a.online().code == 0
    argv = build_argv(DECL, a.resource, a.values, "monitor", aep_timeout=10)
    code = (
        "import sys\nfrom vxha.agents.framework import execute\n"
        "print('exit', execute('Container', 'monitor', sys.argv[1:]).code)\n"
        "print('modules', *sorted(m for m in sys.modules if m.startswith('vxha')))\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code, *argv], env=a.env,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    lines = proc.stdout.splitlines()
    assert "exit 110" in lines
    modules = next(line for line in lines if line.startswith("modules ")).split()
    assert "vxha.agents.container" in modules
    assert "vxha.agents.container_addons" not in modules
    assert "vxha.agents.container_identity" not in modules
