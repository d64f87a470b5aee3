"""Spoken AI disclosures (办法 Art. 4(二), GB 45438 §5.3): Whisper on the opening and closing seconds.

The shared ASR engine (tasks/engines/asr.py) already returns simplified text; matching is fuzzy
(labels.spoken_disclosure) because Whisper base hears 员工智能 for 人工智能.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tasks.aigc.labels import Strength, spoken_disclosure
from tasks.engines.asr import SAMPLE_RATE, AsrEngine, Segment, Transcript, Word
from tasks.media.probe import MediaProbe
from tasks.rules import ContestRules

# Biases Whisper towards the disclosure's words (notes: without them it heard 員工智能).
HOTWORDS = "AI生成 人工智能生成 人工智能合成"


@dataclass(frozen=True, slots=True)
class SpokenDisclosure:
    start: float
    end: float
    text: str
    strength: Strength

    def to_evidence(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "match": str(self.strength)}


@dataclass(slots=True)
class SpokenReport:
    disclosures: list[SpokenDisclosure] = field(default_factory=list)
    windows: list[tuple[float, float]] = field(default_factory=list)
    language: str | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)  # what was heard, for a person
    rejected: list[dict[str, Any]] = field(default_factory=list)  # Whisper output that was not speech
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None  # why no ASR ran (no audio track)

    def to_evidence(self) -> dict[str, Any]:
        return {
            "disclosures": [d.to_evidence() for d in self.disclosures],
            "windows": [list(w) for w in self.windows],
            "language": self.language,
            "transcript": self.transcript[:40],
            "rejected": self.rejected,
            "problems": self.problems,
            "skipped": self.skipped,
        }


def speech_windows(duration: float, rules: ContestRules) -> list[tuple[float, float]]:
    """The opening and closing seconds, or the whole track when that is barely longer."""
    window = rules.aigc_speech_window_seconds
    if duration <= 2 * window + 10.0:
        return [(0.0, duration)]
    return [(0.0, window), (duration - window, duration)]


def find_disclosures(segments: list[Segment]) -> list[SpokenDisclosure]:
    """Disclosures in segment texts; a sentence split across two segments is tried joined."""
    found: list[SpokenDisclosure] = []
    used: set[int] = set()
    for i, seg in enumerate(segments):
        match = spoken_disclosure(seg.text)
        if match:
            found.append(SpokenDisclosure(seg.start, seg.end, seg.text, match.strength))
            used.add(i)
    for i in range(len(segments) - 1):
        if i in used or i + 1 in used:
            continue
        a, b = segments[i], segments[i + 1]
        match = spoken_disclosure(a.text + b.text)
        if match and match.strength is Strength.STRONG:
            found.append(SpokenDisclosure(a.start, b.end, a.text + b.text, match.strength))
    return sorted(found, key=lambda d: d.start)


_CLAUSE_END = re.compile(r"[，。！？；、,.!?;]$")
PAUSE_SECONDS = 0.6  # a silence this long between words ends a clause


def clauses(segment: Segment) -> list[Segment]:
    """A segment cut into clauses at punctuation, at a word Whisper starts with a space, and at
    pauses, each timed by its words: a whole-track transcript has half-minute segments, and the
    evidence should quote the disclosure, not the paragraph around it."""
    if not segment.words:
        return [segment]
    pieces: list[list[Word]] = [[]]
    for word in segment.words:
        current = pieces[-1]
        starts_clause = word.text[:1].isspace() or (current and word.start - current[-1].end >= PAUSE_SECONDS)
        if current and starts_clause:
            pieces.append([])
        pieces[-1].append(word)
        if _CLAUSE_END.search(word.text.strip()):
            pieces.append([])
    return [
        Segment(words[0].start, words[-1].end, "".join(w.text for w in words).strip(), tuple(words))
        for words in pieces
        if words
    ]


def _heard(segment: Segment) -> dict[str, Any]:
    return {"start": segment.start, "end": segment.end, "text": segment.text}


def from_transcript(transcript: Transcript | None) -> SpokenReport:
    """Disclosures anywhere in a whole-track transcript made for the screening run (the subtitle
    check hears the same audio: one Whisper pass serves both). None: the file has no audio."""
    report = SpokenReport()
    if transcript is None:
        report.skipped = "没有音轨"
        return report
    report.windows.append((0.0, round(transcript.duration, 2)))
    report.language = transcript.language or None
    segments = list(transcript.segments)
    report.transcript = [_heard(s) for s in segments]
    report.rejected = [_heard(s) for s in transcript.rejected]
    report.disclosures = find_disclosures([c for s in segments for c in clauses(s)])
    return report


def listen(media: MediaProbe, engine: AsrEngine, rules: ContestRules) -> SpokenReport:
    """Transcribe the speech windows and look for disclosures; never raises."""
    report = SpokenReport()
    if not media.audio_codecs:
        report.skipped = "没有音轨"
        return report
    try:
        from faster_whisper import decode_audio

        # Decode once and slice: two windows must not mean two decodes of the whole track.
        samples = np.asarray(decode_audio(str(Path(media.path)), SAMPLE_RATE), dtype=np.float32)
    except Exception as exc:  # PyAV raises its own error types for broken audio
        report.problems.append(f"无法解码音轨：{exc}")
        return report
    duration = len(samples) / SAMPLE_RATE
    segments: list[Segment] = []
    for start, end in speech_windows(duration, rules):
        report.windows.append((round(start, 2), round(end, 2)))
        try:
            transcript = engine.transcribe(samples, hotwords=HOTWORDS, clip=(start, end))
        except Exception as exc:  # an engine failure is a problem to report, not a crash
            report.problems.append(f"语音识别失败（{start:.0f}–{end:.0f}秒）：{exc}")
            continue
        report.language = report.language or transcript.language or None
        segments += list(transcript.segments)
        report.rejected += [_heard(s) for s in transcript.rejected]
    report.transcript = [_heard(s) for s in segments]
    report.disclosures = find_disclosures(segments)
    return report
