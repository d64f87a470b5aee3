"""Judging over text and tables from outside (issue 18): conflicts of interest and roster duplicates
through the identity normal form, a sheet's expert named with spaces, scores as people write them,
and bounded rosters, score sheets and approval lists."""

from __future__ import annotations

import csv
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from samples.hostile import far_cell_xlsx
from tasks.findings import Status
from tasks.judging.assignment import MAX_PAIRS, InfeasibleAssignment, assign
from tasks.judging.model import Expert, Work, conflict
from tasks.judging.roster import MAX_EXPERTS, parse_roster
from tasks.judging.rubric import CRITERIA
from tasks.judging.scores import EXPERT_LABEL, ScoringContext, read_score_sheet
from tasks.judging.service import check_tiers
from tasks.judging.tables import MAX_ROWS, TableError, read_table
from tests.judging_catalogue import ROSTER_HEADER, write_roster

RLO, PDF = "\u202e", "\u202c"
JIANGBEI = "江北区融媒体中心"


# --- conflicts of interest: the probe's spellings of the submitter and of the unit


@pytest.mark.parametrize(
    "expert",
    ["张　明", "张 明", "张\u00a0明", "张\u200b明", "张\u2060明", "\ufeff张明", "张明。"],
)
def test_an_expert_spelled_otherwise_is_still_the_submitter(expert: str) -> None:
    work = Work("0001", unit="重庆大学", people=("张明",))
    assert conflict(work, Expert(expert, "西南大学"))


def test_a_latin_name_in_full_width_is_the_same_person() -> None:
    work = Work("0001", unit="重庆大学", people=("导演：Li Ming；摄像：王强",))
    assert conflict(work, Expert("Ｌｉ Ｍｉｎｇ", "西南大学"))
    assert not conflict(work, Expert("Lim Ing", "西南大学"))


@pytest.mark.parametrize(
    "unit",
    [
        JIANGBEI[:3] + "\u200b" + JIANGBEI[3:],
        JIANGBEI[:3] + "\u200d" + JIANGBEI[3:],
        JIANGBEI[:3] + "\u00ad" + JIANGBEI[3:],
        "\ufeff" + JIANGBEI,
        JIANGBEI[:3] + "\u2060" + JIANGBEI[3:],
        RLO + JIANGBEI[::-1] + PDF,
    ],
)
def test_a_disguised_unit_is_still_the_experts_unit(unit: str) -> None:
    assert conflict(Work("0001", unit=unit), Expert("王芳", JIANGBEI))


# --- roster duplicates


def test_one_person_twice_in_a_roster_is_refused_with_both_rows(tmp_path: Path) -> None:
    path = write_roster(
        tmp_path / "名单.csv",
        [
            ["张三", "重庆大学", "微纪录片", 3, ""],
            ["王芳", "西南大学", "微动漫", 3, ""],
            ["张三\u200b", "重庆大学", "微纪录片", 3, ""],
            ["王\u00a0芳", "西南大学", "微动漫", 3, ""],
            ["赵敏", "重庆师范大学", "微专题", 3, ""],
            ["赵敏.", "重庆师范大学", "微专题", 3, ""],
        ],
    )
    roster = parse_roster(path)
    assert not roster.ok
    messages = [f.message for f in roster.findings if f.status == Status.FAIL]
    assert messages == [
        "名单.csv 第4行：姓名“张三\u200b”与第2行的“张三”是同一人（忽略空格、全角和不可见字符后相同），同一专家只能列一次",
        "名单.csv 第5行：姓名“王\u00a0芳”与第3行的“王芳”是同一人（忽略空格、全角和不可见字符后相同），同一专家只能列一次",
        "名单.csv 第7行：姓名“赵敏.”与第6行的“赵敏”是同一人（忽略空格、全角和不可见字符后相同），同一专家只能列一次",
    ]
    assert [e.name for e in roster.experts] == ["张三", "王芳", "赵敏"]


# --- a score sheet's expert


def _score_sheet(path: Path, expert: str, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["评分表"])
    sheet.append([f"{EXPERT_LABEL}：{expert}", "观看链接为本机文件路径"])
    sheet.append(["说明"])
    sheet.append(["编号", "作品名称", "类别", "观看", "字幕", *CRITERIA, "总分", "评语"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _context(*experts: str) -> ScoringContext:
    return ScoringContext(works={"0001"}, experts=set(experts), assigned={("0001", e) for e in experts})


@pytest.mark.parametrize(
    ("roster", "typed"), [("Li Ming", "Li Ming"), ("张明", "张　明"), ("Li Ming", "Ｌｉ Ｍｉｎｇ")]
)
def test_an_expert_whose_name_has_a_space_imports_his_own_sheet(
    tmp_path: Path, roster: str, typed: str
) -> None:
    path = _score_sheet(
        tmp_path / "交回.xlsx", typed, [["0001", "", "", "", "", 20, 20, 15, 8, 16, None, ""]]
    )
    sheet = read_score_sheet(path, _context(roster, "王芳"))
    assert sheet.ok, [f.message for f in sheet.findings]
    assert [(s.work, s.expert) for s in sheet.scores] == [("0001", roster)]


# --- scores as people write them


def _csv_sheet(path: Path, value: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([EXPERT_LABEL, "编号", *CRITERIA, "总分", "评语"])
        writer.writerow(["王芳", "0001", value, 20, 15, 8, 16, "", ""])
    return path


@pytest.mark.parametrize(
    ("written", "read"), [("15", 15.0), ("15.5", 15.5), ("１５", 15.0), ("１５．５", 15.5), (" 8 ", 8.0)]
)
def test_plain_decimals_in_ascii_or_full_width_digits(tmp_path: Path, written: str, read: float) -> None:
    sheet = read_score_sheet(_csv_sheet(tmp_path / "交回.csv", written), _context("王芳"))
    assert sheet.ok and sheet.scores[0].criteria[CRITERIA[0]] == read


@pytest.mark.parametrize("written", ["1_5", "٢٠", "۲۰", "1e1", "2E1", "inf", "nan", "0x10", "१५"])
def test_other_ways_of_writing_numbers_are_refused_with_the_row(tmp_path: Path, written: str) -> None:
    sheet = read_score_sheet(_csv_sheet(tmp_path / "交回.csv", written), _context("王芳"))
    assert not sheet.ok and not sheet.scores
    assert [f.message for f in sheet.findings] == [
        f"交回.csv 第2行：编号0001的“{CRITERIA[0]}”应为数字（填写的是“{written}”）"
    ]


# --- bounded tables


@pytest.mark.parametrize("kind", ["roster", "scores"])
def test_a_far_cell_is_a_finding_not_an_allocation(tmp_path: Path, kind: str) -> None:
    header = ROSTER_HEADER if kind == "roster" else ["编号", *CRITERIA]
    path = far_cell_xlsx(tmp_path / "远.xlsx", header)
    assert path.stat().st_size < 10_000
    started = time.monotonic()
    with pytest.raises(TableError) as raised:
        read_table(path, header[:2])
    assert time.monotonic() - started < 5
    assert str(raised.value) == f"远.xlsx：表格有1,048,576行，超过{MAX_ROWS:,}行的上限，未读取"


def test_a_wide_table_is_refused(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(ROSTER_HEADER)
    book.active["CZ2"] = "x"  # column 104
    book.save(tmp_path / "宽.xlsx")
    with pytest.raises(TableError, match="表格有104列，超过50列的上限"):
        read_table(tmp_path / "宽.xlsx", ["姓名"])


def test_a_table_with_a_million_parts_is_refused_before_its_directory_is_read(tmp_path: Path) -> None:
    path = tmp_path / "多.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(20_001):
            archive.writestr(f"x/{index}", b"")
    with pytest.raises(TableError, match="条目，超过2,000个的上限"):
        read_table(path, ["姓名"])


def test_a_roster_beyond_its_size_is_refused_with_one_sentence(tmp_path: Path) -> None:
    rows = [[f"专家{i}", f"单位{i}", "微纪录片", 3, ""] for i in range(MAX_EXPERTS + 1)]
    roster = parse_roster(write_roster(tmp_path / "名单.csv", rows))
    assert [f.message for f in roster.findings] == [
        f"名单.csv：名单有1,001位专家，超过{MAX_EXPERTS:,}位的上限，未导入"
    ]
    assert not roster.ok and not roster.experts


def test_an_assignment_beyond_its_size_is_refused_before_any_pair_is_weighed() -> None:
    works = [Work(f"{i:04d}", unit=f"单位{i}") for i in range(200)]
    experts = [Expert(f"专家{i}", f"机构{i}", cap=3) for i in range(MAX_PAIRS // 200 + 1)]
    with pytest.raises(InfeasibleAssignment) as raised:
        assign(works, experts)
    assert raised.value.message == (
        f"200件作品×{len(experts):,}位专家共{200 * len(experts):,}种组合，超过{MAX_PAIRS:,}的上限，未分配：请核对专家名单"
    )


def test_an_approval_list_beyond_the_works_is_one_sentence_and_reasons_are_summarised() -> None:
    known = {f"{i:04d}" for i in range(1, 11)}
    huge = check_tiers({"特别优秀": [f"{i:06d}" for i in range(200_000)], "优秀": []}, known)
    assert huge == ["名单共列200,000个编号，多于参评作品数（10件），未记录"]
    problems = check_tiers(
        {"特别优秀": ["0001", "9001", "9002"], "优秀": ["9003", "9004", "9005", "9006", "0001"]}, known
    )
    assert problems == ["编号9001、9002、9003、9004、9005等6个不是参评作品", "编号0001同时列入特别优秀和优秀"]


def test_a_roster_imported_again_in_another_spelling_updates_the_same_expert(tmp_path: Path) -> None:
    from tasks.config import get_settings
    from tasks.judging.service import import_roster
    from tests.fixtures import SUITE_NOW

    settings = get_settings()
    first = write_roster(tmp_path / "一.csv", [["张明", "重庆大学", "微纪录片", 3, ""]])
    again = write_roster(tmp_path / "二.csv", [["张\u3000明", "重庆大学", "微纪录片", 5, ""]])
    assert import_roster(settings, first, SUITE_NOW).counts == {"added": 1, "updated": 0, "deactivated": 0}
    assert import_roster(settings, again, SUITE_NOW).counts == {"added": 0, "updated": 1, "deactivated": 0}


def test_a_latin_name_inside_chinese_text_is_found() -> None:
    assert conflict(Work("0001", people=("导演Li Ming，摄像王强",)), Expert("Ｌｉ Ｍｉｎｇ", "西南大学"))
