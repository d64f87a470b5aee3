"""The technical stage on real files that ffmpeg renders here: every rule of notice 四（二）."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from samples.clips import ClipSpec, remux, render_clip
from tasks.findings import Status, Verdict
from tasks.rules import DEFAULT_RULES
from tasks.screening import ScreenResult, technical


def screen(path: Path) -> ScreenResult:
    return technical(path, DEFAULT_RULES)


def by_check(result: ScreenResult) -> dict[str, object]:
    return {f.check: f for f in result.findings}


@pytest.fixture(scope="session")
def good_clip(media_dir: Path) -> Path:
    return render_clip(media_dir / "good.mp4", ClipSpec(seconds=2))


def test_a_compliant_1080p25_mp4_passes_every_check(good_clip: Path) -> None:
    result = screen(good_clip)
    assert result.verdict is Verdict.PASS, [f.message for f in result.findings]
    checks = by_check(result)
    for check in ("format", "duration", "resolution", "aspect_ratio", "frame_rate", "integrity", "audio"):
        assert checks[check].status is Status.PASS
    assert checks["integrity"].evidence["decoded_seconds"] >= 1.8


def test_phone_video_stored_landscape_with_rotation_is_portrait(good_clip: Path, tmp_path: Path) -> None:
    rotated = remux(good_clip, tmp_path / "phone.mp4", "-metadata:s:v:0", "rotate=90")
    checks = by_check(screen(rotated))
    assert checks["aspect_ratio"].evidence["displayed"] == "1080x1920"
    assert checks["aspect_ratio"].evidence["nearest"] == "9:16"
    assert checks["resolution"].status is Status.PASS


def test_anamorphic_sample_aspect_ratio(tmp_path: Path) -> None:
    path = render_clip(tmp_path / "hdv.mp4", ClipSpec(width=1440, height=1080, sar="4/3", seconds=2))
    checks = by_check(screen(path))
    assert checks["aspect_ratio"].evidence["displayed"] == "1920x1080"
    assert checks["aspect_ratio"].evidence["nearest"] == "16:9"


def test_29_97_fps_passes_and_24_fps_fails(tmp_path: Path) -> None:
    ntsc = by_check(screen(render_clip(tmp_path / "ntsc.mov", ClipSpec(fps="30000/1001", seconds=2))))
    film = by_check(screen(render_clip(tmp_path / "film.mp4", ClipSpec(fps="24", seconds=2))))
    assert ntsc["frame_rate"].status is Status.PASS
    assert ntsc["frame_rate"].evidence["average_fps"] == pytest.approx(29.97, abs=0.01)
    assert film["frame_rate"].status is Status.FAIL
    assert "24.00帧/秒" in film["frame_rate"].message


def test_variable_frame_rate_reports_its_slowest_second(tmp_path: Path) -> None:
    source = render_clip(tmp_path / "src50.mp4", ClipSpec(fps="50", seconds=4, audio=False))
    vfr = tmp_path / "vfr.mp4"
    # Keep every frame for 2 s, then one in four: an average of 31.25 fps.
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-vf", "select='lt(t,2)+not(mod(n,4))'",
         "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", str(vfr)],
        check=True,
    )  # fmt: skip
    finding = by_check(screen(vfr))["frame_rate"]
    assert finding.evidence["variable"] is True
    assert finding.status is Status.PASS
    assert finding.evidence["slowest_second_frames"] <= 14


def test_720p_fails_resolution(tmp_path: Path) -> None:
    finding = by_check(screen(render_clip(tmp_path / "hd.mp4", ClipSpec(width=1280, height=720, seconds=2))))
    assert finding["resolution"].status is Status.FAIL
    assert finding["resolution"].message.startswith("分辨率为1280×720")


def test_mpeg2_program_stream_is_an_allowed_format(tmp_path: Path) -> None:
    checks = by_check(screen(render_clip(tmp_path / "dvd.mpg", ClipSpec(codec="mpeg2video", seconds=2))))
    assert checks["format"].status is Status.PASS
    assert checks["format"].evidence["container"] == "MPG/MPEG"
    assert checks["integrity"].status is Status.PASS


def test_matroska_named_mp4_fails_by_content(tmp_path: Path) -> None:
    path = render_clip(tmp_path / "disguised.mp4", ClipSpec(container="matroska", seconds=2))
    finding = by_check(screen(path))["format"]
    assert finding.status is Status.FAIL
    assert "Matroska" in finding.message and ".mp4" in finding.message


def test_vp9_webm_fails(tmp_path: Path) -> None:
    path = render_clip(
        tmp_path / "clip.webm",
        ClipSpec(codec="libvpx-vp9", container="webm", seconds=1, width=640, height=360),
    )
    result = screen(path)
    assert by_check(result)["format"].status is Status.FAIL
    assert result.probe is not None and result.probe.video.codec == "vp9"


def test_truncated_file_without_index_is_an_integrity_failure(good_clip: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good_clip.read_bytes()[: good_clip.stat().st_size // 2])
    result = screen(cut)
    assert result.verdict is Verdict.FAIL
    assert "缺少moov索引" in by_check(result)["integrity"].message


def test_truncated_faststart_file_decodes_short(tmp_path: Path) -> None:
    whole = render_clip(
        tmp_path / "whole.mp4", ClipSpec(seconds=4, extra_output_args=("-movflags", "+faststart"))
    )
    cut = tmp_path / "cut-faststart.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    finding = by_check(screen(cut))["integrity"]
    assert finding.status is Status.FAIL
    assert finding.evidence["decoded_seconds"] < 3.5 or finding.evidence["error_count"] > 0


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    finding = by_check(screen(empty))["integrity"]
    assert finding.status is Status.FAIL
    assert "0字节" in finding.message


def test_text_file_named_mp4(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("这不是视频，是一份文稿。\n" * 50, encoding="utf-8")
    result = screen(fake)
    assert result.verdict is Verdict.FAIL
    assert by_check(result)["integrity"].status is Status.FAIL
    assert by_check(result)["format"].status is Status.FAIL


def test_black_opening_and_missing_audio_are_advisory(tmp_path: Path) -> None:
    path = render_clip(tmp_path / "black.mp4", ClipSpec(source="black", seconds=4, audio=False))
    result = screen(path)
    checks = by_check(result)
    assert checks["black_frames"].status is Status.WARN
    assert checks["black_frames"].evidence["stretches"][0]["start"] == pytest.approx(0.0, abs=0.3)
    assert checks["audio"].status is Status.WARN
    assert result.verdict is Verdict.REVIEW
