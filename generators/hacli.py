"""A client of VCS's ha* commands: every cluster workflow vxha adds goes through them.

It runs whatever ``hagrp``, ``hares``, ``hasys`` and ``haconf`` are on PATH (VCS's own on a
node, the simulator's shims in tests and the demo) and parses their output as VCS prints
it: tables headed ``#Group Attribute System Value`` and bare values for ``-value``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

ALREADY_WRITABLE = "V-16-1-10364"
NOT_WRITABLE = "V-16-1-10369"
SERVER_TAG = "vxha:server="

STEADY_STATES = {"ONLINE", "OFFLINE", "PARTIAL", "FAULTED", "OFFLINE|FAULTED"}


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
    proc = subprocess.run(
        [exe, *argv[1:]], capture_output=True, text=True, timeout=timeout, check=False
    )
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


class HaClient:
    """Thin, typed access to the cluster through the ha commands."""

    def __init__(self, runner=None, timeout: float = 60.0, log=None):
        self.runner = runner or _run
        self.timeout = timeout
        self.log = log  # callable(argv) told of every state-changing command

    def run(self, *argv, change: bool = False) -> str:
        if change and self.log:
            self.log(list(argv))
        code, out, err = self.runner(list(argv), self.timeout)
        if code != 0:
            raise HaError(argv, code, (out + err))
        return out

    # -- configuration ----------------------------------------------------------------
    def makerw(self) -> None:
        try:
            self.run("haconf", "-makerw", change=True)
        except HaError as exc:
            if ALREADY_WRITABLE not in exc.output:
                raise

    def dump_makero(self) -> None:
        try:
            self.run("haconf", "-dump", "-makero", change=True)
        except HaError as exc:
            if NOT_WRITABLE not in exc.output:
                raise

    # -- queries ----------------------------------------------------------------------
    def groups(self) -> list:
        seen = []
        for line in self.run("hagrp", "-list").splitlines():
            words = line.split()
            if words and not line.startswith("#") and words[0] not in seen:
                seen.append(words[0])
        return seen

    def group_states(self, group: str) -> dict:
        """system -> state of the group (``ONLINE``, ``OFFLINE|FAULTED``, ...)."""
        return {
            system: clean_state(value)
            for name, _attr, system, value in parse_table(self.run("hagrp", "-state", group))
            if name == group
        }

    def group_value(self, group: str, attr: str, system: str | None = None) -> str:
        argv = ["hagrp", "-value", group, attr] + ([system] if system else [])
        return self.run(*argv).strip()

    def group_systems(self, group: str) -> list:
        """Systems of the group's SystemList, in priority order."""
        words = self.group_value(group, "SystemList").split()
        pairs = list(zip(words[::2], words[1::2]))
        return [s for s, _ in sorted(pairs, key=lambda p: (int(p[1]), words.index(p[0])))]

    def system_states(self) -> dict:
        """system -> SysState (RUNNING, FAULTED, EXITED, ...)."""
        states = {}
        for line in self.run("hasys", "-state").splitlines():
            words = line.split()
            if len(words) >= 3 and not line.startswith("#"):
                states[words[0]] = words[-1]
        return states

    def resources(self, group: str) -> list:
        return self.run("hagrp", "-resources", group).split()

    def dependencies(self) -> list:
        """(parent, child, category, location, rigidity) of every group dependency."""
        deps = []
        for line in self.run("hagrp", "-dep").splitlines():
            words = line.split()
            if len(words) >= 5 and not line.startswith("#"):
                deps.append(tuple(words[:5]))
        return deps

    def resource_links(self, group: str) -> list:
        """(parent, child) resource links inside a group (``hares -dep``)."""
        links = []
        for line in self.run("hares", "-dep").splitlines():
            words = line.split()
            if len(words) == 3 and not line.startswith("#") and words[0] == group:
                links.append((words[1], words[2]))
        return links

    def servers(self) -> dict:
        """server name -> its groups, found by the ``UserStrGlobal`` tag (DECISIONS.md 3)."""
        found = {}
        for group in self.groups():
            tag = self.group_value(group, "UserStrGlobal")
            if tag.startswith(SERVER_TAG):
                found.setdefault(tag[len(SERVER_TAG) :].split(";")[0], []).append(group)
        return found

    def wait_group(self, group: str, want, systems=None, timeout: float = 300.0, step=None) -> dict:
        """Wait until the group's state on ``systems`` satisfies ``want(state)``.

        ``step`` is called between polls (the simulator advances its clock there)."""
        end = time.monotonic() + timeout
        while True:
            states = self.group_states(group)
            relevant = {s: v for s, v in states.items() if systems is None or s in systems}
            if all(want(v) for v in relevant.values()):
                return states
            if time.monotonic() > end:
                raise TimeoutError(f"group {group} did not settle: {relevant}")
            if step:
                step()
            else:
                time.sleep(float(os.environ.get("VXHA_POLL", "1")))
