"""The 优秀作品名单 ready for official use (A4, Chinese fonts, dates without leading zeros, fitted
columns, a printable sheet) and the 荣誉证书 PDFs rendered by LibreOffice, read back with
python-docx, openpyxl and pdftotext."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from tasks.beijing_time import plain_date
from tasks.judging.winners_doc import (
    ListedWork,
    fitted_widths,
    write_certificates,
    write_docx,
    write_xlsx,
)
from tasks.rules import SHANGHAI

WHEN = datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI)
WORKS = [
    ListedWork("山城记忆", "重庆市档案馆", "微党课", "优秀", ("王五",)),
    ListedWork("红岩魂", "中共重庆市委党史研究室", "微纪录片", "特别优秀", ("张三", "李四")),
    ListedWork('=HYPERLINK("x")', "某单位", "Vlog", "优秀"),
]


def test_the_list_docx_is_a4_with_chinese_fonts_and_fitted_columns(tmp_path: Path) -> None:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm

    path = write_docx(tmp_path / "名单.docx", WORKS, WHEN)
    document: Any = Document(str(path))  # python-docx types every part as optional
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "「红色光影 英雄重庆」党史短视频征集展播活动优秀作品名单"
    assert texts[1:3] == ["一、特别优秀作品（1件）", "二、优秀作品（2件）"]
    assert texts[-1].endswith("2026年12月6日") and "12月06日" not in texts[-1]
    title = document.paragraphs[0].runs[0]
    fonts = title._element.rPr.rFonts
    assert (
        fonts.get(qn("w:eastAsia")) == "Noto Serif CJK SC" and fonts.get(qn("w:ascii")) == "Noto Serif CJK SC"
    )
    assert title.font.bold and title.font.size.pt == 22 and str(title.font.color.rgb) == "000000"
    assert document.paragraphs[1].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC"
    assert all(not p.style.name.startswith("Heading") for p in document.paragraphs)
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["序号", "作品名称", "报送单位", "作者", "作品类别"]
    assert [c.text for c in table.rows[1].cells][:4] == ["1", "《山城记忆》", "重庆市档案馆", "王五"]
    widths = [table.rows[0].cells[i].width for i in range(5)]
    assert widths[0] < widths[1] and widths[0] < widths[2]  # 序号 narrow, title and unit wide
    assert abs(sum(widths) - Cm(21.0 - 2.8 - 2.6)) < Cm(0.1)


def test_the_list_xlsx_prints_on_a4_one_page_wide_with_borders(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(write_xlsx(tmp_path / "名单.xlsx", WORKS)).active
    assert sheet["A1"].value.endswith("优秀作品名单") and "A1:F1" in {
        str(r) for r in sheet.merged_cells.ranges
    }
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$2:$2"
    assert [c.value for c in sheet[2]] == ["序号", "作品名称", "报送单位", "作者", "作品类别", "等次"]
    assert sheet["B3"].value == "《红岩魂》" and sheet["D3"].value == "张三、李四"
    assert all(
        c.border.left.style == "thin" and c.border.bottom.style == "thin" for r in sheet["A2:F5"] for c in r
    )
    assert sheet["B5"].data_type == "s"  # a title that looks like a formula stays text


def test_certificates_are_pdfs_with_title_tier_and_organisers(tmp_path: Path, data_dir: Path) -> None:
    pdfs = write_certificates(tmp_path / "证书", WORKS[:2], WHEN)
    assert [p.name for p in pdfs] == ["荣誉证书-01-红岩魂.pdf", "荣誉证书-02-山城记忆.pdf"]
    assert list((data_dir / "scratch").iterdir()) == []  # the LibreOffice scratch is gone
    first = subprocess.run(
        ["pdftotext", "-layout", str(pdfs[0]), "-"], capture_output=True, text=True, timeout=60
    )
    text = "".join(first.stdout.split())
    assert "荣誉证书" in text and "《红岩魂》" in text and "特别优秀" in text
    assert "张三、李四" in text and "中共重庆市委直属机关工委" in text and "2026年12月6日" in text
    info = subprocess.run(["pdfinfo", str(pdfs[0])], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"Pages:\s+1\n", info) and re.search(
        r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", info
    )


def test_dates_and_fitted_widths_are_pure_rules() -> None:
    assert plain_date(datetime(2026, 12, 5, 17, 0, tzinfo=SHANGHAI)) == "2026年12月5日"
    widths = fitted_widths([("序号", "作品名称"), ("1", "一部名字很长很长很长的作品")], 10.0, minimum=2.0)
    assert widths[0] == 2.0 and round(sum(widths), 6) == 10.0
