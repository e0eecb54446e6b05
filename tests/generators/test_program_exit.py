"""The vxha program ends ``vxha generate`` and ``vxha verify`` without freeing their model
(cli/main.py, ``run``); every byte, exit code and file stays what ``main`` gives, and code
calling ``main`` in process is never ended."""

from __future__ import annotations

import os
import subprocess
import sys

from genhelp import EXAMPLES, GOLDEN

from vxha.cli import main as cli

# The program as its console script and ``python -m`` run it, with an exit handler that
# speaks only when the interpreter's ordinary exit runs (os._exit skips it).
PROGRAM = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write('ordinary exit\\n'))\n"
    "runpy.run_module('vxha.cli.main', run_name='__main__', alter_sys=True)\n"
)
GENERATE = [
    "generate",
    "--cluster",
    str(EXAMPLES / "cluster.yaml"),
    str(EXAMPLES / "servers"),
    "--images",
    str(EXAMPLES / "images"),
]
WARNING = (
    f"warning: {EXAMPLES / 'servers' / 'nbu_mediafc1.yaml'}: server nbu_mediafc1: "
    "its server profile grants node access: privileged\n"
)
SYNTAX_ERROR = 'include "types.cf"\n\ngroup g (\n    SystemList = { \n'


def program(args, stdout=subprocess.PIPE):
    # stdout buffered, as it is under a pipe or in a file without PYTHONUNBUFFERED
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def test_generate_as_the_program_writes_the_same_file_and_ends_at_once(tmp_path):
    out = tmp_path / "main.cf"
    run = program(GENERATE + ["-o", str(out)])
    assert (run.returncode, run.stdout, run.stderr) == (0, "", WARNING)
    assert out.read_text() == (GOLDEN / "examples-veritas.main.cf").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["main.cf"]  # no temporary file left


def test_generate_to_stdout_as_the_program_prints_all_of_it():
    run = program(GENERATE + ["--cfsmount", "vxha"])
    assert (run.returncode, run.stderr) == (0, WARNING)
    assert run.stdout == (GOLDEN / "examples-vxha.main.cf").read_text()


def test_verify_as_the_program_gives_the_findings_of_main(tmp_path, capsys):
    valid = program(["verify", str(GOLDEN / "examples-veritas.main.cf")])
    assert (valid.returncode, valid.stdout, valid.stderr) == (0, "", "")
    text = (GOLDEN / "examples-veritas.main.cf").read_text()
    (tmp_path / "main.cf").write_text(text.replace("group cvm online", "group nope online"))
    (tmp_path / "syntax.cf").write_text(SYNTAX_ERROR)
    for name in ("main.cf", "syntax.cf", "none.cf"):
        path = str(tmp_path / name)
        assert cli.main(["verify", path]) == 1
        expected = capsys.readouterr().err
        run = program(["verify", path])
        assert (run.returncode, run.stdout, run.stderr) == (1, "", expected)
    assert expected == f"{tmp_path / 'none.cf'}: cannot read: No such file or directory\n"


def test_other_commands_and_failures_exit_as_before(tmp_path):
    version = program(["--version"])
    assert (version.returncode, version.stderr) == (0, "ordinary exit\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1.1.0\nkind: server\nname: 9bad\n")
    refused = program(["generate", "--cluster", str(EXAMPLES / "cluster.yaml"), str(bad)])
    assert refused.returncode == 1 and str(bad) in refused.stderr


def test_a_full_disk_under_stdout_is_reported_as_before():
    with open("/dev/full", "w") as full:
        run = program(GENERATE, stdout=full)
    assert (run.returncode, run.stderr) == (1, WARNING + "vxha: No space left on device\n")


def test_main_in_process_never_ends_the_process(monkeypatch, tmp_path, capsys):
    def refuse(code):
        raise AssertionError(f"os._exit({code}) in process")

    monkeypatch.setattr(os, "_exit", refuse)
    assert cli.main(GENERATE + ["-o", str(tmp_path / "main.cf")]) == 0
    assert cli.main(["verify", str(tmp_path / "main.cf")]) == 0
    assert capsys.readouterr().err == WARNING


def test_held_keeps_the_model_only_for_generate_and_verify(tmp_path, capsys):
    held: list = []
    assert cli.main(["verify", str(GOLDEN / "examples-veritas.main.cf")], held) == 0
    assert any(type(x).__name__ == "Config" for x in held)
    held = []
    assert cli.main(GENERATE + ["-o", str(tmp_path / "main.cf")], held) == 0
    assert any(type(x).__name__ == "Result" for x in held)
    held = []
    assert cli.main(["graph", str(GOLDEN / "examples-veritas.main.cf")], held) == 0
    assert held == []
    capsys.readouterr()


def test_end_now_flushes_then_exits_and_leaves_a_failed_flush_to_the_ordinary_exit(
    monkeypatch,
):
    ended = []
    monkeypatch.setattr(os, "_exit", ended.append)

    class Stream:
        def __init__(self, fails):
            self.fails, self.flushed = fails, False

        def flush(self):
            if self.fails:
                raise OSError(28, "No space left on device")
            self.flushed = True

    out, err = Stream(False), Stream(False)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    cli._end_now(3)
    assert ended == [3] and out.flushed and err.flushed
    monkeypatch.setattr(sys, "stdout", Stream(True))
    cli._end_now(0)
    assert ended == [3]  # returned: sys.exit and the interpreter's exit follow
