"""The outbox in the catalogue: drafts recorded (a newer one supersedes an unsent older one),
approvals (who, when), the sending states, and the work a sent Message-ID belongs to."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tasks.catalogue.models import FindingRecord, OutboxMessage
from tasks.findings import Check, Status
from tasks.store import ObjectStore

from .model import KIND_LABELS, REPLACEABLE, STATE_LABELS, Draft, Kind, OutboxState

STAGE = "outbox"


def fingerprint(draft: Draft, recipient: str) -> str:
    """What decides whether a new draft is needed: the situation (`state_text`, else the body and
    subject) and the recipient."""
    text = draft.state_text if draft.state_text is not None else f"{draft.subject}\n{draft.body}"
    return hashlib.sha256(f"{recipient}\n{text}".encode()).hexdigest()


def latest_for(session: Session, purpose: str) -> OutboxMessage | None:
    """The newest message for `purpose` that was not superseded."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.purpose == purpose, OutboxMessage.state != OutboxState.SUPERSEDED)
        .order_by(OutboxMessage.id.desc())
    )
    return session.scalars(query).first()


def record_draft(
    session: Session,
    draft: Draft,
    *,
    recipient: str,
    recipient_source: str,
    in_reply_to: str | None,
    references: Sequence[str],
    store: ObjectStore,
    bucket: str,
    now: datetime,
) -> OutboxMessage | None:
    """The draft recorded, unless the last one for its purpose says the same; unsent older drafts
    for the purpose (draft, approved, failed) are superseded. None when nothing changed."""
    stamp = fingerprint(draft, recipient)
    latest = latest_for(session, draft.purpose)
    if latest is not None and latest.fingerprint == stamp:
        return None
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.purpose == draft.purpose, OutboxMessage.state.in_([str(s) for s in REPLACEABLE]))
        .values(state=OutboxState.SUPERSEDED)
    )
    attachments = []
    for attachment in draft.attachments:
        digest = hashlib.sha256(attachment.content).hexdigest()
        key = f"outbox/{digest}/{digest[:12]}{_suffix(attachment.name)}"
        store.put_bytes(bucket, key, attachment.content)
        attachments.append(
            {"name": attachment.name, "bucket": bucket, "key": key, "size": len(attachment.content)}
        )
    row = OutboxMessage(
        kind=str(draft.kind),
        purpose=draft.purpose[:200],
        submission_id=draft.submission_id,
        expert_id=draft.expert_id,
        recipient=recipient,
        recipient_source=recipient_source,
        subject=" ".join(draft.subject.split())[:500],  # one header line, whatever a title holds
        body=draft.body,
        attachments=attachments,
        fingerprint=stamp,
        state=OutboxState.DRAFT,
        in_reply_to=in_reply_to,
        references=" ".join(references) or None,
        created_at=now,
        approvals=[],
    )
    session.add(row)
    session.flush()
    return row


def drop_unneeded(session: Session, purposes: set[str]) -> int:
    """Unsent messages the state no longer calls for (a reminder for a link since downloaded, a
    packet for an expert no longer assigned) are superseded; how many."""
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.state.in_([str(s) for s in REPLACEABLE]))
    ).all()
    dropped = [row for row in rows if row.purpose not in purposes]
    for row in dropped:
        row.state = OutboxState.SUPERSEDED
    return len(dropped)


def _suffix(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return f".{suffix}" if suffix.isalnum() and len(suffix) <= 8 else ""


def messages(session: Session, *, include_superseded: bool = False) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if not include_superseded:
        query = query.where(OutboxMessage.state != OutboxState.SUPERSEDED)
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class Approved:
    approved: list[int]
    refused: list[str]  # one Chinese sentence per message that could not be approved


APPROVABLE = frozenset({OutboxState.DRAFT, OutboxState.FAILED, OutboxState.UNSURE})


def approve(
    session: Session, *, ids: Sequence[int] = (), kind: Kind | None = None, by: str, now: datetime
) -> Approved:
    """Approve the messages `ids` (or every draft of `kind`), recorded with who and when. A failed
    message approved again is retried; one left 待核实 is sent again under the same Message-ID
    (its recipient's mail program shows one message when both arrive)."""
    refused: list[str] = []
    if kind is not None:
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == str(kind), OutboxMessage.state == OutboxState.DRAFT)
                .order_by(OutboxMessage.id)
            )
        )
    else:
        rows = []
        for number in ids:
            row = session.get(OutboxMessage, number)
            if row is None:
                refused.append(f"没有编号为{number}的邮件。")
            else:
                rows.append(row)
    approved = []
    for row in rows:
        label = f"邮件{row.id}（{KIND_LABELS.get(row.kind, row.kind)}：{row.subject}）"
        unrecorded = row.state == OutboxState.APPROVED and not row.approved_by  # approved, but by nobody
        if row.state not in APPROVABLE and not unrecorded:
            refused.append(f"{label}的状态是“{_state_label(row.state)}”，无需也不能批准。")
            continue
        if not row.recipient:
            refused.append(f"{label}没有可用的收件地址，未批准；请在登记表或名单中补上邮箱后再试。")
            continue
        row.approvals = [*row.approvals, {"by": by, "at": now.isoformat(), "state": row.state}]
        row.approved_by, row.approved_at = by, now
        if row.state == OutboxState.FAILED:
            row.attempts, row.next_attempt_at = 0, None
        row.state = OutboxState.APPROVED
        approved.append(row.id)
    session.flush()
    return Approved(approved, refused)


def _state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def due_for_sending(session: Session, now: datetime) -> list[int]:
    """Approved messages (with an approval record) whose retry time has come, oldest first."""
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == OutboxState.APPROVED,
            OutboxMessage.approved_by.is_not(None),
            OutboxMessage.approved_at.is_not(None),
        )
        .order_by(OutboxMessage.id)
    )
    rows = session.scalars(query).all()
    due = []
    for number in rows:
        row = session.get(OutboxMessage, number)
        if row is not None and (row.next_attempt_at is None or _aware(row.next_attempt_at) <= now):
            due.append(number)
    return due


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def claim(session: Session, number: int, domain: str) -> OutboxMessage | None:
    """The message marked 'sending' with its Message-ID recorded, before any byte goes to the
    server; None when another run took it or its approval is gone. Commit before sending."""
    row = session.get(OutboxMessage, number)
    if row is None:
        return None
    message_id = row.message_id or make_msgid(domain=domain)
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == number,
            OutboxMessage.state == OutboxState.APPROVED,
            OutboxMessage.approved_by.is_not(None),
        )
        .values(state=OutboxState.SENDING, message_id=message_id, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    session.refresh(row)
    return row


def interrupted(session: Session) -> list[int]:
    """Messages a run left in 'sending' (it ended between the SMTP transaction and its record): the
    server may have them, so they become 待核实 for an operator and are never re-sent blindly."""
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.state == OutboxState.SENDING)))
    for row in rows:
        row.state = OutboxState.UNSURE
        row.last_error = (
            "上次发送在邮件服务器应答后、记录前中断，无法确认对方是否已收到。请在邮箱“已发送”中"
            f"按 Message-ID {row.message_id} 核对：已发出则运行 guangying outbox sent {row.id}，"
            f"未发出则 guangying outbox approve {row.id} 后重新发送。"
        )
    session.flush()
    return [r.id for r in rows]


def mark_sent(session: Session, number: int, now: datetime, *, by: str | None = None) -> None:
    row = session.get(OutboxMessage, number)
    if row is not None:
        row.state, row.sent_at = OutboxState.SENT, now
        row.last_error = f"由{by}核实已发出" if by else None
        row.next_attempt_at = None


def mark_retry(session: Session, number: int, error: str, next_attempt: datetime | None) -> None:
    """A failure worth another try at `next_attempt`; None: no tries left (发送失败)."""
    row = session.get(OutboxMessage, number)
    if row is not None:
        row.last_error = error
        row.next_attempt_at = next_attempt
        row.state = OutboxState.APPROVED if next_attempt is not None else OutboxState.FAILED


def mark_refused(session: Session, number: int, error: str, *, address_refused: bool) -> None:
    """A permanent refusal. When the address was refused, a finding on the work says so."""
    row = session.get(OutboxMessage, number)
    if row is None:
        return
    row.last_error = error
    row.state = OutboxState.REFUSED if address_refused else OutboxState.FAILED
    if address_refused and row.submission_id:
        session.add(
            FindingRecord(
                submission_id=row.submission_id,
                stage=STAGE,
                check=Check.MAIL,
                status=Status.WARN,
                message=(
                    f"发往 {row.recipient} 的邮件（{KIND_LABELS.get(row.kind, row.kind)}：{row.subject}）"
                    f"被对方邮件服务器拒收（{error}），请工作人员核对报送人的邮箱地址。"
                ),
                evidence={"outbox_id": row.id, "recipient": row.recipient, "error": error},
            )
        )


def work_for_sent_message_id(session: Session, message_id: str) -> str | None:
    """The submission a message the pipeline sent (by its Message-ID) belongs to: a reply whose
    In-Reply-To or References names it joins that work (intake's reply matcher uses this)."""
    text = (message_id or "").strip()
    if not text:
        return None
    if not text.startswith("<"):
        text = f"<{text}>"
    return session.scalars(
        select(OutboxMessage.submission_id).where(
            OutboxMessage.message_id == text, OutboxMessage.submission_id.is_not(None)
        )
    ).first()


def sent_message_ids(session: Session, submission_id: str) -> list[str]:
    """The Message-IDs already sent to a work, oldest first (a later message's References)."""
    query = (
        select(OutboxMessage.message_id)
        .where(
            OutboxMessage.submission_id == submission_id,
            OutboxMessage.state == OutboxState.SENT,
            OutboxMessage.message_id.is_not(None),
        )
        .order_by(OutboxMessage.sent_at, OutboxMessage.id)
    )
    return [m for m in session.scalars(query) if m]


def _iso(moment: datetime | None) -> str | None:
    return _aware(moment).isoformat() if moment else None


def row_json(row: OutboxMessage) -> dict[str, Any]:
    """The `guangying outbox --json` object of one message."""
    return {
        "id": row.id,
        "kind": row.kind,
        "purpose": row.purpose,
        "submission_id": row.submission_id,
        "expert_id": row.expert_id,
        "recipient": row.recipient,
        "recipient_source": row.recipient_source,
        "subject": row.subject,
        "state": row.state,
        "approved_by": row.approved_by,
        "approved_at": _iso(row.approved_at),
        "message_id": row.message_id,
        "in_reply_to": row.in_reply_to,
        "attempts": row.attempts,
        "next_attempt_at": _iso(row.next_attempt_at),
        "last_error": row.last_error,
        "sent_at": _iso(row.sent_at),
        "attachments": [{"name": a["name"], "size": a["size"]} for a in row.attachments],
    }
