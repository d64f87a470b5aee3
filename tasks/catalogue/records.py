"""Writing screening results into the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tasks.catalogue.models import File, FindingRecord
from tasks.findings import Finding, Status, verdict
from tasks.roles import FileRole
from tasks.store import StoredObject


def upsert_file(
    session: Session,
    stored: StoredObject,
    *,
    name: str,
    role: FileRole = FileRole.VIDEO,
    submission_id: str | None = None,
) -> File:
    """The catalogue row for an original; the same bytes in the same submission are one row."""
    owner = File.submission_id.is_(None) if submission_id is None else File.submission_id == submission_id
    existing = session.scalars(select(File).where(File.sha256 == stored.sha256, owner)).first()
    if existing is not None:
        return existing
    row = File(
        name=name,
        role=role,
        sha256=stored.sha256,
        size=stored.size,
        object_key=f"{stored.bucket}/{stored.key}",
        submission_id=submission_id,
    )
    session.add(row)
    session.flush()
    return row


def replace_findings(
    session: Session,
    file: File,
    findings: Sequence[Finding],
    *,
    probe: dict[str, Any] | None = None,
    stages: Sequence[str] | None = None,
    flow_run_id: str | None = None,
) -> None:
    """Store this run's findings for `file`, replacing earlier ones of the same stages."""
    stages = list(stages or {f.stage for f in findings})
    session.execute(
        delete(FindingRecord).where(FindingRecord.file_id == file.id, FindingRecord.stage.in_(stages))
    )
    for finding in findings:
        session.add(
            FindingRecord(
                file_id=file.id,
                submission_id=file.submission_id,
                stage=finding.stage,
                check=finding.check,
                status=str(finding.status),
                message=finding.message,
                evidence=finding.evidence,
                flow_run_id=flow_run_id,
            )
        )
    if probe is not None:
        file.probe = probe
    session.flush()
    kept = session.scalars(select(FindingRecord).where(FindingRecord.file_id == file.id)).all()
    file.verdict = str(verdict(Finding(r.check, Status(r.status), r.message) for r in kept))
