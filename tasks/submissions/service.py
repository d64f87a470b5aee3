"""What an operator does to works already taken in, and what they read about them.

Every function takes the `Settings`, opens the catalogue with `catalogue_session` and returns the
work as it now stands (a `SubmissionView`) or plain values. What cannot apply is refused with
`Refused` (one Chinese sentence, nothing changed); a 受理编号 prefix that names no work or several
with `SubmissionIdError`. The command line prints these; a deployment reports them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.db import catalogue_session
from tasks.catalogue.ids import IdMatch as IdMatch
from tasks.catalogue.ids import SubmissionIdError as SubmissionIdError
from tasks.catalogue.ids import id_matches
from tasks.catalogue.models import File, FindingRecord, IntakePackage, Submission
from tasks.catalogue.submissions import (
    decisions_of,
    record_decision,
    refresh_intake,
    submission_view,
    submissions,
    unmatched_mails,
)
from tasks.decisions import Decision, DecisionAction, refusal
from tasks.findings import Check, Finding, Status
from tasks.intake.received import StatedTimeError, parse_stated_time
from tasks.intake.sources import safe_filename
from tasks.refusals import Refusal
from tasks.report.receipt import write_receipt
from tasks.rules import DEFAULT_RULES
from tasks.states import FINAL_STATES
from tasks.store import open_store

if TYPE_CHECKING:
    from tasks.catalogue.views import SubmissionView
    from tasks.config import Settings


class Refused(Refusal):
    """An operation on works that cannot apply, said in one Chinese sentence; nothing was changed."""


# One 受理编号 prefix → one work ----------------------------------------------------------------


def resolve_in(session: Session, prefix: str) -> str:
    """The one work's full 受理编号; `SubmissionIdError` when none or several match."""
    matches = id_matches(session, prefix)
    if len(matches) != 1:
        raise SubmissionIdError(prefix, matches)
    return matches[0].id


def resolve_id(settings: Settings, prefix: str) -> str:
    """`resolve_in` on its own transaction."""
    with catalogue_session(settings) as session:
        return resolve_in(session, prefix)


# Reading --------------------------------------------------------------------------------------


def view_by_id(session: Session, submission_id: str) -> SubmissionView:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise SubmissionIdError(submission_id, [])
    return submission_view(session, submission)


def find_submission(settings: Settings, prefix: str) -> SubmissionView:
    """The work a 受理编号 prefix names, as it now stands (`status --json`, its receipt)."""
    with catalogue_session(settings) as session:
        return view_by_id(session, resolve_in(session, prefix))


def views(settings: Settings, submission_ids: list[str]) -> list[SubmissionView]:
    """The works with these full ids as they now stand, in that order (unknown ids left out)."""
    with catalogue_session(settings) as session:
        found = [session.get(Submission, i) for i in submission_ids]
        return [submission_view(session, s) for s in found if s is not None]


def works(settings: Settings, *, removed: bool = False) -> list[SubmissionView]:
    """Every work, oldest first; those taken in by mistake (`withdraw --mistake`) only with `removed`."""
    with catalogue_session(settings) as session:
        return [submission_view(session, s) for s in submissions(session, removed=removed)]


def unmatched(settings: Settings) -> list[dict[str, str | None]]:
    """The 未受理邮件 (e-mails that were no package and belong to no work), in the order sent."""
    with catalogue_session(settings) as session:
        return unmatched_mails(session)


def write_summary_table(settings: Settings, out: Path | None = None) -> tuple[Path, int]:
    """The 作品汇总表 of every work at `out` (default: in the data directory); where, and how many
    works it lists. `Refused` for a place it cannot go: not .xlsx, no such folder, a folder."""
    from tasks.report.export import write_export

    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise Refused(f"导出文件“{out}”应以 .xlsx 结尾。")
        if not out.parent.is_dir():
            raise Refused(f"文件夹“{out.parent}”不存在，请先创建或换一个位置（--out）。")
        if out.is_dir():
            raise Refused(f"“{out}”是一个文件夹，请写出文件名，如 {out / '作品汇总表.xlsx'}。")
    out = out or settings.data_dir / "作品汇总表.xlsx"
    items = works(settings)
    out.parent.mkdir(parents=True, exist_ok=True)  # the data directory's own folder
    write_export(out, items)
    return out, len(items)


# Decisions ------------------------------------------------------------------------------------


def decide(
    settings: Settings,
    prefix: str,
    action: DecisionAction,
    *,
    note: str,
    by: str | None = None,
    check: Check | None = None,
    value: str | None = None,
    stated: Mapping[str, Any] | None = None,
) -> SubmissionView:
    """Record `action` on the work `prefix` names (on `check`, for a waiver; `value`: the time of
    set-received, in Beijing time unless it carries an offset, or the number of the decision a
    revoke takes back; `stated`: what else the record keeps, e.g. a withdrawal by mistake), by `by`
    (default: the configured operator) for `note`, re-judge what it changes and rewrite the
    receipt. `Refused` or `SubmissionIdError` when it cannot apply: nothing is changed then."""
    if not note.strip():
        raise Refused("须写明理由。", about="note")
    submission_id = resolve_id(settings, prefix)
    recorded = dict(stated or {})
    if action == DecisionAction.SET_RECEIVED:
        try:
            recorded = {"received_at": parse_stated_time(value or "", now=settings.now()).isoformat()}
        except StatedTimeError as exc:
            raise Refused(f"set-received：{exc}。") from exc
    revokes = int(value) if action == DecisionAction.REVOKE and value else None
    with catalogue_session(settings) as session:
        submission = session.get(Submission, submission_id)
        if submission is None:  # removed between the two transactions
            raise SubmissionIdError(prefix, [])
        rows = session.scalars(select(FindingRecord).where(FindingRecord.submission_id == submission_id))
        why = refusal(
            action,
            decisions_of(session, submission_id),
            [Finding(r.check, Status(r.status), r.message) for r in rows],
            withdrawn=submission.state in FINAL_STATES,
            check=check,
            revokes=revokes,
        )
        if why is not None:
            raise Refused(f"{why}未作任何改动。")
        decision = Decision(
            DecisionAction(action),
            note.strip(),
            by or settings.operator_name,
            settings.now(),
            check,
            value=recorded or ({"revokes": revokes} if revokes is not None else None),
        )
        record_decision(session, submission, decision)
        if action in (DecisionAction.SET_RECEIVED, DecisionAction.REVOKE):
            refresh_intake(
                session, submission, rules=DEFAULT_RULES, deadline=settings.deadline, now=settings.now()
            )
        item = submission_view(session, submission)
    write_receipt(settings.data_dir, item, issued=settings.now())
    return item


def withdraw(
    settings: Settings, prefix: str, *, note: str, by: str | None = None, mistake: bool = False
) -> SubmissionView:
    """Withdraw a work; `mistake`: it is no work at all (out of the status, the export, the
    dashboards and judging, originals kept; `revoke` restores it)."""
    stated = {"mistake": True} if mistake else None
    return decide(settings, prefix, DecisionAction.WITHDRAW, note=note, by=by, stated=stated)


def mark_for_rescreen(settings: Settings, prefix: str, *, note: str, by: str | None = None) -> SubmissionView:
    """Record a re-screening (its videos' verdicts cleared); the caller then screens the work
    (`flows.intake.screen_submission`). A withdrawn work is not screened again."""
    item = decide(settings, prefix, DecisionAction.RESCREEN, note=note, by=by)
    if item.state in FINAL_STATES:
        raise Refused("该作品已撤销，不再审核。")
    return item


@dataclass(slots=True)
class Recheck:
    """The works judged again, and those whose verdict changed (with the verdict before)."""

    items: list[SubmissionView] = field(default_factory=list)
    changed: list[tuple[SubmissionView, str | None]] = field(default_factory=list)


def recheck(settings: Settings, *, note: str, by: str | None = None) -> Recheck:
    """Judge every work (not withdrawn) again under the settings now in force (e.g. a corrected
    deadline), record the re-check on each, and rewrite the receipts."""
    decision = Decision(
        DecisionAction.RECHECK, note.strip() or "重新核对", by or settings.operator_name, settings.now()
    )
    result = Recheck()
    with catalogue_session(settings) as session:
        for submission in submissions(session):
            if submission.state in FINAL_STATES:
                continue
            before = submission.verdict
            refresh_intake(
                session, submission, rules=DEFAULT_RULES, deadline=settings.deadline, now=settings.now()
            )
            record_decision(session, submission, decision)
            item = submission_view(session, submission)
            result.items.append(item)
            if item.verdict != before:
                result.changed.append((item, before))
    for item in result.items:
        write_receipt(settings.data_dir, item, issued=settings.now())
    return result


# Originals ------------------------------------------------------------------------------------


def original_objects(session: Session, submission_id: str) -> list[tuple[str, str]]:
    """(name, object key) of every original of the work: each package as received (its archive, or
    the raw e-mail named after its subject), then every file taken from them."""
    packages = session.scalars(select(IntakePackage).where(IntakePackage.submission_id == submission_id))
    wanted = [
        (p.name if PurePosixPath(p.name).suffix else f"{p.name}.eml", p.object_key)
        for p in packages
        if p.object_key
    ]
    files = session.scalars(select(File).where(File.submission_id == submission_id))
    return wanted + [(f.name, f.object_key) for f in files]


def fetch_originals(settings: Settings, submission_id: str, out: Path) -> list[Path]:
    """Copies of the work's originals in the folder `out` (which exists), one name each, writable."""
    with catalogue_session(settings) as session:
        wanted = original_objects(session, submission_id)
    store = open_store(settings)
    written = []
    for index, (name, object_key) in enumerate(wanted, start=1):
        target = out / safe_filename(PurePosixPath(name).name, f"原件{index}")
        if target.exists():
            target = target.with_name(f"{target.stem}（{index}）{target.suffix}")
        bucket, key = object_key.split("/", 1)
        store.get_file(bucket, key, target)
        target.chmod(0o644)  # a copy for the operator, not the read-only original
        written.append(target)
    return written


LINK_LIFETIME = timedelta(days=7)  # the longest an S3 presigned URL may live


def original_links(
    settings: Settings, submission_id: str, lifetime: timedelta = LINK_LIFETIME
) -> list[tuple[str, str]]:
    """(name, a download link valid for `lifetime`) of every original of the work, straight from the
    object store: for an operator who cannot reach the worker's folders. Refused on a local store,
    whose links no other machine opens."""
    store = open_store(settings)
    if not store.shareable:
        raise Refused("本机存储没有其他机器可以打开的下载链接，请改为保存到文件夹。")
    with catalogue_session(settings) as session:
        wanted = original_objects(session, submission_id)
    links = []
    for name, object_key in wanted:
        bucket, key = object_key.split("/", 1)
        links.append((PurePosixPath(name).name, store.url(bucket, key, lifetime)))
    return links
