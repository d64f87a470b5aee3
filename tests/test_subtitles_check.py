"""Pure parts of the subtitle check: verdict, band finding, cue merging, coverage, exports."""

from __future__ import annotations

import numpy as np
import pysubs2

from tasks.context import WorkContext
from tasks.engines.asr import Segment, Transcript, Word
from tasks.findings import Status
from tasks.rules import DEFAULT_RULES
from tasks.subtitles.burned import (
    Line,
    Reading,
    Region,
    SamplingPlan,
    cues_from_readings,
    drop_transitions,
    join_lines,
    mask_changed,
    merge_cues,
    text_mask,
    usable,
)
from tasks.subtitles.check import subtitle_finding
from tasks.subtitles.export import cues_to_webvtt, render_exports
from tasks.subtitles.model import Cue, SourceKind, SubtitleTrack
from tasks.subtitles.speech import coverage, hotwords, script_mismatch, speech_intervals


def transcript(*spans: tuple[float, float, str], language: str = "zh") -> Transcript:
    """A stand-in transcript: one word per character, spread evenly over each span."""
    segments = []
    for start, end, text in spans:
        step = (end - start) / len(text)
        words = tuple(Word(start + i * step, start + (i + 1) * step, ch, 0.9) for i, ch in enumerate(text))
        segments.append(Segment(start, end, text, words))
    return Transcript(language, 0.99, 60.0, tuple(segments))


def track(*cues: tuple[float, float, str], kind: SourceKind = SourceKind.SIDECAR) -> SubtitleTrack:
    return SubtitleTrack(kind, "a.srt", cues=tuple(Cue(*c) for c in cues))


SPEECH = transcript((1.0, 5.0, "红岩精神是宝贵财富"), (6.0, 10.0, "我们学习党史传承基因"))


def test_nothing_to_check_passes() -> None:
    finding = subtitle_finding([], transcript(), DEFAULT_RULES)
    assert finding.status == Status.PASS and "无需" in finding.message
    assert finding.check == "subtitles" and finding.stage == "subtitles"


def test_matching_subtitles_pass_with_measured_values() -> None:
    subs = track((1.0, 5.0, "红岩精神是宝贵财富"), (6.0, 10.0, "我们学习党史，传承基因"))
    finding = subtitle_finding(
        [subs], SPEECH, DEFAULT_RULES, script_text="标题\n红岩精神是宝贵财富。我们学习党史，传承基因。"
    )
    assert finding.status == Status.PASS
    assert finding.evidence["coverage"] == 1.0
    assert finding.evidence["cer_vs_speech"] == {"字幕文件（a.srt）": 0.0}
    assert finding.evidence["mismatch_vs_script"] == {"字幕文件（a.srt）": 0.0}
    assert "覆盖100%" in finding.message


def test_speech_without_subtitles_warns() -> None:
    finding = subtitle_finding([], SPEECH, DEFAULT_RULES)
    assert finding.status == Status.WARN and "约8秒语音" in finding.message


def test_short_speech_is_not_speech() -> None:
    assert subtitle_finding([], transcript((0.0, 2.0, "好")), DEFAULT_RULES).status == Status.PASS


def test_low_coverage_warns_with_the_value() -> None:
    finding = subtitle_finding([track((1.0, 5.0, "红岩精神是宝贵财富"))], SPEECH, DEFAULT_RULES)
    assert finding.status == Status.WARN
    assert "只覆盖了" in finding.message and "低于80%" in finding.message
    assert finding.evidence["coverage"] == 0.5


def test_traditional_beats_every_warning_and_lists_each_cue() -> None:
    subs = track((0.0, 1.0, "後來"), (1.0, 2.0, "后来"), (2.0, 3.0, "頭髮"))
    finding = subtitle_finding([subs], SPEECH, DEFAULT_RULES)
    assert finding.status == Status.FAIL
    assert "字幕中有2条含繁体字（共4个：後、來、頭、髮）" in finding.message
    assert "00:00:02.0–00:00:03.0「頭髮」含繁体字頭、髮，建议改为「头发」" in finding.message
    assert [c["text"] for c in finding.evidence["traditional_cues"]] == ["後來", "頭髮"]


def test_many_bad_cues_are_summarised() -> None:
    subs = track(*((float(i), i + 1.0, "發展") for i in range(12)))
    finding = subtitle_finding([subs], None, DEFAULT_RULES)
    assert "另有4条" in finding.message and len(finding.evidence["traditional_cues"]) == 12


def test_english_subtitles_are_not_chinese() -> None:
    finding = subtitle_finding([track((1.0, 10.0, "The Red Crag spirit"))], SPEECH, DEFAULT_RULES)
    assert (
        finding.status == Status.WARN and "字幕不是中文" in finding.message and "汉字占0%" in finding.message
    )


def test_disagreement_with_speech_and_script_warns() -> None:
    subs = track((1.0, 5.0, "今天天气很好"), (6.0, 10.0, "我们去公园散步"))
    finding = subtitle_finding([subs], SPEECH, DEFAULT_RULES, script_text="红岩精神是宝贵财富")
    assert finding.status == Status.WARN
    assert "语音内容差异较大" in finding.message and "字幕与文稿差异较大" in finding.message
    assert min(finding.evidence["cer_vs_speech"].values()) > 0.5


def test_engine_failure_without_anything_else_is_an_error() -> None:
    finding = subtitle_finding([], None, DEFAULT_RULES, problems=["语音识别出错：RuntimeError"])
    assert finding.status == Status.ERROR and "RuntimeError" in finding.message
    with_subs = subtitle_finding(
        [track((0.0, 1.0, "红岩"))], None, DEFAULT_RULES, problems=["语音识别出错：X"]
    )
    assert with_subs.status == Status.WARN and "相关检查未完成" in with_subs.message


def test_coverage_and_speech_intervals() -> None:
    spans = speech_intervals(SPEECH)
    assert spans == [(1.0, 5.0), (6.0, 10.0)]
    assert coverage([], spans) == 0.0
    assert coverage([Cue(0.0, 20.0, "x")], spans) == 1.0
    assert coverage([Cue(0.0, 1.0, "x")], []) is None
    assert script_mismatch([Cue(0, 1, "红岩精神")], "第一章 红岩 精神") == 0.0
    assert script_mismatch([Cue(0, 1, "红岩精神")], "") is None


def test_hotwords_come_from_the_work() -> None:
    words = hotwords(WorkContext(title="渣滓洞的記憶", script_text="江姐在狱中……歌乐山"))
    assert words is not None and words.startswith("渣滓洞的记忆")
    assert "江姐" in words and "歌乐山" in words and "周恩来" not in words
    assert hotwords(WorkContext()) is None


# ---------------------------------------------------------------- burned-in logic on stand-in readings

PLAN = SamplingPlan(
    width=1920, height=1080, regions=(Region("bottom", 702, 378), Region("top", 0, 194)), scale=None
)


def line(text: str, cy: float, cx: float = 960, height: float = 56, score: float = 0.99) -> Line:
    half = len(text) * height / 2
    return Line(text, cx - half, cy - height / 2, cx + half, cy + height / 2, score)


def test_band_static_text_and_cues_from_readings() -> None:
    logo = line("重庆党史", 1040, cx=1800, height=36)
    footage = line("售票处", 760, cx=300, height=40)  # text in the footage, once
    readings = [
        Reading(0.0, 0, (line("第一句", 990), logo)),
        Reading(1.0, 0, (line("第二句", 990), logo, footage)),
        Reading(2.0, 0, (logo,)),
        Reading(2.5, 0, (line("第三句", 990), logo)),
        Reading(0.0, 1, (line("AI生成", 70, cx=120, height=60),)),
    ]
    times = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    shown = {0: [0, 0, 1, 1, 2, 3, 3], 1: [4, 4, 4, None, None, None, None]}
    cues = cues_from_readings(readings, shown, times, PLAN)
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.0, 1.0, "第一句"),
        (1.0, 2.0, "第二句"),
        (2.5, 3.5, "第三句"),
    ]


def test_merge_cues_tolerates_a_misread_character() -> None:
    timeline = [
        (0.0, "红岩精神永放光芒"),
        (0.5, "红岩精神永放光芒"),
        (1.0, "红岩精神永放光茫"),
        (1.5, ""),
        (2.0, "新的一句"),
    ]
    assert merge_cues(timeline, 0.5) == (Cue(0.0, 1.5, "红岩精神永放光芒"), Cue(2.0, 2.5, "新的一句"))


def test_a_frame_caught_between_two_subtitles_is_no_cue() -> None:
    blended = (Cue(0.0, 2.0, "第一句"), Cue(2.0, 2.5, "第一第二句句"), Cue(2.5, 4.0, "第二句"))
    assert drop_transitions(blended, 0.5) == (blended[0], blended[2])
    alone = (Cue(0.0, 2.0, "第一句"), Cue(3.0, 3.5, "闪现"))  # a short cue on its own stays
    assert drop_transitions(alone, 0.5) == alone


def test_join_lines_reading_order() -> None:
    left = Line("重庆谈判后，", 600, 950, 960, 1006, 0.99)
    right = Line("双方签署协定", 965, 950, 1300, 1006, 0.99)
    under = Line("Chongqing", 700, 1010, 1200, 1050, 0.99)
    far = Line("永放光芒", 1400, 950, 1620, 1006, 0.99)
    assert join_lines([under, right, left]) == "重庆谈判后，双方签署协定 Chongqing"
    assert join_lines([left, far]) == "重庆谈判后， 永放光芒"


def test_text_mask_change_detector() -> None:
    import cv2

    def frame(text: str) -> np.ndarray:
        """White text with a 3-px black outline on a mid-gray ground, as subtitles are drawn."""
        white = np.zeros((200, 1200), np.uint8)
        cv2.putText(white, text, (50, 130), cv2.FONT_HERSHEY_SIMPLEX, 3, (255,), 6)
        outline = cv2.dilate(white, np.ones((7, 7), np.uint8))
        image = np.full((200, 1200), 120, np.uint8)
        image[outline > 0] = 0
        image[white > 0] = 255
        return image

    a, b = text_mask(frame("HONGYAN")), text_mask(frame("GELESHAN"))
    assert np.count_nonzero(a) > 300
    assert not mask_changed(a, text_mask(frame("HONGYAN")), int(a.sum()), int(a.sum()))
    assert mask_changed(a, b, int(a.sum()), int(b.sum()))
    assert np.count_nonzero(text_mask(np.full((200, 1200), 120, np.uint8))) == 0


def test_webvtt_export_round_trips() -> None:
    cues = (Cue(0.5, 2.0, "红岩 <精神> & 基因"), Cue(3661.25, 3662.0, "第二句"))
    text = cues_to_webvtt(cues, note="画面字幕 --> 测试")
    assert text.startswith("WEBVTT\n\nNOTE 画面字幕 → 测试")
    assert "01:01:01.250 --> 01:01:02.000" in text
    assert "红岩 &lt;精神&gt; &amp; 基因" in text  # markup characters are escaped
    parsed = pysubs2.SSAFile.from_string(text)
    assert [(e.start, e.end) for e in parsed.events] == [(500, 2000), (3661250, 3662000)]
    files = render_exports(
        [track((0.0, 1.0, "红岩")), SubtitleTrack(SourceKind.SOFT, "x", problem="坏")], SPEECH
    )
    assert set(files) == {"subtitles-0-sidecar.vtt", "transcript.vtt", "subtitles.json"}


def test_an_ai_content_label_in_a_corner_is_not_a_subtitle() -> None:
    label = Line("本片部分画面由AI生成", 1400, 40, 1880, 110, 0.98)
    subtitle = Line("红岩精神永放光芒", 700, 980, 1220, 1040, 0.98)
    spoken_disclosure = Line("本片部分画面由人工智能生成", 600, 980, 1320, 1040, 0.98)
    assert not usable(label, 1080, 1920)
    assert usable(subtitle, 1080, 1920)
    assert usable(spoken_disclosure, 1080, 1920)
