"""Publication flow: orchestration only (retries on transcodes and uploads, a progress artifact);
what is published and how lives in tasks/publish."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.context import get_run_context
from prefect.tasks import exponential_backoff

from tasks.catalogue.db import open_catalogue, session_scope
from tasks.config import get_settings
from tasks.failures import cause
from tasks.publish import records
from tasks.publish.manifest import PLATFORMS
from tasks.publish.poster import PosterError
from tasks.publish.renditions import RenditionProfile, TranscodeError
from tasks.publish.selection import approved_submission_ids
from tasks.publish.steps import (
    PublishError,
    RenderedEpisode,
    fetch_original,
    locate,
    read_cues,
    remove_keys,
    render_episode,
    reusable_episode,
    upload_episode,
    write_site,
)
from tasks.publish.work import WorkSource, entry_keys, episode_fingerprint, episode_prefix, work_entry
from tasks.scratch import scratch_folder
from tasks.store import open_store

log = logging.getLogger(__name__)

# The manifests' `updated_at` before anything was ever published (a fixed value keeps them stable).
NEVER = datetime(2026, 1, 1, tzinfo=UTC)
IO_RETRIES: dict[str, Any] = {"retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=2)}


def _run_id() -> str | None:
    context = get_run_context()
    run = getattr(context, "flow_run", None)
    return str(run.id) if run else None


@task(name="select-works", **IO_RETRIES)
def select_task(submission_ids: list[str] | None) -> tuple[list[WorkSource], list[str], dict[str, Any]]:
    """The works to publish (the approved list when no ids are given), the ids not found, and
    what was published of each before."""
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        ids = list(submission_ids) if submission_ids is not None else approved_submission_ids(session)
        works, missing, previous = [], [], {}
        for submission_id in dict.fromkeys(ids):
            work = records.load_work(session, submission_id, settings.bucket_originals)
            if work is None:
                missing.append(submission_id)
                continue
            works.append(work)
            row = records.get_publication(session, submission_id)
            if row is not None and row.state == "published":
                previous[submission_id] = {"entry": row.entry, "keys": list(row.keys)}
        return works, missing, previous


@task(name="fetch-original", tags=["store"], **IO_RETRIES)
def fetch_task(work: WorkSource, index: int, scratch: Path) -> Path:
    settings = get_settings()
    return fetch_original(open_store(settings), work.episodes[index], scratch)


@task(name="transcode", tags=["ffmpeg", "transcode"], retries=1, retry_delay_seconds=10)
def transcode_task(
    original: Path, scratch: Path, profile: RenditionProfile, avoid: list[tuple[float, float]]
) -> RenderedEpisode:
    return render_episode(original, scratch, profile, avoid)


@task(name="upload-episode", tags=["store"], **IO_RETRIES)
def upload_task(
    prefix: str, rendered: RenderedEpisode, number: int, vtt: str | None, chosen: Any
) -> tuple[dict[str, Any], list[str]]:
    settings = get_settings()
    return upload_episode(
        open_store(settings), settings.bucket_published, prefix, rendered, number, vtt, chosen
    )


@task(name="record-publication", **IO_RETRIES)
def record_task(submission_id: str, entry: dict[str, Any], keys: list[str], stale: list[str]) -> list[str]:
    """Record the work as published, then remove the files of episodes it no longer has."""
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        records.save_publication(
            session, submission_id, entry, keys, now=settings.now(), flow_run_id=_run_id()
        )
    return remove_keys(open_store(settings), settings.bucket_published, stale)


@task(name="unpublish", tags=["store"], **IO_RETRIES)
def unpublish_task() -> list[str]:
    """Take down every published work whose submission was withdrawn; returns the keys removed."""
    settings = get_settings()
    store = open_store(settings)
    removed: list[str] = []
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        for row in records.withdrawn_publications(session):
            removed += remove_keys(store, settings.bucket_published, list(row.keys) or entry_keys(row.entry))
            records.mark_withdrawn(session, row, now=settings.now())
    return removed


@task(name="write-site", tags=["store"], **IO_RETRIES)
def site_task() -> list[str]:
    """The manifests and the page of everything published now, checked against the contact
    persons and phone numbers of every published work's forms."""
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        rows = records.published(session)
        entries = [row.entry for row in rows]
        private = records.private_values(session, [row.submission_id for row in rows])
        times = [r.published_at for r in rows]
        times += [r.withdrawn_at for r in records.all_publications(session) if r.withdrawn_at]
    updated_at = max((_aware(t) for t in times), default=NEVER)
    return write_site(
        open_store(settings), settings.bucket_published, entries, updated_at=updated_at, private=private
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _publish_work(
    work: WorkSource, previous: dict[str, Any] | None, scratch: Path, profile: RenditionProfile
) -> tuple[dict[str, Any], list[str], list[str]]:
    """One work: reuse what is published under the same fingerprints, render and upload the rest.
    Returns (manifest entry, its keys, keys written)."""
    settings = get_settings()
    store = open_store(settings)
    episodes, written = [], []
    for index, source in enumerate(work.episodes):
        number = index + 1
        vtt, chosen = read_cues(store, source)
        prefix = episode_prefix(work.slug, episode_fingerprint(source, profile, vtt))
        episode = reusable_episode(store, settings.bucket_published, (previous or {}).get("entry"), prefix)
        if episode is None:
            folder = scratch / f"{work.slug}-{number}"
            original = fetch_task(work, index, folder)
            rendered = transcode_task(original, folder, profile, source.avoid)
            episode, keys = upload_task(prefix, rendered, number, vtt, chosen)
            written += keys
            shutil.rmtree(folder, ignore_errors=True)
        episodes.append({**episode, "episode": number})
    entry = work_entry(work, episodes)
    return entry, entry_keys(entry), written


def result_line(entry: dict[str, Any], store_locate: Any) -> dict[str, Any]:
    """What `guangying publish --json` prints for a published work."""
    return {
        "work": entry["id"],
        "number": entry.get("number"),
        "title": entry["title"],
        "renditions": [
            {
                "episode": e["episode"],
                "name": r["name"],
                "width": r["width"],
                "height": r["height"],
                "path_or_key": store_locate(r["key"]),
            }
            for e in entry["episodes"]
            for r in e["renditions"]
        ],
        "poster": store_locate(entry["poster"]["key"]),
        "subtitles": [store_locate(s["key"]) for e in entry["episodes"] for s in e.get("subtitles") or []],
        "manifests": [store_locate(p.key) for p in PLATFORMS],
        "ai_label": entry["ai_label"],
    }


@flow(name="publish", log_prints=True)
def publish(submission_ids: list[str] | None = None, preset: str | None = None) -> dict[str, Any]:
    """Publish the approved works (or `submission_ids`): renditions, posters, subtitles, manifests,
    the showcase page; take withdrawn works down. Idempotent: an unchanged work uploads nothing.

    Returns {"works": [one result per published work], "uploaded": keys, "removed": keys,
    "problems": [Chinese sentences], "page": path or key}."""
    settings = get_settings()
    profile = RenditionProfile() if preset is None else replace(RenditionProfile(), preset=preset)
    works, missing, previous = select_task(submission_ids)
    problems = [f"找不到受理编号为 {sid} 的作品" for sid in missing]
    live = [w for w in works if not w.withdrawn]
    progress = cast(  # a sync flow: the artifact's id, not a coroutine
        UUID,
        create_progress_artifact(0.0, key="publish-progress", description=f"展播发布：共{len(live)}件作品"),
    )
    uploaded: list[str] = []
    published_ids: list[str] = []
    with scratch_folder(settings.data_dir, "publish") as scratch:
        for done, work in enumerate(live, 1):
            title = f"《{work.credits.title}》"
            if not work.episodes:
                problems.append(f"{title}没有视频文件，未发布")
                continue
            try:
                entry, keys, written = _publish_work(work, previous.get(work.submission_id), scratch, profile)
            except (PublishError, TranscodeError, PosterError) as exc:
                problems.append(f"{title}未发布：{exc}")
                continue
            except Exception as exc:  # the batch goes on; the log keeps the details
                log.exception("publishing %s failed", work.submission_id)
                problems.append(f"{title}未发布：{cause(exc) or '处理时出错（详情见运行日志）'}")
                continue
            old_keys = (previous.get(work.submission_id) or {}).get("keys") or []
            stale = [k for k in old_keys if k not in keys]
            removed_stale = record_task(work.submission_id, entry, keys, stale)
            uploaded += written
            published_ids.append(work.submission_id)
            print(
                f"已发布{title}：{len(keys)}个文件，新上传{len(written)}个，移除旧文件{len(removed_stale)}个"
            )
            update_progress_artifact(
                progress,
                progress=100.0 * done / max(1, len(live)),
                description=f"已发布 {done}/{len(live)}：{title}",
            )
    removed = unpublish_task()
    uploaded += site_task()
    update_progress_artifact(progress, progress=100.0, description=f"展播发布完成：{len(published_ids)}件")
    store = open_store(settings)

    def where(key: str) -> str:
        return locate(store, settings.bucket_published, key)

    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        entries = {row.submission_id: row.entry for row in records.published(session)}
    lines = [result_line(entries[sid], where) for sid in published_ids if sid in entries]
    return {
        "works": lines,
        "uploaded": uploaded,
        "removed": removed,
        "problems": problems,
        "page": where("index.html"),
    }
