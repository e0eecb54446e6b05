"""The plan runner: every command that changes a live cluster goes through it.

A plan is a list of steps (DECISIONS.md 10): an ``ha*`` argv, a wait for a state, or a
local action (moving a profile aside), each saying what it changes, whether it stops a
service, and the checks ``--resume`` makes before it runs again (``pre``: must hold;
``done``: its effect is already there, so it is skipped).

The runner shows the plan, asks before anything that stops a service or changes the whole
cluster (``--yes``), opens the configuration itself (refusing one someone else has open,
unless joining, and then never saving it), runs the steps one by one, stops at the first
failure, leaves the configuration saved and read-only, and records what is left in a
journal so that ``--resume`` continues and ``--undo`` goes back.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional

from vxha.generators.hacli import (
    ALREADY_WRITABLE,
    NOT_WRITABLE,
    HaClient,
    HaError,
    in_transition,
    is_up,
)

JOURNAL = "plan.json"


class PlanRefused(Exception):
    """The plan was not run at all (refused, or not confirmed); nothing was changed."""


class PlanStopped(Exception):
    """A step failed: the message says what ran, what did not, and how to go on."""


@dataclass
class Step:
    kind: str  # command | wait | local
    argv: List[str]  # command: the ha* argv; wait: [hagrp|hares, name, system|"", state];
    # local: [action, args...]
    what: str  # what it changes, in a few words
    stops: bool = False  # stops (or restarts) a service
    session: bool = False  # needs the configuration open (haconf -makerw)
    confirm: str = ""  # a change beyond vxha's own groups: asked about on its own
    pre: List[list] = field(default_factory=list)
    done: List[list] = field(default_factory=list)
    timeout: float = 300.0

    def line(self) -> str:
        if self.kind == "command":
            return " ".join(_quote(a) for a in self.argv)
        if self.kind == "wait":
            cmd, name, system, want = self.argv
            where = f"on {system}" if system else "on some system"
            noun = "group" if cmd == "hagrp" else "resource"
            return f"wait until {noun} {name} is {want} {where} (at most {self.timeout:.0f} s)"
        return f"{self.argv[0]} {' '.join(self.argv[1:])}"


def _quote(word: str) -> str:
    import shlex

    return shlex.quote(word)


@dataclass
class Plan:
    command: str  # the vxha command that made it: apply, delete, maintenance
    steps: List[Step] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    summary: str = ""
    undo: dict = field(default_factory=dict)  # what --undo needs (see operations)
    config_path: str = ""

    def stopping(self) -> List[int]:
        return [i for i, s in enumerate(self.steps, 1) if s.stops]

    def to_json(self) -> dict:
        return {
            "command": self.command,
            "summary": self.summary,
            "notes": self.notes,
            "undo": self.undo,
            "config_path": self.config_path,
            "steps": [asdict(s) for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        plan = cls(
            data["command"],
            notes=list(data.get("notes", [])),
            summary=data.get("summary", ""),
            undo=dict(data.get("undo") or {}),
            config_path=data.get("config_path", ""),
        )
        plan.steps = [Step(**s) for s in data["steps"]]
        return plan


# -- showing and asking ------------------------------------------------------------------


def show(plan: Plan, out=print, start: int = 0, join: bool = False) -> None:
    """The plan as an admin reads it: numbered steps, the ones that stop a service marked."""
    if plan.summary:
        out(plan.summary)
    for note in plan.notes:
        out(f"note: {note}")
    if not plan.steps:
        out("nothing to do")
        return
    todo = list(range(start, len(plan.steps)))
    session = [i for i in todo if plan.steps[i].session]
    if session:
        # The runner opens the configuration before the first step, so that someone
        # else's open session is refused before anything changes.
        out(
            "      haconf -makerw" + ("   (joined: the open configuration is used)" if join else "")
        )
    for i in todo:
        s = plan.steps[i]
        mark = "STOP" if s.stops else ("ASK " if s.confirm else "    ")
        out(f"{i + 1:>4} {mark} {s.line()}" + (f"   # {s.what}" if s.what else ""))
        if session and i == session[-1]:
            out("      haconf -dump -makero" + ("   (not run: joined)" if join else ""))


def confirm(plan: Plan, yes: bool, ask: Optional[Callable[[str], str]] = None, start=0) -> None:
    """Ask before a plan that stops a service or changes the whole cluster; PlanRefused if
    the answer is no, or if there is no terminal to ask at and no ``--yes``."""
    steps = plan.steps[start:]
    stops = [i + 1 + start for i, s in enumerate(steps) if s.stops]
    wide = [(i + 1 + start, s) for i, s in enumerate(steps) if s.confirm]
    if yes or (not stops and not wide):
        return
    if ask is None:
        if not sys.stdin.isatty():
            what = []
            if stops:
                what.append(f"stops services (steps {_ranges(stops)})")
            if wide:
                what.append(f"changes the whole cluster (step {_ranges([i for i, _ in wide])})")
            raise PlanRefused(
                f"this plan {' and '.join(what)}: confirm at a terminal, or pass --yes; "
                "nothing was changed"
            )
        ask = input
    for i, s in wide:
        if not _yes(ask, f"step {i}: {s.line()}\n  {s.confirm}\nchange it? [y/N] "):
            raise PlanRefused("not confirmed: nothing was changed")
    if stops and not _yes(
        ask, f"steps {_ranges(stops)} stop services (marked STOP). Proceed? [y/N] "
    ):
        raise PlanRefused("not confirmed: nothing was changed")


def _yes(ask, question) -> bool:
    try:
        return ask(question).strip().lower() in ("y", "yes")
    except (EOFError, KeyboardInterrupt):
        return False


def _ranges(numbers: List[int]) -> str:
    out, run = [], []
    for n in numbers:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out)


# -- the journal ------------------------------------------------------------------------------


def state_dir() -> str:
    return os.environ.get("VXHA_STATE_DIR") or "/var/lib/vxha"


def start_config(path: str, config_path: str):
    """The configuration saved before the last plan (``start.cf`` in the state directory),
    its includes read beside the live ``config_path``: type files are installed, never
    changed by a plan, and an admin's own (another product's) are not copied to the
    journal."""
    from vxha.vcs_types.cf import parse_file, resolve_includes

    return resolve_includes(parse_file(path, resolve_includes=False), os.path.dirname(config_path))


def start_text(config_path: str, config) -> str:
    """What the journal keeps as ``start.cf``: the saved configuration before a plan
    (``config``, as read from ``config_path``). Objects an include declares (an admin may
    keep groups, vxha's too, in an included file) are written into it and that include
    line dropped: the plan changes the included file, so reading it beside the live
    main.cf at --undo gave its groups as they are after the plan (an undone delete of a
    server kept there restored nothing). Includes of type files stay include lines."""
    with open(config_path, encoding="utf-8") as f:
        text = f.read()
    if not config.included:
        return text
    import copy

    from vxha.vcs_types.cf import parse_file
    from vxha.vcs_types.model import with_included
    from vxha.vcs_types.writer import write

    merged = copy.copy(with_included(parse_file(config_path)))
    declaring = {os.path.realpath(sub.source) for sub in merged.included}
    folder = os.path.dirname(config_path)
    merged.includes = [
        i for i in merged.includes if os.path.realpath(os.path.join(folder, i)) not in declaring
    ]
    merged.included = ()
    return write(merged)


# The state directories whose lock this process holds (path -> open file): from the first
# journal write until the run ends (Runner.run), or the process does, which releases it
# whatever ends it (SIGKILL included).
_LOCKS: dict = {}


class Journal:
    """The record of the last plan: its steps, which ran, and what ``--undo`` needs.

    Written after every step (atomically), so a run killed halfway leaves a true record.
    The first write takes the state directory's lock (``lock``, flock): a second vxha
    command that would change the cluster from this node is refused before it changes
    anything, naming the first, instead of writing its journal and start.cf over the
    running plan's."""

    def __init__(self, directory: Optional[str] = None):
        self.directory = directory or state_dir()
        self.path = os.path.join(self.directory, JOURNAL)

    def _lock_path(self) -> str:
        return os.path.join(self.directory, "lock")

    def _try_lock(self, create: bool):
        """(the lock file, held) or (None, who holds it: its pid and command); (None, None)
        when it cannot be opened."""
        import fcntl

        path = self._lock_path()
        if create:
            os.makedirs(self.directory, exist_ok=True)
        try:
            f = open(path, "a+", encoding="utf-8")
        except OSError:
            if create:
                raise
            return None, None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            who = f.read().strip() or "another process"
            f.close()
            return None, who
        return f, None

    def holder(self) -> Optional[str]:
        """Who holds the lock, when another process does (its pid and command), else None."""
        if self._lock_path() in _LOCKS:
            return None
        f, who = self._try_lock(create=False)
        if f is not None:
            f.close()  # closing the only descriptor releases the flock
        return who

    def claim(self) -> None:
        path = self._lock_path()
        if path in _LOCKS:
            return
        f, who = self._try_lock(create=True)
        if f is None:
            raise PlanRefused(
                f"another vxha command is changing the cluster from this node ({who}; lock "
                f"{path}): wait for it to end, then run this again; nothing was changed"
            )
        f.truncate(0)
        f.write(f"pid {os.getpid()}: vxha {' '.join(sys.argv[1:3])}\n")
        f.flush()
        _LOCKS[path] = f

    def release(self) -> None:
        f = _LOCKS.pop(self._lock_path(), None)
        if f is not None:
            f.close()

    def load(self) -> Optional[dict]:
        try:
            with open(self.path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise PlanRefused(f"{self.path}: cannot read the plan journal: {exc}") from exc

    def save(self, data: dict) -> None:
        self.claim()
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def save_text(self, name: str, text: str) -> str:
        self.claim()
        path = os.path.join(self.directory, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        return path

    def unfinished(self) -> Optional[dict]:
        """The last plan, if it stopped (or was killed) after changing something."""
        data = self.load()
        if data and data.get("state") in ("running", "stopped") and "done" in data["status"]:
            return data
        return None


def refuse_if_running(journal: Journal, data: Optional[dict]) -> None:
    """Refuse while the journal's plan is still running in another process (its lock is
    held): its journal says "running" then too, as that of a command that was killed."""
    who = journal.holder() if data and data.get("state") == "running" else None
    if who:
        raise PlanRefused(
            f"another vxha command is running a plan from this node ({who}): wait for it to "
            "end, then run this again; nothing was changed"
        )


def refuse_if_unfinished(journal: Journal, force: bool = False) -> None:
    data = journal.unfinished()
    refuse_if_running(journal, data)
    if data and not force:
        done = sum(1 for s in data["status"] if s == "done")
        cmd = data["plan"]["command"]
        head = f"the last plan (vxha {cmd}, {done} of {len(data['status'])} steps done) stopped"
        if cmd in NO_UNDO:  # made anew from the cluster each run: running it again finishes
            raise PlanRefused(
                f"{head} halfway: finish it by running 'vxha {cmd}' again (it has no --undo: "
                f"{NO_UNDO[cmd]}) (or start anew with --force)"
            )
        raise PlanRefused(
            f"{head} halfway: finish it with 'vxha {cmd} --resume' or go back with 'vxha {cmd} "
            "--undo' (or start anew with --force)"
        )


# Plans without a way back, and why (docs/packaging.md, "Types already on the cluster").
NO_UNDO = {"cluster add-types": "an attribute added is kept, as resources may hold values"}


# -- running ----------------------------------------------------------------------------------


class Runner:
    """Runs a plan's steps through an HaClient (see the module doc)."""

    def __init__(
        self,
        client: HaClient,
        journal: Optional[Journal] = None,
        join: bool = False,
        out=print,
        local_actions=None,
    ):
        self.client = client
        self.journal = journal or Journal()
        self.join = join
        self.out = out
        self.local_actions = dict(local_actions or {})
        self.opened = False  # this runner opened the configuration (and must close it)
        self.joined = False
        self.config_path = ""  # the plan's main.cf

    # -- the session ------------------------------------------------------------------
    def _open(self, config_path: str = "") -> None:
        from vxha.generators.view import changed_since_read

        try:
            self.client.run("haconf", "-makerw", change=True)
            self.opened = True
        except HaError as exc:
            if ALREADY_WRITABLE not in exc.output:
                raise
            if not self.join:
                raise PlanRefused(
                    "the configuration is already open for writing (someone is editing it): "
                    "let them finish (haconf -dump -makero), or join their session with "
                    "--join (vxha then never saves it); nothing was changed"
                ) from None
            self.joined = True
            return
        if changed_since_read(config_path):
            # Someone saved the configuration between this command's read and its session
            # (an admin's change, another node's vxha): the plan was made from what is no
            # longer there. Closed again at once: with nothing changed, the save writes
            # what the engine has, which is what they saved.
            self._close()
            raise PlanRefused(
                f"the cluster's configuration ({config_path}) was saved by someone else since "
                "this command read it: its plan may no longer fit; run the command again (it "
                "plans anew from the cluster as it is); nothing was changed"
            )

    def _close(self) -> None:
        if not self.opened:
            return
        try:
            self.client.run("haconf", "-dump", "-makero", change=True)
        except HaError as exc:
            if NOT_WRITABLE not in exc.output:
                raise
        self.opened = False
        if self.config_path:
            from vxha.generators.view import note_read

            note_read(self.config_path)  # what this runner saved is what it works from

    # -- steps ------------------------------------------------------------------------
    def _do(self, step: Step) -> None:
        if step.kind == "command":
            try:
                self.client.run(*step.argv, change=True)
            except HaError:
                if not self._on_its_way(step.argv):
                    raise
        elif step.kind == "wait":
            cmd, name, system, want = step.argv
            ok = _WANT[want]
            if cmd == "hagrp" and not system:
                self._wait_any(name, ok, step.timeout)
            elif cmd == "hagrp":
                self.client.wait_group(name, system, ok, step.timeout)
            else:
                self.client.wait_resource(name, system, ok, step.timeout)
        elif step.kind == "local":
            action = self.local_actions.get(step.argv[0])
            if action is None:
                raise PlanStopped(f"unknown local action {step.argv[0]}")
            action(*step.argv[1:])
        else:
            raise PlanStopped(f"unknown step kind {step.kind}")

    def _on_its_way(self, argv) -> bool:
        """An ``-online`` or ``-offline`` of a group or resource refused because it is
        already there, or on its way (VCS may start a group it has just probed, as
        published transcripts of groups created by commands show, and an admin may have
        moved it meanwhile): the wait that follows decides, and the plan goes on."""
        if argv[0] not in ("hagrp", "hares") or argv[1] not in ("-online", "-offline"):
            return False
        want, flag = ("ONLINE", "STARTING") if argv[1] == "-online" else ("OFFLINE", "STOPPING")
        read = self.client.group_states if argv[0] == "hagrp" else self.client.resource_states
        try:
            states = read().get(argv[2], {})
        except HaError:
            return False
        if "-sys" in argv:
            system = argv[argv.index("-sys") + 1]
            states = {system: states.get(system, "")}
        return any(s.split("|")[0] == want or flag in s for s in states.values())

    def _wait_any(self, group, ok, timeout):
        from vxha.generators.hacli import poll_interval

        end = time.monotonic() + timeout
        while True:
            states = self.client.group_states().get(group, {})
            if any(ok(s) for s in states.values()):
                return
            if states and all("FAULTED" in s for s in states.values()):
                raise TimeoutError(f"group {group} faulted everywhere: {states}")
            if time.monotonic() > end:
                raise TimeoutError(f"group {group} is not online anywhere after {timeout:.0f} s")
            time.sleep(poll_interval())

    def run(self, plan: Plan, status: Optional[List[str]] = None, snapshot=None) -> None:
        """Run the steps not yet done. ``snapshot`` (resume): check each step first.

        SIGTERM and SIGHUP (a service manager stopping it, a closed terminal or ssh
        session) stop the plan as Ctrl-C does: killed by them, it left the configuration
        open, and --resume refused it as someone's session."""
        import signal
        import threading

        def interrupt(signum, frame):
            raise KeyboardInterrupt

        main = threading.current_thread() is threading.main_thread()
        wanted = (signal.SIGTERM, signal.SIGHUP) if main else ()
        before = {n: signal.signal(n, interrupt) for n in wanted}
        try:
            return self._run(plan, status, snapshot)
        finally:
            self.journal.release()
            for n, handler in before.items():
                signal.signal(n, handler)

    def _run(self, plan: Plan, status: Optional[List[str]], snapshot) -> None:
        status = list(status or ["pending"] * len(plan.steps))
        record = {"plan": plan.to_json(), "status": status, "state": "running"}
        record["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.journal.save(record)
        todo = [i for i, s in enumerate(status) if s != "done"]
        session = [i for i in todo if plan.steps[i].session]
        last_session = session[-1] if session else -1
        current = None
        try:
            if session:
                self.config_path = plan.config_path
                # first: refuse someone's open session, or a configuration saved since
                # the plan was made, before any change
                self._open(plan.config_path)
            for i in todo:
                current = i
                step = plan.steps[i]
                if snapshot is not None:
                    verdict = snapshot.verdict(step)
                    if verdict == "done":
                        status[i] = "done"
                        self.out(f"{i + 1:>4} already done: {step.line()}")
                        self.journal.save(record)
                        if i == last_session:
                            self._close()
                        continue
                    if verdict:
                        raise PlanStopped(f"precondition no longer holds: {verdict}")
                self.out(f"{i + 1:>4} {step.line()}")
                self._do(step)
                status[i] = "done"
                if snapshot is not None:
                    snapshot.after(step)
                self.journal.save(record)
                if i == last_session:
                    self._close()
            current = None
            record["state"] = "done"
            self.journal.save(record)
        except (HaError, TimeoutError, PlanStopped, OSError, KeyboardInterrupt) as exc:
            # Opening or saving the configuration can fail too: no step failed then. An
            # interrupt (Ctrl-C) stops the plan as a failure does: the configuration saved
            # and closed, the way on said (it used to be left open, and --resume refused
            # it as someone's session).
            if current is not None and status[current] != "done":
                status[current] = "failed"
            record["state"] = "stopped"
            closed = self._close_after_failure()
            try:
                self.journal.save(record)
            except OSError as lost:
                # a full disk or an unwritable state directory: what ran is still said,
                # and --resume checks each step against the cluster (skips what is done)
                closed += (
                    f"\nthe plan journal could not be written ({self.journal.path}: "
                    f"{lost.strerror or lost}): it may not show every step that ran; make "
                    "room there (VXHA_STATE_DIR), then --resume skips the steps already done"
                )
            why = "interrupted" if isinstance(exc, KeyboardInterrupt) else exc
            raise PlanStopped(self._report(plan, status, current, why, closed)) from exc
        except PlanRefused:
            record["state"] = "stopped" if "done" in status else "refused"
            self.journal.save(record)
            raise

    def _close_after_failure(self) -> str:
        if self.joined:
            return "the joined configuration was left open and not saved (as --join asks)"
        if not self.opened:
            return "the configuration is read-only"
        try:
            self._close()
            return "what ran was saved and the configuration closed (haconf -dump -makero)"
        except HaError as exc:
            return f"the configuration could not be closed ({exc}): run haconf -dump -makero"

    def _report(self, plan, status, failed, exc, closed) -> str:
        ran = [i for i, s in enumerate(status) if s == "done"]
        left = [i for i, s in enumerate(status) if s != "done"]
        if failed is None:
            where = "before the first step"  # opening the configuration failed
        elif status[failed] == "done":
            where = f"after step {failed + 1} of {len(plan.steps)}"  # saving it failed
        else:
            where = f"at step {failed + 1} of {len(plan.steps)}"
        lines = [f"stopped {where}: {exc}"]
        lines.append(f"ran ({len(ran)}):")
        lines += [f"  {i + 1:>4} {plan.steps[i].line()}" for i in ran]
        lines.append(f"did not run ({len(left)}):")
        lines += [
            f"  {i + 1:>4} {plan.steps[i].line()}" + ("   <- failed" if i == failed else "")
            for i in left
        ]
        lines.append(closed)
        cmd = plan.command.split()[0]
        lines.append(f"to finish it: vxha {cmd} --resume    to go back: vxha {cmd} --undo")
        return "\n".join(lines)


def _online(state: str) -> bool:
    return state.split("|")[0] == "ONLINE" and not in_transition(state)


def _offline(state: str) -> bool:
    """Down: offline, or faulted (a faulted resource holds nothing)."""
    return state.split("|")[0] in ("OFFLINE", "FAULTED") and not in_transition(state)


_WANT = {"ONLINE": _online, "OFFLINE": _offline, "UP": is_up}


def wait_step(cmd: str, name: str, system: str, want: str, timeout: float = 300.0) -> Step:
    noun = "group" if cmd == "hagrp" else "resource"
    check = ["gstate" if cmd == "hagrp" else "rstate", name, system, want]
    return Step(
        "wait",
        [cmd, name, system, want],
        f"{noun} {name} {want.lower()}",
        done=[check],
        timeout=timeout,
    )


def offline_steps(cmd: str, name: str, system: str, why: str) -> List[Step]:
    """Take a group (``hagrp``) or resource (``hares``) offline on one system, then wait
    until it is."""
    return _move_steps(cmd, name, system, why, "OFFLINE", [])


def online_steps(cmd: str, name: str, system: str, why: str) -> List[Step]:
    """Bring a group (``hagrp``, which must be enabled there) or resource (``hares``)
    online on one system, then wait until it is."""
    enabled = [["enabled", name, system, True]] if cmd == "hagrp" else []
    return _move_steps(cmd, name, system, why, "ONLINE", enabled)


def _move_steps(cmd, name, system, why, target, pre) -> List[Step]:
    """``cmd -online|-offline name -sys system`` (the object must exist, and ``pre``
    hold), done when it is ``target`` there; then the wait for it. Only going offline
    stops something."""
    noun, state = ("group", "gstate") if cmd == "hagrp" else ("resource", "rstate")
    return [
        Step(
            "command",
            [cmd, f"-{target.lower()}", name, "-sys", system],
            why,
            stops=target == "OFFLINE",
            pre=[[noun, name, True], *pre],
            done=[[state, name, system, target]],
        ),
        wait_step(cmd, name, system, target),
    ]


# -- what --resume checks -----------------------------------------------------------------


def retry_moves(plan: Plan, status: List[str]) -> None:
    """Before a resume: a wait not done whose ``-online``/``-offline`` ran is preceded by
    that command again (marked pending), so the snapshot skips it when the object is
    there, and runs it otherwise. A wait that failed (the group faulted, the admin then
    cleared the fault) would else wait its whole timeout on something nobody moves; the
    engine's refusal of a move already on its way is no failure (Runner._on_its_way)."""
    for i in range(1, len(plan.steps)):
        wait, move = plan.steps[i], plan.steps[i - 1]
        if wait.kind != "wait" or status[i] == "done" or status[i - 1] != "done":
            continue
        if (
            move.kind == "command"
            and move.argv[:1] == wait.argv[:1]
            and move.argv[1:2] in (["-online"], ["-offline"])
            and move.argv[2:3] == wait.argv[1:2]
        ):
            status[i - 1] = "pending"


class Snapshot:
    """The cluster as read once before a resume, kept up to date as steps run, against
    which each step's ``pre`` and ``done`` checks are evaluated."""

    def __init__(self, config, group_states, resource_states, enabled=None, types=None):
        from vxha.generators import diff

        self.config = config
        self.gstates = {g: dict(v) for g, v in group_states.items()}
        self.rstates = {r: dict(v) for r, v in resource_states.items()}
        self.enabled = enabled or (lambda group, system: True)
        self.types = types if types is not None else diff.known_types(config)

    # -- checks ------------------------------------------------------------------------
    def holds(self, check) -> bool:
        kind, args = check[0], check[1:]
        cfg = self.config
        if kind == "group":
            return (cfg.group(args[0]) is not None) == args[1]
        if kind == "resource":
            return (cfg.find_resource(args[0])[1] is not None) == args[1]
        if kind == "link":
            g, _ = cfg.find_resource(args[0])
            there = g is not None and any(
                (lk.parent, lk.child) == (args[0], args[1]) for lk in g.links
            )
            return there == args[2]
        if kind == "dep":
            g = cfg.group(args[0])
            there = g is not None and any(d.child == args[1] for d in g.deps)
            return there == args[2]
        if kind == "empty":
            g = cfg.group(args[0])
            return g is None or not g.resources
        if kind == "offline":
            return not any(is_up(s) for s in self.rstates.get(args[0], {}).values())
        if kind in ("gstate", "rstate"):
            table = self.gstates if kind == "gstate" else self.rstates
            states = table.get(args[0], {})
            want = _WANT[args[2]]
            if not args[1]:
                return any(want(s) for s in states.values())
            return want(states.get(args[1], ""))
        if kind == "noop":
            return self._noop(args[0])
        if kind == "overridden":
            _, r = cfg.find_resource(args[0])
            return r is not None and (args[1] in r.attrs or args[1] in r.local)
        if kind == "file":
            return os.path.exists(args[0]) == args[1]
        if kind == "enabled":
            return self.enabled(args[0], args[1]) == args[2]
        if kind == "frozen":
            # A persistent freeze is in the configuration VCS dumps (main.cf's Frozen = 1).
            g = cfg.group(args[0])
            frozen = g is not None and str(g.attrs.get("Frozen", 0)).strip() not in ("0", "")
            return frozen == args[1]
        raise ValueError(f"unknown check {kind}")

    def _noop(self, argv) -> bool:
        from vxha.generators import diff

        try:
            after = diff.apply(self.config, [argv], self.types)
        except diff.CommandError:
            return False
        return diff.normalize(after, self.types) == diff.normalize(self.config, self.types)

    def verdict(self, step: Step) -> str:
        """ "done" (skip it), "" (run it) or why its precondition fails."""
        if step.done and all(self.holds(c) for c in step.done):
            return "done"
        for c in step.pre:
            if not self.holds(c):
                why = f"step '{step.line()}' needs {describe(c)}"
                if c[0] == "empty":
                    # resources added by hand since the plan was made: vxha never deletes
                    # them (docs/operations.md, "What vxha owns")
                    names = [r.name for r in self.config.group(c[1]).resources]
                    why += (
                        f"; it holds {', '.join(names)}, which this plan did not plan to "
                        f"delete (added by hand?): move or delete them (hares -delete "
                        f"{names[0]}) and resume, or go back"
                    )
                return why
        return ""

    # -- keeping up ---------------------------------------------------------------------
    def after(self, step: Step) -> None:
        """Record a step's effect (the engine accepted it)."""
        from vxha.generators import diff

        if step.kind == "wait":
            cmd, name, system, want = step.argv
            table = self.gstates if cmd == "hagrp" else self.rstates
            if system:
                table.setdefault(name, {})[system] = want
            g = self.config.group(name) if cmd == "hagrp" else None
            if system and want == "OFFLINE" and g is not None:
                # an OFFLINE group has its resources offline there (vxha's groups hold no
                # persistent resource): the deletions that follow check exactly that
                for r in g.resources:
                    self.rstates.setdefault(r.name, {})[system] = "OFFLINE"
            return
        if step.kind != "command":
            return
        argv = step.argv
        if argv[0] in ("hagrp", "hares") and argv[1] in ("-online", "-offline"):
            return  # the wait that follows records the state
        try:
            self.config = diff.apply(self.config, [argv], self.types)
        except diff.CommandError:
            pass  # the model knows less than the engine: the engine accepted it


def describe(check) -> str:
    kind, args = check[0], check[1:]
    if kind in ("group", "resource"):
        return f"{kind} {args[0]} {'present' if args[1] else 'absent'}"
    if kind == "link":
        return f"{args[0]} {'requiring' if args[2] else 'not requiring'} {args[1]}"
    if kind == "dep":
        return f"group {args[0]} {'requiring' if args[2] else 'not requiring'} group {args[1]}"
    if kind == "empty":
        return f"group {args[0]} without resources"
    if kind == "offline":
        return f"resource {args[0]} offline everywhere"
    if kind in ("gstate", "rstate"):
        noun = "group" if kind == "gstate" else "resource"
        return f"{noun} {args[0]} {args[2]} on {args[1] or 'some system'}"
    if kind == "file":
        return f"{args[0]} {'present' if args[1] else 'absent'}"
    if kind == "enabled":
        return f"group {args[0]} {'enabled' if args[2] else 'disabled'} on {args[1]}"
    if kind == "frozen":
        return f"group {args[0]} {'frozen' if args[1] else 'not frozen'}"
    return " ".join(str(a) for a in check)
