"""A 2 s clip whose mvhd/mdhd claim 100,000 s (or 4.29e9 s): the duration comes from the packets,
and sampling and decode timeouts are bounded by it. The patch is written here, box by box."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from samples.hostile import forge_duration
from samples.packages import clip
from tasks.aigc.spoken import SpokenReport
from tasks.aigc.stage import sampling_rules, screen_aigc
from tasks.aigc.visual import sample_times
from tasks.context import WorkContext
from tasks.media.decode import MAX_DECODE_TIMEOUT, GrayTap, decode_timeout, full_decode
from tasks.media.probe import probe
from tasks.rules import DEFAULT_RULES
from tests.engines import BlindOcr


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forged")
    honest = clip(folder, seconds=2.0)
    return {
        "honest": honest,
        "days": forge_duration(honest, folder / "days.mp4", 100_000),
        "max": forge_duration(honest, folder / "max.mp4", 0xFFFFFFFF, movie_timescale=1),
    }


def test_the_duration_is_measured_on_the_stream_when_the_container_lies(clips: dict[str, Path]) -> None:
    honest = probe(clips["honest"])
    assert honest.duration == pytest.approx(2.0, abs=0.1) and honest.declared_duration is None
    for name, claimed in (("days", 100_000), ("max", 0xFFFFFFFF)):
        forged = probe(clips[name])
        assert forged.duration == pytest.approx(2.0, abs=0.1), name
        assert forged.declared_duration == pytest.approx(claimed), name
        assert forged.summary()["declared_duration"] == pytest.approx(claimed)


def test_decode_timeouts_are_capped_and_never_overflow(clips: dict[str, Path]) -> None:
    assert decode_timeout(4.29e9) == MAX_DECODE_TIMEOUT and decode_timeout(float("inf")) <= MAX_DECODE_TIMEOUT
    assert decode_timeout(300.0) == 1020.0 and decode_timeout(None) == 1020.0
    failures: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)  # type: ignore[assignment]
    try:
        frames: list[float] = []
        tap = GrayTap(
            fps=2, width=64, bands=((0, 8),), on_frame=lambda t, _: frames.append(t), scale=(64, 36)
        )
        report = full_decode(clips["max"], duration=4.29e9, tap=tap)  # what the container claims
    finally:
        threading.excepthook = previous
    assert failures == []  # the timer thread used to die of OverflowError, leaving no timeout
    assert report.completed and report.decoded_seconds == pytest.approx(2.0, abs=0.2) and frames


def test_middle_samples_are_bounded_whatever_the_timeline(clips: dict[str, Path]) -> None:
    forged = probe(clips["max"])
    lying = replace(forged, duration=4.29e9)  # had the packets not been measured
    rules = sampling_rules(lying, DEFAULT_RULES)
    middle, closing = sample_times(4.29e9, 6.0, rules)
    assert len(middle) <= DEFAULT_RULES.aigc_max_middle_samples and closing
    assert sampling_rules(forged, DEFAULT_RULES) is DEFAULT_RULES  # a real 2 s clip: as before
    ocr = BlindOcr()
    finding = screen_aigc(
        forged, WorkContext(title="红岩家书"), DEFAULT_RULES, ocr=ocr, spoken=SpokenReport()
    )
    visual = finding.evidence["visual"]
    assert 0 < visual["frames_decoded"] <= 60 and visual["problems"] == []
    assert 0 < ocr.images <= 60  # and no more frames than that reach the OCR
