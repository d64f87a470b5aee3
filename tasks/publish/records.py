"""Publication and the catalogue: reading a work as publication needs it, recording what was
published (`Publication`), and which works are published now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.models import File, FindingRecord, JudgingWork, Publication, Submission
from tasks.findings import Check
from tasks.intake.details import IntakeDetails
from tasks.publish.credits import credits_from
from tasks.publish.selection import approved_tiers
from tasks.publish.work import EpisodeSource, WorkSource, entry_fingerprint, order_episodes, split_object_key
from tasks.roles import FileRole

_TIER_ORDER = {"特别优秀": 0, "优秀": 1}
# File.meta key of the cues an operator approved for publication (`guangying subtitles`).
APPROVED_SUBTITLES = "subtitles_approved"


def latest_finding(session: Session, file_id: str, check: Check) -> FindingRecord | None:
    return session.scalars(
        select(FindingRecord)
        .where(FindingRecord.file_id == file_id, FindingRecord.check == check)
        .order_by(FindingRecord.created_at.desc(), FindingRecord.id.desc())
    ).first()


def subtitles_export(record: FindingRecord | None) -> tuple[str, str] | None:
    exports = ((record.evidence or {}).get("exports") or {}) if record else {}
    for key in exports.get("keys") or []:
        if str(key).endswith("/subtitles.json") and exports.get("bucket"):
            return str(exports["bucket"]), str(key)
    return None


def _duration(file: File) -> float | None:
    meta, probe = file.meta or {}, file.probe or {}
    value = meta.get("duration") or probe.get("duration")
    return float(value) if isinstance(value, int | float) else None


def load_work(session: Session, submission_id: str, originals_bucket: str) -> WorkSource | None:
    """The submission with its videos in episode order, their AI-label evidence and exported cues."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        return None
    judging = session.get(JudgingWork, submission_id)
    files = session.scalars(
        select(File)
        .where(File.submission_id == submission_id, File.role == FileRole.VIDEO)
        .order_by(File.created_at)
    ).all()
    episodes = []
    for file in files:
        if (file.meta or {}).get("archive"):
            continue
        bucket, key = split_object_key(file.object_key, originals_bucket)
        aigc = latest_finding(session, file.id, Check.AIGC_LABEL)
        episode = (file.meta or {}).get("episode")
        episodes.append(
            EpisodeSource(
                file_id=file.id,
                name=file.name,
                sha256=file.sha256,
                bucket=bucket,
                key=key,
                episode=int(episode) if isinstance(episode, int | float) else None,
                duration=_duration(file),
                aigc_evidence=aigc.evidence if aigc else None,
                subtitles_export=subtitles_export(latest_finding(session, file.id, Check.SUBTITLES)),
                approved_subtitles=(file.meta or {}).get(APPROVED_SUBTITLES),
            )
        )
    category = (judging.category_override if judging else None) or submission.category
    return WorkSource(
        submission_id=submission.id,
        state=submission.state,
        credits=credits_from(
            title=submission.title,
            unit=submission.unit,
            category=category,
            details=IntakeDetails.from_json(submission.form),
        ),
        episodes=tuple(order_episodes(episodes)),
        number=judging.number if judging else None,
        tier=approved_tiers(session).get(submission.id),
        private=tuple(private_values(session, [submission.id])),
        contact=_form_value(submission, "contact"),
        phone=_form_value(submission, "phone"),
        script_text=script_text(session, submission_id),
    )


def _form_value(submission: Submission, name: str) -> str | None:
    form = IntakeDetails.from_json(submission.form).form
    value = getattr(form, name, None) if form else None
    return str(value).strip() or None if value else None


def script_text(session: Session, submission_id: str) -> str | None:
    """The package's 文稿 as intake read it (every 最终视频文稿 file's text), or None."""
    files = session.scalars(
        select(File).where(File.submission_id == submission_id, File.role == FileRole.SCRIPT)
    ).all()
    texts = [str((f.meta or {})["text"]) for f in files if (f.meta or {}).get("text")]
    return "\n".join(texts) or None


def credited_authors(session: Session, submission_id: str) -> tuple[str, ...]:
    """The authors as publication credits them (the 名单 and the certificates say the same)."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        return ()
    details = IntakeDetails.from_json(submission.form)
    return credits_from(title=submission.title, unit=submission.unit, category=None, details=details).authors


def private_values(session: Session, submission_ids: list[str]) -> list[str]:
    """The contact persons and phone numbers on these works' forms: never to be published."""
    values = []
    for submission_id in submission_ids:
        submission = session.get(Submission, submission_id)
        form = IntakeDetails.from_json(submission.form).form if submission else None
        values += [str(v) for v in ((form.contact, form.phone) if form else ()) if v]
    return values


def judging_number(session: Session, submission_id: str) -> str | None:
    judging = session.get(JudgingWork, submission_id)
    return judging.number if judging else None


def is_withdrawn(session: Session, submission_id: str) -> bool:
    submission = session.get(Submission, submission_id)
    return submission is None or submission.state == "withdrawn"


def get_publication(session: Session, submission_id: str) -> Publication | None:
    return session.get(Publication, submission_id)


def save_publication(
    session: Session,
    submission_id: str,
    entry: Mapping[str, Any],
    keys: list[str],
    *,
    now: datetime,
    flow_run_id: str | None = None,
) -> Publication:
    """Record what is published of a work; an unchanged entry keeps its publication time."""
    row = session.get(Publication, submission_id)
    fingerprint = entry_fingerprint(entry)
    if row is None:
        row = Publication(submission_id=submission_id, fingerprint="")
        session.add(row)
    if row.fingerprint != fingerprint or row.state != "published":
        row.published_at = now
        row.flow_run_id = flow_run_id
    row.state, row.fingerprint, row.entry, row.keys = "published", fingerprint, dict(entry), list(keys)
    row.withdrawn_at = None
    session.flush()
    return row


def mark_withdrawn(session: Session, row: Publication, *, now: datetime) -> None:
    row.state, row.withdrawn_at, row.keys = "withdrawn", now, []
    session.flush()


def all_publications(session: Session) -> list[Publication]:
    return list(session.scalars(select(Publication)).all())


def last_change(session: Session) -> datetime | None:
    """When the public set last changed (a work published, changed or taken down)."""
    times = []
    for row in all_publications(session):
        times += [t for t in (row.published_at, row.withdrawn_at) if t is not None]
    return max((t if t.tzinfo else t.replace(tzinfo=UTC) for t in times), default=None)


def published(session: Session) -> list[Publication]:
    """What the page and the manifests list: tier, then 评审编号, then title."""
    rows = session.scalars(select(Publication).where(Publication.state == "published")).all()
    return sorted(
        rows,
        key=lambda r: (
            _TIER_ORDER.get(r.entry.get("tier") or "", 9),
            r.entry.get("number") or "~",
            r.entry.get("title") or "",
            r.submission_id,
        ),
    )
