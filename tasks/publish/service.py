"""Publication over the catalogue and the object store, shared by the `publish` flow and the CLI.

Each function does one step of a publish run and returns plain values; the flow (flows/publish.py)
orders them and wraps the I/O in Prefect tasks with retries, which it hands in as `PublishSteps`.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks.catalogue.db import catalogue_session
from tasks.catalogue.ids import id_matches
from tasks.config import Settings
from tasks.failures import cause
from tasks.publish import records, subtitles
from tasks.publish.guard import entry_texts, held_sentence, leaks
from tasks.publish.manifest import PLATFORMS
from tasks.publish.poster import PosterError
from tasks.publish.renditions import RenditionProfile, TranscodeError
from tasks.publish.selection import approved_tiers, public_order
from tasks.publish.steps import PublishError, RenderedEpisode, locate, read_cues, reusable_episode
from tasks.publish.webvtt import ChosenCues
from tasks.publish.work import (
    WorkSource,
    entry_fingerprint,
    entry_keys,
    episode_fingerprint,
    episode_prefix,
    work_entry,
)
from tasks.store import ObjectStore, open_store
from tasks.subtitles.model import Cue

log = logging.getLogger(__name__)

# The manifests' `updated_at` before anything was ever published (a fixed value keeps them stable).
NEVER = datetime(2026, 1, 1, tzinfo=UTC)

Published = dict[str, tuple[dict[str, Any], list[str]]]  # submission id → (manifest entry, its keys)


def resolve_submissions(settings: Settings, prefixes: Sequence[str]) -> tuple[list[str], list[str]]:
    """Full submission ids for the given prefixes (one query each, at most two rows), and a Chinese
    sentence for each prefix that names no work or several."""
    ids, errors = [], []
    with catalogue_session(settings) as session:
        for prefix in prefixes:
            matches = id_matches(session, prefix, limit=2)
            if len(matches) == 1:
                ids.append(matches[0].id)
            else:
                errors.append(f"找不到唯一的受理编号“{prefix}”（匹配{len(matches)}件）")
    return ids, errors


# Subtitles (`guangying subtitles`) ------------------------------------------------------------


def subtitle_episodes(
    settings: Settings, submission_id: str, episode: int | None = None
) -> list[subtitles.EpisodeCues]:
    """The work's episodes (or episode `episode` alone; none when it has no such episode) with the
    cues publication uses and would use without an approval. Raises subtitles.SubtitleError."""
    with catalogue_session(settings) as session:
        found = subtitles.episodes(session, open_store(settings), submission_id, settings.bucket_originals)
    return [e for e in found if episode is None or e.number == episode]


def approve_subtitles(settings: Settings, file_id: str, cues: Sequence[Cue], by: str, origin: str) -> None:
    """Record `cues` as the episode's published subtitles, with who and when (`origin`: 候选字幕 or
    the corrected file's name). Raises subtitles.SubtitleError."""
    with catalogue_session(settings) as session:
        subtitles.approve(session, file_id, cues, by=by, at=settings.now(), origin=origin)


def revoke_subtitles(settings: Settings, file_id: str) -> bool:
    """Take an approval back; True if there was one."""
    with catalogue_session(settings) as session:
        return subtitles.revoke(session, file_id)


# Selection -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Selection:
    """What one publish run works from (read from the catalogue in one go)."""

    works: list[WorkSource]  # to (re)render this run
    problems: list[str]
    public: list[str]  # the latest approved list, in its order and tiers: the public set
    tiers: dict[str, str]
    numbers: dict[str, str | None]
    previous: dict[str, dict[str, Any]]  # published now: {"entry", "keys", "withdrawn"}
    last_change: datetime | None


def select_works(settings: Settings, submission_ids: Sequence[str] | None) -> Selection:
    """The public set (the latest approved list), the works to render (all of it, or the named
    ones that are on it), and what is published now."""
    with catalogue_session(settings) as session:
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


# One work --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishSteps:
    """The I/O of one work, as the flow wraps it (Prefect tasks with retries)."""

    fetch: Callable[[WorkSource, int, Path], Path]
    # The episode's viewing copy made for the experts with this profile's settings ([] if none).
    fetch_viewing: Callable[[WorkSource, int, RenditionProfile, Path], list[Path]]
    transcode: Callable[
        [Path, Path, RenditionProfile, list[tuple[float, float]], list[Path]], RenderedEpisode
    ]
    upload: Callable[
        [str, RenderedEpisode, int, str | None, ChosenCues | None], tuple[dict[str, Any], list[str]]
    ]
    remove: Callable[[list[str]], list[str]]


@dataclass(slots=True)
class WorkOutcome:
    """One work of a run: its new entry and keys, or why not (a Chinese sentence), and whether it is
    held back for personal information (then whatever it uploaded is removed again)."""

    entry: dict[str, Any] | None = None
    keys: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    problem: str | None = None
    held: bool = False
    notes: list[str] = field(default_factory=list)  # episodes whose subtitles are held


def _render_work(
    settings: Settings,
    store: ObjectStore,
    work: WorkSource,
    previous: dict[str, Any] | None,
    scratch: Path,
    profile: RenditionProfile,
    steps: PublishSteps,
    outcome: WorkOutcome,
) -> list[str]:
    """Reuse what is published under the same fingerprints, render and upload the rest; fills
    `outcome` (entry, keys, written, notes) and returns the subtitle texts the work publishes."""
    episodes, texts = [], []
    for index, source in enumerate(work.episodes):
        number = index + 1
        vtt, chosen = read_cues(store, source, work.script_text)
        if chosen is not None and chosen.held:
            outcome.notes.append(
                f"《{work.credits.title}》第{number}集字幕暂不发布：{chosen.held}"
                f"（guangying subtitles {work.submission_id[:10]} --show）"
            )
        texts += [c.text for c in chosen.cues] if vtt and chosen else []
        prefix = episode_prefix(work.slug, episode_fingerprint(source, profile, vtt))
        episode = reusable_episode(store, settings.bucket_published, (previous or {}).get("entry"), prefix)
        if episode is None:
            folder = scratch / f"{work.slug}-{number}"
            original = steps.fetch(work, index, folder)
            encoded = steps.fetch_viewing(work, index, profile, folder)
            rendered = steps.transcode(original, folder, profile, source.avoid, encoded)
            episode, keys = steps.upload(prefix, rendered, number, vtt, chosen)
            outcome.written += keys
            shutil.rmtree(folder, ignore_errors=True)
        episodes.append({**episode, "episode": number})
    outcome.entry = work_entry(work, episodes)
    outcome.keys = entry_keys(outcome.entry)
    return texts


def publish_work(
    settings: Settings,
    work: WorkSource,
    previous: dict[str, Any] | None,
    scratch: Path,
    profile: RenditionProfile,
    steps: PublishSteps,
) -> WorkOutcome:
    """One work: its credits checked against its own contact details first (nothing is rendered for
    a work that is held), then rendered and uploaded, then everything it publishes checked again.
    A failure is a sentence in the outcome: the batch goes on."""
    outcome = WorkOutcome()
    title = f"《{work.credits.title}》"
    if not work.episodes:
        outcome.problem = f"{title}没有视频文件，未发布"
        return outcome
    credits = {**work.credits.to_json(), "ai_label": work.ai_label.to_json()}
    reasons = leaks(entry_texts(credits), contact=work.contact, phone=work.phone)
    if reasons:
        outcome.problem, outcome.held = held_sentence(work.credits.title, reasons), True
        return outcome
    try:
        texts = _render_work(settings, open_store(settings), work, previous, scratch, profile, steps, outcome)
    except (PublishError, TranscodeError, PosterError) as exc:
        outcome.problem = f"{title}未发布：{exc}"
        return outcome
    except Exception as exc:  # the batch goes on; the log keeps the details
        log.exception("publishing %s failed", work.submission_id)
        outcome.problem = f"{title}未发布：{cause(exc) or '处理时出错（详情见运行日志）'}"
        return outcome
    assert outcome.entry is not None
    reasons = leaks(entry_texts(outcome.entry, texts), contact=work.contact, phone=work.phone)
    if reasons:
        outcome.problem, outcome.held = held_sentence(work.credits.title, reasons), True
        steps.remove(outcome.written)  # nothing points at them
    return outcome


# The site --------------------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(slots=True)
class SitePlan:
    site: Published  # the public set, in the list's order, each entry with its tier and 评审编号
    taken_down: list[str]  # published before, not any more
    updated_at: datetime  # now when anything changed, else the last change (the manifests stay the same)


def plan_site(chosen: Selection, fresh: Published, held: set[str], now: datetime) -> SitePlan:
    """The public set: the list's works with a new entry, or their published one (not re-rendered
    this run, or failed this time for a passing reason); withdrawn and held works are left out."""
    site: Published = {}
    for sid in chosen.public:
        listed = {"tier": chosen.tiers.get(sid), "number": chosen.numbers.get(sid)}
        if sid in fresh:
            site[sid] = ({**fresh[sid][0], **listed}, fresh[sid][1])
        elif sid in chosen.previous and sid not in held and not chosen.previous[sid]["withdrawn"]:
            old = chosen.previous[sid]
            site[sid] = ({**old["entry"], **listed}, old["keys"])
    taken_down = [sid for sid in chosen.previous if sid not in site]
    changed = bool(taken_down) or any(
        sid not in chosen.previous
        or entry_fingerprint(entry) != entry_fingerprint(chosen.previous[sid]["entry"])
        for sid, (entry, _) in site.items()
    )
    return SitePlan(site, taken_down, now if changed else _aware(chosen.last_change or NEVER))


def record_publication(
    settings: Settings, published: Published, taken_down: Sequence[str], flow_run_id: str | None
) -> None:
    """After the site is written: record what is public now and what was taken down."""
    with catalogue_session(settings) as session:
        for submission_id, (entry, keys) in published.items():
            records.save_publication(
                session, submission_id, entry, keys, now=settings.now(), flow_run_id=flow_run_id
            )
        for submission_id in taken_down:
            row = records.get_publication(session, submission_id)
            if row is not None:
                records.mark_withdrawn(session, row, now=settings.now())


def stale_keys(chosen: Selection, plan: SitePlan) -> list[str]:
    """Files no page or manifest points at any more (taken-down works, replaced episodes)."""
    stale: list[str] = []
    for sid, (_, keys) in plan.site.items():
        stale += [k for k in (chosen.previous.get(sid) or {}).get("keys", []) if k not in keys]
    for sid in plan.taken_down:
        stale += chosen.previous[sid]["keys"]
    live = {k for _, keys in plan.site.values() for k in keys}
    return [k for k in dict.fromkeys(stale) if k not in live]


def change_lines(
    chosen: Selection, plan: SitePlan, fresh: Published, uploaded: Sequence[str], held: set[str]
) -> tuple[list[str], list[str]]:
    """What the run did, a sentence per work rendered or taken down; and the titles taken down."""
    lines = []
    for sid, (entry, keys) in plan.site.items():
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
        lines.append(
            f"{state}《{entry['title']}》（{entry.get('tier') or '未定等次'}）：{len(keys)}个文件，新上传{new}个"
        )
    titles = []
    for sid in plan.taken_down:
        title = str(chosen.previous[sid]["entry"].get("title") or sid)
        why = (
            "已撤回"
            if chosen.previous[sid]["withdrawn"]
            else ("暂不发布" if sid in held else "不在最新批准的名单中")
        )
        lines.append(f"已撤下《{title}》：{why}")
        titles.append(title)
    return lines, titles


# The result ------------------------------------------------------------------------------------


def result_line(entry: dict[str, Any], store_locate: Callable[[str], str]) -> dict[str, Any]:
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


def run_report(
    settings: Settings,
    rendered: Sequence[str],
    uploaded: list[str],
    removed: list[str],
    taken_down: list[str],
    held: list[str],
    problems: list[str],
    notes: list[str],
) -> dict[str, Any]:
    """The run's result: {"works": [one result per work rendered and public], "uploaded": keys,
    "removed": keys, "taken_down": titles, "held": titles, "problems": [Chinese sentences],
    "notes": [subtitles held], "page": path or key}."""
    store = open_store(settings)

    def where(key: str) -> str:
        return locate(store, settings.bucket_published, key)

    with catalogue_session(settings) as session:
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
