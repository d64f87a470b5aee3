"""Publication flow: orchestration only (retries on transcodes and uploads, a progress artifact);
what is published and how lives in tasks/publish."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.context import get_run_context

from flows.retries import IO_RETRIES
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.config import get_settings
from tasks.failures import cause
from tasks.publish import records
from tasks.publish.guard import entry_texts, held_sentence, leaks
from tasks.publish.manifest import PLATFORMS
from tasks.publish.poster import PosterError
from tasks.publish.renditions import RenditionProfile, TranscodeError
from tasks.publish.selection import approved_tiers, public_order
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
from tasks.publish.work import (
    WorkSource,
    entry_fingerprint,
    entry_keys,
    episode_fingerprint,
    episode_prefix,
    work_entry,
)
from tasks.scratch import scratch_folder
from tasks.store import open_store

log = logging.getLogger(__name__)

# The manifests' `updated_at` before anything was ever published (a fixed value keeps them stable).
NEVER = datetime(2026, 1, 1, tzinfo=UTC)


def _run_id() -> str | None:
    context = get_run_context()
    run = getattr(context, "flow_run", None)
    return str(run.id) if run else None


@dataclass(slots=True)
class Selection:
    """What one publish run works from (read from the catalogue in one go)."""

    works: list[WorkSource]  # to (re)render this run
    problems: list[str]
    public: list[str]  # the latest approved list, in its order and tiers: the public set
    tiers: dict[str, str]
    numbers: dict[str, str | None]
    previous: dict[str, dict[str, Any]]  # published now: {"entry", "keys", "withdrawn", "title"}
    last_change: datetime | None


@task(name="select-works", **IO_RETRIES)
def select_task(submission_ids: list[str] | None) -> Selection:
    """The public set (the latest approved list), the works to render (all of it, or the named
    ones that are on it), and what is published now."""
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        public = public_order(session)
        tiers = approved_tiers(session)
        wanted = public if submission_ids is None else list(dict.fromkeys(submission_ids))
        works, problems = [], []
        for submission_id in wanted:
            work = records.load_work(session, submission_id, settings.bucket_originals)
            if work is None:
                problems.append(f"找不到受理编号为 {submission_id} 的作品")
            elif submission_id not in public:
                problems.append(f"《{work.credits.title}》不在最新批准的优秀作品名单中，未发布")
            elif not work.withdrawn:
                works.append(work)
        numbers = {sid: records.judging_number(session, sid) for sid in public}
        previous = {
            row.submission_id: {
                "entry": row.entry,
                "keys": list(row.keys) or entry_keys(row.entry),
                "withdrawn": records.is_withdrawn(session, row.submission_id),
            }
            for row in records.published(session)
        }
        return Selection(works, problems, public, tiers, numbers, previous, records.last_change(session))


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


@task(name="write-site", tags=["store"], **IO_RETRIES)
def site_task(entries: list[dict[str, Any]], updated_at: datetime) -> list[str]:
    """The manifests and the page naming exactly `entries` (the public set, in its order)."""
    settings = get_settings()
    return write_site(open_store(settings), settings.bucket_published, entries, updated_at=updated_at)


@task(name="record-publication", **IO_RETRIES)
def record_task(published: dict[str, tuple[dict[str, Any], list[str]]], taken_down: list[str]) -> None:
    """After the site is written: record what is public now and what was taken down."""
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        for submission_id, (entry, keys) in published.items():
            records.save_publication(
                session, submission_id, entry, keys, now=settings.now(), flow_run_id=_run_id()
            )
        for submission_id in taken_down:
            row = records.get_publication(session, submission_id)
            if row is not None:
                records.mark_withdrawn(session, row, now=settings.now())


@task(name="remove-files", tags=["store"], **IO_RETRIES)
def remove_task(keys: list[str]) -> list[str]:
    """Files no page or manifest points at any more (taken-down works, replaced episodes)."""
    settings = get_settings()
    return remove_keys(open_store(settings), settings.bucket_published, keys)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _publish_work(
    work: WorkSource,
    previous: dict[str, Any] | None,
    scratch: Path,
    profile: RenditionProfile,
    notes: list[str],
) -> tuple[dict[str, Any], list[str], list[str], list[str]]:
    """One work: reuse what is published under the same fingerprints, render and upload the rest.
    Returns (manifest entry, its keys, keys written, the subtitle texts it publishes); a sentence
    per episode whose subtitles are held goes to `notes`."""
    settings = get_settings()
    store = open_store(settings)
    episodes, written, texts = [], [], []
    for index, source in enumerate(work.episodes):
        number = index + 1
        vtt, chosen = read_cues(store, source, work.script_text)
        if chosen is not None and chosen.held:
            notes.append(
                f"《{work.credits.title}》第{number}集字幕暂不发布：{chosen.held}"
                f"（guangying subtitles {work.submission_id[:10]} --show）"
            )
            print(notes[-1])
        texts += [c.text for c in chosen.cues] if vtt and chosen else []
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
    return entry, entry_keys(entry), written, texts


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


def _listed(entry: dict[str, Any], tier: str | None, number: str | None) -> dict[str, Any]:
    """A published entry with the tier and 评审编号 of the latest list."""
    return {**entry, "tier": tier, "number": number}


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
    fresh: dict[str, tuple[dict[str, Any], list[str]]] = {}
    held: list[str] = []
    held_ids: set[str] = set()
    notes: list[str] = []
    with scratch_folder(settings.data_dir, "publish") as scratch:
        for done, work in enumerate(chosen.works, 1):
            title = f"《{work.credits.title}》"
            previous = chosen.previous.get(work.submission_id)
            if not work.episodes:
                problems.append(f"{title}没有视频文件，未发布")
                continue
            # Credits first (nothing is rendered for a work that is held), then everything it publishes.
            credits = {**work.credits.to_json(), "ai_label": work.ai_label.to_json()}
            reasons = leaks(entry_texts(credits), contact=work.contact, phone=work.phone)
            if reasons:
                problems.append(held_sentence(work.credits.title, reasons))
                held.append(work.credits.title)
                held_ids.add(work.submission_id)
                continue
            try:
                entry, keys, written, texts = _publish_work(work, previous, scratch, profile, notes)
            except (PublishError, TranscodeError, PosterError) as exc:
                problems.append(f"{title}未发布：{exc}")
                continue
            except Exception as exc:  # the batch goes on; the log keeps the details
                log.exception("publishing %s failed", work.submission_id)
                problems.append(f"{title}未发布：{cause(exc) or '处理时出错（详情见运行日志）'}")
                continue
            reasons = leaks(entry_texts(entry, texts), contact=work.contact, phone=work.phone)
            if reasons:
                problems.append(held_sentence(work.credits.title, reasons))
                held.append(work.credits.title)
                held_ids.add(work.submission_id)
                remove_task(written)  # nothing points at them
                continue
            uploaded += written
            fresh[work.submission_id] = (entry, keys)
            update_progress_artifact(
                progress,
                progress=100.0 * done / max(1, len(chosen.works)),
                description=f"已处理 {done}/{len(chosen.works)}：{title}",
            )

    # The public set: the list's works with a new entry, or their published one (not re-rendered
    # this run, or failed this time for a passing reason); withdrawn and held works are left out.
    site: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for sid in chosen.public:
        tier, number = chosen.tiers.get(sid), chosen.numbers.get(sid)
        if sid in fresh:
            site[sid] = (_listed(fresh[sid][0], tier, number), fresh[sid][1])
        elif sid in chosen.previous and sid not in held_ids and not chosen.previous[sid]["withdrawn"]:
            old = chosen.previous[sid]
            site[sid] = (_listed(old["entry"], tier, number), old["keys"])
    taken_down = [sid for sid in chosen.previous if sid not in site]
    changed = bool(taken_down) or any(
        sid not in chosen.previous
        or entry_fingerprint(entry) != entry_fingerprint(chosen.previous[sid]["entry"])
        for sid, (entry, _) in site.items()
    )
    updated_at = settings.now() if changed else _aware(chosen.last_change or NEVER)
    try:
        uploaded += site_task([entry for entry, _ in site.values()], updated_at)
    except Exception as exc:
        log.exception("writing the site failed")
        problems.append(
            f"展播页面和各平台清单未能写入（{cause(exc) or type(exc).__name__}），本次没有作品记为已发布，"
            "已公开的内容保持不变；请稍后重新发布"
        )
        return _report(settings, [], uploaded, [], [], held, problems, notes)

    record_task(site, taken_down)
    stale: list[str] = []
    for sid, (_, keys) in site.items():
        stale += [k for k in (chosen.previous.get(sid) or {}).get("keys", []) if k not in keys]
    for sid in taken_down:
        stale += chosen.previous[sid]["keys"]
    live = {k for _, keys in site.values() for k in keys}
    removed = remove_task([k for k in dict.fromkeys(stale) if k not in live])

    for sid, (entry, keys) in site.items():
        if sid not in fresh:
            continue
        before = chosen.previous.get(sid)
        if before is None:
            state = "已发布"
        elif entry_fingerprint(entry) != entry_fingerprint(before["entry"]):
            state = "已更新"
        else:
            state = "未变"
        new = len([k for k in keys if k in uploaded])
        print(
            f"{state}《{entry['title']}》（{entry.get('tier') or '未定等次'}）：{len(keys)}个文件，新上传{new}个"
        )
    titles = []
    for sid in taken_down:
        title = str(chosen.previous[sid]["entry"].get("title") or sid)
        why = (
            "已撤回"
            if chosen.previous[sid]["withdrawn"]
            else ("暂不发布" if sid in held_ids else "不在最新批准的名单中")
        )
        print(f"已撤下《{title}》：{why}")
        titles.append(title)
    update_progress_artifact(progress, progress=100.0, description=f"展播发布完成：{len(site)}件")
    rendered = [sid for sid in site if sid in fresh]
    return _report(settings, rendered, uploaded, removed, titles, held, problems, notes)


def _report(
    settings: Any,
    rendered: list[str],
    uploaded: list[str],
    removed: list[str],
    taken_down: list[str],
    held: list[str],
    problems: list[str],
    notes: list[str],
) -> dict[str, Any]:
    store = open_store(settings)

    def where(key: str) -> str:
        return locate(store, settings.bucket_published, key)

    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        entries = {row.submission_id: row.entry for row in records.published(session)}
    return {
        "works": [result_line(entries[sid], where) for sid in rendered if sid in entries],
        "uploaded": uploaded,
        "removed": removed,
        "taken_down": taken_down,
        "held": held,
        "problems": problems,
        "notes": notes,
        "page": where("index.html"),
    }
