"""Originality: near-duplicates caught (re-encode, 720p copy, 1 s cut) and not confused with works that
only share a title card or a black opening. Clips rendered here with ffmpeg, 6 s each."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from samples.clips import cjk_font
from tasks.judging.originality import (
    Signature,
    SignatureError,
    best_match,
    find_pairs,
    hash_frames,
    video_signature,
)
from tests.judging_catalogue import SampleWork, add_works

SMALL = "640x360"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, capture_output=True)


def _x264(path: Path, *extra: str) -> list[str]:
    return ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra, str(path)]


def _opening_then(path: Path, opening: str, content: str) -> Path:
    """`opening` (a 2 s lavfi source) then 4 s of `content`, at 640×360."""
    _ffmpeg(
        "-f", "lavfi", "-i", opening,
        "-f", "lavfi", "-i", f"{content}=s={SMALL}:r=25,trim=duration=4,setpts=PTS-STARTPTS",
        "-filter_complex", "[0][1]concat=n=2:v=1,format=yuv420p", *_x264(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("originality")
    original = folder / "original.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=25:d=6", *_x264(original, "-b:v", "4M"))
    low = folder / "low-bitrate.mp4"
    _ffmpeg("-i", str(original), *_x264(low, "-b:v", "200k"))
    scaled = folder / "720p.mp4"
    _ffmpeg("-i", str(original), "-vf", "scale=1280:720", *_x264(scaled))
    trimmed = folder / "trimmed.mp4"
    _ffmpeg("-ss", "1", "-i", str(original), *_x264(trimmed))
    card = (
        f"color=c=0x8B1A1A:s={SMALL}:r=25:d=2,drawtext=fontfile={cjk_font()}:text='红色光影 英雄重庆'"
        ":fontsize=40:fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2"
    )
    black = f"color=c=black:s={SMALL}:r=25:d=2"
    return {
        "original": original,
        "low": low,
        "scaled": scaled,
        "trimmed": trimmed,
        "card-a": _opening_then(folder / "card-a.mp4", card, "mandelbrot"),
        "card-b": _opening_then(folder / "card-b.mp4", card, "cellauto"),
        "black-a": _opening_then(folder / "black-a.mp4", black, "life"),
        "black-b": _opening_then(folder / "black-b.mp4", black, "rgbtestsrc"),
    }


@pytest.fixture(scope="module")
def signatures(clips: dict[str, Path]) -> dict[str, Signature]:
    return {name: video_signature(path) for name, path in clips.items()}


def test_a_file_that_is_not_a_video_is_a_chinese_signature_error(tmp_path: Path) -> None:
    text = tmp_path / "说明.mp4"
    text.write_text("这不是视频", encoding="utf-8")
    with pytest.raises(SignatureError, match=r"^无法解码视频："):
        video_signature(text)


def test_a_decode_past_its_time_limit_is_reported_not_waited_for(clips: dict[str, Path]) -> None:
    with pytest.raises(SignatureError, match=r"^取帧超时（0秒）$"):
        video_signature(clips["original"], timeout=0.001)


@pytest.mark.parametrize("copy", ["low", "scaled", "trimmed"])
def test_copies_are_near_duplicates(signatures: dict[str, Signature], copy: str) -> None:
    match = best_match(signatures["original"], signatures[copy])
    assert match.duplicate, match
    assert match.offset == (-2 if copy == "trimmed" else 0)  # 1 s at 2 samples a second


@pytest.mark.parametrize(("first", "second"), [("card-a", "card-b"), ("black-a", "black-b")])
def test_a_shared_title_card_or_black_opening_is_not_a_duplicate(
    signatures: dict[str, Signature], first: str, second: str
) -> None:
    match = best_match(signatures[first], signatures[second])
    assert not match.duplicate, match


def test_black_frames_carry_no_evidence_and_signatures_round_trip(signatures: dict[str, Signature]) -> None:
    assert not signatures["black-a"].informative[:4].any()
    assert signatures["black-a"].informative[5:].all()
    restored = Signature.from_json(signatures["card-a"].to_json())
    assert (restored.hashes == signatures["card-a"].hashes).all()
    assert (restored.informative == signatures["card-a"].informative).all()
    assert len(hash_frames(np.zeros((0, 32, 32), dtype=np.uint8)).hashes) == 0


def test_pairs_over_a_batch(signatures: dict[str, Signature]) -> None:
    batch = [(name, f"{name}.mp4", sig) for name, sig in signatures.items()]
    pairs = {tuple(sorted((p.first, p.second))) for p in find_pairs(batch)}
    copies = ["low", "original", "scaled", "trimmed"]
    assert pairs == {(a, b) for i, a in enumerate(copies) for b in copies[i + 1 :]}
    # Episodes of one series are never paired with each other.
    series = [("0001", "第1集", signatures["original"]), ("0001", "第2集", signatures["low"])]
    assert find_pairs(series) == []


def test_flagged_in_the_catalogue_and_kept_out_of_the_proposal(
    clips: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    add_works(
        [
            SampleWork("红岩魂", "甲单位", "微纪录片", videos=(clips["original"],)),
            SampleWork("红岩魂（二）", "乙单位", "微纪录片", videos=(clips["scaled"],)),
            SampleWork("山城记忆", "丙单位", "微动漫", videos=(clips["card-a"], clips["card-b"])),
        ]
    )
    assert main(["originality", "--check", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and lines[0]["status"] == "open"
    assert lines[0]["evidence"]["works"] == ["0001", "0002"]
    assert lines[0]["message"].startswith(
        "作品0001（甲单位+红岩魂.mp4）与作品0002（乙单位+红岩魂（二）.mp4）画面高度相似"
    )
    assert main(["originality", "--check"]) == 0  # signatures cached, the pair not duplicated
    out = capsys.readouterr().out
    assert "新计算0个" in out and "新发现疑点0个" in out and "[1] 待核实" in out
    assert main(["originality", "--dismiss", "1", "--note", "同一单位的两版，已撤回一版"]) == 0
    assert "[1] 已排除" in capsys.readouterr().out
