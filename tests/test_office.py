"""The one bounded reader of Office files from outside (tasks/office.py), through every entry point
that reads one: rosters, score sheets, long score tables, works tables, the 汇总表 (.xlsx and
.docx), the 登记表 and the classification of a package's documents. A forged file (a part that
decompresses far past its size, a cell at XFD1048576) is refused with one Chinese sentence naming
the file and the limit, within seconds and before openpyxl or python-docx builds anything."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from samples.hostile import ROSTER_HEADER, far_cell_xlsx, rewrite_part
from samples.packages import good_form, summary_row
from tasks.findings import Status
from tasks.intake.classify import OVERSIZED, classify
from tasks.intake.documents import docx_text
from tasks.intake.forms import FormError, parse_registration_form, parse_summary_table
from tasks.intake.templates import write_registration_form, write_summary_xlsx
from tasks.judging.long_table import read_long_table
from tasks.judging.roster import parse_roster
from tasks.judging.rubric import CRITERIA
from tasks.judging.scores import ScoringContext, read_score_sheet
from tasks.judging.service import read_works_table
from tasks.judging.tables import TableError
from tasks.office import DocumentTooLarge, OfficeUnreadable, open_document, open_workbook, sheet_extent
from tasks.rules import DEFAULT_RULES

PAD = DEFAULT_RULES.document_max_xml_bytes + 1024**2  # spaces: a few KB once compressed
TOO_MUCH_XML = "解压后的文字内容（XML）超过16MB的上限"


def _bomb(path: Path, member: str, after: bytes) -> Path:
    """`path` with PAD spaces added to one XML part after `after`: a small file that decompresses
    past the XML limit (a zip bomb of the kind Office files allow)."""
    rewrite_part(path, member, lambda xml: xml.replace(after, after + b" " * PAD, 1))
    assert path.stat().st_size < 200_000
    return path


def table_bomb(path: Path, header: list[str]) -> Path:
    return _bomb(far_cell_xlsx(path, header, cell="A2"), "xl/worksheets/sheet1.xml", b"</sheetData>")


def _context() -> ScoringContext:
    return ScoringContext(works={"0001"}, experts={"专家甲"}, assigned={("0001", "专家甲")})


# (entry point, its header) for the tables operators hand in
TABLES: dict[str, tuple[Callable[[Path], Any], list[str]]] = {
    "roster": (parse_roster, ROSTER_HEADER),
    "score sheet": (lambda p: read_score_sheet(p, _context()), ["编号", *CRITERIA]),
    "long table": (read_long_table, ["编号", "专家", "总分"]),
    "works table": (read_works_table, ["编号", "单位", "类别"]),
}


def _quick(call: Callable[[], Any]) -> None:
    started = time.monotonic()
    call()
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("entry", TABLES)
def test_a_table_that_decompresses_past_its_size_is_refused(tmp_path: Path, entry: str) -> None:
    read, header = TABLES[entry]
    path = table_bomb(tmp_path / "炸.xlsx", header)

    def refused() -> None:
        with pytest.raises(TableError) as raised:
            read(path)
        assert str(raised.value).startswith(f"炸.xlsx：{TOO_MUCH_XML}") and str(raised.value).endswith(
            "未读取"
        )

    _quick(refused)


@pytest.mark.parametrize("entry", TABLES)
def test_a_table_with_a_far_cell_is_refused(tmp_path: Path, entry: str) -> None:
    read, header = TABLES[entry]
    path = far_cell_xlsx(tmp_path / "远.xlsx", header)

    def refused() -> None:
        with pytest.raises(TableError, match=r"^远\.xlsx：表格有1,048,576行，超过5,000行的上限，未读取$"):
            read(path)

    _quick(refused)


def test_a_summary_table_that_decompresses_past_its_size_is_a_finding(tmp_path: Path) -> None:
    path = _bomb(
        write_summary_xlsx(tmp_path / "汇总表.xlsx", [summary_row(good_form())]),
        "xl/worksheets/sheet1.xml",
        b"</sheetData>",
    )
    with pytest.raises(FormError) as raised:
        parse_summary_table(path)
    assert raised.value.too_large and str(raised.value).startswith(TOO_MUCH_XML)
    peek = classify(path, "汇总表.xlsx")  # the peek at the first rows bounds the bytes too
    assert peek.reason == OVERSIZED and peek.finding is not None and peek.finding.status == Status.FAIL
    assert peek.finding.message.startswith(f"「汇总表.xlsx」{TOO_MUCH_XML}")


def test_a_summary_table_with_a_far_cell_is_a_finding(tmp_path: Path) -> None:
    path = far_cell_xlsx(tmp_path / "汇总表.xlsx", ["序号", "作品名称", "时长"])
    with pytest.raises(FormError, match=r"^工作表「Sheet」有1048576行，超过1000行的上限$") as raised:
        parse_summary_table(path)
    assert raised.value.too_large


@pytest.mark.parametrize("entry", ["registration form", "summary table", "text", "classification"])
def test_a_word_document_that_decompresses_past_its_size_is_refused(tmp_path: Path, entry: str) -> None:
    path = _bomb(
        write_registration_form(tmp_path / "登记表.docx", good_form()), "word/document.xml", b"<w:body>"
    )
    if entry == "classification":
        found = classify(path, "登记表.docx")
        assert found.reason == OVERSIZED and found.finding is not None
        assert found.finding.message.startswith(f"「登记表.docx」{TOO_MUCH_XML}")
        return
    if entry == "text":
        with pytest.raises(DocumentTooLarge, match=TOO_MUCH_XML):
            docx_text(path)
        return
    parse = parse_registration_form if entry == "registration form" else parse_summary_table
    with pytest.raises(FormError, match=TOO_MUCH_XML) as raised:
        parse(path)
    assert raised.value.too_large


def test_the_reader_measures_what_a_sheet_holds_and_names_what_it_cannot_read(tmp_path: Path) -> None:
    scan, book = open_workbook(far_cell_xlsx(tmp_path / "远.xlsx", ["姓名"], cell="C7"))
    try:
        extent = sheet_extent(scan, book.worksheets[0])
    finally:
        book.close()
    assert (extent.max_row, extent.max_column) == (7, 3)
    (tmp_path / "坏.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(OfficeUnreadable) as raised:
        open_workbook(tmp_path / "坏.xlsx")
    assert raised.value.kind == "BadZipFile" and str(raised.value).startswith("BadZipFile: ")
    with pytest.raises(OfficeUnreadable):
        open_document(tmp_path / "坏.xlsx")
