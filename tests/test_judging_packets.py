"""Review packets an expert can use offline, and blind in every byte: 720p viewing copies without the
original's metadata or chapters, subtitles rewritten without names or notes, 评审.html that opens
from a copied folder in headless Chromium with the videos playing, and the 评分表 that prints."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cli.main import main
from samples.clips import ClipSpec, render_clip
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import File, FindingRecord
from tasks.config import get_settings
from tasks.findings import Check
from tasks.judging.packets import HEADER_ROW, SHEET_NAME
from tasks.media.probe import probe
from tasks.outside import find_contacts
from tasks.roles import FileRole
from tasks.store import open_store, sha256_of
from tests.judging_catalogue import ROSTER, SampleWork, add_works, write_roster

UNIT = "江北区融媒体中心"
SUBMITTER = "孙二"
CONTACT = "钱五"
PHONE = "13896068058"
FORBIDDEN = (UNIT, SUBMITTER, CONTACT, PHONE, "138.9606.8058", "W2单位")
SCRIPT = f"红岩家书解说词：一封家书，一段信仰。\n报送单位：{UNIT}　联系人：{CONTACT}　电话：138.9606.8058"


def _tagged_original(folder: Path) -> Path:
    """A 640×360 clip with sound whose container names the submitter, the unit and the phone in its
    tags, a stream title and a chapter, as a phone or an editor leaves them."""
    clip = render_clip(folder / "plain.mp4", ClipSpec(width=640, height=360, seconds=2))
    chapters = folder / "chapters.txt"
    chapters.write_text(
        f";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle={SUBMITTER}的片头\n",
        encoding="utf-8",
    )
    target = folder / "tagged.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip), "-i", str(chapters),
         "-map", "0", "-map_chapters", "1", "-c", "copy",
         "-metadata", f"artist={SUBMITTER}（{UNIT}）{PHONE}",
         "-metadata", f"comment=报送单位：{UNIT} 联系人：{CONTACT}",
         "-metadata:s:v:0", f"title={UNIT}出品",
         str(target)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert "artist" in (probe(target).raw.get("format", {}).get("tags") or {})
    return target


def _add_script_and_subtitles(video: Path) -> None:
    settings = get_settings()
    store = open_store(settings)
    digest = sha256_of(video)
    export = {
        "tracks": [
            {
                "kind": "sidecar",
                "label": f"{SUBMITTER}（W2单位）+红岩二.srt",
                "cues": [
                    {"start": 0.1, "end": 0.9, "text": "红岩精神永放光芒"},
                    {"start": 1.0, "end": 1.9, "text": f"{UNIT}出品 电话{PHONE}"},
                ],
            }
        ]
    }
    store.put_bytes(
        settings.bucket_evidence,
        f"subtitles/{digest}/subtitles.json",
        json.dumps(export, ensure_ascii=False).encode(),
    )
    store.put_bytes(
        settings.bucket_evidence,
        f"subtitles/{digest}/subtitles-0-sidecar.vtt",
        f"WEBVTT\n\nNOTE 字幕文件 {SUBMITTER}（W2单位）+红岩二.srt\n\n00:00.100 --> 00:00.900\n红岩\n".encode(),
    )
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        video_row = session.query(File).filter(File.sha256 == digest).one()
        session.add(  # screening's subtitles finding names its export, as the flow records it
            FindingRecord(
                submission_id=video_row.submission_id,
                file_id=video_row.id,
                stage="subtitles",
                check=Check.SUBTITLES,
                status="pass",
                message="字幕为简体中文",
                evidence={
                    "exports": {
                        "bucket": settings.bucket_evidence,
                        "keys": [f"subtitles/{digest}/subtitles.json"],
                    }
                },
            )
        )
        session.add(
            File(
                submission_id=video_row.submission_id,
                name=f"{UNIT}+红岩家书文稿.docx",
                role=FileRole.SCRIPT,
                sha256="0" * 64,
                size=10,
                object_key="guangying-originals/sha256/00/none",
                meta={"text": SCRIPT},
            )
        )


@pytest.fixture
def packets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    video = _tagged_original(tmp_path)
    add_works(
        [
            SampleWork("红岩家书", UNIT, "微纪录片", submitter=SUBMITTER, videos=(video,), phone=PHONE),
            SampleWork("歌乐山下", "西南大学", "微动漫", submitter="周敏"),
        ]
    )
    _add_script_and_subtitles(video)
    assert main(["experts", str(write_roster(tmp_path / "专家.csv", ROSTER))]) == 0
    assert main(["assign", "--no-originality", "--per-work", "2"]) == 0
    capsys.readouterr()
    out = tmp_path / "评审包"
    assert main(["packets", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "观看版本新生成1个、沿用0个" in text
    return out


def _sent_0001(out: Path) -> list[Path]:
    return sorted(p.parent.parent for p in out.glob("*/视频/0001-红岩家书.mp4"))


def _text_of(path: Path) -> list[bytes]:
    """The bytes a reader of `path` can see: the file itself, each member of an .xlsx."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name) for name in archive.namelist()]
    return [path.read_bytes()]


def test_every_byte_of_every_packet_file_is_blind(packets: Path) -> None:
    files = [p for p in packets.rglob("*") if p.is_file()]
    assert _sent_0001(packets), "no packet holds the work"
    kinds = {p.suffix for p in files}
    assert {".mp4", ".vtt", ".html", ".xlsx"} <= kinds
    for path in files:
        relative = str(path.relative_to(packets))
        for word in FORBIDDEN:
            assert word not in relative, relative
            for data in _text_of(path):
                assert word.encode() not in data, (relative, word)
        if path.suffix in (".vtt", ".html"):
            text = path.read_text(encoding="utf-8")
            assert not find_contacts(text), (relative, find_contacts(text))
            assert "NOTE" not in text
    video = next(p for p in files if p.suffix == ".mp4")
    media = probe(video)
    assert media.raw.get("chapters") in (None, [])
    tags = json.dumps(
        [media.raw.get("format", {}).get("tags"), *[s.get("tags") for s in media.raw.get("streams", [])]],
        ensure_ascii=False,
    )
    for word in FORBIDDEN:
        assert word not in tags
    assert media.video is not None and media.video.codec == "h264" and media.audio_codecs == ["aac"]
    assert min(media.video.display_width, media.video.display_height) <= 720
    head = video.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # +faststart
    page = (video.parent.parent / "评审.html").read_text(encoding="utf-8")
    assert "红岩家书解说词" in page and "（已隐去）" in page and "导向正确" in page


def test_packet_folder_copied_elsewhere_plays_in_chromium(packets: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    source = _sent_0001(packets)[0]
    copied = tmp_path / "U盘" / "评审包"
    shutil.copytree(source, copied)
    shutil.rmtree(packets)  # nothing may point back at where the packet was written
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.on("request", lambda r: requested.append(r.url))
            tab.goto((copied / "评审.html").as_uri())
            tab.wait_for_function(
                "[...document.querySelectorAll('video')].length > 0 &&"
                "[...document.querySelectorAll('video')].every(v => v.readyState === 4)",
                timeout=60_000,
            )
            tab.wait_for_function(
                "[...document.querySelectorAll('track')].every(t => t.readyState === 2)", timeout=30_000
            )
            shown: dict[str, Any] = tab.evaluate(
                """() => ({
                    videos: [...document.querySelectorAll('video')].map(v => v.readyState),
                    cues: [...document.querySelectorAll('video')].map(v => v.textTracks[0].cues.length),
                    titles: [...document.querySelectorAll('article.work h2')].map(h => h.textContent),
                    text: document.body.innerText,
                })"""
            )
        finally:
            browser.close()
    assert shown["videos"] and all(state == 4 for state in shown["videos"])
    assert shown["cues"] == [2]
    assert any("0001 《红岩家书》" in t for t in shown["titles"])
    for word in FORBIDDEN:
        assert word not in shown["text"]
    root = copied.as_uri()
    outside = [u for u in requested if not (u.startswith(root + "/") or u.startswith(("blob:", "data:")))]
    assert not outside, outside


def test_viewing_copies_are_reused_and_scored_works_not_resent(
    packets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["packets", "--out", str(packets)]) == 0
    assert "观看版本新生成0个、沿用1个" in capsys.readouterr().out
    expert = _sent_0001(packets)[0].name
    sheet = tmp_path / "评分.csv"
    sheet.write_text(
        f"评审专家,编号,导向正确,史实准确,形式创新,权属清晰,制作质量\n{expert},0001,20,20,15,8,15\n",
        encoding="utf-8",
    )
    assert main(["scores", str(sheet)]) == 0
    capsys.readouterr()
    second = tmp_path / "第二批"
    assert main(["packets", "--out", str(second)]) == 0
    out = capsys.readouterr().out
    assert f"[未重发] 编号0001：专家{expert}已评分" in out
    assert not (second / expert / "视频" / "0001-红岩家书.mp4").exists()
    assert len(_sent_0001(second)) == len(_sent_0001(packets)) - 1
    assert main(["packets", "--out", str(second), "--all"]) == 0
    assert (second / expert / "视频" / "0001-红岩家书.mp4").exists()
    capsys.readouterr()
    # The embedded store has no link an expert could open: --links is refused there, in Chinese.
    assert main(["packets", "--out", str(second), "--links"]) == 2
    assert "改用限时链接需要 MinIO/S3 对象存储（--links）" in capsys.readouterr().err


def test_score_sheet_prints_on_landscape_a4_one_page_wide(packets: Path) -> None:
    path = next(packets.glob("*/评分表-*.xlsx"))
    book = load_workbook(path)
    assert book.sheetnames == [SHEET_NAME]
    sheet = book[SHEET_NAME]
    expert = path.parent.name
    assert sheet["A2"].value == f"评审专家：{expert}"
    assert "A2:C2" in {str(r) for r in sheet.merged_cells.ranges}  # B2 does not cover the name
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert str(sheet.print_title_rows) == f"${HEADER_ROW}:${HEADER_ROW}"
    assert "评分标准" in str(sheet["A3"].value) and "导向正确（25分）" in str(sheet["A3"].value)
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header[0] == "编号" and str(header[-2]).startswith("总分")
    first = sheet.cell(row=HEADER_ROW + 1, column=1)
    assert first.border.left.style == "thin" and first.border.bottom.style == "thin"
    assert len(sheet.data_validations.dataValidation) == 5
    total = sheet.cell(row=HEADER_ROW + 1, column=len(header) - 1)
    assert total.data_type == "f" and str(total.value).startswith("=SUM(")
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
        for cell in row:
            if cell.data_type == "f":
                assert cell.column == len(header) - 1  # the total is the only formula


def test_score_sheet_is_one_page_wide_in_libreoffice(packets: Path, tmp_path: Path) -> None:
    """LibreOffice (as a committee prints it) makes one landscape page of a 4-work sheet."""
    import re

    path = next(packets.glob("*/评分表-*.xlsx"))
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = next((tmp_path / "pdf").glob("*.pdf")).read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1
    width, height = map(float, re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)[0])
    assert width > height  # landscape
    assert abs(width - 842) < 2 and abs(height - 595) < 2  # A4
