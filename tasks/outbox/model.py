"""What an outbox message is: its kind, its states and their Chinese names."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    RECEIPT = "receipt"  # 受理回执, again whenever the work's state changes
    REMINDER = "reminder"  # Netdisk link expiring, material still missing before a date
    PACKET = "packet"  # an expert's review packet
    RESULT = "result"  # the result of judging, after the list was approved


KIND_LABELS: dict[str, str] = {
    Kind.RECEIPT: "受理回执",
    Kind.REMINDER: "提醒",
    Kind.PACKET: "评审材料",
    Kind.RESULT: "评审结果",
}


class OutboxState(StrEnum):
    DRAFT = "draft"  # waits for a person's approval
    APPROVED = "approved"  # approved (who, when recorded); sent by the next `outbox send`
    SENDING = "sending"  # the SMTP transaction has begun: its Message-ID is recorded
    SENT = "sent"
    UNSURE = "unsure"  # a run ended while sending: the server may have it; never re-sent blindly
    FAILED = "failed"  # gave up after the retries, or refused for a reason other than the address
    REFUSED = "refused"  # the recipient's server refused the address (550): a finding on the work
    SUPERSEDED = "superseded"  # a newer draft for the same work and purpose replaced it unsent


STATE_LABELS: dict[str, str] = {
    OutboxState.DRAFT: "待批准",
    OutboxState.APPROVED: "已批准待发送",
    OutboxState.SENDING: "发送中",
    OutboxState.SENT: "已发送",
    OutboxState.UNSURE: "待核实（发送中断）",
    OutboxState.FAILED: "发送失败",
    OutboxState.REFUSED: "地址被拒收",
    OutboxState.SUPERSEDED: "已被新稿取代",
}

# A newer draft for the same purpose replaces these (never what may have left already).
REPLACEABLE = frozenset({OutboxState.DRAFT, OutboxState.APPROVED, OutboxState.FAILED})


def kind_named(text: str) -> Kind | None:
    """The Kind an operator names, by its id (receipt) or its Chinese name (受理回执)."""
    for kind in Kind:
        if text.strip() in (str(kind), KIND_LABELS[kind]):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Draft:
    """A message as the drafting rules make it, before it is recorded.

    `state_text` is what decides whether the work's (or expert's) situation changed since the last
    draft for the same `purpose`: the body itself, unless the body holds something that changes on
    every drafting without the situation changing (time-limited links)."""

    kind: Kind
    purpose: str
    subject: str
    body: str
    submission_id: str | None = None
    expert_id: int | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    state_text: str | None = None
