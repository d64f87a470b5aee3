"""Submissions in the catalogue: recording an analysed package, re-judging, status rows, seen items.

The intake checks run over everything a submission holds (files from earlier packages included),
so `guangying ingest --for ID` after a Netdisk download is judged as one package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tasks.catalogue.models import Decision as DecisionRecord
from tasks.catalogue.models import (
    File,
    FindingRecord,
    IntakePackage,
    SeenSourceItem,
    Submission,
    UnmatchedMail,
)
from tasks.catalogue.records import upsert_file
from tasks.catalogue.views import FileView, FindingView, NetdiskView, PackageView, SubmissionView
from tasks.decisions import Decision, DecisionAction, decided_verdict
from tasks.findings import Check, Finding, Status
from tasks.intake.details import IntakeDetails
from tasks.intake.received import ReceivedBasis
from tasks.roles import FileRole
from tasks.rules import ContestRules
from tasks.states import FINAL_STATES, Move, Progress, SubmissionState, transition
from tasks.store import ObjectStore, store_original

if TYPE_CHECKING:  # the intake rules and parsers load only where a package is judged: `status` stays fast
    from tasks.intake.checks import PackageFacts
    from tasks.intake.package import Analysis, Package

# Checks recomputed from the whole submission on every change; the others (archive, document,
# pledge) describe one package as received and are kept.
RECOMPUTED_CHECKS = (
    Check.DEADLINE,
    Check.NAMING,
    Check.MATERIALS,
    Check.NETDISK,
    Check.FORM_FIELDS,
    Check.FIELD_LENGTH,
    Check.PHONE,
    Check.BROADCAST,
    Check.DECLARED_DURATION,
    Check.SUMMARY_TABLE,
    Check.EPISODES,
)


@dataclass(slots=True)
class IngestOutcome:
    """What the flow needs after recording: which submission (screening reads the rest from the
    catalogue and the store)."""

    submission_id: str
    package: str
    created: bool = False
    duplicate: bool = False
    title: str | None = None
    kind: str | None = None  # tasks.catalogue.threading.PackageKind: new work, supplement or resend
    refused: str | None = None  # not a package at all (tasks.intake.not_a_work): why; no submission


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive (they were stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_package(session: Session, fingerprint: str) -> IntakePackage | None:
    return session.get(IntakePackage, fingerprint)


def find_by_message_id(session: Session, message_id: str) -> Submission | None:
    from tasks.catalogue.threading import work_for_message_ids

    found = work_for_message_ids(session, [message_id])
    return session.get(Submission, found[0]) if found else None


def record_analysis(
    session: Session,
    analysis: Analysis,
    store: ObjectStore,
    bucket: str,
    *,
    rules: ContestRules,
    deadline: datetime,
    now: datetime,
    for_submission: str | None = None,
) -> IngestOutcome:
    """Store the originals and catalogue one analysed package; the same package twice changes nothing.

    A reply, a supplement or a resend joins the work it belongs to (`tasks.catalogue.threading`); the
    work keeps the received time of its first package, and every intake check is judged again on
    all it holds. A package that may belong to several works becomes one of its own, with a finding.
    One that belongs to no work and is no package at all (`tasks.intake.not_a_work`) is refused: no
    submission; an e-mail of that kind is kept among the 未受理邮件 (`record_unmatched_mail`)."""
    from tasks.catalogue.threading import PackageKind, ambiguous_finding, match_work
    from tasks.intake.not_a_work import refusal

    known = _already_recorded(session, analysis)
    if known is not None:
        return known
    match = match_work(session, analysis) if for_submission is None else None
    target = for_submission or (match.submission_id if match else None)
    if target is None and match is None and (why := refusal(analysis)) is not None:
        if analysis.package.original is not None:
            record_unmatched_mail(session, analysis, why, store, bucket, now=now)
        return IngestOutcome("", analysis.package.name, refused=why)
    submission, created = _submission_for(session, analysis.package, target)
    added = _record_files(session, analysis, submission, store, bucket)
    resent = analysis.files and not added  # every file was already the work's
    kind = PackageKind.FIRST if created else PackageKind.RESEND if resent else PackageKind.SUPPLEMENT
    _record_package(session, analysis, submission, store, bucket, kind)
    if kind != PackageKind.RESEND:
        _merge_form(submission, analysis)
        for finding in analysis.findings:
            session.add(_record(submission.id, finding))
    if created and match is not None:  # several works matched: an operator decides, nothing is guessed
        session.add(_record(submission.id, ambiguous_finding(session, match)))
    session.flush()
    refresh_intake(session, submission, rules=rules, deadline=deadline, now=now)
    return IngestOutcome(
        submission.id, analysis.package.name, created=created, title=submission.title, kind=str(kind)
    )


def record_unmatched_mail(
    session: Session, analysis: Analysis, why: str, store: ObjectStore, bucket: str, *, now: datetime
) -> UnmatchedMail:
    """An e-mail that is no package and belongs to no work, kept: its raw bytes stored as an original,
    one row per Message-ID (the same mail again changes nothing)."""
    package = analysis.package
    key = (package.message_id or f"<sha256-{analysis.fingerprint}@guangying>")[:500]
    row = session.get(UnmatchedMail, key)
    if row is not None:
        return row
    stored = store_original(store, bucket, package.original) if package.original else None
    row = UnmatchedMail(
        message_id=key,
        sender=package.sender and package.sender[:300],
        subject=package.name[:500],
        sent_at=package.received_at.astimezone(UTC),
        why=why,
        object_key=f"{stored.bucket}/{stored.key}" if stored else None,
        source=package.source[:400],
        recorded_at=now.astimezone(UTC),
    )
    session.add(row)
    session.flush()
    return row


def unmatched_mails(session: Session) -> list[dict[str, str | None]]:
    """The 未受理邮件 in the order they were sent, as `status --unmatched --json` prints them (times in
    Beijing time with their offset)."""
    from tasks.beijing_time import iso

    rows = sorted(
        session.scalars(select(UnmatchedMail)),
        key=lambda r: (_aware(r.sent_at or r.recorded_at), r.message_id),
    )
    return [
        {
            "message_id": r.message_id,
            "sender": r.sender,
            "subject": r.subject,
            "sent_at": iso(r.sent_at) if r.sent_at else None,
            "why": r.why,
            "object_key": r.object_key,
            "source": r.source,
            "recorded_at": iso(r.recorded_at),
        }
        for r in rows
    ]


def _already_recorded(session: Session, analysis: Analysis) -> IngestOutcome | None:
    """The same bytes, or the same e-mail (by Message-ID, whichever way it came), seen before."""
    package = analysis.package
    known = find_package(session, analysis.fingerprint)
    if known is not None:
        existing = session.get(Submission, known.submission_id)
        title = existing.title if existing else None
        return IngestOutcome(known.submission_id, package.name, duplicate=True, title=title)
    if package.message_id and (by_mail := find_by_message_id(session, package.message_id)) is not None:
        return IngestOutcome(by_mail.id, package.name, duplicate=True, title=by_mail.title)
    return None


def _submission_for(
    session: Session, package: Package, for_submission: str | None
) -> tuple[Submission, bool]:
    """The submission the package adds to (`ingest --for`, a reply), or a new one; and whether it is new."""
    if for_submission is not None:
        submission = session.get(Submission, for_submission)
        if submission is None:
            raise KeyError(for_submission)
        return submission, False
    submission = Submission(
        received_at=package.received_at.astimezone(UTC),  # SQLite keeps wall time only
        received_basis=str(package.received_basis),
        received_set_by=package.received_set_by and package.received_set_by[:200],
        source=package.source[:400],
        package_name=package.name[:500],
        message_id=package.message_id,
        state=SubmissionState.RECEIVED,
        form={},
    )
    session.add(submission)
    session.flush()
    return submission, True


def _record_package(
    session: Session,
    analysis: Analysis,
    submission: Submission,
    store: ObjectStore,
    bucket: str,
    kind: str,
) -> None:
    """The package as received (its archive or raw e-mail stored as an original), by its fingerprint,
    with its own received time and what it was to the work (first, supplement, resend)."""
    package = analysis.package
    container_key = None
    for original in [package.original] if package.original else analysis.containers:
        stored = store_original(store, bucket, original)
        container_key = container_key or f"{stored.bucket}/{stored.key}"
    session.add(
        IntakePackage(
            sha256=analysis.fingerprint,
            submission_id=submission.id,
            name=package.name[:500],
            source=package.source[:400],
            object_key=container_key,
            received_at=package.received_at.astimezone(UTC),  # SQLite keeps wall time only
            message_id=package.message_id and package.message_id[:500],
            sender=package.sender,
            kind=kind,
        )
    )


def _record_files(
    session: Session, analysis: Analysis, submission: Submission, store: ObjectStore, bucket: str
) -> int:
    """Every file of the package stored under its sha256 and catalogued with its role (tagged with the
    package that brought it); how many the work did not hold yet."""
    added = 0
    for file in analysis.files:
        stored = store_original(store, bucket, file.path)
        row = upsert_file(session, stored, name=file.name[:500], role=file.role, submission_id=submission.id)
        if row.meta is None:
            row.meta = {**file.meta(), "package": analysis.fingerprint}
            added += 1
    return added


def _merge_form(submission: Submission, analysis: Analysis) -> None:
    """Keep what is known: a later package's form replaces the earlier one only when it has one."""
    merged = IntakeDetails.from_json(submission.form).updated_by(analysis.details)
    # Over what is stored: keys keep their place (the status contract shows them in that order).
    submission.form = {**(submission.form or {}), **merged.to_json()}
    if analysis.details.netdisk and submission.netdisk_url is None:
        first = analysis.details.netdisk[0]
        submission.netdisk_url = first.url[:500]
        submission.netdisk_code = first.code
        submission.netdisk_expires_at = first.expires_at.astimezone(UTC) if first.expires_at else None


def _record(submission_id: str, finding: Finding) -> FindingRecord:
    return FindingRecord(
        submission_id=submission_id,
        stage=finding.stage,
        check=finding.check,
        status=str(finding.status),
        message=finding.message,
        evidence=finding.evidence,
    )


def _facts(submission: Submission, files: list[File]) -> PackageFacts:
    from tasks.intake.checks import FileFact, PackageFacts
    from tasks.intake.naming import PackageName

    details = IntakeDetails.from_json(submission.form)
    return PackageFacts(
        package_name=submission.package_name or "",
        name=details.package or PackageName(raw=submission.package_name or ""),
        received_at=_aware(submission.received_at),
        received_basis=submission.received_basis,
        files=[
            FileFact(
                name=f.name,
                role=FileRole(f.role),
                sha256=f.sha256,
                size=f.size,
                duration=(f.meta or {}).get("duration"),
                episode=(f.meta or {}).get("episode"),
            )
            for f in files
            if not (f.meta or {}).get("archive")
        ],
        details=details,
    )


def refresh_intake(
    session: Session,
    submission: Submission,
    *,
    rules: ContestRules,
    deadline: datetime,
    now: datetime,
) -> list[Finding]:
    """Re-run the intake checks over all of the submission's files; update names, state and verdict."""
    files = list(session.scalars(select(File).where(File.submission_id == submission.id)))
    facts = _facts(submission, files)
    from tasks.intake.checks import intake_findings

    findings = intake_findings(facts, rules, deadline, now)
    session.execute(
        delete(FindingRecord).where(
            FindingRecord.submission_id == submission.id,
            FindingRecord.stage == "intake",
            FindingRecord.check.in_(RECOMPUTED_CHECKS),
        )
    )
    for finding in findings:
        session.add(_record(submission.id, finding))
    form, name = facts.details.read_form, facts.name
    submission.title = ((form.title if form else "") or name.title or submission.package_name or "")[
        :200
    ] or None
    submitter = (form.submitter if form else "") or name.submitter
    unit = (
        (form.unit if form else "")
        or name.unit
        or (submitter if form and form.entrant_type == "unit" else None)
    )
    submission.submitter = (submitter or None) and submitter[:200]
    submission.unit = (unit or None) and unit[:200]
    submission.category = rules.category_mentioned(
        submission.title or "",
        form.intro if form else "",
        form.team if form else "",
        submission.package_name or "",
    )
    session.flush()
    update_verdict(session, submission)
    return findings


def videos_of(session: Session, submission_id: str) -> list[File]:
    query = select(File).where(File.submission_id == submission_id, File.role == FileRole.VIDEO)
    return list(session.scalars(query.order_by(File.created_at, File.name)))


def unscreened_videos(session: Session, submission_id: str) -> list[File]:
    """Videos whose screening has not completed: a file's verdict is written in the same
    transaction as its findings, so a screening that was killed or failed to write leaves none."""
    return [f for f in videos_of(session, submission_id) if f.verdict is None]


def unfinished_submissions(session: Session) -> list[str]:
    """Submissions with videos still to screen (interrupted, or taken in with --no-screen), and
    submissions whose videos all have verdicts but whose own state was never derived from them
    (a run killed between the two, by a version that wrote them apart)."""
    query = (
        select(File.submission_id)
        .where(File.role == FileRole.VIDEO, File.verdict.is_(None), File.submission_id.is_not(None))
        .join(Submission, Submission.id == File.submission_id)
        .where(Submission.state.not_in(FINAL_STATES))
        .distinct()
    )
    underived = (
        select(File.submission_id)
        .where(File.role == FileRole.VIDEO, File.submission_id.is_not(None))
        .join(Submission, Submission.id == File.submission_id)
        .where(Submission.state == SubmissionState.RECEIVED)
        .distinct()
    )
    unscreened = {s for s in session.scalars(query) if s}
    screened = {s for s in session.scalars(underived) if s} - unscreened
    return sorted(unscreened | screened)


def needs_finishing(session: Session, submission_id: str) -> bool:
    """One submission of `unfinished_submissions`: videos to screen, or a state never derived."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.state in FINAL_STATES:
        return False
    videos = videos_of(session, submission_id)
    return any(v.verdict is None for v in videos) or (
        bool(videos) and submission.state == SubmissionState.RECEIVED
    )


def derive_if_screened(
    session: Session, submission_id: str, *, rules: ContestRules, deadline: datetime, now: datetime
) -> bool:
    """Once every video of the submission has its verdict, derive the work's state and verdict in
    the same transaction as the last video's verdict: no moment in which a killed run leaves a work
    whose videos are all judged 审核中 for good. True when it derived them."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.state in FINAL_STATES:
        return False
    session.flush()
    if unscreened_videos(session, submission_id) or not videos_of(session, submission_id):
        return False
    refresh_intake(session, submission, rules=rules, deadline=deadline, now=now)
    return True


def update_verdict(session: Session, submission: Submission, move: Move = Move.DERIVE) -> str | None:
    """The submission's state and verdict from all its findings (intake, technical, labels,
    subtitles) and the operators' decisions on it (`tasks.decisions`), through the one state
    machine (`tasks.states.transition`): 审核中 until every video has been screened."""
    rows = session.scalars(select(FindingRecord).where(FindingRecord.submission_id == submission.id)).all()
    findings = [Finding(r.check, Status(r.status), r.message) for r in rows]
    result = decided_verdict(findings, decisions_of(session, submission.id)).verdict
    videos = videos_of(session, submission.id)
    known = Progress(
        videos=len(videos),
        screened=sum(v.verdict is not None for v in videos),
        netdisk=bool(submission.netdisk_url),
        result=str(result),
    )
    standing = transition(submission.state, move, known)
    submission.state, submission.verdict = standing.state, standing.verdict
    return submission.verdict


def decisions_of(session: Session, submission_id: str) -> list[Decision]:
    """Every decision on the work in the order recorded, numbered from 1 (revocations included)."""
    rows = session.scalars(
        select(DecisionRecord)
        .where(DecisionRecord.submission_id == submission_id)
        .order_by(DecisionRecord.decided_at, DecisionRecord.id)
    )
    return [
        Decision(
            action=DecisionAction(r.action),
            note=r.note,
            decided_by=r.decided_by,
            decided_at=_aware(r.decided_at),
            check=r.check,
            value=r.value,
            number=number,
        )
        for number, r in enumerate(rows, start=1)
    ]


def record_decision(session: Session, submission: Submission, decision: Decision) -> str | None:
    """Record an operator's decision beside the findings and return the verdict it leads to.

    Its effect on the work: a withdrawal takes the work out, a re-screening clears its videos'
    verdicts, a corrected received time replaces the work's (the old one kept in the record's
    value), and a revocation undoes the effect of the decision it takes back. The caller re-judges
    the intake checks after a change of received time (`refresh_intake`)."""
    value = dict(decision.value or {})
    move = Move.DERIVE
    if decision.action == DecisionAction.SET_RECEIVED:
        value |= {
            "previous": _aware(submission.received_at).isoformat(),
            "previous_basis": submission.received_basis,
            "previous_set_by": submission.received_set_by,
        }
    session.add(
        DecisionRecord(
            submission_id=submission.id,
            action=str(decision.action),
            check=decision.waived_check,
            note=decision.note,
            decided_by=decision.decided_by[:200],
            decided_at=decision.decided_at.astimezone(UTC),
            value=value or None,
        )
    )
    if decision.action == DecisionAction.WITHDRAW:
        move = Move.REMOVE if value.get("mistake") else Move.WITHDRAW
    elif decision.action == DecisionAction.RESCREEN:
        for video in videos_of(session, submission.id):
            video.verdict = None  # screen-submission screens it again; its findings are replaced then
    elif decision.action == DecisionAction.SET_RECEIVED:
        submission.received_at = datetime.fromisoformat(value["received_at"]).astimezone(UTC)
        submission.received_basis = str(ReceivedBasis.OPERATOR)
        submission.received_set_by = decision.decided_by[:200]
    elif decision.action == DecisionAction.REVOKE:
        move = _undo(session, submission, int(value["revokes"]))
    session.flush()
    return update_verdict(session, submission, move)


def _undo(session: Session, submission: Submission, number: int) -> Move:
    """The effect of decision `number` on the work taken back (the verdict reads in-force decisions);
    RESTORE when it was the withdrawal."""
    earlier = decisions_of(session, submission.id)
    target = next(d for d in earlier if d.number == number)
    if target.action == DecisionAction.WITHDRAW:
        return Move.RESTORE  # update_verdict puts it where its files say
    if target.action == DecisionAction.SET_RECEIVED and target.value:
        submission.received_at = datetime.fromisoformat(target.value["previous"]).astimezone(UTC)
        submission.received_basis = target.value.get("previous_basis")
        submission.received_set_by = target.value.get("previous_set_by")
    return Move.DERIVE


def submissions(session: Session, *, removed: bool = False) -> list[Submission]:
    """Every work, oldest first; those taken in by mistake (`withdraw --mistake`) only with `removed`."""
    query = select(Submission).order_by(Submission.received_at, Submission.created_at)
    if not removed:
        query = query.where(Submission.state != SubmissionState.REMOVED)
    return list(session.scalars(query))


def submission_view(session: Session, submission: Submission) -> SubmissionView:
    """One submission with its files, findings and decisions (`to_json()`: `guangying status --json`)."""
    files = session.scalars(
        select(File).where(File.submission_id == submission.id).order_by(File.created_at, File.name)
    ).all()
    findings = session.scalars(
        select(FindingRecord)
        .where(FindingRecord.submission_id == submission.id)
        .order_by(FindingRecord.created_at, FindingRecord.id)
    ).all()
    names = {f.id: f.name for f in files}
    decisions = decisions_of(session, submission.id)
    netdisk = None
    if submission.netdisk_url:
        expires = submission.netdisk_expires_at
        netdisk = NetdiskView(submission.netdisk_url, submission.netdisk_code, expires and _aware(expires))
    return SubmissionView(
        packages=_package_views(session, submission.id, files),
        id=submission.id,
        title=submission.title,
        submitter=submission.submitter,
        unit=submission.unit,
        category=submission.category,
        state=submission.state,
        verdict=submission.verdict,
        received_at=_aware(submission.received_at),
        received_basis=submission.received_basis,
        received_set_by=submission.received_set_by,
        source=submission.source,
        package_name=submission.package_name,
        netdisk=netdisk,
        files=tuple(FileView(f.role, f.name, f.sha256, f.size, f.verdict) for f in files),
        form=submission.form or {},
        decisions=tuple(decisions),
        verdict_by_person=decided_verdict(
            [Finding(r.check, Status(r.status), r.message) for r in findings], decisions
        ).by_person,
        findings=tuple(
            FindingView(
                check=r.check,
                status=r.status,
                message=r.message,
                evidence=r.evidence,
                stage=r.stage,
                file=names.get(r.file_id) if r.file_id else None,
            )
            for r in findings
        ),
    )


def _package_views(session: Session, submission_id: str, files: Sequence[File]) -> tuple[PackageView, ...]:
    rows = session.scalars(
        select(IntakePackage)
        .where(IntakePackage.submission_id == submission_id)
        .order_by(IntakePackage.created_at, IntakePackage.received_at)
    ).all()
    return tuple(
        PackageView(
            kind=row.kind or "first",  # packages taken in before 0008 made their work
            name=row.name,
            received_at=_aware(row.received_at),
            source=row.source,
            roles=tuple(f.role for f in files if (f.meta or {}).get("package") == row.sha256),
        )
        for row in rows
    )


def is_seen(session: Session, source: str, item: str) -> bool:
    query = select(SeenSourceItem.id).where(SeenSourceItem.source == source, SeenSourceItem.item == item)
    return session.scalars(query).first() is not None


def mark_seen(
    session: Session, source: str, item: str, *, submission_id: str | None, fingerprint: str | None = None
) -> None:
    if is_seen(session, source, item):
        return
    session.add(
        SeenSourceItem(
            source=source[:300], item=item[:1000], fingerprint=fingerprint, submission_id=submission_id
        )
    )
    session.flush()


def seen_submission(session: Session, source: str, item: str) -> str | None:
    query = select(SeenSourceItem.submission_id).where(
        SeenSourceItem.source == source, SeenSourceItem.item == item
    )
    return session.scalars(query).first()
