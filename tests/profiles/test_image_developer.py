"""An image developer's first profiles, written from docs/profiles.md alone: three images
(a database with a data volume and a health check, a web server with two ports and a
configuration file system, a stateless worker with no ports), their applications and a
server each; then the mistakes a developer makes, each of which must give one clear error
naming file, line, column and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vxha.cli.main import main as vxha
from vxha.profiles import validate_paths
from vxha.profiles.loader import LoadFailed, parse_text
from vxha.profiles.schemas import check_schema
from vxha.profiles.units import parse_size

PGDB = """\
schema: 1.2.0
kind: image
id: pgdb
version: "15.4"
type: application
ports: [5432]
mounts:
  - {name: data, type: data, path: /var/lib/postgresql/data, min_size: 50GiB, resizable: true}
  - {name: log, type: log, path: /var/log/postgresql, min_size: 5GiB}
resources:
  cpus: {min: 1, default: 2}
  memory: {min: 1GiB, default: 4GiB}
health_monitor: /usr/local/bin/pg-health
env: {PGDATA: /var/lib/postgresql/data}
"""
PGDB_PRIMARY = """\
schema: 1.2.0
kind: application
name: primary
image: pgdb
display_name: PostgreSQL primary
inputs:
  - {name: max_connections, type: integer, env: PG_MAX_CONNECTIONS, prompt: Max, default: 100}
"""
WEB = """\
schema: 1.2.0
kind: image
id: webfront
version: "1.25"
type: application
ports:
  - {port: 80, proto: tcp, name: http}
  - {port: 443, proto: tcp, name: https}
mounts:
  - {name: conf, type: configuration, path: /etc/nginx/conf.d, min_size: 100MiB, read_only: true}
resources:
  cpus: {min: 0.5, default: 1}
  memory: {min: 256MiB, default: 512MiB}
health_monitor: curl -fs http://localhost/healthz
container:
  user: "101:101"
  cap_drop: [ALL]
"""
WEB_SITE = """\
schema: 1.2.0
kind: application
name: site
image: webfront
display_name: Public web site
inputs:
  - {name: server_name, type: hostname, env: NGINX_SERVER_NAME, prompt: Public host name}
"""
WORKER = """\
schema: 1.2.0
kind: image
id: qworker
version: "3.1"
type: application
needs: {hostname: false}
resources:
  cpus: {min: 0.25, default: 1}
  memory: {min: 128MiB, default: 256MiB}
startup: [/opt/worker/bin/run]
"""
WORKER_CONSUMER = """\
schema: 1.2.0
kind: application
name: consumer
image: qworker
inputs:
  - {name: queue_url, type: string, env: QUEUE_URL, prompt: Queue URL}
"""
SERVERS = {
    "pg1": """\
schema: 1.2.0
name: pg1
image: pgdb
image_version: "15.4"
application: primary
hostname: pg1.lab.example
address: 10.30.0.21/24
mounts:
  - {name: data, diskgroup: pgdg, volume: data}
  - {name: log, diskgroup: pgdg, volume: log}
load: {cpus: 2, memory: 8GiB}
""",
    "web1": """\
schema: 1.2.0
name: web1
image: webfront
image_version: "1.25"
application: site
hostname: web1.lab.example
address: 10.30.0.22/24
mounts:
  - {name: conf, diskgroup: webdg, volume: conf}
ports: [{container: 80, host: 8080}]
inputs: {server_name: www.lab.example}
""",
    "worker1": """\
schema: 1.2.0
name: worker1
image: qworker
image_version: "3.1"
application: consumer
address: 10.30.0.23/24
inputs: {queue_url: "amqp://mq.lab.example/jobs"}
load: {cpus: 0.5, memory: 512MiB}
""",
}


@pytest.fixture
def lab(tmp_path) -> Path:
    files = {
        "images/pgdb/display-name.txt": "PostgreSQL\n",
        "images/pgdb/15.4.yaml": PGDB,
        "images/pgdb/applications/primary.yaml": PGDB_PRIMARY,
        "images/webfront/display-name.txt": "Web front end\n",
        "images/webfront/1.25.yaml": WEB,
        "images/webfront/applications/site.yaml": WEB_SITE,
        "images/qworker/display-name.txt": "Queue worker\n",
        "images/qworker/3.1.yaml": WORKER,
        "images/qworker/applications/consumer.yaml": WORKER_CONSUMER,
    }
    files.update({f"servers/{n}.yaml": t for n, t in SERVERS.items()})
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def problems(lab: Path):
    return validate_paths([str(lab / "images"), str(lab / "servers")]).split()


def one_error(lab: Path):
    errors, _ = problems(lab)
    assert len(errors) == 1, "\n".join(p.format() for p in errors)
    return errors[0]


def test_three_images_written_from_the_docs_validate(lab, capsys):
    errors, warnings = problems(lab)
    assert errors == [] and warnings == []
    assert vxha(["validate", str(lab / "images"), str(lab / "servers")]) == 0
    assert "3 server(s) resolved, 0 error(s), 0 warning(s)" in capsys.readouterr().err


def edit(lab: Path, rel: str, old: str, new: str) -> Path:
    path = lab / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


# YAML 1.1 (what PyYAML's SafeLoader reads) takes 0755 as octal 493 and 1:30 as base-60 90;
# YAML 1.2 takes 0755 as 755 and 1:30 as text. A profile must not mean one thing to its
# author and another to vxha: such a number is refused (chosen because yamllint's
# octal-values rule and YAML 1.2 agree that it is a trap; no stored document covers it).


def test_an_octal_port_is_refused_not_read_as_493(lab):
    path = edit(lab, "images/webfront/1.25.yaml", "{port: 443,", "{port: 0443,")
    p = one_error(lab)
    assert (p.file, p.line, p.column, p.key_path) == (str(path), 8, 12, "ports[1].port")
    assert p.message == "0443 is an octal number in YAML 1.1 (read as 291)"
    assert p.hint == 'write 443, or quote it ("0443") if it is text'


def test_an_octal_looking_value_where_text_is_wanted_gets_one_error_quoting_it_as_written(lab):
    path = edit(lab, "images/pgdb/15.4.yaml", "env: {", "env: {UMASK: 0755, ")
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 14, "env.UMASK")
    assert p.message == "0755 is an octal number in YAML 1.1 (read as 493)"
    assert p.hint == 'write 755, or quote it ("0755") if it is text'


def test_a_base_60_value_is_refused(lab):
    path = edit(lab, "images/webfront/1.25.yaml", 'user: "101:101"', "user: 1:10")
    p = one_error(lab)
    assert (p.file, p.line, p.column, p.key_path) == (str(path), 16, 9, "container.user")
    assert p.message == "1:10 is a base-60 number in YAML 1.1 (read as 70)"
    assert p.hint == 'quote it ("1:10") if it is text'


def test_a_number_read_as_a_number_where_text_is_wanted_is_quoted_as_written(lab):
    # 1e3 is text in YAML 1.1 but 1.5e3 a number: the hint quotes what the author wrote
    edit(lab, "images/pgdb/15.4.yaml", "env: {", "env: {BATCH: 1.5e+3, ")
    p = one_error(lab)
    assert p.message == "expected a string, got a number (1.5e+3)"
    assert p.hint == 'quote it: "1.5e+3" (YAML reads 1.5e+3 as a number)'


def test_an_error_in_an_image_profile_is_not_repeated_for_its_servers(lab):
    path = edit(lab, "images/pgdb/15.4.yaml", "path: /var/log/postgresql", "path: var/log")
    p = one_error(lab)
    assert (p.file, p.key_path) == (str(path), "mounts[1].path")


def test_an_unreadable_version_file_gives_one_error(lab):
    path = edit(lab, "images/qworker/3.1.yaml", "  cpus:", "\tcpus:")
    p = one_error(lab)
    assert (p.file, p.line, p.column) == (str(path), 8, 1)
    assert p.message == "malformed YAML: a tab character; YAML indents with spaces only"
    assert p.hint == "replace the tab with spaces"


def test_an_empty_application_file_gives_one_error(lab):
    path = lab / "images/qworker/applications/consumer.yaml"
    path.write_text("")
    p = one_error(lab)
    assert (p.file, p.message) == (str(path), "the file is empty")


def test_a_list_is_not_an_image_profile(lab):
    path = lab / "images/qworker/3.1.yaml"
    path.write_text("- schema: 1.2.0\n- id: qworker\n")
    p = one_error(lab)
    assert p.message == "an image profile must be a mapping, got a list"


def test_sizes_read_as_documented():
    # docs/profiles.md "Sizes": K, M, G, T alone are binary as in Docker; KB, MB... decimal
    assert parse_size("512M") == parse_size("512MiB") == parse_size("0.5G") == 512 * 2**20
    assert parse_size("500GB") == 500 * 10**9
    assert parse_size("4gib") == 4 * 2**30
    with pytest.raises(ValueError, match="must be greater than zero"):
        parse_size("0.1B")


def test_validate_help_names_every_exit_code(capsys):
    assert vxha(["validate", "--help"]) == 0
    assert "exit 0 clean (warnings allowed), 1 errors, 2 usage" in " ".join(
        capsys.readouterr().out.split()
    )


def test_a_server_of_an_application_needing_no_ip_is_told_why_it_still_needs_one(lab):
    # DECISIONS.md 3: every server's group holds a HostIP (<srv>_ip), so needs.ip_address
    # false cannot spare the server its address; the error must not contradict the image.
    edit(lab, "images/qworker/3.1.yaml", "needs: {hostname: false}", "needs: {ip_address: false}")
    path = edit(lab, "servers/worker1.yaml", "address: 10.30.0.23/24\n", "")
    edit(
        lab,
        "servers/worker1.yaml",
        "application: consumer\n",
        "application: consumer\nhostname: w1\n",
    )
    p = one_error(lab)
    assert (p.file, p.message) == (str(path), "missing required key 'address'")
    assert p.hint == (
        "every server gets an application IP (its HostIP resource), even when the application"
        " says needs: {ip_address: false}: add address: <IP>/<prefix>, e.g. 10.200.0.11/24"
    )


def test_image_profiles_found_beside_the_servers_are_named_as_the_servers_are(
    lab, monkeypatch, capsys
):
    # The same file is named the same way whether the run was given images/ or found it
    # beside servers/ (docs/profiles.md: "or else in ../images beside their directory"),
    # so --json reports compare from run to run.
    edit(lab, "images/pgdb/15.4.yaml", "path: /var/log/postgresql", "path: var/log")
    monkeypatch.chdir(lab)
    assert vxha(["validate", "--json", "servers"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [e["file"] for e in report["errors"]] == ["images/pgdb/15.4.yaml"]
    monkeypatch.chdir(lab / "servers")
    assert vxha(["validate", "--json", "pg1.yaml"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [e["file"] for e in report["errors"]] == ["../images/pgdb/15.4.yaml"]


def test_an_error_marked_past_the_last_line_is_reported_not_raised():
    # the tab check looks at the character an error points to, which may lie past the end
    with pytest.raises(LoadFailed) as caught:
        parse_text("{", "x.yaml")
    assert caught.value.problem.message.startswith("malformed YAML: ")


def test_a_misspelled_value_of_a_fixed_set_gets_a_did_you_mean(lab):
    path = edit(lab, "images/pgdb/15.4.yaml", "type: application", "type: aplication")
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 5, "type")
    assert p.message == "'aplication' is not one of: base, application, add-on, hotfix, update"
    assert p.hint == "did you mean 'application'?"


def test_an_application_profile_among_the_version_files_gets_one_error_saying_where_it_goes(lab):
    path = lab / "images/pgdb/primary.yaml"
    (lab / "images/pgdb/applications/primary.yaml").rename(path)
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 2, "kind")
    assert p.message == "an application profile among the image's version files"
    assert p.hint == f"move it to {lab / 'images/pgdb/applications/primary.yaml'}"


def test_a_quoted_port_is_told_what_a_port_is(lab):
    path = edit(lab, "images/pgdb/15.4.yaml", "ports: [5432]", 'ports: ["5432"]')
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 6, "ports[0]")
    assert p.message == "expected an integer or a mapping (key: value lines), got a string ('5432')"
    assert p.hint == "write it without quotes: 5432"


def test_a_port_mapping_with_a_quoted_number_names_the_inner_key(lab):
    path = edit(lab, "images/pgdb/15.4.yaml", "ports: [5432]", 'ports: [{port: "5432"}]')
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 6, "ports[0].port")
    assert p.message == "expected an integer, got a string ('5432')"


def test_an_image_directory_without_its_display_name_file_is_named_as_such(lab, monkeypatch):
    # docs/profiles.md "Layout on disk": images/<image-id>/display-name.txt marks the
    # directory; without it the profiles were checked alone, and the server was told there
    # was no directory images/pgdb
    (lab / "images/pgdb/display-name.txt").unlink()
    monkeypatch.chdir(lab)
    for paths in (["images", "servers"], ["servers"], ["images/pgdb"]):
        errors, _ = validate_paths(paths).split()
        assert [(p.file, p.message, p.hint) for p in errors] == [
            (
                "images/pgdb",
                "no display-name.txt: without it this is not an image directory",
                "add display-name.txt holding the image's display name on one line",
            )
        ], paths


def test_a_resources_default_below_its_minimum_is_the_image_developers_error(lab):
    # the default is what vxha server new offers and what a server without load: gets;
    # below the minimum, every such server was refused instead of the image profile
    path = edit(lab, "images/pgdb/15.4.yaml", "default: 4GiB", "default: 512MiB")
    edit(lab, "servers/pg1.yaml", "load: {cpus: 2, memory: 8GiB}\n", "")
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 12, "resources.memory.default")
    assert p.message == "default 512MiB is below the minimum 1GiB"
    assert p.hint == "make resources.memory.default at least resources.memory.min"


def test_an_application_lowering_the_cpus_default_below_the_images_minimum_is_its_error(lab):
    path = lab / "images/pgdb/applications/primary.yaml"
    path.write_text(path.read_text() + "override:\n  resources: {cpus: {default: 0.5}}\n")
    p = one_error(lab)
    assert (p.file, p.line, p.key_path) == (str(path), 9, "resources.cpus.default")
    assert p.message == ("default 0.5 is below the minimum 1 (after inheriting image pgdb 15.4)")


def test_a_profile_named_twice_is_checked_once(lab, monkeypatch):
    # `vxha validate servers servers/pg1.yaml` (a glob and a directory) named pg1 a
    # duplicate of itself
    monkeypatch.chdir(lab)
    for paths, count in (
        (["images", "servers", "servers/pg1.yaml"], 3),
        (["images", "servers/pg1.yaml", "servers"], 3),
        (["images", "servers/pg1.yaml", "./servers/pg1.yaml"], 1),
        (["images", "servers", "servers/"], 3),
    ):
        session = validate_paths(paths)
        assert session.split() == ([], []), paths
        assert len(session.servers()) == count, paths


def test_a_key_the_reader_refuses_at_the_top_hides_no_other_error(lab):
    path = lab / "images/qworker/3.1.yaml"
    path.write_text(path.read_text().replace("id: qworker\n", "yes: 1\n"))
    errors, _ = problems(lab)
    assert sorted((p.line, p.key_path, p.message) for p in errors) == [
        (1, "", "missing required key 'id'"),
        (3, "", "key 'yes' must be a string"),
    ]


def test_a_yes_or_an_empty_value_where_text_is_wanted_is_shown_as_written(lab):
    edit(lab, "images/pgdb/15.4.yaml", "env: {", "env: {DEBUG: yes, ")
    p = one_error(lab)
    assert (p.key_path, p.message) == ("env.DEBUG", "expected a string, got true/false (yes)")
    assert p.hint == 'quote it: "yes" (YAML reads yes/no/on/off as true/false)'
    edit(lab, "images/pgdb/15.4.yaml", "env: {DEBUG: yes, ", "env: {DEBUG: ~, ")
    p = one_error(lab)
    assert (p.key_path, p.message) == ("env.DEBUG", "expected a string, got nothing (~)")
    assert p.hint == "give it a value, or remove the key (an empty value and ~ are nothing)"


def test_an_unquoted_version_is_quoted_as_written_not_as_the_float_it_became():
    doc = parse_text(
        "schema: 1.2.0\nkind: image\nid: web\nversion: 1.10\ntype: base\n", "1.10.yaml"
    )
    check_schema(doc, "image")
    [p] = doc.errors
    assert (p.line, p.key_path, p.message) == (
        4,
        "version",
        "expected a string, got a number (1.10)",
    )
    assert p.hint == 'quote it: "1.10" (YAML reads 1.10 as a number)'


def test_a_number_read_as_text_is_told_how_to_write_it(lab):
    # YAML 1.1 needs a dot in a float: 2e0 is text; a quoted number is text too
    edit(lab, "images/pgdb/15.4.yaml", "cpus: {min: 1,", "cpus: {min: 2e0,")
    p = one_error(lab)
    assert (p.key_path, p.message) == (
        "resources.cpus.min",
        "expected a number, got a string ('2e0')",
    )
    assert p.hint == "YAML 1.1 reads 2e0 as text: write 2"
    edit(lab, "images/pgdb/15.4.yaml", "cpus: {min: 2e0,", 'cpus: {min: "1",')
    p = one_error(lab)
    assert p.hint == "write it without quotes: 1"
