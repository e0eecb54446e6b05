"""Notifications when the node's SMTP server is down, silent or slow: an error naming
the server within the configured timeout, never a wait past it (agents/notify.py,
docs/framework.md "Notifications")."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from vxha.agents import notify
from vxha.agents.framework import AgentLog, Context


class Server:
    """A TCP server on loopback that answers as ``behaviour`` says."""

    def __init__(self, behaviour):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.behaviour = behaviour
        self.stopped = threading.Event()
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self.behaviour, args=(self, conn), daemon=True).start()

    def stop(self):
        self.stopped.set()
        self.sock.close()
        for c in self.conns:
            c.close()


def silent(server, conn):
    server.stopped.wait(30)


def trickling(server, conn):
    """A banner of continuation lines, one byte every 0.2 s, never ending."""
    try:
        while not server.stopped.is_set():
            for b in b"220-slow\r\n":
                conn.sendall(bytes([b]))
                time.sleep(0.2)
    except OSError:
        pass


def within(seconds, fn, *args, **kw):
    """``fn``'s result (or its exception) if it ends within ``seconds``; a failure, not a
    hung test run, when it does not: the deadline under test is what must end it."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args, **kw)
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"{fn.__name__} did not end within {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _conf(port, timeout=2):
    return {
        "host": "127.0.0.1",
        "port": str(port),
        "from": "vxha@n1.example",
        "timeout": str(timeout),
    }


@pytest.mark.parametrize("behaviour", [silent, trickling], ids=["silent", "trickling"])
def test_a_slow_or_silent_server_is_an_error_within_the_timeout(behaviour):
    server = Server(behaviour)
    try:
        with pytest.raises(notify.NotifyError) as err:
            within(2 + 1.5, notify.send, ["ops@example.com"], "s", "b", env={},
                   conf=_conf(server.port, 2))  # fmt: skip
    finally:
        server.stop()
    assert f"127.0.0.1:{server.port}" in str(err.value)
    if behaviour is trickling:  # every read answered in time: the deadline alone ends it
        assert str(err.value) == f"SMTP 127.0.0.1:{server.port}: not done within 2 s"


def test_a_connection_made_after_the_deadline_is_cut_at_once(monkeypatch):
    """The deadline can pass while the connection is being made: the socket that comes up
    after it is shut as it appears, not read from until the server stops talking."""
    import smtplib

    real = smtplib.SMTP._get_socket

    def late(self, *args):
        time.sleep(1.5)  # the connection comes up after the 1 s deadline
        return real(self, *args)

    monkeypatch.setattr(smtplib.SMTP, "_get_socket", late)
    server = Server(trickling)
    try:
        with pytest.raises(notify.NotifyError) as err:
            within(1 + 3, notify.send, ["ops@example.com"], "s", "b", env={},
                   conf=_conf(server.port, 1))  # fmt: skip
    finally:
        server.stop()
    assert str(err.value) == f"SMTP 127.0.0.1:{server.port}: not done within 1 s"


def test_a_server_that_is_down_is_an_error_at_once():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(notify.NotifyError) as err:
        notify.send(["ops@example.com"], "s", "b", env={}, conf=_conf(port, 5))
    assert time.monotonic() - start < 2
    assert f"SMTP 127.0.0.1:{port}" in str(err.value)


def test_the_trigger_logs_what_it_could_not_send_and_exits_1(node_dir, tmp_path):
    server = Server(trickling)
    conf = tmp_path / "notify.conf"
    conf.write_text(f"host = 127.0.0.1\nport = {server.port}\ntimeout = 1\n")
    env = {"VXHA_NOTIFY_CONF": str(conf), "VXHA_NODE_DIR": str(node_dir)}
    marker = "vxha:server=web;notify=ops@example.com"

    def ha(argv):
        return "web\n" if argv[0] == "hares" else marker + "\n"

    log = AgentLog(Context(env, inprocess=True), "vxha_notify", "resfault", "trigger")
    try:
        code = within(1 + 1.5, notify.handle, "resfault", ["n1", "web_ctr", "ONLINE"], ha, log,
                      env)  # fmt: skip
    finally:
        server.stop()
    assert code == 1
    (line,) = log.lines
    assert " VCS ERROR V-16-10000-10802 vxha_notify:resfault:trigger:" in line
    assert "not sent" in line and f"127.0.0.1:{server.port}" in line


def test_bytes_that_are_not_utf8_in_the_event_still_send_the_message(node_dir):
    # an argument or the marker read with surrogateescape: the admin must still be told
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}
    marker = "vxha:server=w\udce9b;notify=ops@example.com"

    def ha(argv):
        return "web\n" if argv[0] == "hares" else marker + "\n"

    log = AgentLog(Context(env, inprocess=True), "vxha_notify", "resfault", "trigger")
    code = notify.handle("resfault", ["n1", "web_ctr", "ONL\udce9NE"], ha, log, env)
    assert code == 0, log.lines
    (msg,) = notify.outbox(str(node_dir))
    assert msg["To"] == "ops@example.com"
    assert "w\ufffdb" in msg["Subject"]
    assert "was ONL\ufffdNE" in msg.get_content()


def test_a_trigger_that_fails_unexpectedly_says_so_in_its_log(node_dir):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}

    def ha(argv):
        raise RuntimeError("the ha client broke")

    log = AgentLog(Context(env, inprocess=True), "vxha_notify", "resfault", "trigger")
    assert notify.handle("resfault", ["n1", "web_ctr", "ONLINE"], ha, log, env) == 1
    (line,) = log.lines
    assert "not sent" in line and "the ha client broke" in line


def test_a_group_naming_no_recipient_sends_nothing_and_says_so(node_dir):
    env = {"VXHA_DRIVERS": "fake", "VXHA_NODE_DIR": str(node_dir)}

    def ha(argv):
        return "web\n" if argv[0] == "hares" else "vxha:server=web\n"

    log = AgentLog(Context(env, inprocess=True), "vxha_notify", "resfault", "trigger")
    code = notify.handle("resfault", ["n1", "web_ctr", "ONLINE"], ha, log, env)
    assert code == 0
    assert notify.outbox(str(node_dir)) == []
    (line,) = log.lines
    assert line.endswith(":resfault n1 web_ctr ONLINE: group web names no recipient\n")


def test_an_ha_command_that_fails_is_an_error_naming_it(tmp_path):
    """VCS's ha commands answer with their exit code: a failed one is no answer."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    hagrp = bin_dir / "hagrp"
    hagrp.write_text(
        "#!/bin/sh\necho 'VCS WARNING V-16-1-40131 Group web does not exist' >&2\nexit 1\n"
    )
    hagrp.chmod(0o755)
    ha = notify.ha_client({"VCS_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    with pytest.raises(notify.NotifyError) as err:
        ha(["hagrp", "-value", "web", "UserStrGlobal"])
    assert str(err.value) == (
        "hagrp -value web UserStrGlobal exited 1: VCS WARNING V-16-1-40131 Group web does not exist"
    )
