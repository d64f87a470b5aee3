"""The intake flow: packages from paths or the configured sources → catalogue → screening → verdict.

Orchestration only: each step is a function of `tasks.submissions.intake` (which the command line
calls too). One task per package; I/O tasks retry; a package that still fails is reported and the
batch goes on.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from prefect import flow, task
from pydantic import SecretStr

from flows.retries import IO_RETRIES
from flows.screen import configured_screen_video
from tasks.catalogue.db import open_catalogue
from tasks.catalogue.submissions import IngestOutcome
from tasks.config import Settings, get_settings
from tasks.failures import cause
from tasks.intake.package import Analysis, analyse
from tasks.intake.received import parse_stated_time
from tasks.rules import DEFAULT_RULES
from tasks.scratch import scratch_folder
from tasks.submissions import intake as service
from tasks.submissions.intake import Collected, Pending, Result, Unscreened

log = logging.getLogger(__name__)


@task(name="analyse-package", **IO_RETRIES)
def analyse_package_task(pending: Pending, scratch: Path) -> Analysis:
    """Unpack and read one package (a fresh scratch folder per attempt, so a retry starts clean)."""
    attempt = scratch / uuid.uuid4().hex[:8]
    return analyse(pending.package, attempt, DEFAULT_RULES)


@task(name="ingest-package", **IO_RETRIES)
def ingest_package_task(pending: Pending, analysis: Analysis) -> IngestOutcome:
    """Store and record one analysed package: a new work, or a supplement or resend of its work."""
    return service.record_package(get_settings(), pending, analysis)


@task(name="finish-submission", **IO_RETRIES)
def finish_submission_task(submission_id: str) -> Result:
    """State and verdict from the stages that have completed, and the 回执 written beside the catalogue
    (a task's result is JSON: the flow's results are what `ingest --json` prints)."""
    return service.finish_submission(get_settings(), submission_id)


@task(name="fetch-unscreened", **IO_RETRIES)
def fetch_unscreened_task(submission_id: str, scratch: Path) -> Unscreened:
    return service.fetch_unscreened(get_settings(), submission_id, scratch)


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


@task(name="collect-drop-folder", **IO_RETRIES)
def collect_drop_folder_task(folder: Path) -> Collected:
    return service.collect_drop_folder(get_settings(), folder)


@task(name="collect-inbox-bucket", **IO_RETRIES)
def collect_inbox_task(scratch: Path) -> Collected:
    return service.collect_inbox(get_settings(), scratch)


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
    password = secret_setting(settings.imap_password, settings.imap_password_block) or ""
    return service.collect_mailbox(settings, scratch, password)


@flow(name="intake")
def intake(
    paths: list[Path] | None = None,
    for_submission: str | None = None,
    sources: bool = False,
    screen: bool = True,
    received_at: str | datetime | None = None,
    received_set_by: str | None = None,
) -> list[Result]:
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
        pending, results = service.packages_from_paths(
            [Path(p) for p in paths or []], for_submission, now=now
        )
        pending = service.with_mail_opened(pending, scratch / "mail", now, results)
        if stated_at is not None:
            service.state_received(pending, stated_at, received_set_by or settings.operator_name)
        if sources:
            pending += _collect_sources(settings, scratch, now, results)
        outcomes = _ingest_all(pending, scratch, results)
        _screen_all(outcomes, settings, screen=screen, resume_unfinished=sources and screen, results=results)
    _publish_run(results)
    return results


def _publish_run(results: list[Result]) -> None:
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
    settings: Settings, scratch: Path, now: datetime, results: list[Result]
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
            results.append(service.source_failed(label, _reason(future)))
            continue
        collected = future.result()
        pending += service.with_mail_opened(collected.pending, scratch / f"source-{index}", now, results)
        results += service.unreadable_results(label, collected)
    return pending


def _ingest_all(pending: list[Pending], scratch: Path, results: list[Result]) -> list[IngestOutcome]:
    """Every package read concurrently (on the task runner), then recorded one at a time in the order
    received; one that fails is a result."""
    analysing = [(p, analyse_package_task.submit(p, scratch / f"p{i}")) for i, p in enumerate(pending)]
    analysed: list[tuple[Pending, Analysis]] = []
    for waiting, future in analysing:
        future.wait()
        if future.state.is_completed():
            analysed.append((waiting, future.result()))
        else:
            results.append(service.failed_package(waiting, _reason(future)))
    outcomes: list[IngestOutcome] = []
    for waiting, analysis in sorted(analysed, key=lambda pair: service.received_order(pair[0])):
        recorded = ingest_package_task.submit(waiting, analysis)
        recorded.wait()
        if recorded.state.is_completed():
            outcomes.append(recorded.result())
        else:
            results.append(service.failed_package(waiting, _reason(recorded)))
    return outcomes


def _screen_all(
    outcomes: list[IngestOutcome],
    settings: Settings,
    *,
    screen: bool,
    resume_unfinished: bool,
    results: list[Result],
) -> None:
    """Screen (or only judge) each work a package made or added to (`service.next_step`); with
    `resume_unfinished` (the nightly run) every other unfinished work is finished too."""
    unfinished = set(service.unfinished(settings))
    for outcome in outcomes:
        step = service.next_step(outcome, unfinished, screen=screen)
        if step.answer is not None:
            results.append(step.answer)
            continue
        status = (
            screen_submission(outcome.submission_id)
            if step.screen
            else finish_submission_task(outcome.submission_id)
        )
        results.append(service.step_result(outcome, step, status))
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
