"""Frame sampling with ffmpeg for label OCR: display-oriented BGR frames at chosen times.

Frames are scaled to the displayed geometry (sample aspect ratio applied, rotation by ffmpeg's
autorotate) with the long side at most 1920 px: the label's height *ratio* does not change with
scale, and OCR on 4K frames would cost four times as much for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.media import runner

MAX_LONG_SIDE = 1920
_PTS = re.compile(r"pts_time:\s*(-?[\d.]+)")


class FrameError(Exception):
    """ffmpeg could not deliver the frames (unreadable file, bad seek)."""


@dataclass(frozen=True, slots=True)
class Frame:
    t: float  # seconds on the file's timeline
    image: np.ndarray  # BGR uint8, display orientation

    @property
    def short_side(self) -> int:
        return min(self.image.shape[:2])


def frame_size(display_width: int, display_height: int) -> tuple[int, int]:
    """Output (width, height): the displayed frame, long side ≤ MAX_LONG_SIDE, even numbers."""
    scale = min(1.0, MAX_LONG_SIDE / max(display_width, display_height, 1))
    width = max(2, round(display_width * scale / 2) * 2)
    height = max(2, round(display_height * scale / 2) * 2)
    return width, height


def _run(cmd: list[str], width: int, height: int, timeout: float) -> tuple[list[np.ndarray], list[float]]:
    frame_bytes = width * height * 3
    done = runner.run(cmd, timeout=timeout)
    if done.timed_out:
        raise FrameError(f"ffmpeg took longer than {timeout:.0f} s")
    if done.returncode != 0 and not done.stdout:
        raise FrameError(f"ffmpeg exit {done.returncode}: {done.log_tail(10**6, skip='showinfo')[-300:]}")
    data = done.stdout
    count = len(data) // frame_bytes
    images = [
        np.frombuffer(data, np.uint8, frame_bytes, i * frame_bytes).reshape(height, width, 3)
        for i in range(count)
    ]
    times = [float(m) for m in _PTS.findall(done.log)]
    return images, times


def _cmd(path: Path, start: float, length: float | None, vf: str, frames: int | None) -> list[str]:
    return runner.raw_frames_command(path, start=start, length=length, vf=vf, frames=frames)


def read_window(
    path: Path, start: float, end: float, step: float, size: tuple[int, int], timeout: float = 120.0
) -> list[Frame]:
    """The first frame of every `step`-second slot in [start, end]: one ffmpeg run, one decode."""
    width, height = size
    # select on t (not frame numbers, not fps=): the first frame of each slot, on time.
    select = f"select='isnan(prev_selected_t)+gt(floor(t/{step}),floor(prev_selected_t/{step}))'"
    vf = f"{select},scale={width}:{height},setsar=1,showinfo"
    images, times = _run(_cmd(path, start, end - start + 1e-3, vf, None), width, height, timeout)
    return [Frame(round(start + t, 3), img) for t, img in zip(times, images, strict=False)]


def read_frame(path: Path, t: float, size: tuple[int, int], timeout: float = 60.0) -> Frame | None:
    """One frame at `t` seconds (input seeking: decodes from the previous keyframe only)."""
    width, height = size
    vf = f"scale={width}:{height},setsar=1,showinfo"
    images, times = _run(_cmd(path, t, None, vf, 1), width, height, timeout)
    if not images:
        return None
    return Frame(round(t + (times[0] if times else 0.0), 3), images[0])
