"""An entry point's log lines, as the Agent Developer's Guide has script agents log.

Each line reads ``YYYY/MM/DD HH:MM:SS VCS <SEVERITY> V-16-<category>-<msgid>
<Type>:<resource>:<entry point>:<text>`` and goes to the agent's log file
``<Type>_A.log``, or, where the type's LogViaHalog is 1, to the engine log through
``halog`` (falling back to the file when halog cannot be run); it is echoed to stdout,
or to stderr for info and action, whose stdout is their answer to VCS.
Nothing here may change an entry point's outcome: a full disk, a closed stdout, a locale
that cannot encode the text or a planted link only lose the line (docs/framework.md).
"""

import posix  # not os: see agents/statefile.py
import sys
import time

# halog's severity letters (halog(1M)); the guide's VCSAG_LOG_MSG takes the same.
SEVERITY = {"CRITICAL": "C", "ERROR": "E", "WARNING": "W", "NOTICE": "N", "INFO": "I"}
# halog(1M) 7.2: "Maximum size of quoted_string is 4096 bytes"; longer is truncated.
MAX_MESSAGE = 4096


class AgentLog:
    """Writes one entry point's lines (and keeps them for in-process callers)."""

    def __init__(self, ctx, type_name: str, resource: str, entry_point: str):
        self.ctx = ctx
        self.type_name = type_name
        self.prefix = f"{type_name}:{resource}:{entry_point}:"
        self.lines = []  # kept for in-process callers (the simulator, tests)
        self.stdout = not ctx.inprocess
        # info's stdout becomes ResourceInfo's Msg, action's is what hares -action shows
        self.stream = "stderr" if entry_point in ("info", "action") else "stdout"
        self.via_halog = False  # set from the LogViaHalog tuple when VCS passes it

    def write(self, severity: str, msg: str, text: str) -> None:
        try:
            self._write(severity, msg, text)
        except Exception:  # noqa: S110 - a log line never changes an entry point's outcome
            pass

    def _write(self, severity, msg, text):
        from vxha.agents.messages import CATEGORY, MSG  # only when there is a line to write

        msgid = MSG.get(msg, MSG["internal"])
        one = self._message(str(text))
        stamp = time.strftime("%Y/%m/%d %H:%M:%S")
        line = f"{stamp} VCS {severity} V-16-{CATEGORY}-{msgid} {self.prefix}{one}\n"
        self.lines.append(line)
        if self.stdout:
            _echo(line, getattr(sys, self.stream))
        if self.via_halog and not self.ctx.inprocess and self._halog(severity, msgid, one):
            return
        self._append(line)

    def _message(self, text: str) -> str:
        """The text as one line (a line break of any kind a space, other control
        characters and bytes that were not UTF-8 escaped), cut so that the message
        halog would be given is at most MAX_MESSAGE bytes."""
        text = one_line(text)
        room = MAX_MESSAGE - len(self.prefix.encode("utf-8", "backslashreplace"))
        data = text.encode("utf-8")
        if len(data) > room:
            text = data[: max(0, room)].decode("utf-8", "ignore")
        return text

    def _append(self, line: str) -> None:
        from vxha.agents.statefile import open_in

        name, flags = f"{self.type_name}_A.log", posix.O_WRONLY | posix.O_APPEND
        try:
            fd = open_in(self.ctx.log_dir, name, flags)
        except FileNotFoundError:  # renamed (logrotate) between open_in's two opens
            fd = open_in(self.ctx.log_dir, name, flags)
        try:
            posix.write(fd, line.encode("utf-8", "backslashreplace"))
        finally:
            posix.close(fd)

    def _halog(self, severity: str, msgid: int, text: str) -> bool:
        """The line through halog; False when halog is absent or fails (then the file)."""
        from vxha.agents.statefile import join

        halog = join(self.ctx.env.get("VCS_HOME") or "/opt/VRTSvcs", "bin", "halog")
        if not posix.access(halog, posix.X_OK):
            return False
        from vxha.agents.drivers.proc import run

        argv = [halog, "-add", f"{self.prefix}{text}", "-sev", SEVERITY.get(severity, "I"),
                "-msgid", str(msgid)]  # fmt: skip
        try:
            code, _, _ = run(argv, 5.0)
        except Exception:  # noqa: BLE001 - a failed halog falls back to the agent log
            self.via_halog = False
            return False
        return code == 0

    def error(self, text, msg="failed"):
        self.write("ERROR", msg, text)

    def warning(self, text, msg="warning"):
        self.write("WARNING", msg, text)

    def notice(self, text, msg="notice"):
        self.write("NOTICE", msg, text)

    def info(self, text, msg="info"):
        self.write("INFO", msg, text)


def one_line(text: str) -> str:
    """``text`` as one line: a line break of any kind a space, other control characters
    and bytes that were not UTF-8 (read with surrogateescape) escaped."""
    if text.isprintable():
        return text
    return "".join(_printable(c) for c in text.replace("\r\n", "\n"))


def _printable(c: str) -> str:
    if c.isprintable() or c == "\t":
        return c
    if c.isspace():  # every line break str.splitlines knows is one
        return " "
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8, read with surrogateescape
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def _echo(line: str, out) -> None:
    """The line on ``out`` in whatever encoding it has, characters it lacks escaped;
    ``out`` is None when the process started with that descriptor closed."""
    if out is None:
        return
    try:
        data = line.encode(getattr(out, "encoding", None) or "utf-8", "backslashreplace")
        buf = getattr(out, "buffer", None)
        if buf is not None:
            out.flush()
            buf.write(data)
            buf.flush()
        else:
            out.write(data.decode("ascii", "replace"))
            out.flush()
    except (OSError, ValueError, LookupError):
        pass  # a full or closed stream: the log file still has the line
