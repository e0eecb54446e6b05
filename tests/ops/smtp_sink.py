"""An SMTP server on loopback for the notification tests (aiosmtpd), on a free port."""

from __future__ import annotations

import socket


class Sink:
    """An SMTP server on 127.0.0.1 keeping what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(
                    (envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
                )
                return "250 OK"

        with socket.socket() as probe:  # a free port on loopback for the sink
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def conf(self, directory) -> str:
        """A node's SMTP configuration (agents/notify.py) sending to this sink."""
        path = f"{directory}/notify-{self.port}.conf"
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"host = 127.0.0.1\nport = {self.port}\nfrom = vxha@admin.example\n")
        return path

    def received(self) -> list:
        """The messages received, oldest first (email.message.EmailMessage)."""
        from email import message_from_bytes
        from email.policy import default

        return [message_from_bytes(content, policy=default) for _, _, content in self.messages]
