"""Whisper's search as the engine asks for it (no weights needed: the model is a recorder).

What the settings are worth is measured in bench/whisper.py on the speech fixtures; the real-model
results they must hold (subtitles, disclosures) are in test_asr.py, test_aigc_spoken.py and
test_subtitles_flow.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tasks.engines.asr import DEFAULT_DECODE, SAMPLE_RATE, DecodeSettings, WhisperEngine


@dataclass
class _Info:
    language: str = "zh"
    language_probability: float = 0.99


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def transcribe(self, samples: np.ndarray, **kwargs: Any) -> tuple[list[object], _Info]:
        self.calls.append(kwargs)
        return [], _Info()


def _engine(settings: DecodeSettings) -> tuple[WhisperEngine, _Recorder]:
    engine = object.__new__(WhisperEngine)
    recorder = _Recorder()
    engine.settings, engine._lock = settings, threading.Lock()
    engine._model = engine._pipeline = recorder  # type: ignore[assignment]
    return engine, recorder


def test_the_fallback_chain_is_bounded_and_word_timestamps_stay() -> None:
    """At most one retry per window, with few candidates: faster-whisper's default chain (five more
    temperatures × five samples each) cost 14× the first pass on a 2-second clip. Word timestamps
    stay on: the subtitle check and the disclosure clauses are timed by words."""
    engine, recorder = _engine(DEFAULT_DECODE)
    tone = np.sin(np.arange(2 * SAMPLE_RATE, dtype=np.float32) * 0.17).astype(np.float32)
    transcript = engine.transcribe(tone, hotwords="人工智能生成")
    assert transcript.language == "zh" and transcript.segments == ()
    (kwargs,) = recorder.calls
    assert kwargs["temperature"][0] == 0.0 and len(kwargs["temperature"]) <= 2
    assert kwargs["best_of"] <= 2 and kwargs["beam_size"] == DEFAULT_DECODE.beam_size
    assert kwargs["word_timestamps"] is True and kwargs["vad_filter"] is True
    assert kwargs["condition_on_previous_text"] is False and kwargs["hotwords"] == "人工智能生成"
    # Batched by default, with Whisper's own segment ends (timestamp tokens) kept.
    assert kwargs["batch_size"] == DEFAULT_DECODE.batch_size > 0 and kwargs["without_timestamps"] is False


def test_one_window_after_another_keeps_the_bounded_retry() -> None:
    engine, recorder = _engine(replace(DEFAULT_DECODE, batch_size=0))
    engine.transcribe(np.zeros(SAMPLE_RATE, np.float32))
    (kwargs,) = recorder.calls
    assert "batch_size" not in kwargs and kwargs["temperature"] == list(DEFAULT_DECODE.temperatures)


def test_settings_reach_the_model() -> None:
    engine, recorder = _engine(replace(DEFAULT_DECODE, beam_size=1, temperatures=(0.0,)))
    engine.transcribe(np.zeros(SAMPLE_RATE, np.float32))
    assert recorder.calls[0]["beam_size"] == 1 and recorder.calls[0]["temperature"] == [0.0]
