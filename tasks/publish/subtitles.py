"""An operator's word on a work's published subtitles (`guangying subtitles ID`): show what
publication would use (corrected against the 文稿, or held and why), approve those cues, approve
cues from a corrected file instead, or take an approval back. The approval is kept on the video's
catalogue row (`File.meta`, key `records.APPROVED_SUBTITLES`); `tasks.publish.webvtt` takes
approved cues before any other source."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tasks.catalogue.models import File
from tasks.findings import Check
from tasks.publish.records import APPROVED_SUBTITLES, latest_finding, load_work, script_text, subtitles_export
from tasks.publish.steps import read_export
from tasks.publish.webvtt import ChosenCues, choose_cues, episode_subtitles
from tasks.roles import FileRole
from tasks.store import ObjectStore
from tasks.subtitles.files import read_sidecar
from tasks.subtitles.model import Cue


class SubtitleError(Exception):
    """Chinese, names the work or file."""


@dataclass(frozen=True, slots=True)
class EpisodeCues:
    number: int
    file_id: str
    name: str
    chosen: ChosenCues | None  # what publication uses now (None: no cues at all)
    candidate: ChosenCues | None  # what it would use without an operator's approval


def episodes(
    session: Session, store: ObjectStore, submission_id: str, originals_bucket: str
) -> list[EpisodeCues]:
    """Each video episode of the work with the cues publication uses and would use."""
    work = load_work(session, submission_id, originals_bucket)
    if work is None:
        raise SubtitleError(f"找不到受理编号为 {submission_id} 的作品")
    script = script_text(session, submission_id)
    found = []
    for index, source in enumerate(work.episodes, 1):
        export = read_export(store, source)
        candidate = choose_cues(export, script)
        chosen = choose_cues(export, script, source.approved_subtitles)
        found.append(EpisodeCues(index, source.file_id, source.name, chosen, candidate))
    return found


def video_subtitles(
    session: Session, store: ObjectStore, file_id: str
) -> tuple[ChosenCues | None, str | None]:
    """THE subtitles of one video as the catalogue has them (screening's export, the work's 文稿, an
    operator's approval): the chosen cues and their WebVTT (None when held or none). The showcase
    and the experts' packets both use this (through `webvtt.episode_subtitles`)."""
    row = _video(session, file_id)
    export_at = subtitles_export(latest_finding(session, file_id, Check.SUBTITLES))
    export = None
    if export_at is not None:
        try:
            export = json.loads(store.get_bytes(*export_at))
        except Exception:
            export = None
    script = script_text(session, row.submission_id) if row.submission_id else None
    return episode_subtitles(export, script, (row.meta or {}).get(APPROVED_SUBTITLES))


def _video(session: Session, file_id: str) -> File:
    row = session.get(File, file_id)
    if row is None or row.role != FileRole.VIDEO:
        raise SubtitleError(f"找不到视频文件 {file_id}")
    return row


def approve(
    session: Session, file_id: str, cues: Sequence[Cue], *, by: str, at: datetime, origin: str
) -> dict[str, Any]:
    """Record `cues` as the episode's published subtitles (`origin`: 候选字幕 or the file's name)."""
    if not cues:
        raise SubtitleError("没有可批准的字幕条目")
    row = _video(session, file_id)
    approval = {
        "cues": [{"start": c.start, "end": c.end, "text": c.text} for c in cues],
        "by": by,
        "at": at.isoformat(timespec="seconds"),
        "origin": origin,
    }
    row.meta = {**(row.meta or {}), APPROVED_SUBTITLES: approval}  # a new dict: the JSON column sees it
    session.flush()
    return approval


def revoke(session: Session, file_id: str) -> bool:
    """Take an approval back (publication goes back to the corrected candidate); True if there was one."""
    row = _video(session, file_id)
    if APPROVED_SUBTITLES not in (row.meta or {}):
        return False
    row.meta = {k: v for k, v in (row.meta or {}).items() if k != APPROVED_SUBTITLES}
    session.flush()
    return True


def cues_from_file(path: Path) -> tuple[Cue, ...]:
    """A corrected .srt/.ass/.vtt from the operator, read as intake reads sidecar files."""
    track = read_sidecar(path)
    if track.problem:
        raise SubtitleError(f"{path.name}：{track.problem}")
    return track.cues
