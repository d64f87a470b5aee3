"""Visible labels and the whole stage on real clips: real ffmpeg, real RapidOCR, real Whisper.

Each clip is rendered and screened once per session (the host is small and shared).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from samples.clips import Caption, ClipSpec, remux, render_clip
from tasks.aigc.frames import frame_size
from tasks.aigc.stage import screen_aigc
from tasks.aigc.verdict import MISSING
from tasks.aigc.visual import position, scan_video
from tasks.context import WorkContext
from tasks.engines.ocr import get_ocr_engine
from tasks.findings import Finding, Status
from tasks.media.probe import MediaProbe, probe
from tasks.rules import DEFAULT_RULES
from tests.aigc_media import SANS, SANS_BOLD, SERIF, rotated_portrait_clip, with_audio
from tests.fixtures import SPEECH

pytestmark = pytest.mark.slow

OUTER = '{"AIGC":{"Label":"1","ContentProducer":"001191110102MAD55U9H0F10002","ProduceID":"p-1"}}'
INNER = '{"Label":2,"ContentProducer":"001191110102MAD55U9H0F10002"}'
TOP_RIGHT = {"x": "w-text_w-30", "y": "30"}
TOP_LEFT = {"x": "30", "y": "30"}
BOTTOM_LEFT = {"x": "30", "y": "h-text_h-40"}
BOTTOM_RIGHT = {"x": "w-text_w-40", "y": "h-text_h-40"}
HD = {"width": 1280, "height": 720, "audio": False}


def _clip(folder: Path, name: str) -> Path:
    """Render one named test clip (labels in several fonts, sizes and corners)."""
    out = folder / f"{name}.mp4"
    if name == "sans_top_right":  # Noto Sans 48 px on 720 (≈6 %), shown 0–4 s, with the outer JSON
        raw = render_clip(
            folder / "raw_sans.mp4",
            ClipSpec(seconds=6, captions=(Caption("AI生成", 0, 4, size=48, font=SANS, **TOP_RIGHT),), **HD),
        )
        return remux(raw, out, "-movflags", "use_metadata_tags", "-metadata", f"AIGC={OUTER}")
    if name == "serif_portrait":  # 9:16, Noto Serif, bottom-left, whole clip, inner-object JSON
        raw = render_clip(
            folder / "raw_serif.mp4",
            ClipSpec(
                width=720,
                height=1280,
                seconds=6,
                audio=False,
                captions=(Caption("本视频由人工智能合成", size=50, font=SERIF, **BOTTOM_LEFT),),
            ),
        )
        return remux(raw, out, "-movflags", "use_metadata_tags", "-metadata", f"AIGC={INNER}")
    if name == "bold_fullwidth":  # 1080p, Noto Sans Bold, full-width ＡＩ, bottom-right, no metadata
        spec = ClipSpec(
            seconds=6,
            audio=False,
            captions=(Caption("内容由ＡＩ生成", size=64, font=SANS_BOLD, **BOTTOM_RIGHT),),
        )
        return render_clip(out, spec)
    if name == "tiny":  # 18 px on 720 (2.5 %)
        raw = render_clip(
            folder / "raw_tiny.mp4",
            ClipSpec(seconds=6, captions=(Caption("AI生成", size=18, font=SANS, **TOP_LEFT),), **HD),
        )
        return remux(raw, out, "-movflags", "use_metadata_tags", "-metadata", f"AIGC={OUTER}")
    if name == "brief":  # large enough, but only the first second
        spec = ClipSpec(seconds=6, captions=(Caption("AI生成", 0, 1, size=48, font=SANS, **TOP_LEFT),), **HD)
        return render_clip(out, spec)
    if name == "late":  # appears at 7.5 s of 10 s: AI evidence, but not on the opening frames
        spec = ClipSpec(seconds=10, captions=(Caption("AI生成", 7.5, 10, size=48, **BOTTOM_RIGHT),), **HD)
        return render_clip(out, spec)
    if name == "plain":  # no label, no metadata, a tone for sound
        return render_clip(out, ClipSpec(width=1280, height=720, seconds=4))
    if name == "spoken":  # no visible label, a spoken disclosure
        video = render_clip(folder / "raw_black.mp4", ClipSpec(source="black", seconds=4, **HD))
        return with_audio(video, SPEECH / "disclosure.flac", out)
    raise KeyError(name)


@pytest.fixture(scope="session")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[MediaProbe, Finding]]:
    folder = tmp_path_factory.mktemp("aigc-clips")
    cache: dict[str, tuple[MediaProbe, Finding]] = {}

    def get(name: str) -> tuple[MediaProbe, Finding]:
        if name not in cache:
            media = probe(_clip(folder, name))
            cache[name] = (media, screen_aigc(media, WorkContext(), DEFAULT_RULES))
        return cache[name]

    return get


def _labels(finding: Finding) -> list[dict]:
    return finding.evidence["visual"]["labels"]


def test_sans_corner_label_with_metadata_passes(screened) -> None:
    _, finding = screened("sans_top_right")
    assert finding.status is Status.PASS, finding.message
    assert finding.evidence["outcome"] == "labelled"
    (label,) = _labels(finding)
    assert label["text"] == "AI生成"
    assert label["window"] == "opening"
    assert label["appears_at"] <= 0.5
    assert 3.5 <= label["seconds"] <= 4.6  # shown 0–4 s, sampled every 0.5 s
    assert label["position"] == "top-right"
    assert 0.05 <= label["height_ratio"] <= 0.085  # 48 px glyphs on a 720 px short side
    kinds = {c["kind"] for c in finding.evidence["ai_evidence"]}
    assert kinds == {"metadata", "visual"}
    assert finding.evidence["metadata"]["implicit_labels"][0]["values"]["ProduceID"] == "p-1"
    assert "右上角" in finding.message


def test_serif_label_on_portrait_frame(screened) -> None:
    media, finding = screened("serif_portrait")
    assert media.video is not None and media.video.short_side == 720
    assert finding.status is Status.PASS, finding.message
    (label,) = _labels(finding)
    assert label["text"] == "本视频由人工智能合成"
    assert label["position"] == "bottom-left"
    assert label["seconds"] >= 5.0  # whole clip: still visible when the opening window ended
    assert label["seconds_bounds"][1] is None
    assert 0.05 <= label["height_ratio"] <= 0.09
    assert finding.evidence["metadata"]["implicit_labels"][0]["label_meaning"] == "可能"


def test_bold_full_width_label_is_normalised(screened) -> None:
    _, finding = screened("bold_fullwidth")
    assert finding.status is Status.PASS, finding.message
    (label,) = _labels(finding)
    assert label["position"] == "bottom-right"
    assert label["height_ratio"] >= 0.05
    assert finding.evidence["visual"]["frame_size"] == [1920, 1080]


def test_tiny_label_warns_with_its_measured_size(screened) -> None:
    _, finding = screened("tiny")
    assert finding.status is Status.WARN, finding.message
    (label,) = _labels(finding)
    assert label["position"] == "top-left"
    assert label["height_ratio"] < 0.04
    assert f"{label['height_ratio'] * 100:.1f}%" in finding.message
    assert "5.0%" in finding.message


def test_brief_label_fails_with_its_measured_duration(screened) -> None:
    _, finding = screened("brief")
    assert finding.status is Status.FAIL, finding.message
    (label,) = _labels(finding)
    assert 0.75 <= label["seconds"] <= 1.5  # shown 0–1 s
    assert f"{label['seconds']:.1f}秒" in finding.message
    assert "少于2秒" in finding.message


def test_late_label_is_evidence_but_not_an_opening_label(screened) -> None:
    _, finding = screened("late")
    assert finding.status is Status.FAIL
    assert finding.message.startswith(MISSING)
    (label,) = _labels(finding)
    assert label["window"] == "end"
    assert 7.0 <= label["appears_at"] <= 8.0
    assert label["position"] == "bottom-right"
    times = finding.evidence["visual"]["ocr_times"]
    assert min(times) == 0.0 and max(times) >= 8.0  # opening window and closing seconds both read


def test_no_label_no_metadata_no_speech_passes(screened) -> None:
    _, finding = screened("plain")
    assert finding.status is Status.PASS
    assert finding.evidence["outcome"] == "no_ai_evidence"
    assert _labels(finding) == []
    assert finding.evidence["ai_evidence"] == []
    # The opening was really read: coarse pass over the first seconds, every frame OCR'd once.
    assert 3 <= finding.evidence["visual"]["frames_ocr"] <= finding.evidence["visual"]["frames_decoded"]
    assert finding.evidence["spoken"]["disclosures"] == []


def test_spoken_disclosure_without_visible_label_fails(screened) -> None:
    _, finding = screened("spoken")
    assert finding.status is Status.FAIL
    assert finding.message.startswith(MISSING)
    (disclosure,) = finding.evidence["spoken"]["disclosures"]
    assert disclosure["match"] == "strong"
    assert "智能合成" in disclosure["text"]
    assert disclosure["start"] < 1.0 and disclosure["end"] > 1.5
    assert "语音提示" in finding.message


def test_declared_use_in_the_form_counts(screened) -> None:
    media, _ = screened("plain")
    context = WorkContext(form_text="作品简介：部分历史场景使用AI生成。")
    finding = screen_aigc(media, context, DEFAULT_RULES)
    assert finding.status is Status.FAIL
    assert "登记表" in finding.message


def test_findings_serialise_for_the_cli(screened) -> None:
    _, finding = screened("sans_top_right")
    # The real engine's evidence (boxes, scores, times) is plain JSON: numpy numbers would raise here.
    data = json.loads(json.dumps(finding.to_dict(), ensure_ascii=False, allow_nan=False))
    (label,) = data["evidence"]["visual"]["labels"]
    assert (data["check"], data["status"], label["text"], label["position"]) == (
        "aigc_label",
        "pass",
        "AI生成",
        "top-right",
    )


def test_flow_task_stores_label_crops(screened) -> None:
    import cv2
    import numpy as np

    from flows.screen import aigc_label_task
    from tasks.config import get_settings
    from tasks.screening import ProbedFile
    from tasks.store import open_store

    media, _ = screened("sans_top_right")
    probed = ProbedFile(Path(media.path), Path(media.path).name, WorkContext(), DEFAULT_RULES, media)
    finding = aigc_label_task.fn(probed, spoken=None, record=True)
    key = _labels(finding)[0]["crop"]
    assert key and key.startswith("aigc-crops/")
    settings = get_settings()
    png = open_store(settings).get_bytes(settings.bucket_evidence, key)
    crop = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and 40 <= crop.shape[0] <= 160  # the label's box plus a margin


def test_rotated_file_is_read_as_displayed(tmp_path: Path) -> None:
    media = probe(rotated_portrait_clip(tmp_path / "rotated.mp4", "AI生成", 50))
    assert media.video is not None and (media.video.width, media.video.rotation) == (1280, 90)
    report = scan_video(media, get_ocr_engine(), DEFAULT_RULES)
    assert report.frame_size == (720, 1280)
    (label,) = report.opening
    assert label.text == "AI生成"
    assert label.position == "top-right"  # where the viewer sees it, not where it is coded
    assert 0.05 <= label.height_ratio <= 0.09  # 50 px on the 720 px short side


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ((10, 10, 200, 60), "top-left"),
        ((1700, 10, 1900, 60), "top-right"),
        ((800, 1000, 1100, 1070), "bottom"),
        ((10, 500, 200, 560), "left"),
        ((800, 500, 1100, 560), "center"),
    ],
)
def test_positions(bounds: tuple[float, float, float, float], expected: str) -> None:
    assert position(bounds, 1920, 1080) == expected


def test_frame_size_keeps_display_geometry() -> None:
    assert frame_size(3840, 2160) == (1920, 1080)
    assert frame_size(1080, 1920) == (1080, 1920)
    assert frame_size(1440, 1080) == (1440, 1080)
