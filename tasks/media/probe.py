"""ffprobe seam: run it once per file and turn its JSON into a typed, display-aware description."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from tasks.media import runner

# ffprobe reads only headers: a minute is far beyond any sane file (a stuck NFS mount is not).
PROBE_TIMEOUT = 60.0


class ProbeError(Exception):
    """ffprobe could not read the file as media; `detail` is ffprobe's last stderr line."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def _fraction(text: str | None) -> Fraction | None:
    if not text or text in ("0/0", "N/A"):
        return None
    try:
        value = Fraction(text.replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _float(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _rotation(stream: dict[str, Any]) -> int:
    """Rotation in degrees from the display-matrix side data (or the legacy `rotate` tag), in {0,90,180,270}."""
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return round(float(side["rotation"])) % 360
    rotate = (stream.get("tags") or {}).get("rotate")
    return round(float(rotate)) % 360 if rotate is not None else 0


@dataclass(frozen=True, slots=True)
class VideoStream:
    index: int
    codec: str
    width: int  # coded
    height: int
    sample_aspect_ratio: str  # "num:den"
    rotation: int
    display_width: int  # after SAR and rotation: what the viewer sees
    display_height: int
    avg_fps: float | None
    r_fps: float | None
    duration: float | None
    nb_frames: int | None
    pix_fmt: str | None

    @property
    def short_side(self) -> int:
        return min(self.display_width, self.display_height)

    @property
    def variable_frame_rate(self) -> bool:
        if not self.avg_fps or not self.r_fps:
            return False
        return abs(self.avg_fps - self.r_fps) / self.r_fps > 0.01


@dataclass(frozen=True, slots=True)
class MediaProbe:
    path: str
    format_name: str
    format_long_name: str
    duration: float | None
    size: int
    bit_rate: int | None
    video: VideoStream | None
    audio_codecs: list[str] = field(default_factory=list)
    subtitle_codecs: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # What the container claims when it disagrees with the streams (`duration` is then measured on
    # the packets): a forged mvhd of 100,000 s on a 2 s clip must not drive sampling or timeouts.
    declared_duration: float | None = None

    @property
    def format_names(self) -> list[str]:
        return self.format_name.split(",")

    def summary(self) -> dict[str, Any]:
        """What `screen --json` prints as `probe`: the measured facts, without ffprobe's raw dump."""
        data = asdict(self)
        data.pop("raw")
        return data


def _video_stream(stream: dict[str, Any]) -> VideoStream:
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    sar = _fraction(stream.get("sample_aspect_ratio")) or Fraction(1)
    rotation = _rotation(stream)
    display_w, display_h = round(width * sar), height
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w
    avg, real = _fraction(stream.get("avg_frame_rate")), _fraction(stream.get("r_frame_rate"))
    nb_frames = stream.get("nb_frames")
    return VideoStream(
        index=int(stream["index"]),
        codec=stream.get("codec_name", "unknown"),
        width=width,
        height=height,
        sample_aspect_ratio=f"{sar.numerator}:{sar.denominator}",
        rotation=rotation,
        display_width=display_w,
        display_height=display_h,
        avg_fps=float(avg) if avg else None,
        r_fps=float(real) if real else None,
        duration=_float(stream.get("duration")),
        nb_frames=int(str(nb_frames)) if str(nb_frames or "").isdigit() else None,
        pix_fmt=stream.get("pix_fmt"),
    )


def streams_end(data: dict[str, Any]) -> float | None:
    """The longest audio or video stream's duration in ffprobe's JSON (from the sample tables in
    MP4/MOV, which a patched mvhd does not change), or None when no stream states one."""
    ends = [
        value
        for s in data.get("streams") or []
        if s.get("codec_type") in ("video", "audio") and not (s.get("disposition") or {}).get("attached_pic")
        if (value := _float(s.get("duration"))) is not None and value > 0
    ]
    return max(ends) if ends else None


def plausible(declared: float | None, streams: float | None) -> bool:
    """Whether the container's duration can be taken as it is: it agrees with the streams' (1 s or 2 %)."""
    if declared is None or streams is None:
        return False
    return abs(declared - streams) <= max(1.0, 0.02 * streams)


def last_packet_end(path: Path, near: float | None, timeout: float = 60.0) -> float | None:
    """End of the last packet (pts + duration) of any stream, in seconds on the file's timeline.

    Seeks to a little before `near` first (the demuxer lands on the last keyframe before it, even
    when `near` lies far beyond the data), so only the end of the file is read; from the start if
    that gives nothing."""
    starts = [max(0.0, near - 10.0), 0.0] if near and near > 10.0 else [0.0]
    for start in starts:
        rows = runner.ffprobe_packets(path, "pts_time,duration_time", timeout=timeout, read_from=start)
        ends = []
        for row in rows:
            if (start_at := _float(row[0])) is not None:
                ends.append(start_at + (_float(row[1] if len(row) > 1 else None) or 0.0))
        if ends:
            return max(ends)
    return None


def parse_probe(path: Path, data: dict[str, Any]) -> MediaProbe:
    """Pure: ffprobe JSON → MediaProbe. Cover art (attached_pic) is not the video."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    return MediaProbe(
        path=str(path),
        format_name=fmt.get("format_name", ""),
        format_long_name=fmt.get("format_long_name", ""),
        duration=_float(fmt.get("duration")),
        size=int(fmt.get("size") or (path.stat().st_size if path.exists() else 0)),
        bit_rate=int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        video=_video_stream(videos[0]) if videos else None,
        audio_codecs=[s.get("codec_name", "") for s in streams if s.get("codec_type") == "audio"],
        subtitle_codecs=[s.get("codec_name", "") for s in streams if s.get("codec_type") == "subtitle"],
        tags={str(k): str(v) for k, v in (fmt.get("tags") or {}).items()},
        raw=data,
    )


def probe(path: Path) -> MediaProbe:
    """Run ffprobe on `path` (through the ffmpeg seam, with a time limit); raise ProbeError when it is not readable media."""
    try:
        data = runner.ffprobe_json(path, timeout=PROBE_TIMEOUT)
    except ffmpeg.Error as exc:
        lines = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        # The cause is often an earlier line ("moov atom not found") than the last one.
        raise ProbeError(path, " | ".join(lines[-3:]) if lines else "ffprobe failed") from None
    except json.JSONDecodeError:
        raise ProbeError(path, "ffprobe printed no JSON") from None
    media = parse_probe(path, data)
    declared, streams = media.duration, streams_end(data)
    if plausible(declared, streams):
        return media
    # The container and its streams disagree (or the streams say nothing): the packets tell.
    known = [d for d in (declared, streams) if d is not None]
    end = last_packet_end(path, min(known) if known else None)
    start = _float((data.get("format") or {}).get("start_time")) or 0.0
    measured = round(end - start, 3) if end is not None and end > start else streams
    if measured is None or plausible(declared, measured):
        return media
    return replace(media, duration=measured, declared_duration=declared)


def min_fps_per_second(path: Path, stream_index: int, timeout: float = 120.0) -> float | None:
    """Lowest number of video frames in any whole second, from packet timestamps (no decoding).

    Only asked for when the stream looks variable-rate: reading packets is cheap but not free.
    """
    rows = runner.ffprobe_packets(
        path, "pts_time", timeout=timeout, stream=stream_index, require_success=True
    )
    if not rows:
        return None
    times = sorted(t for t in (_float(row[0]) for row in rows) if t is not None)
    if len(times) < 2:
        return None
    start, end = times[0], times[-1]
    whole_seconds = int(end - start)
    if whole_seconds < 1:
        return None
    counts = [0] * whole_seconds
    for t in times:
        slot = int(t - start)
        if slot < whole_seconds:
            counts[slot] += 1
    return float(min(counts))
