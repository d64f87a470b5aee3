"""Engines that hear and read nothing, selected with GUANGYING_ENGINES=stand-in.

For runs that are about orchestration rather than recognition (the test suite's drills, clusters
and CLI subprocesses, a dry run of a deployment): they hear and read nothing, as the real models do
on tone-and-test-pattern clips, keep the real engines' input contracts, and count their calls so
that a test can assert that the pipeline consulted them. In process, tests install them through the
engines' seam (`get_ocr_engine.replaced`); in other processes the setting does it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from tasks.engines.values import SAMPLE_RATE, Audio, OcrLine, Span, Transcript
from tasks.media.probe import probe


class DeafAsr:
    """Hears no speech: a transcript of the whole clip (or of `clip`) with no segments."""

    def __init__(self) -> None:
        self.heard: list[str] = []  # what was transcribed: file names, or "samples"
        self._lock = threading.Lock()

    def transcribe(
        self, audio: Audio, *, hotwords: str | None = None, clip: Span | None = None
    ) -> Transcript:
        if isinstance(audio, np.ndarray):
            duration = len(audio) / SAMPLE_RATE
        else:
            duration = probe(Path(audio)).duration or 0.0
        if clip is not None:
            duration = max(0.0, min(duration, clip[1]) - max(0.0, clip[0]))
        with self._lock:
            self.heard.append("samples" if isinstance(audio, np.ndarray) else Path(audio).name)
        return Transcript(language="", language_probability=0.0, duration=round(duration, 3))


class BlindOcr:
    """Reads no text in any image; keeps the real engine's input contract (uint8 pixels)."""

    def __init__(self) -> None:
        self.images = 0
        self._lock = threading.Lock()

    def read(self, image: np.ndarray) -> list[OcrLine]:
        if image.dtype != np.uint8:
            raise TypeError(f"OCR expects uint8 pixels, got {image.dtype}")
        with self._lock:
            self.images += 1
        return []
