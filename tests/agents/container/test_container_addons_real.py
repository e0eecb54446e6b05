"""Add-ons and hotfixes on the session's real engines, Docker and Podman: images built here
as an image developer builds them (``FROM scratch``, one file, a VOLUME, the labels)."""

from __future__ import annotations

import json

import pytest
from container_helpers import inspect_cli

pytestmark = pytest.mark.real

PLUGIN = "nbu-s3-plugin:1.0"
HOTFIX = "nbu-hotfix-10-3-1:1"
PARENT = {"vxos.image.type": "nbu", "vxos.image.version": "10.3"}


def build(engine):
    engine.build_addon(
        PLUGIN,
        {"/opt/plugins/s3/plugin.conf": "s3 plugin 1.0\n"},
        "/opt/plugins/s3",
        {"vxos.image.type": "nbu-s3-plugin", "vxos.image.version": "1.0",
         "vxos.parent.type": "nbu"},
    )  # fmt: skip
    engine.build_addon(
        HOTFIX,
        {"/opt/hotfixes/10.3.1/fix.txt": "hotfix 10.3.1\n"},
        "/opt/hotfixes/10.3.1",
        {"vxos.image.type": "nbu-hotfix-10-3-1", "vxos.image.version": "1",
         "vxos.parent.type": "nbu"},
    )  # fmt: skip


def agent(real, real_agent, **values):
    build(real)
    values.setdefault("Labels", dict(PARENT))
    values.setdefault("AddOns", [f"{PLUGIN} /opt/plugins/s3"])
    values.setdefault("Hotfixes", [f"{HOTFIX} /opt/hotfixes/10.3.1"])
    return real_agent(**values)


def names(engine):
    out = engine.docker("ps", "-a", "--format", "{{.Names}}").stdout.decode()
    return set(out.split())


def volumes(engine):
    return set(engine.docker("volume", "ls", "-q").stdout.decode().split())


def data_names(a):
    return {f"{a.resource}.addon.nbu-s3-plugin", f"{a.resource}.hotfix.nbu-hotfix-10-3-1"}


def test_files_read_only_at_their_paths_and_nothing_left(real, real_agent):
    a = agent(real, real_agent)
    before = volumes(real)
    r = a.online()
    assert r.code == 0, r
    assert data_names(a) <= names(real)
    show = real.docker("exec", a.resource, "cat", "/opt/plugins/s3/plugin.conf",
                       "/opt/hotfixes/10.3.1/fix.txt")  # fmt: skip
    assert show.stdout.decode() == "s3 plugin 1.0\nhotfix 10.3.1\n"
    write = real.docker("exec", a.resource, "touch", "/opt/plugins/s3/x", check=False)
    assert write.returncode != 0 and b"Read-only file system" in write.stderr
    assert a.monitor().code == 110
    assert a.offline().code == 0
    assert not data_names(a) & names(real) and volumes(real) == before
    assert a.online().code == 0
    assert a.clean().code == 0
    assert not (data_names(a) | {a.resource}) & names(real) and volumes(real) == before


def test_a_foreign_container_holding_the_name_survives(real, real_agent):
    a = agent(real, real_agent, Hotfixes=[])
    foreign = f"{a.resource}.addon.nbu-s3-plugin"
    real.docker("create", "--name", foreign, "local/busybox:1")
    r = a.online()
    assert r.code == 1 and "not created by vxha" in r.out and "attribute AddOns" in r.out
    assert inspect_cli(real, a.resource) is None  # refused before anything was created
    assert a.offline().code == 0
    assert a.clean().code == 0
    labels = json.loads(inspect_cli(real, foreign, "{{json .Config.Labels}}") or "null")
    assert inspect_cli(real, foreign) == "created" and not (labels or {}).get("vxha.resource")


def test_a_retagged_image_with_contradicting_labels_is_refused(real, real_agent):
    build(real)
    real.docker("tag", PLUGIN, "nbu-s3-plugin:2.0")  # version 1.0's files under 2.0's name
    a = agent(real, real_agent, AddOns=["nbu-s3-plugin:2.0 /opt/plugins/s3"], Hotfixes=[])
    r = a.online()
    assert r.code == 1
    assert (
        "add-on image nbu-s3-plugin:2.0 says vxos.image.version=1.0, but AddOns expect "
        "vxos.image.version=2.0: refused" in r.out
    ), r.out
    assert not ({a.resource} | data_names(a)) & names(real)


def test_a_container_image_saying_it_is_another_is_refused(real, real_agent):
    """The server's own image, retagged: its labels name another image type and version."""
    real.build_addon(
        "nbu-retagged:10.3",
        {"/opt/dedup/engine.conf": "dedup 2.0\n"},
        "/opt/dedup",
        {"vxos.image.type": "dedup", "vxos.image.version": "2.0"},
    )
    a = agent(real, real_agent, Image="nbu-retagged:10.3", AddOns=[], Hotfixes=[])
    r = a.online()
    assert r.code == 1
    assert (
        "attribute Image: image nbu-retagged:10.3 says vxos.image.type=dedup, but the "
        "resource's Labels expect vxos.image.type=nbu: refused" in r.out
    ), r.out
    assert a.resource not in names(real)
