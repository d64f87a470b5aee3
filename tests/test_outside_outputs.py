"""The red-team probe's hostile title, unit, author and subject through every output: the terminal
(status, receipt, export, experts, assign, packets, scores, ranking, approve), the .xlsx files
(作品汇总表, 评分表, 优秀作品名单), the judging proposal's Markdown and the showcase page (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli.main import main
from flows.judging import ranking_task
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import Submission
from tasks.config import get_settings
from tasks.judging.packets import HEADER_ROW
from tasks.judging.proposal import proposal_markdown
from tasks.judging.rubric import CRITERIA, MAXIMA
from tasks.publish.showcase import render_page
from tests.judging_catalogue import START, write_roster

CONTROLS = "\x1b[2J\x07\u202e\x9b"
FORMULA = '=HYPERLINK("http://evil.example/t","红岩家书一")'
FORGED_ROW = "![](http://evil.example/pixel.png) | 99.99 | 99.99 | 3/3 | 特别优秀 | 评审一致"
TITLE = f"{FORMULA}{FORGED_ROW}<img src=x onerror=alert(1)>{CONTROLS}"
RLO, PDF = "\u202e", "\u202c"
UNIT = RLO + "江北区融媒体中心"[::-1] + PDF  # displays as 江北区融媒体中心
AUTHOR = "=1+1"
SUBJECT = f"张明+红岩家书{CONTROLS}"
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    for stream in (out.out, out.err):
        assert not [c for c in RAW if c in stream], f"raw control character printed by {argv[0]}: {stream!r}"
    return code, out.out, out.err


def _works() -> list[str]:
    """The hostile work and an honest one, screened and passed, straight into the catalogue."""
    settings = get_settings()
    ids = []
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        for index, (title, unit, submitter, form) in enumerate(
            [
                (
                    TITLE,
                    UNIT,
                    "张明",
                    {
                        "person_name": AUTHOR,
                        "contact": "张明",
                        "team": "导演：Li Ming；摄像：王强",
                        "unit_name": UNIT,
                    },
                ),
                ("红岩魂", "重庆大学", "刘洋", {"person_name": "刘洋", "unit_name": "重庆大学"}),
            ]
        ):
            row = Submission(
                title=title,
                unit=unit,
                submitter=submitter,
                category="微纪录片",
                verdict="pass",
                state="screened",
                package_name=SUBJECT if index == 0 else "刘洋+红岩魂",
                received_at=START.replace(hour=9 + index),
                form=form,
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
    return ids


def _texts(path: Path) -> list[tuple[object, str]]:
    book = load_workbook(path)
    return [(c.value, c.data_type) for s in book.worksheets for r in s.iter_rows() for c in r if c.value]


def _no_live_text(path: Path) -> None:
    """No cell of `path` holding submitters' text is a formula (the 评分表's own totals are)."""
    cells = _texts(path)
    hostile = [
        t for v, t in cells if isinstance(v, str) and FORMULA in v
    ]  # 《…》 in the 名单, bare elsewhere
    assert hostile and set(hostile) == {"s"}
    formulas = [v for v, t in cells if t == "f"]
    assert all(str(v).startswith("=SUM(") for v in formulas), formulas


def test_catalogue_outputs_escape_the_probe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile, _ = _works()
    code, out, _ = _run(capsys, "status")
    assert code == 0 and "=HYPERLINK(" in out  # clipped to its column: the controls are further on
    code, out, _ = _run(capsys, "receipt", hostile[:8])
    assert code == 0 and "\\x1b[2J" in out
    target = tmp_path / "汇总.xlsx"
    code, out, err = _run(capsys, "export", "--out", str(target))
    assert code == 0, err  # it exited 3 (IllegalCharacterError) on the ESC in the title
    cells = _texts(target)
    title = next((v, t) for v, t in cells if isinstance(v, str) and v.startswith(FORMULA))
    assert title[1] == "s" and "\\x1b[2J" in str(title[0]) and "\\x07" in str(title[0])
    assert (AUTHOR, "s") in cells
    assert not [v for v, t in cells if t == "f"]


ROSTER = [
    ["张\u3000明", "重庆师范大学", "微纪录片", 3, ""],  # the submitter 张明, with a full-width space
    ["Ｌｉ Ｍｉｎｇ", "西南大学", "微纪录片", 3, ""],  # in the hostile work's team
    ["王芳", "江北区融媒体中心", "微纪录片", 3, ""],  # the hostile work's unit, typed plainly
    ["赵六", "重庆工商大学", "微纪录片", 3, ""],
    ["钱七", "重庆交通大学", "微纪录片", 3, ""],
    ["孙八", "重庆邮电大学", "微纪录片", 3, ""],
]


def test_judging_outputs_escape_the_probe_and_see_through_its_spellings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _works()
    code, out, err = _run(capsys, "experts", str(write_roster(tmp_path / "专家.xlsx", ROSTER)))
    assert code == 0, out + err
    code, out, err = _run(capsys, "assign", "--no-originality")
    assert code == 0, err
    code, out, _ = _run(capsys, "assign", "--json", "--no-originality")
    import json

    assigned = {line["work"]: set(line["experts"]) for line in map(json.loads, out.splitlines())}
    # No conflict missed: the submitter in another spelling, a team member, the RLO-disguised unit.
    assert assigned["0001"] == {"赵六", "钱七", "孙八"}

    folder = tmp_path / "评审包"
    code, out, _ = _run(capsys, "packets", "--out", str(folder))
    assert code == 0
    sheets = sorted(folder.glob("*/评分表-*.xlsx"))
    filled = []
    for path in sheets:
        if any(name in path.name for name in ("赵六", "钱七", "孙八")):
            _no_live_text(path)
        book = load_workbook(path)
        sheet = book.active
        for r in range(HEADER_ROW + 1, sheet.max_row + 1):
            for c, name in enumerate(CRITERIA):
                sheet.cell(row=r, column=6 + c).value = MAXIMA[name] * (0.9 if r == HEADER_ROW + 1 else 0.6)
        target = tmp_path / f"交回-{path.parent.name}.xlsx"
        book.save(target)
        filled.append(target)
    code, out, err = _run(capsys, "scores", *map(str, filled))
    # 张　明 imports his own untouched sheet: the preamble's name is read whole, spaces and all.
    assert code == 0 and out.count("✓") == len(filled), out + err

    code, out, _ = _run(capsys, "ranking")
    assert code == 0 and "=HYPERLINK(" in out
    ranking = ranking_task.fn(0.5, 0.5)
    markdown = proposal_markdown(ranking)
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(ranking["rows"])  # the header, then one row per work: no forged row
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 9 for row in rows)
    assert "![" not in markdown and "](" not in markdown

    code, out, err = _run(capsys, "approve", "--yes", "--by", "筹备组李老师")
    assert code == 0, err
    _no_live_text(get_settings().data_dir / "judging" / "优秀作品名单.xlsx")


def test_the_showcase_page_escapes_the_probe() -> None:
    work = {
        "id": "w1",
        "title": TITLE,
        "unit": UNIT,
        "authors": [AUTHOR],
        "synopsis": "</script><script>alert(1)</script>",
        "episodes": [],
        "duration": 60,
        "poster": {"key": "p.jpg"},
    }
    page = render_page([work], {})
    assert "<img src=x" not in page and "</script><script>alert" not in page


def test_table_artifact_cells_are_markdown_safe() -> None:
    """Prefect renders a table artifact's text cells as Markdown too."""
    from flows.screen import findings_table
    from tasks.findings import Check, Finding, Status

    (row,) = findings_table([Finding(Check.SCORES, Status.FAIL, f"文件「{TITLE}.mp4」无法读取")])
    cell = row["说明"]
    assert "![" not in cell and "](" not in cell and "\x1b" not in cell
    assert not [i for i, ch in enumerate(cell) if ch == "|" and cell[i - 1] != "\\"]


def test_whatever_a_command_prints_goes_through_the_terminal_escaper(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """main() wraps stdout and stderr: publish, decide and any later command included."""
    import sys

    from tasks.outside import terminal_streams

    with terminal_streams():
        print(f"已发布《{TITLE}》")
        print(SUBJECT, file=sys.stderr)
    out = capsys.readouterr()
    assert not [c for c in RAW if c in out.out + out.err]
    assert "\\x1b[2J\\x07\\u202e\\x9b" in out.out and out.err == "张明+红岩家书\\x1b[2J\\x07\\u202e\\x9b\n"


@pytest.mark.usefixtures("prefect_server")
def test_ingest_prints_a_hostile_subject_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = "zhangming@example.cn"
    message["Date"] = "Fri, 27 Nov 2026 10:30:00 +0800"
    message["Message-ID"] = "<probe-subject@example.cn>"
    message.set_content("作品见附件。")
    message.add_attachment("文稿".encode(), maintype="text", subtype="plain", filename=f"{TITLE[:20]}.txt")
    mail = tmp_path / "probe.eml"
    mail.write_bytes(message.as_bytes())
    code, out, err = _run(capsys, "ingest", "--no-screen", str(mail))
    assert code in (0, 1) and "张明+红岩家书\\x1b[2J" in out, out + err
