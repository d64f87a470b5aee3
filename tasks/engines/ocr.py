"""OCR seam: RapidOCR 3.x (PP-OCRv6 models shipped in the wheel) behind a small interface.

Settings follow ../shared/notes/ocr-and-asr.md: no angle classifier, `limit_type: max` (the default
`min` upscales wide crops enormously), no vertical padding of wide images (subtitle bands carry
their own margin), recognition one line at a time (no padding to a batch's widest line), one
onnxruntime thread each (the host is shared), and a warm-up call at
construction so that a missing model fails at start-up, not mid-screening.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import numpy as np

from tasks.engines.values import OcrLine
from tasks.lazy import one_per_process

log = logging.getLogger(__name__)

RAPIDOCR_PARAMS: dict[str, Any] = {
    "Global.use_cls": False,
    "Global.log_level": "error",  # its "detection result is empty" warning fires on every textless frame
    "Det.limit_type": "max",
    "Det.limit_side_len": 960,
    # RapidOCR pads an image wider than 8:1 with rows above and below (to 2 × width/8), for tight
    # crops of one line. A subtitle band already has a line's height of margin around its text:
    # padded, a 186 × 1920 band reached the detector as 240 × 960 instead of 96 × 960, and the
    # detection cost 0.08 instead of 0.03 CPU-s per call with the same lines found.
    "Global.use_vertical_padding": False,
    # Recognition pads every crop of a batch to the widest one: a frame with a long subtitle, a
    # logo and a time code cost three subtitles' width. One crop at a time read the AI-label frames
    # of bench/burned.py with the same text in 3.7 instead of 6.4 CPU-s (scores within 0.007).
    "Rec.rec_batch_num": 1,
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


class OcrEngine(Protocol):
    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Text lines in a BGR or gray uint8 image."""
        ...


class RapidOcrEngine:
    """RapidOCR 3.x; calls are serialised by a lock (its detector sets state lazily, and the
    onnxruntime sessions run single-threaded by design, so parallel calls would gain little)."""

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        from rapidocr import RapidOCR

        self._ocr = RapidOCR(params={**RAPIDOCR_PARAMS, **(params or {})})
        self._lock = threading.Lock()
        # Warm-up: loads det/rec sessions now; a model that would need a download fails here.
        warm = np.full((64, 256, 3), 255, dtype=np.uint8)
        warm[20:44, 30:226] = 0
        self.read(warm)

    def read(self, image: np.ndarray) -> list[OcrLine]:
        if image.dtype != np.uint8:
            raise TypeError(f"OCR expects uint8 pixels, got {image.dtype}")
        with self._lock:
            result = self._ocr(np.ascontiguousarray(image))
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        lines = []
        for box, text, score in zip(boxes, texts, scores, strict=False):
            points = tuple((float(x), float(y)) for x, y in np.asarray(box).reshape(-1, 2))
            lines.append(OcrLine(text=str(text), box=points, score=float(score)))
        return lines


@one_per_process
def get_ocr_engine() -> OcrEngine:
    """The process's OCR engine, built on first use (model setup ≈ 0.7 s, RSS ≈ 450 MB)."""
    from tasks.config import get_settings

    if get_settings().engines == "stand-in":
        from tasks.engines.stand_in import BlindOcr

        return BlindOcr()
    log.info("loading RapidOCR engine")
    return RapidOcrEngine()
