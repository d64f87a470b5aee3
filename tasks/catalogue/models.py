"""The catalogue: what we know about each work (Prefect's history records what ran)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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
    state: Mapped[str] = mapped_column(String(40), default="received")
    verdict: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(400))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    form: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)

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
    role: Mapped[str] = mapped_column(String(40), default="video")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    object_key: Mapped[str] = mapped_column(String(200))
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    verdict: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

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
    check: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    submission: Mapped[Submission | None] = relationship(back_populates="findings")
    file: Mapped[File | None] = relationship(back_populates="findings")
