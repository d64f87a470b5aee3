"""The catalogue: what we know about each work (Prefect's history records what ran)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tasks.roles import FileRole


def _now() -> datetime:
    return datetime.now(UTC)


def _uuid() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Submission(Base):
    """One work as submitted: a package (or a bare video screened on its own)."""

    __tablename__ = "submission"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_uuid)
    title: Mapped[str | None] = mapped_column(String(200))
    submitter: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40), default="received")  # tasks.states.SubmissionState
    verdict: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(400))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    form: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
    # Intake (0002): how the package was named and sent, and a Baidu Netdisk share awaiting download.
    package_name: Mapped[str | None] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    netdisk_url: Mapped[str | None] = mapped_column(String(500))
    netdisk_code: Mapped[str | None] = mapped_column(String(20))
    netdisk_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Received time (0003): what `received_at` rests on (`tasks.intake.received.ReceivedBasis`) and,
    # when an operator stated it by hand, who did.
    received_basis: Mapped[str | None] = mapped_column(String(40))
    received_set_by: Mapped[str | None] = mapped_column(String(200))

    files: Mapped[list[File]] = relationship(back_populates="submission", order_by="File.created_at")
    findings: Mapped[list[FindingRecord]] = relationship(
        back_populates="submission", order_by="FindingRecord.created_at"
    )


class File(Base):
    """An original, stored immutably under its sha256."""

    __tablename__ = "file"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_uuid)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(40), default=FileRole.VIDEO)  # tasks.roles.FileRole
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    object_key: Mapped[str] = mapped_column(String(200))
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    verdict: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # Intake (0002): path inside the package, detected kind, measured duration, episode number.
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    submission: Mapped[Submission | None] = relationship(back_populates="files")
    findings: Mapped[list[FindingRecord]] = relationship(
        back_populates="file", order_by="FindingRecord.created_at"
    )


class FindingRecord(Base):
    """One check's result, as `tasks.findings.Finding`, attached to a file and/or a submission."""

    __tablename__ = "finding"
    __table_args__ = (Index("ix_finding_file_stage", "file_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str | None] = mapped_column(ForeignKey("file.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    check: Mapped[str] = mapped_column(String(60))  # tasks.findings.Check
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    submission: Mapped[Submission | None] = relationship(back_populates="findings")
    file: Mapped[File | None] = relationship(back_populates="findings")


class IntakePackage(Base):
    """A package as received (archive, folder, e-mail), by the sha256 of its bytes: ingesting the
    same package again finds this row and changes nothing."""

    __tablename__ = "intake_package"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(400))
    object_key: Mapped[str | None] = mapped_column(String(200))  # the archive or .eml in the originals bucket
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # Second e-mails (0008): the Message-ID and sender of the mail that brought it (replies are
    # matched by them), and what it was to its work (`tasks.catalogue.threading.PackageKind`).
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    sender: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(20))


class SeenSourceItem(Base):
    """An item a source has already handed over (an inbox-bucket key, a Message-ID, a drop-folder
    entry): polling skips it. S3 bucket notifications are not available on every server."""

    __tablename__ = "intake_seen"
    __table_args__ = (UniqueConstraint("source", "item", name="uq_intake_seen_source_item"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(300))
    item: Mapped[str] = mapped_column(String(1000))
    fingerprint: Mapped[str | None] = mapped_column(String(200))
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class UnmatchedMail(Base):
    """未受理邮件 (0009): an e-mail that was no submission package (no video, form or Netdisk link)
    and belongs to no work. Kept so that nothing is lost: the raw mail in the originals bucket, who
    sent it, when and why it was not taken in. One row per Message-ID (a mail without one: its sha256)."""

    __tablename__ = "unmatched_mail"

    message_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    sender: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # its Date (received time)
    why: Mapped[str] = mapped_column(Text)
    object_key: Mapped[str | None] = mapped_column(String(200))  # the raw .eml in the originals bucket
    source: Mapped[str | None] = mapped_column(String(400))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Decision(Base):
    """An operator's decision on a submission (an agreed extension, a waived finding, a rejection),
    recorded with who, when and why. Findings are never edited: the verdict reads decisions beside them."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # tasks.decisions.DecisionAction
    check: Mapped[str | None] = mapped_column(String(60))  # the tasks.findings.Check it concerns, if one
    note: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # 0008: what the decision states (set-received: the new and the old time; revoke: the
    # decision it takes back).
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Judging (0004): works under judging, experts, assignments, scores, originality, the approved list.


class JudgingWork(Base):
    """A work under judging: its 评审编号 (what experts see instead of the submitter) and the
    category an operator set when the 登记表's was wrong or missing."""

    __tablename__ = "judging_work"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[str] = mapped_column(String(20), unique=True)
    category_override: Mapped[str | None] = mapped_column(String(40))
    category_set_by: Mapped[str | None] = mapped_column(String(200))
    category_set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class JudgingExpert(Base):
    """An expert of the roster (评审专家); experts left out of a later roster become inactive."""

    __tablename__ = "judging_expert"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    unit: Mapped[str] = mapped_column(String(200), default="")
    categories: Mapped[list[Any]] = mapped_column(default=list)
    cap: Mapped[int] = mapped_column(default=1)
    contact: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    roster_file: Mapped[str | None] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class JudgingAssignment(Base):
    __tablename__ = "judging_assignment"
    __table_args__ = (UniqueConstraint("submission_id", "expert_id", name="uq_judging_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("judging_expert.id", ondelete="CASCADE"), index=True)
    matched: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class JudgingScore(Base):
    """One expert's score of one work, as imported from a score sheet."""

    __tablename__ = "judging_score"
    __table_args__ = (UniqueConstraint("submission_id", "expert_id", name="uq_judging_score"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("judging_expert.id", ondelete="CASCADE"), index=True)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[float] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    source_file: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class VideoSignature(Base):
    """Sampled-frame perceptual hashes of one original (by its sha256), for the originality check."""

    __tablename__ = "judging_signature"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DuplicatePair(Base):
    """Two works whose pictures are near-duplicates, flagged for an operator (open, dismissed, confirmed)."""

    __tablename__ = "judging_duplicate"
    __table_args__ = (
        UniqueConstraint("first_submission_id", "second_submission_id", name="uq_judging_duplicate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    first_submission_id: Mapped[str] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    second_submission_id: Mapped[str] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class JudgingApproval(Base):
    """The approved list of excellent works: what was proposed, what was approved, who and when."""

    __tablename__ = "judging_approval"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    items: Mapped[list[Any]] = mapped_column(default=list)  # [{"work", "submission_id", "title", "tier"}]
    proposal: Mapped[dict[str, Any]] = mapped_column(default=dict)
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    note: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[str] = mapped_column(String(40), default="cli")  # "prefect-ui", "cli", "auto"
    flow_run_id: Mapped[str | None] = mapped_column(String(64))


class JudgingCorrection(Base):
    """A correction to judging that changed or removed earlier work (0006): a roster that dropped
    an expert (with the choice made and any scores deleted, kept here in full), a work reassigned
    after its category was corrected."""

    __tablename__ = "judging_correction"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))  # "roster-dropped", "assign-redo"
    subject: Mapped[str] = mapped_column(String(200))  # the expert's name or the work's 编号
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


# Publication (0005): what is published of each approved work, so that publishing again uploads
# nothing and a withdrawn work can be taken down.


class Publication(Base):
    """One work as published: its manifest entry (credits, renditions, poster, subtitles, AI label)
    and every object key it owns in the published bucket."""

    __tablename__ = "publication"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20), default="published")  # "published" | "withdrawn"
    fingerprint: Mapped[str] = mapped_column(String(64))
    entry: Mapped[dict[str, Any]] = mapped_column(default=dict)
    keys: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flow_run_id: Mapped[str | None] = mapped_column(String(64))


# Outbox (0006): messages for people outside the committee, drafted from the catalogue's state,
# sent only after a person approved them, each at most once.


class OutboxMessage(Base):
    """One message drafted for a submitter or an expert (`tasks.outbox`): its purpose (one work or
    expert and what the message is for; a newer draft supersedes an unsent older one), the text
    and attachments, who approved it and when, and what happened when it was sent."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_purpose", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # tasks.outbox.model.Kind
    purpose: Mapped[str] = mapped_column(String(200))
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("judging_expert.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(320), default="")
    recipient_source: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list)  # [{"name", "bucket", "key", "size"}]
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="draft")  # tasks.outbox.model.OutboxState
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approvals: Mapped[list[Any]] = mapped_column(default=list)  # [{"by", "at", "state"}], every approval
    message_id: Mapped[str | None] = mapped_column(String(500), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(500))
    references: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
