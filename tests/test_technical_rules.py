"""Pure rule functions on hand-made probe data: the notice's limits at their edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.findings import Check, Finding, Status, Verdict, verdict
from tasks.media.decode import DecodeError, DecodeReport, Stretch, parse_decode_log
from tasks.media.probe import parse_probe
from tasks.rules import DEFAULT_RULES
from tasks.technical import (
    check_aspect_ratio,
    check_duration,
    check_format,
    check_frame_rate,
    check_integrity,
    check_picture,
    check_resolution,
)


def make_probe(
    *,
    width: int = 1920,
    height: int = 1080,
    fps: str = "25/1",
    avg_fps: str | None = None,
    duration: str = "120.0",
    format_name: str = "mov,mp4,m4a,3gp,3g2,mj2",
    sar: str | None = None,
    rotation: int | None = None,
):
    stream = {
        "index": 0,
        "codec_type": "video",
        "codec_name": "h264",
        "width": width,
        "height": height,
        "r_frame_rate": fps,
        "avg_frame_rate": avg_fps or fps,
    }
    if sar:
        stream["sample_aspect_ratio"] = sar
    if rotation is not None:
        stream["side_data_list"] = [{"side_data_type": "Display Matrix", "rotation": rotation}]
    data = {
        "format": {"format_name": format_name, "duration": duration, "size": "1000"},
        "streams": [stream, {"index": 1, "codec_type": "audio", "codec_name": "aac"}],
    }
    return parse_probe(Path("x.mp4"), data)


@pytest.mark.parametrize(
    ("width", "height", "status"),
    [
        (1920, 1080, Status.PASS),
        (1080, 1920, Status.PASS),
        (1280, 720, Status.FAIL),
        (1920, 1078, Status.FAIL),
    ],
)
def test_resolution_is_judged_on_the_short_side(width: int, height: int, status: Status) -> None:
    finding = check_resolution(make_probe(width=width, height=height).video, DEFAULT_RULES)
    assert finding.status is status
    assert finding.evidence["short_side"] == min(width, height)


def test_resolution_message_names_the_measured_size_and_the_rule() -> None:
    finding = check_resolution(make_probe(width=1280, height=720).video, DEFAULT_RULES)
    assert finding.message.startswith("分辨率为1280×720，低于要求的1080P（短边应不少于1080像素）")
    assert "以1080P" in finding.message and "重新导出" in finding.message  # and what to do


def test_rotation_swaps_the_displayed_frame() -> None:
    video = make_probe(width=1920, height=1080, rotation=-90).video
    assert (video.display_width, video.display_height, video.rotation) == (1080, 1920, 270)
    assert check_aspect_ratio(video, DEFAULT_RULES).evidence["nearest"] == "9:16"


def test_sample_aspect_ratio_widens_the_displayed_frame() -> None:
    # 1440×1080 anamorphic HDV is shown as 1920×1080.
    video = make_probe(width=1440, height=1080, sar="4:3").video
    assert (video.display_width, video.display_height) == (1920, 1080)
    assert check_aspect_ratio(video, DEFAULT_RULES).evidence["nearest"] == "16:9"


@pytest.mark.parametrize(
    ("size", "nearest", "status"),
    [
        ((1920, 1080), "16:9", Status.PASS),
        ((1440, 1080), "4:3", Status.PASS),
        ((1620, 1080), "3:2", Status.PASS),
        ((1080, 1920), "9:16", Status.PASS),
        ((1080, 1440), "3:4", Status.PASS),
        ((1080, 1620), "2:3", Status.PASS),
        ((1920, 1088), "16:9", Status.PASS),  # coded-size padding stays within tolerance
        ((1080, 1080), "4:3", Status.FAIL),
        ((2560, 1080), "16:9", Status.FAIL),  # 21:9 cinema
    ],
)
def test_aspect_ratio(size: tuple[int, int], nearest: str, status: Status) -> None:
    finding = check_aspect_ratio(make_probe(width=size[0], height=size[1]).video, DEFAULT_RULES)
    assert finding.status is status
    assert finding.evidence["nearest"] == nearest


@pytest.mark.parametrize(
    ("fps", "status"),
    [("25/1", Status.PASS), ("30000/1001", Status.PASS), ("24/1", Status.FAIL), ("24000/1001", Status.FAIL)],
)
def test_frame_rate(fps: str, status: Status) -> None:
    assert check_frame_rate(make_probe(fps=fps).video, DEFAULT_RULES).status is status


def test_variable_frame_rate_is_judged_on_the_average_and_reports_the_slowest_second() -> None:
    video = make_probe(fps="60/1", avg_fps="27/1").video
    assert video.variable_frame_rate
    finding = check_frame_rate(video, DEFAULT_RULES, min_fps_per_second=12)
    assert finding.status is Status.PASS
    assert finding.evidence["slowest_second_frames"] == 12
    assert "最慢的一秒仅12帧" in finding.message


@pytest.mark.parametrize(
    ("seconds", "status"), [("300.0", Status.PASS), ("300.4", Status.PASS), ("301.0", Status.FAIL)]
)
def test_duration_limit_per_episode(seconds: str, status: Status) -> None:
    finding = check_duration(make_probe(duration=seconds), DEFAULT_RULES)
    assert finding.status is status
    if status is Status.FAIL:
        assert "5分01.0秒" in finding.message and "超过5分钟" in finding.message


@pytest.mark.parametrize(
    ("format_name", "filename", "status"),
    [
        ("mov,mp4,m4a,3gp,3g2,mj2", "a.mp4", Status.PASS),
        ("mov,mp4,m4a,3gp,3g2,mj2", "a.MOV", Status.PASS),
        ("mpeg", "a.mpg", Status.PASS),
        ("mpeg", "a.mp4", Status.WARN),  # allowed content, lying extension
        ("matroska,webm", "a.mp4", Status.FAIL),
        ("avi", "a.mp4", Status.FAIL),
    ],
)
def test_format_by_content(format_name: str, filename: str, status: Status) -> None:
    finding = check_format(make_probe(format_name=format_name), filename, DEFAULT_RULES)
    assert finding.status is status


def _report(**kwargs) -> DecodeReport:
    base = {"completed": True, "timed_out": False, "decoded_seconds": 120.0, "wall_seconds": 1.0}
    return DecodeReport(**{**base, **kwargs})


def test_integrity_reports_the_first_error_with_its_time() -> None:
    report = _report(errors=[DecodeError(61.5, "corrupt"), DecodeError(70.0, "corrupt")], completed=True)
    finding = check_integrity(make_probe(), report)
    assert finding.status is Status.FAIL
    assert "首个错误位于1分01.5秒" in finding.message and "共2处" in finding.message


def test_integrity_catches_a_stream_that_ends_early() -> None:
    finding = check_integrity(make_probe(duration="120"), _report(decoded_seconds=60.0))
    assert finding.status is Status.FAIL
    assert finding.evidence["decoded_seconds"] == 60.0


def test_integrity_timeout_is_an_error_for_a_person() -> None:
    assert check_integrity(make_probe(), _report(timed_out=True, completed=False)).status is Status.ERROR


def test_long_black_and_frozen_stretches_are_advisory() -> None:
    report = _report(black=[Stretch(0.0, 4.0), Stretch(10, 11)], frozen=[Stretch(20.0, 31.0)])
    black, frozen = check_picture(report, DEFAULT_RULES)
    assert (black.status, frozen.status) == (Status.WARN, Status.WARN)
    assert len(black.evidence["stretches"]) == 1  # the 1-second one is below the threshold


def test_decode_log_parsing() -> None:
    log = (
        "[info] frame=  10 fps=0.0 q=-0.0 size=N/A time=00:00:02.00 bitrate=N/A speed=4x\r"
        "[h264 @ 0x55aa] [error] Invalid NAL unit size (1234 > 99).\n"
        "[blackdetect @ 0x55ab] [info] black_start:0 black_end:4 black_duration:4\n"
        "[freezedetect @ 0x55ac] [info] lavfi.freezedetect.freeze_start: 5.2\n"
        "[info] frame=  50 fps=0.0 q=-0.0 size=N/A time=00:00:12.40 bitrate=N/A speed=4x\r"
    )
    position, errors, black, frozen = parse_decode_log(log)
    assert position == pytest.approx(12.4)
    assert errors == [DecodeError(2.0, "[h264 @ 0x55aa] Invalid NAL unit size (1234 > 99).")]
    assert black == [Stretch(0.0, 4.0)]
    assert frozen == [Stretch(5.2, 12.4)]  # still frozen at the end: closed at the last position


def test_verdict_rule() -> None:
    ok = Finding(Check.FORMAT, Status.PASS, "")
    assert verdict([ok]) is Verdict.PASS
    assert verdict([ok, Finding(Check.DURATION, Status.WARN, "")]) is Verdict.REVIEW
    assert verdict([ok, Finding(Check.DURATION, Status.ERROR, "")]) is Verdict.REVIEW
    assert (
        verdict([Finding(Check.DURATION, Status.WARN, ""), Finding(Check.AUDIO, Status.FAIL, "")])
        is Verdict.FAIL
    )
