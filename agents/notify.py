"""A server's admin told of its groups' events: vxha's VCS event trigger, and the mail it
sends through the node's SMTP configuration.

VCS runs ``$VCS_HOME/<TriggerPath>/<trigger>/T0vxha_notify`` (vcs_types/triggers.py) on
the system where the event happened, with the trigger's arguments, and does not wait for
it (VCS 7.1 Administrator's Guide, "About VCS event triggers"). The trigger finds the
group's recipients in its marker (``hagrp -value GROUP UserStrGlobal``; for resfault the
group first, ``hares -value RES Group``), writes one message and sends it. The node's
SMTP configuration is ``/etc/vxha/notify.conf`` (``$VXHA_NOTIFY_CONF``), lines of
``key = value``: ``host`` (default localhost), ``port`` (25), ``from`` (vxha@<node>),
``timeout`` (10 s, for the whole conversation). Under ``VXHA_DRIVERS=fake`` a message goes to
``$VXHA_NODE_DIR/mail/`` instead (the simulator's outbox).

Maintenance and upgrades, for which VCS runs no trigger, send through ``send`` too.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Callable, Dict, List, Optional

from vxha.vcs_types import triggers

CONF = "/etc/vxha/notify.conf"
DEFAULTS = {"host": "localhost", "port": "25", "from": "", "timeout": "10"}
HA_TIMEOUT = 10.0


class NotifyError(Exception):
    """The message could not be made or sent; the text says why."""


# -- the node's configuration ------------------------------------------------------------


def read_conf(path: Optional[str] = None) -> Dict[str, str]:
    """The SMTP configuration: DEFAULTS, overridden by the file when it exists."""
    path = path or os.environ.get("VXHA_NOTIFY_CONF") or CONF
    conf = dict(DEFAULTS)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return conf
    except OSError as exc:
        raise NotifyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        key, sep, value = (part.strip() for part in text.partition("="))
        if not sep or key not in DEFAULTS:
            raise NotifyError(
                f"{path}:{n}: expected KEY = VALUE with KEY one of {', '.join(DEFAULTS)}"
            )
        conf[key] = value
    for key in ("port", "timeout"):
        if not conf[key].isdigit() or int(conf[key]) < 1:
            raise NotifyError(f"{path}: {key} = {conf[key]!r} is not a positive whole number")
    return conf


# -- the trigger's event -----------------------------------------------------------------


def parse(trigger: str, argv: List[str]) -> Dict[str, str]:
    """The trigger's arguments by name. A leading trigger type (0 custom, 1 internal: the
    guides' usage lines show it first) is dropped when present."""
    spec = triggers.EVENTS.get(trigger)
    if spec is None:
        raise NotifyError(
            f"unknown trigger {trigger!r} (vxha handles {', '.join(triggers.EVENTS)})"
        )
    names = spec[0]
    args = list(argv)
    if len(args) == len(names) + 1 and args[0] in ("0", "1"):
        args = args[1:]
    if len(args) != len(names):
        raise NotifyError(
            f"{trigger}: expected {' '.join(names)}, got {' '.join(args) or 'nothing'}"
        )
    return dict(zip(names, args))


def resolve(trigger: str, event: Dict[str, str], ha: Callable[[List[str]], str]) -> Dict:
    """The event with its group, server and recipients, asked of the cluster."""
    event = dict(event, trigger=trigger)
    if "group" not in event:
        event["group"] = ha(["hares", "-value", event["resource"], "Group"]).strip()
    tag = ha(["hagrp", "-value", event["group"], "UserStrGlobal"]).strip()
    event["server"] = tag[len("vxha:server=") :].split(";")[0] if tag.startswith("vxha:") else ""
    event["recipients"] = triggers.recipients(tag)
    return event


_WHAT = {
    "resfault": "resource {resource} faulted on {system} (it was {previous_state})",
    "postonline": "group {group} is online on {system}",
    "postoffline": "group {group} went offline on {system}",
    "nofailover": "group {group} cannot fail over (last tried on {system})",
}
_MEANING = {
    "resfault": "VCS cleans the resource and, as the group's policy says, restarts it, "
    "fails the group over, or leaves it faulted. See: hares -state {resource}; "
    "hagrp -state {group}.",
    "postonline": "The server runs on {system}. After a fault elsewhere this is its failover.",
    "postoffline": "The server no longer runs on {system}; if it faulted, VCS looks for "
    "another system.",
    "nofailover": "No system could take the group: the server is down until an admin acts "
    "(hagrp -clear {group}; hagrp -online {group} -any).",
}


def trigger_message(event: Dict) -> tuple:
    """(subject, body) of a trigger's event."""
    what = _WHAT[event["trigger"]].format(**event)
    body = [
        f"Server:   {event['server'] or '-'}",
        f"Group:    {event['group']}",
        f"Event:    {event['trigger']} (VCS event trigger)",
        f"System:   {event['system']}",
    ]
    if "resource" in event:
        body.append(f"Resource: {event['resource']} (was {event['previous_state']})")
    body += ["", what[0].upper() + what[1:] + ".", _MEANING[event["trigger"]].format(**event)]
    return f"vxha: {event['server'] or event['group']}: {what}", "\n".join(body) + "\n"


# -- sending ---------------------------------------------------------------------------------


def message(recipients: List[str], subject: str, body: str, sender: str):
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(_clean(r) for r in recipients)
    msg["Subject"] = _clean(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["X-vxha"] = "notification"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body += f"\n-- \nvxha on {socket.gethostname()}, {stamp}\n"
    msg.set_content(_clean(body))
    return msg


def _clean(text: str) -> str:
    """Bytes that were not UTF-8 (an argument or a marker read with surrogateescape) as
    U+FFFD: the message is sent whatever a name holds."""
    try:
        data = text.encode("utf-8", "surrogateescape")  # the bytes as they were read
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        data = text.encode("utf-8", "surrogatepass")
    return data.decode("utf-8", "replace")


def send(recipients: List[str], subject: str, body: str, env=None, conf=None) -> str:
    """Send one message to ``recipients``; where it went. NotifyError when it cannot."""
    env = os.environ if env is None else env
    conf = conf or read_conf(env.get("VXHA_NOTIFY_CONF"))
    sender = conf["from"] or f"vxha@{socket.getfqdn() or 'localhost'}"
    msg = message(recipients, subject, body, sender)
    if env.get("VXHA_DRIVERS") == "fake":
        return _spool(msg, env)
    import smtplib
    import threading

    host, port, timeout = conf["host"], int(conf["port"]), int(conf["timeout"])
    # smtplib's timeout bounds each read, not the conversation: a server trickling its
    # answers would hold the sender for ever. At the deadline the socket is shut down.
    socks, expired = [], threading.Event()

    class SMTP(smtplib.SMTP):
        def _get_socket(self, *args):
            sock = super()._get_socket(*args)
            socks.append(sock)
            if expired.is_set():
                _shut(sock)
            return sock

    def expire():
        expired.set()
        for sock in socks:
            _shut(sock)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        with SMTP(host, port, timeout=timeout) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        if expired.is_set():
            raise NotifyError(f"SMTP {host}:{port}: not done within {timeout} s") from None
        raise NotifyError(f"SMTP {host}:{port}: {exc}") from None
    finally:
        timer.cancel()
    return f"SMTP {host}:{port}"


def _shut(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _spool(msg, env) -> str:
    """The fake mailer: one .eml file per message under the node's mail directory."""
    node = env.get("VXHA_NODE_DIR")
    if not node:
        raise NotifyError("VXHA_DRIVERS=fake needs VXHA_NODE_DIR (the node's outbox)")
    folder = os.path.join(node, "mail")
    os.makedirs(folder, exist_ok=True)
    name = f"{time.time_ns()}-{os.getpid()}.eml"
    tmp = os.path.join(folder, f".{name}")
    with open(tmp, "wb") as f:
        f.write(bytes(msg))
    os.replace(tmp, os.path.join(folder, name))
    return os.path.join(folder, name)


def outbox(node_dir: str) -> list:
    """The messages a simulated node sent, oldest first (email.message.Message)."""
    from email import message_from_bytes
    from email.policy import default

    folder = os.path.join(node_dir, "mail")
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".eml"))
    except FileNotFoundError:
        return []
    out = []
    for n in names:
        with open(os.path.join(folder, n), "rb") as f:
            out.append(message_from_bytes(f.read(), policy=default))
    return out


# -- running as a trigger --------------------------------------------------------------------


def handle(trigger: str, argv: List[str], ha, log, env=None) -> int:
    """One trigger run: 0 when a message was sent (or the group has no recipient)."""
    try:
        event = resolve(trigger, parse(trigger, argv), ha)
        if not event["recipients"]:
            log.info(f"{trigger} {' '.join(argv)}: group {event['group']} names no recipient")
            return 0
        subject, body = trigger_message(event)
        where = send(event["recipients"], subject, body, env)
    except Exception as exc:  # noqa: BLE001 - the loss is said, whatever its cause
        why = exc if isinstance(exc, NotifyError) else f"{type(exc).__name__}: {exc}"
        log.error(f"{trigger} {' '.join(argv)}: not sent: {why}", "notify.failed")
        return 1
    log.info(f"{subject}: sent to {', '.join(event['recipients'])} ({where})", "notify.sent")
    return 0


def ha_client(env=None) -> Callable[[List[str]], str]:
    """VCS's own ha commands ($VCS_HOME/bin), else those on PATH (the simulator's shims)."""
    import shutil

    from vxha.agents.drivers.fakestate import DriverError
    from vxha.agents.drivers.proc import run

    env = os.environ if env is None else env
    home = env.get("VCS_HOME") or "/opt/VRTSvcs"

    def ha(argv):
        exe = os.path.join(home, "bin", argv[0])
        if not os.access(exe, os.X_OK):
            exe = shutil.which(argv[0]) or argv[0]
        try:
            code, out, err = run([exe, *argv[1:]], HA_TIMEOUT)
        except DriverError as exc:
            raise NotifyError(f"{' '.join(argv)}: {exc}") from None
        if code != 0:
            raise NotifyError(f"{' '.join(argv)} exited {code}: {' '.join((out + err).split())}")
        return out

    return ha


def main(trigger: str) -> None:
    """The trigger script's whole job; never a traceback (its exit code VCS ignores)."""
    import sys

    code = 1
    try:
        from vxha.agents.agentlog import AgentLog
        from vxha.agents.framework import Context

        ctx = Context()
        log = AgentLog(ctx, "vxha_notify", trigger, "trigger")
        code = handle(trigger, sys.argv[1:], ha_client(), log)
    except BaseException:  # noqa: B036, S110 - a trigger must not fail loudly at VCS
        pass
    os._exit(code)
