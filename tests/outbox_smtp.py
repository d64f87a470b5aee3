"""A real SMTP server for the outbox tests (aiosmtpd on 127.0.0.1): it keeps every message it
accepted, and refuses with 550 the addresses whose local part starts with "refused"."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower().startswith("refused"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Handler

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def environment(self) -> dict[str, str]:
        return {
            "GUANGYING_SMTP_HOST": self.host,
            "GUANGYING_SMTP_PORT": str(self.port),
            "GUANGYING_SMTP_SSL": "false",
            "GUANGYING_SMTP_STARTTLS": "false",
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A fresh server (one per test), and the settings pointing at it."""
    from aiosmtpd.controller import Controller

    from tasks.config import get_settings

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        server = SmtpServer("127.0.0.1", controller.port, handler)
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server
    finally:
        controller.stop()
