"""Judging from the command line over the embedded catalogue: roster, assignment, packets, scores,
ranking, approval and the 优秀作品名单."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli.main import main
from samples.clips import ClipSpec, render_clip
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import JudgingApproval
from tasks.config import get_settings
from tasks.judging.model import Expert, Work, conflict
from tasks.judging.packets import HEADER_ROW
from tasks.judging.rubric import CRITERIA
from tests.judging_catalogue import ROSTER, WORKS, SampleWork, add_works, write_roster


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def judging_setup(tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    clip = media_dir / "judging-clip.mp4"
    if not clip.exists():
        render_clip(clip, ClipSpec(width=320, height=180, seconds=2, audio=False))
    works = [
        SampleWork(w.title, w.unit, w.category, w.submitter, w.verdict, w.state, (clip,)) for w in WORKS[:1]
    ]
    add_works(works + WORKS[1:])
    roster = write_roster(tmp_path / "专家名单.xlsx", ROSTER)
    code, out, _ = _run(capsys, "experts", str(roster))
    assert code == 0 and "已导入专家名单：5人" in out
    return tmp_path


def test_roster_findings_refuse_the_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_roster(
        tmp_path / "名单.csv",
        [
            ["张华", "重庆大学", "微纪录片", 3, ""],
            ["张华", "西南大学", "微动漫", 3, ""],
            ["王芳", "西南大学", "微电影", 3, ""],
            ["刘洋", "重庆市档案馆", "微专题", 0, ""],
        ],
    )
    code, out, _ = _run(capsys, "experts", str(bad))
    assert code == 1
    assert "名单.csv 第3行：姓名“张华”与第2行重复" in out
    assert "名单.csv 第4行：专长“微电影”不是作品类别之一（微专题、微纪录片、微动漫、Vlog、情景再现）" in out
    assert "名单.csv 第5行：“最大评审数”至少为1件（填写的是0）" in out
    assert "未导入" in out
    code, _, err = _run(capsys, "experts", str(tmp_path / "没有.xlsx"))
    assert code == 2 and "文件不存在" in err


def test_assign_on_two_tables_without_a_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = write_roster(tmp_path / "专家.csv", ROSTER)
    works = tmp_path / "作品.csv"
    works.write_text(
        "编号,作品名称,单位,类别\nA1,红岩魂,重庆大学马克思主义学院,微纪录片\nA2,歌乐山下,西南大学,微动漫\n"
        "A3,山城记忆,重庆档案馆,情景再现\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "assign", "--experts", str(roster), "--works", str(works), "--json")
    assert code == 0
    lines = _lines(out)
    assert [line["work"] for line in lines] == ["A1", "A2", "A3"]
    assert all(set(line) == {"work", "experts"} and len(line["experts"]) == 3 for line in lines)
    assert "张华" not in lines[0]["experts"] and "王芳" not in lines[1]["experts"]
    assert "刘洋" not in lines[2]["experts"]
    code, out2, _ = _run(capsys, "assign", "--experts", str(roster), "--works", str(works), "--json")
    assert out2 == out  # deterministic
    code, _, err = _run(capsys, "assign", "--experts", str(roster), "--works", str(works), "--per-work", "5")
    assert code == 1 and err.startswith("guangying：无法分配：")


def test_assign_packets_scores_ranking_approve(
    judging_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = judging_setup
    code, out, err = _run(capsys, "assign", "--json", "--no-originality")
    assert code == 0, err
    lines = _lines(out)
    assert [line["work"] for line in lines] == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
    ]  # not the failed/withdrawn
    roster = {row[0]: Expert(row[0], row[1], frozenset(), row[3]) for row in ROSTER}
    units = {f"{i + 1:04d}": WORKS[i].unit for i in range(5)}
    for line in lines:
        assert len(line["experts"]) == 3
        for name in line["experts"]:
            assert not conflict(Work(line["work"], unit=units[line["work"]]), roster[name])
    # A late work: the first five keep their experts.
    add_works([SampleWork("迟到的作品", "重庆工商大学", "微专题", submitter="何平")], offset=20)
    code, out2, _ = _run(capsys, "assign", "--json", "--no-originality")
    again = _lines(out2)
    assert again[:5] == lines and again[5]["work"] == "0006"

    code, out, _ = _run(capsys, "packets", "--out", str(folder / "评审包"))
    assert code == 0 and "共5位专家的评审包" in out
    sheets = sorted((folder / "评审包").glob("*/评分表-*.xlsx"))
    assert len(sheets) == 5
    for sheet in sheets:
        book = load_workbook(sheet)
        text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)
        for work in WORKS:
            assert work.unit not in text and work.submitter not in text and work.phone not in text
        assert "评审专家：" in text and "导向正确（0–25分）" in text
    packet = load_workbook(folder / "评审包" / "张华" / "评分表-张华.xlsx").active
    assigned_to_zhang = [line["work"] for line in again if "张华" in line["experts"]]
    numbers = [packet.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, packet.max_row + 1)]
    assert numbers == assigned_to_zhang
    links = {
        packet.cell(row=r, column=1).value: packet.cell(row=r, column=4).value
        for r in range(HEADER_ROW + 1, packet.max_row + 1)
    }
    if "0001" in links:  # the viewing copy beside the sheet, by a relative path
        assert links["0001"] == "视频/0001-红岩魂.mp4"
        assert (folder / "评审包" / "张华" / links["0001"]).is_file()

    # Every expert fills the sheet: scores by a fixed rule, 王芳 severe.
    filled = []
    for sheet_path in sheets:
        book = load_workbook(sheet_path)
        sheet = book.active
        expert = sheet.cell(row=2, column=1).value.split("：")[1]
        for r in range(HEADER_ROW + 1, sheet.max_row + 1):
            number = int(sheet.cell(row=r, column=1).value)
            base = 0.9 - number * 0.05 - (0.2 if expert == "王芳" else 0)
            for c, name in enumerate(CRITERIA):
                maximum = {"导向正确": 25, "史实准确": 25, "形式创新": 20, "权属清晰": 10, "制作质量": 20}[
                    name
                ]
                sheet.cell(row=r, column=6 + c).value = round(maximum * base, 1)
        target = folder / f"交回-{expert}.xlsx"
        book.save(target)
        filled.append(target)
    code, out, _ = _run(capsys, "scores", *map(str, filled))
    assert code == 0 and out.count("✓") == 5
    code, out, _ = _run(capsys, "scores", str(filled[0]))
    assert code == 0 and "已导入过" in out

    code, out, _ = _run(capsys, "ranking", "--json", "--special", "1", "--excellent", "3")
    ranking = _lines(out)
    assert [r["work"] for r in ranking][:3] == ["0001", "0002", "0003"]
    assert ranking[0]["tier"] == "特别优秀" and [r["tier"] for r in ranking[1:3]] == ["优秀", "优秀"]
    code, out, _ = _run(capsys, "ranking", "--special", "1", "--excellent", "3")
    assert code == 0 and "评审一致性" in out and "建议等次" in out

    code, out, err = _run(
        capsys, "approve", "--yes", "--special", "1", "--excellent", "3", "--by", "筹备组李老师"
    )
    assert code == 0, err
    documents = get_settings().data_dir / "judging"
    assert (documents / "优秀作品名单.docx").exists()
    book = load_workbook(documents / "优秀作品名单.xlsx")
    rows = list(book.active.iter_rows(values_only=True))
    assert (rows[2][1], rows[2][2], rows[2][4], rows[2][5]) == (
        "《红岩魂》",
        "重庆大学马克思主义学院",
        "微纪录片",
        "特别优秀",
    )
    assert [r[5] for r in rows[3:]] == ["优秀", "优秀"]
    assert len(list((documents / "荣誉证书").glob("*.pdf"))) == 3
    assert not any("138" in str(c) for r in rows for c in r if c)
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        approval = session.query(JudgingApproval).one()
        assert approval.approved_by == "筹备组李老师" and approval.via == "cli"
        assert [i["work"] for i in approval.items] == ["0001", "0002", "0003"]
    code, _, err = _run(capsys, "approve", "--yes", "--set-special", "0001", "--set-excellent", "0001")
    assert code == 2 and "编号0001同时列入特别优秀和优秀" in err


def test_infeasible_assignment_in_chinese(judging_setup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "assign", "--per-work", "5", "--no-originality")
    assert code == 1
    assert err.strip() == (
        "guangying：无法分配：编号0001《红岩魂》需要5位评审专家，与其单位（重庆大学马克思主义学院）"
        "无利益冲突且尚有评审余量的专家只有4人"
    )


def test_category_override(judging_setup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "category", "0002", "微纪录片")
    assert code == 0 and "微纪录片" in out
    code, _, err = _run(capsys, "category", "0002", "微电影")
    assert code == 2 and "不是作品类别之一" in err
    code, out, _ = _run(
        capsys, "assign", "--json", "--no-originality", "--per-work", "1", "--min-matched", "1"
    )
    experts = {line["work"]: line["experts"] for line in _lines(out)}
    assert experts["0002"][0] in {"张华", "陈静"}  # the 微纪录片 experts, 王芳 (same unit) never


def test_packets_on_s3_presigned_links_with_expiry_and_subtitles(
    seaweed,
    tmp_path: Path,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import urllib.request

    from tasks.store import open_store, sha256_of

    for name, value in (
        ("GUANGYING_S3_ENDPOINT", seaweed.endpoint),
        ("GUANGYING_S3_ACCESS_KEY", seaweed.access_key),
        ("GUANGYING_S3_SECRET_KEY", seaweed.secret_key),
        ("GUANGYING_S3_SECURE", "false"),
        ("GUANGYING_CLOCK", "2026-12-05T10:00:00+08:00"),
    ):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    clip = render_clip(tmp_path / "clip.mp4", ClipSpec(width=320, height=180, seconds=2, audio=False))
    settings = get_settings()
    vtt = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n红岩精神永放光芒\n".encode()
    open_store(settings).put_bytes(
        settings.bucket_evidence, f"subtitles/{sha256_of(clip)}/transcript.vtt", vtt
    )
    add_works([SampleWork("红岩魂", "重庆大学", "微纪录片", videos=(clip,))])
    write_roster(tmp_path / "名单.csv", ROSTER[1:4])
    assert main(["experts", str(tmp_path / "名单.csv")]) == 0
    assert main(["assign", "--no-originality"]) == 0
    capsys.readouterr()
    assert main(["packets", "--out", str(tmp_path / "包"), "--links", "--days", "2"]) == 0
    sheet = load_workbook(tmp_path / "包" / "王芳" / "评分表-王芳.xlsx").active
    assert sheet.cell(row=2, column=4).value == "观看方式：链接（有效期至 2026-12-07 10:00，北京时间）"
    link = sheet.cell(row=HEADER_ROW + 1, column=4).value
    assert link.startswith("http://") and "X-Amz-Expires=172800" in link and "/viewing/" in link
    with urllib.request.urlopen(link, timeout=10) as response:
        copy = response.read()
    assert copy != clip.read_bytes() and copy[4:8] == b"ftyp"  # the viewing copy, never the original
    assert not (tmp_path / "包" / "王芳" / "视频").exists()
    assert sheet.cell(row=HEADER_ROW + 1, column=5).value == "字幕/0001-红岩魂.vtt"
    written = (tmp_path / "包" / "王芳" / "字幕" / "0001-红岩魂.vtt").read_text(encoding="utf-8")
    assert "红岩精神永放光芒" in written and "NOTE" not in written
