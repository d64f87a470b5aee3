"""The engines' value types, shared by the real engines and their stand-ins (so that neither
imports the other's module): what a transcription and a text recognition return."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000  # Hz: what Whisper takes, and what the audio decoders deliver

# What a transcription takes: a media file, or float32 mono samples at SAMPLE_RATE.
Audio = Path | np.ndarray
# (start, end) seconds on a media file's timeline.
Span = tuple[float, float]

# Languages written without spaces between words: segment texts join without a separator.
_UNSPACED = frozenset({"zh", "ja", "yue", "th", "lo", "my", "bo"})


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str  # already OpenCC t2s
    words: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    language_probability: float
    duration: float  # seconds of audio analysed (the clip's length when a clip was asked for)
    segments: tuple[Segment, ...] = ()
    # Segments Whisper produced that cannot be speech (see `implausible`), kept for the evidence.
    rejected: tuple[Segment, ...] = ()

    @property
    def text(self) -> str:
        sep = "" if self.language in _UNSPACED else " "
        return sep.join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def speech_seconds(self) -> float:
        """Seconds covered by recognised segments (VAD already dropped the silence)."""
        return sum(max(0.0, s.end - s.start) for s in self.segments)


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised text line; `box` holds 4 corner points in the given image's pixel coordinates."""

    text: str
    box: tuple[tuple[float, float], ...]
    score: float

    def _sides(self, axis: int, one: tuple[int, int], other: tuple[int, int]) -> float:
        """Mean length of two opposite sides of the box (robust to slight rotation); a box of
        fewer than four points: its extent along `axis`."""
        if len(self.box) < 4:
            values = [p[axis] for p in self.box]
            return float(max(values) - min(values)) if values else 0.0
        box = self.box
        return (math.dist(box[one[0]], box[one[1]]) + math.dist(box[other[0]], box[other[1]])) / 2.0

    @property
    def height(self) -> float:
        """Text box height in px: the mean of the two short-ish sides."""
        return self._sides(1, (1, 2), (3, 0))

    @property
    def width(self) -> float:
        return self._sides(0, (0, 1), (2, 3))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned (x0, y0, x1, y1)."""
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        return (min(xs), min(ys), max(xs), max(ys))
