"""Forged Office files: a merged range of 17 billion cells, a thousand rows too many, paragraphs by
the million. Each is a Chinese finding naming the file, the limit and what was measured, found
before openpyxl or python-docx builds anything; only the documents whose role needs it are parsed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook

from samples.hostile import SUMMARY_HEADER as HEADER
from samples.hostile import many_paragraphs_docx, merged_xlsx
from samples.packages import good_form, summary_row
from tasks.findings import Status
from tasks.intake.classify import OVERSIZED, classify
from tasks.intake.documents import docx_text
from tasks.intake.forms import FormError, parse_registration_form, parse_summary_table
from tasks.intake.package import Package, analyse
from tasks.intake.templates import write_registration_form, write_summary_xlsx
from tasks.office import DocumentTooLarge
from tasks.rules import DEFAULT_RULES
from tests.fixtures import SUITE_NOW


def long_xlsx(path: Path, rows: int) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for index in range(1, rows + 1):
        sheet.append([index, f"作品{index}", "3分20秒", "张明", "江北区融媒体中心", "未播出"])
    workbook.save(path)
    return path


def test_a_merged_range_of_17_billion_cells_is_a_finding(tmp_path: Path) -> None:
    path = merged_xlsx(tmp_path / "汇总表.xlsx")
    assert path.stat().st_size < 10_000
    with pytest.raises(FormError) as caught:
        parse_summary_table(path)
    assert caught.value.too_large
    assert str(caught.value) == (
        "工作表「Sheet」的合并单元格A10:XFD1048576共17,179,721,728个单元格，超出1000行×50列的上限"
    )
    # A merged range within the bounds is still read as before.
    rows = parse_summary_table(merged_xlsx(tmp_path / "ok.xlsx", "E2:F2"))
    assert [(r.title, r.unit, r.broadcast) for r in rows] == [
        ("红岩家书", "江北区融媒体中心", "江北区融媒体中心")
    ]


def test_a_summary_table_with_too_many_rows_is_a_finding(tmp_path: Path) -> None:
    path = long_xlsx(tmp_path / "汇总表.xlsx", DEFAULT_RULES.summary_max_rows - 1)
    assert len(parse_summary_table(path)) == 999  # header + 999 works: 1000 rows, the limit
    path = long_xlsx(tmp_path / "长.xlsx", 1_500)
    with pytest.raises(FormError, match="工作表「Sheet」有1501行，超过1000行的上限"):
        parse_summary_table(path)


def test_too_many_paragraphs_are_refused_before_python_docx_reads_them(tmp_path: Path) -> None:
    path = many_paragraphs_docx(tmp_path / "登记表.docx", 6_000, good_form())
    with pytest.raises(DocumentTooLarge, match=r"文档有6,0[0-9]{2}个段落，超过5,000个的上限"):
        docx_text(path)
    with pytest.raises(FormError, match="超过5,000个的上限"):
        parse_registration_form(path)
    # Past the XML byte limit the reading stops there (3 million paragraphs were 3.4 GB in python-docx).
    small = replace(DEFAULT_RULES, document_max_xml_bytes=1024**2, document_max_paragraphs=10**9)
    big = many_paragraphs_docx(tmp_path / "大.docx", 400_000, good_form())
    with pytest.raises(DocumentTooLarge, match=r"解压后的文字内容（XML）超过1MB的上限（读到1MB时停止"):
        docx_text(big, small)
    assert (
        parse_registration_form(write_registration_form(tmp_path / "好.docx", good_form())).title
        == "红岩家书"
    )


def test_classification_reads_documents_within_bounds(tmp_path: Path) -> None:
    form = classify(
        many_paragraphs_docx(tmp_path / "张明+红岩家书登记表.docx", 6_000, good_form()),
        "张明+红岩家书登记表.docx",
    )
    assert (form.role, form.reason, form.text) == ("registration_form", OVERSIZED, None)
    assert form.finding is not None and form.finding.status == Status.FAIL
    assert form.finding.message.startswith("「张明+红岩家书登记表.docx」文档有")
    # An .xlsx that is not the 汇总表 is only peeked at: its forged merged range is never read.
    other = classify(merged_xlsx(tmp_path / "素材来源.xlsx", header=False), "素材来源.xlsx")
    assert (other.role, other.finding) == ("other", None)


def test_a_package_of_forged_documents_gives_one_finding_per_file(tmp_path: Path) -> None:
    folder = tmp_path / "张明（江北区融媒体中心）+红岩家书"
    folder.mkdir()
    many_paragraphs_docx(folder / "登记表.docx", 6_000, good_form())
    merged_xlsx(folder / "汇总表.xlsx")
    merged_xlsx(folder / "素材来源.xlsx", header=False)
    write_summary_xlsx(folder / "附件3.xlsx", [summary_row(good_form())])  # a readable one beside them
    package = Package(name=folder.name, paths=[folder], source="test", received_at=SUITE_NOW)
    analysis = analyse(package, tmp_path / "work", DEFAULT_RULES)
    documents = sorted((f.evidence["file"], f.status) for f in analysis.findings if f.check == "document")
    assert documents == [("汇总表.xlsx", Status.FAIL), ("登记表.docx", Status.FAIL)]  # 素材来源.xlsx: none
    summary = next(f for f in analysis.findings if f.evidence.get("file") == "汇总表.xlsx")
    assert "A10:XFD1048576" in summary.message and "1000行×50列的上限" in summary.message
    assert analysis.details.form is None
    assert analysis.details.summary_file == "附件3.xlsx" and [
        r.title for r in analysis.details.summary_rows or []
    ] == ["红岩家书"]
