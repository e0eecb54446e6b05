"""The VCS entry-point framework.

An agent is a class with plain ``online``, ``offline``, ``monitor`` and ``clean`` methods
(and optionally ``info``, ``action``, ``attr_changed``) that receive a :class:`Resource`
(typed attribute values, a deadline, a context). This module does everything
VCS-specific around them: it parses the V50 argv tuples, validates values against the
type's declaration, holds the per-resource lock, keeps the deadline of the VCS timeout,
maps results and exceptions to the contract's exit codes and logs in VCS's format.
Nothing here raises a traceback at VCS, and a hang is never turned into an answer: at
the deadline the entry point's children are ended, one line is logged and VCS's own
timeout takes the process (docs/framework.md, "Deadlines").

Kept to the standard library's cheapest modules: every monitor pays for these imports
(docs/framework.md, "What a monitor imports").
"""

# The C module: signal.py wraps it in enums, and importing enum (with functools and
# collections) would cost every entry point more than the rest of the framework.
import _signal as signal
import posix  # not os: see agents/statefile.py
import sys
import time

from vxha.agents.agentlog import AgentLog
from vxha.agents.lock import ResourceLock
from vxha.agents.statefile import join
from vxha.vcs_types.decl import STANDARD_STATIC, TIMEOUT_ATTR

__all__ = ["AgentLog", "ResourceLock"]

# monitor exit codes (VCS_REFERENCE.md 3)
ONLINE = 110
OFFLINE = 100
UNKNOWN = 99
INTENTIONAL_OFFLINE = 200

ENTRY_POINTS = ("online", "offline", "monitor", "clean", "info", "action", "attr_changed")
# Entry points that receive the resource's ArgList values (attr_changed does not).
WITH_ARGLIST = ("online", "offline", "monitor", "clean", "info", "action")
CLEAN_REASONS = {
    0: "offline timed out",
    1: "offline ineffective",
    2: "online timed out",
    3: "online ineffective",
    4: "unexpected offline",
    5: "monitor hung",
}
# A process still alive this long after its timeout exits with the failure code
# (DECISIONS.md 8): no agent framework is there to kill it.
GRACE = 5.0
# An action's output VCS keeps (Agent Developer's Guide 5.0MP3, "About the action entry
# point": the agent framework limits it to 2048 bytes).
ACTION_OUTPUT = 2048


def confidence(percent: int) -> int:
    """monitor's exit code for ONLINE with a confidence of 10..100 percent."""
    percent = max(10, min(100, int(percent)))
    return 100 + percent // 10


class AgentError(Exception):
    """An entry point failed; the message is logged and the contract's code returned."""

    msgid = "failed"

    def __init__(self, message: str, attr: "str | None" = None):
        super().__init__(message)
        self.attr = attr

    def __str__(self):
        text = super().__str__()
        return f"attribute {self.attr}: {text}" if self.attr else text


class ConfigError(AgentError):
    """The resource is misconfigured (bad attribute value): monitor reports UNKNOWN."""

    msgid = "config"


class ArgvError(ConfigError):
    """The argv VCS passed does not match the type's ArgList."""

    msgid = "argv"


class DeadlineExceeded(AgentError):
    """The entry point ran out of the time VCS gave it: treated as a hang."""

    msgid = "deadline"


class NoAnswer(DeadlineExceeded):
    """An agent cannot tell the resource's state because a component it needs hangs: the
    framework treats the entry point as hung (DECISIONS.md 8), it never invents a result.
    The message says what hangs."""

    msgid = "deadline"


class Hang(Exception):
    """Raised by a fake told to hang, in in-process mode: a timeout at the virtual deadline."""


# -- context --------------------------------------------------------------------------


def environ():
    """os.environ where os is loaded (only it sees changes made since start-up); else the
    environment the process started with, decoded as os decodes it."""
    os = sys.modules.get("os")
    if os is not None:
        return os.environ
    encoding = sys.getfilesystemencoding()
    return {
        k.decode(encoding, "surrogateescape"): v.decode(encoding, "surrogateescape")
        for k, v in posix.environ.items()
    }


class Context:
    """Where an entry point runs: its environment, state and log directories, drivers."""

    def __init__(self, env=None, inprocess: bool = False):
        self.env = environ() if env is None else env
        self.inprocess = inprocess
        node = self.env.get("VXHA_NODE_DIR")
        self.node_dir = node or None
        self.fake = self.env.get("VXHA_DRIVERS") == "fake"
        self.shared_dir = self.env.get("VXHA_SHARED_DIR") or None
        if node:
            self.lock_dir = join(node, "lock")
            self.state_dir = join(node, "state")
        else:
            self.lock_dir = "/run/vxha/lock"
            self.state_dir = "/run/vxha/state"
        self.log_dir = self.env.get("VXHA_LOG_DIR") or (
            join(node, "log") if node else join(self.env.get("VCS_LOG") or "/var/VRTSvcs", "log")
        )
        self._drivers = {}

    def driver(self, kind: str):
        """The driver of that kind (real, or fake under VXHA_DRIVERS=fake), created once."""
        d = self._drivers.get(kind)
        if d is None:
            from vxha.agents.drivers import get_driver

            d = self._drivers[kind] = get_driver(kind, self)
        return d


# -- the resource handed to agents -----------------------------------------------------


class Resource:
    """One resource as an entry point sees it: name, typed attribute values, deadline.

    ``deadline`` is when the entry point gives up (children ended); ``expires`` when
    VCS's timeout for it runs out (``deadline`` when not given)."""

    def __init__(self, name, decl, entry_point, values, ctx, deadline, reason=None,
                 expires=None, timeout_s=None):  # fmt: skip
        self.name = name
        self.decl = decl
        self.type = decl.name
        self.entry_point = entry_point
        self.values = values
        self.ctx = ctx
        self.deadline = deadline
        self.expires = deadline if expires is None else expires
        self.timeout_s = timeout_s  # the entry point's timeout, for the log
        self.reason = reason
        self.action = None  # action: its token
        self.resinfo_op = None  # info: 1 initialise, 2 update
        self.action_args = []  # action: the arguments after the ArgList
        self.changed = None  # attr_changed: (resource, attribute, values)
        self._level_two = None
        self.log = AgentLog(ctx, decl.name, name, entry_point)
        self.log.via_halog = bool(values.get("LogViaHalog"))

    def __getitem__(self, attr):
        return self.values[attr]

    def __getattr__(self, attr):
        try:
            return self.__dict__["values"][attr]
        except KeyError:
            raise AttributeError(attr) from None

    def get(self, attr, default=None):
        return self.values.get(attr, default)

    def ref(self, attr: str, other: str) -> list:
        """The values of ``other`` of the resource named by ``attr`` (an ArgList
        reference ``attr:other``): strings as VCS passed them, [] when not passed."""
        return list(self.values.get(f"{attr}:{other}", []))

    def time_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def timeout(self, cap: "float | None" = None, floor: float = 0.05) -> float:
        """A timeout for one external call: what is left, at most ``cap``."""
        left = self.time_left()
        if left <= 0:
            raise DeadlineExceeded(f"no time left for {self.entry_point}")
        return max(floor, min(left, cap) if cap else left)

    def driver(self, kind: str):
        return self.ctx.driver(kind)

    def level_two(self) -> bool:
        """Whether the detail (level-two) checks are due in this monitor: as VCS tells a
        script monitor (VCSAG_MONITOR_LEVEL_TWO, what the guide's VCSAG_GET_MONITOR_LEVEL
        leaves), else every LevelTwoMonitorFreq-th monitor of the resource, counted in
        its state file. Other entry points always run them."""
        if self.entry_point != "monitor":
            return True
        if self._level_two is None:
            self._level_two = _level_two_due(self)
        return self._level_two


def _level_two_due(res) -> bool:
    told = res.ctx.env.get("VCSAG_MONITOR_LEVEL_TWO")
    if told is not None:
        return told.strip() not in ("", "0")
    try:
        freq = int(res.values.get("LevelTwoMonitorFreq", res.decl.static("LevelTwoMonitorFreq")))
    except (KeyError, TypeError, ValueError):
        freq = 0
    if freq <= 1:
        return freq == 1
    from vxha.agents import statefile

    name = f"{res.type}.{res.name}.monitors"
    try:
        count = int((statefile.read(res.ctx, name) or "0").strip() or 0) + 1
        statefile.write(res.ctx, name, str(count % freq))
    except (OSError, ValueError):
        return True  # cannot count: rather check too often than never
    return count % freq == 0


# -- argv -----------------------------------------------------------------------------


def _coerce(attr, raw: str):
    if attr.type == "str":
        return raw
    if attr.type == "boolean":
        if raw in ("0", "1"):
            return int(raw)
        raise ArgvError(f"boolean must be 0 or 1, got {raw!r}", attr.name)
    try:
        return int(raw, 10)
    except ValueError:
        raise ArgvError(f"integer expected, got {raw!r}", attr.name) from None


def closest_reason(raw: str) -> int:
    """A clean reason outside 0-5 as the nearest documented one (a non-number as 4,
    unexpected offline, which asks clean for no more than any other)."""
    try:
        return max(0, min(5, int(raw)))
    except ValueError:
        return 4


def _lead(entry_point: str, argv, extra, warn):
    """(resource name, clean reason, position of the first tuple) for ``entry_point``."""
    if not argv:
        raise ArgvError("no resource name given")
    name = argv[0]
    if entry_point == "clean":
        if len(argv) < 2:
            raise ArgvError("clean needs a reason after the resource name")
        reason = closest_reason(argv[1])
        if argv[1] != str(reason):
            if warn is not None:
                warn(f"clean reason {argv[1]!r} is not one VCS documents (0-5): "
                     f"treated as {reason} ({CLEAN_REASONS[reason]})", "argv")  # fmt: skip
        return name, reason, 2
    if entry_point == "info":
        if len(argv) < 2 or argv[1] not in ("1", "2"):
            raise ArgvError("info needs resinfo_op 1 or 2 after the resource name")
        extra["resinfo_op"] = int(argv[1])
        return name, None, 2
    if entry_point == "attr_changed":
        if len(argv) < 3:
            raise ArgvError("attr_changed needs the changed resource and attribute")
        extra["changed"] = (argv[1], argv[2], list(argv[3:]))
        return name, None, len(argv)
    return name, None, 1


def parse_argv(decl, entry_point: str, argv, warn=None, extra=None):
    """V50 argv -> (resource name, values, clean reason, AEPTimeout seconds or None).

    ``argv`` excludes the program name. Tuples are read by name, in any order (Agent
    Developer's Guide 7.3, "Overview of the name-value tuple format"). Attributes not
    passed take their defaults; an attribute under its old name (``decl.renamed``) is
    read as the new one. ``extra`` (a dict) receives what the other entry points carry
    and what tells an older declaration on the cluster: ``unknown`` (tuples the type
    does not declare, accepted), ``renamed`` ((old, new) names read), ``missing``
    (ArgList attributes not passed), ``resinfo_op``, ``action_args``, ``changed``.
    """
    extra = {} if extra is None else extra
    name, reason, pos = _lead(entry_point, argv, extra, warn)
    values = {}
    aep = None
    attrs = decl.attrs
    refs = {a for a in decl.arglist if ":" in a}
    unknown = extra.setdefault("unknown", [])
    n = len(argv)
    while pos < n:
        attr_name = argv[pos]
        if entry_point == "action" and attr_name.isdigit() and pos + 1 + int(attr_name) == n:
            extra["action_args"] = list(argv[pos + 1 :])  # count, then the action's arguments
            break
        if pos + 1 >= n:
            raise ArgvError("value count missing", attr_name)
        try:
            count = int(argv[pos + 1])
        except ValueError:
            raise ArgvError(f"value count expected, got {argv[pos + 1]!r}", attr_name) from None
        if count < 0 or pos + 2 + count > n:
            raise ArgvError(f"count {count} is more than the {n - pos - 2} values left", attr_name)
        raw = argv[pos + 2 : pos + 2 + count]
        pos += 2 + count
        if attr_name == "AEPTimeout":
            if count != 1:
                raise ArgvError("one value expected", attr_name)
            try:
                aep = int(raw[0])
            except ValueError:
                raise ArgvError(f"integer expected, got {raw[0]!r}", attr_name) from None
            continue
        if attr_name in refs:
            # Attr:OtherAttr: OtherAttr of the resource Attr names, whose type is not
            # this one (Agent Developer's Guide, "ArgList reference attributes").
            if attr_name in values:
                raise ArgvError("passed twice", attr_name)
            values[attr_name] = list(raw)
            continue
        attr = attrs.get(attr_name)
        if attr is None and attr_name in decl.renamed:
            attr = attrs.get(decl.renamed[attr_name])
            if attr is not None:
                extra.setdefault("renamed", []).append((attr_name, attr.name))
        if attr is None and attr_name in STANDARD_STATIC:
            attr = decl.attr(attr_name)
        if attr is None:
            unknown.append((attr_name, count))
            continue
        if attr.name in values:
            raise ArgvError("passed twice", attr_name)
        if attr.dim == "scalar":
            if count != 1:
                raise ArgvError(f"scalar takes one value, got {count}", attr_name)
            values[attr.name] = _coerce(attr, raw[0])
        elif attr.dim == "association":
            if count % 2:
                raise ArgvError(f"association needs key/value pairs, got {count} values", attr_name)
            values[attr.name] = {raw[i]: _coerce(attr, raw[i + 1]) for i in range(0, count, 2)}
        else:
            values[attr.name] = [_coerce(attr, v) for v in raw]
    if entry_point in WITH_ARGLIST:
        extra["missing"] = [a for a in decl.arglist if a not in values]
    for attr in attrs.values():
        if attr.name not in values:
            d = attr.default
            values[attr.name] = (
                list(d) if isinstance(d, list) else dict(d) if isinstance(d, dict) else d
            )
    return name, values, reason, aep


def build_argv(decl, resource: str, values: dict, entry_point: str = "monitor", reason=None,
               aep_timeout=None, resinfo_op=1, action_args=None):  # fmt: skip
    """argv (without program name) exactly as VCS builds it for this resource. An ArgList
    reference ``Attr:OtherAttr`` takes its values from ``values["Attr:OtherAttr"]``."""
    argv = [resource]
    if entry_point == "clean":
        argv.append(str(0 if reason is None else reason))
    elif entry_point == "info":
        argv.append(str(resinfo_op))
    for arg in decl.arglist:
        if ":" in arg:
            ref = [str(v) for v in values.get(arg, [])]
            argv += [arg, str(len(ref))] + ref
            continue
        attr = decl.attr(arg)
        value = values.get(attr.name)
        if value is None:
            old = [o for o, new in decl.renamed.items() if new == attr.name and o in values]
            value = values[old[0]] if old else attr.default
        if attr.dim == "scalar":
            argv += [arg, "1", str(int(value) if isinstance(value, bool) else value)]
        elif attr.dim == "association":
            flat = []
            for k, v in value.items():
                flat += [str(k), str(v)]
            argv += [arg, str(len(flat))] + flat
        else:
            argv += [arg, str(len(value))] + [str(v) for v in value]
    if aep_timeout is not None and decl.static("AEPTimeout"):
        argv += ["AEPTimeout", "1", str(int(aep_timeout))]
    if entry_point == "action":
        args = [str(a) for a in action_args or ()]
        argv += [str(len(args))] + args
    return argv


def report_attr_change(agent, res, changed_res: str, attr: str, values: list) -> None:
    """attr_changed of a type whose running resources keep an attribute's old value until
    they are brought online again (the attributes its RegList names): say so."""
    if changed_res != res.name:
        return
    res.log.warning(
        f"attribute {attr} is now {' '.join(values)!r}: a resource that is online keeps "
        "the old value until it is taken offline and brought online again",
        "attr",
    )


# -- running an entry point -----------------------------------------------------------


class Outcome:
    """What an entry point did: its exit code, whether it hung, its log lines, and what
    it printed for VCS (info's ResourceInfo pairs, action's output)."""

    __slots__ = ("code", "timed_out", "lines", "output")

    def __init__(self, code, timed_out=False, lines=(), output=None):
        self.code = code
        self.timed_out = timed_out
        self.lines = list(lines)
        self.output = output

    def __repr__(self):
        return f"Outcome(code={self.code}, timed_out={self.timed_out})"


def failure_code(entry_point: str) -> int:
    return UNKNOWN if entry_point == "monitor" else 1


def load_type(type_name: str):
    """(declaration, agent class) of a type in the catalog."""
    from vxha.vcs_types.catalog import project_type

    decl = project_type(type_name)
    module, _, cls = decl.agent.partition(":")
    return decl, getattr(__import__(module, fromlist=[cls]), cls)


def timeout_of(decl, entry_point: str, aep) -> int:
    """The entry point's timeout in seconds: the AEPTimeout VCS passes, else the type's."""
    timeout = (
        aep if aep is not None else decl.static(TIMEOUT_ATTR.get(entry_point, "MonitorTimeout"))
    )
    return max(1, int(timeout or 1))


def end_margin(timeout: float) -> float:
    """How long before VCS's timeout the entry point ends its children: VCS counts from
    before this process started, and a child must not outlive the entry point."""
    return min(1.0, timeout / 10.0)


def _deadline_for(decl, entry_point, aep, start=None):
    timeout = timeout_of(decl, entry_point, aep)
    return (time.monotonic() if start is None else start) + timeout - end_margin(timeout)


def _result_code(entry_point: str, result) -> int:
    if entry_point == "monitor":
        if result is True:
            return ONLINE
        if result is False or result is None:
            return OFFLINE
        code = int(result)
        if code in (UNKNOWN, INTENTIONAL_OFFLINE) or OFFLINE <= code <= ONLINE:
            return code
        return UNKNOWN
    if entry_point == "clean":
        return 1 if result is False else 0
    if result is None or result is True:
        return 0
    if result is False:
        return 1
    return max(0, min(int(result), 60))


def execute(type_name: str, entry_point: str, argv, env=None, inprocess: bool = False,
            action: "str | None" = None) -> Outcome:  # fmt: skip
    """Run one entry point of a type with VCS's argv; never raises."""
    start = time.monotonic()
    ctx = Context(env, inprocess)
    res_name = argv[0] if argv else "?"
    log = AgentLog(ctx, type_name, res_name, entry_point)
    try:
        decl, agent_cls = load_type(type_name)
    except Exception as exc:  # a broken install: still answer VCS in its terms
        log.error(f"cannot load the agent of type {type_name}: {exc}", "internal")
        return Outcome(failure_code(entry_point), lines=log.lines)
    if entry_point not in ENTRY_POINTS or not hasattr(agent_cls, entry_point):
        log.error(f"unsupported entry point {entry_point!r}", "argv")
        return Outcome(failure_code(entry_point), lines=log.lines)
    extra = {}
    try:
        res_name, values, reason, aep = parse_argv(decl, entry_point, list(argv), log.warning,
                                                   extra)  # fmt: skip
    except ArgvError as exc:
        text = str(exc)
        if exc.attr in decl.attrs or exc.attr in decl.renamed:
            text += f"; {ADD_TYPES}"
        log.error(text, "argv")
        return Outcome(failure_code(entry_point), lines=log.lines)
    timeout = timeout_of(decl, entry_point, aep)
    res = Resource(res_name, decl, entry_point, values, ctx,
                   _deadline_for(decl, entry_point, aep, start), reason,
                   expires=start + timeout, timeout_s=timeout)  # fmt: skip
    res.log.lines[:0] = log.lines
    res.resinfo_op = extra.get("resinfo_op")
    res.action_args = extra.get("action_args", [])
    res.changed = extra.get("changed")
    res.action = action
    notes = [(a, f"argv tuple {a} ({c} value{'s' * (c != 1)}) is not an attribute of type "
                  f"{res.type} here: ignored (a types file newer than this agent?)", "unknown")
             for a, c in extra["unknown"]]  # fmt: skip
    notes += [(f"renamed:{o}", f"attribute {o} is now {n}: read as {n}; {ADD_TYPES}", "renamed")
              for o, n in extra.get("renamed", ())]  # fmt: skip
    missing = extra.get("missing")
    if missing:
        notes.append((f"missing:{','.join(missing)}",
                      f"the type on this cluster passes no {', '.join(missing)}: read with "
                      f"their defaults; {ADD_TYPES}", "older"))  # fmt: skip
    if notes:
        _note_once(res, notes)
    return run_resource(agent_cls, res)


# What an argv of another declaration of the type is told (docs/framework.md, "An older
# type on the cluster").
ADD_TYPES = (
    "the type on this cluster is not this agent's declaration (an older vxha's?): "
    "vxha cluster add-types brings it up to date"
)


def _note_once(res, notes) -> None:
    """Log each (key, text, message) once per resource, across processes: an argv tuple
    the type does not declare, an old attribute name, ArgList attributes not passed (a
    types file other than the agent's would otherwise fill the log in every monitor)."""
    from vxha.agents import statefile

    name = f"{res.type}.{res.name}.unknown"
    try:
        known = set((statefile.read(res.ctx, name) or "").split())
    except OSError:
        known = set()
    new = [n for n in notes if n[0] not in known]
    if not new:
        return
    for _, text, msg in new:
        res.log.warning(text, msg)
    try:
        statefile.write(res.ctx, name, "\n".join(sorted(known | {k for k, _, _ in new})) + "\n")
    except OSError:
        pass


def run_resource(agent_cls, res: Resource) -> Outcome:
    """Lock, arm the deadline, call the agent method, map the result; never raises."""
    ep = res.entry_point
    lock = ResourceLock(res.ctx, res.type, res.name)
    alarm = not res.ctx.inprocess and hasattr(signal, "setitimer")
    output = None
    try:
        if alarm:
            signal.signal(signal.SIGALRM, _at_deadline)
            signal.signal(signal.SIGTERM, _on_term)
            _Armed.res = res
            signal.setitimer(signal.ITIMER_REAL, max(0.01, res.time_left()))
        if ep != "attr_changed":
            _take(lock, res)
        agent = agent_cls()
        validate = getattr(agent, "validate", None)
        if validate is not None and ep in WITH_ARGLIST:
            validate(res)
        code, output = _call(agent, res)
    except Hang:
        return _give_up(res, lock, f"{ep} hangs")
    except NoAnswer as exc:
        return _give_up(res, lock, f"{ep} cannot tell the state: {exc}")
    except DeadlineExceeded as exc:
        return _give_up(res, lock, str(exc))
    except AgentError as exc:
        code = failure_code(ep)
        res.log.error(str(exc), exc.msgid)
        if ep == "action":  # why it failed is the action's output hares -action shows
            output = str(exc)
            _print(output.encode("utf-8", "backslashreplace")[:ACTION_OUTPUT], res)
    except Exception as exc:
        code = failure_code(ep)
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" ({tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})" if tb else ""
        res.log.error(f"internal error: {type(exc).__name__}: {exc}{where}", "internal")
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            _Armed.res = None
        lock.release()
    if ep == "attr_changed":
        code = 0  # VCS ignores attr_changed's exit value
    return Outcome(code, False, res.log.lines, output)


def _stop_holder(lock: ResourceLock, res: Resource) -> None:
    """clean's right of way: stop the entry point that holds the lock (a hung online)."""
    pid = lock.holder()
    if pid is None:
        return
    res.log.warning(f"stopping entry point process {pid} that holds the resource", "preempt")
    for sig, wait in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
        if not lock.signal_holder(pid, sig):
            return
        end = time.monotonic() + min(wait, res.time_left() / 2)
        while time.monotonic() < end:
            if lock.try_acquire():
                return
            time.sleep(0.02)


def _take(lock: ResourceLock, res: Resource) -> None:
    try:
        if lock.try_acquire():
            return
    except OSError as exc:
        raise AgentError(f"cannot take the resource lock: {exc}") from None
    if res.entry_point == "clean":
        _stop_holder(lock, res)
        if not lock.acquire(time.monotonic() + 0.5):
            res.log.warning("proceeding without the resource lock", "preempt")
    elif not lock.acquire(res.deadline):
        raise DeadlineExceeded("another entry point holds the resource")


def _call(agent, res: Resource):
    """(exit code, output for VCS) of the agent's method for the entry point."""
    ep = res.entry_point
    if ep == "info":
        pairs = agent.info(res) or {}
        _publish_info(res, pairs)
        return 0, pairs
    if ep == "action":
        text = agent.action(res, res.action, list(res.action_args))
        text = "" if text is None else str(text)
        _print(text.encode("utf-8", "backslashreplace")[:ACTION_OUTPUT], res)
        return 0, text
    if ep == "attr_changed":
        changed_res, attr, new = res.changed
        agent.attr_changed(res, changed_res, attr, new)
        return 0, None
    return _result_code(ep, getattr(agent, ep)(res)), None


def _publish_info(res: Resource, pairs: dict) -> None:
    """info's pairs for VCS: printed (the agent framework keeps stdout in ResourceInfo's
    Msg key) and, where hares exists, set as ResourceInfo keys of their own (Agent
    Developer's Guide 7.3/9.0, "About the info entry point")."""
    text = "".join(f"{k}={' '.join(str(v).split())}\n" for k, v in pairs.items())
    _print(text.encode("utf-8", "backslashreplace"), res)
    if res.ctx.inprocess:
        return
    hares = join(res.ctx.env.get("VCS_HOME") or "/opt/VRTSvcs", "bin", "hares")
    if not posix.access(hares, posix.X_OK):
        return
    from vxha.agents.drivers.proc import run

    how = "-add" if res.resinfo_op == 1 else "-update"
    for key, value in pairs.items():
        argv = [hares, "-modify", res.name, "ResourceInfo", how, str(key), str(value)]
        try:
            code, _, err = run(argv, res.timeout(10))
        except AgentError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported, info still answers
            code, err = 1, str(exc)
        if code != 0:
            res.log.warning(f"hares could not set ResourceInfo {key}: {err.strip()}", "info")


def _print(data: bytes, res: Resource) -> None:
    if res.ctx.inprocess or not data:
        return
    _flush_stdout()
    try:
        posix.write(1, data)
    except OSError:
        pass


def _flush_stdout() -> None:
    """Flush sys.stdout, which is None when the process started with descriptor 1 closed;
    a full or closed stdout changes nothing."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _standard_descriptors() -> None:
    """Descriptors 0-2 that the process started without, opened on /dev/null: otherwise
    the next file opened (the resource's lock, a state file) takes the number and what
    is written to stdout lands in it."""
    for fd in (0, 1, 2):
        try:
            posix.fstat(fd)
        except OSError:
            try:
                null = posix.open("/dev/null", posix.O_RDWR)
                if null != fd:
                    posix.dup2(null, fd)
                    posix.close(null)
            except OSError:
                pass


# -- hangs ------------------------------------------------------------------------------


class _Armed:
    res = None  # the resource whose deadline SIGALRM marks


def _at_deadline(signum, frame):
    res = _Armed.res
    if res is None:
        return
    _give_up(res, None, f"{res.entry_point} did not finish by its deadline")


def _on_term(signum, frame):
    # clean stopping a hung entry point: its children (in sessions of their own) go too.
    proc = sys.modules.get("vxha.agents.drivers.proc")
    if proc is not None:
        proc.end_children()
    res = _Armed.res
    posix._exit(failure_code(res.entry_point) if res is not None else 1)


def _give_up(res: Resource, lock, why: str) -> Outcome:
    """A hang reaches VCS as a hang (DECISIONS.md 8): end the entry point's children,
    log one line, give no answer. In process mode, wait for VCS's timeout to take the
    process and, still alive ``GRACE`` seconds after it, exit with the failure code."""
    ep = res.entry_point
    if not res.ctx.inprocess:
        signal.setitimer(signal.ITIMER_REAL, 0)
        proc = sys.modules.get("vxha.agents.drivers.proc")
        if proc is not None:
            proc.end_children()
    attr = TIMEOUT_ATTR.get(ep, "timeout")
    if res.timeout_s:
        attr += f" ({res.timeout_s} s)"
    res.log.error(f"{why}: no answer given; its children are ended and VCS's {attr} decides",
                  "deadline")  # fmt: skip
    if res.ctx.inprocess:
        if lock is not None:
            lock.release()
        return Outcome(failure_code(ep), True, res.log.lines)
    if lock is not None:
        lock.release()
    _flush_stdout()
    while True:
        left = res.expires + GRACE - time.monotonic()
        if left <= 0:
            posix._exit(failure_code(ep))
        time.sleep(min(left, 1.0))


def main(type_name: str, entry_point: str, action: "str | None" = None) -> None:
    """The launchers' whole job: run the entry point named by the launcher and exit."""
    _standard_descriptors()
    try:
        outcome = execute(type_name, entry_point, sys.argv[1:], action=action)
        code = outcome.code
    except BaseException:  # noqa: B036 - the contract allows no traceback at VCS
        code = failure_code(entry_point)
    _flush_stdout()
    posix._exit(code)
