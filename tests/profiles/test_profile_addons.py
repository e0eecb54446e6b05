"""Add-ons and hotfixes a server profile attaches (schema 1.2.0): every check, bad input,
and what compat answers (docs/profiles.md "Add-ons and hotfixes")."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from vxha.cli.main import main as cli
from vxha.profiles.compat import can_host, profile_chain
from vxha.profiles.model import AddOn, System

PLUGIN = {"image": "nbu-s3-plugin", "version": "1.0"}
HOTFIX = {"image": "nbu-hotfix-10-3-1", "version": "1"}


def messages(problems):
    return "\n".join(p.format() for p in problems)


def only(problems, text, file="nbu_media1.yaml"):
    found = [p for p in problems if text in p.message and p.file.endswith(file)]
    assert found, f"no problem mentions {text!r}:\n{messages(problems)}"
    return found[0]


def attach(ws, server="nbu_media1", **lists):
    return ws.edit(ws.server(server), lambda d: d.update(lists))


def resolved(ws, name="nbu_media1"):
    session = ws.validate()
    errors, _ = session.split()
    assert errors == [], messages(errors)
    return {s.name: s for s in session.servers()}[name]


def new_version(ws, image, version, **data):
    """Another version of an add-on or hotfix image, as its image developer writes it."""
    base = {"schema": "1.2.0", "id": image, "version": version, "type": "hotfix",
            "parent_types": ["nbu"], "volume": f"/opt/{image}"}  # fmt: skip
    base.update(data)
    (ws.images / image / f"{version}.yaml").write_text(json.dumps(base))


def test_the_example_server_receives_its_add_on_and_hotfix(ws):
    s = resolved(ws)
    assert s.addons == [
        AddOn("add-on", "nbu-s3-plugin", "1.0", "/opt/plugins/s3", "nbu-s3-plugin:1.0")
    ]
    assert s.hotfixes == [
        AddOn("hotfix", "nbu-hotfix-10-3-1", "1", "/opt/hotfixes/10.3.1", "nbu-hotfix-10-3-1:1")
    ]


def test_hotfixes_apply_in_version_order(ws):
    for version in ("2", "10"):
        new_version(ws, "nbu-hotfix-10-3-1", version, volume=f"/opt/hotfixes/v{version}")
    (ws.images / "nbu-fix-b").mkdir()
    (ws.images / "nbu-fix-b" / "display-name.txt").write_text("Another fix\n")
    new_version(ws, "nbu-fix-b", "3")
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: d["child_types"].append("nbu-fix-b"))

    def load(d):
        for system in d["systems"][:2]:
            system["images"] += ["nbu-hotfix-10-3-1:10", "nbu-fix-b:3"]

    ws.edit(ws.cluster, load)
    attach(ws, hotfixes=[{"image": "nbu-hotfix-10-3-1", "version": "10"},
                         {"image": "nbu-fix-b", "version": "3"}])  # fmt: skip
    assert [(h.image, h.version) for h in resolved(ws).hotfixes] == [
        ("nbu-fix-b", "3"),
        ("nbu-hotfix-10-3-1", "10"),  # 10 after 3: versions, not text
    ]


def test_a_registry_reference_is_carried(ws):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml",
            lambda d: d.update(reference="registry.local:5000/nbu/s3:1.0"))  # fmt: skip
    assert resolved(ws).addons[0].reference == "registry.local:5000/nbu/s3:1.0"


def test_unknown_image(ws):
    attach(ws, addons=[{"image": "nbu-nfs-plugin", "version": "1.0"}])
    p = only(ws.errors(), "unknown image 'nbu-nfs-plugin'")
    assert p.key_path == "addons[0].image" and "nbu-s3-plugin" in p.hint


@pytest.mark.parametrize(
    "key,entry,text,hint",
    [
        ("addons", HOTFIX, "is of type hotfix, not add-on", "list it under hotfixes"),
        ("hotfixes", PLUGIN, "is of type add-on, not hotfix", "list it under addons"),
        ("addons", {"image": "authsvc", "version": "3.4"}, "is of type application, not add-on",
         "only add-on images are attached here"),
    ],
)  # fmt: skip
def test_an_image_of_another_type(ws, key, entry, text, hint):
    attach(ws, **{"addons": [], "hotfixes": [], key: [entry]})
    p = only(ws.errors(), text)
    assert p.key_path == f"{key}[0].image" and p.hint == hint


def test_the_version_must_exist(ws):
    attach(ws, addons=[dict(PLUGIN, version="2.0")])
    p = only(ws.errors(), "image 'nbu-s3-plugin' has no version '2.0'")
    assert p.key_path == "addons[0].version" and p.hint == "known versions: 1.0"


def test_the_parent_type_is_the_servers_image_type(ws):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml", lambda d: d.update(parent_types=["dedup"]))
    p = only(ws.errors(), "add-on nbu-s3-plugin 1.0 extends dedup, not this server's image 'nbu'")
    assert p.key_path == "addons[0].image"


def test_the_application_must_accept_it(ws):
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: d.update(child_types=["nbu-s3-plugin"]))
    p = only(ws.errors(), "application 'media-net' of image 'nbu' does not accept hotfix")
    assert p.key_path == "hotfixes[0].image" and "child_types of image nbu" in p.hint


def test_an_application_narrows_or_widens_what_it_accepts(ws):
    app = ws.images / "nbu" / "applications" / "media-net.yaml"
    ws.edit(app, lambda d: d.update(schema="1.2.0", remove={"child_types": ["nbu-s3-plugin"]}))
    only(ws.errors(), "application 'media-net' of image 'nbu' does not accept add-on")
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: d.pop("child_types"))
    ws.edit(app, lambda d: d.pop("remove"))
    only(ws.errors(), "does not accept add-on 'nbu-s3-plugin'")
    ws.edit(app, lambda d: d["override"].update(child_types=["nbu-s3-plugin", "nbu-hotfix-10-3-1"]))
    assert resolved(ws).addons[0].image == "nbu-s3-plugin"


def test_removing_a_child_type_the_image_lacks(ws):
    app = ws.images / "nbu" / "applications" / "media-net.yaml"
    ws.edit(app, lambda d: d.update(schema="1.2.0", remove={"child_types": ["nbu-s3-plugn"]}))
    only(ws.errors(), "removes 'nbu-s3-plugn' from child_types, but image 'nbu' has no such",
         "media-net.yaml")  # fmt: skip


def test_an_add_on_without_a_volume(ws):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml", lambda d: d.pop("volume"))
    p = only(ws.errors(), "add-on nbu-s3-plugin 1.0 declares no volume")
    assert p.key_path == "addons[0]" and "add volume:" in p.hint


def test_an_attached_image_with_errors_is_reported_once_where_it_is(ws):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml", lambda d: d.update(volume="opt/x"))
    errors = ws.errors()
    only(errors, "'opt/x' is not absolute", "1.0.yaml")
    only(errors, "the profile of nbu-s3-plugin 1.0 has errors")


def test_attached_twice(ws):
    attach(ws, addons=[PLUGIN, PLUGIN])
    assert (
        only(ws.errors(), "image 'nbu-s3-plugin' is attached twice").key_path == "addons[1].image"
    )


@pytest.mark.parametrize(
    "volume,text",
    [
        ("/opt/plugins/s3", "its volume: '/opt/plugins/s3' is used twice"),
        ("/opt/plugins", "its volume: '/opt/plugins' and '/opt/plugins/s3' are nested"),
        ("/data/hotfix", "its volume: '/data/hotfix' and '/data' are nested"),
        ("/config", "its volume: '/config' is used twice"),
    ],
)
def test_two_claim_the_same_path(ws, volume, text):
    ws.edit(ws.images / "nbu-hotfix-10-3-1" / "1.yaml", lambda d: d.update(volume=volume))
    assert only(ws.errors(), text).key_path == "hotfixes[0]"


def test_not_loaded_on_a_system_that_may_host_the_server(ws):
    ws.edit(ws.cluster, lambda d: d["systems"][1]["images"].remove("nbu-hotfix-10-3-1:1"))
    p = only(ws.errors(), "hotfix nbu-hotfix-10-3-1:1 is not loaded on n2, which may host")
    assert p.key_path == "hotfixes[0]" and "leave those systems out" in p.hint
    attach(ws, systems=["n1"])
    assert ws.errors() == []
    # Checked against a cluster description: without one, nothing is known of the systems.
    ws.cluster.unlink()
    attach(ws, systems=["n1", "n2"])
    assert ws.errors() == []


def test_without_named_systems_those_lacking_the_image_are_no_hosts(ws):
    """n3 lacks the add-on but also nbu 10.2, so a 10.2 server without systems never runs
    there; n1 lacking the add-on is an error."""
    ws.edit(ws.server("nbu_media1"), lambda d: (d.pop("systems"), d.update(image_version="10.2")))
    assert ws.errors() == []
    ws.edit(ws.cluster, lambda d: d["systems"][0]["images"].remove("nbu-s3-plugin:1.0"))
    assert (
        only(ws.errors(), "add-on nbu-s3-plugin:1.0 is not loaded on n1,").key_path == "addons[0]"
    )


def test_a_volume_belongs_to_add_ons_and_hotfixes_only(ws):
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: d.update(schema="1.2.0", volume="/opt/x"))
    only(ws.errors(), "only add-on and hotfix images have a volume; this image is of type "
         "application", "10.3.yaml")  # fmt: skip


@pytest.mark.parametrize(
    "volume,text",
    [
        ("opt/s3", "is not absolute"),
        ("/proc/s3", "is a system path (under /proc)"),
        ("/opt/../s3", "contains '..'"),
    ],  # fmt: skip
)
def test_bad_volume_paths(ws, volume, text):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml", lambda d: d.update(volume=volume))
    p = only(ws.errors(), text, "1.0.yaml")
    assert p.key_path == "volume"


@pytest.mark.parametrize(
    "entries,text",
    [
        ([{"image": "nbu-s3-plugin"}], "missing required key 'version'"),
        ([{"image": "nbu-s3-plugin", "version": 1.0}], "expected a string, got a number"),
        ([{"image": "Nbu-S3", "version": "1.0"}], "'Nbu-S3' is not of the required form"),
        ([{"image": "nbu-s3-plugin", "version": "1.0", "path": "/x"}], "'path'"),
        ({"image": "nbu-s3-plugin"}, "expected a list, got a mapping"),
    ],
)
def test_bad_input(ws, entries, text):
    attach(ws, addons=entries)
    p = only(ws.errors(), text)
    assert p.key_path.startswith("addons") and p.line > 0


def test_a_float_version_is_told_to_quote_it(ws):
    attach(ws, addons=[{"image": "nbu-s3-plugin", "version": 1.0}])
    assert (
        only(ws.errors(), "expected a string").hint
        == 'quote it: "1.0" (YAML reads 1.0 as a number)'
    )


def test_addons_need_schema_1_2_0(ws):
    attach(ws, schema="1.1.0")
    p = only(ws.errors(), "addons")
    assert p.severity == "error"


def test_compat_answers_for_add_ons(ws):
    session = ws.validate(ws.root, cluster=str(ws.cluster))
    r = [x for x in session.resolved if x.server and x.server.name == "nbu_media1"][0]
    chain = profile_chain(r, r.catalog)
    assert any(d.path.endswith("nbu-s3-plugin/1.0.yaml") for d in chain)
    assert can_host(session.cluster.system("n1"), r.server, chain).full
    bare = System("n2", 64, 1 << 20, "eth0", "1.2.0", ["nbu:10.3", "nbu-s3-plugin:1.0"])
    answer = can_host(bare, r.server, chain)
    assert not answer.ok and answer.reasons == ["hotfix nbu-hotfix-10-3-1:1 is not loaded on n2"]
    old = System("n2", 64, 1 << 20, "eth0", "1.1.0",
                 ["nbu:10.3", "nbu-s3-plugin:1.0", "nbu-hotfix-10-3-1:1"])  # fmt: skip
    answer = can_host(old, r.server, chain)
    assert answer.ok and not answer.full
    assert any(x.endswith("nbu-s3-plugin/1.0.yaml: volume") for x in answer.reduced)


def test_vxha_compat_host_names_the_missing_add_on(ws, capsys):
    code = cli(["compat", "host", "--cluster", str(ws.cluster), "--system", "n3", "--json",
                str(ws.server("nbu_media1"))])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    reasons = out["servers"]["nbu_media1"]["reasons"]
    assert code == 1 and out["ok"] is False
    assert "add-on nbu-s3-plugin:1.0 is not loaded on n3" in reasons
    assert "hotfix nbu-hotfix-10-3-1:1 is not loaded on n3" in reasons


def test_a_system_listing_no_images_is_not_known_to_lack_one(ws):
    ws.edit(ws.cluster, lambda d: d["systems"][1].update(images=[]))
    assert ws.errors() == []
    assert [a.image for a in resolved(ws).addons] == ["nbu-s3-plugin"]


def test_child_types_in_an_application_need_schema_1_2_0(ws):
    app = ws.images / "nbu" / "applications" / "media-net.yaml"
    ws.edit(app, lambda d: d.update(schema="1.1.0", remove={"child_types": ["nbu-s3-plugin"]}))
    p = only(ws.errors(), "child_types", "media-net.yaml")
    assert p.key_path.startswith("remove")


@pytest.mark.parametrize(
    "volume,text",
    [(12, "expected a string, got an integer"), (["/opt/x"], "expected a string, got a list")],
)
def test_a_volume_of_the_wrong_kind(ws, volume, text):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml", lambda d: d.update(volume=volume))
    p = only(ws.errors(), text, "1.0.yaml")
    assert p.key_path == "volume" and p.line > 0


def test_vxha_validate_names_the_file_line_and_entry(ws, capsys):
    attach(ws, addons=[PLUGIN, dict(PLUGIN, image="nbu-nfs-plugin")])
    code = cli(["validate", str(ws.root)])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    line = next(x for x in out.splitlines() if "unknown image 'nbu-nfs-plugin'" in x)
    assert line.startswith(f"{ws.server('nbu_media1')}:") and "addons[1].image" in line
    assert "1 error(s)" in err


def test_the_generator_writes_the_entries_the_agent_reads(ws):
    """The image's reference becomes the entry's third word; hotfixes in version order."""
    from vxha.agents.container import Config as ContainerConfig
    from vxha.agents.framework import build_argv, parse_argv
    from vxha.generators.generate import generate_from_files
    from vxha.vcs_types.catalog import project_type

    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml",
            lambda d: d.update(reference="registry.local:5000/nbu/s3:1.0"))  # fmt: skip
    result = generate_from_files(
        str(ws.cluster), [str(ws.server("nbu_media1"))], image_root=str(ws.images)
    )
    ctr = next(r for g in result.config.groups for r in g.resources if r.name == "nbu_media1_ctr")
    assert ctr.attrs["AddOns"] == [
        "nbu-s3-plugin:1.0 /opt/plugins/s3 registry.local:5000/nbu/s3:1.0"
    ]
    assert ctr.attrs["Hotfixes"] == ["nbu-hotfix-10-3-1:1 /opt/hotfixes/10.3.1"]
    # The agent takes what the generator writes (through argv, as VCS passes it), and
    # mounts each where the profiles say.
    decl = project_type("Container")
    argv = build_argv(decl, ctr.name, dict(ctr.attrs), "online")
    name, values, _, _ = parse_argv(decl, "online", argv)
    cfg = ContainerConfig(SimpleNamespace(name=name, values=values))
    assert [(a["image"], a["path"]) for a in cfg.addons] == [
        ("registry.local:5000/nbu/s3:1.0", "/opt/plugins/s3"),
        ("nbu-hotfix-10-3-1:1", "/opt/hotfixes/10.3.1"),
    ]
