"""The I/O steps of publication, without Prefect (flows/publish.py wraps each in a task with
retries): fetch an original, render an episode, upload it, take a work down, write the page and
the manifests. Every write to the published bucket goes through `_put`, which writes nothing when
the bytes there are already the same: publishing an unchanged work again uploads nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tasks.publish.manifest import PLATFORMS, SCHEMA_KEY, manifest, render, schema_errors, schema_text
from tasks.publish.poster import Poster, make_poster
from tasks.publish.renditions import RenditionProfile, Renditions, make_renditions
from tasks.publish.showcase import PAGE_KEY, render_page
from tasks.publish.webvtt import TRACK_LABEL, ChosenCues, episode_subtitles
from tasks.publish.work import EpisodeSource, entry_keys
from tasks.store import ObjectStore, sha256_of

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


class PublishError(Exception):
    """A work could not be published; the message is Chinese and names the work or file."""


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(key).suffix, "application/octet-stream")


def locate(store: ObjectStore, bucket: str, key: str) -> str:
    """A published file as the operator reaches it: a path in the embedded default, else the key."""
    path = store.local_path(bucket, key)
    return str(path.resolve()) if path is not None else key


def _put_bytes(store: ObjectStore, bucket: str, key: str, data: bytes) -> bool:
    """Write `data` under `key` unless exactly these bytes are there; True when written. The new
    bytes replace the old in one put (never delete-then-put): the key is never missing."""
    if store.exists(bucket, key) and store.get_bytes(bucket, key) == data:
        return False
    store.replace_bytes(bucket, key, data, content_type=content_type(key))
    return True


def _put_file(store: ObjectStore, bucket: str, key: str, path: Path) -> bool:
    """Media keys hold a fingerprint of what they are made from: an existing key is the same file."""
    return store.put_file(bucket, key, path, content_type=content_type(key))


def fetch_original(store: ObjectStore, episode: EpisodeSource, scratch: Path) -> Path:
    suffix = PurePosixPath(episode.name).suffix.lower() or ".mp4"
    target = scratch / f"original-{episode.sha256[:16]}{suffix}"
    if target.is_file() and sha256_of(target) == episode.sha256:
        return target
    try:
        store.get_file(episode.bucket, episode.key, target)
    except Exception as exc:
        raise PublishError(
            f"{episode.name}：无法从对象存储取回原件（{episode.bucket}/{episode.key}）"
        ) from exc
    if sha256_of(target) != episode.sha256:
        raise PublishError(f"{episode.name}：取回的原件与登记的sha256不符，已停止发布")
    return target


def read_export(store: ObjectStore, episode: EpisodeSource) -> dict[str, Any] | None:
    """Screening's `subtitles.json` of the episode (None when there is none or it cannot be read)."""
    if episode.subtitles_export is None:
        return None
    bucket, key = episode.subtitles_export
    try:
        export = json.loads(store.get_bytes(bucket, key))
    except Exception:
        return None
    return export if isinstance(export, dict) else None


def read_cues(
    store: ObjectStore, episode: EpisodeSource, script_text: str | None = None
) -> tuple[str | None, ChosenCues | None]:
    """The episode's WebVTT text (None when none or held) and the cues chosen (`episode_subtitles`)."""
    chosen, vtt = episode_subtitles(read_export(store, episode), script_text, episode.approved_subtitles)
    return vtt, chosen


@dataclass(slots=True)
class RenderedEpisode:
    renditions: Renditions
    poster: Poster


def render_episode(
    original: Path,
    scratch: Path,
    profile: RenditionProfile,
    avoid: Sequence[tuple[float, float]] = (),
    encoded: Sequence[Path] = (),
) -> RenderedEpisode:
    """Renditions of one original (a target in `encoded`, the viewing copy, remuxed rather than
    encoded again), then its poster cut from the largest one."""
    renditions = make_renditions(original, scratch, profile, encoded=encoded)
    files = sorted(renditions.files, key=lambda f: min(f.width, f.height))
    smallest, largest = files[0], files[-1]
    poster = make_poster(smallest.path, largest.path, smallest.duration, scratch / "poster.jpg", avoid)
    return RenderedEpisode(renditions, poster)


def upload_episode(
    store: ObjectStore,
    bucket: str,
    prefix: str,
    rendered: RenderedEpisode,
    number: int,
    vtt: str | None,
    chosen: ChosenCues | None,
) -> tuple[dict[str, Any], list[str]]:
    """Put an episode's files under `prefix`; return its manifest part and the keys written."""
    written: list[str] = []
    renditions = []
    for file in rendered.renditions.files:
        key = f"{prefix}/{file.name}.mp4"
        if _put_file(store, bucket, key, file.path):
            written.append(key)
        renditions.append(
            {
                "name": file.name,
                "width": file.width,
                "height": file.height,
                "duration": file.duration,
                "bit_rate": file.bit_rate,
                "codecs": file.codecs,
                "mime": "video/mp4",
                "key": key,
                "sha256": file.sha256,
                "size": file.size,
            }
        )
    largest = max(rendered.renditions.files, key=lambda f: f.width * f.height)
    poster_key = f"{prefix}/poster.jpg"
    if _put_file(store, bucket, poster_key, rendered.poster.path):
        written.append(poster_key)
    subtitles = []
    if vtt and chosen:
        data = vtt.encode("utf-8")
        key = f"{prefix}/zh-CN.vtt"
        if _put_bytes(store, bucket, key, data):
            written.append(key)
        subtitles.append(
            {
                "key": key,
                "sha256": _digest(data),
                "language": "zh-CN",
                "label": TRACK_LABEL,
                "source": chosen.source,
                "cues": len(chosen.cues),
            }
        )
    episode = {
        "episode": number,
        "duration": max(f.duration for f in rendered.renditions.files),
        "renditions": renditions,
        "poster": {
            "key": poster_key,
            "sha256": sha256_of(rendered.poster.path),
            "width": largest.width,
            "height": largest.height,
            "time": rendered.poster.t,
        },
        "subtitles": subtitles,
    }
    return episode, written


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reusable_episode(
    store: ObjectStore, bucket: str, previous: Mapping[str, Any] | None, prefix: str
) -> dict[str, Any] | None:
    """The episode published before under the same fingerprint, if all its files are still there."""
    for episode in (previous or {}).get("episodes") or []:
        keys = entry_keys({"episodes": [episode]})
        if (
            keys
            and all(k.startswith(prefix + "/") for k in keys)
            and all(store.exists(bucket, k) for k in keys)
        ):
            return dict(episode)
    return None


def remove_keys(store: ObjectStore, bucket: str, keys: Sequence[str]) -> list[str]:
    """Take published files down (a withdrawn work, an episode replaced); returns what was removed."""
    return [key for key in keys if store.delete(bucket, key)]


def write_site(
    store: ObjectStore,
    bucket: str,
    entries: Sequence[Mapping[str, Any]],
    *,
    updated_at: datetime,
) -> list[str]:
    """The four platforms' manifests, the schema and the showcase page; returns the keys written.

    A manifest that breaks the schema is never written. Personal data is kept out one work at a
    time before (`tasks.publish.guard`): one work's problem does not stop the site."""
    written = []
    for platform in PLATFORMS:
        data = manifest(platform, entries, updated_at)
        errors = schema_errors(data)
        if errors:
            raise PublishError(f"{platform.name}展播清单不符合格式：{'；'.join(errors[:3])}")
        if _put_bytes(store, bucket, platform.key, render(data)):
            written.append(platform.key)
    if _put_bytes(store, bucket, SCHEMA_KEY, schema_text().encode("utf-8")):
        written.append(SCHEMA_KEY)
    subtitles = {}
    for entry in entries:
        for episode in entry["episodes"]:
            for track in episode.get("subtitles") or []:
                subtitles[track["key"]] = store.get_bytes(bucket, track["key"]).decode("utf-8")
    page = render_page(entries, subtitles).encode("utf-8")
    if _put_bytes(store, bucket, PAGE_KEY, page):
        written.append(PAGE_KEY)
    return written
