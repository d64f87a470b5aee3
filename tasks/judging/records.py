"""Judging in the catalogue: numbers, experts, assignments, scores, signatures, pairs, approvals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tasks.catalogue.models import (
    DuplicatePair,
    File,
    JudgingApproval,
    JudgingAssignment,
    JudgingExpert,
    JudgingScore,
    JudgingWork,
    Submission,
    VideoSignature,
)
from tasks.intake.details import IntakeDetails
from tasks.judging.assignment import AssignmentResult
from tasks.judging.eligibility import eligible_submissions
from tasks.judging.model import Approval, Expert, Work, matched
from tasks.judging.originality import Pair, Signature
from tasks.judging.scores import Score, ScoreSheet, ScoringContext
from tasks.outside import identity
from tasks.roles import FileRole

NUMBER_WIDTH = 4


@dataclass(frozen=True, slots=True)
class JudgedWork:
    """A work under judging with what the catalogue knows about it."""

    work: Work
    submission_id: str
    submitter: str
    videos: tuple[File, ...]


def _people(submission: Submission) -> tuple[str, ...]:
    form = IntakeDetails.from_json(submission.form).form
    values = (submission.submitter, *((form.person_name, form.contact, form.team) if form else ()))
    return tuple(v for v in values if isinstance(v, str) and v.strip())


def judged_works(session: Session) -> list[JudgedWork]:
    """The eligible works, each with its 评审编号 (given once, in order of receipt, never reused)."""
    submissions = eligible_submissions(session)
    rows = {row.submission_id: row for row in session.scalars(select(JudgingWork))}
    last = max((int(r.number) for r in rows.values() if r.number.isdigit()), default=0)
    works = []
    for submission in submissions:
        row = rows.get(submission.id)
        if row is None:
            last += 1
            row = JudgingWork(submission_id=submission.id, number=str(last).zfill(NUMBER_WIDTH))
            session.add(row)
            rows[submission.id] = row
        videos = tuple(f for f in submission.files if f.role == FileRole.VIDEO)
        work = Work(
            number=row.number,
            title=submission.title or "",
            unit=submission.unit or "",
            category=row.category_override or submission.category,
            people=_people(submission),
        )
        works.append(JudgedWork(work, submission.id, submission.submitter or "", videos))
    session.flush()
    return sorted(works, key=lambda w: w.work.number)


def set_category(session: Session, number: str, category: str, by: str, now: datetime) -> JudgingWork | None:
    row = session.scalars(select(JudgingWork).where(JudgingWork.number == number)).first()
    if row is not None:
        row.category_override, row.category_set_by, row.category_set_at = category, by, now
    return row


# Experts -------------------------------------------------------------------------------------


def save_roster(
    session: Session, experts: Sequence[Expert], roster_file: str, now: datetime
) -> dict[str, int]:
    """Upsert the roster; experts not in it become inactive (their scores stay). An expert is
    found by identity (tasks.outside): 「张　明」 in a new roster is the 张明 already recorded, who
    keeps the recorded spelling (his assignments and scores are filed under it)."""
    existing = {identity(row.name): row for row in session.scalars(select(JudgingExpert))}
    counts = {"added": 0, "updated": 0, "deactivated": 0}
    names = set()
    for expert in experts:
        names.add(identity(expert.name))
        row = existing.get(identity(expert.name))
        if row is None:
            row = JudgingExpert(name=expert.name)
            session.add(row)
            counts["added"] += 1
        else:
            counts["updated"] += 1
        row.unit, row.categories, row.cap = expert.unit, sorted(expert.categories), expert.cap
        row.contact, row.active, row.roster_file, row.imported_at = expert.contact, True, roster_file, now
        existing.setdefault(identity(expert.name), row)
    for name, row in existing.items():
        if name not in names and row.active:
            row.active = False
            counts["deactivated"] += 1
    session.flush()
    return counts


def active_experts(session: Session) -> list[Expert]:
    rows = session.scalars(select(JudgingExpert).where(JudgingExpert.active).order_by(JudgingExpert.name))
    return [Expert(r.name, r.unit, frozenset(r.categories or ()), r.cap, r.contact) for r in rows]


def _expert_ids(session: Session) -> dict[str, int]:
    return {row.name: row.id for row in session.scalars(select(JudgingExpert))}


# Assignments ---------------------------------------------------------------------------------


def current_assignment(session: Session) -> dict[str, list[str]]:
    """Work number → expert names, as recorded."""
    query = (
        select(JudgingWork.number, JudgingExpert.name)
        .join(JudgingAssignment, JudgingAssignment.submission_id == JudgingWork.submission_id)
        .join(JudgingExpert, JudgingExpert.id == JudgingAssignment.expert_id)
        .order_by(JudgingWork.number, JudgingExpert.name)
    )
    result: dict[str, list[str]] = defaultdict(list)
    for number, name in session.execute(query):
        result[number].append(name)
    return dict(result)


def save_assignment(session: Session, works: Sequence[JudgedWork], result: AssignmentResult) -> None:
    """Record what this run added and remove what it dropped; kept rows are not touched."""
    ids = _expert_ids(session)
    by_number = {w.work.number: w for w in works}
    experts = {e.name: e for e in active_experts(session)}
    for number, names in result.dropped.items():
        submission = by_number[number].submission_id
        session.execute(
            delete(JudgingAssignment).where(
                JudgingAssignment.submission_id == submission,
                JudgingAssignment.expert_id.in_([ids[n] for n in names if n in ids]),
            )
        )
    for number, names in result.added.items():
        item = by_number[number]
        for name in names:
            session.add(
                JudgingAssignment(
                    submission_id=item.submission_id,
                    expert_id=ids[name],
                    matched=matched(item.work, experts[name]),
                )
            )
    session.flush()


# Scores --------------------------------------------------------------------------------------


def scoring_context(session: Session, works: Sequence[JudgedWork], replace: bool = False) -> ScoringContext:
    assigned = current_assignment(session)
    imported, files = {}, {}
    query = (
        select(JudgingWork.number, JudgingExpert.name, JudgingScore.source_file, JudgingScore.source_sha256)
        .join(JudgingScore, JudgingScore.submission_id == JudgingWork.submission_id)
        .join(JudgingExpert, JudgingExpert.id == JudgingScore.expert_id)
    )
    for number, name, source, digest in session.execute(query):
        imported[(number, name)] = source
        files[digest] = source
    return ScoringContext(
        works={w.work.number for w in works},
        experts=set(_expert_ids(session)),
        assigned={(number, name) for number, names in assigned.items() for name in names},
        imported=imported,
        imported_files=files,
        replace=replace,
    )


def save_scores(session: Session, works: Sequence[JudgedWork], sheet: ScoreSheet, now: datetime) -> int:
    ids = _expert_ids(session)
    by_number = {w.work.number: w.submission_id for w in works}
    for score in sheet.scores:
        submission, expert = by_number[score.work], ids[score.expert]
        row = session.scalars(
            select(JudgingScore).where(
                JudgingScore.submission_id == submission, JudgingScore.expert_id == expert
            )
        ).first()
        if row is None:
            row = JudgingScore(submission_id=submission, expert_id=expert)
            session.add(row)
        row.criteria, row.total, row.comment = score.criteria, score.total, score.comment
        row.source_file, row.source_sha256, row.imported_at = sheet.path.name, sheet.sha256, now
    session.flush()
    return len(sheet.scores)


def stored_scores(session: Session) -> list[Score]:
    query = (
        select(JudgingWork.number, JudgingExpert.name, JudgingScore)
        .join(JudgingScore, JudgingScore.submission_id == JudgingWork.submission_id)
        .join(JudgingExpert, JudgingExpert.id == JudgingScore.expert_id)
        .order_by(JudgingWork.number, JudgingExpert.name)
    )
    return [
        Score(number, name, dict(row.criteria), row.comment) for number, name, row in session.execute(query)
    ]


# Originality ---------------------------------------------------------------------------------


def cached_signature(session: Session, sha256: str) -> Signature | None:
    row = session.get(VideoSignature, sha256)
    return Signature.from_json(row.data) if row is not None else None


def save_signature(session: Session, sha256: str, signature: Signature) -> None:
    if session.get(VideoSignature, sha256) is None:
        session.add(VideoSignature(sha256=sha256, data=signature.to_json()))
        session.flush()


def record_pairs(session: Session, works: Sequence[JudgedWork], pairs: Sequence[Pair]) -> int:
    """Store new pairs (a pair already decided by an operator is left as it is); returns new ones."""
    by_number = {w.work.number: w.submission_id for w in works}
    added = 0
    for pair in pairs:
        first, second = sorted((by_number[pair.first], by_number[pair.second]))
        exists = session.scalars(
            select(DuplicatePair).where(
                DuplicatePair.first_submission_id == first, DuplicatePair.second_submission_id == second
            )
        ).first()
        if exists is None:
            m = pair.match
            session.add(
                DuplicatePair(
                    first_submission_id=first,
                    second_submission_id=second,
                    message=pair.message(),
                    evidence={
                        "works": [pair.first, pair.second],
                        "files": [pair.first_file, pair.second_file],
                        "offset_seconds": pair.seconds_offset(),
                        "matched": m.matched,
                        "informative": m.informative,
                        "distinct": m.distinct,
                        "fraction": round(m.fraction, 3),
                    },
                )
            )
            added += 1
    session.flush()
    return added


def duplicate_rows(session: Session) -> list[DuplicatePair]:
    return list(session.scalars(select(DuplicatePair).order_by(DuplicatePair.id)))


def open_flagged_numbers(session: Session) -> set[str]:
    numbers = {r.submission_id: r.number for r in session.scalars(select(JudgingWork))}
    flagged = set()
    for row in session.scalars(select(DuplicatePair).where(DuplicatePair.status == "open")):
        for submission in (row.first_submission_id, row.second_submission_id):
            if submission in numbers:
                flagged.add(numbers[submission])
    return flagged


def resolve_pair(session: Session, pair_id: int, status: str, by: str, note: str, now: datetime) -> bool:
    row = session.get(DuplicatePair, pair_id)
    if row is None:
        return False
    row.status, row.resolved_by, row.note, row.resolved_at = status, by, note, now
    return True


# Approval ------------------------------------------------------------------------------------


def record_approval(session: Session, works: Sequence[JudgedWork], approval: Approval) -> JudgingApproval:
    by_number = {w.work.number: w for w in works}
    items: list[dict[str, Any]] = []
    for tier, numbers in approval.tiers.items():
        for number in numbers:
            work = by_number[number]
            items.append(
                {"work": number, "submission_id": work.submission_id, "title": work.work.title, "tier": tier}
            )
    row = JudgingApproval(
        items=items,
        proposal=approval.proposal,
        approved_by=approval.by,
        approved_at=approval.at,
        note=approval.note,
        via=approval.via,
        flow_run_id=approval.flow_run_id,
    )
    session.add(row)
    session.flush()
    return row


def latest_approval(session: Session) -> JudgingApproval | None:
    return session.scalars(
        select(JudgingApproval).order_by(JudgingApproval.approved_at.desc(), JudgingApproval.id.desc())
    ).first()


def count_scores(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(JudgingScore)) or 0)
