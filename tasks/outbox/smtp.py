"""Sending over SMTP: the message as it goes out (From the contest's mailbox, the Message-ID the
pipeline recorded, In-Reply-To/References to the submitter's mail) and what a failure means."""

from __future__ import annotations

import contextlib
import mimetypes
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from typing import Protocol

CONTEST_NAME = "党史短视频展播活动筹备组"


@dataclass(frozen=True, slots=True)
class SmtpAccount:
    host: str
    user: str | None = None
    password: str | None = None
    port: int | None = None
    ssl: bool = True
    starttls: bool = False
    timeout: float = 60.0

    @property
    def resolved_port(self) -> int:
        if self.port:
            return self.port
        return 465 if self.ssl else 587 if self.starttls else 25


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What one message is made of (from its outbox row and its attachments' bytes)."""

    sender: str
    recipient: str
    subject: str
    body: str
    message_id: str
    date: datetime
    in_reply_to: str | None = None
    references: str | None = None
    attachments: Sequence[tuple[str, bytes]] = ()


def build_message(outgoing: Outgoing) -> EmailMessage:
    message = EmailMessage()
    local, _, domain = outgoing.sender.rpartition("@")
    message["From"] = Address(CONTEST_NAME, local, domain)
    message["To"] = outgoing.recipient
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(outgoing.date)
    message["Message-ID"] = outgoing.message_id
    if outgoing.in_reply_to:
        message["In-Reply-To"] = outgoing.in_reply_to
    if outgoing.references:
        message["References"] = outgoing.references
    message.set_content(outgoing.body, charset="utf-8")
    for name, content in outgoing.attachments:
        maintype, _, subtype = (mimetypes.guess_type(name)[0] or "application/octet-stream").partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message


class Transport(Protocol):
    def send(self, message: EmailMessage, sender: str, recipient: str) -> None: ...
    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP connection for a run's messages (opened on the first message)."""

    def __init__(self, account: SmtpAccount) -> None:
        self.account = account
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        account = self.account
        if account.ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                account.host,
                account.resolved_port,
                timeout=account.timeout,
                context=ssl.create_default_context(),
            )
        else:
            conn = smtplib.SMTP(account.host, account.resolved_port, timeout=account.timeout)
            if account.starttls:
                conn.starttls(context=ssl.create_default_context())
        if account.user:
            conn.login(account.user, account.password or "")
        return conn

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPServerDisconnected:
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
            self._conn = None


class Outcome(StrEnum):
    RETRY = "retry"  # a temporary failure (4xx, the connection): tried again later
    REFUSED = "refused"  # the recipient's address refused (5xx to RCPT): a finding on the work
    FAILED = "failed"  # refused for another reason (5xx to MAIL or DATA, login): not retried


def classify(exc: BaseException) -> tuple[Outcome, str]:
    """What a failed send means and the error in Chinese (with the server's own words)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
        said = _said(code, text)
        return (Outcome.REFUSED if 500 <= code < 600 else Outcome.RETRY), f"收件地址被拒绝：{said}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            Outcome.FAILED,
            f"邮箱登录失败，请检查 GUANGYING_SMTP_USER/PASSWORD：{_said(exc.smtp_code, exc.smtp_error)}",
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        said = _said(exc.smtp_code, exc.smtp_error)
        if 500 <= exc.smtp_code < 600:
            return Outcome.FAILED, f"邮件服务器拒绝了这封邮件：{said}"
        return Outcome.RETRY, f"邮件服务器暂时无法接收：{said}"
    if isinstance(exc, smtplib.SMTPServerDisconnected | socket.timeout | TimeoutError):
        return Outcome.RETRY, "与邮件服务器的连接中断或超时"
    if isinstance(exc, OSError | smtplib.SMTPException):
        return Outcome.RETRY, f"无法连接邮件服务器（{type(exc).__name__}: {exc}）"
    return Outcome.RETRY, f"发送时出错（{type(exc).__name__}: {exc}）"


def _said(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"[:300]
