"""Text subtitle sources: sidecar files in the encodings people use, soft streams in both scripts."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from samples.clips import ClipSpec, add_subtitle_tracks, render_clip
from tasks.chinese import to_simplified
from tasks.context import WorkContext
from tasks.media.probe import probe
from tasks.rules import DEFAULT_RULES
from tasks.subtitles.check import subtitle_finding
from tasks.subtitles.files import decode_text, read_sidecar, read_soft_tracks
from tasks.subtitles.model import SourceKind
from tasks.subtitles.run import text_tracks

SRT_TRADITIONAL = """1
00:00:00,500 --> 00:00:02,000
重慶談判後，雙方簽署了協定

2
00:00:02,000 --> 00:00:03,500
红岩精神是宝贵的精神财富
"""
SRT_SIMPLIFIED = """1
00:00:00,500 --> 00:00:02,000
干部们后来在台上发言

2
00:00:02,000 --> 00:00:03,500
乾隆年间的著名面馆里
"""
ASS = """[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Noto Sans CJK SC,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,這是註釋
Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,{\\b1}歌乐山烈士陵园\\N每年都吸引大批群众
"""
VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
一九四九年十一月，重慶獲得解放
"""


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16"),  # with BOM
        ("utf-16-le", "utf-16-le"),  # without BOM
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_encodings_are_recognised(codec: str, expected: str) -> None:
    text, encoding = decode_text(SRT_SIMPLIFIED.encode(codec))
    assert encoding == expected
    assert text.lstrip("\ufeff") == SRT_SIMPLIFIED


BIG5_LINES = ["兩江紅旗迎風飄揚", "歷史的回聲在這裡響起", "江姐", "重慶", "解放"]


@pytest.mark.parametrize("lines", [BIG5_LINES, BIG5_LINES[2:3], BIG5_LINES[4:]])
def test_big5_and_gbk_bytes_that_decode_both_ways_are_told_apart(lines: list[str]) -> None:
    # Big5 bytes mostly decode as GB18030 without an error (into kana, Greek and private-use
    # characters), and short GBK lines decode as Big5: each must come back as it was written.
    srt = "".join(
        f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i + 1},000\n{line}\n\n" for i, line in enumerate(lines)
    )
    assert decode_text(srt.encode("big5")) == (srt, "big5")
    simplified = to_simplified(srt)
    assert decode_text(simplified.encode("gbk")) == (simplified, "gb18030")
    assert decode_text(srt.encode("gbk")) == (srt, "gb18030")  # GBK holds traditional characters too


def test_gbk_sidecar_with_traditional_cue(tmp_path: Path) -> None:
    # GBK holds traditional characters too: a GBK file is no proof of simplified text.
    path = tmp_path / "作品.srt"
    path.write_bytes(SRT_TRADITIONAL.encode("gbk"))
    track = read_sidecar(path)
    assert track.kind == SourceKind.SIDECAR and track.details["encoding"] == "gb18030"
    assert [c.text for c in track.cues] == ["重慶談判後，雙方簽署了協定", "红岩精神是宝贵的精神财富"]
    assert (track.cues[0].start, track.cues[0].end) == (0.5, 2.0)
    finding = subtitle_finding([track], None, DEFAULT_RULES)
    assert finding.status == "fail" and finding.stage == "subtitles"
    assert "慶、談、後、雙、簽、協" in finding.message
    assert "00:00:00.5–00:00:02.0" in finding.message and "重庆谈判后，双方签署了协定" in finding.message


def test_utf16_ass_sidecar_drops_comments_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "字幕.ass"
    path.write_bytes(codecs.BOM_UTF16_LE + ASS.encode("utf-16-le"))
    track = read_sidecar(path)
    assert track.details["encoding"] == "utf-16"
    assert [c.text for c in track.cues] == ["歌乐山烈士陵园 每年都吸引大批群众"]
    assert subtitle_finding([track], None, DEFAULT_RULES).status == "pass"


def test_vtt_sidecar_and_unparsable_file(tmp_path: Path) -> None:
    vtt = tmp_path / "a.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    assert read_sidecar(vtt).cues[0].text == "一九四九年十一月，重慶獲得解放"
    broken = tmp_path / "b.srt"
    broken.write_bytes(b"\x00\x01 not subtitles at all")
    track = read_sidecar(broken)
    assert track.problem and not track.cues
    finding = subtitle_finding([track], None, DEFAULT_RULES)
    assert finding.status == "warn" and "b.srt" in finding.message


@pytest.fixture(scope="module")
def soft_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("soft")
    video = render_clip(folder / "base.mp4", ClipSpec(width=640, height=360, seconds=4, source="still"))
    simplified, traditional = folder / "s.srt", folder / "t.srt"
    simplified.write_text(SRT_SIMPLIFIED, encoding="utf-8")
    traditional.write_text(SRT_TRADITIONAL, encoding="utf-8")
    return add_subtitle_tracks(video, folder / "soft.mp4", ((simplified, "chi"), (traditional, "chi")))


def test_soft_tracks_in_both_scripts(soft_clip: Path) -> None:
    media = probe(soft_clip)
    assert media.subtitle_codecs == ["mov_text", "mov_text"]
    tracks = read_soft_tracks(media)
    assert [t.kind for t in tracks] == [SourceKind.SOFT, SourceKind.SOFT]
    assert tracks[0].cues[1].text == "乾隆年间的著名面馆里"
    assert tracks[1].cues[0].text == "重慶談判後，雙方簽署了協定"
    assert tracks[0].details["language"] == "chi"
    finding = subtitle_finding(tracks, None, DEFAULT_RULES)
    assert finding.status == "fail"
    bad = finding.evidence["traditional_cues"]
    assert len(bad) == 1 and bad[0]["source"].startswith("内嵌字幕轨") and bad[0]["start"] == 0.5


def test_soft_ass_track_in_matroska_with_sidecar(tmp_path: Path, soft_clip: Path) -> None:
    ass = tmp_path / "a.ass"
    ass.write_text(ASS, encoding="utf-8")
    video = render_clip(tmp_path / "v.mp4", ClipSpec(width=640, height=360, seconds=4, source="still"))
    mkv = add_subtitle_tracks(video, tmp_path / "v.mkv", ((ass, "zho"),), codec="ass")
    sidecar = tmp_path / "v.srt"
    sidecar.write_bytes(SRT_SIMPLIFIED.encode("gbk"))
    tracks = text_tracks(probe(mkv), WorkContext(sidecar_subtitles=(sidecar,)))
    assert [t.kind for t in tracks] == [SourceKind.SOFT, SourceKind.SIDECAR]
    assert tracks[0].details["codec"] == "ass"
    assert tracks[0].cues[0].text == "歌乐山烈士陵园 每年都吸引大批群众"
    assert subtitle_finding(tracks, None, DEFAULT_RULES).status == "pass"
