"""Corrections propagate, with a record: a sheet returned with rows already imported, a roster that
drops experts, a category corrected after assignment, a confirmed copy, a decision flipped; and the
tables people save from Excel as "Unicode text" (UTF-16, tab-separated)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cli.main import main
from tasks.beijing_time import numeric_date_time
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import DuplicatePair
from tasks.config import get_settings
from tasks.findings import Status
from tasks.judging.rubric import CRITERIA
from tasks.judging.scores import ScoringContext, read_score_sheet
from tests.fixtures import SUITE_NOW
from tests.judging_catalogue import (
    ROSTER,
    ROSTER_HEADER,
    WORKS,
    add_duplicate_pair,
    add_works,
    write_roster,
)

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


# Corrections over the catalogue ---------------------------------------------------------------


def _assigned(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, list[str]]:
    capsys.readouterr()
    code, out, err = _run(capsys, "assign", "--no-originality", "--json", *extra)
    assert code == 0, err
    return {line["work"]: line["experts"] for line in _lines(out)}


def _score(tmp_path: Path, capsys: pytest.CaptureFixture[str], expert: str, number: str) -> None:
    capsys.readouterr()
    sheet = _csv(tmp_path / f"{expert}-{number}.csv", HEADER, [[expert, number, 20, 20, 15, 8, 16]])
    code, out, err = _run(capsys, "scores", str(sheet))
    assert code == 0 and "导入1条评分" in out, (out, err)


def _corrections() -> list[dict]:
    from tasks.judging.records import corrections

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return [
            {"kind": c.kind, "subject": c.subject, "by": c.made_by, **c.detail} for c in corrections(session)
        ]


def _stored() -> set[tuple[str, str]]:
    from tasks.judging.records import stored_scores

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return {(s.work, s.expert) for s in stored_scores(session)}


@pytest.mark.parametrize("choice", ["--keep-scores", "--drop-scores"])
def test_a_roster_that_drops_experts_names_them_and_asks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], choice: str
) -> None:
    add_works(WORKS)
    assert main(["experts", str(write_roster(tmp_path / "名单一.csv", ROSTER))]) == 0
    first = _assigned(capsys)
    scored = next(n for n, names in sorted(first.items()) if "张华" in names)
    pending = sorted(n for n, names in first.items() if "张华" in names and n != scored)
    _score(tmp_path, capsys, "张华", scored)
    smaller = write_roster(tmp_path / "名单二.csv", [r for r in ROSTER if r[0] != "张华"])
    code, out, _ = _run(capsys, "experts", str(smaller))
    assert code == 1 and "未导入" in out
    assert f"张华（已评1件、待评{len(pending)}件）" in out
    assert "--keep-scores" in out and "--drop-scores" in out
    assert _assigned(capsys) == first  # nothing changed
    code, out, _ = _run(capsys, "experts", str(smaller), choice)
    assert code == 0 and "停用：张华" in out and "停用1" in out
    after = _assigned(capsys)
    record = _corrections()[-1]
    assert (record["kind"], record["subject"], record["pending"]) == ("roster-dropped", "张华", pending)
    if choice == "--keep-scores":
        assert record["choice"] == "keep" and record["deleted_scores"] == []
        assert (scored, "张华") in _stored()
        assert "张华" in after[scored]  # the slot he scored stays his
        assert all("张华" not in after[n] for n in pending)
    else:
        assert record["choice"] == "drop"
        assert [d["work"] for d in record["deleted_scores"]] == [scored]  # kept in full in the record
        assert record["deleted_scores"][0]["criteria"]["导向正确"] == 20
        assert (scored, "张华") not in _stored()
        assert all("张华" not in names for names in after.values())
    assert all(len(names) == 3 for names in after.values())
    # Run twice: nothing more is dropped or asked.
    code, out, _ = _run(capsys, "experts", str(smaller))
    assert code == 0 and "停用0" in out
    assert _assigned(capsys) == after
    # Undone: the first roster again brings 张华 back; the works keep the experts they have now.
    code, out, _ = _run(capsys, "experts", str(tmp_path / "名单一.csv"))
    assert code == 0 and "新增0，更新5，停用0" in out
    assert _assigned(capsys) == after


def test_a_corrected_category_redoes_only_that_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_works(WORKS)
    assert main(["experts", str(write_roster(tmp_path / "名单.csv", ROSTER))]) == 0
    first = _assigned(capsys, "--per-work", "2", "--min-matched", "1")
    assert "赵磊" in first["0002"]  # 微动漫: 赵磊 (王芳 shares the unit)
    code, out, _ = _run(capsys, "category", "0002", "微纪录片")
    assert code == 0 and "guangying assign --redo 0002" in out
    assert _assigned(capsys, "--per-work", "2", "--min-matched", "1") == first  # plain assign keeps it
    redone = _assigned(capsys, "--per-work", "2", "--min-matched", "1", "--redo", "2")
    assert {k: v for k, v in redone.items() if k != "0002"} == {k: v for k, v in first.items() if k != "0002"}
    assert set(redone["0002"]) & {"张华", "陈静"}  # a 微纪录片 expert now
    record = _corrections()[-1]
    assert (record["kind"], record["subject"], record["category"]) == ("assign-redo", "0002", "微纪录片")
    assert record["released"] == first["0002"] and record["by"]
    # An expert who already scored the work keeps it through a redo.
    _score(tmp_path, capsys, redone["0002"][0], "0002")
    again = _assigned(capsys, "--per-work", "2", "--redo", "0002")
    assert redone["0002"][0] in again["0002"]
    code, _, err = _run(capsys, "assign", "--no-originality", "--redo", "0099")
    assert code == 2 and "找不到评审编号为“0099”的参评作品" in err


def test_a_confirmed_copy_is_excluded_recorded_and_not_flipped_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tasks.judging.records import confirmed_copy_numbers, flagged_numbers

    ids = add_works(WORKS[:3])
    settings = get_settings()
    add_duplicate_pair(ids[0], ids[1])

    def flagged() -> set[str]:
        with session_scope(open_catalogue(settings.catalogue_url)) as session:
            return flagged_numbers(session)

    assert flagged() == {"0001", "0002"}
    code, _, err = _run(capsys, "originality", "--confirm", "1", "--copy", "0002")
    assert code == 2 and "确认疑点1须在处理说明中写明核实情况（--note）" in err
    code, _, err = _run(capsys, "originality", "--confirm", "1", "--note", "比对原片")
    assert code == 2 and "确认疑点1须在0001和0002中指明抄袭方（--copy）" in err
    code, out, _ = _run(
        capsys, "originality", "--confirm", "1", "--copy", "2", "--note", "比对原片，0002为翻录"
    )
    assert code == 0 and "编号0002为抄袭方" in out and "（抄袭方：编号0002）" in out
    assert flagged() == {"0002"}  # the copy stays out of the proposals, the original goes back in
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        assert confirmed_copy_numbers(session) == {"0002"}
    code, _, err = _run(capsys, "originality", "--dismiss", "1", "--note", "误判")
    assert code == 2 and "已确认" in err and "须选择改变已作出的结论（--force）" in err
    assert f"于{numeric_date_time(SUITE_NOW)}已确认" in err  # Beijing time, not the catalogue's UTC
    assert flagged() == {"0002"}
    code, out, _ = _run(capsys, "originality", "--dismiss", "1", "--note", "复核：系授权转载", "--force")
    assert code == 0 and flagged() == set()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        pair = session.get(DuplicatePair, 1)
        assert pair is not None and pair.status == "dismissed"
        history = pair.evidence["history"]
    assert [(h["from"], h["to"], h["copy"]) for h in history] == [
        ("open", "confirmed", "0002"),
        ("confirmed", "dismissed", None),
    ]
    assert history[0]["note"] == "比对原片，0002为翻录"


def test_approve_on_the_terminal_needs_an_approver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_works(WORKS[:2])
    assert main(["experts", str(write_roster(tmp_path / "名单.csv", ROSTER))]) == 0
    _assigned(capsys)
    code, _, err = _run(capsys, "approve", "--yes", "--set-special", "0001", "--set-excellent", "")
    assert code == 2 and "请用 --by 姓名 填写审批人" in err
    code, out, err = _run(
        capsys, "approve", "--yes", "--set-special", "0001", "--set-excellent", "", "--by", "李老师"
    )
    assert code == 0 and "审批人李老师" in out, err


def test_the_form_lists_works_with_titles_and_reads_back_numbers() -> None:
    from flows.judging import ApprovalInput
    from tasks.judging.numbers import numbers_of, work_label

    label = work_label("0004", "红岩\n家书\x1b[31m")
    assert label == "0004 《红岩 家书\\x1b[31m》"  # one line, controls shown, never live
    assert numbers_of([label, "12", "０００７ 《1949》", " 3 ", "未知作品", ""]) == [
        "0004",
        "0012",
        "0007",
        "0003",
        "未知作品",
    ]
    form = ApprovalInput.with_initial_data(description="请核对", special=[label], approver="")
    schema = form.model_json_schema()
    assert schema["properties"]["special"]["title"] == "特别优秀"
    assert schema["properties"]["special"]["default"] == [label]
    assert schema["properties"]["approver"]["minLength"] == 1
