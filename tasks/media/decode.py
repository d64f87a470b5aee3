"""The one full decode of a video: integrity (errors, truncation) plus black/frozen stretches.

Decoding dominates the cost of screening, so everything that needs every frame rides on this
single ffmpeg process. The advisory detectors see a 5 fps, 320-px-wide copy: they look for
stretches of seconds, and a full-size comparison of every frame would cost more than the decode.

A `GrayTap` adds a second branch to that same process: a few gray frames a second of chosen
horizontal bands (the subtitle check's samples), piped out as raw video and handed to a callback
while the decode runs. `sample_gray` runs the same branch alone when no full decode is wanted.

A `RawBranch` adds a branch written raw to a file: consumers that need only a few small frames
(the originality signature's 2 fps 32×32 thumbnails) read them once the decode is over, instead of
decoding the whole video again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np

from tasks.media import runner

# With `level+info` each line reads "[ctx @ 0x…] [level] text" or "[level] text".
_LEVEL = re.compile(
    r"^(?P<ctx>\[[^\]]+ @ 0x[0-9a-f]+\]\s*)?\[(?P<level>panic|fatal|error|warning|info|verbose|debug)\]\s*(?P<text>.*)$"
)
_STATS_TIME = re.compile(r"time=\s*(-?\d+):(\d+):(\d+(?:\.\d+)?)")
_BLACK = re.compile(r"black_start:\s*(?P<start>[\d.]+)\s+black_end:\s*(?P<end>[\d.]+)")
_FREEZE = re.compile(r"lavfi\.freezedetect\.freeze_(?P<what>start|end):\s*(?P<t>[\d.]+)")
_SHOWN = re.compile(r"showinfo.*\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:\s*(?P<t>-?[\d.]+)")


@dataclass(frozen=True, slots=True)
class DecodeError:
    seconds: float  # position in the video when ffmpeg reported it
    message: str


@dataclass(frozen=True, slots=True)
class Stretch:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(slots=True)
class DecodeReport:
    completed: bool  # ffmpeg ran to the end of the stream and exited 0
    timed_out: bool
    decoded_seconds: float  # how far the decode got
    wall_seconds: float
    errors: list[DecodeError] = field(default_factory=list)
    black: list[Stretch] = field(default_factory=list)
    frozen: list[Stretch] = field(default_factory=list)
    shown: list[float] = field(default_factory=list)  # pts times of the frames a branch's showinfo saw


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_decode_log(log: str) -> tuple[float, list[DecodeError], list[Stretch], list[Stretch]]:
    """Pure: ffmpeg's `-loglevel level+info` stderr → (decoded up to, errors, black, frozen)."""
    position = 0.0
    errors: list[DecodeError] = []
    black: list[Stretch] = []
    frozen: list[Stretch] = []
    freeze_start: float | None = None
    for line in re.split(r"[\r\n]+", log):
        stats = _STATS_TIME.search(line)
        if stats and "frame=" in line:
            position = max(position, _seconds(stats))
            continue
        level = _LEVEL.match(line.strip())
        if not level:
            continue
        text = (level["ctx"] or "") + level["text"]
        if level["level"] in ("panic", "fatal", "error"):
            errors.append(DecodeError(seconds=round(position, 2), message=text))
        elif found := _BLACK.search(text):
            black.append(Stretch(float(found["start"]), float(found["end"])))
        elif found := _FREEZE.search(text):
            if found["what"] == "start":
                freeze_start = float(found["t"])
            elif freeze_start is not None:
                frozen.append(Stretch(freeze_start, float(found["t"])))
                freeze_start = None
    if freeze_start is not None:  # frozen until the end: freezedetect logs no end then
        frozen.append(Stretch(freeze_start, max(position, freeze_start)))
    return position, errors, black, frozen


def shown_times(log: str) -> list[float]:
    """Pure: the pts times that a `showinfo` filter logged, in order."""
    return [float(found["t"]) for found in _SHOWN.finditer(log)]


@dataclass(frozen=True, slots=True)
class GrayTap:
    """Gray samples of horizontal bands: `fps` frames a second, optionally scaled to `scale` (w, h)
    first, then each (y, height) band cropped at full width and stacked top to bottom.

    `on_frame(t, pixels)` gets the sample time in seconds (i / fps: the fps filter emits frames on
    that grid) and a (sum of heights, width) uint8 array. It runs on the reading thread; a slow
    callback slows the decode down instead of buffering frames in memory.
    """

    fps: float
    width: int  # of the frame after scaling
    bands: tuple[tuple[int, int], ...]
    on_frame: Callable[[float, np.ndarray], None]
    scale: tuple[int, int] | None = None

    @property
    def frame_shape(self) -> tuple[int, int]:
        return (sum(h for _, h in self.bands), self.width)


Filters = tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]


@dataclass(frozen=True, slots=True)
class RawBranch:
    """Frames of the one decode through `filters` (name, args, kwargs), written raw as `pix_fmt`
    to `path`; read it after the decode (`read_bytes`)."""

    path: Path
    filters: Filters
    pix_fmt: str = "gray"

    def read_bytes(self) -> bytes:
        return self.path.read_bytes() if self.path.is_file() else b""


def _branch_output(video: ffmpeg.nodes.FilterableStream, branch: RawBranch) -> ffmpeg.nodes.OutputStream:
    stream = video
    for name, args, kwargs in branch.filters:
        stream = stream.filter(name, *args, **kwargs)
    # vfr: exactly the frames the filters let through (rawvideo would otherwise be filled up to a
    # constant rate with duplicates between sparse selected frames).
    return ffmpeg.output(stream, str(branch.path), format="rawvideo", pix_fmt=branch.pix_fmt, fps_mode="vfr")


def _tap_stream(video: ffmpeg.nodes.FilterableStream, tap: GrayTap) -> ffmpeg.nodes.FilterableStream:
    stream = video.filter("fps", tap.fps)
    if tap.scale:
        stream = stream.filter("scale", tap.scale[0], tap.scale[1])
    stream = stream.filter("format", "gray")
    if len(tap.bands) == 1:
        y, h = tap.bands[0]
        return stream.crop(0, y, tap.width, h)
    parts = stream.split()
    crops = [parts[i].crop(0, y, tap.width, h) for i, (y, h) in enumerate(tap.bands)]
    return ffmpeg.filter(crops, "vstack", inputs=len(crops))


def _detectors(video: ffmpeg.nodes.FilterableStream, *, black_min: float, freeze_min: float):
    return (
        video.filter("fps", 5)
        .filter("scale", 320, -2)
        .filter("blackdetect", d=black_min, pix_th=0.10)
        .filter("freezedetect", n=0.001, d=freeze_min)
    )


_GLOBAL_ARGS = (*runner.GLOBAL_ARGS, "-loglevel", "level+info", "-stats_period", "0.5")


def decode_command(
    path: Path,
    *,
    black_min: float,
    freeze_min: float,
    tap: GrayTap | None = None,
    branches: tuple[RawBranch, ...] = (),
) -> list[str]:
    # Every frame is decoded (integrity), but H.264/HEVC's deblocking filter is skipped: it only
    # smooths block edges, which none of the branches needs (5 fps 320-px detectors, grey samples
    # for OCR, 32×32 thumbnails); −8.5 % CPU on bench/pipeline.py's work (3 runs each: 41.2 → 37.7
    # CPU-s). Decoding errors and truncation are reported as before.
    video = ffmpeg.input(str(path), skip_loop_filter="all").video
    ways = 1 + (tap is not None) + len(branches)
    parts = video.split() if ways > 1 else None
    take = iter(range(ways))

    def _next() -> ffmpeg.nodes.FilterableStream:
        return parts[next(take)] if parts is not None else video

    detectors = _detectors(_next(), black_min=black_min, freeze_min=freeze_min)
    outputs = [ffmpeg.output(detectors, "-", format="null")]
    if tap is not None:
        outputs.append(ffmpeg.output(_tap_stream(_next(), tap), "pipe:1", format="rawvideo", pix_fmt="gray"))
    outputs += [_branch_output(_next(), branch) for branch in branches]
    merged = ffmpeg.merge_outputs(*outputs) if len(outputs) > 1 else outputs[0]
    # -y: a decode run again after a reader failure rewrites its branch files.
    return merged.global_args(*_GLOBAL_ARGS).overwrite_output().compile()


def sample_command(path: Path, tap: GrayTap) -> list[str]:
    """The tap alone. Skipping non-reference frames and the loop filter saves ~20 % of the decode
    (../shared/notes/ocr-and-asr.md); a sample may then be a neighbouring frame, which does not
    matter at a few samples a second."""
    video = ffmpeg.input(str(path), skip_frame="noref", skip_loop_filter="all").video
    out = ffmpeg.output(_tap_stream(video, tap), "pipe:1", format="rawvideo", pix_fmt="gray")
    return out.global_args(*runner.GLOBAL_ARGS, "-loglevel", "error").compile()


def _run_with_tap(cmd: list[str], tap: GrayTap, timeout: float) -> tuple[str, int, bool]:
    """Run ffmpeg, feeding each raw frame on stdout to the tap; return (stderr, returncode, timed out)."""
    rows, width = tap.frame_shape
    size = rows * width
    index = 0

    def _frame(chunk: bytes) -> None:
        nonlocal index
        if len(chunk) < size:  # the end of the stream
            return
        tap.on_frame(index / tap.fps, np.frombuffer(chunk, np.uint8).reshape(rows, width))
        index += 1

    done = runner.run(cmd, timeout=timeout, on_chunk=_frame, chunk_size=size, max_stdout=runner.UNBOUNDED)
    return done.log, done.returncode, done.timed_out


def sample_gray(path: Path, tap: GrayTap, *, duration: float | None) -> bool:
    """Run the tap in its own (cheaper) decode; True when ffmpeg ran to the end."""
    _, returncode, timed_out = _run_with_tap(sample_command(path, tap), tap, decode_timeout(duration))
    return returncode == 0 and not timed_out


MAX_DECODE_TIMEOUT = 1800.0  # 30 minutes: a 5-min 1080p work decodes in ~40 s on a loaded 2-core host


def decode_timeout(duration: float | None) -> float:
    """Generous enough for a loaded 2-core machine (a 5-min 1080p file decodes in ~40 s there), and
    never more than MAX_DECODE_TIMEOUT whatever a file claims (4.29e9 s overflowed the timer)."""
    seconds = duration if duration is not None and 0 < duration < float("inf") else 300.0
    return min(120.0 + 3.0 * seconds, MAX_DECODE_TIMEOUT)


def full_decode(
    path: Path,
    *,
    duration: float | None,
    black_min: float = 3.0,
    freeze_min: float = 5.0,
    tap: GrayTap | None = None,
    branches: tuple[RawBranch, ...] = (),
) -> DecodeReport:
    """The one full decode; `tap` reads while it runs, `branches` are written to their files."""
    cmd = decode_command(path, black_min=black_min, freeze_min=freeze_min, tap=tap, branches=branches)
    started = time.monotonic()
    timed_out = False
    if tap is not None:
        log, returncode, timed_out = _run_with_tap(cmd, tap, decode_timeout(duration))
        if timed_out:
            returncode = -1
    else:
        done = runner.run(cmd, timeout=decode_timeout(duration), max_stdout=1 << 20)  # null output
        log, returncode, timed_out = done.log, done.returncode, done.timed_out
    position, errors, black, frozen = parse_decode_log(log)
    return DecodeReport(
        shown=shown_times(log),
        completed=returncode == 0 and not timed_out,
        timed_out=timed_out,
        decoded_seconds=position,
        wall_seconds=time.monotonic() - started,
        errors=errors,
        black=black,
        frozen=frozen,
    )
