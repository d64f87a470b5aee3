"""Score sheets: validation findings in Chinese; robust aggregation, agreement, outliers, ties, tiers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tasks.findings import Status
from tasks.judging.calibration import calibrate
from tasks.judging.ranking import TierPolicy, icc1, rank, scores_frame
from tasks.judging.rubric import CRITERIA, MAXIMA
from tasks.judging.scores import Score, ScoringContext, read_score_sheet
from tasks.judging.tables import TableError

HEADER = ["评审专家", "编号", *CRITERIA, "总分", "评语"]


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _context(**overrides: object) -> ScoringContext:
    base = {
        "works": {"0001", "0002", "0003"},
        "experts": {"张华", "王芳"},
        "assigned": {("0001", "张华"), ("0002", "张华"), ("0001", "王芳"), ("0003", "王芳")},
    }
    return ScoringContext(**{**base, **overrides})  # type: ignore[arg-type]


def _messages(sheet) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message for f in sheet.findings if f.status == Status.FAIL]


def test_a_clean_sheet(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path / "张华.csv",
        [["张华", "1", 20, 20, 15, 8, 16, 79, "好"], ["张华", "0002", 18, 19, 12, 8, 14, "", ""]],
    )
    sheet = read_score_sheet(path, _context())
    assert sheet.ok and [s.work for s in sheet.scores] == ["0001", "0002"]
    assert sheet.scores[0].total == 79 and sheet.scores[0].comment == "好"


def test_every_rule_is_a_chinese_finding(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path / "交回.csv",
        [
            ["张华", "0001", 30, 20, 15, 8, 16, "", ""],  # out of range
            ["张华", "0002", 20, "", 15, 8, 16, "", ""],  # missing
            ["张华", "0009", 20, 20, 15, 8, 16, "", ""],  # unknown work
            ["李四", "0001", 20, 20, 15, 8, 16, "", ""],  # unknown expert
            ["王芳", "0002", 20, 20, 15, 8, 16, "", ""],  # not assigned
            ["王芳", "0001", 20, 20, 15, 8, 16, 80, ""],  # total does not add up
            ["王芳", "0003", 20, 20, 15, 8, "好", "", ""],  # not a number
        ],
    )
    sheet = read_score_sheet(path, _context())
    assert not sheet.ok
    assert _messages(sheet) == [
        "交回.csv 第2行：编号0001的“导向正确”为30分，超出0–25分的范围",
        "交回.csv 第3行：编号0002的“史实准确”未填写",
        "交回.csv 第4行：编号0009不是参评作品的编号",
        "交回.csv 第5行：评审专家“李四”不在专家名单中",
        "交回.csv 第6行：编号0002没有分配给专家王芳评审",
        "交回.csv 第7行：编号0001的总分80与各项之和79不符",
        "交回.csv 第8行：编号0003的“制作质量”应为数字（填写的是“好”）",
    ]


def test_imported_twice(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path / "a.csv",
        [["张华", "0001", 20, 20, 15, 8, 16, "", ""], ["张华", "0001", 21, 20, 15, 8, 16, "", ""]],
    )
    sheet = read_score_sheet(path, _context())
    assert _messages(sheet) == ["a.csv 第3行：编号0001在本表中重复出现（第2行已有专家张华的评分）"]
    single = _sheet(tmp_path / "b.csv", [["张华", "0001", 20, 20, 15, 8, 16, "", ""]])
    again = read_score_sheet(single, _context(imported={("0001", "张华"): "旧表.xlsx"}))
    assert _messages(again) == [
        "b.csv 第2行：编号0001已有专家张华的评分（来自 旧表.xlsx），重复导入；如需更正，须选择用新表更正已导入的评分"
    ]
    assert again.findings[0].evidence["about"] == "replace"  # the CLI names its --replace
    assert read_score_sheet(single, _context(imported={("0001", "张华"): "旧表.xlsx"}, replace=True)).ok
    first = read_score_sheet(single, _context())
    same = read_score_sheet(single, _context(imported_files={first.sha256: "b.csv"}))
    assert same.already_imported and same.ok and not same.scores


def test_unreadable_tables_are_table_errors(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("?", encoding="utf-8")
    with pytest.raises(TableError, match=r"只支持 \.xlsx 或 \.csv"):
        read_score_sheet(tmp_path / "x.txt", _context())
    (tmp_path / "y.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(TableError, match="找不到表头"):
        read_score_sheet(tmp_path / "y.csv", _context())


def _score(work: str, expert: str, total: float) -> Score:
    share = total / sum(MAXIMA.values())
    criteria = {name: MAXIMA[name] * share for name in CRITERIA}
    return Score(work, expert, criteria)


def test_calibration_removes_an_experts_severity() -> None:
    # Three experts each score the same six works in the same order; 王芳 is 20 points more severe.
    works = [f"{i:04d}" for i in range(1, 7)]
    scores = [
        _score(w, e, 90 - 5 * i - (20 if e == "王芳" else 0))
        for e in ("张华", "王芳", "刘洋")
        for i, w in enumerate(works)
    ]
    frame = calibrate(scores_frame(scores)).frame
    by_work = frame.groupby("work")["calibrated"]
    assert (by_work.max() - by_work.min()).max() < 0.05  # severity gone: everyone agrees after calibration
    assert icc1(frame, "calibrated") == pytest.approx(1.0, abs=1e-3)
    assert icc1(frame, "total") < 0.9


def test_median_resists_one_far_off_expert_and_outliers_are_flagged() -> None:
    works = [f"{i:04d}" for i in range(1, 9)]
    scores = []
    for i, w in enumerate(works):
        for e in ("张华", "王芳", "刘洋"):
            scores.append(_score(w, e, 92 - 4 * i + (1 if e == "王芳" else 0)))
        scores.append(_score(w, "陈静", 60 + 4 * i))  # reversed order
    assigned = {w: ["张华", "王芳", "刘洋", "陈静"] for w in works}
    ranking = rank(scores, assigned, TierPolicy(1, 3))
    assert [w.number for w in ranking.works] == works  # the reversed expert cannot reorder them
    messages = [f.message for f in ranking.findings]
    assert any(m.startswith("专家陈静对8件作品的高低排序与同组专家相反") for m in messages)
    assert ranking.proposal() == {"特别优秀": ["0001"], "优秀": ["0002", "0003"]}


def test_ties_share_a_rank_and_a_tie_on_the_boundary_is_reported() -> None:
    scores = [
        _score(w, e, t)
        for e in ("张华", "王芳")
        for w, t in (("0001", 90), ("0002", 80), ("0003", 80), ("0004", 70))
    ]
    assigned = {w: ["张华", "王芳"] for w in ("0001", "0002", "0003", "0004")}
    ranking = rank(scores, assigned, TierPolicy(2, 3))
    ranks = {w.number: w.rank for w in ranking.works}
    assert ranks == {"0001": 1, "0002": 2, "0003": 2, "0004": 4}
    assert ranking.ties == [["0002", "0003"]]
    messages = [f.message for f in ranking.findings]
    assert "编号0002、0003并列第2名（80分）" in messages
    assert ranking.proposal() == {"特别优秀": ["0001", "0002", "0003"], "优秀": []}
    assert any("编号0003与上一名并列，超出特别优秀建议名额（2件）仍暂列特别优秀" in m for m in messages)


def test_incomplete_and_flagged_works_are_ranked_but_not_proposed() -> None:
    scores = [
        _score("0001", "张华", 95),
        _score("0002", "张华", 90),
        _score("0002", "王芳", 90),
        _score("0003", "张华", 85),
        _score("0003", "王芳", 85),
    ]
    assigned = {w: ["张华", "王芳"] for w in ("0001", "0002", "0003", "0004")}
    ranking = rank(scores, assigned, TierPolicy(1, 2), flagged={"0002"})
    copied = rank(scores, assigned, TierPolicy(1, 2), flagged={"0002"}, copies={"0002"})
    (held,) = [w for w in copied.works if w.number == "0002"]
    assert not held.eligible and "存在原创性疑点，待核实" not in held.notes
    assert "经核实为抄袭作品，不予推荐" in held.notes
    notes = {w.number: w.notes for w in ranking.works}
    assert notes["0001"] == ["评分未完成（1/2）"] and notes["0002"] == ["存在原创性疑点，待核实"]
    assert notes["0004"] == ["尚无评分"]
    assert ranking.proposal() == {"特别优秀": ["0003"], "优秀": []}
