"""The screening run shares its expensive passes: one decode feeds the technical checks and the
burned-in subtitle reader, one Whisper transcript feeds the subtitle check and the AI-label check."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from samples.clips import Caption, ClipSpec, render_clip
from tasks.aigc import frames as framing
from tasks.aigc.frames import DecodedFrames
from tasks.aigc.spoken import from_transcript
from tasks.aigc.visual import sample_plan
from tasks.config import get_settings
from tasks.engines.asr import Segment, Transcript, Word
from tasks.engines.ocr import OcrLine, get_ocr_engine
from tasks.judging.originality import video_signature
from tasks.media.probe import probe
from tasks.rules import DEFAULT_RULES
from tasks.screening import decode_reading_subtitles
from tasks.subtitles.burned import CONFIRM_SCALE, BurnedStats, confirmed_reading


@pytest.mark.slow  # the real OCR reads the burned-in cues
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
    # The originality signature rides on the decode that was run again.
    assert outcome.signature is not None and len(outcome.signature.hashes) == 6


def test_the_originality_signature_rides_on_the_one_decode(tmp_path: Path) -> None:
    """The same thumbnails as judging's own decode, no scratch left behind; a decode that stops
    short (a truncated file) leaves no signature, so judging computes it from the file as before."""
    clip = render_clip(tmp_path / "work.mp4", ClipSpec(seconds=4, captions=(Caption("山城记忆", size=64),)))
    outcome = decode_reading_subtitles(probe(clip), DEFAULT_RULES, ocr=BrokenOcr())
    assert outcome.signature is not None
    alone = video_signature(clip)
    assert outcome.signature.hashes.tolist() == alone.hashes.tolist()
    assert outcome.signature.informative.tolist() == alone.informative.tolist()
    assert not list((get_settings().data_dir / "scratch").glob("decode-*"))

    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size * 2 // 3])
    media = probe(clip)
    truncated = decode_reading_subtitles(replace(media, path=str(cut)), DEFAULT_RULES, ocr=BrokenOcr())
    assert truncated.report is not None and not truncated.report.completed
    assert truncated.signature is None


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


def test_a_disclosure_is_quoted_as_its_clause_with_its_own_times() -> None:
    words = [
        Word(10.0 + i * 0.3, 10.25 + i * 0.3, t, 0.9)
        for i, t in enumerate(["今天", " 我们", "学", "习", "党", "史"])
    ]
    words += [
        Word(14.0 + i * 0.3, 14.25 + i * 0.3, t, 0.9)
        for i, t in enumerate([" 本", "视频", "由", "人工", "智能", "生成", "。"])
    ]
    words += [Word(17.0, 17.3, "抗日", 0.9)]
    long_segment = Segment(10.0, 17.3, "".join(w.text for w in words), tuple(words))
    transcript = Transcript(language="zh", language_probability=1.0, duration=20.0, segments=(long_segment,))
    (disclosure,) = from_transcript(transcript).disclosures
    assert disclosure.text == "本视频由人工智能生成。"
    assert (disclosure.start, disclosure.end) == (14.0, 16.05)


class ScaleSensitiveOcr:
    """Reads 争 as 爭 at the original size only: the misreading seen on the bench clip."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def read(self, image: np.ndarray) -> list[OcrLine]:
        self.widths.append(image.shape[1])
        text = "抗日战爭时期" if len(self.widths) == 1 else "抗日战争时期"
        h, w = image.shape[:2]
        return [OcrLine(text, ((0, 0), (w, 0), (w, h), (0, h)), 0.95)]


def test_an_unconfirmed_traditional_reading_is_replaced_by_the_second_reading() -> None:
    engine, stats = ScaleSensitiveOcr(), BurnedStats()
    lines = confirmed_reading(engine, np.zeros((100, 400), np.uint8), stats)
    assert [line.text for line in lines] == ["抗日战争时期"]
    assert engine.widths == [400, int(400 * CONFIRM_SCALE)]
    assert lines[0].box[2] == (400, 100)  # boxes are back in the original image's pixels
    assert (stats.confirm_calls, stats.unconfirmed) == (1, 1)


@pytest.mark.slow  # the real OCR
def test_real_traditional_subtitles_are_confirmed_by_the_real_engine(tmp_path: Path) -> None:
    frame = tmp_path / "frame.png"
    spec = ClipSpec(seconds=1, audio=False, captions=(Caption("這是我們的黨史", size=64),))
    render_clip(tmp_path / "trad.mp4", spec)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(tmp_path / "trad.mp4"), "-frames:v", "1", str(frame)],
        check=True,
    )
    band = cv2.imread(str(frame), cv2.IMREAD_GRAYSCALE)[880:1080]
    stats = BurnedStats()
    lines = confirmed_reading(get_ocr_engine(), band, stats)
    assert "".join(line.text for line in lines) == "這是我們的黨史"
    assert (stats.confirm_calls, stats.unconfirmed) == (1, 0)


def test_the_label_frames_ride_on_the_one_decode(tmp_path: Path) -> None:
    """The AI-label check's frames (opening densely, middle and end sparsely) come out of the one
    decode: the same frames, at the same times, as its own seeking reads would give."""
    clip = render_clip(
        tmp_path / "work.mp4",
        ClipSpec(seconds=12, width=640, height=360, captions=(Caption("AI生成", size=30),)),
    )
    media = probe(clip)
    folder = tmp_path / "frames"
    folder.mkdir()
    outcome = decode_reading_subtitles(media, DEFAULT_RULES, ocr=BrokenOcr(), label_frames=folder)
    assert outcome.report is not None and outcome.report.completed
    decoded = DecodedFrames.load(folder)
    plan = sample_plan(media, DEFAULT_RULES)
    assert decoded is not None and plan is not None
    assert plan.middle == (7.5,) and plan.closing == ((9.0, 12.0, 1.0),)
    for start, end, step in plan.windows():
        ours = decoded.read_window(clip, start, end, step, plan.size)
        theirs = framing.read_window(clip, start, end, step, plan.size)
        assert [f.t for f in ours] == [f.t for f in theirs] and len(ours) > 2
        assert all(np.array_equal(a.image, b.image) for a, b in zip(ours, theirs, strict=True))
    for t in plan.middle:
        ours_frame, theirs_frame = (
            decoded.read_frame(clip, t, plan.size),
            framing.read_frame(clip, t, plan.size),
        )
        assert ours_frame is not None and theirs_frame is not None
        assert ours_frame.t == theirs_frame.t and np.array_equal(ours_frame.image, theirs_frame.image)
    # A decode that stops short leaves nothing to load: the label check then reads the file itself.
    (folder / framing.LABEL_TIMES).unlink()
    assert DecodedFrames.load(folder) is None


def test_a_branch_that_cannot_be_written_does_not_fail_the_file(tmp_path: Path) -> None:
    """The integrity verdict is the file's: when a side branch cannot write its frames (here a
    folder where its file should go; in life a full scratch disk), the decode is confirmed without
    the branches, and the label check reads its frames itself."""
    clip = render_clip(tmp_path / "work.mp4", ClipSpec(seconds=3, width=640, height=360))
    folder = tmp_path / "frames"
    (folder / framing.LABEL_FRAMES).mkdir(parents=True)
    outcome = decode_reading_subtitles(probe(clip), DEFAULT_RULES, ocr=BrokenOcr(), label_frames=folder)
    assert outcome.report is not None and outcome.report.completed and not outcome.report.errors
    assert DecodedFrames.load(folder) is None and outcome.signature is None
