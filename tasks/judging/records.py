"""Judging in the catalogue: numbers, experts, assignments, scores, signatures, pairs, approvals."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tasks.beijing_time import numeric_date_time
from tasks.catalogue.models import (
    DuplicatePair,
    File,
    JudgingApproval,
    JudgingAssignment,
    JudgingCorrection,
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
from tasks.judging.numbers import NUMBER_WIDTH
from tasks.judging.originality import Pair, Signature
from tasks.judging.scores import Score, ScoreSheet, ScoringContext
from tasks.outside import identity
from tasks.refusals import Refusal
from tasks.roles import FileRole


@dataclass(frozen=True, slots=True)
class JudgedWork:
    """A work under judging with what the catalogue knows about it."""

    work: Work
    submission_id: str
    submitter: str
    videos: tuple[File, ...]
    script: str = ""  # the 最终视频文稿 as text (intake keeps it), for the experts' packet page
    private: tuple[str, ...] = ()  # unit, people, contacts: what a blind packet must never show


_LIST_SEPARATORS = re.compile(r"[、,，;；/／\n]+")


def _private(submission: Submission) -> tuple[str, ...]:
    """Every name, unit and contact the submission gives (submitter, 登记表 fields, team members)."""
    form = IntakeDetails.from_json(submission.form).form
    values = [submission.submitter, submission.unit]
    if form:
        values += [form.unit_name, form.person_name, form.person_unit, form.contact, form.phone]
        values += _LIST_SEPARATORS.split(form.team or "")
    found = {v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= 2}
    return tuple(sorted(found, key=len, reverse=True))


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
        scripts = [
            str((f.meta or {}).get("text") or "") for f in submission.files if f.role == FileRole.SCRIPT
        ]
        script = "\n\n".join(t for t in scripts if t.strip())
        works.append(
            JudgedWork(work, submission.id, submission.submitter or "", videos, script, _private(submission))
        )
    session.flush()
    return sorted(works, key=lambda w: w.work.number)


def set_category(session: Session, number: str, category: str, by: str, now: datetime) -> JudgingWork | None:
    row = session.scalars(select(JudgingWork).where(JudgingWork.number == number)).first()
    if row is not None:
        row.category_override, row.category_set_by, row.category_set_at = category, by, now
    return row


# Experts -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DroppedExpert:
    """An active expert a new roster leaves out, with the work they hold."""

    name: str
    scored: tuple[str, ...]  # 编号 they scored
    pending: tuple[str, ...]  # 编号 assigned to them and not scored


def dropped_experts(session: Session, experts: Sequence[Expert]) -> list[DroppedExpert]:
    """The active experts that `experts` (a new roster) leaves out, each with their scored and
    pending works (names compared in the one normal form of tasks.outside)."""
    keep = {identity(e.name) for e in experts}
    assignment = current_assignment(session)
    scored = {(s.work, s.expert) for s in stored_scores(session)}
    dropped = []
    for row in session.scalars(
        select(JudgingExpert).where(JudgingExpert.active).order_by(JudgingExpert.name)
    ):
        if identity(row.name) in keep:
            continue
        works = sorted(n for n, names in assignment.items() if row.name in names)
        done = sorted({n for n, e in scored if e == row.name})
        dropped.append(DroppedExpert(row.name, tuple(done), tuple(n for n in works if n not in done)))
    return dropped


def record_correction(
    session: Session, kind: str, subject: str, detail: dict[str, Any], by: str, at: datetime
) -> None:
    session.add(JudgingCorrection(kind=kind, subject=subject, detail=detail, made_by=by, made_at=at))
    session.flush()


def corrections(session: Session) -> list[JudgingCorrection]:
    return list(session.scalars(select(JudgingCorrection).order_by(JudgingCorrection.id)))


def release_dropped(
    session: Session, dropped: Sequence[DroppedExpert], keep_scores: bool, by: str, at: datetime
) -> None:
    """What happens to dropped experts' work: their pending assignments go (the next `assign`
    gives those works other experts); their scores stay (`keep_scores`), or go with the
    assignments they came from, so those works are reassigned too. Each is recorded as a
    correction, with any deleted score in full."""
    ids = _expert_ids(session)
    numbers = {r.number: r.submission_id for r in session.scalars(select(JudgingWork))}
    for expert in dropped:
        expert_id = ids[expert.name]
        deleted = (
            []
            if keep_scores
            else [
                {"work": s.work, "criteria": s.criteria, "comment": s.comment}
                for s in stored_scores(session)
                if s.expert == expert.name
            ]
        )
        detail = {
            "choice": "keep" if keep_scores else "drop",
            "scored": list(expert.scored),
            "pending": list(expert.pending),
            "deleted_scores": deleted,
        }
        record_correction(session, "roster-dropped", expert.name, detail, by, at)
        release = list(expert.pending) + ([] if keep_scores else list(expert.scored))
        if release:
            session.execute(
                delete(JudgingAssignment).where(
                    JudgingAssignment.expert_id == expert_id,
                    JudgingAssignment.submission_id.in_([numbers[n] for n in release if n in numbers]),
                )
            )
        if not keep_scores:
            session.execute(delete(JudgingScore).where(JudgingScore.expert_id == expert_id))
    session.flush()


def retained_experts(session: Session) -> list[Expert]:
    """Inactive experts whose scores were kept: in the assignment with exactly the works they
    scored (their cap), so those slots stay filled and nothing new is given to them."""
    assignment = current_assignment(session)
    scored = {(s.work, s.expert) for s in stored_scores(session)}
    retained = []
    for row in session.scalars(select(JudgingExpert).where(JudgingExpert.active.is_(False))):
        held = [n for n, names in assignment.items() if row.name in names and (n, row.name) in scored]
        if held:
            retained.append(Expert(row.name, row.unit, frozenset(row.categories or ()), len(held), ""))
    return retained


def save_roster(
    session: Session, experts: Sequence[Expert], roster_file: str, now: datetime
) -> dict[str, int]:
    """Upsert the roster; experts not in it become inactive (see `release_dropped` for their work).
    An expert is found by identity (tasks.outside): 「张　明」 in a new roster is the 张明 already
    recorded, who keeps the recorded spelling (his assignments and scores are filed under it)."""
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


def release_work(session: Session, number: str, by: str, at: datetime) -> tuple[list[str], list[str]]:
    """Undo one work's assignment (`assign --redo`): experts who have not scored it are released;
    those who have are kept with their scores. Returns (released, kept) names."""
    row = session.scalars(select(JudgingWork).where(JudgingWork.number == number)).first()
    if row is None:
        return [], []
    names = current_assignment(session).get(number, [])
    scored = {s.expert for s in stored_scores(session) if s.work == number}
    ids = _expert_ids(session)
    released = [n for n in names if n not in scored]
    if released:
        session.execute(
            delete(JudgingAssignment).where(
                JudgingAssignment.submission_id == row.submission_id,
                JudgingAssignment.expert_id.in_([ids[n] for n in released]),
            )
        )
    kept = [n for n in names if n in scored]
    detail = {"released": released, "kept": kept, "category": row.category_override}
    record_correction(session, "assign-redo", number, detail, by, at)
    return released, kept


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
    imported, files, values = {}, {}, {}
    query = (
        select(
            JudgingWork.number,
            JudgingExpert.name,
            JudgingScore.source_file,
            JudgingScore.source_sha256,
            JudgingScore.criteria,
        )
        .join(JudgingScore, JudgingScore.submission_id == JudgingWork.submission_id)
        .join(JudgingExpert, JudgingExpert.id == JudgingScore.expert_id)
    )
    for number, name, source, digest, criteria in session.execute(query):
        imported[(number, name)] = source
        files[digest] = source
        values[(number, name)] = dict(criteria or {})
    return ScoringContext(
        works={w.work.number for w in works},
        experts=set(_expert_ids(session)),
        assigned={(number, name) for number, names in assigned.items() for name in names},
        imported=imported,
        imported_files=files,
        replace=replace,
        imported_scores=values,
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


def flagged_numbers(session: Session) -> set[str]:
    """Works kept out of the proposals: both works of an open pair, and the confirmed copy of a
    confirmed pair (decided by the pair's recorded status and copy, never by a note's text)."""
    numbers = {r.submission_id: r.number for r in session.scalars(select(JudgingWork))}
    flagged = set()
    for row in session.scalars(select(DuplicatePair).where(DuplicatePair.status.in_(("open", "confirmed")))):
        if row.status == "confirmed":
            copy = (row.evidence or {}).get("copy")
            if copy:
                flagged.add(str(copy))
            continue
        for submission in (row.first_submission_id, row.second_submission_id):
            if submission in numbers:
                flagged.add(numbers[submission])
    return flagged


def confirmed_copy_numbers(session: Session) -> set[str]:
    """The works recorded as the copy of a confirmed plagiarism pair (part of `flagged_numbers`)."""
    return {
        str(row.evidence["copy"])
        for row in session.scalars(select(DuplicatePair).where(DuplicatePair.status == "confirmed"))
        if (row.evidence or {}).get("copy")
    }


class DecisionError(Refusal):
    """A judging decision (originality, category) that cannot be recorded as asked; the message is Chinese."""


STATUS_LABELS = {"open": "待核实", "dismissed": "已排除", "confirmed": "已确认"}


def resolve_pair(
    session: Session,
    pair_id: int,
    status: str,
    by: str,
    note: str,
    now: datetime,
    *,
    copy: str | None = None,
    force: bool = False,
) -> bool:
    """Record an operator's decision on a pair, appended to its history. Confirming names the copy
    (one of the pair's two works) and needs a note; changing a decision already taken needs
    `force`. False when there is no such pair; raises `DecisionError` when the decision is refused."""
    row = session.get(DuplicatePair, pair_id)
    if row is None:
        return False
    evidence = dict(row.evidence or {})
    works = [str(w) for w in evidence.get("works") or []]
    if status == "confirmed":
        if not note.strip():
            raise DecisionError(f"确认疑点{pair_id}须在处理说明中写明核实情况", about="note")
        if copy not in works:
            raise DecisionError(f"确认疑点{pair_id}须在{'和'.join(works)}中指明抄袭方", about="copy")
    if row.status not in ("open", status) and not force:
        when = numeric_date_time(row.resolved_at) if row.resolved_at else ""
        raise DecisionError(
            f"疑点{pair_id}已由{row.resolved_by or '操作员'}于{when}{STATUS_LABELS.get(row.status, row.status)}，"
            "改判后原结论仍留在记录中；如要改判，须选择改变已作出的结论",
            about="force",
        )
    history = list(evidence.get("history") or [])
    history.append(
        {"from": row.status, "to": status, "by": by, "at": now.isoformat(), "note": note, "copy": copy}
    )
    evidence["history"] = history
    if status == "confirmed":
        evidence["copy"] = copy
    else:
        evidence.pop("copy", None)
    row.evidence = evidence
    row.status, row.resolved_by, row.note, row.resolved_at = status, by, note, now
    session.flush()
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


def count_scores(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(JudgingScore)) or 0)
