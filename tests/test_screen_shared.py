"""The screening run shares its expensive passes: one decode feeds the technical checks and the
burned-in subtitle reader, one Whisper transcript feeds the subtitle check and the AI-label check."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tasks.aigc.spoken import from_transcript
from tasks.engines.asr import Segment, Transcript
from tasks.engines.ocr import OcrLine
from tasks.media.probe import probe
from tasks.rules import DEFAULT_RULES
from tasks.samples import Caption, ClipSpec, render_clip
from tasks.screening import decode_reading_subtitles


def test_one_decode_yields_the_integrity_report_and_the_burned_in_cues(tmp_path: Path) -> None:
    spec = ClipSpec(
        seconds=6,
        captions=(
            Caption("红岩精神永放光芒", start=0.5, end=2.8),
            Caption("重庆谈判四十三天", start=3.2, end=5.6),
        ),
    )
    media = probe(render_clip(tmp_path / "captions.mp4", spec))
    outcome = decode_reading_subtitles(media, DEFAULT_RULES)
    assert outcome.report is not None and outcome.report.completed
    assert outcome.report.decoded_seconds >= 5.5
    assert outcome.burned is not None and outcome.problems == []
    texts = [cue.text for cue in outcome.burned.cues]
    assert texts == ["红岩精神永放光芒", "重庆谈判四十三天"]
    assert abs(outcome.burned.cues[0].start - 0.5) <= 0.6


class BrokenOcr:
    def read(self, image: np.ndarray) -> list[OcrLine]:
        raise RuntimeError("onnxruntime session lost")


def test_an_ocr_failure_does_not_cost_the_technical_findings(tmp_path: Path) -> None:
    media = probe(render_clip(tmp_path / "plain.mp4", ClipSpec(seconds=3, captions=(Caption("字幕"),))))
    outcome = decode_reading_subtitles(media, DEFAULT_RULES, ocr=BrokenOcr())
    assert outcome.report is not None and outcome.report.completed and not outcome.report.errors
    assert outcome.burned is None
    assert outcome.problems == ["画面字幕识别（OCR）出错：RuntimeError"]


def test_spoken_disclosures_come_from_the_shared_transcript() -> None:
    transcript = Transcript(
        language="zh",
        language_probability=0.99,
        duration=60.0,
        segments=(
            Segment(0.5, 4.0, "抗日战争时期，中共中央南方局设在重庆红岩村。", ()),
            Segment(30.0, 33.5, "本片部分画面由人工智能合成。", ()),
        ),
    )
    report = from_transcript(transcript)
    assert [(d.start, d.text) for d in report.disclosures] == [(30.0, "本片部分画面由人工智能合成。")]
    assert report.windows == [(0.0, 60.0)] and report.language == "zh"
    assert from_transcript(None).skipped == "没有音轨"
