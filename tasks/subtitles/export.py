"""WebVTT and JSON renderings of the cues and the transcript, stored with the submission for experts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any, Protocol

import pysubs2

from tasks.engines.asr import Transcript
from tasks.subtitles.model import Cue, SubtitleTrack


class CueTimes(Protocol):
    """What a cue needs to be written: screening's `Cue`, publication's cues alike."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


def _vtt_text(text: str) -> str:
    # WebVTT markup: & < > are escaped ("-->" then cannot end the timing line); pysubs2 writes \N as a
    # line break, and a blank line would end the cue early.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("--&gt;", "→")
    return r"\N".join(line.strip() for line in text.splitlines() if line.strip()) or " "


def cues_to_webvtt(cues: Iterable[CueTimes], note: str | None = None) -> str:
    """The cues as a WebVTT document (pysubs2 writes it), with an optional NOTE after the header."""
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(
            pysubs2.SSAEvent(
                start=round(cue.start * 1000), end=round(cue.end * 1000), text=_vtt_text(cue.text)
            )
        )
    text = subs.to_string("vtt")
    if note:
        header, _, rest = text.partition("\n\n")
        text = f"{header}\n\nNOTE {note.replace('-->', '→')}\n\n{rest}"
    return text


def transcript_cues(transcript: Transcript) -> tuple[Cue, ...]:
    return tuple(Cue(s.start, s.end, s.text) for s in transcript.segments)


def export_json(tracks: Sequence[SubtitleTrack], transcript: Transcript | None) -> dict[str, Any]:
    return {
        "tracks": [{**track.summary(), "cues": [asdict(c) for c in track.cues]} for track in tracks],
        "transcript": None
        if transcript is None
        else {
            "language": transcript.language,
            "language_probability": transcript.language_probability,
            "duration": transcript.duration,
            "text": transcript.text,
            "segments": [asdict(s) for s in transcript.segments],
        },
    }


def render_exports(
    tracks: Sequence[SubtitleTrack], transcript: Transcript | None
) -> dict[str, tuple[bytes, str]]:
    """file name → (bytes, content type): one .vtt per track with cues, the transcript, one JSON."""
    files: dict[str, tuple[bytes, str]] = {}
    for index, track in enumerate(tracks):
        if track.cues:
            vtt = cues_to_webvtt(track.cues, note=track.describe())
            files[f"subtitles-{index}-{track.kind}.vtt"] = (vtt.encode("utf-8"), "text/vtt")
    if transcript is not None and transcript.segments:
        vtt = cues_to_webvtt(transcript_cues(transcript), note="语音识别（Whisper base，已转简体）")
        files["transcript.vtt"] = (vtt.encode("utf-8"), "text/vtt")
    data = json.dumps(export_json(tracks, transcript), ensure_ascii=False, indent=1)
    files["subtitles.json"] = (data.encode("utf-8"), "application/json")
    return files
