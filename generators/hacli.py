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

from vxha.vcs_types.haforms import escape, unescape  # noqa: F401 - the one escape rule

ALREADY_WRITABLE = "V-16-1-10364"
NOT_WRITABLE = "V-16-1-10369"


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
        proc = subprocess.run(
            [exe, *argv[1:]], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise HaError(argv, 124, f"no answer within {timeout:.0f} s") from None
    return proc.returncode, proc.stdout, proc.stderr


def parse_table(text: str) -> list:
    """Rows of a ``#Name Attribute System Value`` table as 4-tuples (value may be empty)."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, 3)
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
        code, out, err = self.runner(list(argv), self.timeout)
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
