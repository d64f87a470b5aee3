"""Burned-in subtitles: sample the bands where subtitles sit, OCR only when a band's text changes,
find the subtitle band among what was read, and merge the readings into timed cues.

Measured on a 5-min 1080p clip (../shared/notes/ocr-and-asr.md): a *text mask* change detector
(bright pixels within 2 px of dark outline pixels; changed when XOR/max > 0.5; empty below 300 px)
cut OCR calls by 63 % and caught 93/93 subtitle changes at 1.2 ms per sample, where a plain frame
difference saved nothing on moving footage. Once the band is known the detector and OCR look only
at its rows, so moving footage elsewhere in the region stops triggering OCR; that made a lower
change threshold affordable (see CHANGE_RATIO). On bench/screen.py's clip (108 subtitles over a
moving test pattern, 600 samples): 130 OCR calls, 108/108 cues found, 104 read exactly (4 × 白→自),
start and end within 0.3 s.

Frames come from a `GrayTap` on the decode (tasks/media/decode.py): the reader is its callback.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from tasks.aigc.labels import is_label_text
from tasks.chinese import normalise_for_cer, traditional_only_chars
from tasks.engines.ocr import OcrEngine, OcrLine
from tasks.media.decode import GrayTap
from tasks.media.probe import MediaProbe
from tasks.subtitles.model import Cue, SourceKind, SubtitleTrack

SAMPLE_FPS = 2.0  # cues last ≥1 s; 2 samples a second keep their times within ±0.25 s
BRIGHT = 190
DARK = 60
# The notes' 0.5 let a blended frame (one subtitle fading into the next) stand as the cue's reading.
# Compared against the mask at the last OCR, on the band rows, the same text stays below 0.1 on
# moving footage (465 of 602 samples of bench/screen.py's clip) and 22 samples fell in 0.15–0.5:
# re-reading those costs little and replaces a blended reading with the settled one.
CHANGE_RATIO = 0.2  # on the settled band
CHANGE_RATIO_UNSETTLED = 0.5  # on the whole region: footage changes there too (the notes' value)
UNSETTLED_MIN_INTERVAL = 1.0  # s between OCR calls on a region while no band is known: bounds the
# cost on moving footage without subtitles
MIN_MASK_PX_1080 = 300  # at a 1080-px short side; scaled with the area
MIN_SCORE = 0.6
MIN_TEXT_HEIGHT_RATIO = 0.025  # of the short side (27 px at 1080): smaller text is part of the footage
RELATIVE_HEIGHT = 0.6  # in one reading, band lines much smaller than its tallest are footage, not subtitle
STATIC_SHARE = 0.8  # text shown in ≥ 80 % of the samples is a logo, a watermark or a label
STATIC_MIN_SECONDS = 20.0
CENTRED = 0.15  # a line whose centre is within 15 % of the width from the middle is "centred"
BAND_SETTLED_TEXTS = 3  # distinct centred texts on one band before sampling narrows to it
SETTLE_READINGS = 120  # readings after which the band is no longer looked for while sampling
# A traditional-only character fails a work, so OCR must not invent one: on bench/screen.py's clip
# PP-OCRv6 read 争 as 爭 in 2 of 4 frames of the same line. Such a reading is OCR'd again at this
# scale and a traditional character stands only when both readings have it.
CONFIRM_SCALE = 1.5


@dataclass(frozen=True, slots=True)
class Region:
    """Rows of the sampled frame that are watched: the bottom of the picture, and its top."""

    name: str
    y: int
    height: int


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    width: int  # sampled frame (after autorotation and an optional downscale)
    height: int
    regions: tuple[Region, ...]
    scale: tuple[int, int] | None
    fps: float = SAMPLE_FPS

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def plan_sampling(media: MediaProbe) -> SamplingPlan | None:
    """Which rows to sample. ffmpeg autorotates, so rows are those of the displayed picture; frames
    above 1080 px on the short side are scaled down (OCR works at ≤ 960 px anyway)."""
    video = media.video
    if video is None or not video.width or not video.height:
        return None
    width, height = video.width, video.height
    if video.rotation in (90, 270):
        width, height = height, width
    scale = None
    if min(width, height) > 1080:
        factor = 1080 / min(width, height)
        width, height = 2 * round(width * factor / 2), 2 * round(height * factor / 2)
        scale = (width, height)
    portrait = height > width
    # Portrait videos put subtitles higher (above the platform's own buttons).
    bottom = int(height * (0.45 if portrait else 0.35)) // 2 * 2
    top = int(height * 0.18) // 2 * 2
    regions = (Region("bottom", height - bottom, bottom), Region("top", 0, top))
    return SamplingPlan(width=width, height=height, regions=regions, scale=scale)


@dataclass(frozen=True, slots=True)
class Line:
    """An OCR line in sampled-frame coordinates."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True, slots=True)
class Reading:
    t: float
    region: int
    lines: tuple[Line, ...]


@dataclass(slots=True)
class BurnedStats:
    samples: int = 0
    ocr_calls: int = 0
    ocr_seconds: float = 0.0
    detector_seconds: float = 0.0
    confirm_calls: int = 0  # second readings of lines with traditional-only characters
    unconfirmed: int = 0  # of those, how many the second reading did not confirm
    band: tuple[int, int] | None = None  # rows of the sampled frame
    band_region: str | None = None
    static_texts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "ocr_calls": self.ocr_calls,
            "ocr_seconds": round(self.ocr_seconds, 2),
            "detector_seconds": round(self.detector_seconds, 2),
            "confirm_calls": self.confirm_calls,
            "unconfirmed": self.unconfirmed,
            "band_rows": list(self.band) if self.band else None,
            "band_region": self.band_region,
            "static_texts": self.static_texts,
        }


def text_mask(gray: np.ndarray) -> np.ndarray:
    """Bright pixels within 2 px of dark ones: the outlined or shadowed text subtitles use."""
    dark = cv2.dilate((gray <= DARK).astype(np.uint8), np.ones((5, 5), np.uint8))
    return (gray >= BRIGHT) & (dark > 0)


def mask_changed(
    previous: np.ndarray | None,
    current: np.ndarray,
    previous_count: int,
    count: int,
    threshold: float = CHANGE_RATIO,
) -> bool:
    if previous is None:
        return True
    differing = int(np.count_nonzero(previous ^ current))
    return differing / max(previous_count, count, 1) > threshold


# ---------------------------------------------------------------- pure: band, static text, cues


def _content(text: str) -> str:
    return normalise_for_cer(text)


def usable(line: Line, short_side: int, width: int) -> bool:
    """Text that may be a subtitle: read with confidence, tall enough, and not an AI-content label
    off the centre (a label in a corner for the opening seconds is neither static nor a subtitle;
    a centred 「本片部分画面由人工智能生成」 is the subtitle of a spoken disclosure)."""
    label = is_label_text(line.text) and abs(line.cx - width / 2) > CENTRED * width
    return (
        line.score >= MIN_SCORE
        and not label
        and bool(_content(line.text))
        and line.height >= MIN_TEXT_HEIGHT_RATIO * short_side
    )


def blocks(lines: Sequence[Line]) -> list[tuple[Line, ...]]:
    """Lines stacked closely one above the other (a two-line subtitle) form one block."""
    result: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: item.y0):
        for block in result:
            last = block[-1]
            overlap = min(line.x1, last.x1) - max(line.x0, last.x0)
            if line.y0 - last.y1 < 0.8 * max(line.height, last.height) and overlap > 0:
                block.append(line)
                break
        else:
            result.append([line])
    return [tuple(b) for b in result]


def static_keys(
    readings: Sequence[Reading], shown: dict[int, list[int | None]], width: int, period: float = 0.5
) -> set[tuple]:
    """Texts at a fixed place on screen for ≥ 80 % of the samples (per region's timeline).

    In a clip shorter than STATIC_MIN_SECONDS a centred line shown throughout is more likely its
    one subtitle than a logo: only off-centre text counts as static there.
    """
    keys: set[tuple] = set()
    for timeline in shown.values():
        if not timeline:
            continue
        short = len(timeline) * period < STATIC_MIN_SECONDS
        counts: dict[tuple, int] = {}
        centred: dict[tuple, bool] = {}
        for reading_index in timeline:
            if reading_index is None:
                continue
            for line in readings[reading_index].lines:
                key = _key(line, width)
                centred[key] = abs(line.cx - width / 2) <= CENTRED * width
            for key in {_key(line, width) for line in readings[reading_index].lines}:
                counts[key] = counts.get(key, 0) + 1
        keys |= {
            key
            for key, n in counts.items()
            if n >= STATIC_SHARE * len(timeline) and not (short and centred[key])
        }
    return keys


def _key(line: Line, width: int) -> tuple:
    grid = max(1.0, 0.02 * width)
    return (_content(line.text), round(line.cx / grid), round(line.cy / grid))


@dataclass(frozen=True, slots=True)
class Band:
    region: int
    y0: float
    y1: float
    texts: int

    def holds(self, line: Line) -> bool:
        return self.y0 <= line.cy <= self.y1


def find_band(readings: Sequence[Reading], static: set[tuple], width: int, short_side: int) -> Band | None:
    """The rows where different, mostly centred text keeps appearing: that is the subtitle band."""
    candidates: list[tuple[int, float, float, str, float]] = []  # region, y0, y1, text, centred?
    for reading in readings:
        lines = [
            ln for ln in reading.lines if usable(ln, short_side, width) and _key(ln, width) not in static
        ]
        for block in blocks(lines):
            text = _content("".join(ln.text for ln in block))
            x0, x1 = min(ln.x0 for ln in block), max(ln.x1 for ln in block)
            centred = abs((x0 + x1) / 2 - width / 2) <= CENTRED * width
            y0, y1 = min(ln.y0 for ln in block), max(ln.y1 for ln in block)
            candidates.append((reading.region, y0, y1, text, 1.0 if centred else 0.3))
    best: Band | None = None
    best_score = 0.0
    for region, y0, y1, _, _ in candidates:
        height = y1 - y0
        centre = (y0 + y1) / 2
        members = [
            c for c in candidates if c[0] == region and abs((c[1] + c[2]) / 2 - centre) <= 0.6 * height
        ]
        distinct: dict[str, float] = {}
        for member in members:
            distinct[member[3]] = max(distinct.get(member[3], 0.0), member[4])
        score = sum(distinct.values())
        if score > best_score:
            line_height = statistics.median(m[2] - m[1] for m in members)
            top = min(m[1] for m in members) - 0.6 * line_height
            bottom = max(m[2] for m in members) + 0.6 * line_height
            best, best_score = Band(region, top, bottom, len(distinct)), score
    return best


def band_text(reading: Reading, band: Band, static: set[tuple], width: int, short_side: int) -> str:
    lines = [
        ln
        for ln in reading.lines
        if usable(ln, short_side, width) and band.holds(ln) and _key(ln, width) not in static
    ]
    if lines:
        tallest = max(ln.height for ln in lines)
        lines = [ln for ln in lines if ln.height >= RELATIVE_HEIGHT * tallest]
    return join_lines(lines)


def join_lines(lines: Sequence[Line]) -> str:
    """Reading order; boxes on one row join without a space unless a visible gap separates them
    (OCR splits 「重庆谈判后，双方…」 at the wide comma), rows join with a space."""
    text = ""
    previous: Line | None = None
    for line in sorted(lines, key=lambda ln: (round(ln.cy / max(ln.height, 1.0)), ln.x0)):
        if previous is not None:
            same_row = abs(line.cy - previous.cy) < 0.5 * max(line.height, previous.height)
            gap = line.x0 - previous.x1
            text += "" if same_row and gap < 0.5 * max(line.height, previous.height) else " "
        text += line.text.strip()
        previous = line
    return text


def same_text(a: str, b: str) -> bool:
    """OCR of one subtitle over changing backgrounds may differ by a character."""
    ca, cb = _content(a), _content(b)
    if ca == cb:
        return True
    shorter = min(len(ca), len(cb))
    return shorter >= 5 and Levenshtein.distance(ca, cb) <= max(1, shorter // 6)


def merge_cues(timeline: Sequence[tuple[float, str]], period: float) -> tuple[Cue, ...]:
    """Runs of the same text over consecutive samples → cues (end = last sample + one period)."""
    cues: list[Cue] = []
    current: tuple[float, float, str] | None = None
    for t, text in timeline:
        if current and text and same_text(current[2], text) and t - current[1] <= period * 1.5:
            # Keep the longest reading: a partly covered line reads shorter.
            best = text if len(_content(text)) > len(_content(current[2])) else current[2]
            current = (current[0], t, best)
            continue
        if current:
            cues.append(Cue(current[0], round(current[1] + period, 3), current[2]))
        current = (t, t, text) if text else None
    if current:
        cues.append(Cue(current[0], round(current[1] + period, 3), current[2]))
    return tuple(cues)


def cues_from_readings(
    readings: Sequence[Reading],
    shown: dict[int, list[int | None]],
    times: Sequence[float],
    plan: SamplingPlan,
    stats: BurnedStats | None = None,
) -> tuple[Cue, ...]:
    """Pure: the readings and which reading each sample showed, per region → the band's cues."""
    static = static_keys(readings, shown, plan.width, 1.0 / plan.fps)
    band = find_band(readings, static, plan.width, plan.short_side)
    if stats is not None:
        stats.static_texts = sorted({k[0] for k in static})
        if band is not None:
            stats.band = (int(band.y0), int(band.y1))
            stats.band_region = plan.regions[band.region].name
    if band is None:
        return ()
    texts: dict[int, str] = {}
    timeline = []
    for t, reading_index in zip(times, shown.get(band.region, []), strict=False):
        if reading_index is None:
            timeline.append((t, ""))
            continue
        if reading_index not in texts:
            texts[reading_index] = band_text(
                readings[reading_index], band, static, plan.width, plan.short_side
            )
        timeline.append((t, texts[reading_index]))
    return drop_transitions(merge_cues(timeline, 1.0 / plan.fps), 1.0 / plan.fps)


def drop_transitions(cues: Sequence[Cue], period: float) -> tuple[Cue, ...]:
    """A one-sample cue wedged against another cue is a frame caught between two subtitles (a
    fade, or both drawn on one frame): its reading mixes the two, so it is no cue of its own."""
    kept = []
    for index, cue in enumerate(cues):
        touches_before = index > 0 and cue.start - cues[index - 1].end < period / 2
        touches_after = index + 1 < len(cues) and cues[index + 1].start - cue.end < period / 2
        if cue.seconds <= period * 1.01 and (touches_before or touches_after):
            continue
        kept.append(cue)
    return tuple(kept)


# ---------------------------------------------------------------- the streaming reader


class BurnedSubtitleReader:
    """The tap's callback: per region, a text-mask change detector decides when to OCR."""

    def __init__(self, plan: SamplingPlan, ocr: OcrEngine) -> None:
        self.plan = plan
        self.ocr = ocr
        self.stats = BurnedStats()
        self.readings: list[Reading] = []
        self.times: list[float] = []
        self.shown: dict[int, list[int | None]] = {i: [] for i in range(len(plan.regions))}
        self._masks: list[tuple[np.ndarray, int] | None] = [None] * len(plan.regions)
        self._current: list[int | None] = [None] * len(plan.regions)
        self._band: Band | None = None  # once settled, only these rows are watched
        self._last_ocr = [-1e9] * len(plan.regions)
        area = (plan.short_side / 1080) ** 2
        self._min_px = max(40, int(MIN_MASK_PX_1080 * area))

    def tap(self) -> GrayTap:
        bands = tuple((r.y, r.height) for r in self.plan.regions)
        return GrayTap(
            fps=self.plan.fps, width=self.plan.width, bands=bands, on_frame=self, scale=self.plan.scale
        )

    def _rows(self, index: int) -> tuple[int, int]:
        region = self.plan.regions[index]
        if self._band is not None and self._band.region == index:
            y0 = max(region.y, int(self._band.y0))
            y1 = min(region.y + region.height, int(np.ceil(self._band.y1)))
            return y0, y1
        return region.y, region.y + region.height

    def __call__(self, t: float, pixels: np.ndarray) -> None:
        self.stats.samples += 1
        self.times.append(t)
        offset = 0
        for index, region in enumerate(self.plan.regions):
            crop = pixels[offset : offset + region.height]
            offset += region.height
            if self._band is not None and self._band.region != index:
                self.shown[index].append(None)  # settled elsewhere: this region is not read any more
                continue
            y0, y1 = self._rows(index)
            rows = crop[y0 - region.y : y1 - region.y]
            started = time.perf_counter()
            mask = text_mask(rows)
            count = int(np.count_nonzero(mask))
            previous = self._masks[index]
            self.stats.detector_seconds += time.perf_counter() - started
            settled = self._band is not None
            threshold = CHANGE_RATIO if settled else CHANGE_RATIO_UNSETTLED
            if count < self._min_px:
                self._masks[index] = None
                self._current[index] = None
            elif (previous is None or mask_changed(previous[0], mask, previous[1], count, threshold)) and (
                settled or t - self._last_ocr[index] >= UNSETTLED_MIN_INTERVAL
            ):
                self._masks[index] = (mask, count)
                self._current[index] = self._read(t, index, rows, y0)
                self._last_ocr[index] = t
            self.shown[index].append(self._current[index])

    def _read(self, t: float, index: int, rows: np.ndarray, y0: int) -> int:
        started = time.perf_counter()
        found = confirmed_reading(self.ocr, np.ascontiguousarray(rows), self.stats)
        self.stats.ocr_seconds += time.perf_counter() - started
        self.stats.ocr_calls += 1
        lines = tuple(_line(ln, y0) for ln in found)
        self.readings.append(Reading(t=t, region=index, lines=lines))
        # Settling looks at all readings so far (quadratic): give up on it after a while.
        if self._band is None and len(self.readings) <= SETTLE_READINGS:
            self._settle()
        return len(self.readings) - 1

    def _settle(self) -> None:
        """Narrow to the band once it is unmistakable: several distinct centred texts on it."""
        band = find_band(self.readings, set(), self.plan.width, self.plan.short_side)
        if band is not None and band.texts >= BAND_SETTLED_TEXTS:
            self._band = band
            # Masks were computed over the whole region: start afresh on the band rows.
            self._masks = [None] * len(self.plan.regions)

    def track(self) -> SubtitleTrack:
        cues = cues_from_readings(self.readings, self.shown, self.times, self.plan, self.stats)
        label = (
            f"画面{'下方' if self.stats.band_region == 'bottom' else '上方'}字幕带" if cues else "画面字幕带"
        )
        return SubtitleTrack(SourceKind.BURNED, label, cues=cues, details={"ocr": self.stats.as_dict()})


def confirmed_reading(ocr: OcrEngine, image: np.ndarray, stats: BurnedStats) -> list[OcrLine]:
    """The OCR lines of `image`; a reading with traditional-only characters is checked by a second
    reading at CONFIRM_SCALE, and the second one is kept when the two disagree on them."""
    first = ocr.read(image)
    claimed = {c for line in first for c in traditional_only_chars(line.text)}
    if not claimed:
        return first
    stats.confirm_calls += 1
    larger = cv2.resize(image, None, fx=CONFIRM_SCALE, fy=CONFIRM_SCALE, interpolation=cv2.INTER_CUBIC)
    second = ocr.read(larger)
    if claimed <= {c for line in second for c in traditional_only_chars(line.text)}:
        return first
    stats.unconfirmed += 1
    return [
        OcrLine(line.text, tuple((x / CONFIRM_SCALE, y / CONFIRM_SCALE) for x, y in line.box), line.score)
        for line in second
    ]


def _line(line: OcrLine, y0: int) -> Line:
    x0, top, x1, bottom = line.bounds
    return Line(text=line.text, x0=x0, y0=top + y0, x1=x1, y1=bottom + y0, score=line.score)
