"""Spoken disclosures with the real Whisper engine on the speech fixtures (../shared/fixtures/speech)."""

from __future__ import annotations

import pytest

from tasks.aigc.labels import Strength
from tasks.aigc.spoken import find_disclosures, listen, speech_windows
from tasks.engines.asr import Segment, get_asr_engine
from tasks.media.probe import probe
from tasks.rules import DEFAULT_RULES
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
    from samples.clips import ClipSpec, render_clip

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
