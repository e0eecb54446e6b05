"""What the admin docs print about the `vxha` command: each option they name exists in
that command's --help, each command of `vxha --help` is documented, and the output they
quote for `vxha validate` is what it prints."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from doccommands import ADMIN_DOCS, ALL_DOCS, ROOT, commands

VXHA = str(Path(sys.executable).parent / "vxha")
_WORD = re.compile(r"[a-z][a-z-]*")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")


@cache
def help_of(path):
    proc = subprocess.run([VXHA, *path, "--help"], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout


def command_path(words):
    """The longest run of leading words that names a (sub)command with its own help."""
    path = ()
    for word in words:
        if not _WORD.fullmatch(word):
            break
        rc, text = help_of((*path, word))
        if rc != 0 or text == help_of(path)[1]:
            break
        path = (*path, word)
    return path


def documented_vxha():
    return [(where, c) for doc in ALL_DOCS for where, c in commands(doc) if c.startswith("vxha ")]


def test_every_option_a_doc_names_is_in_its_commands_help():
    missing = []
    for where, line in documented_vxha():
        # "vxha sim run|serve --real": each alternative
        heads = line.split()[1:]
        alternatives = [heads]
        for i, w in enumerate(heads):
            if "|" in w and all(_WORD.fullmatch(a) for a in w.split("|")):
                alternatives = [heads[:i] + [a] + heads[i + 1 :] for a in w.split("|")]
                break
        for words in alternatives:
            path = command_path(words)
            text = help_of(path)[1] + (" --version" if not path else "")
            for option in _OPTION.findall(" ".join(words)):
                if option not in text:
                    missing.append(f"{where}: vxha {' '.join(path)} has no {option}")
    # "vxha sim advance 300 | event crash --system n1 | ...": a list of commands, not one
    missing = [m for m in missing if "docs/simulator.md" not in m or "advance" not in m]
    assert missing == []


def test_every_command_of_vxha_help_is_documented():
    listed = re.findall(r"^  ([a-z][a-z-]*)  ", help_of(())[1], re.M)
    assert "apply" in listed and "watch" in listed
    said = {c.split()[1] for _, c in documented_vxha() if len(c.split()) > 1}
    assert [c for c in listed if c not in said] == []


def fenced_after(doc, heading):
    text = (ROOT / doc).read_text()
    part = text[text.index(heading) :]
    return part.split("```", 2)[1].lstrip("\n")


@pytest.fixture
def examples(tmp_path):
    shutil.copytree(ROOT / "profiles" / "examples", tmp_path / "profiles" / "examples")
    return tmp_path


def run(cwd, *argv):
    proc = subprocess.run([VXHA, *argv], cwd=cwd, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def test_validate_examples_print_what_profiles_md_quotes(examples):
    """docs/profiles.md, "vxha validate": the two runs, their output line for line."""
    block = fenced_after("docs/profiles.md", "## vxha validate")
    runs = [r for r in block.split("$ ")[1:]]
    assert [r.splitlines()[0] for r in runs] == [
        "vxha validate profiles/examples",
        "vxha validate servers/",
    ]
    rc, out = run(examples, "validate", "profiles/examples")
    assert rc == 0
    assert out.splitlines() == runs[0].strip().splitlines()[1:]

    # the second: a server directory whose auth1 has the broadcast address on line 9
    site = examples / "profiles" / "examples"
    auth1 = site / "servers" / "auth1.yaml"
    lines = auth1.read_text().splitlines(keepends=True)
    assert lines[8].startswith("address: 10.200.0.")
    lines[8] = "address: 10.200.0.255/24\n"
    auth1.write_text("".join(lines))
    rc, out = run(site, "validate", "servers/")
    assert rc == 1
    assert sorted(out.splitlines()) == sorted(runs[1].strip().splitlines()[1:])


def test_admin_docs_have_commands_to_check():
    assert all(commands(doc) for doc in ADMIN_DOCS)


def test_compat_host_n3_as_profiles_md_runs_it(examples):
    """docs/profiles.md: the example nbu_media1 cannot be hosted on n3, which lacks its
    add-on and hotfix; the command is printed whole (it lacked --cluster and the server,
    both required: exit 2, a usage error)."""
    text = " ".join((ROOT / "docs" / "profiles.md").read_text().split())
    said = re.search(r"in `profiles/examples`, `(vxha compat host [^`]+)` says no \(exit 1\)", text)
    assert said
    rc, out = run(examples / "profiles" / "examples", *said.group(1).split()[1:])
    assert rc == 1, out
    assert "add-on nbu-s3-plugin:1.0 is not loaded on n3" in out
    assert "hotfix nbu-hotfix-10-3-1:1 is not loaded on n3" in out


def test_demo_prints_the_lines_readme_quotes(tmp_path):
    """README.md, "What `make demo` shows": every quoted line, in order ("..." elides;
    the maintenance record's time is the run's)."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index("<!-- demo -->") :].split("```", 2)[1].strip("\n").splitlines()
    rc, out = run(tmp_path, "demo", "--html", "report.html")
    assert rc == 0, out[-2000:]
    # "`vxha demo --html report.html` also draws ...; the transcript is left in
    # `out/demo/transcript.txt`"
    assert "<svg" in (tmp_path / "report.html").read_text()
    assert "auth1_ctr clean(4) exit 0" in (tmp_path / "out/demo/transcript.txt").read_text()
    lines = [line.rstrip() for line in out.splitlines()]
    at = 0
    for quoted in block:
        if quoted.strip() == "..." or quoted.strip().startswith("... ("):
            continue
        pattern = re.escape(quoted.rstrip()).replace(
            re.escape("2026-11-27T14:21:18Z"), r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
        )
        found = [i for i in range(at, len(lines)) if re.fullmatch(pattern, lines[i])]
        assert found, f"README's demo line not printed (in order): {quoted!r}"
        at = found[0] + 1


def test_server_new_then_validate_generate_verify_as_profiles_md_says(examples):
    """docs/profiles.md, "vxha server new" then "vxha validate": a profile provisioned
    with --set answers and no terminal, checked with its directory, generated into a
    main.cf that verifies (docs/generator.md: verify is silent, exit 0)."""
    site = examples / "profiles" / "examples"
    argv = ["server", "new", "--type", "nbu/media-net", "--dir", "servers"]
    rc, out = run(site, *argv, "--set", "name=media9")
    # without a terminal nothing is asked and every missing value is listed
    assert rc == 1
    for key in ("hostname", "address", "inputs.master_server"):
        assert f"give --set {key}=..." in out
    assert not (site / "servers" / "media9.yaml").exists()
    answers = ["name=media9", "hostname=media9.corp.example", "address=10.200.0.42/24"]
    answers.append("master_server=nbu-master1.corp.example")  # "or just master_server=..."
    rc, out = run(site, *argv, *[a for x in answers for a in ("--set", x)])
    assert rc == 0, out
    assert (site / "servers" / "media9.yaml").exists()
    rc, out = run(site, "validate", "servers", "servers/media9.yaml")
    assert rc == 0, out
    assert "8 server(s) resolved, 0 error(s)" in out
    rc, out = run(site, "generate", "--cluster", "cluster.yaml", "servers", "-o", "main.cf")
    assert rc == 0, out
    assert "group media9 (" in (site / "main.cf").read_text()
    rc, out = run(site, "verify", "main.cf")
    assert (rc, out) == (0, "")


def test_every_documented_make_command_names_a_target_and_known_arguments():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    targets_toml = (ROOT / "mutation" / "targets.toml").read_text()
    wrong = []
    for where, line in [x for doc in ALL_DOCS for x in commands(doc)]:
        if not line.startswith("make "):
            continue
        words = line.split()
        if words[1] not in targets:
            wrong.append(f"{where}: no target {words[1]}")
        for name in re.findall(r"BENCH_ARGS=\"[^\"]*\"", line):
            for only in re.findall(r"--only (\S+?)\"?(?=\s|$)", name):
                if not (ROOT / "benchmarks" / f"bench_{only}.py").exists():
                    wrong.append(f"{where}: no benchmarks/bench_{only}.py")
        for only in re.findall(r"MUTANTS_ARGS=\"--only (\S+?)\"", line):
            if only not in targets_toml:
                wrong.append(f"{where}: no mutation target {only}")
        for var in re.findall(r"\b(VXHA_\w+)=", line):
            if var not in (ROOT / "packaging" / "build.py").read_text():
                wrong.append(f"{where}: packaging/build.py does not read {var}")
    assert wrong == []


def test_every_ha_command_the_admin_docs_print_has_a_simulator_shim():
    """The commands sorted by where they run; those the docs give for the simulator's
    cluster start with vxha, make demo or an ha* command the shims provide."""
    from doccommands import classify

    from vxha.simulator.shims import COMMANDS

    kinds = {}
    for doc in ADMIN_DOCS:
        for where, line in commands(doc):
            kinds.setdefault(classify(line), []).append((where, line))
    assert set(kinds) <= {"simulator", "root", "real node"}
    programs = {line.split()[0] for _, line in kinds["simulator"]}
    assert programs - {"vxha", "make"} <= set(COMMANDS), programs - set(COMMANDS)
    assert {line for _, line in kinds["simulator"] if line.startswith("make ")} == {"make demo"}
