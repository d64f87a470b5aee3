"""Taking packages in: from paths or the configured sources → catalogue → (screening) → verdict.

What the `intake`, `screen-submission`, `screen-batch` and nightly flows and `guangying ingest|run`
do, one step per function, without Prefect: the flows decide the order, the retries and the
fan-out. Unpacking, reading and judging a package live in `tasks.intake`, recording in
`tasks.catalogue.submissions`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tasks.catalogue.db import catalogue_session
from tasks.catalogue.models import File, IntakePackage, Submission
from tasks.catalogue.submissions import (
    IngestOutcome,
    is_seen,
    mark_seen,
    needs_finishing,
    record_analysis,
    refresh_intake,
    seen_submission,
    submission_view,
    unfinished_submissions,
    unscreened_videos,
)
from tasks.context import WorkContext
from tasks.intake.classify import SUBTITLE_EXTENSIONS
from tasks.intake.details import IntakeDetails
from tasks.intake.package import Package
from tasks.intake.received import Received, ReceivedBasis
from tasks.intake.sources import (
    ImapAccount,
    Unreadable,
    drop_folder_packages,
    folder_item,
    imap_packages,
    inbox_batches,
    is_mail_file,
    mail_file_packages,
    path_received_at,
    safe_filename,
)
from tasks.printable import printable
from tasks.report.receipt import verdict_label, write_receipt
from tasks.roles import FileRole
from tasks.rules import DEFAULT_RULES
from tasks.store import open_store, sha256_of

if TYPE_CHECKING:
    from tasks.config import Settings
    from tasks.intake.package import Analysis

log = logging.getLogger(__name__)
Result = dict[str, Any]  # one package's line of `ingest --json`: a `status --json` object, or why not


@dataclass(slots=True)
class Pending:
    """A package waiting to be ingested, and how to tell its source afterwards."""

    package: Package
    for_submission: str | None = None
    seen: list[tuple[str, str]] = field(default_factory=list)  # (source, item) to mark once recorded


@dataclass(slots=True)
class Collected:
    """What a source handed over this run, and what it could not read."""

    pending: list[Pending]
    unreadable: list[Unreadable] = field(default_factory=list)


# Paths from the command line or the ingest form ------------------------------------------------


def missing_paths(paths: list[Path]) -> list[Path]:
    return [p for p in paths if not p.exists()]


def empty_folders(paths: list[Path]) -> tuple[list[Path], list[Result]]:
    """A folder without a single file is not a submission: said, not catalogued. (kept, refused)"""
    kept, empty = [], []
    for path in paths:
        if path.is_dir() and not any(p.is_file() for p in path.rglob("*")):
            empty.append(
                {"package": str(path), "error": f"“{path}”是空文件夹，没有可受理的文件，未登记为作品。"}
            )
        else:
            kept.append(path)
    return kept, empty


def packages_from_paths(
    paths: list[Path], for_submission: str | None, *, now: datetime
) -> tuple[list[Pending], list[Result]]:
    """Each path a package, received at its newest file time; with `for_submission`, all paths one
    addition to that work, received now. A path that does not exist or an empty folder is a result,
    not a package."""
    missing: list[Result] = [
        {"package": str(p), "error": f"找不到“{p}”（文件或文件夹不存在）。"} for p in missing_paths(paths)
    ]
    kept, empty = empty_folders([p for p in paths if p.exists()])
    present, refused = [p.resolve() for p in kept], missing + empty
    if not present:
        return [], refused
    if for_submission:
        package = Package(
            name=present[0].name,
            paths=present,
            source=f"cli:--for {for_submission}",
            received_at=now,
            received_basis=ReceivedBasis.INGEST_TIME,
        )
        return [Pending(package, for_submission=for_submission)], refused
    pending = [
        Pending(Package(name=p.name, paths=[p], source=f"cli:{p}", received_at=path_received_at(p)))
        for p in present
    ]
    return pending, refused


def state_received(pending: list[Pending], stated_at: datetime, by: str) -> None:
    """The time an operator states for these packages (they arrived in time by other means)."""
    stated = Received(stated_at, ReceivedBasis.OPERATOR, by)
    for item in pending:
        item.package.stated(stated)


def already_taken_in(
    settings: Settings, paths: list[Path], *, screening: bool
) -> tuple[list[Path], list[Result]]:
    """Files (archives, e-mails) whose bytes were taken in before and whose work needs nothing more:
    answered from the catalogue at once, without a flow. (still to take in, answered)"""
    files = [p for p in paths if p.is_file() and not p.is_symlink()]
    if not files:
        return paths, []
    remaining, known = [p for p in paths if p not in files], []
    with catalogue_session(settings) as session:
        for path in files:
            package = session.get(IntakePackage, sha256_of(path))
            unfinished = package is not None and needs_finishing(session, package.submission_id)
            if package is None or (screening and unfinished):
                remaining.append(path)  # new, or its screening (or state) must be resumed: the flow does it
            else:
                known.append({"package": path.name, "duplicate": True, "id": package.submission_id})
    return remaining, known


def with_mail_opened(
    pending: list[Pending], scratch: Path, ingested: datetime, results: list[Result]
) -> list[Pending]:
    """An exported e-mail (.eml) or mailbox (.mbox) handed over as a file is the e-mail package
    itself, exactly as if it had come over IMAP: attachments, body, Date, Message-ID. One that
    cannot be read is reported in `results`; the others go on."""
    opened: list[Pending] = []
    for index, item in enumerate(pending):
        paths = item.package.paths
        if len(paths) != 1 or not is_mail_file(paths[0]) or item.for_submission:
            opened.append(item)
            continue
        try:
            packages = mail_file_packages(
                paths[0], scratch / f"m{index}", source=item.package.source, ingested=ingested
            )
        except (OSError, ValueError, LookupError) as exc:
            log.warning("cannot read mail file %s: %s", paths[0], exc)
            results.append(
                {"package": item.package.name, "error": "无法读取该邮件文件（.eml/.mbox），原件未改动。"}
            )
            continue
        opened += [Pending(package, seen=item.seen) for package in packages]
    return opened


# The configured sources ---------------------------------------------------------------------------


def collect_drop_folder(settings: Settings, folder: Path) -> Collected:
    source = f"folder:{folder.resolve()}"
    unreadable: list[Unreadable] = []
    with catalogue_session(settings) as session:
        packages = drop_folder_packages(
            folder, seen=lambda item: is_seen(session, source, item), unreadable=unreadable
        )
    return Collected([Pending(p, seen=[(source, folder_item(p.paths[0]))]) for p in packages], unreadable)


def collect_inbox(settings: Settings, scratch: Path) -> Collected:
    store, bucket = open_store(settings), settings.bucket_inbox
    source = f"inbox:{bucket}"
    pending: list[Pending] = []
    unreadable: list[Unreadable] = []
    with catalogue_session(settings) as session:
        batches = inbox_batches(
            store,
            bucket,
            scratch,
            seen=lambda key: is_seen(session, source, key),
            ingested=settings.now(),
            unreadable=unreadable,
        )
        for batch in batches:
            earlier = seen_submission(session, source, batch.earlier_keys[0]) if batch.earlier_keys else None
            pending.append(
                Pending(batch.package, for_submission=earlier, seen=[(source, k) for k in batch.keys])
            )
    return Collected(pending, unreadable)


def collect_mailbox(settings: Settings, scratch: Path, password: str) -> Collected:
    """The mailbox's new e-mails (an e-mail that cannot be read is a package with a finding)."""
    account = ImapAccount(
        host=settings.imap_host or "",
        user=settings.imap_user or "",
        password=password,
        port=settings.imap_port,
        ssl=settings.imap_ssl,
        folder=settings.imap_folder,
    )
    with catalogue_session(settings) as session:
        packages = list(
            imap_packages(account, scratch, seen=lambda mid: is_seen(session, account.source, mid))
        )
    return Collected([Pending(p, seen=[(account.source, p.message_id or "")]) for p in packages])


def source_failed(label: str, reason: str) -> Result:
    return {"package": label, "error": f"读取{label}失败：{reason}。请检查配置后重试。"}


def unreadable_results(label: str, collected: Collected) -> list[Result]:
    return [
        {
            "package": f"{label}：{printable(skipped.item)}",
            "error": f"本次无法读取（{skipped.reason}），已跳过，下次运行时会再试；其余作品照常处理。",
        }
        for skipped in collected.unreadable
    ]


# Recording, screening, finishing -------------------------------------------------------------------


def received_order(pending: Pending) -> datetime:
    """Packages are recorded in the order received, so that a reply finds the work its first mail made."""
    return pending.package.received_at.astimezone(UTC)


def failed_package(pending: Pending, reason: str) -> Result:
    return {"package": pending.package.name, "error": f"处理失败：{reason}。原件未改动，可稍后重试。"}


def record_package(settings: Settings, pending: Pending, analysis: Analysis) -> IngestOutcome:
    """Store and record one analysed package: a new work, or a supplement or resend of its work."""
    with catalogue_session(settings) as session:
        outcome = record_analysis(
            session,
            analysis,
            open_store(settings),
            settings.bucket_originals,
            rules=DEFAULT_RULES,
            deadline=settings.deadline,
            now=settings.now(),
            for_submission=pending.for_submission,
        )
        for source, item in pending.seen:
            mark_seen(session, source, item, submission_id=outcome.submission_id or None)
    return outcome


def unfinished(settings: Settings) -> list[str]:
    """Works with videos still to screen, or whose state was never derived from their videos."""
    with catalogue_session(settings) as session:
        return unfinished_submissions(session)


@dataclass(frozen=True, slots=True)
class Step:
    """What becomes of a recorded package: `answer` (no work, or a duplicate: nothing to do), else
    screen its work or only judge it again."""

    answer: Result | None = None
    screen: bool = False
    resumed: bool = False


def next_step(outcome: IngestOutcome, unfinished: set[str], *, screen: bool) -> Step:
    """A package seen before is a duplicate unless its work was left unfinished, which is then
    resumed; a new work is screened (with `screen`); a supplement or a resend screens only a work
    with videos not screened yet, else it is judged again. Takes the work out of `unfinished`."""
    if outcome.refused:  # not a package at all: no work, no 受理编号
        return Step({"package": outcome.package, "error": outcome.refused, "intake": "not_a_work"})
    resumed = outcome.duplicate and screen and outcome.submission_id in unfinished
    if outcome.duplicate and not resumed:
        return Step({"package": outcome.package, "duplicate": True, "id": outcome.submission_id})
    to_screen = screen and (outcome.submission_id in unfinished or outcome.created)
    unfinished.discard(outcome.submission_id)
    return Step(screen=to_screen, resumed=resumed)


def step_result(outcome: IngestOutcome, step: Step, status: Result) -> Result:
    kind = {"intake": outcome.kind} if outcome.kind else {}
    return {"package": outcome.package, **status, **kind, **({"resumed": True} if step.resumed else {})}


def finish_submission(settings: Settings, submission_id: str) -> Result:
    """State and verdict from the stages that have completed, and the 回执 written beside the
    catalogue; the work's `status --json` object ({} for an unknown id)."""
    with catalogue_session(settings) as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            return {}
        refresh_intake(
            session, submission, rules=DEFAULT_RULES, deadline=settings.deadline, now=settings.now()
        )
        session.flush()
        item = submission_view(session, submission)
    write_receipt(settings.data_dir, item, issued=settings.now())
    return item.to_json()


@dataclass(frozen=True, slots=True)
class Unscreened:
    """What screening needs of one submission: its unscreened videos, fetched from the store into a
    scratch folder, and what the package says about the work."""

    context: WorkContext
    videos: list[tuple[str, Path]]  # (name in the package, local copy)


def fetch_unscreened(settings: Settings, submission_id: str, scratch: Path) -> Unscreened:
    """The work's videos not screened yet and its sidecar subtitles, copied from the store into
    `scratch`, with its title, 文稿 and form text (what the label and subtitle checks compare)."""
    store = open_store(settings)
    with catalogue_session(settings) as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            return Unscreened(WorkContext(submission_id=submission_id), [])
        files = list(session.scalars(select(File).where(File.submission_id == submission_id)))
        videos = [(f.name, f.object_key) for f in unscreened_videos(session, submission_id)]
        sidecars = [
            (f.name, f.object_key)
            for f in files
            if PurePosixPath(f.name).suffix.lower() in SUBTITLE_EXTENSIONS
        ]
        scripts = [
            str((f.meta or {})["text"])
            for f in files
            if f.role == FileRole.SCRIPT and (f.meta or {}).get("text")
        ]
        form = IntakeDetails.from_json(submission.form).form
        title = submission.title

    def fetch(index: int, name: str, object_key: str) -> Path:
        bucket, key = object_key.split("/", 1)
        target = scratch / str(index) / safe_filename(PurePosixPath(name).name, f"file{index}")
        return store.get_file(bucket, key, target)

    context = WorkContext(
        title=title,
        script_text="\n".join(scripts) or None,
        form_text="\n".join(t for t in ((form.team, form.intro) if form else ()) if t) or None,
        sidecar_subtitles=tuple(fetch(i, n, k) for i, (n, k) in enumerate(sidecars)),
        submission_id=submission_id,
    )
    local = [(name, fetch(len(sidecars) + i, name, key)) for i, (name, key) in enumerate(videos)]
    return Unscreened(context, local)


# Batches ------------------------------------------------------------------------------------------


def select_unfinished(settings: Settings, submission_ids: list[str] | None) -> tuple[list[str], list[str]]:
    """(to screen, already screened or unknown): only works with videos still unscreened."""
    todo = set(unfinished(settings))
    if submission_ids is None:
        return sorted(todo), []
    wanted = list(dict.fromkeys(submission_ids))
    return [s for s in wanted if s in todo], [s for s in wanted if s not in todo]


def batch_rows(settings: Settings, finals: dict[str, str], skipped: list[str]) -> list[Result]:
    """One row per work of a batch: its last run's state (SKIPPED when none) and its verdict now."""
    rows = []
    with catalogue_session(settings) as session:
        for submission_id in [*finals, *skipped]:
            submission = session.get(Submission, submission_id)
            rows.append(
                {
                    "id": submission_id,
                    "title": submission.title if submission else None,
                    "run": finals.get(submission_id, "SKIPPED"),
                    "verdict": verdict_label(submission.verdict) if submission else "找不到该作品",
                }
            )
    return rows
