"""OCR seam: RapidOCR 3.x (PP-OCRv6 models shipped in the wheel) behind a small interface.

Settings follow ../shared/notes/ocr-and-asr.md: no angle classifier, `limit_type: max` (the default
`min` upscales wide crops enormously), one onnxruntime thread each (the host is shared), and a
warm-up call at construction so that a missing model fails at start-up, not mid-screening.
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
