"""The subtitle check's I/O around the pure verdict: read every source, hear the speech, store the
exports. `tasks.screening` composes these into screening (the burned-in band is read during the one
full decode), for the flow, the command line, the tests and the benches alike."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tasks.context import WorkContext
from tasks.engines.asr import AsrEngine, Transcript, get_asr_engine
from tasks.engines.ocr import OcrEngine, get_ocr_engine
from tasks.media.probe import MediaProbe
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
    "store_exports",
    "subtitle_finding",
    "text_tracks",
    "transcribe",
]
