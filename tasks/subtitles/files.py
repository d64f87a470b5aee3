"""Text subtitles: sidecar files (.srt/.ass/.ssa/.vtt in any of the encodings people save them in)
and soft subtitle streams extracted from the container with ffmpeg. Parsing is pysubs2's."""

from __future__ import annotations

from pathlib import Path

import pysubs2

from tasks.chinese_bytes import decode_chinese_with_encoding
from tasks.config import get_settings
from tasks.media import runner
from tasks.media.probe import MediaProbe
from tasks.scratch import scratch_folder
from tasks.subtitles.model import Cue, SourceKind, SubtitleTrack

SIDECAR_SUFFIXES = (".srt", ".ass", ".ssa", ".vtt")
_FORMAT_BY_SUFFIX = {".srt": "srt", ".ass": "ass", ".ssa": "ass", ".vtt": "vtt"}
# Subtitle codecs that carry pictures, not text: they would need OCR of their own.
BITMAP_CODECS = frozenset({"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub", "dvb_teletext"})


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a subtitle file in any of the encodings people save them in: UTF-8/16/32
    with or without BOM, GB18030 (GBK) or Big5 (see tasks.chinese_bytes)."""
    return decode_chinese_with_encoding(data)


def _join_lines(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def parse_subtitles(text: str, format_hint: str | None = None) -> tuple[Cue, ...]:
    """Cues from subtitle text; comments, empty events and ASS drawings are left out."""
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=format_hint)
    except (pysubs2.exceptions.FormatAutodetectionError, pysubs2.exceptions.UnknownFormatIdentifierError):
        if format_hint is None:
            raise
        subs = pysubs2.SSAFile.from_string(text)  # wrong extension: let pysubs2 sniff the content
    cues = []
    for event in subs.events:
        if event.is_comment or event.is_drawing:
            continue
        line = _join_lines(event.plaintext)
        if line:
            cues.append(Cue(start=event.start / 1000, end=event.end / 1000, text=line))
    return tuple(sorted(cues, key=lambda c: (c.start, c.end)))


def read_sidecar(path: Path) -> SubtitleTrack:
    """A subtitle file from the package; a file that cannot be parsed is a track with a problem."""
    try:
        text, encoding = decode_text(path.read_bytes())
    except OSError as exc:
        return SubtitleTrack(SourceKind.SIDECAR, path.name, problem=f"无法读取字幕文件：{exc.strerror}")
    try:
        cues = parse_subtitles(text, _FORMAT_BY_SUFFIX.get(path.suffix.lower()))
    except Exception as exc:  # pysubs2 raises several types for malformed input
        return SubtitleTrack(
            SourceKind.SIDECAR,
            path.name,
            details={"encoding": encoding},
            problem=f"字幕文件格式无法识别（{type(exc).__name__}）",
        )
    if not cues:
        return SubtitleTrack(
            SourceKind.SIDECAR,
            path.name,
            details={"encoding": encoding},
            problem="字幕文件中没有读出任何字幕条目（文件为空或格式不对）",
        )
    return SubtitleTrack(SourceKind.SIDECAR, path.name, cues=cues, details={"encoding": encoding})


def _subtitle_streams(media: MediaProbe) -> list[dict]:
    return [s for s in media.raw.get("streams", []) if s.get("codec_type") == "subtitle"]


def read_soft_tracks(media: MediaProbe, timeout: float = 120.0) -> list[SubtitleTrack]:
    """Every subtitle stream of the file: text ones extracted in one ffmpeg run, as SRT."""
    streams = _subtitle_streams(media)
    if not streams:
        return []
    tracks: dict[int, SubtitleTrack] = {}
    with scratch_folder(get_settings().data_dir, "subtitles") as tmp:
        wanted = []
        for stream in streams:
            index, codec = int(stream["index"]), stream.get("codec_name", "unknown")
            language = (stream.get("tags") or {}).get("language")
            details: dict[str, object] = {"codec": codec, "stream": index}
            if language:
                details["language"] = language
            label = f"第{index}路流，{codec}"
            if codec in BITMAP_CODECS:
                tracks[index] = SubtitleTrack(
                    SourceKind.SOFT, label, details=details, problem="图形字幕轨，无法自动读取文字"
                )
                continue
            wanted.append((index, label, details))
        if wanted:
            outputs = [(index, Path(tmp) / f"{index}.srt") for index, _, _ in wanted]
            done = runner.extract_subtitles(media.path, outputs, timeout=timeout)
            error = done.log.strip().splitlines()
            if done.timed_out:
                error.append(f"ffmpeg超过{timeout:.0f}秒未完成")
            for index, label, details in wanted:
                out = Path(tmp) / f"{index}.srt"
                if done.timed_out or not out.is_file():
                    reason = error[-1] if error else "ffmpeg未输出"
                    tracks[index] = SubtitleTrack(
                        SourceKind.SOFT, label, details=details, problem=f"字幕轨无法提取：{reason}"
                    )
                    continue
                text, _ = decode_text(out.read_bytes())
                try:
                    cues = parse_subtitles(text, "srt") if text.strip() else ()
                except Exception as exc:
                    tracks[index] = SubtitleTrack(
                        SourceKind.SOFT,
                        label,
                        details=details,
                        problem=f"字幕轨无法解析（{type(exc).__name__}）",
                    )
                    continue
                tracks[index] = SubtitleTrack(SourceKind.SOFT, label, cues=cues, details=details)
    return [tracks[i] for i in sorted(tracks)]
