"""Profiles an image developer and an admin write from docs/profiles.md alone, with the
mistakes newcomers make: each error names file, line and key and says what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from vxha.profiles import validate_paths

IMAGE = """\
schema: 1.3.0
kind: image
id: webapp
version: "2.0"
type: application
ports: [8080]
mounts:
  - {name: data, type: data, path: /srv/data, min_size: 10GiB}
resources:
  cpus: {min: 1, default: 2}
  memory: {min: 1GiB, default: 4GiB}
"""
APPLICATION = """\
schema: 1.3.0
name: front
image: webapp
"""
SERVER = """\
schema: 1.3.0
name: web1
image: webapp
image_version: "2.0"
application: front
hostname: web1.lab.example
address: 10.1.0.10/24
mounts:
  - {name: data, diskgroup: web1dg, volume: data}
load: {cpus: 2, memory: 4GiB}
"""


@pytest.fixture
def tree(tmp_path) -> Path:
    image = tmp_path / "images" / "webapp"
    (image / "applications").mkdir(parents=True)
    (image / "display-name.txt").write_text("Web Application\n")
    (image / "2.0.yaml").write_text(IMAGE)
    (image / "applications" / "front.yaml").write_text(APPLICATION)
    (tmp_path / "servers").mkdir()
    (tmp_path / "servers" / "web1.yaml").write_text(SERVER)
    return tmp_path


def errors(tree: Path):
    found, _ = validate_paths([str(tree)]).split()
    return found


def one_error(tree: Path):
    found = errors(tree)
    assert len(found) == 1, "\n".join(p.format() for p in found)
    return found[0]


def edit(tree: Path, rel: str, old: str, new: str) -> Path:
    path = tree / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_tree_written_from_the_docs_is_valid(tree):
    assert errors(tree) == []


@pytest.mark.parametrize(
    "rel, old, new, key",
    [
        ("servers/web1.yaml", "memory: 4GiB", "memory: 4", "load.memory"),
        ("servers/web1.yaml", "memory: 4GiB", "memory: 0.5", "load.memory"),
        ("images/webapp/2.0.yaml", "min_size: 10GiB", "min_size: 10", "mounts[0].min_size"),
        ("images/webapp/2.0.yaml", "min: 1GiB", "min: 1", "resources.memory.min"),
    ],
)
def test_a_size_written_as_a_bare_number_is_told_to_take_a_unit_not_quotes(
    tree, rel, old, new, key
):
    # profiles.md "Sizes": a bare number has no unit and is refused even quoted, so
    # "quote it" would only trade this error for "has no unit"
    path = edit(tree, rel, old, new)
    p = one_error(tree)
    number = new.rsplit(" ", 1)[1]
    assert (p.file, p.key_path) == (str(path), key)
    assert p.line > 0
    assert "quote" not in p.hint
    assert f"{number}GiB" in p.hint and "unit" in p.hint


def test_a_number_where_text_is_wanted_is_still_told_to_quote_it(tree):
    edit(tree, "images/webapp/2.0.yaml", "ports: [8080]", "ports: [8080]\nenv: {MODE: 10}")
    p = one_error(tree)
    assert p.key_path == "env.MODE" and p.hint.startswith('quote it: "10"')


def test_a_second_document_is_told_to_go(tree):
    edit(tree, "images/webapp/2.0.yaml", "ports: [8080]", "ports: [8080]\n---\nschema: 1.3.0")
    p = one_error(tree)
    assert p.line == 7 and "another document" in p.message
    assert "one document" in p.hint and "---" in p.hint


@pytest.mark.parametrize("text, message", [("", "empty"), ("- a\n", "must be a mapping")])
def test_an_empty_or_list_profile_is_told_the_newest_schema(tree, text, message):
    # profiles.md: "a new profile states the newest this vxha knows (1.3.0)"
    (tree / "images/webapp/2.0.yaml").write_text(text)
    p = one_error(tree)
    assert message in p.message
    assert "schema: 1.3.0" in p.hint


@pytest.mark.parametrize("name", ["1BAD", "WEB-MODE", "WEB MODE", "PATH=X", '""'])
def test_an_environment_variable_name_the_container_agent_refuses_is_an_error(tree, name):
    # docs/container.md: the Container agent refuses an Env name that is not letters,
    # digits and _ (not a digit first) at online; validate must not pass what fails there
    path = edit(
        tree, "images/webapp/2.0.yaml", "ports: [8080]", f"ports: [8080]\nenv: {{{name}: x}}"
    )
    p = one_error(tree)
    shown = name.strip('"')
    assert (p.file, p.line, p.key_path) == (str(path), 7, f"env.{shown}")
    assert "not an environment variable name" in p.message and "letters, digits" in p.hint


def test_an_application_overriding_env_with_a_bad_name_is_an_error(tree):
    path = edit(
        tree,
        "images/webapp/applications/front.yaml",
        "image: webapp",
        "image: webapp\noverride:\n  env: {GOOD_one: x, 'A B': y}",
    )
    p = one_error(tree)
    assert (p.file, p.line, p.key_path) == (str(path), 5, "override.env.A B")


def test_good_environment_names_pass(tree):
    edit(
        tree, "images/webapp/2.0.yaml", "ports: [8080]", "ports: [8080]\nenv: {_X: a, web_Mode2: b}"
    )
    assert errors(tree) == []


def test_a_server_named_unlike_its_file_is_an_error(tree):
    # profiles.md "Layout on disk": servers/<server-name>.yaml, and "a file's name must match
    # what it declares"
    path = edit(tree, "servers/web1.yaml", "name: web1", "name: web2")
    p = one_error(tree)
    assert (p.file, p.line, p.key_path) == (str(path), 2, "name")
    assert p.message == "name 'web2' differs from the file name"
    assert "web2.yaml" in p.hint and "name: web1" in p.hint


CLUSTER = """\
schema: 1.3.0
kind: cluster
name: lab
systems:
  - {name: s1, cpus: 8, memory: 32GiB, nic: eth0}
"""


def test_a_cluster_named_by_option_and_found_in_the_directory_is_read_once(tree, monkeypatch):
    # profiles.md "vxha validate": a file named twice is read once
    (tree / "cluster.yaml").write_text(CLUSTER)
    monkeypatch.chdir(tree)
    for cluster in ("cluster.yaml", "./cluster.yaml", str(tree / "cluster.yaml")):
        found, _ = validate_paths(["."], cluster=cluster).split()
        assert found == [], "\n".join(p.format() for p in found)


@pytest.mark.parametrize("address", ["10.1.0.10/0", "2001:db8::10/0"])
def test_a_prefix_length_of_zero_is_refused(tree, address):
    # the HostIP agent refuses PrefixLen 0 at online (1-32, 1-128): validate must too
    path = edit(tree, "servers/web1.yaml", "10.1.0.10/24", address)
    p = one_error(tree)
    assert (p.file, p.line, p.key_path) == (str(path), 7, "address")
    assert "prefix length 0" in p.message
    assert ("/24" if "." in address else "/64") in p.message


def test_a_short_prefix_length_is_still_accepted(tree):
    edit(tree, "servers/web1.yaml", "10.1.0.10/24", "10.1.0.10/8")
    assert errors(tree) == []


@pytest.mark.parametrize("hostname", ["10.1.0.10", "web1.10", "10.1.0.10."])
def test_a_host_name_in_dotted_decimal_form_is_refused(tree, hostname):
    # RFC 1123 2.1: a valid host name never has the dotted-decimal form #.#.#.#, its
    # highest-level label being alphabetic (profiles.md: hostnames RFC 1123)
    path = edit(tree, "servers/web1.yaml", "hostname: web1.lab.example", f"hostname: {hostname}")
    p = one_error(tree)
    assert (p.file, p.line, p.key_path) == (str(path), 6, "hostname")
    assert "is a number" in p.message


@pytest.mark.parametrize("hostname", ["web1", "1st-host.lab", "web1.lab.example."])
def test_host_names_with_digits_elsewhere_pass(tree, hostname):
    edit(tree, "servers/web1.yaml", "hostname: web1.lab.example", f"hostname: {hostname}")
    assert errors(tree) == []


def test_a_directory_named_like_a_profile_is_told_what_to_do(tree):
    (tree / "images/webapp/3.0.yaml").mkdir()
    p = one_error(tree)
    assert p.file == str(tree / "images/webapp/3.0.yaml")
    assert p.message == "a directory, not a profile file"
    assert "plain file" in p.hint


def test_a_dangling_link_is_named_as_one(tree):
    (tree / "servers/ghost.yaml").symlink_to("nowhere.yaml")
    p = one_error(tree)
    assert p.file == str(tree / "servers/ghost.yaml")
    assert "cannot read" in p.message and "nowhere.yaml" in p.hint and "link" in p.hint


def test_a_directory_without_profiles_is_not_ok(tmp_path, capsys):
    # "ok: 0 profile(s) checked" would pass a mistyped or wrong directory
    from vxha.cli.main import main as vxha

    (tmp_path / "readme.txt").write_text("not a profile\n")
    assert vxha(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert f"{tmp_path}: error: no profiles found" in out.out
    assert "FAILED: 0 profile(s) checked" in out.err and "Traceback" not in out.err


def test_an_image_profile_given_as_the_cluster_or_a_server_is_one_error(tree):
    # profiles.md "One mistake, one error": a profile of another kind is one error saying
    # so, not one per key the expected schema lacks
    from vxha.profiles import ProfileError, load_cluster, load_servers

    image = str(tree / "images/webapp/2.0.yaml")
    with pytest.raises(ProfileError) as info:
        load_cluster(image)
    (p,) = info.value.problems
    assert (p.file, p.line, p.key_path) == (image, 2, "kind")
    assert p.message == "an image profile where a cluster description is expected"
    with pytest.raises(ProfileError) as info:
        load_servers([image], image_root=str(tree / "images"))
    (p,) = info.value.problems
    assert p.message == "an image profile where a server profile is expected"
    assert "--images" in p.hint


def test_a_server_profile_without_kind_given_as_the_cluster_is_one_error(tree):
    server = str(tree / "servers/web1.yaml")
    found, _ = validate_paths([str(tree / "images")], cluster=server).split()
    (p,) = found
    assert p.file == server and p.message.startswith("a server profile where a cluster")


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2009"])
def test_a_pasted_non_breaking_space_is_named_where_it_is(tree, space):
    # "could not find expected ':'" a line further down does not show the character
    path = edit(tree, "servers/web1.yaml", "load: {cpus", f"load:{space}{{cpus")
    p = one_error(tree)
    assert (p.file, p.line, p.column) == (str(path), 10, 6)
    assert f"U+{ord(space):04X}" in p.message and "plain space" in p.hint


def test_a_missing_image_root_is_one_error_not_one_per_server(tree):
    # profiles.md "One mistake, one error"
    (tree / "servers/web2.yaml").write_text(
        SERVER.replace("web1", "web2").replace("10.1.0.10", "10.1.0.11")
    )
    root = str(tree / "imgs")
    found, _ = validate_paths([str(tree / "servers")], image_root=root).split()
    (p,) = found
    assert p.file == root and p.message == "no such directory of image profiles"
    assert "--images" in p.hint


@pytest.mark.parametrize("key", ["relocatable: false", "privileged: true"])
def test_a_server_that_cannot_move_without_its_system_is_told_at_the_key(tree, key):
    # profiles.md: "a server that cannot relocate names exactly one system"
    path = edit(tree, "servers/web1.yaml", "load:", f"{key}\nload:")
    p = one_error(tree)
    assert (p.file, p.line, p.key_path) == (str(path), 10, key.split(":")[0])
    assert "exactly one system" in p.message and "systems:" in p.hint


@pytest.mark.parametrize(
    "rel, schema, extra, key, since",
    [
        ("images/webapp/2.0.yaml", "1.0.0", "labels: {team: a}", "labels", "1.1.0"),
        ("images/webapp/2.0.yaml", "1.1.0", "container: {read_only: true}", "container", "1.2.0"),
        ("servers/web1.yaml", "1.1.0", "allow_pull: true", "allow_pull", "1.2.0"),
        (
            "images/webapp/applications/front.yaml",
            "1.1.0",
            "override:\n  child_types: [x]",
            "override.child_types",
            "1.2.0",
        ),
    ],
)
def test_a_key_of_a_newer_schema_is_told_its_version_not_a_spelling(
    tree, rel, schema, extra, key, since
):
    # profiles.md "Schema versions": 1.1.0 adds labels, 1.2.0 container, allow_pull and
    # child_types; under an older stated version the key is unknown, and the way out is
    # the version that has it ('labels' had been told "did you mean 'locales'?")
    path = tree / rel
    path.write_text(path.read_text().replace("schema: 1.3.0", f"schema: {schema}") + extra + "\n")
    p = one_error(tree)
    assert (p.file, p.key_path) == (str(path), key)
    assert (
        p.hint == f"{key.split('.')[-1]!r} came with schema {since}: state schema: {since} or newer"
    )


def test_a_misspelt_key_is_still_told_the_spelling(tree):
    edit(tree, "images/webapp/2.0.yaml", "ports:", "portz: [1]\nports:")
    assert one_error(tree).hint == "did you mean 'ports'?"


def test_compat_and_generate_agree_on_a_cluster_listing_no_images(tree, capsys):
    # a new admin's cluster description without images: generate places the servers on
    # every system (docs/generator.md "SystemList"), so compat must not say none can host
    from vxha.cli.main import main as vxha

    (tree / "cluster.yaml").write_text(CLUSTER)
    server = str(tree / "servers/web1.yaml")
    images = str(tree / "images")
    cluster = str(tree / "cluster.yaml")
    assert (
        vxha(["compat", "host", "--cluster", cluster, "--system", "s1", "--images", images, server])
        == 0
    )
    assert vxha(["compat", "qos", "--cluster", cluster, "--images", images, server]) == 0
    assert (
        vxha(
            [
                "generate",
                "--cluster",
                cluster,
                "--images",
                images,
                server,
                "-o",
                str(tree / "main.cf"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "web1 on s1: yes" in out and "not loaded" not in out


@pytest.mark.parametrize("question", ["host", "qos"])
def test_compat_about_no_server_profile_is_not_a_yes(tree, capsys, question):
    from vxha.cli.main import main as vxha

    (tree / "cluster.yaml").write_text(CLUSTER)
    args = ["compat", question, "--cluster", str(tree / "cluster.yaml")]
    args += ["--system", "s1"] if question == "host" else []
    assert vxha(args + [str(tree / "images/webapp/2.0.yaml")]) == 2
    assert "no server profile" in capsys.readouterr().err


@pytest.mark.parametrize("file", ["web1", "web1.json"])
def test_a_server_file_named_after_its_server_passes_whatever_its_extension(tree, file):
    path = tree / "servers" / file
    (tree / "servers/web1.yaml").rename(path)
    found, _ = validate_paths([str(path)], image_root=str(tree / "images")).split()
    assert found == [], "\n".join(p.format() for p in found)
