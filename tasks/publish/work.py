"""A work as publication sees it (pure): its credits, its episodes in order, what each published
episode is made from (the fingerprint), where its files go, and its manifest entry."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tasks.publish.credits import Credits
from tasks.publish.labels import AiLabel, combine, label_from_evidence, label_windows
from tasks.publish.renditions import RenditionProfile


@dataclass(frozen=True, slots=True)
class EpisodeSource:
    file_id: str
    name: str
    sha256: str
    bucket: str  # the original in the object store
    key: str
    episode: int | None  # as intake numbered it (File.meta["episode"])
    duration: float | None
    aigc_evidence: Mapping[str, Any] | None = None
    subtitles_export: tuple[str, str] | None = None  # (bucket, key) of screening's subtitles.json
    approved_subtitles: Mapping[str, Any] | None = None  # an operator's cues (File.meta, `subtitles`)

    @property
    def label(self) -> AiLabel:
        return label_from_evidence(self.aigc_evidence)

    @property
    def avoid(self) -> list[tuple[float, float]]:
        return label_windows(self.aigc_evidence)


@dataclass(frozen=True, slots=True)
class WorkSource:
    submission_id: str
    state: str
    credits: Credits
    episodes: tuple[EpisodeSource, ...]
    number: str | None = None  # 评审编号
    tier: str | None = None  # 特别优秀 / 优秀
    private: tuple[str, ...] = field(default_factory=tuple)  # contact person, phone: never published
    contact: str | None = None  # the 登记表's 联系人 and 联系电话, for the personal-data guard
    phone: str | None = None
    script_text: str | None = None  # the package's 文稿, to correct recognised subtitles against

    @property
    def withdrawn(self) -> bool:
        return self.state == "withdrawn"

    @property
    def slug(self) -> str:
        return work_slug(self.submission_id)

    @property
    def ai_label(self) -> AiLabel:
        return combine(e.label for e in self.episodes)


def work_slug(submission_id: str) -> str:
    """The work's folder name in the published bucket: the id when it is plain, else a digest."""
    text = submission_id.lower()
    if re.fullmatch(r"[0-9a-z]{8,32}", text):
        return text
    return hashlib.sha256(submission_id.encode()).hexdigest()[:16]


def split_object_key(object_key: str, default_bucket: str) -> tuple[str, str]:
    """`File.object_key` is "<bucket>/<key>" (tasks.catalogue.records.upsert_file)."""
    bucket, _, key = object_key.partition("/")
    if key and key.startswith("sha256/"):
        return bucket, key
    return default_bucket, object_key


def order_episodes(episodes: Sequence[EpisodeSource]) -> list[EpisodeSource]:
    """A series in episode order (intake's numbers), then by name; a single work is episode 1."""
    return sorted(episodes, key=lambda e: (e.episode if e.episode is not None else math.inf, e.name))


def episode_fingerprint(source: EpisodeSource, profile: RenditionProfile, subtitles_vtt: str | None) -> str:
    """What a published episode is made from: the original's bytes, the encoder settings, the
    published cues and the windows the poster avoids. Same fingerprint → nothing to redo."""
    data = {
        "original": source.sha256,
        "profile": profile.to_json(),
        "subtitles": hashlib.sha256(subtitles_vtt.encode()).hexdigest() if subtitles_vtt else None,
        "avoid": [list(w) for w in source.avoid],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def episode_prefix(slug: str, fingerprint: str) -> str:
    return f"works/{slug}/{fingerprint[:16]}"


def work_entry(work: WorkSource, episodes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Pure: the manifest entry of a work (schema `$defs/work`)."""
    return {
        "id": work.slug,
        "number": work.number,
        "tier": work.tier,
        **work.credits.to_json(),
        "duration": round(sum(float(e["duration"]) for e in episodes), 3),
        "poster": dict(episodes[0]["poster"]),
        "episodes": [dict(e) for e in episodes],
        "ai_label": work.ai_label.to_json(),
    }


def entry_fingerprint(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def entry_keys(entry: Mapping[str, Any]) -> list[str]:
    """Every object key a work's entry points at."""
    keys: list[str] = []
    for episode in entry.get("episodes") or []:
        keys += [r["key"] for r in episode.get("renditions") or []]
        keys.append(episode["poster"]["key"])
        keys += [s["key"] for s in episode.get("subtitles") or []]
    return list(dict.fromkeys(keys))
