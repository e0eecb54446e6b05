"""vxha generate | verify | graph through cli.generate_cmd.main(argv)."""

from __future__ import annotations

import os
import shutil

import pytest
from genhelp import EXAMPLES, FIXTURES, GOLDEN

from vxha.cli.generate_cmd import main
from vxha.cli.main import main as vxha


def gen(*args):
    return main(
        [
            "generate",
            "--cluster",
            str(EXAMPLES / "cluster.yaml"),
            str(EXAMPLES / "servers"),
            "--images",
            str(EXAMPLES / "images"),
            *args,
        ]
    )


def test_generate_writes_the_golden_configuration(tmp_path, capsys):
    out = tmp_path / "main.cf"
    assert gen("-o", str(out)) == 0
    assert out.read_text() == (GOLDEN / "examples-veritas.main.cf").read_text()
    # Privilege comes only from the server profile, and generate says which it gives.
    fc = EXAMPLES / "servers" / "nbu_mediafc1.yaml"
    assert capsys.readouterr().err == (
        f"warning: {fc}: server nbu_mediafc1: its server profile grants node access: privileged\n"
    )


def test_generate_without_output_prints_main_cf(capsys):
    assert gen("--cfsmount", "vxha") == 0
    assert capsys.readouterr().out == (GOLDEN / "examples-vxha.main.cf").read_text()


def test_generate_reports_profile_problems(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1.1.0\nkind: server\nname: 9bad\n")
    rc = main(["generate", "--cluster", str(EXAMPLES / "cluster.yaml"), str(bad)])
    assert rc == 1
    assert "bad.yaml" in capsys.readouterr().err


def test_generate_reports_generation_problems(tmp_path, capsys):
    (tmp_path / "system.cf.j2").write_text("system {{ system.name }} (\n  Capacity = x y\n)\n")
    assert gen("--templates", str(tmp_path)) == 1
    assert "rendered main.cf" in capsys.readouterr().err


def test_diff_and_commands(tmp_path, capsys):
    current = tmp_path / "current.cf"
    assert (
        main(
            [
                "generate",
                "--cluster",
                str(EXAMPLES / "cluster.yaml"),
                str(EXAMPLES / "servers" / "db1.yaml"),
                "--images",
                str(EXAMPLES / "images"),
                "-o",
                str(current),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert gen("--diff", str(current)) == 0
    out = capsys.readouterr().out
    assert "+ group auth1\n" in out and "+ group db1\n" not in out
    assert gen("--diff", str(current), "--as-commands") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "haconf -makerw" and lines[-1] == "haconf -dump -makero"
    assert "hagrp -add auth1" in lines
    # marked as vxha's in the very next command, as apply's plan does: commands stopped
    # between the two would leave a group no vxha command knows as its own
    added = lines.index("hagrp -add auth1")
    assert lines[added + 1].startswith("hagrp -modify auth1 UserStrGlobal "), lines[added + 1]


def test_diff_against_the_same_configuration_is_empty(capsys):
    assert gen("--diff", str(GOLDEN / "examples-veritas.main.cf")) == 0
    assert capsys.readouterr().out == ""


def test_as_commands_needs_diff(capsys):
    assert gen("--as-commands") == 2


def test_discover(tmp_path, capsys):
    # the profiles check loads against the discovered capacity: the smallest server
    out = tmp_path / "main.cf"
    rc = main(
        [
            "generate",
            "--cluster",
            str(EXAMPLES / "cluster.yaml"),
            str(EXAMPLES / "servers" / "auth1.yaml"),
            "--images",
            str(EXAMPLES / "images"),
            "--discover",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    assert "--discover" in capsys.readouterr().err


def test_verify_is_silent_on_a_valid_configuration(capsys):
    assert vxha(["verify", str(GOLDEN / "examples-veritas.main.cf")]) == 0
    assert vxha(["verify", str(FIXTURES / "drbd")]) == 0
    assert capsys.readouterr() == ("", "")


def test_verify_reports_file_and_line(tmp_path, capsys):
    text = (GOLDEN / "examples-veritas.main.cf").read_text()
    bad = tmp_path / "main.cf"
    bad.write_text(text.replace("group cvm online", "group nope online"))
    assert vxha(["verify", str(tmp_path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith(f"{bad}:") for line in err)
    assert "no group nope is declared" in err[0]


def test_verify_reports_a_syntax_error_with_its_position(tmp_path, capsys):
    bad = tmp_path / "main.cf"
    bad.write_text('include "types.cf"\n\ngroup g (\n    SystemList = { \n')
    assert vxha(["verify", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(f"{bad}:")


def test_verify_missing_file(tmp_path, capsys):
    assert vxha(["verify", str(tmp_path / "none.cf")]) == 1


def test_graph_dot(tmp_path):
    out = tmp_path / "g.dot"
    assert vxha(["graph", str(GOLDEN / "examples-veritas.main.cf"), "-o", str(out)]) == 0
    dot = out.read_text()
    assert dot.startswith('digraph "vxdemo" {')
    assert '"auth1_pf" -> "auth1_ctr";' in dot
    assert 'label="online local firm"' in dot


def test_graph_to_stdout(capsys):
    assert vxha(["graph", str(FIXTURES / "drbd" / "main.cf")]) == 0
    assert '"res0mount" -> "res0primary";' in capsys.readouterr().out


@pytest.mark.real
@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz dot is not installed")
def test_graph_svg(tmp_path):
    out = tmp_path / "g.svg"
    assert vxha(["graph", str(GOLDEN / "examples-veritas.main.cf"), "-o", str(out)]) == 0
    svg = out.read_text()
    assert "<svg" in svg and "auth1_ctr" in svg


def test_graph_svg_without_dot_writes_dot(tmp_path, monkeypatch, capsys):
    from vxha.generators import graph

    monkeypatch.setattr(graph, "dot_available", lambda: None)
    out = tmp_path / "g.svg"
    assert vxha(["graph", str(GOLDEN / "examples-veritas.main.cf"), "-o", str(out)]) == 1
    assert (tmp_path / "g.dot").exists() and not out.exists()
    assert "not installed" in capsys.readouterr().err


def test_graph_is_deterministic():
    """Two processes with different hash seeds (set and dict order by hash differ) render
    the same graph."""
    import subprocess
    import sys

    code = (
        "import sys; from vxha.generators.graph import to_dot; from vxha.vcs_types import cf; "
        "sys.stdout.write(to_dot(cf.parse_file(sys.argv[1])))"
    )
    path = str(GOLDEN / "examples-vxha.main.cf")
    outs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run(
            [sys.executable, "-c", code, path], env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        outs.add(run.stdout)
    assert len(outs) == 1 and "auth1_ctr" in outs.pop()


def test_generate_of_an_empty_profile_directory_is_refused(tmp_path, capsys):
    empty = tmp_path / "servers"
    empty.mkdir()
    args = ["generate", "--cluster", str(EXAMPLES / "cluster.yaml"), str(empty)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{empty}: no server profile" in err and "--allow-empty" in err
    assert main(args + ["--allow-empty", "-o", str(tmp_path / "main.cf")]) == 0
    assert "group " not in (tmp_path / "main.cf").read_text().replace("group cvm", "")
