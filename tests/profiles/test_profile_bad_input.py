"""Every kind of bad input the issue lists gets a clear error naming file, line and key."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from vxha.profiles import ProfileError, load_cluster, load_servers
from vxha.profiles.loader import MAX_BYTES, LoadFailed, load_doc, parse_text


def messages(problems):
    return "\n".join(p.format() for p in problems)


def only(problems, text):
    found = [p for p in problems if text in p.message]
    assert found, f"no problem mentions {text!r}:\n{messages(problems)}"
    return found[0]


def test_malformed_yaml_gives_line_and_column(ws):
    path = ws.server("auth1")
    path.write_text("schema: 1.0.0\nname: auth1\nmounts: [a, b\nimage: x\n")
    p = only(ws.errors(path), "malformed YAML")
    assert p.file == str(path) and p.line == 4 and p.column >= 1
    assert "indentation" in p.hint
    assert p.format().startswith(f"{path}:4:")


def test_bad_indentation_is_reported_where_it_happens(ws):
    path = ws.server("auth1")
    path.write_text("schema: 1.0.0\nname: auth1\n  image: x\n")
    p = only(ws.errors(path), "malformed YAML")
    assert p.line == 3


def test_duplicate_key_is_an_error_not_last_wins(ws):
    path = ws.server("auth1")
    text = path.read_text().replace("priority: 1\n", "priority: 1\npriority: 4\n")
    path.write_text(text)
    p = only(ws.errors(path), "duplicate key 'priority'")
    lines = text.splitlines()
    assert lines[p.line - 1] == "priority: 4"
    assert f"first given at line {p.line - 1}" in p.message
    assert p.key_path == "priority"


def test_duplicate_nested_key(ws):
    path = ws.server("auth1")
    path.write_text(
        path.read_text().replace(
            "load: {cpus: 1, memory: 2GiB}", "load: {cpus: 1, cpus: 2, memory: 2GiB}"
        )
    )
    p = only(ws.errors(path), "duplicate key 'cpus'")
    assert p.key_path == "load.cpus"


def test_unknown_key_is_an_error_under_the_same_version(ws):
    path = ws.server("auth1")
    path.write_text(path.read_text() + "adress: 10.200.0.99/24\n")
    p = only(ws.errors(path), "unknown key 'adress'")
    assert p.key_path == "adress" and p.hint == "did you mean 'address'?"
    assert p.line == len(path.read_text().splitlines())


def test_unknown_key_of_a_newer_minor_is_a_warning(ws):
    path = ws.server("auth1")
    text = path.read_text().replace("schema: 1.0.0", "schema: 1.7.0")
    path.write_text(text + "restart_budget: 3\n")
    session = ws.validate(path, ws.server("nbu_master1"))
    errors, warnings = session.split()
    assert errors == []
    w = only(warnings, "'restart_budget' is not known to schema 1.3.0")
    assert "reduced quality of service" in w.message and w.severity == "warning"
    assert "auth1" in [s.name for s in session.servers()]


def test_a_newer_major_version_is_refused(ws):
    path = ws.server("auth1")
    path.write_text(path.read_text().replace("schema: 1.0.0", "schema: 2.0.0"))
    p = only(ws.errors(path), "newer major version")
    assert "upgrade vxha" in p.message and p.key_path == "schema"


def test_wrong_types_say_what_was_expected(ws):
    path = ws.server("auth1")
    path.write_text(
        path.read_text()
        .replace('image_version: "3.4"', "image_version: 3.4")
        .replace("priority: 1", "priority: high")
    )
    errors = ws.errors(path)
    p = only(errors, "expected a string, got a number (3.4)")
    assert (
        p.key_path == "image_version" and p.hint == 'quote it: "3.4" (YAML reads 3.4 as a number)'
    )
    q = only(errors, "expected an integer, got a string ('high')")
    assert q.key_path == "priority" and "1 (highest)" in q.hint


def test_missing_required_key(ws):
    path = ws.server("auth1")
    path.write_text(path.read_text().replace("application: service\n", ""))
    p = only(ws.errors(path), "missing required key 'application'")
    assert "add application:" in p.hint


def test_enum_and_range(ws):
    img = ws.images / "authsvc" / "3.4.yaml"
    img.write_text(
        img.read_text()
        .replace("ports: [8443]", "ports: [70000]")
        .replace("type: application", "type: app")
    )
    errors = ws.errors(ws.images)
    assert only(errors, "'app' is not one of: base, application").key_path == "type"
    assert only(errors, "70000 is too large: must be at most 65535").key_path == "ports[0]"


def test_file_over_one_mebibyte_is_refused(ws):
    path = ws.server("auth1")
    with open(path, "a") as f:
        f.write("# " + "x" * MAX_BYTES + "\n")
    start = time.monotonic()
    p = only(ws.errors(path), "limited to 1 MiB")
    assert time.monotonic() - start < 5
    assert p.file == str(path)


def test_a_file_grown_past_one_mebibyte_after_its_size_was_read_is_refused(tmp_path, monkeypatch):
    """The size lstat gave may be old by the time the file is read: what is read is bounded
    and measured again (loader.read_text: "refusing files over 1 MiB")."""
    from vxha.profiles import loader

    path = tmp_path / "big.yaml"
    path.write_text("schema: 1.0.0\n# " + "x" * MAX_BYTES + "\n")
    real_lstat = os.lstat

    def lstat_before_it_grew(p, *args, **kw):
        st = real_lstat(p, *args, **kw)
        if os.fspath(p) != str(path):
            return st
        small = (st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 100)
        return os.stat_result(small + (st.st_atime, st.st_mtime, st.st_ctime))

    monkeypatch.setattr(loader.os, "lstat", lstat_before_it_grew)
    with pytest.raises(LoadFailed) as failed:
        loader.read_text(str(path))
    assert failed.value.problem.file == str(path)
    assert failed.value.problem.message == "file is larger than 1 MiB (1048576 bytes)"


def test_billion_laughs_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    # In a process of its own: without the refusal the expansion (9**10 values) never
    # ends, and the test must fail then, not hang the run.
    code = (
        "import sys\nfrom vxha.profiles.loader import LoadFailed, load_doc\n"
        "try:\n    load_doc(sys.argv[1])\nexcept LoadFailed as e:\n"
        "    print(e.problem.message)\n"
    )
    try:
        proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, timeout=30)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("an alias bomb was not refused: loading it did not end within 30 s")
    assert proc.stdout.startswith("refused: aliases expand this document from "), proc.stderr
    assert proc.stdout.endswith(" values (an alias bomb)\n"), proc.stdout


def test_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &x [*x]\n")
    with pytest.raises(LoadFailed) as info:
        load_doc(str(path))
    assert info.value.problem.message == "recursive alias: a node contains itself"


def test_a_few_aliases_are_fine():
    doc = parse_text("a: &x {b: 1}\nc: *x\n", "t.yaml")
    assert doc.data == {"a": {"b": 1}, "c": {"b": 1}}


def test_non_utf8_bytes_are_refused_with_their_place(ws):
    path = ws.server("auth1")
    path.write_bytes(b"schema: 1.0.0\nname: caf\xe9\n")
    p = only(ws.errors(path), "not valid UTF-8: byte 0xe9 at line 2, column 10")
    assert p.line == 2 and "UTF-8" in p.hint


def test_symlink_leaving_the_profile_directory_is_refused(ws, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(ws.server("auth1").read_text())
    ws.server("auth1").unlink()
    os.symlink(outside, ws.server("auth1"))
    p = only(ws.errors(ws.servers), "symbolic link leaves the profile directory")
    assert p.file == str(ws.server("auth1"))
    assert "copy the profile" in p.hint


def test_symlink_inside_the_directory_is_fine(ws):
    os.symlink("nbu_master1.yaml", ws.servers / "alias.yml")
    errors = ws.errors(ws.servers)
    # Read twice, so it is the duplicate name that is wrong, not the link.
    assert only(errors, "server name 'nbu_master1' is already used")
    assert not [p for p in errors if "symbolic link" in p.message]


def test_symlink_in_an_image_directory_is_refused(ws, tmp_path):
    outside = tmp_path / "evil.yaml"
    outside.write_text((ws.images / "nbu" / "applications" / "master.yaml").read_text())
    os.symlink(outside, ws.images / "nbu" / "applications" / "evil.yaml")
    only(ws.errors(ws.images), "symbolic link leaves the profile directory")


def test_unsafe_tags_are_refused(ws):
    path = ws.server("auth1")
    path.write_text("schema: 1.0.0\nname: !!python/object/apply:os.system ['true']\n")
    p = only(ws.errors(path), "tag")
    assert p.key_path == "name"


def test_yes_as_a_key_is_explained(tmp_path):
    doc = parse_text("yes: 1\n", "t.yaml")
    (p,) = doc.problems
    assert "must be a string" in p.message and "booleans" in p.hint


def test_empty_file(ws):
    path = ws.server("auth1")
    path.write_text("# nothing\n")
    only(ws.errors(path), "the file is empty")


def test_a_list_instead_of_a_mapping(ws):
    path = ws.server("auth1")
    path.write_text("- schema\n- 1.0.0\n")
    errors = ws.errors(path)
    assert only(errors, "cannot tell what kind of profile")


def test_deep_nesting_is_refused(tmp_path):
    with pytest.raises(LoadFailed) as info:
        parse_text("a: " + "[" * 200 + "]" * 200 + "\n", "deep.yaml")
    assert "nested more than" in info.value.problem.message


def test_load_servers_raises_profile_error_with_every_problem(ws):
    ws.edit(ws.server("auth1"), lambda d: d.update(address="10.200.0.0/24", hostname="-bad"))
    ws.edit(ws.server("db1"), lambda d: d.update(priority=9))
    with pytest.raises(ProfileError) as info:
        load_servers(sorted(str(p) for p in ws.servers.glob("*.yaml")))
    files = {os.path.basename(p.file) for p in info.value.problems}
    assert {"auth1.yaml", "db1.yaml"} <= files
    text = messages(info.value.problems)
    assert "network address" in text and "RFC 1123" in text and "too large" in text


def test_load_cluster_raises_on_bad_memory(ws):
    ws.edit(ws.cluster, lambda d: d["systems"][0].update(memory="lots"))
    with pytest.raises(ProfileError) as info:
        load_cluster(str(ws.cluster))
    p = only(info.value.problems, "'lots' is not a size")
    assert p.key_path == "systems[0].memory"


def test_linked_directory_leaving_the_tree_is_refused(ws, tmp_path):
    outside = tmp_path / "more-servers"
    outside.mkdir()
    (outside / "x.yaml").write_text(ws.server("auth1").read_text())
    os.symlink(outside, ws.root / "more")
    p = only(ws.errors(ws.root), "symbolic link leaves the profile directory")
    assert p.file == str(ws.root / "more")


def test_symlinked_image_directory_is_refused(ws, tmp_path):
    import shutil

    shutil.move(str(ws.images / "authsvc"), str(tmp_path / "authsvc"))
    os.symlink(tmp_path / "authsvc", ws.images / "authsvc")
    errors = ws.errors(ws.root)
    assert only(errors, "symbolic link leaves the profile directory").file.startswith(
        str(ws.images / "authsvc")
    )


def test_control_characters_are_refused_with_their_place(tmp_path):
    with pytest.raises(LoadFailed) as info:
        parse_text("schema: 1.0.0\nname: a\x00b\n", "nul.yaml")
    p = info.value.problem
    assert p.message == "control character U+0000 at line 2, column 8 is not allowed in YAML"
    assert (p.line, p.column) == (2, 8)


def test_a_fifo_is_not_read(ws):
    os.mkfifo(ws.servers / "pipe.yaml")
    only(ws.errors(ws.servers), "not a regular file")


def test_several_documents_in_one_file(ws):
    path = ws.server("auth1")
    path.write_text(path.read_text() + "---\nname: again\n")
    only(ws.errors(path), "expected a single document")
