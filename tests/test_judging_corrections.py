"""Corrections propagate, with a record: a sheet returned with rows already imported, a roster that
drops experts, a category corrected after assignment, a confirmed copy, a decision flipped; and the
tables people save from Excel as "Unicode text" (UTF-16, tab-separated)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from flows.cli import main
from tasks.findings import Status
from tasks.judging.rubric import CRITERIA
from tasks.judging.scores import ScoringContext, read_score_sheet
from tests.judging_catalogue import ROSTER, ROSTER_HEADER, WORKS, add_works

HEADER = ["评审专家", "编号", *CRITERIA]


def _csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter="\t" if encoding == "utf-16" else ",")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# A returned sheet with some rows already imported ---------------------------------------------


def test_rows_already_imported_are_named_and_the_new_ones_imported(tmp_path: Path) -> None:
    context = ScoringContext(
        works={"0001", "0002"},
        experts={"张华"},
        assigned={("0001", "张华"), ("0002", "张华")},
        imported={("0001", "张华"): "第一批.xlsx"},
        imported_scores={
            ("0001", "张华"): {"导向正确": 20, "史实准确": 20, "形式创新": 15, "权属清晰": 8, "制作质量": 16}
        },
    )
    path = _csv(
        tmp_path / "第二批.csv",
        HEADER,
        [["张华", "0001", 20, 20, 15, 8, 16], ["张华", "0002", 18, 19, 12, 8, 14]],
    )
    sheet = read_score_sheet(path, context)
    assert sheet.ok and [s.work for s in sheet.scores] == ["0002"]
    assert sheet.already_in == [(2, "0001")]
    warnings = [f.message for f in sheet.findings if f.status == Status.WARN]
    assert warnings == ["第二批.csv：第2行（编号0001）已导入过，评分相同，未重复导入"]
    # A different score for a row already in is a correction: refused without --replace, taken with it.
    changed = _csv(tmp_path / "更正.csv", HEADER, [["张华", "0001", 21, 20, 15, 8, 16]])
    assert not read_score_sheet(changed, context).ok
    from dataclasses import replace

    corrected = read_score_sheet(changed, replace(context, replace=True))
    assert corrected.ok and corrected.scores[0].criteria["导向正确"] == 21


# UTF-16 ("Unicode text") tables ---------------------------------------------------------------


def test_utf16_tables_for_experts_assign_and_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _csv(tmp_path / "专家名单.csv", ROSTER_HEADER, [list(r) for r in ROSTER], encoding="utf-16")
    works = _csv(
        tmp_path / "作品.csv",
        ["编号", "作品名称", "单位", "类别"],
        [
            ["0001", "红岩魂", "重庆大学马克思主义学院", "微纪录片"],
            ["0002", "歌乐山下", "西南大学", "微动漫"],
        ],
        encoding="utf-16",
    )
    assert roster.read_bytes()[:2] == b"\xff\xfe"
    code, out, err = _run(capsys, "assign", "--experts", str(roster), "--works", str(works), "--json")
    assert code == 0, err
    assert [line["work"] for line in _lines(out)] == ["0001", "0002"]
    add_works(WORKS[:2])
    code, out, err = _run(capsys, "experts", str(roster))
    assert code == 0 and "已导入专家名单：5人" in out, err
    code, out, _ = _run(capsys, "assign", "--no-originality", "--json", "--per-work", "1")
    first = _lines(out)[0]
    sheet = _csv(
        tmp_path / "评分.csv",
        HEADER,
        [[first["experts"][0], first["work"], 20, 20, 15, 8, 16]],
        encoding="utf-16",
    )
    code, out, err = _run(capsys, "scores", str(sheet))
    assert code == 0 and "导入1条评分" in out, (out, err)
