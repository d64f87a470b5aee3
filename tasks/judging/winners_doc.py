"""The 优秀作品名单 (notice 六「公布优秀作品名单」) as .docx and .xlsx, from the approved list.

Public documents: titles, the submitting unit or person and the tier, never a phone number or
any other contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tasks.judging.rubric import TIERS
from tasks.outside import append_row, for_document
from tasks.rules import SHANGHAI

TITLE = "「红色光影 英雄重庆」党史短视频征集展播活动优秀作品名单"
COLUMNS = ("序号", "作品名称", "报送单位（个人）", "作品类别", "等次")


@dataclass(frozen=True, slots=True)
class ListedWork:
    title: str
    entrant: str
    category: str
    tier: str


def _ordered(works: Sequence[ListedWork]) -> list[ListedWork]:
    order = {tier: i for i, tier in enumerate(TIERS)}
    return sorted(works, key=lambda w: order.get(w.tier, len(order)))  # stable: rank order within a tier


def write_docx(path: Path, works: Sequence[ListedWork], approved_at: datetime) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    heading = document.add_heading(TITLE, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    ordered = _ordered(works)
    for tier in TIERS:
        members = [w for w in ordered if w.tier == tier]
        if not members:
            continue
        document.add_heading(f"{tier}作品（{len(members)}件）", level=2)
        table = document.add_table(rows=1, cols=len(COLUMNS))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, COLUMNS, strict=True):
            cell.text = name
        for index, work in enumerate(members, start=1):
            cells = table.add_row().cells
            for cell, value in zip(
                cells, (str(index), f"《{work.title}》", work.entrant, work.category, work.tier), strict=True
            ):
                cell.text = for_document(value)  # titles and names from outside
    closing = document.add_paragraph(
        f"党史短视频展播活动筹备组\n{approved_at.astimezone(SHANGHAI):%Y年%m月%d日}"
    )
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_xlsx(path: Path, works: Sequence[ListedWork]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "优秀作品名单"
    append_row(sheet, [TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, list(COLUMNS))
    for index, work in enumerate(_ordered(works), start=1):  # titles and names: never a formula
        append_row(sheet, [index, work.title, work.entrant, work.category, work.tier])
    for letter, width in zip("ABCDE", (6, 36, 36, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
