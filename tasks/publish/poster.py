"""The poster frame: a representative picture of the work, not black, not blurred, not the AI label
or a title card.

Candidates are the keyframes of the smallest rendition (`-skip_frame nokey`: only they are decoded,
every two seconds and at scene cuts), past the opening seconds (where the AI label and the title
are) and before the closing credits, outside any window where screening saw a visible AI label.
Each is scored on a small copy: brightness, contrast, sharpness (variance of the Laplacian),
colourfulness; a frame mostly of one flat tone (a card with text on it) is set aside.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import ffmpeg
import numpy as np

from tasks.media import runner

SAMPLE_WIDTH = 256
MIN_CANDIDATES = 6
_PTS = re.compile(r"\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:\s*(?P<t>-?[\d.]+)")


class PosterError(Exception):
    """ffmpeg could not sample or cut the poster; the message is Chinese."""


@dataclass(frozen=True, slots=True)
class PosterRules:
    opening_seconds: float = 3.0  # the AI label (≥ 2 s) and the title are shown here
    opening_share: float = 0.10  # … or in the first tenth of a long work
    closing_share: float = 0.05  # closing credits
    dark: float = 0.10  # mean brightness (0–1) below: a black frame
    bright: float = 0.95  # above: a white flash
    flat_share: float = 0.60  # share of pixels within ±4 levels of the commonest one: a card
    min_contrast: float = 0.04  # standard deviation of the brightness
    label_margin: float = 0.5  # seconds around a visible AI label


@dataclass(frozen=True, slots=True)
class FrameScore:
    t: float
    brightness: float
    contrast: float
    sharpness: float
    flat: float
    colourfulness: float
    rejected: str | None  # why it cannot be the poster (Chinese), None when it can

    @property
    def score(self) -> float:
        if self.rejected:
            return -1.0
        exposure = 1.0 - min(1.0, abs(self.brightness - 0.45) / 0.45)
        return math.log1p(self.sharpness) * (0.5 + exposure) * (1.0 + min(self.colourfulness, 100.0) / 100.0)


def score_frame(t: float, rgb: np.ndarray, rules: PosterRules = PosterRules()) -> FrameScore:
    """Pure: one RGB frame (H×W×3, uint8) → its measures and, if it must not be the poster, why."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    brightness = float(gray.mean()) / 255.0
    contrast = float(gray.std()) / 255.0
    sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    hist = np.bincount(gray.ravel(), minlength=256)
    mode = int(hist.argmax())
    flat = float(hist[max(0, mode - 4) : mode + 5].sum()) / gray.size
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colourfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    rejected = None
    if brightness < rules.dark:
        rejected = "画面过暗（黑场）"
    elif brightness > rules.bright:
        rejected = "画面过亮（白场）"
    elif contrast < rules.min_contrast:
        rejected = "画面几乎没有细节"
    elif flat > rules.flat_share:
        rejected = "大面积纯色（片头卡、字幕卡）"
    return FrameScore(t, brightness, contrast, sharpness, flat, colourfulness, rejected)


def window(duration: float, rules: PosterRules = PosterRules()) -> tuple[float, float]:
    """Where a poster may come from: past the opening, before the closing credits."""
    start = min(max(rules.opening_seconds, rules.opening_share * duration), 0.5 * duration)
    return start, duration * (1.0 - rules.closing_share)


def choose(
    scores: Sequence[FrameScore],
    duration: float,
    avoid: Sequence[tuple[float, float]] = (),
    rules: PosterRules = PosterRules(),
) -> FrameScore | None:
    """Pure: the best acceptable frame inside the window and outside the AI-label windows; else
    outside the label windows anywhere; else any acceptable frame; else None (the caller takes the
    middle of the work)."""
    start, end = window(duration, rules)

    def clear(s: FrameScore) -> bool:
        return not any(a - rules.label_margin <= s.t <= b + rules.label_margin for a, b in avoid)

    usable = [s for s in scores if s.rejected is None]
    outside = [s for s in usable if clear(s)]
    inside = [s for s in outside if start <= s.t <= end]
    return max(inside or outside or usable, key=lambda s: s.score, default=None)


def sample_frames(
    path: Path, every: float | None = None, timeout: float = 300.0
) -> list[tuple[float, np.ndarray]]:
    """RGB frames of `path` at SAMPLE_WIDTH wide with their times (from showinfo): the keyframes
    only, or with `every` one frame per that many seconds (a full decode: for short works)."""
    probe_data = runner.ffprobe_json(path, timeout=timeout, select_streams="v:0")
    stream = probe_data["streams"][0]
    width, height = int(stream["width"]), int(stream["height"])
    out_h = max(2, round(height * SAMPLE_WIDTH / width / 2) * 2)
    if every is None:
        video = ffmpeg.input(str(path), skip_frame="nokey").video
    else:
        video = ffmpeg.input(str(path)).video.filter("fps", f"1/{every:.3f}")
    video = video.filter("scale", SAMPLE_WIDTH, out_h).filter("showinfo").filter("format", "rgb24")
    cmd = (
        ffmpeg.output(video, "pipe:1", format="rawvideo", pix_fmt="rgb24", fps_mode="passthrough")
        .global_args(*runner.GLOBAL_ARGS, "-loglevel", "info")
        .compile()
    )
    done = runner.run(cmd, timeout=timeout)
    if done.timed_out:
        raise PosterError(f"{path.name}：取封面候选画面超时（{timeout:.0f}秒）")
    times = [float(m["t"]) for m in _PTS.finditer(done.log)]
    size = SAMPLE_WIDTH * out_h * 3
    frames = []
    for i, t in enumerate(times):
        chunk = done.stdout[i * size : (i + 1) * size]
        if len(chunk) < size:
            break
        frames.append((t, np.frombuffer(chunk, np.uint8).reshape(out_h, SAMPLE_WIDTH, 3)))
    return frames


def extract_frame(path: Path, t: float, target: Path, timeout: float = 120.0) -> Path:
    """One JPEG of the frame at `t` seconds, at the file's own size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = (
        ffmpeg.input(str(path), ss=max(0.0, t))
        .output(str(target), vframes=1, **{"q:v": 3})
        .global_args(*runner.GLOBAL_ARGS, "-loglevel", "error")
        .overwrite_output()
        .compile()
    )
    done = runner.run(cmd, timeout=timeout, max_stdout=1 << 20)
    if not done.ok:
        why = (
            f"超时（{timeout:.0f}秒）" if done.timed_out else f"（{done.log_tail(3) or 'ffmpeg 未给出原因'}）"
        )
        raise PosterError(f"{path.name}：无法截取第{t:.1f}秒的画面{why}")
    return target


@dataclass(frozen=True, slots=True)
class Poster:
    path: Path
    t: float
    candidates: int
    reason: str  # Chinese: how it was chosen


def make_poster(
    sample_from: Path,
    frame_from: Path,
    duration: float,
    target: Path,
    avoid: Sequence[tuple[float, float]] = (),
    rules: PosterRules = PosterRules(),
) -> Poster:
    """Score the keyframes of `sample_from` (a small rendition), cut the chosen one from `frame_from`."""
    frames = sample_frames(sample_from)
    if len(frames) < MIN_CANDIDATES and duration > 0:  # a short work: decode it all, it is cheap
        frames = sample_frames(sample_from, every=duration / (2 * MIN_CANDIDATES))
    scores = [score_frame(t, rgb, rules) for t, rgb in frames]
    best = choose(scores, duration, avoid, rules)
    if best is None:
        t, reason = duration / 2, "没有合适的画面，取作品中点"
    else:
        start, end = window(duration, rules)
        where = "" if start <= best.t <= end else "（片头片尾之外无合适画面）"
        t, reason = best.t, f"第{best.t:.1f}秒的画面，清晰度与曝光最佳{where}"
    return Poster(extract_frame(frame_from, t, target), round(t, 3), len(scores), reason)
