"""The intake flow: packages from paths or the configured sources → catalogue → screening → verdict.

Orchestration only: unpacking, reading and judging live in `tasks.intake`, recording in
`tasks.catalogue.submissions`. One task per package; I/O tasks retry; a package that still fails
is reported and the batch goes on.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, cast

from prefect import flow, task
from pydantic import SecretStr
from sqlalchemy import select

from flows.retries import IO_RETRIES
from flows.screen import configured_screen_video
from tasks.catalogue.db import catalogue_session, open_catalogue
from tasks.catalogue.models import File, Submission
from tasks.catalogue.submissions import (
    IngestOutcome,
    is_seen,
    mark_seen,
    record_analysis,
    refresh_intake,
    seen_submission,
    submission_view,
    unfinished_submissions,
    unscreened_videos,
)
from tasks.config import Settings, get_settings
from tasks.context import WorkContext
from tasks.failures import cause
from tasks.intake.classify import SUBTITLE_EXTENSIONS
from tasks.intake.details import IntakeDetails
from tasks.intake.package import Analysis, Package, analyse
from tasks.intake.receipt import write_receipt
from tasks.intake.received import Received, ReceivedBasis, parse_stated_time
from tasks.intake.sources import (
    ImapAccount,
    Unreadable,
    _newest_mtime,
    drop_folder_packages,
    folder_item,
    imap_packages,
    inbox_batches,
    is_mail_file,
    mail_file_packages,
    safe_filename,
)
from tasks.printable import printable
from tasks.roles import FileRole
from tasks.rules import DEFAULT_RULES
from tasks.scratch import scratch_folder
from tasks.store import open_store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Collected:
    """What a source handed over this run, and what it could not read."""

    pending: list[Pending]
    unreadable: list[Unreadable] = field(default_factory=list)


@dataclass(slots=True)
class Pending:
    """A package waiting to be ingested, and how to tell its source afterwards."""

    package: Package
    for_submission: str | None = None
    seen: list[tuple[str, str]] = field(default_factory=list)  # (source, item) to mark once recorded


@task(name="analyse-package", **IO_RETRIES)
def analyse_package_task(pending: Pending, scratch: Path) -> Analysis:
    """Unpack and read one package (a fresh scratch folder per attempt, so a retry starts clean)."""
    attempt = scratch / uuid.uuid4().hex[:8]
    return analyse(pending.package, attempt, DEFAULT_RULES)


@task(name="ingest-package", **IO_RETRIES)
def ingest_package_task(pending: Pending, analysis: Analysis) -> IngestOutcome:
    """Store and record one analysed package: a new work, or a supplement or resend of its work."""
    settings = get_settings()
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


@task(name="finish-submission", **IO_RETRIES)
def finish_submission_task(submission_id: str) -> dict[str, Any]:
    """State and verdict from the stages that have completed, and the 回执 written beside the catalogue."""
    settings = get_settings()
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
    return item.to_json()  # a task's result is JSON: the flow's results are what `ingest --json` prints


@dataclass(frozen=True, slots=True)
class Unscreened:
    """What screening needs of one submission: its unscreened videos, fetched from the store into a
    scratch folder, and what the package says about the work."""

    context: WorkContext
    videos: list[tuple[str, Path]]  # (name in the package, local copy)


@task(name="fetch-unscreened", **IO_RETRIES)
def fetch_unscreened_task(submission_id: str, scratch: Path) -> Unscreened:
    settings = get_settings()
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


@flow(name="screen-submission")
def screen_submission(submission_id: str) -> dict[str, Any]:
    """Screen every video of a submission that has not been screened yet (new, interrupted, or
    taken in with --no-screen), from the originals in the object store; then its verdict and 回执.
    Safe to run again: screened videos are skipped."""
    settings = get_settings()
    with scratch_folder(settings.data_dir, "screen") as scratch:
        unscreened = fetch_unscreened_task(submission_id, scratch)
        for name, path in unscreened.videos:
            try:
                configured_screen_video()(path, name=name, record=True, context=unscreened.context)
            except Exception as exc:  # the video stays unscreened (审核中) and is resumed on the next run
                why = cause(exc) or f"{type(exc).__name__}: {exc}"
                log.warning("screening %s of %s did not complete: %s", name, submission_id, why)
        return finish_submission_task(submission_id)


def with_mail_opened(
    pending: list[Pending], scratch: Path, ingested: datetime, results: list[dict[str, Any]]
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


def packages_from_paths(
    paths: list[Path], for_submission: str | None, *, now: datetime
) -> tuple[list[Pending], list[dict[str, Any]]]:
    """`guangying ingest`: each path a package; with --for, all paths one addition to that submission."""
    missing = [
        {"package": str(p), "error": f"找不到“{p}”（文件或文件夹不存在）。"} for p in paths if not p.exists()
    ]
    present = [p.resolve() for p in paths if p.exists()]
    if not present:
        return [], missing
    if for_submission:
        package = Package(
            name=present[0].name,
            paths=present,
            source=f"cli:--for {for_submission}",
            received_at=now,
            received_basis=ReceivedBasis.INGEST_TIME,
        )
        return [Pending(package, for_submission=for_submission)], missing
    pending = [
        Pending(
            Package(
                name=p.name,
                paths=[p],
                source=f"cli:{p}",
                received_at=datetime.fromtimestamp(_newest_mtime(p), UTC),
            )
        )
        for p in present
    ]
    return pending, missing


@task(name="collect-drop-folder", **IO_RETRIES)
def collect_drop_folder_task(folder: Path) -> Collected:
    settings = get_settings()
    source = f"folder:{folder.resolve()}"
    unreadable: list[Unreadable] = []
    with catalogue_session(settings) as session:
        packages = drop_folder_packages(
            folder, seen=lambda item: is_seen(session, source, item), unreadable=unreadable
        )
    return Collected([Pending(p, seen=[(source, folder_item(p.paths[0]))]) for p in packages], unreadable)


@task(name="collect-inbox-bucket", **IO_RETRIES)
def collect_inbox_task(scratch: Path) -> Collected:
    settings = get_settings()
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


def secret_setting(value: SecretStr | None, block: str | None) -> str | None:
    """A password from the environment (`value`) or else the Prefect Secret block named `block`
    (the mailbox's IMAP password, the outbox's SMTP password)."""
    if value is not None:
        return value.get_secret_value()
    if block:
        from prefect.blocks.system import Secret

        secret = cast(Secret, Secret.load(block))  # sync in a sync flow
        return str(secret.get())
    return None


@task(name="collect-mailbox", **IO_RETRIES)
def collect_mailbox_task(scratch: Path) -> Collected:
    settings = get_settings()
    account = ImapAccount(
        host=settings.imap_host or "",
        user=settings.imap_user or "",
        password=secret_setting(settings.imap_password, settings.imap_password_block) or "",
        port=settings.imap_port,
        ssl=settings.imap_ssl,
        folder=settings.imap_folder,
    )
    pending = []
    with catalogue_session(settings) as session:
        for package in imap_packages(
            account, scratch, seen=lambda mid: is_seen(session, account.source, mid)
        ):
            pending.append(Pending(package, seen=[(account.source, package.message_id or "")]))
    return Collected(pending)  # an e-mail that cannot be read is a package with a finding


@flow(name="intake")
def intake(
    paths: list[Path] | None = None,
    for_submission: str | None = None,
    sources: bool = False,
    screen: bool = True,
    received_at: str | datetime | None = None,
    received_set_by: str | None = None,
) -> list[dict[str, Any]]:
    """Ingest `paths` (or, with `sources`, the drop folder, inbox bucket and mailbox), screen each new
    video into its submission, and return one result per package (`status --json` objects).

    `received_at`: the time an operator states for the packages of `paths` (they arrived in time by
    other means), recorded as stated by `received_set_by`. Beijing time unless it carries an offset,
    as text (the Prefect UI's form: 「2026-11-30 20:00」, the forms of `parse_stated_time`) or as a
    datetime (an API client's naive one too); a time later than the pipeline's clock is refused
    before anything is taken in."""
    settings = get_settings()
    now = settings.now()
    stated_at = parse_stated_time(received_at, now=now) if received_at not in (None, "") else None
    open_catalogue(
        settings.catalogue_url
    )  # migrate once here: concurrent first opens from task threads would race
    with scratch_folder(settings.data_dir, "intake") as scratch:
        pending, results = packages_from_paths([Path(p) for p in paths or []], for_submission, now=now)
        pending = with_mail_opened(pending, scratch / "mail", now, results)
        if stated_at is not None:
            stated = Received(stated_at, ReceivedBasis.OPERATOR, received_set_by or settings.operator_name)
            for item in pending:
                item.package.stated(stated)
        if sources:
            pending += _collect_sources(settings, scratch, now, results)
        outcomes = _ingest_all(pending, scratch, results)
        _screen_all(outcomes, settings, screen=screen, resume_unfinished=sources and screen, results=results)
    _publish_run(results)
    return results


def _publish_run(results: list[dict[str, Any]]) -> None:
    """The works this run touched, as an artifact of the run, and the dashboards refreshed."""
    from prefect.artifacts import create_markdown_artifact

    from flows.report import publish_dashboards_task
    from tasks.intake.run_summary import ARTIFACT_KEY, intake_markdown

    try:
        create_markdown_artifact(
            key=ARTIFACT_KEY,
            markdown=intake_markdown(results),
            description=f"本次受理的作品包（{len(results)}个）",
        )
        if results:
            publish_dashboards_task("受理后的作品概况")
    except Exception as exc:  # what was taken in stays recorded; the next run publishes again
        log.warning("could not publish the intake artifact or the dashboards: %s", cause(exc) or exc)


def _collect_sources(
    settings: Settings, scratch: Path, now: datetime, results: list[dict[str, Any]]
) -> list[Pending]:
    """What the drop folder, the inbox bucket and (when configured) the mailbox hold, read at once; a
    source or an item that cannot be read is one result, and the others go on."""
    collectors = [("投稿文件夹", collect_drop_folder_task.submit(settings.resolved_drop_dir))]
    collectors.append(("收件存储桶", collect_inbox_task.submit(scratch / "inbox")))
    if settings.imap_host:
        collectors.append(("邮箱", collect_mailbox_task.submit(scratch / "mail")))
    pending: list[Pending] = []
    for index, (label, future) in enumerate(collectors):
        state = future.wait() or future.state
        if not state.is_completed():
            results.append(
                {"package": label, "error": f"读取{label}失败：{_reason(future)}。请检查配置后重试。"}
            )
            continue
        collected = future.result()
        pending += with_mail_opened(collected.pending, scratch / f"source-{index}", now, results)
        for skipped in collected.unreadable:
            results.append(
                {
                    "package": f"{label}：{printable(skipped.item)}",
                    "error": f"本次无法读取（{skipped.reason}），已跳过，下次运行时会再试；其余作品照常处理。",
                }
            )
    return pending


def _ingest_all(pending: list[Pending], scratch: Path, results: list[dict[str, Any]]) -> list[IngestOutcome]:
    """Every package read concurrently (on the task runner), then recorded one at a time in the order
    received, so that a reply finds the work its first mail made in the same batch; one that fails
    is a result."""
    analysing = [(p, analyse_package_task.submit(p, scratch / f"p{i}")) for i, p in enumerate(pending)]
    analysed: list[tuple[Pending, Analysis]] = []
    for waiting, future in analysing:
        future.wait()
        if future.state.is_completed():
            analysed.append((waiting, future.result()))
        else:
            results.append(_failed_package(waiting, future))
    outcomes: list[IngestOutcome] = []
    for waiting, analysis in sorted(analysed, key=lambda pair: _received_order(pair[0])):
        recorded = ingest_package_task.submit(waiting, analysis)
        recorded.wait()
        if recorded.state.is_completed():
            outcomes.append(recorded.result())
        else:
            results.append(_failed_package(waiting, recorded))
    return outcomes


def _received_order(pending: Pending) -> datetime:
    return pending.package.received_at.astimezone(UTC)


def _failed_package(pending: Pending, future: Any) -> dict[str, Any]:
    return {
        "package": pending.package.name,
        "error": f"处理失败：{_reason(future)}。原件未改动，可稍后重试。",
    }


def _screen_all(
    outcomes: list[IngestOutcome],
    settings: Settings,
    *,
    screen: bool,
    resume_unfinished: bool,
    results: list[dict[str, Any]],
) -> None:
    """Screen (or, without `screen`, only judge) each submission a package made or added to; a
    package seen before is a duplicate unless its submission was left unfinished, which is then
    resumed. Only videos not screened yet are screened: a supplement or a resend without a new video
    is judged again in seconds. With `resume_unfinished` (the nightly run) every other unfinished
    submission is finished too."""
    with catalogue_session(settings) as session:
        unfinished = set(unfinished_submissions(session))
    for outcome in outcomes:
        if outcome.refused:  # not a package at all: no work, no 受理编号
            results.append({"package": outcome.package, "error": outcome.refused, "intake": "not_a_work"})
            continue
        resumed = outcome.duplicate and screen and outcome.submission_id in unfinished
        if outcome.duplicate and not resumed:
            results.append({"package": outcome.package, "duplicate": True, "id": outcome.submission_id})
            continue
        to_screen = screen and outcome.submission_id in unfinished
        unfinished.discard(outcome.submission_id)
        status: dict[str, Any] = (
            screen_submission(outcome.submission_id)
            if to_screen or (screen and outcome.created)
            else finish_submission_task(outcome.submission_id)
        )
        intake = {"intake": outcome.kind} if outcome.kind else {}
        results.append(
            {"package": outcome.package, **status, **intake, **({"resumed": True} if resumed else {})}
        )
    if resume_unfinished:
        for submission_id in sorted(unfinished):
            status = screen_submission(submission_id)
            results.append(
                {"package": status.get("package_name") or submission_id, **status, "resumed": True}
            )


def _reason(future: Any) -> str:
    """Why a task failed, for people: the real cause when it is one they can act on."""
    try:
        future.result()
    except Exception as exc:
        log.warning("task failed: %s: %s", type(exc).__name__, exc)
        return cause(exc) or "处理时出错（详情见运行日志）"
    return "未知原因"
