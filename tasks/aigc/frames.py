"""Frame sampling with ffmpeg for label OCR: display-oriented BGR frames at chosen times.

Frames are scaled to the displayed geometry (sample aspect ratio applied, rotation by ffmpeg's
autorotate) with the long side at most 1920 px: the label's height *ratio* does not change with
scale, and OCR on 4K frames would cost four times as much for nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.media import runner
from tasks.media.decode import RawBranch

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


# Frames chosen on one decode (screening's): each target time gets the first frame at or after it.


@dataclass(frozen=True, slots=True)
class SamplePlan:
    """The label frames of one video: the opening window densely, the middle and end sparsely."""

    opening: tuple[float, float, float]  # (start, end, step), as read_window takes them
    middle: tuple[float, ...]  # single frames, as read_frame takes them
    closing: tuple[tuple[float, float, float], ...]  # windows (start, end, step)
    size: tuple[int, int]

    def windows(self) -> list[tuple[float, float, float]]:
        return [self.opening, *self.closing]

    def targets(self) -> list[float]:
        times = list(self.middle)
        for start, end, step in self.windows():
            k = 0
            while start + k * step <= end + 1e-9:
                times.append(round(start + k * step, 6))
                k += 1
        return sorted(set(times))


def select_expression(targets: Sequence[float]) -> str:
    """ffmpeg `select`: a frame is kept when a target time falls in (previous frame, this frame]
    (the first frame when a target is at or before it): the first frame at or after each target."""
    terms = [f"gt({t:.6f},prev_t)*lte({t:.6f},t)" for t in targets]
    return "+".join([f"isnan(prev_t)*lte({min(targets):.6f},t)", *terms]) if terms else "0"


LABEL_FRAMES = "label-frames.bgr"
LABEL_TIMES = "label-frames.json"


def label_branch(folder: Path, plan: SamplePlan) -> RawBranch:
    """The plan's frames as a branch of screening's one decode: BGR at the display size, logged
    by showinfo (their times), written raw into `folder`."""
    width, height = plan.size
    return RawBranch(
        folder / LABEL_FRAMES,
        (
            ("select", (select_expression(plan.targets()),), {}),
            ("scale", (width, height), {}),
            ("setsar", ("1",), {}),
            ("showinfo", (), {}),
        ),
        pix_fmt="bgr24",
    )


def save_times(folder: Path, plan: SamplePlan, times: Sequence[float]) -> None:
    """After a completed decode: the frames' times and size beside them (what `load` reads)."""
    (folder / LABEL_TIMES).write_text(json.dumps({"size": list(plan.size), "times": list(times)}))


class DecodedFrames:
    """The frames of a `label_branch`, served as `read_window`/`read_frame` serve a file (the same
    choice of frames, with no decode of their own)."""

    def __init__(self, times: Sequence[float], images: Sequence[np.ndarray]) -> None:
        self.frames = [Frame(round(t, 3), image) for t, image in zip(times, images, strict=True)]

    @classmethod
    def load(cls, folder: Path) -> DecodedFrames | None:
        """The frames a completed decode left in `folder` (`save_times` marks it complete); None
        when they are missing or do not add up (the caller then reads the file itself)."""
        try:
            index = json.loads((folder / LABEL_TIMES).read_text())
            width, height = (int(v) for v in index["size"])
            times = [float(t) for t in index["times"]]
            data = (folder / LABEL_FRAMES).read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        frame_bytes = width * height * 3
        if len(data) != len(times) * frame_bytes:
            return None
        images = [
            np.frombuffer(data, np.uint8, frame_bytes, i * frame_bytes).reshape(height, width, 3)
            for i in range(len(times))
        ]
        return cls(times, images)

    def _first_at(self, t: float) -> Frame | None:
        return next((f for f in self.frames if f.t >= t - 5e-4), None)

    def read_window(
        self, path: Path, start: float, end: float, step: float, size: tuple[int, int], timeout: float = 0.0
    ) -> list[Frame]:
        chosen: list[Frame] = []
        k = 0
        while start + k * step <= end + 1e-9:
            frame = self._first_at(start + k * step)
            if (
                frame is not None
                and frame.t < start + (k + 1) * step
                and (not chosen or chosen[-1] is not frame)
            ):
                chosen.append(frame)
            k += 1
        return chosen

    def read_frame(self, path: Path, t: float, size: tuple[int, int], timeout: float = 0.0) -> Frame | None:
        return self._first_at(t)
