"""Spoken disclosures with the real Whisper engine on the speech fixtures (../shared/fixtures/speech)."""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.clips import ClipSpec, render_clip
from tasks.aigc.labels import Strength
from tasks.aigc.spoken import find_disclosures, listen, speech_windows
from tasks.context import WorkContext
from tasks.engines.asr import AsrEngine, Segment, Transcript, get_asr_engine
from tasks.findings import Check, Status
from tasks.media.probe import MediaProbe, probe
from tasks.rules import DEFAULT_RULES
from tasks.screening import LocalSteps, screen_file, spoken_disclosures, transcribe
from tests.fixtures import SPEECH


@pytest.mark.slow  # the real Whisper model
def test_a_clear_spoken_disclosure_is_found() -> None:
    # 「本片部分画面由人工智能合成。」 Hard cases (the spoken letters "AI", which Whisper base drops on
    # some CPUs) are measured as a rate in bench/disclosures.py, not asserted here.
    report = listen(probe(SPEECH / "disclosure.flac"), get_asr_engine(), DEFAULT_RULES)
    assert report.language == "zh"
    assert report.windows == [(0.0, pytest.approx(report.windows[0][1]))]
    assert len(report.disclosures) == 1
    assert report.disclosures[0].strength in (Strength.WEAK, Strength.STRONG)
    assert "智能" in report.disclosures[0].text


@pytest.mark.slow  # the real Whisper model
def test_ordinary_party_history_speech_is_no_disclosure() -> None:
    report = listen(probe(SPEECH / "nanfangju.flac"), get_asr_engine(), DEFAULT_RULES)
    assert report.language == "zh"
    assert len(report.transcript) >= 1  # speech was heard…
    assert report.disclosures == []  # …and none of it is a disclosure


@pytest.mark.slow  # the real Whisper model
def test_audio_less_file_is_skipped(tmp_path) -> None:
    clip = render_clip(tmp_path / "mute.mp4", ClipSpec(width=320, height=240, seconds=1, audio=False))
    report = listen(probe(clip), get_asr_engine(), DEFAULT_RULES)
    assert report.skipped == "没有音轨" and report.windows == []


def test_windows_open_and_close_long_tracks() -> None:
    assert speech_windows(60.0, DEFAULT_RULES) == [(0.0, 60.0)]
    assert speech_windows(300.0, DEFAULT_RULES) == [(0.0, 30.0), (270.0, 300.0)]


def test_disclosure_split_over_two_segments() -> None:
    segments = [Segment(10.0, 11.2, "本视频部分画面由人工智"), Segment(11.2, 12.5, "能生成")]
    (found,) = find_disclosures(segments)
    assert (found.start, found.end) == (10.0, 12.5)
    assert found.strength is Strength.STRONG


class _Counting:
    """The real engine, counting the passes asked of it."""

    def __init__(self, engine: AsrEngine) -> None:
        self.engine, self.calls = engine, 0

    def transcribe(self, audio, **kwargs) -> Transcript:  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.engine.transcribe(audio, **kwargs)


@pytest.mark.slow  # the real Whisper and OCR models
def test_screening_finds_a_spoken_disclosure_in_its_one_whole_track_transcript(tmp_path: Path) -> None:
    """The path production runs: screening's one Whisper pass over the whole track (the subtitle
    check's transcript) → `from_transcript`; the AI-label check hears nothing on its own."""
    clip = render_clip(
        tmp_path / "ai.mp4",
        ClipSpec(width=640, height=360, seconds=6, source="still", audio_file=SPEECH / "disclosure.flac"),
    )
    asr = _Counting(get_asr_engine())
    result = screen_file(clip, LocalSteps(asr=asr))
    aigc = result.finding(Check.AIGC_LABEL)
    spoken = aigc.evidence["spoken"]
    assert asr.calls == 1  # one pass served the subtitle check and the disclosure search
    assert result.transcript is not None  # the whole track, not the opening and closing windows
    assert spoken["windows"] == [[0.0, pytest.approx(result.transcript.duration, abs=0.01)]]
    (disclosure,) = spoken["disclosures"]
    assert "智能" in disclosure["text"] and disclosure["start"] < disclosure["end"] <= 6.0
    # AI content spoken, no label on the opening frames: not a pass (fail when the match is
    # certain, a warning for a person when Whisper's words only resemble a disclosure).
    assert aigc.status in (Status.FAIL, Status.WARN)
    assert aigc.evidence["ai_evidence"][0]["kind"] == "spoken"


@pytest.mark.slow  # the real Whisper model
def test_the_whole_track_transcript_of_ordinary_speech_is_no_disclosure() -> None:
    media = probe(SPEECH / "nanfangju.flac")
    transcript = transcribe(media, WorkContext())
    report = spoken_disclosures(transcript, media)
    assert report is not None and report.language == "zh"
    assert len(report.transcript) >= 1 and report.disclosures == []


def test_a_track_that_could_not_be_heard_leaves_the_label_check_its_own_listening() -> None:
    def media(audio: list[str]) -> MediaProbe:
        return MediaProbe("x.mp4", "mov", "QuickTime / MOV", 10.0, 1000, None, None, audio_codecs=audio)

    with_audio, silent = media(["aac"]), media([])
    assert spoken_disclosures(None, with_audio) is None
    assert spoken_disclosures(None, silent).skipped == "没有音轨"  # type: ignore[union-attr]
