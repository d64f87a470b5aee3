"""Explicit visual labels: OCR on the opening seconds and on samples from the middle and the end.

Per label it measures when it appears and for how long, where (edge or corner) and its text height
relative to the frame's short side (GB 45438 §5.4: opening frames, ≥2 s, ≥5 %, edge or corner).

OCR budget: the opening window is decoded once at 2 frames/s, OCR runs on every other frame
(1 s grid) and then only on the frames between two OCR'd frames that disagree, so a label's start and
end are known to 0.5 s with about half the OCR calls.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tasks.aigc import frames as framing
from tasks.aigc.labels import is_label_text
from tasks.engines.ocr import OcrEngine, OcrLine
from tasks.media.probe import MediaProbe
from tasks.rules import ContestRules

STEP = 0.5  # seconds between decoded opening frames
EDGE_BAND = 0.15  # a box within 15 % of a side touches that edge
# OCR box height to glyph height: the detector's box carries padding; measured 0.61–0.78 (median
# 0.65) over Noto Sans/Serif CJK, 24–100 px, on flat and busy backgrounds.
BOX_TO_GLYPH = 0.65

POSITION_LABELS = {
    "top-left": "左上角",
    "top-right": "右上角",
    "bottom-left": "左下角",
    "bottom-right": "右下角",
    "top": "顶部边缘",
    "bottom": "底部边缘",
    "left": "左侧边缘",
    "right": "右侧边缘",
    "center": "画面中部",
}


def glyph_height(image: np.ndarray, line: OcrLine) -> tuple[float, str]:
    """Text height in px inside an OCR box, and how it was measured ("ink" or "box").

    Ink: Otsu inside the box, the minority polarity is the text; rows with ≥8 % of the fullest row's
    text pixels span the glyphs. Busy backgrounds break that; implausible results fall back on the
    box height times BOX_TO_GLYPH.
    """
    x0, y0, x1, y1 = (round(v) for v in line.bounds)
    h, w = image.shape[:2]
    crop = image[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]
    box_h = line.height
    if crop.size == 0 or crop.shape[0] < 6:
        return box_h * BOX_TO_GLYPH, "box"
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = binary > 0
    if mask.mean() > 0.5:
        mask = ~mask
    fraction = float(mask.mean())
    rows = mask.sum(axis=1)
    on = np.flatnonzero(rows >= 0.08 * max(1, rows.max()))
    if len(on) and 0.03 < fraction < 0.35:
        ink = float(on[-1] - on[0] + 1)
        if 0.5 <= ink / crop.shape[0] <= 0.8:
            return ink, "ink"
    return box_h * BOX_TO_GLYPH, "box"


def position(bounds: tuple[float, float, float, float], width: int, height: int) -> str:
    x0, y0, x1, y1 = bounds
    horizontal = "left" if x0 < EDGE_BAND * width else ("right" if x1 > (1 - EDGE_BAND) * width else "")
    vertical = "top" if y0 < EDGE_BAND * height else ("bottom" if y1 > (1 - EDGE_BAND) * height else "")
    if horizontal and vertical:
        return f"{vertical}-{horizontal}"
    return vertical or horizontal or "center"


@dataclass(frozen=True, slots=True)
class Sighting:
    t: float
    text: str
    box: tuple[tuple[float, float], ...]
    height_px: float
    height_method: str
    box_height_px: float
    height_ratio: float  # glyph height / frame short side
    position: str
    score: float


@dataclass(slots=True)
class LabelTrack:
    """One label (one place on the frame) across the sampled frames."""

    key: str
    sightings: list[Sighting] = field(default_factory=list)
    window: str = "opening"  # or "middle", "end"
    start: float = 0.0  # estimated first visible time
    end: float = 0.0  # estimated last visible time
    min_seconds: float = 0.0  # bounds from the sampled frames
    max_seconds: float | None = None  # None: still visible when the window ended
    crop_png: bytes | None = None
    crop_key: str | None = None  # where the crop was stored, when it was

    @property
    def text(self) -> str:
        return max(self.sightings, key=lambda s: s.score).text

    @property
    def seconds(self) -> float:
        return round(self.end - self.start, 2)

    @property
    def height_ratio(self) -> float:
        return statistics.median(s.height_ratio for s in self.sightings)

    @property
    def height_px(self) -> float:
        return statistics.median(s.height_px for s in self.sightings)

    @property
    def position(self) -> str:
        return statistics.mode(s.position for s in self.sightings)

    def to_evidence(self) -> dict[str, Any]:
        first = self.sightings[0]
        return {
            "text": self.text,
            "window": self.window,
            "appears_at": round(self.start, 2),
            "visible_until": round(self.end, 2),
            "seconds": self.seconds,
            "seconds_bounds": [round(self.min_seconds, 2), self.max_seconds],
            "seen_at": [s.t for s in self.sightings],
            "position": self.position,
            "position_label": POSITION_LABELS[self.position],
            "height_px": round(self.height_px, 1),
            "height_method": first.height_method,
            "box_height_px": round(first.box_height_px, 1),
            "height_ratio": round(self.height_ratio, 4),
            "box": [[round(x, 1), round(y, 1)] for x, y in first.box],
            "ocr_score": round(max(s.score for s in self.sightings), 3),
            "crop": self.crop_key,
        }


@dataclass(slots=True)
class VisualReport:
    opening: list[LabelTrack] = field(default_factory=list)
    later: list[LabelTrack] = field(default_factory=list)
    frames_decoded: int = 0
    frames_ocr: int = 0
    ocr_times: list[float] = field(default_factory=list)
    frame_size: tuple[int, int] = (0, 0)
    problems: list[str] = field(default_factory=list)

    @property
    def tracks(self) -> list[LabelTrack]:
        return self.opening + self.later

    def to_evidence(self) -> dict[str, Any]:
        return {
            "labels": [t.to_evidence() for t in self.tracks],
            "frames_decoded": self.frames_decoded,
            "frames_ocr": self.frames_ocr,
            "ocr_times": self.ocr_times,
            "frame_size": list(self.frame_size),
            "problems": self.problems,
        }


def _merge_pairs(lines: list[OcrLine]) -> list[OcrLine]:
    """Two stacked or side-by-side lines that form a label only together (「本视频由」/「AI生成」)."""
    merged = []
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            if is_label_text(a.text) or is_label_text(b.text):
                continue
            first, second = sorted((a, b), key=lambda ln: (ln.bounds[1], ln.bounds[0]))
            gap_y = second.bounds[1] - first.bounds[3]
            gap_x = second.bounds[0] - first.bounds[2]
            size = max(first.height, second.height)
            stacked = gap_y < 0.8 * size and abs(first.bounds[0] - second.bounds[0]) < 3 * size
            beside = abs(first.bounds[1] - second.bounds[1]) < 0.5 * size and 0 <= gap_x < 1.5 * size
            if (stacked or beside) and is_label_text(first.text + second.text):
                xs = [p[0] for ln in (first, second) for p in ln.box]
                ys = [p[1] for ln in (first, second) for p in ln.box]
                box = ((min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys)))
                merged.append(OcrLine(first.text + second.text, box, min(first.score, second.score)))
    return merged


def label_sightings(frame: framing.Frame, lines: Sequence[OcrLine]) -> list[Sighting]:
    """The label lines of one OCR'd frame, measured."""
    height, width = frame.image.shape[:2]
    short = min(height, width)
    candidates = [ln for ln in lines if is_label_text(ln.text)] + _merge_pairs(list(lines))
    found = []
    for line in candidates:
        glyph, method = glyph_height(frame.image, line)
        found.append(
            Sighting(
                t=frame.t,
                text=line.text,
                box=line.box,
                height_px=glyph,
                height_method=method,
                box_height_px=line.height,
                height_ratio=glyph / short,
                position=position(line.bounds, width, height),
                score=line.score,
            )
        )
    return found


def crop_png(image: np.ndarray, box: tuple[tuple[float, float], ...], pad: int = 12) -> bytes | None:
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    h, w = image.shape[:2]
    x0, y0 = max(0, int(min(xs)) - pad), max(0, int(min(ys)) - pad)
    x1, y1 = min(w, int(max(xs)) + pad), min(h, int(max(ys)) + pad)
    if x1 <= x0 or y1 <= y0:
        return None
    ok, buf = cv2.imencode(".png", image[y0:y1, x0:x1])
    return buf.tobytes() if ok else None


class _Scanner:
    """OCR with a per-time cache; counts calls."""

    def __init__(self, engine: OcrEngine, report: VisualReport) -> None:
        self.engine = engine
        self.report = report
        self.seen: dict[float, list[Sighting]] = {}

    def scan(self, frame: framing.Frame) -> list[Sighting]:
        if frame.t not in self.seen:
            self.report.frames_ocr += 1
            self.report.ocr_times.append(frame.t)
            self.seen[frame.t] = label_sightings(frame, self.engine.read(frame.image))
        return self.seen[frame.t]


def _keys(sightings: list[Sighting]) -> frozenset[str]:
    return frozenset(s.position for s in sightings)


def scan_opening(frames: list[framing.Frame], scanner: _Scanner) -> None:
    """Coarse pass on every other frame, then the frames between disagreeing neighbours."""
    if not frames:
        return
    coarse = list(range(0, len(frames), 2))
    if coarse[-1] != len(frames) - 1:
        coarse.append(len(frames) - 1)
    for i in coarse:
        scanner.scan(frames[i])
    for a, b in itertools.pairwise(coarse):
        if b - a > 1 and _keys(scanner.seen[frames[a].t]) != _keys(scanner.seen[frames[b].t]):
            for i in range(a + 1, b):
                scanner.scan(frames[i])


def build_tracks(
    frames: list[framing.Frame], seen: dict[float, list[Sighting]], window: str, window_end: float | None
) -> list[LabelTrack]:
    """Group sightings into labels and estimate each one's on-screen interval (midpoint rule).

    A label first seen at t_i after an OCR'd frame t_{i-1} without it started between the two:
    the estimate is the midpoint (±half the gap, reported as bounds). Same for the end.
    """
    times = sorted(t for t in seen if any(abs(t - f.t) < 1e-6 for f in frames))
    images = {f.t: f.image for f in frames}
    tracks: dict[str, LabelTrack] = {}
    for t in times:
        for s in seen[t]:
            # Keyed by place, not text: one misread character in one frame must not cut a label in two.
            key = s.position
            tracks.setdefault(key, LabelTrack(key=key, window=window)).sightings.append(s)
    for track in tracks.values():
        present = {s.t for s in track.sightings}
        i0 = times.index(track.sightings[0].t)
        j = i0
        while j + 1 < len(times) and times[j + 1] in present:
            j += 1
        first, last = times[i0], times[j]
        before = times[i0 - 1] if i0 > 0 else None
        after = times[j + 1] if j + 1 < len(times) else None
        track.start = (before + first) / 2 if before is not None else (0.0 if first <= STEP else first)
        if after is not None:
            track.end = (last + after) / 2
            track.max_seconds = round(after - (before if before is not None else track.start), 2)
        else:
            # Still on screen at the last sampled frame: at least until the window's end.
            track.end = max(last, window_end or last)
            track.max_seconds = None
        track.min_seconds = last - first
        best = max(track.sightings, key=lambda s: s.score)
        if best.t in images:
            track.crop_png = crop_png(images[best.t], best.box)
    return sorted(tracks.values(), key=lambda tr: tr.start)


def sample_times(duration: float, opening_end: float, rules: ContestRules) -> tuple[list[float], list[float]]:
    """(middle sample times, end window start) beyond the opening window."""
    closing_start = max(opening_end, duration - rules.aigc_closing_seconds)
    middle = []
    t = opening_end + rules.aigc_sample_interval_seconds
    while t < closing_start - 1.0:
        middle.append(round(t, 3))
        t += rules.aigc_sample_interval_seconds
    if not middle and closing_start - opening_end > 2.0:
        middle.append(round((opening_end + closing_start) / 2, 3))
    return middle, [closing_start] if closing_start > opening_end + 0.5 else []


def sample_plan(media: MediaProbe, rules: ContestRules) -> framing.SamplePlan | None:
    """The frames `scan_video` reads, as a plan another decode can serve (screening's)."""
    video = media.video
    if video is None:
        return None
    size = framing.frame_size(video.display_width, video.display_height)
    duration = media.duration or video.duration or 0.0
    opening_end = rules.aigc_opening_seconds + rules.aigc_min_label_seconds + 1.0
    if duration:
        opening_end = min(opening_end, duration)
    middle, closing = sample_times(duration, opening_end, rules) if duration else ([], [])
    return framing.SamplePlan(
        (0.0, opening_end, STEP), tuple(middle), tuple((start, duration, 1.0) for start in closing), size
    )


def scan_video(
    media: MediaProbe,
    engine: OcrEngine,
    rules: ContestRules,
    read_window: Callable[..., list[framing.Frame]] = framing.read_window,
    read_frame: Callable[..., framing.Frame | None] = framing.read_frame,
) -> VisualReport:
    """OCR the opening window densely, the middle sparsely and the closing seconds; never raises."""
    report = VisualReport()
    video = media.video
    if video is None:
        report.problems.append("没有视频流")
        return report
    path = Path(media.path)
    size = framing.frame_size(video.display_width, video.display_height)
    report.frame_size = size
    duration = media.duration or video.duration or 0.0
    opening_end = rules.aigc_opening_seconds + rules.aigc_min_label_seconds + 1.0
    if duration:
        opening_end = min(opening_end, duration)
    scanner = _Scanner(engine, report)
    try:
        opening = read_window(path, 0.0, opening_end, STEP, size)
    except framing.FrameError as exc:
        report.problems.append(f"无法解码起始画面：{exc}")
        opening = []
    report.frames_decoded += len(opening)
    scan_opening(opening, scanner)
    last_opening = opening[-1].t + STEP if opening else opening_end
    report.opening = build_tracks(opening, scanner.seen, "opening", min(opening_end, last_opening))

    later_frames: list[framing.Frame] = []
    if duration:
        middle, closing = sample_times(duration, opening_end, rules)
        for t in middle:
            try:
                frame = read_frame(path, t, size)
            except framing.FrameError as exc:
                report.problems.append(f"无法解码{t:.1f}秒处的画面：{exc}")
                continue
            if frame is not None:
                later_frames.append(frame)
        for start in closing:
            try:
                later_frames += read_window(path, start, duration, 1.0, size)
            except framing.FrameError as exc:
                report.problems.append(f"无法解码片尾画面：{exc}")
    report.frames_decoded += len(later_frames)
    for frame in later_frames:
        scanner.scan(frame)
    for track in build_tracks(later_frames, scanner.seen, "later", None):
        track.window = (
            "end" if duration and track.start >= duration - rules.aigc_closing_seconds - 0.5 else "middle"
        )
        report.later.append(track)
    return report
