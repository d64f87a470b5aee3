"""The subtitle check on real clips: burned-in text read by RapidOCR, speech heard by Whisper."""

from __future__ import annotations

from pathlib import Path

import pysubs2
import pytest

from samples.clips import Caption, ClipSpec, render_clip
from tasks.chinese import normalise_for_cer
from tasks.context import WorkContext
from tasks.engines.asr import Transcript
from tasks.findings import Check, Finding, Status
from tasks.media.decode import full_decode
from tasks.media.probe import probe
from tasks.rules import DEFAULT_RULES
from tasks.screening import LocalSteps, screen_file
from tasks.store import LocalStore
from tasks.subtitles.burned import plan_sampling
from tasks.subtitles.check import subtitle_finding
from tasks.subtitles.model import Cue, SourceKind, SubtitleTrack
from tasks.subtitles.run import burned_reader, store_exports
from tests.fixtures import SPEECH

NANFANGJU = "抗日战争时期，中共中央南方局设在重庆红岩村，周恩来同志在这里领导南方国统区党的工作，团结了大批爱国民主人士。"

GOOD = (
    Caption("干部们后来在台上发言", 0.0, 2.0),
    Caption("乾隆年间的著名面馆里", 2.0, 4.0),
    Caption("宫商角徵羽，头发里面", 4.5, 6.0),
)
LOGO = Caption("重庆党史", size=36, x="w-text_w-40", y="h-text_h-30")  # static: a channel logo
AI_LABEL = Caption("AI生成", 0.0, 3.0, size=60, x="40", y="40")  # opening label, top left
BAD = Caption("重慶談判後，雙方簽署協定", 2.0, 4.0)

pytestmark = pytest.mark.slow  # real Whisper/RapidOCR models


def check_subtitles(
    path: Path, context: WorkContext | None = None
) -> tuple[Finding, list[SubtitleTrack], Transcript | None]:
    """The subtitle check as screening runs it: the whole composition, `tasks.screening.screen_file`."""
    result = screen_file(path, LocalSteps(), context=context)
    return result.finding(Check.SUBTITLES), result.tracks, result.transcript


def _burned(track_list: list[SubtitleTrack]) -> SubtitleTrack:
    return next(t for t in track_list if t.kind == SourceKind.BURNED)


def _same(a: str, b: str) -> bool:
    return normalise_for_cer(a) == normalise_for_cer(b)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("burned")
    one_bad = (GOOD[0], BAD, GOOD[2])
    portrait = tuple(
        Caption(text, start, end, size=64, y="h*0.72")
        for text, start, end in (("後來的頭髮", 0.0, 2.0), ("麵條裡面", 2.0, 4.0))
    )
    return {
        "good": render_clip(folder / "good.mp4", ClipSpec(seconds=6, captions=(*GOOD, LOGO, AI_LABEL))),
        "one_bad": render_clip(folder / "one_bad.mp4", ClipSpec(seconds=6, captions=(*one_bad, LOGO))),
        "portrait": render_clip(
            folder / "portrait.mp4", ClipSpec(width=1080, height=1920, seconds=4, captions=portrait)
        ),
    }


def test_burned_in_simplified_with_shared_characters_passes(clips: dict[str, Path]) -> None:
    finding, tracks, transcript = check_subtitles(clips["good"])
    burned = _burned(tracks)
    assert [c.text for c in burned.cues] == [c.text for c in GOOD]
    for cue, caption in zip(burned.cues, GOOD, strict=True):
        assert abs(cue.start - caption.start) <= 0.5 and abs(cue.end - caption.end) <= 0.5
    ocr = burned.details["ocr"]
    assert ocr["band_region"] == "bottom"
    assert "重庆党史" in ocr["static_texts"]  # the logo is not a subtitle
    assert ocr["ocr_calls"] < ocr["samples"]  # the change detector skips unchanged samples
    assert finding.status == Status.PASS, finding.message
    assert "未发现繁体字" in finding.message
    assert transcript is not None and transcript.speech_seconds < DEFAULT_RULES.subtitle_min_speech_seconds


def test_one_bad_cue_among_good_ones_fails_with_that_cue(clips: dict[str, Path]) -> None:
    finding, tracks, _ = check_subtitles(clips["one_bad"])
    assert finding.status == Status.FAIL
    bad = finding.evidence["traditional_cues"]
    assert len(bad) == 1
    assert _same(bad[0]["text"], BAD.text) and abs(bad[0]["start"] - 2.0) <= 0.5
    assert bad[0]["traditional"] == ["慶", "談", "後", "雙", "簽", "協"]
    assert bad[0]["suggestion"] == "重庆谈判后，双方签署协定"
    assert "字幕中有1条含繁体字" in finding.message and "00:00:02.0" in finding.message
    assert len(_burned(tracks).cues) == 3


def test_portrait_traditional_subtitles_fail(clips: dict[str, Path]) -> None:
    media = probe(clips["portrait"])
    plan = plan_sampling(media)
    assert plan is not None and plan.height == 1920 and plan.regions[0].y < 0.72 * 1920
    finding, _, _ = check_subtitles(clips["portrait"])
    assert finding.status == Status.FAIL
    flagged = {c for cue in finding.evidence["traditional_cues"] for c in cue["traditional"]}
    assert flagged == {"後", "來", "頭", "髮", "麵", "條", "裡"}


def test_the_tap_rides_on_the_full_decode_without_changing_it(clips: dict[str, Path]) -> None:
    media = probe(clips["one_bad"])
    plain = full_decode(Path(media.path), duration=media.duration)
    reader = burned_reader(media)
    assert reader is not None
    tapped = full_decode(Path(media.path), duration=media.duration, tap=reader.tap())
    for field in ("completed", "timed_out", "errors", "black", "frozen"):
        assert getattr(tapped, field) == getattr(plain, field)
    assert tapped.decoded_seconds == pytest.approx(plain.decoded_seconds, abs=0.1)
    cues = reader.track().cues
    assert len(cues) == 3 and _same(cues[1].text, BAD.text)
    assert reader.stats.samples == 12  # 6 s at 2 samples a second


# ---------------------------------------------------------------- speech


@pytest.fixture(scope="module")
def speech_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("speech")
    audio = SPEECH / "nanfangju.flac"
    parts = (
        "抗日战争时期，中共中央南方局设在重庆红岩村",
        "周恩来同志在这里领导南方国统区党的工作",
        "团结了大批爱国民主人士",
    )
    captions = tuple(
        Caption(text, start, end, size=52)
        for text, start, end in zip(parts, (0.0, 4.2, 7.9), (4.2, 7.9, 10.8), strict=True)
    )
    spec = ClipSpec(seconds=11, source="still", audio_file=audio)
    return {
        "bare": render_clip(folder / "bare.mp4", spec),
        "subtitled": render_clip(
            folder / "subtitled.mp4",
            ClipSpec(seconds=11, source="still", audio_file=audio, captions=captions),
        ),
    }


def test_speech_without_subtitles_warns(speech_clips: dict[str, Path]) -> None:
    finding, tracks, transcript = check_subtitles(speech_clips["bare"])
    assert transcript is not None and transcript.language == "zh"
    assert not any(t.cues for t in tracks)
    assert finding.status == Status.WARN
    assert "语音" in finding.message and "未发现字幕" in finding.message
    assert finding.evidence["speech_seconds"] >= 8
    assert "南方局" in finding.evidence["transcript_excerpt"]


@pytest.fixture(scope="module")
def subtitled_result(speech_clips: dict[str, Path]):
    context = WorkContext(title="南方局在红岩", script_text="第一幕\n" + NANFANGJU)
    return check_subtitles(speech_clips["subtitled"], context), context


def test_speech_with_matching_subtitles_passes(subtitled_result) -> None:
    (finding, _, _), _ = subtitled_result
    assert finding.status == Status.PASS, finding.message
    evidence = finding.evidence
    assert evidence["coverage"] >= 0.9
    (speech_cer,) = evidence["cer_vs_speech"].values()
    assert speech_cer < 0.35  # Whisper base itself errs on 0.1–0.2 of the characters
    (mismatch,) = evidence["mismatch_vs_script"].values()
    assert mismatch < 0.05
    assert "覆盖" in finding.message and "文稿" in finding.message


def test_partial_subtitles_and_a_different_script_warn(subtitled_result) -> None:
    (_, tracks, transcript), _ = subtitled_result
    burned = _burned(tracks)
    first_only = SubtitleTrack(SourceKind.BURNED, burned.label, cues=burned.cues[:1])
    partial = subtitle_finding([first_only], transcript, DEFAULT_RULES)
    assert partial.status == Status.WARN and "低于80%" in partial.message
    assert partial.evidence["coverage"] < 0.6
    other = subtitle_finding(
        tracks, transcript, DEFAULT_RULES, script_text="一九四九年十一月，重庆获得解放。歌乐山烈士陵园。"
    )
    assert other.status == Status.WARN and "文稿" in other.message
    wrong = [
        SubtitleTrack(SourceKind.SIDECAR, "x.srt", cues=(Cue(0.0, 10.8, "今天天气很好我们去公园散步吧"),))
    ]
    disagree = subtitle_finding(wrong, transcript, DEFAULT_RULES)
    assert disagree.status == Status.WARN and "语音内容差异较大" in disagree.message


def test_exports_are_stored_as_webvtt_and_json(subtitled_result, tmp_path: Path) -> None:
    (_, tracks, transcript), _ = subtitled_result
    store = LocalStore(tmp_path / "store")
    keys = store_exports(store, "evidence", "subtitles/abc", tracks, transcript)
    assert "subtitles/abc/transcript.vtt" in keys and "subtitles/abc/subtitles.json" in keys
    vtt_key = next(k for k in keys if k.endswith("-burned.vtt"))
    parsed = pysubs2.SSAFile.from_string(store.get_bytes("evidence", vtt_key).decode("utf-8"))
    assert len(parsed.events) == 3 and "南方局" in parsed.events[0].plaintext
    heard = pysubs2.SSAFile.from_string(store.get_bytes("evidence", "subtitles/abc/transcript.vtt").decode())
    assert heard.events and heard.events[0].start < 1000
    import json

    data = json.loads(store.get_bytes("evidence", "subtitles/abc/subtitles.json"))
    assert data["transcript"]["language"] == "zh" and data["tracks"][0]["kind"] == "burned"
