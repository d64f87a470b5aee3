"""The AI-label stage of one video: metadata, OCR, ASR and declarations → the `aigc_label` Finding.

Engines come in as arguments (the process's shared ones by default), and so does the place where
frame crops go: the flow hands in a function that stores them; tests and `guangying screen` may not.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace

from tasks.aigc.declared import DeclaredReport, read_declarations
from tasks.aigc.frames import DecodedFrames
from tasks.aigc.metadata import MetadataReport, read_metadata
from tasks.aigc.spoken import SpokenReport, listen
from tasks.aigc.verdict import STAGE, aigc_finding
from tasks.aigc.visual import VisualReport, scan_video
from tasks.context import WorkContext
from tasks.engines.asr import AsrEngine
from tasks.engines.ocr import OcrEngine
from tasks.findings import Check, Finding, Status
from tasks.media.probe import MediaProbe
from tasks.rules import ContestRules
from tasks.store import ObjectStore

log = logging.getLogger(__name__)

# (object key, PNG bytes) → stored key, or None when it could not be stored.
SaveCrop = Callable[[str, bytes], str | None]


def crop_key(data: bytes) -> str:
    """Content-addressed: the same crop stored twice is one object."""
    digest = hashlib.sha256(data).hexdigest()
    return f"aigc-crops/{digest[:2]}/{digest}.png"


def screen_aigc(
    media: MediaProbe,
    context: WorkContext,
    rules: ContestRules,
    *,
    ocr: OcrEngine | None = None,
    asr: AsrEngine | None = None,
    save_crop: SaveCrop | None = None,
    spoken: SpokenReport | None = None,
    frames: DecodedFrames | None = None,
) -> Finding:
    """Every kind of AI-label evidence of one file, judged; a broken part is reported, not raised.

    `spoken`: disclosures already found in a transcript the caller made (the screening flow shares
    one Whisper pass with the subtitle check); without it the opening and closing seconds are heard here.
    `frames`: the label frames screening's one decode already made; without them they are read here.
    """
    metadata = MetadataReport()
    try:
        metadata = read_metadata(media)
    except Exception as exc:  # the box reader is defensive; this is the last line
        log.exception("metadata reading failed for %s", media.path)
        metadata.problems.append(f"无法读取元数据：{exc}")

    visual = VisualReport()
    try:
        if ocr is None:
            from tasks.engines.ocr import get_ocr_engine

            ocr = get_ocr_engine()
        if frames is not None:
            sampling = sampling_rules(media, rules)
            visual = scan_video(media, ocr, sampling, frames.read_window, frames.read_frame)
        else:
            visual = scan_video(media, ocr, sampling_rules(media, rules))
    except Exception as exc:
        log.exception("label OCR failed for %s", media.path)
        visual.problems.append(f"画面文字识别失败：{exc}")

    if spoken is None:
        spoken = _listen(media, asr, rules)

    declared = DeclaredReport()
    try:
        declared = read_declarations(context)
    except Exception as exc:
        log.exception("reading declarations failed")
        declared.sources_read.append(f"error: {exc}")

    if save_crop is not None:
        for track in visual.tracks:
            if track.crop_png:
                try:
                    track.crop_key = save_crop(crop_key(track.crop_png), track.crop_png)
                except Exception:  # evidence storage must not sink the check
                    log.exception("storing a label crop failed")
    try:
        return aigc_finding(metadata, visual, spoken, declared, rules)
    except Exception as exc:  # a bug in the verdict must not sink the whole screening run
        log.exception("aigc verdict failed for %s", media.path)
        return Finding(
            Check.AIGC_LABEL,
            Status.ERROR,
            f"无法完成AI生成内容标识检查：{type(exc).__name__}",
            {},
            stage=STAGE,
        )


def sampling_rules(media: MediaProbe, rules: ContestRules) -> ContestRules:
    """`rules` with the middle-sample interval widened so that at most `aigc_max_middle_samples`
    frames are read beyond the opening, however long the file's timeline is."""
    duration = media.duration or (media.video.duration if media.video else None) or 0.0
    interval = rules.aigc_sample_interval_seconds
    if duration / interval <= rules.aigc_max_middle_samples:
        return rules
    return replace(rules, aigc_sample_interval_seconds=duration / rules.aigc_max_middle_samples)


def _listen(media: MediaProbe, asr: AsrEngine | None, rules: ContestRules) -> SpokenReport:
    """Whisper on the opening and closing seconds, for callers that have no transcript yet."""
    spoken = SpokenReport()
    if not media.audio_codecs:
        spoken.skipped = "没有音轨"
        return spoken
    try:
        if asr is None:
            from tasks.engines.asr import get_asr_engine

            asr = get_asr_engine()
        return listen(media, asr, rules)
    except Exception as exc:
        log.exception("speech recognition failed for %s", media.path)
        spoken.problems.append(f"语音识别失败：{exc}")
        return spoken


def crop_saver(store: ObjectStore, bucket: str) -> SaveCrop:
    """A SaveCrop that puts PNG crops into `bucket` of `store` (an existing key is kept as is)."""

    def save(key: str, data: bytes) -> str:
        store.put_bytes(bucket, key, data, content_type="image/png")
        return key

    return save
