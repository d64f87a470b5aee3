"""The one full decode of a video: integrity (errors, truncation) plus black/frozen stretches.

Decoding dominates the cost of screening, so everything that needs every frame rides on this
single ffmpeg process. The advisory detectors see a 5 fps, 320-px-wide copy: they look for
stretches of seconds, and a full-size comparison of every frame would cost more than the decode.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg

# With `level+info` each line reads "[ctx @ 0x…] [level] text" or "[level] text".
_LEVEL = re.compile(
    r"^(?P<ctx>\[[^\]]+ @ 0x[0-9a-f]+\]\s*)?\[(?P<level>panic|fatal|error|warning|info|verbose|debug)\]\s*(?P<text>.*)$"
)
_STATS_TIME = re.compile(r"time=\s*(-?\d+):(\d+):(\d+(?:\.\d+)?)")
_BLACK = re.compile(r"black_start:\s*(?P<start>[\d.]+)\s+black_end:\s*(?P<end>[\d.]+)")
_FREEZE = re.compile(r"lavfi\.freezedetect\.freeze_(?P<what>start|end):\s*(?P<t>[\d.]+)")


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


def decode_command(path: Path, *, black_min: float, freeze_min: float) -> list[str]:
    stream = (
        ffmpeg.input(str(path))
        .video.filter("fps", 5)
        .filter("scale", 320, -2)
        .filter("blackdetect", d=black_min, pix_th=0.10)
        .filter("freezedetect", n=0.001, d=freeze_min)
    )
    out = ffmpeg.output(stream, "-", format="null").global_args(
        "-nostdin", "-hide_banner", "-loglevel", "level+info", "-stats_period", "0.5"
    )
    return out.compile()


def decode_timeout(duration: float | None) -> float:
    """Generous enough for a loaded 2-core machine (a 5-min 1080p file decodes in ~40 s there)."""
    return 120.0 + 3.0 * (duration or 300.0)


def full_decode(
    path: Path, *, duration: float | None, black_min: float = 3.0, freeze_min: float = 5.0
) -> DecodeReport:
    cmd = decode_command(path, black_min=black_min, freeze_min=freeze_min)
    started = time.monotonic()
    timed_out = False
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=decode_timeout(duration), check=False)
        log, returncode = done.stderr.decode("utf-8", "replace"), done.returncode
    except subprocess.TimeoutExpired as exc:
        log, returncode, timed_out = (exc.stderr or b"").decode("utf-8", "replace"), -1, True
    position, errors, black, frozen = parse_decode_log(log)
    return DecodeReport(
        completed=returncode == 0 and not timed_out,
        timed_out=timed_out,
        decoded_seconds=position,
        wall_seconds=time.monotonic() - started,
        errors=errors,
        black=black,
        frozen=frozen,
    )
