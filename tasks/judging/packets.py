"""Review packets: per expert, a score sheet (.xlsx) listing the assigned works by 评审编号 with
time-limited links to the originals and the subtitle cues / transcript where screening stored them.

Blind review: nothing in a packet names the unit, the submitter or a contact; the links point at
content-addressed keys (`sha256/…`), not at the package's file names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tasks.judging.rubric import RUBRIC, TOTAL_MAXIMUM
from tasks.judging.scores import EXPERT_LABEL
from tasks.outside import SheetFormula, append_row
from tasks.rules import SHANGHAI

SHEET_TITLE = "「红色光影 英雄重庆」党史短视频征集展播活动 作品评分表"
FIXED_COLUMNS = ("编号", "作品名称", "类别", "观看链接", "字幕与语音文字稿")
HEADER_ROW = 4
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True, slots=True)
class PacketWork:
    number: str
    title: str
    category: str | None
    links: tuple[tuple[str, str], ...]  # (label, url): one per episode
    attachments: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)  # (file name, content)


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "专家"


def header_row() -> list[str]:
    criteria = [f"{c.name}（0–{c.maximum}分）" for c in RUBRIC]
    return [*FIXED_COLUMNS, *criteria, f"总分（0–{TOTAL_MAXIMUM}分）", "评语"]


def write_packet(folder: Path, expert: str, works: Sequence[PacketWork], expires_at: datetime | None) -> Path:
    """Write `folder/<expert>/评分表-<expert>.xlsx` and the attachments beside it; return the sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    target = folder / safe_name(expert)
    target.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "评分表"
    headers = header_row()
    append_row(sheet, [SHEET_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=14)
    expiry = (
        f"观看链接有效期至 {expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）"
        if expires_at
        else "观看链接为本机文件路径"
    )
    append_row(sheet, [f"{EXPERT_LABEL}：{expert}", expiry])
    append_row(
        sheet,
        [
            "说明：请在各评分项填写分数（可含小数），总分自动求和；评语可选填。"
            "请勿修改编号和表头。评分标准见“评分标准”工作表。"
        ],
    )
    append_row(sheet, headers)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    first_score = len(FIXED_COLUMNS) + 1
    last_score = first_score + len(RUBRIC) - 1
    for offset, work in enumerate(works):
        row = HEADER_ROW + 1 + offset
        links = "\n".join(f"{label}：{url}" if label else url for label, url in work.links)
        saved = []
        for name, content in work.attachments:
            (target / "字幕").mkdir(exist_ok=True)
            path = target / "字幕" / safe_name(name)
            path.write_bytes(content)
            saved.append(f"字幕/{path.name}")
        total = SheetFormula(
            f"=SUM({get_column_letter(first_score)}{row}:{get_column_letter(last_score)}{row})"
        )
        values = [work.number, work.title, work.category or "未登记", links, "\n".join(saved) or "无"]
        append_row(sheet, [*values, *([None] * len(RUBRIC)), total, None])  # a title is never a formula
        if work.links:
            sheet.cell(row=row, column=4).hyperlink = work.links[0][1]
        for column in (4, 5):
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    if works:
        last_row = HEADER_ROW + len(works)
        for index, criterion in enumerate(RUBRIC):
            letter = get_column_letter(first_score + index)
            check = DataValidation(
                type="decimal",
                operator="between",
                formula1="0",
                formula2=str(criterion.maximum),
                showErrorMessage=True,
                error=f"{criterion.name}的分数应在0–{criterion.maximum}分之间",
                errorTitle="分数超出范围",
            )
            check.add(f"{letter}{HEADER_ROW + 1}:{letter}{last_row}")
            sheet.add_data_validation(check)
    for index, width in enumerate((8, 24, 10, 60, 30, *([12] * len(RUBRIC)), 12, 40), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)

    rubric = book.create_sheet("评分标准")
    append_row(rubric, ["评分项", "满分", "依据（征集通知）"])
    for criterion in RUBRIC:
        append_row(rubric, [criterion.name, criterion.maximum, criterion.source])
    append_row(rubric, ["总分", TOTAL_MAXIMUM, ""])
    rubric.column_dimensions["C"].width = 90
    path = target / f"评分表-{safe_name(expert)}.xlsx"
    book.save(path)
    return path
