"""No vxha command prints a traceback or hangs, whatever its arguments and files.

Every command of the table in cli/main.py is driven in process with generated argv: its
own options (read from its --help) and sub-actions, and paths to files of every awkward
kind (missing, a directory, a path through a file, empty, binary, not UTF-8, junk YAML
and main.cf), numbers, dashes and non-UTF-8 words. Each run must end with exit 0 (the
arguments happened to make sense), or 1 or 2 with a message on stderr, never a traceback
and never vxha's last-resort "internal error" line. FIFOs nobody writes and a stdout
whose reader has gone are tried with real processes, time-boxed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vxha.cli import main as cli
from vxha.profiles import EXAMPLES

VXHA = os.path.join(os.path.dirname(sys.executable), "vxha")
COMMANDS = sorted(cli.COMMANDS)
# Runs that would start something long-lived are kept out of the generated ones: `sim serve`
# is left out of the words, `demo` always gets a missing --profiles and `watch` --once;
# `demo-real` (as root it builds real nodes) runs with --help only.


def run_inprocess(argv):
    """(exit code, stdout, stderr) of ``vxha.cli.main.main(argv)``, streams captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        stdin, sys.stdin = sys.stdin, io.StringIO("")
        try:
            code = cli.main(list(argv))
        finally:
            sys.stdin = stdin
    return code, out.getvalue(), err.getvalue()


def check(argv, code, out, err):
    shown = f"vxha {argv!r} -> {code}\nstdout: {out[-800:]}\nstderr: {err[-2000:]}"
    assert "Traceback" not in err + out, shown
    assert "internal error" not in err, shown
    assert code in (0, 1, 2), shown
    if code != 0:  # said on stderr, or the answer itself on stdout (why, compat, --json)
        assert err.strip() or out.strip(), shown


@pytest.fixture(scope="module")
def files():
    """Paths of every awkward kind, made once for the module."""
    root = tempfile.mkdtemp(prefix=f"vxha-notb-{os.getpid()}-")
    paths = {"missing": os.path.join(root, "missing.yaml"), "dir": root}
    with open(os.path.join(root, "plain"), "w") as f:
        f.write("x")
    paths["through_file"] = os.path.join(root, "plain", "below.cf")
    contents = {
        "empty.yaml": b"",
        "binary.cf": bytes(range(256)) * 4,
        "latin1.yaml": "name: caf\xe9\n".encode("latin-1"),
        "junk.yaml": b"schema: [unclosed\n  - : :\n",
        "list.yaml": b"- 1\n- 2\n",
        "junk.cf": b"group g (\n  SystemList = { n1 = \n",
        "events.yaml": b"events: 7\n",
        "deep.json": b"[" * 5000,
    }
    for name, data in contents.items():
        path = os.path.join(root, name)
        with open(path, "wb") as f:
            f.write(data)
        paths[name] = path
    # Good inputs too, copied so that a command writing beside them writes here, so that
    # generated runs get past the first check into the commands' deeper paths.
    examples = os.path.join(root, "examples")
    shutil.copytree(EXAMPLES, examples)
    paths["examples"] = examples
    paths["cluster.yaml"] = os.path.join(examples, "cluster.yaml")
    paths["servers"] = os.path.join(examples, "servers")
    paths["server.yaml"] = os.path.join(examples, "servers", "auth1.yaml")
    paths["images"] = os.path.join(examples, "images")
    paths["good.cf"] = os.path.join(root, "good", "main.cf")
    os.makedirs(os.path.dirname(paths["good.cf"]))
    code, _, err = run_inprocess(
        ["generate", "--cluster", paths["cluster.yaml"], paths["servers"], "--images",
         paths["images"], "-o", paths["good.cf"]],
    )  # fmt: skip
    assert code == 0, err
    paths["in_missing_dir"] = os.path.join(root, "nodir", "out.cf")
    yield paths
    subprocess.run(["rm", "-rf", root], check=False, timeout=60)


GOOD = {"examples", "cluster.yaml", "servers", "server.yaml", "images", "good.cf"}
_HELP_CACHE: dict = {}


def words_of(command) -> list:
    """The options and sub-actions a command's --help names."""
    if command not in _HELP_CACHE:
        _, out, _ = run_inprocess([command, "--help"])
        opts = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", out)) - {"-h", "--help"}
        subs = set()
        for group in re.findall(r"\{([\w,-]+)\}", out):
            subs.update(group.split(","))
        subs.discard("serve")  # serves until stopped: tried with processes below
        _HELP_CACHE[command] = sorted(opts) + sorted(subs)
    return _HELP_CACHE[command]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No cluster (no ha* on PATH, no simulator socket), state and output under tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + ":/usr/bin:/bin")
    monkeypatch.setenv("VXHA_SIM_SOCKET", str(tmp_path / "no.sock"))
    monkeypatch.setenv("VXHA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VXHA_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.delenv("VXHA_PROFILES", raising=False)
    monkeypatch.delenv("VXHA_DEBUG", raising=False)
    return tmp_path


def token(files, command_words):
    paths = st.sampled_from(sorted(files.values()))
    return st.one_of(
        st.sampled_from(command_words) if command_words else st.nothing(),
        paths,
        paths.map(lambda p: f"--cluster={p}"),
        st.sampled_from(["", "-", "--", "-1", "0", "99999999999", "n1", "x=y", "a/b"]),
        st.text(max_size=12),
        st.binary(min_size=1, max_size=8).map(lambda b: os.fsdecode(b)),
    )


@settings(
    max_examples=int(os.environ.get("VXHA_NOTB_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_argv_gives_a_message_and_an_exit_code(data, files, isolated):
    command = data.draw(st.sampled_from(COMMANDS), label="command")
    words = words_of(command)
    rest = data.draw(st.lists(token(files, words), max_size=5), label="args")
    argv = [command] + rest
    if command == "demo" and "--help" not in rest:
        argv += ["--profiles", files["missing"], "--out", str(isolated / "demo")]
    if command == "watch":
        argv.append("--once")
    if command == "install-agents":
        # last, so it wins over any drawn: the default root is the host's / (this test ran
        # as root once rewrote /opt/VRTSvcs/bin with launchers of a development venv)
        (isolated / "root").mkdir(exist_ok=True)
        argv += ["--root", str(isolated / "root")]
    if command == "render-types":
        argv += ["--dir", str(isolated / "types")]  # the default is vxha's own source tree
    if command == "demo-real":
        argv = [command, "--help"]
    with_timeout(lambda: check(argv, *run_inprocess(argv)), argv)


P = "{path}"
# A working argv of each command with its file arguments as holes: filled with paths of
# every kind, good ones included, so that runs reach the commands' deeper paths.
SHAPES = [
    ["generate", "--cluster", P, P, "--images", P, "-o", P],
    ["generate", "--cluster", P, P, "--images", P, "--diff", P, "--as-commands"],
    ["generate", "--cluster", P, P, "--templates", P],
    ["verify", P],
    ["verify", P, "--allow-include-dir", P],
    ["graph", P, "-o", P],
    ["validate", P, "--cluster", P, "--images", P],
    ["validate", P, P, "--json"],
    ["compat", "serve", P],
    ["compat", "host", P, "--system", "n1", "--cluster", P, "--images", P],
    ["compat", "qos", P, "--cluster", P, "--images", P],
    ["server", "new", "--type", "nbu/master", "--images", P, "--dir", P, "--non-interactive"],
    ["sim", "run", P, "--events", P, "--run-dir", P],
    ["sim", "shims", P],
    ["sim", "event", "kill", "--system", "n1", "--resource", "x"],
    ["install-agents", "--root", P],
    ["render-types", "--dir", P],
    ["render-types", "--check", "--dir", P],
    ["apply", P, "--dry-run", "--current", P],
    ["maintenance", "on", "db1", "--config-dir", P],
    ["delete", "db1", "--now", "--profiles", P, "--dry-run"],
    ["restore", "db1", "--profiles", P],
    ["inventory", "--profiles", P],
    ["cluster", "add-types", "--dry-run"],
    ["demo", "--out", P, "--profiles", "{bad}"],
    ["status", "--json"],
    ["why", "db1"],
    ["upgrade", "db1", "--to", "10.12", "--profiles", P, "--images", P],
    ["downgrade", "db1", "--to", "10.2", "--profiles", P],
    ["watch", "--once", "--system", "n1", "--state-dir", P],
    ["demo-real", "--help"],
]


def test_every_command_has_a_shape():
    assert sorted({s[0] for s in SHAPES}) == COMMANDS


@settings(
    max_examples=int(os.environ.get("VXHA_NOTB_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_working_argv_with_any_files(data, files, isolated):
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    good = sorted(files.values())
    bad = sorted(v for k, v in files.items() if k not in GOOD)
    argv = []
    for word in shape:
        if word == P:
            argv.append(data.draw(st.sampled_from(good), label="path"))
        elif word == "{bad}":
            argv.append(data.draw(st.sampled_from(bad), label="bad path"))
        else:
            argv.append(word)
    with_timeout(lambda: check(argv, *run_inprocess(argv)), argv)


def with_timeout(fn, argv, seconds=60):
    """Run ``fn`` in a thread; fail (not hang) when it does not finish in time."""
    box = {}

    def target():
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"vxha {argv!r} did not finish within {seconds} s"
    if "error" in box:
        raise box["error"]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_a_usage_error(command, isolated):
    argv = [command, "--no-such-option"]
    code, out, err = run_inprocess(argv)
    check(argv, code, out, err)
    assert code == 2, (code, err)


# -- processes: FIFOs and broken pipes ----------------------------------------------------------


def _process(argv, tmp, stdout=subprocess.PIPE, timeout=30):
    env = dict(
        os.environ,
        PATH=os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        VXHA_SIM_SOCKET=str(tmp / "no.sock"),
        VXHA_STATE_DIR=str(tmp / "state"),
        VXHA_CONFIG_DIR=str(tmp / "conf"),
    )
    return subprocess.run(
        [VXHA, *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=tmp,
        timeout=timeout,
        check=False,
    )


FIFO_ARGV = {
    "install-agents": ["--root", "{fifo}"],
    "render-types": ["--dir", "{fifo}"],
    "validate": ["{fifo}"],
    "compat": ["serve", "{fifo}"],
    "server": ["new", "--type", "nbu/master", "--dir", "{fifo}"],
    "generate": ["--cluster", "{fifo}", "{fifo}"],
    "verify": ["{fifo}"],
    "graph": ["{fifo}"],
    "sim": ["run", "{fifo}"],
    "maintenance": ["list", "--config-dir", "{fifo}"],
    "delete": ["s1", "--now", "--profiles", "{fifo}"],
    "restore": ["s1", "--profiles", "{fifo}"],
    "inventory": ["--profiles", "{fifo}"],
    "apply": ["{fifo}"],
    "cluster": ["add-types", "--types", "{fifo}"],
    "demo": ["--profiles", "{fifo}"],
    "status": ["{fifo}"],
    "why": ["{fifo}"],
    "upgrade": ["db1", "--profiles", "{fifo}"],
    "downgrade": ["db1", "--profiles", "{fifo}"],
    "watch": ["--once", "--state-dir", "{fifo}"],
    "demo-real": ["--profiles", "{fifo}"],
}


def test_every_command_has_a_fifo_case():
    assert sorted(FIFO_ARGV) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_nobody_writes_does_not_hang(command, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    argv = [command] + [a.replace("{fifo}", str(fifo)) for a in FIFO_ARGV[command]]
    proc = _process(argv, tmp_path)
    err = proc.stderr.decode("utf-8", "replace")
    check(argv, proc.returncode, "", err)
    assert proc.returncode == 2 and ": a FIFO: " in err, err


# Commands with something on stdout to write into a pipe whose reader has gone.
PIPE_ARGV = [
    ["--help"],
    ["validate", "{examples}"],
    ["verify", "--help"],
    ["render-types", "--help"],
    ["sim", "--help"],
    ["status", "--help"],
]


@pytest.mark.parametrize("argv", PIPE_ARGV, ids=lambda a: " ".join(a))
def test_a_closed_stdout_ends_quietly(argv, tmp_path):
    from vxha.profiles import EXAMPLES

    argv = [a.replace("{examples}", EXAMPLES) for a in argv]
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    try:
        proc = _process(argv, tmp_path, stdout=write)
    finally:
        os.close(write)
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    # What the reader took stands, and nobody is told about the pipe.
    assert proc.returncode == 0 and "pipe" not in err.lower(), (proc.returncode, err)


def test_a_broken_pipe_other_than_stdout_is_a_failure(monkeypatch):
    from vxha.cli import status_cmd

    def broken(argv):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setitem(status_cmd.COMMANDS, "status", broken)
    code, out, err = run_inprocess(["status"])
    assert (code, err) == (1, "vxha: Broken pipe\n")


# The last-resort handler of cli/main.py: whatever a command raises, one line and its code
# (no test of the ordinary runs reaches these: a command that works raises none of them).
# 130 for Ctrl-C: 128 + SIGINT, as the shell reports a process SIGINT ended (chosen because
# docs/profiles.md has `server new` end so, and one code for every command).
@pytest.mark.parametrize(
    "exc, code, said",
    [
        (KeyboardInterrupt(), 130, "vxha: interrupted\n"),
        (SystemExit("vxha status: no such thing"), 1, "vxha status: no such thing\n"),
        (SystemExit(None), 0, ""),
        (
            UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
            1,
            "vxha: a file read is not UTF-8 text (invalid start byte)\n",
        ),
        (KeyError("web"), 1, "vxha: internal error: KeyError: 'web'\n"),
    ],
)
def test_what_a_command_raises_is_one_line_and_its_code(monkeypatch, exc, code, said):
    from vxha.cli import status_cmd

    def raising(argv):
        raise exc

    monkeypatch.delenv("VXHA_DEBUG", raising=False)
    monkeypatch.setitem(status_cmd.COMMANDS, "status", raising)
    assert run_inprocess(["status"]) == (code, "", said)


def test_vxha_debug_lets_a_defect_s_traceback_through(monkeypatch):
    from vxha.cli import status_cmd

    def raising(argv):
        raise KeyError("web")

    monkeypatch.setenv("VXHA_DEBUG", "1")
    monkeypatch.setitem(status_cmd.COMMANDS, "status", raising)
    with pytest.raises(KeyError, match="web"):
        run_inprocess(["status"])


def test_an_unknown_command_or_a_nul_in_an_argument_is_a_usage_error():
    code, out, err = run_inprocess(["nosuchcommand"])
    assert (code, out) == (2, "")
    assert err.startswith("vxha: unknown command 'nosuchcommand'\n\nusage: vxha COMMAND")
    assert run_inprocess(["status", "a\x00b"]) == (
        2,
        "",
        "vxha: an argument holds a NUL character\n",
    )


def test_fifos_and_devices_are_refused_sockets_and_dev_null_are_not(tmp_path):
    import socket

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "a FIFO" in cli.special_file(["run", str(fifo)])
    assert "a FIFO" in cli.special_file([f"--events={fifo}"])
    assert "a device" in cli.special_file(["/dev/zero"])
    assert cli.special_file([os.devnull, str(tmp_path), "-", "--json", "n1"]) == ""
    # The simulator's socket is an argument (--socket): refusing it would stop every
    # `vxha sim advance|event|transcript --socket PATH`.
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(path)
        assert cli.special_file(["advance", "5", "--socket", path]) == ""


# The examples as shipped: generated runs may write over the module's copies.
PRISTINE = [
    "--cluster", os.path.join(EXAMPLES, "cluster.yaml"), os.path.join(EXAMPLES, "servers"),
    "--images", os.path.join(EXAMPLES, "images"),
]  # fmt: skip


def test_an_output_that_cannot_be_written_is_named_and_nothing_is_left(isolated):
    base = ["generate", *PRISTINE, "-o"]
    missing = isolated / "nodir" / "main.cf"
    code, _, err = run_inprocess(base + [str(missing)])
    assert code == 1
    assert err.splitlines()[-1] == (
        f"vxha: {missing}: no directory {isolated / 'nodir'} to write it in"
    )
    code, _, err = run_inprocess(base + [str(isolated)])
    assert code == 1
    assert err.splitlines()[-1] == f"vxha: {isolated}: a directory, not a file to write"
    assert not [p for p in os.listdir(isolated) if p.startswith(".vxha-")]


@pytest.mark.parametrize(
    ("name", "said"), [("deep.json", "nested too deeply"), ("junk.yaml", "not valid YAML")]
)
def test_an_events_file_that_is_not_yaml_is_named(files, isolated, name, said):
    main_cf = str(isolated / "main.cf")
    code, _, err = run_inprocess(["generate", *PRISTINE, "-o", main_cf])
    assert code == 0, err
    argv = ["sim", "run", main_cf, "--events", files[name]]
    code, _, err = run_inprocess(argv + ["--run-dir", str(isolated / "run")])
    assert code == 2 and err.startswith(f"vxha sim run: {files[name]}: {said}"), err
