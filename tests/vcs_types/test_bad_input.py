"""Bad input: one clear error with file:line:column, nothing written, no traceback.

Wall time is not asserted here (DECISIONS.md 8): benchmarks/bench_cf.py times the refusals.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from vxha.vcs_types.cf import MAX_BYTES, CfError, parse, parse_file
from vxha.vcs_types.verify import verify

LOCATED = re.compile(r".+:\d+:\d+: expected .+, found .+")


def _error_of(path):
    with pytest.raises(CfError) as e:
        parse_file(path)
    assert LOCATED.match(str(e.value)), str(e.value)
    return e.value


def test_bytes_that_are_not_utf8_are_refused_with_their_position(tmp_path):
    path = tmp_path / "main.cf"
    path.write_bytes(b'group g (\n\tA = "caf\xe9"\n)\n')
    err = _error_of(path)
    assert (err.line, err.column) == (2, 10)
    assert err.message == "expected UTF-8 text, found byte 0xe9"


def test_a_nul_byte_is_refused_with_its_position(tmp_path):
    path = tmp_path / "main.cf"
    path.write_bytes(b"group g (\n\tA = x\x00y\n)\n")
    err = _error_of(path)
    assert (err.line, err.column) == (2, 7) and err.message == "expected text, found a NUL byte"


@pytest.mark.parametrize("opening", ["{ ", "( ", "group g ( A = { "])
def test_ten_thousand_deep_nesting_is_refused_at_the_first_level_too_deep(opening):
    text = "group g (\n\tA = " + "{ " * 10_000 + "x" + " }" * 10_000 + "\n)\n"
    if opening != "{ ":
        text = opening * 10_000
    with pytest.raises(CfError) as e:
        parse(text, "deep.cf")
    assert LOCATED.match(str(e.value)), str(e.value)
    assert e.value.line <= 2


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "main.cf"
    with open(path, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: nothing is written to disk
    err = _error_of(path)
    assert (err.line, err.column) == (1, 1)
    assert err.message == (
        f"expected a configuration file of at most {MAX_BYTES // 2**20} MiB, found 100 MiB"
    )


def test_an_include_outside_the_configuration_directory_is_refused(tmp_path):
    conf = tmp_path / "conf"
    other = tmp_path / "other"
    conf.mkdir()
    other.mkdir()
    (other / "AppTypes.cf").write_text("type App (\n\tstr A\n)\n")
    (conf / "main.cf").write_text('include "types.cf"\n\ninclude "../other/AppTypes.cf"\n')
    err = _error_of(conf / "main.cf")
    assert (err.line, err.column) == (3, 1)
    assert f"allow it with --allow-include-dir {other}" in err.message
    cfg = parse_file(conf / "main.cf", allow_include_dirs=[other])
    assert "App" in cfg.types


def test_a_symbolic_link_inside_the_directory_counts_as_inside(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "AppTypes.cf").write_text("type App (\n\tstr A\n)\n")
    conf = tmp_path / "conf"
    conf.mkdir()
    os.symlink(tmp_path / "real" / "AppTypes.cf", conf / "AppTypes.cf")
    (conf / "main.cf").write_text('include "AppTypes.cf"\n')
    assert "App" in parse_file(conf / "main.cf").types


def _vxha(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "vxha.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_vxha_verify_reports_the_refusal_and_takes_the_option(tmp_path):
    conf = tmp_path / "conf"
    other = tmp_path / "other"
    conf.mkdir()
    other.mkdir()
    (other / "AppTypes.cf").write_text("type App (\n\tstr A\n)\n")
    (conf / "main.cf").write_text('include "../other/AppTypes.cf"\n')
    out = _vxha("verify", str(conf))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"{conf / 'main.cf'}:1:1: expected an include inside")
    assert _vxha("verify", str(conf), "--allow-include-dir", str(other)).returncode == 0


def test_every_missing_or_refused_include_is_named_in_one_run(tmp_path):
    # An admin fixing includes one run at a time would otherwise need a run per file: the
    # missing ones are named together, in file order, nested ones where they are written.
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "AppTypes.cf").write_text('include "LibTypes.cf"\ntype App (\n\tstr A\n)\n')
    (conf / "main.cf").write_text(
        'include "types.cf"\ninclude "NoSuchTypes.cf"\ninclude "AppTypes.cf"\n'
        'include "../elsewhere/XTypes.cf"\ninclude "OtherTypes.cf"\n'
    )
    main, app = conf / "main.cf", conf / "AppTypes.cf"
    expected = [
        f"{main}:2:1: expected an include file, found no file {conf / 'NoSuchTypes.cf'}",
        f"{app}:1:1: expected an include file, found no file {conf / 'LibTypes.cf'}",
        f"{main}:4:1: expected an include inside the configuration directory, found "
        f"../elsewhere/XTypes.cf ({tmp_path / 'elsewhere'} is outside it; allow it with "
        f"--allow-include-dir {tmp_path / 'elsewhere'})",
        f"{main}:5:1: expected an include file, found no file {conf / 'OtherTypes.cf'}",
    ]
    with pytest.raises(CfError) as e:
        parse_file(main)
    assert str(e.value).splitlines() == expected
    assert (e.value.file, e.value.line, e.value.column) == (str(main), 2, 1)
    assert [f"{i.where}: {i.message}" for i in verify(main)] == expected
    out = _vxha("verify", str(conf))
    assert out.returncode == 1 and out.stderr.splitlines() == expected


def test_vxha_verify_exits_0_on_warnings_only_and_prints_them(tmp_path):
    (tmp_path / "main.cf").write_text(
        'include "ContainerTypes.cf"\nsystem n1\ngroup g (\n\tSystemList = { n1 }\n\t)\n'
        '\tContainer c (\n\t\tName = web\n\t\tImage = "app:1"\n\t\t)\n'
    )
    out = _vxha("verify", str(tmp_path))
    assert out.returncode == 0
    assert out.stderr.startswith(f"{tmp_path / 'main.cf'}:7:3: warning: ")


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe garbage", b"group g (\n\tA = \x00\n)\n", b"{ " * 10_000, b"group g ( A = "],
)
def test_the_cli_never_prints_a_traceback_and_writes_nothing(tmp_path, content):
    (tmp_path / "main.cf").write_bytes(content)
    before = sorted(os.listdir(tmp_path))
    out = _vxha("verify", str(tmp_path / "main.cf"))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    (line,) = out.stderr.splitlines()  # one clear error
    assert LOCATED.match(line), line
    assert sorted(os.listdir(tmp_path)) == before


def test_verify_of_a_refused_file_is_its_one_syntax_issue(tmp_path):
    (tmp_path / "main.cf").write_bytes(b"\xc3")
    (issue,) = verify(tmp_path / "main.cf")
    assert issue.rule == "syntax" and issue.where == f"{tmp_path / 'main.cf'}:1:1"


def test_generate_with_a_bad_current_file_writes_nothing(tmp_path):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "profiles" / "examples"
    (tmp_path / "current.cf").write_text("group g (\n\tA = \n")
    out = tmp_path / "main.cf"
    result = _vxha(
        "generate",
        "--cluster",
        str(examples / "cluster.yaml"),
        str(examples / "servers"),
        "--images",
        str(examples / "images"),
        "-o",
        str(out),
        "--diff",
        str(tmp_path / "current.cf"),
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'current.cf'}:3:1: expected a value" in result.stderr
    assert not out.exists()
