"""The outbox's operations, once for the CLI, the deployment and the nightly run: draft what the
catalogue's state calls for, approve, and send the approved messages each at most once."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.db import catalogue_session
from tasks.catalogue.models import (
    IntakePackage,
    JudgingExpert,
    JudgingWork,
    OutboxMessage,
    Submission,
)
from tasks.catalogue.submissions import submission_view, submissions
from tasks.config import Settings
from tasks.judging import records as judging
from tasks.judging.blind import redact
from tasks.judging.eligibility import eligible_submissions
from tasks.judging.packets import PacketWork
from tasks.judging.service import packet_assignment, write_packets
from tasks.publish.selection import latest_approval
from tasks.scratch import scratch_folder
from tasks.store import ObjectStore, open_store

from . import records
from .addresses import address_in_text, mail_sender, valid_address
from .drafting import (
    PacketFile,
    missing_reminder,
    netdisk_reminder,
    packet_notice,
    receipt_draft,
    result_notice,
)
from .model import KIND_LABELS, Draft, Kind, OutboxState, kind_named
from .smtp import Outcome, Outgoing, Transport, build_message, classify

log = logging.getLogger(__name__)
LINK_LIFETIME = timedelta(days=7)  # the longest an S3 presigned URL may live
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)  # then 10, 20, 40 minutes
MAIL_SOURCES = ("imap:",)
MAIL_SUFFIXES = (".eml", ".mbox")
# Message-IDs intake makes for a mail without one: not the submitter's, nothing to reply to.
SYNTHETIC_ID_SUFFIX = "@guangying>"
# A Message-ID that can be written into a header as it is (no spaces, line breaks or brackets inside).
MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,400}>")


# Recipients ------------------------------------------------------------------------------------


def first_mail_sender(session: Session, store: ObjectStore, submission: Submission) -> str | None:
    """The address the work's first mail came from: its raw .eml as stored by intake."""
    packages = session.scalars(
        select(IntakePackage)
        .where(IntakePackage.submission_id == submission.id, IntakePackage.object_key.is_not(None))
        .order_by(IntakePackage.received_at, IntakePackage.created_at)
    )
    fallback = None
    for index, package in enumerate(packages):
        source = (package.source or "").lower()
        mail = source.startswith(MAIL_SOURCES) or source.endswith(MAIL_SUFFIXES)
        # a work with a Message-ID was made by a mail: its first package is that mail, wherever it came from
        if not mail and not (index == 0 and submission.message_id):
            continue
        bucket, _, key = (package.object_key or "").partition("/")
        try:
            message_id, address = mail_sender(store.get_bytes(bucket, key))
        except (OSError, KeyError, ValueError) as exc:
            log.warning("cannot read the mail of %s: %s", submission.id, exc)
            continue
        if address and message_id == submission.message_id:
            return address
        fallback = fallback or address
    return fallback


def submitter_address(session: Session, store: ObjectStore, submission: Submission) -> tuple[str, str]:
    """(address, where it came from): the first mail's sender, else an address in the 登记表's
    联系人 or 联系电话 field; ('', '') when there is none."""
    known = session.scalars(
        select(OutboxMessage.recipient).where(
            OutboxMessage.submission_id == submission.id, OutboxMessage.recipient_source == "first_mail"
        )
    ).first()
    if known:
        return known, "first_mail"  # the first mail never changes: read once
    if address := first_mail_sender(session, store, submission):
        return address, "first_mail"
    form = submission.form or {}
    for name in ("contact", "phone", "person_name"):
        if address := address_in_text(str(form.get(name) or "")):
            return address, "form"
    return "", ""


def _threading(session: Session, submission: Submission) -> tuple[str | None, list[str]]:
    """In-Reply-To (the submitter's first mail, when it had a usable Message-ID) and References."""
    first = (submission.message_id or "").strip()
    usable = MESSAGE_ID.fullmatch(first) and not first.endswith(SYNTHETIC_ID_SUFFIX)
    first = first if usable else ""
    earlier = records.sent_message_ids(session, submission.id)[-9:]
    references = [m for m in [first, *earlier] if m]
    return (first or None), references


# Drafting --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Drafted:
    new: list[int] = field(default_factory=list)
    purposes: set[str] = field(default_factory=set)


def _record(
    session: Session, draft: Draft, settings: Settings, store: ObjectStore, now: datetime, drafted: Drafted
) -> None:
    if draft.submission_id is not None:
        submission = session.get(Submission, draft.submission_id)
        if submission is None:
            return
        recipient, source = submitter_address(session, store, submission)
        in_reply_to, references = _threading(session, submission)
    else:
        expert = session.get(JudgingExpert, draft.expert_id) if draft.expert_id is not None else None
        recipient = address_in_text(expert.contact) or "" if expert else ""
        source, in_reply_to, references = ("roster" if recipient else ""), None, []
    row = records.record_draft(
        session,
        draft,
        recipient=recipient,
        recipient_source=source,
        in_reply_to=in_reply_to,
        references=references,
        store=store,
        bucket=settings.bucket_evidence,
        now=now,
    )
    if row is not None:
        drafted.new.append(row.id)


def submission_drafts(session: Session, settings: Settings, now: datetime) -> Iterator[Draft]:
    """Receipts and reminders, one work at a time."""
    for submission in submissions(session):
        item = submission_view(session, submission)
        yield receipt_draft(item, now)
        for reminder in (
            netdisk_reminder(item, now, settings.outbox_reminder_days),
            missing_reminder(item, now, settings.outbox_material_due, settings.outbox_reminder_days),
        ):
            if reminder is not None:
                yield reminder


def result_drafts(session: Session) -> Iterator[Draft]:
    """After the list was approved: the result of each work under judging (numbered, still eligible)."""
    approval = latest_approval(session)
    if approval is None:
        return
    tiers = {item["submission_id"]: item["tier"] for item in approval.items}
    numbered = {row.submission_id: row for row in session.scalars(select(JudgingWork))}
    for submission in eligible_submissions(session):
        if submission.id not in numbered:  # never under judging
            continue
        yield result_notice(
            submission_view(session, submission), tiers.get(submission.id), approval.approved_at
        )


def packet_drafts(
    session: Session, settings: Settings, store: ObjectStore, now: datetime, scratch: Path
) -> Iterator[Draft]:
    """Each expert's packet notice: the works still to score by 评审编号 and title (blind), with the
    packet folder of `guangying packets` (viewing copies, subtitles, 评审.html, 评分表) zipped and
    attached, or linked when larger than the limit. With MinIO/S3 the packet's videos are links."""
    if not judging.current_assignment(session):
        return
    works = {w.work.number: w for w in judging.judged_works(session)}
    by_expert, _ = packet_assignment(session, works)
    experts = {e.name: e for e in session.scalars(select(JudgingExpert))}
    links = store.shareable
    expires = now + LINK_LIFETIME if links else None
    limit = int(settings.outbox_attachment_limit_mb * 1024 * 1024)
    for name, numbers in sorted(by_expert.items()):
        expert = experts.get(name)
        if expert is None:
            continue
        packet = [
            PacketWork(n, redact(works[n].work.title, works[n].private), works[n].work.category, ())
            for n in sorted(numbers)
        ]
        report = write_packets(
            settings,
            scratch / f"expert-{expert.id}",
            now,
            links=links,
            lifetime=LINK_LIFETIME,
            experts=[name],
        )
        if not report.folders:
            continue
        archive = Path(shutil.make_archive(str(scratch / f"packet-{expert.id}"), "zip", report.folders[0]))
        content = archive.read_bytes()
        archive_name = "评审包.zip"
        if len(content) <= limit:
            sheet = PacketFile(archive_name, content)
        else:
            key = f"outbox/packets/{expert.id}/{now:%Y%m%d%H%M%S}.zip"
            store.put_bytes(settings.bucket_evidence, key, content)
            sheet = PacketFile(archive_name, None, store.url(settings.bucket_evidence, key, LINK_LIFETIME))
        yield packet_notice(expert.id, name, packet, expires, sheet)


def refresh_drafts(settings: Settings, now: datetime) -> list[int]:
    """Draft every message the catalogue's state calls for and that was not drafted (or sent) the
    same before; a newer draft supersedes an unsent older one. Returns the new messages' numbers."""
    store = open_store(settings)
    drafted = Drafted()
    with catalogue_session(settings) as session, scratch_folder(settings.data_dir, "outbox") as scratch:
        drafts = chain(
            submission_drafts(session, settings, now),
            result_drafts(session),
            packet_drafts(session, settings, store, now, scratch),
        )
        for draft in drafts:
            drafted.purposes.add(draft.purpose)
            _record(session, draft, settings, store, now, drafted)
        records.drop_unneeded(session, drafted.purposes)
    return drafted.new


# Sending ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    unsure: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "retrying": [{"id": i, "error": e} for i, e in self.retrying],
            "failed": [{"id": i, "error": e} for i, e in self.failed],
            "refused": [{"id": i, "error": e} for i, e in self.refused],
            "unsure": self.unsure,
        }


def backoff(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries (5, 10, 20, 40 minutes), or None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + FIRST_RETRY * 2 ** max(0, attempts - 1)


def _outgoing(row: OutboxMessage, store: ObjectStore, sender: str, now: datetime) -> Outgoing:
    return Outgoing(
        sender=sender,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        message_id=row.message_id or "",
        date=now,
        in_reply_to=row.in_reply_to,
        references=row.references,
        attachments=[(a["name"], store.get_bytes(a["bucket"], a["key"])) for a in row.attachments],
    )


def send_approved(settings: Settings, now: datetime, transport: Callable[[], Transport]) -> SendReport:
    """Send each approved message whose time has come, at most once:

    1. its Message-ID and the state 'sending' are committed before the SMTP transaction;
    2. the SMTP transaction;
    3. 'sent' committed.
    A run that ends between 2 and 3 leaves 'sending': the next run makes it 待核实 (the server may
    have it) instead of sending it again. A temporary failure is retried with backoff; a refused
    address becomes a finding on the work."""
    sender = valid_address(settings.outbox_from)
    if sender is None:
        raise ValueError(f"发件地址“{settings.outbox_from}”不是有效的邮箱地址（GUANGYING_OUTBOX_FROM）")
    domain = sender.rpartition("@")[2]
    store = open_store(settings)
    report = SendReport()
    with catalogue_session(settings) as session:
        report.unsure = records.interrupted(session)
        due = records.due_for_sending(session, now)
    connection: Transport | None = None
    try:
        for number in due:
            with catalogue_session(settings) as session:
                row = records.claim(session, number, domain)
                if row is None:
                    continue
                outgoing = _outgoing(row, store, sender, now)
                message = build_message(outgoing)
                attempts = row.attempts
            # committed: 'sending', with its Message-ID
            try:
                connection = connection or transport()
                connection.send(message, sender, outgoing.recipient)
            except Exception as exc:
                outcome, error = classify(exc)
                log.warning("sending outbox message %s failed: %s", number, error)
                with catalogue_session(settings) as session:
                    if outcome == Outcome.RETRY:
                        retry_at = backoff(attempts, now)
                        records.mark_retry(session, number, error, retry_at)
                        (report.retrying if retry_at else report.failed).append((number, error))
                    else:
                        refused = outcome == Outcome.REFUSED
                        records.mark_refused(session, number, error, address_refused=refused)
                        (report.refused if refused else report.failed).append((number, error))
                if outcome == Outcome.RETRY and connection is not None:
                    connection.close()
                    connection = None
                continue
            with catalogue_session(settings) as session:
                records.mark_sent(session, number, now)
            report.sent.append(number)
    finally:
        if connection is not None:
            connection.close()
    return report


def approve(
    settings: Settings, *, ids: list[int] | None = None, kind: Kind | None = None, by: str, now: datetime
) -> records.Approved:
    with catalogue_session(settings) as session:
        return records.approve(session, ids=ids or [], kind=kind, by=by, now=now)


def approve_kinds(settings: Settings, names: Sequence[str], by: str, now: datetime) -> records.Approved:
    """Approve every draft of the kinds named (a kind or its Chinese label), recorded with `by`, who
    must be named; an unknown kind is refused with the kinds there are."""
    kinds = [kind_named(str(name)) for name in names]
    unknown = [str(name) for name, kind in zip(names, kinds, strict=True) if kind is None]
    refused = (
        [f"没有这类邮件：{'、'.join(unknown)}（可选：{'、'.join(KIND_LABELS.values())}）"] if unknown else []
    )
    if any(kinds) and not by.strip():
        return records.Approved([], [*refused, "按类别批准需要填写批准人，未批准任何邮件。"])
    approved: list[int] = []
    for kind in kinds:
        if kind is not None:
            result = approve(settings, kind=kind, by=by.strip(), now=now)
            approved += result.approved
            refused += result.refused
    return records.Approved(approved, refused)


def confirm_sent(settings: Settings, number: int, by: str, now: datetime) -> str | None:
    """An operator found a 待核实 message in the Sent folder: recorded as sent. An error sentence
    when the message is not 待核实."""
    with catalogue_session(settings) as session:
        row = session.get(OutboxMessage, number)
        if row is None:
            return f"没有编号为{number}的邮件。"
        if row.state != OutboxState.UNSURE:
            return f"邮件{number}不是“待核实”状态，无需确认。"
        records.mark_sent(session, number, now, by=by)
    return None


def messages(settings: Settings, *, include_superseded: bool = False) -> list[OutboxMessage]:
    """Every message in the outbox by number (those a newer draft superseded only when asked)."""
    with catalogue_session(settings) as session:
        return records.messages(session, include_superseded=include_superseded)


def message(settings: Settings, number: int) -> OutboxMessage | None:
    with catalogue_session(settings) as session:
        return session.get(OutboxMessage, number)
