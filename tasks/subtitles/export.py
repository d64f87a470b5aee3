"""WebVTT and JSON renderings of the cues and the transcript, stored with the submission for experts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from tasks.engines.asr import Transcript
from tasks.subtitles.model import Cue, SubtitleTrack


def _vtt_time(seconds: float) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _vtt_text(text: str) -> str:
    # "-->" and blank lines would end a cue early; & and < are markup in WebVTT.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(line for line in text.splitlines() if line.strip()) or " "


def cues_to_webvtt(cues: Sequence[Cue], note: str | None = None) -> str:
    lines = ["WEBVTT", ""]
    if note:
        lines += [f"NOTE {note.replace('-->', '→')}", ""]
    for index, cue in enumerate(cues, 1):
        lines += [str(index), f"{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}", _vtt_text(cue.text), ""]
    return "\n".join(lines)


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
