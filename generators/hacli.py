"""A client of VCS's ha* commands: every cluster workflow vxha adds goes through them.

It runs whatever ``hagrp``, ``hares``, ``hasys`` and ``haconf`` are on PATH (VCS's own on a
node, the simulator's shims in tests and the demo) and parses their output as VCS prints
it: tables headed ``#Group Attribute System Value``. Reads are bulk (one process for every
group or resource, never one per object), so a command costs the same few processes
whatever the size of the cluster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from vxha.vcs_types.haforms import NOT_WRITABLE, escape, unescape  # noqa: F401 - one rule each

ALREADY_WRITABLE = "V-16-1-10364"


class HaError(Exception):
    """An ha command failed; carries the command and what it printed."""

    def __init__(self, argv, code, output):
        self.argv = list(argv)
        self.code = code
        self.output = output.strip()
        super().__init__(f"'{' '.join(self.argv)}' failed (exit {code}): {self.output}")


def _run(argv, timeout):
    exe = shutil.which(argv[0])
    if exe is None:
        raise HaError(argv, 127, f"{argv[0]} not found on PATH (is VCS installed?)")
    try:
        proc = subprocess.run([exe, *argv[1:]], capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise HaError(argv, 124, f"no answer within {timeout:.0f} s") from None
    # VCS prints its own messages in the node's language: a byte that is not UTF-8 is shown
    # as U+FFFD rather than ending the command (chosen because every caller reads names and
    # states, which are ASCII, and an admin must still see the rest of the message).
    return proc.returncode, _text(proc.stdout), _text(proc.stderr)


def _text(data: bytes) -> str:
    """A command's output as text, newlines read as text mode reads them."""
    text = data.decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def parse_table(text: str, columns: int = 4) -> list:
    """Rows of a ``#Name Attribute System Value`` table as 4-tuples (value may be empty);
    ``columns=3`` for ``#System Attribute Value`` tables (the 4th item is then empty)."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, columns - 1)
        while len(parts) < 4:
            parts.append("")
        rows.append(tuple(parts))
    return rows


def clean_state(value: str) -> str:
    """``|ONLINE|`` or ``|OFFLINE|FAULTED|`` -> ``ONLINE`` / ``OFFLINE|FAULTED``."""
    return value.strip().strip("|")


def in_transition(state: str) -> bool:
    return any(q in state for q in ("STARTING", "STOPPING", "W_", "WAITING", "GOING"))


def is_up(state: str) -> bool:
    """A group or resource state that holds a service (online, partly, or going there)."""
    base = state.split("|")[0]
    return base in ("ONLINE", "PARTIAL") or "STARTING" in state or "W_ONLINE" in state


def poll_interval() -> float:
    return float(os.environ.get("VXHA_POLL", "1"))


class HaClient:
    """Thin, typed access to the cluster through the ha commands."""

    def __init__(self, runner=None, timeout: float = 60.0, log=None):
        self.runner = runner or _run
        self.timeout = timeout
        self.log = log  # callable(argv) told of every state-changing command
        self.calls = 0  # processes started (reads included): the bulk-read tests count it

    def run(self, *argv, change: bool = False) -> str:
        if change and self.log:
            self.log(list(argv))
        self.calls += 1
        try:
            code, out, err = self.runner(list(argv), self.timeout)
        except (OSError, ValueError) as exc:  # found but not runnable, or output not text
            what = getattr(exc, "filename", None) or argv[0]
            why = getattr(exc, "strerror", None) or exc
            raise HaError(argv, 126, f"{what} cannot be run: {why}") from None
        if code != 0:
            raise HaError(argv, code, (out + err))
        return out

    # -- bulk reads ---------------------------------------------------------------------
    def group_states(self) -> dict:
        """group -> system -> state (``ONLINE``, ``OFFLINE|FAULTED``, ...), every group."""
        states: dict = {}
        for name, _attr, system, value in parse_table(self.run("hagrp", "-state")):
            states.setdefault(name, {})[system] = clean_state(value)
        return states

    def resource_states(self) -> dict:
        """resource -> system -> state, every resource (one ``hares -state``)."""
        states: dict = {}
        for name, _attr, system, value in parse_table(self.run("hares", "-state")):
            states.setdefault(name, {})[system] = clean_state(value)
        return states

    def system_states(self) -> dict:
        """system -> SysState (RUNNING, FAULTED, EXITED, ...)."""
        states = {}
        for line in self.run("hasys", "-state").splitlines():
            words = line.split()
            if len(words) >= 3 and not line.startswith("#"):
                states[words[0]] = words[-1]
        return states

    def group_display(self, attrs):
        """(group -> system -> state, group -> attribute -> {system or "global": value}) for
        ``attrs`` of every group: one ``hagrp -display -attribute State A ...`` (hagrp(1M),
        InfoScale 7.3). An engine that refuses ``-attribute`` is asked ``hagrp -display``
        for everything instead."""
        try:
            out = self.run("hagrp", "-display", "-attribute", "State", *attrs)
        except HaError:
            out = self.run("hagrp", "-display")
        states: dict = {}
        table: dict = {}
        wanted = set(attrs)
        for name, attr, system, value in parse_table(out):
            if attr == "State" and system != "global":
                states.setdefault(name, {})[system] = clean_state(value)
            elif attr in wanted:
                table.setdefault(name, {}).setdefault(attr, {})[system] = value
        return states, table

    def display(self, command: str, attrs, names=(), options=()) -> dict:
        """name -> attribute -> {system or "global": value} of ``attrs`` of every object
        (or ``names``): one ``<command> -display [NAME...] -attribute A... [OPTION...]``.
        Systems and types print three columns: their values are keyed "global"."""
        out = self.run(command, "-display", *names, "-attribute", *attrs, *options)
        table: dict = {}
        if command in ("hasys", "hatype"):
            rows = [(n, a, "global", v) for n, a, v, _ in parse_table(out, 3)]
        else:
            rows = parse_table(out)
        for name, attr, system, value in rows:
            table.setdefault(name, {}).setdefault(attr, {})[system] = value
        return table

    def group_dependencies(self) -> list:
        """(parent, child, category, location, rigidity) of every group dependency: one
        ``hagrp -dep``; none configured (V-16-1-50035) is an empty list."""
        try:
            out = self.run("hagrp", "-dep")
        except HaError as exc:
            if "50035" in exc.output or "No Group dependencies" in exc.output:
                return []
            raise
        deps = []
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 4 and not line.startswith("#"):
                deps.append(tuple(words[:5]) if len(words) >= 5 else (*words[:4], "firm"))
        return deps

    def forecast(self, group: str):
        """The system ``hagrp -forecast GROUP`` names (VCS 6.1 and later), or None when the
        engine names none or has no -forecast."""
        try:
            words = self.run("hagrp", "-forecast", group).split()
        except HaError:
            return None
        return words[0] if words else None

    def readonly(self):
        """True/False when the engine says (``haclus -value ReadOnly``), None if it cannot."""
        try:
            return self.run("haclus", "-value", "ReadOnly").strip() != "0"
        except HaError:
            return None

    # -- waiting ------------------------------------------------------------------------
    def wait_group(self, group: str, system: str, want, timeout: float = 300.0) -> str:
        """Poll ``hagrp -state G -sys S`` until ``want(state)``; TimeoutError otherwise."""
        return self._wait("hagrp", group, system, want, timeout)

    def wait_resource(self, resource: str, system: str, want, timeout: float = 300.0) -> str:
        return self._wait("hares", resource, system, want, timeout)

    def _wait(self, cmd, name, system, want, timeout):
        end = time.monotonic() + timeout
        while True:
            rows = parse_table(self.run(cmd, "-state", name, "-sys", system))
            state = clean_state(rows[0][3]) if rows else ""
            if want(state):
                return state
            if "FAULTED" in state and not want("OFFLINE"):
                raise HaError(
                    [cmd, "-state", name, "-sys", system], 1, f"{name} is {state} on {system}"
                )
            if time.monotonic() > end:
                raise TimeoutError(
                    f"{'group' if cmd == 'hagrp' else 'resource'} {name} is {state or '?'} "
                    f"on {system} after {timeout:.0f} s"
                )
            time.sleep(poll_interval())
