"""The published subtitles: one WebVTT file per episode, from the cues screening stored.

Screening keeps every subtitle source it read (soft streams, sidecar files, burned-in text by OCR)
and the Whisper transcript as `subtitles.json` in the evidence bucket. Publication (and the
experts' packets: `episode_subtitles` is the one function both use) takes, in this order:

1. cues an operator approved (`guangying subtitles ID --approve/--from-file`);
2. a sidecar file or soft stream of the package (what the makers wrote), as written;
3. the burned-in cues, corrected against the 文稿 (`tasks.publish.align`);
4. the Whisper transcript, corrected the same way.

Recognised cues (3, 4) that still disagree with the 文稿 beyond `align.MAX_MISMATCH`, or with no
文稿 to check them against, are *held*: no track is published until an operator approves them.
The WebVTT written carries no NOTE (no file names: experts' packets are blind).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tasks.publish.align import MAX_MISMATCH, correct_cues
from tasks.subtitles.export import cues_to_webvtt
from tasks.subtitles.model import Cue

# Lower is preferred.
_PREFERENCE = {"approved": -1, "sidecar": 0, "soft": 1, "burned": 2, "transcript": 3}
RECOGNISED = frozenset({"burned", "transcript"})
TRACK_LABEL = "中文字幕"


@dataclass(frozen=True, slots=True)
class ChosenCues:
    source: str  # approved, sidecar, soft, burned, transcript
    cues: tuple[Cue, ...]
    corrected: int = 0  # cues whose wording came from the 文稿
    merged: int = 0  # duplicated cues merged
    mismatch: float | None = None  # share of characters still disagreeing with the 文稿
    held: str | None = None  # why no track is published until an operator approves (Chinese)

    @property
    def burned(self) -> bool:
        """The text is already in the picture: no track shown by default."""
        return self.source == "burned"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "cues": [{"start": c.start, "end": c.end, "text": c.text} for c in self.cues],
            "corrected": self.corrected,
            "merged": self.merged,
            "mismatch": self.mismatch,
            "held": self.held,
        }


def cues_from(items: Iterable[Mapping[str, Any]]) -> tuple[Cue, ...]:
    """Cues from JSON-like items ({start, end, text}); unreadable or empty ones are left out."""
    cues = []
    for item in items:
        try:
            start, end, text = float(item["start"]), float(item["end"]), str(item["text"]).strip()
        except (KeyError, TypeError, ValueError):
            continue
        if text and end > start >= 0:
            cues.append(Cue(start, end, text))
    return tuple(sorted(cues, key=lambda c: (c.start, c.end)))


def _options(export: Mapping[str, Any] | None) -> list[tuple[str, tuple[Cue, ...]]]:
    options: list[tuple[str, tuple[Cue, ...]]] = []
    for track in (export or {}).get("tracks") or []:
        if track.get("problem") or track.get("kind") not in _PREFERENCE:
            continue
        cues = cues_from(track.get("cues") or [])
        if cues:
            options.append((str(track["kind"]), cues))
    transcript = (export or {}).get("transcript") or {}
    cues = cues_from(transcript.get("segments") or [])
    if cues:
        options.append(("transcript", cues))
    return sorted(options, key=lambda o: _PREFERENCE[o[0]])


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def choose_cues(
    export: Mapping[str, Any] | None,
    script_text: str | None = None,
    approved: Mapping[str, Any] | None = None,
) -> ChosenCues | None:
    """Pure: screening's `subtitles.json` (and the 文稿, and an operator's approved cues) → the cues
    to publish, possibly held, or None when there are none at all."""
    if approved and cues_from(approved.get("cues") or []):
        return ChosenCues("approved", cues_from(approved.get("cues") or []))
    options = _options(export)
    if not options:
        return None
    source, cues = options[0]
    if source not in RECOGNISED:
        return ChosenCues(source, cues)
    fixed = correct_cues(cues, script_text)
    held = None
    if not script_text:
        held = "识别出的字幕没有文稿可核对，需人工确认后才发布字幕"
    elif fixed.mismatch is not None and fixed.mismatch > MAX_MISMATCH:
        held = (
            f"按文稿校正后仍有{_pct(fixed.mismatch)}的字与文稿不符（上限{_pct(MAX_MISMATCH)}），"
            "需人工确认后才发布字幕"
        )
    return ChosenCues(source, fixed.cues, fixed.corrected, fixed.merged, fixed.mismatch, held)


def to_webvtt(cues: Iterable[Cue]) -> str:
    """The cues as a WebVTT document (pysubs2, the writer screening uses), without any NOTE."""
    return cues_to_webvtt(cues)


def episode_subtitles(
    export: Mapping[str, Any] | None,
    script_text: str | None = None,
    approved: Mapping[str, Any] | None = None,
) -> tuple[ChosenCues | None, str | None]:
    """THE subtitles of an episode, for the showcase and for the experts' packets alike: the chosen
    cues (with why they are held, if they are) and their WebVTT text (None when held or none)."""
    chosen = choose_cues(export, script_text, approved)
    if chosen is None or chosen.held:
        return chosen, None
    return chosen, to_webvtt(chosen.cues)
