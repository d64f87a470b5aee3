"""The published subtitles: one WebVTT file per episode, from the cues screening stored.

Screening keeps every subtitle source it read (soft streams, sidecar files, burned-in text by OCR)
and the Whisper transcript as `subtitles.json` in the evidence bucket. Publication takes the best
source: a sidecar file or soft stream (what the makers wrote), else the burned-in cues (the same
text as the picture, for people who need captions), else the transcript; none → no track.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tasks.subtitles.export import cues_to_webvtt
from tasks.subtitles.model import Cue

# Lower is preferred.
_PREFERENCE = {"sidecar": 0, "soft": 1, "burned": 2, "transcript": 3}
SOURCE_LABELS = {
    "sidecar": "字幕文件",
    "soft": "内嵌字幕",
    "burned": "画面字幕（识别）",
    "transcript": "语音识别",
}


@dataclass(frozen=True, slots=True)
class ChosenCues:
    source: str  # sidecar, soft, burned, transcript
    cues: tuple[Cue, ...]


def _cues(items: Iterable[Mapping[str, Any]]) -> tuple[Cue, ...]:
    cues = []
    for item in items:
        try:
            start, end, text = float(item["start"]), float(item["end"]), str(item["text"]).strip()
        except (KeyError, TypeError, ValueError):
            continue
        if text and end > start >= 0:
            cues.append(Cue(start, end, text))
    return tuple(sorted(cues, key=lambda c: (c.start, c.end)))


def choose_cues(export: Mapping[str, Any] | None) -> ChosenCues | None:
    """Pure: screening's `subtitles.json` → the cues to publish, or None."""
    if not export:
        return None
    options: list[ChosenCues] = []
    for track in export.get("tracks") or []:
        if track.get("problem") or track.get("kind") not in _PREFERENCE:
            continue
        cues = _cues(track.get("cues") or [])
        if cues:
            options.append(ChosenCues(str(track["kind"]), cues))
    transcript = export.get("transcript") or {}
    cues = _cues(transcript.get("segments") or [])
    if cues:
        options.append(ChosenCues("transcript", cues))
    return min(options, key=lambda c: _PREFERENCE[c.source], default=None)


def to_webvtt(cues: Iterable[Cue]) -> str:
    """The cues as a WebVTT document: the same writer as screening's exports (pysubs2)."""
    return cues_to_webvtt(cues)
