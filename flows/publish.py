"""Publication flow: orchestration only (retries on transcodes and uploads, a progress artifact);
what is published and how lives in tasks/publish."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.context import get_run_context

from flows.retries import IO_RETRIES
from tasks.config import get_settings
from tasks.failures import cause
from tasks.publish import service
from tasks.publish.renditions import RenditionProfile
from tasks.publish.service import Published, Selection
from tasks.publish.steps import (
    RenderedEpisode,
    fetch_original,
    remove_keys,
    render_episode,
    upload_episode,
    write_site,
)
from tasks.publish.viewing import fetch_viewing_copy
from tasks.publish.work import WorkSource
from tasks.scratch import scratch_folder
from tasks.store import open_store

log = logging.getLogger(__name__)


def _run_id() -> str | None:
    context = get_run_context()
    run = getattr(context, "flow_run", None)
    return str(run.id) if run else None


@task(name="select-works", **IO_RETRIES)
def select_task(submission_ids: list[str] | None) -> Selection:
    return service.select_works(get_settings(), submission_ids)


@task(name="fetch-original", tags=["store"], **IO_RETRIES)
def fetch_task(work: WorkSource, index: int, scratch: Path) -> Path:
    settings = get_settings()
    return fetch_original(open_store(settings), work.episodes[index], scratch)


@task(name="fetch-viewing-copy", tags=["store"], **IO_RETRIES)
def fetch_viewing_task(work: WorkSource, index: int, profile: RenditionProfile, scratch: Path) -> list[Path]:
    """The experts' 720p viewing copy of this episode, when packets made it with these settings."""
    settings = get_settings()
    episode = work.episodes[index]
    return fetch_viewing_copy(
        open_store(settings), settings.bucket_evidence, episode.sha256, profile, scratch
    )


@task(name="transcode", tags=["ffmpeg", "transcode"], retries=1, retry_delay_seconds=10)
def transcode_task(
    original: Path,
    scratch: Path,
    profile: RenditionProfile,
    avoid: list[tuple[float, float]],
    encoded: list[Path],
) -> RenderedEpisode:
    return render_episode(original, scratch, profile, avoid, encoded)


@task(name="upload-episode", tags=["store"], **IO_RETRIES)
def upload_task(
    prefix: str, rendered: RenderedEpisode, number: int, vtt: str | None, chosen: Any
) -> tuple[dict[str, Any], list[str]]:
    settings = get_settings()
    return upload_episode(
        open_store(settings), settings.bucket_published, prefix, rendered, number, vtt, chosen
    )


@task(name="write-site", tags=["store"], **IO_RETRIES)
def site_task(entries: list[dict[str, Any]], updated_at: datetime) -> list[str]:
    """The manifests and the page naming exactly `entries` (the public set, in its order)."""
    settings = get_settings()
    return write_site(open_store(settings), settings.bucket_published, entries, updated_at=updated_at)


@task(name="record-publication", **IO_RETRIES)
def record_task(published: Published, taken_down: list[str]) -> None:
    service.record_publication(get_settings(), published, taken_down, _run_id())


@task(name="remove-files", tags=["store"], **IO_RETRIES)
def remove_task(keys: list[str]) -> list[str]:
    """Files no page or manifest points at any more (taken-down works, replaced episodes)."""
    settings = get_settings()
    return remove_keys(open_store(settings), settings.bucket_published, keys)


STEPS = service.PublishSteps(
    fetch=fetch_task,
    fetch_viewing=fetch_viewing_task,
    transcode=transcode_task,
    upload=upload_task,
    remove=remove_task,
)


@flow(name="publish", log_prints=True)
def publish(submission_ids: list[str] | None = None, preset: str | None = None) -> dict[str, Any]:
    """Make the public set the latest approved list: render and upload its works (or only the named
    ones), check each against its own contact details, write the manifests and the page naming
    exactly the list's works in its order and tiers, then record them as published and take down
    what left the list (or was withdrawn). Idempotent: an unchanged list uploads nothing.

    Returns {"works": [one result per work rendered and public], "uploaded": keys, "removed": keys,
    "taken_down": titles, "held": titles, "problems": [Chinese sentences], "notes": [subtitles held],
    "page": path or key}."""
    settings = get_settings()
    profile = RenditionProfile() if preset is None else replace(RenditionProfile(), preset=preset)
    chosen = select_task(submission_ids)
    problems = list(chosen.problems)
    progress = cast(  # a sync flow: the artifact's id, not a coroutine
        UUID,
        create_progress_artifact(
            0.0, key="publish-progress", description=f"展播发布：共{len(chosen.works)}件作品"
        ),
    )
    uploaded: list[str] = []
    fresh: Published = {}
    held: list[str] = []
    held_ids: set[str] = set()
    notes: list[str] = []
    with scratch_folder(settings.data_dir, "publish") as scratch:
        for done, work in enumerate(chosen.works, 1):
            previous = chosen.previous.get(work.submission_id)
            outcome = service.publish_work(settings, work, previous, scratch, profile, STEPS)
            for note in outcome.notes:
                print(note)
            notes += outcome.notes
            if outcome.held:
                held.append(work.credits.title)
                held_ids.add(work.submission_id)
            if outcome.problem is not None:
                problems.append(outcome.problem)
            if outcome.problem is not None or outcome.entry is None:
                continue
            uploaded += outcome.written
            fresh[work.submission_id] = (outcome.entry, outcome.keys)
            update_progress_artifact(
                progress,
                progress=100.0 * done / max(1, len(chosen.works)),
                description=f"已处理 {done}/{len(chosen.works)}：《{work.credits.title}》",
            )

    plan = service.plan_site(chosen, fresh, held_ids, settings.now())
    try:
        uploaded += site_task([entry for entry, _ in plan.site.values()], plan.updated_at)
    except Exception as exc:
        log.exception("writing the site failed")
        problems.append(
            f"展播页面和各平台清单未能写入（{cause(exc) or type(exc).__name__}），本次没有作品记为已发布，"
            "已公开的内容保持不变；请稍后重新发布"
        )
        return service.run_report(settings, [], uploaded, [], [], held, problems, notes)

    record_task(plan.site, plan.taken_down)
    removed = remove_task(service.stale_keys(chosen, plan))
    lines, titles = service.change_lines(chosen, plan, fresh, uploaded, held_ids)
    for line in lines:
        print(line)
    update_progress_artifact(progress, progress=100.0, description=f"展播发布完成：{len(plan.site)}件")
    rendered = [sid for sid in plan.site if sid in fresh]
    return service.run_report(settings, rendered, uploaded, removed, titles, held, problems, notes)
