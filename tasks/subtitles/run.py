"""The subtitle check's I/O around the pure verdict: read every source, hear the speech, store the
exports. The Prefect tasks in flows/screen.py call these; tests and the bench call them directly."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tasks.context import WorkContext
from tasks.engines.asr import AsrEngine, Transcript, get_asr_engine
from tasks.engines.ocr import OcrEngine, get_ocr_engine
from tasks.findings import Finding
from tasks.media.decode import sample_gray
from tasks.media.probe import MediaProbe
from tasks.rules import ContestRules
from tasks.store import ObjectStore
from tasks.subtitles.burned import BurnedSubtitleReader, plan_sampling
from tasks.subtitles.check import subtitle_finding
from tasks.subtitles.export import render_exports
from tasks.subtitles.files import read_sidecar, read_soft_tracks
from tasks.subtitles.model import SourceKind, SubtitleTrack
from tasks.subtitles.speech import hotwords

log = logging.getLogger(__name__)


def text_tracks(media: MediaProbe, context: WorkContext) -> list[SubtitleTrack]:
    """Soft subtitle streams of the file and the package's sidecar subtitle files."""
    tracks = read_soft_tracks(media)
    tracks += [read_sidecar(Path(p)) for p in context.sidecar_subtitles]
    return tracks


def burned_reader(media: MediaProbe, ocr: OcrEngine | None = None) -> BurnedSubtitleReader | None:
    """A reader whose `tap()` can ride on any decode of the file (see GrayTap)."""
    plan = plan_sampling(media)
    if plan is None:
        return None
    return BurnedSubtitleReader(plan, ocr or get_ocr_engine())


def burned_track(media: MediaProbe, ocr: OcrEngine | None = None) -> SubtitleTrack | None:
    """Burned-in subtitles from a sampling decode of its own (`-skip_frame noref`).

    The flow's technical stage has already run its full decode by the time this runs, and the
    flow keeps that task as it is; `full_decode(..., tap=reader.tap())` shares the one pass where
    a caller runs both together (bench/screen.py measures the difference).
    """
    reader = burned_reader(media, ocr)
    if reader is None:
        return None
    completed = sample_gray(Path(media.path), reader.tap(), duration=media.duration)
    track = reader.track()
    if not completed and not track.cues:
        return SubtitleTrack(
            SourceKind.BURNED, track.label, details=track.details, problem="画面解码中断，未能读取画面字幕"
        )
    return track


def transcribe(
    media: MediaProbe,
    context: WorkContext,
    engine: AsrEngine | None = None,
    extra_hotwords: str | None = None,
) -> Transcript | None:
    """Whisper on the file's audio (None when the file has no audio stream)."""
    if not media.audio_codecs:
        return None
    words = " ".join(w for w in (hotwords(context), extra_hotwords) if w) or None
    return (engine or get_asr_engine()).transcribe(Path(media.path), hotwords=words)


def store_exports(
    store: ObjectStore,
    bucket: str,
    prefix: str,
    tracks: Sequence[SubtitleTrack],
    transcript: Transcript | None,
) -> list[str]:
    """Put the WebVTT/JSON exports under `prefix/`; returns the keys (existing ones are kept)."""
    keys = []
    for name, (data, content_type) in render_exports(tracks, transcript).items():
        key = f"{prefix}/{name}"
        store.put_bytes(bucket, key, data, content_type=content_type)
        keys.append(key)
    return keys


def check_subtitles(
    media: MediaProbe,
    context: WorkContext,
    rules: ContestRules,
    *,
    ocr: OcrEngine | None = None,
    asr: AsrEngine | None = None,
) -> tuple[Finding, list[SubtitleTrack], Transcript | None]:
    """The whole check without Prefect: sources, speech, verdict. Engine failures become problems."""
    problems: list[str] = []
    tracks = text_tracks(media, context)
    try:
        burned = burned_track(media, ocr)
    except Exception as exc:  # an engine failure is a finding, never a traceback
        log.exception("burned-in subtitle OCR failed")
        burned, problems = None, [*problems, f"画面字幕识别（OCR）出错：{type(exc).__name__}"]
    if burned is not None:
        tracks.append(burned)
    try:
        transcript = transcribe(media, context, asr)
    except Exception as exc:
        log.exception("speech recognition failed")
        transcript, problems = None, [*problems, f"语音识别出错：{type(exc).__name__}"]
    finding = subtitle_finding(tracks, transcript, rules, script_text=context.script_text, problems=problems)
    return finding, tracks, transcript


def extra(tracks: Sequence[SubtitleTrack], transcript: Transcript | None) -> dict[str, Any]:
    """Counts for logs and benches."""
    burned = next((t for t in tracks if t.kind == SourceKind.BURNED), None)
    return {
        "tracks": len(tracks),
        "ocr": burned.details.get("ocr") if burned else None,
        "speech_segments": len(transcript.segments) if transcript else 0,
    }


__all__ = [
    "SubtitleTrack",
    "Transcript",
    "burned_track",
    "check_subtitles",
    "store_exports",
    "subtitle_finding",
    "text_tracks",
    "transcribe",
]
