"""The 评分表 of a review packet: one sheet per expert listing the assigned works by 评审编号, that
prints as it reads (landscape A4, one page wide, the header row on every page, borders, the expert's
name and the rubric on the same sheet) and keeps the score validation.

Blind review: the sheet names no unit, submitter or contact; every text cell is written through
tasks.outside (never a formula: a title `=HYPERLINK(…)` stays text); the only formula is the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tasks.judging.blind import file_stem
from tasks.judging.rubric import RUBRIC, TOTAL_MAXIMUM
from tasks.judging.scores import EXPERT_LABEL
from tasks.outside import SheetFormula, append_row

SHEET_NAME = "评分表"
SHEET_TITLE = "「红色光影 英雄重庆」党史短视频征集展播活动 作品评分表"
FIXED_COLUMNS = ("编号", "作品名称", "类别", "观看", "字幕与文稿")
EXPERT_ROW, RUBRIC_ROW, NOTE_ROW = 2, 3, 4
HEADER_ROW = 5
WIDTHS = (8, 22, 10, 30, 24, *([11] * len(RUBRIC)), 11, 30)
INSTRUCTIONS = (
    "说明：请在各评分项填写分数（可含小数），总分自动求和；评语可选填。请勿修改编号和表头。"
    "视频、字幕和文稿见同一文件夹的「评审.html」。"
)


@dataclass(frozen=True, slots=True)
class PacketWork:
    number: str
    title: str
    category: str | None
    watch: tuple[str, ...]  # per episode: a folder-relative file (视频/0004-….mp4) or a link
    subtitles: tuple[str, ...] = ()  # folder-relative .vtt files


def sheet_name(expert: str) -> str:
    return f"评分表-{file_stem('', expert, ()) or '专家'}.xlsx"


def header_row() -> list[str]:
    criteria = [f"{c.name}（0–{c.maximum}分）" for c in RUBRIC]
    return [*FIXED_COLUMNS, *criteria, f"总分（0–{TOTAL_MAXIMUM}分）", "评语"]


def rubric_text() -> str:
    parts = [f"{c.name}（{c.maximum}分）：{c.source}" for c in RUBRIC]
    return f"评分标准（满分{TOTAL_MAXIMUM}分）——" + "；".join(parts) + "。"


def write_sheet(path: Path, expert: str, works: Sequence[PacketWork], access: str) -> Path:
    """Write the 评分表 at `path`; `access` says how the videos are reached (files or links)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    headers = header_row()
    last_column = len(headers)
    last_letter = get_column_letter(last_column)
    append_row(sheet, [SHEET_TITLE])
    append_row(sheet, [f"{EXPERT_LABEL}：{expert}", None, None, access])
    append_row(sheet, [rubric_text()])
    append_row(sheet, [INSTRUCTIONS])
    append_row(sheet, headers)
    sheet.merge_cells(f"A1:{last_letter}1")
    sheet.merge_cells(f"A{EXPERT_ROW}:C{EXPERT_ROW}")
    sheet.merge_cells(f"D{EXPERT_ROW}:{last_letter}{EXPERT_ROW}")
    sheet.merge_cells(f"A{RUBRIC_ROW}:{last_letter}{RUBRIC_ROW}")
    sheet.merge_cells(f"A{NOTE_ROW}:{last_letter}{NOTE_ROW}")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet[f"A{EXPERT_ROW}"].font = Font(bold=True, size=12)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    for row in (EXPERT_ROW, RUBRIC_ROW, NOTE_ROW):
        sheet.cell(row=row, column=1).alignment = wrap_top
    sheet.cell(row=EXPERT_ROW, column=4).alignment = wrap_top
    sheet.row_dimensions[RUBRIC_ROW].height = 64
    sheet.row_dimensions[NOTE_ROW].height = 30

    first_score = len(FIXED_COLUMNS) + 1
    last_score = first_score + len(RUBRIC) - 1
    for offset, work in enumerate(works):
        row = HEADER_ROW + 1 + offset
        total = SheetFormula(
            f"=SUM({get_column_letter(first_score)}{row}:{get_column_letter(last_score)}{row})"
        )
        values: list[object] = [
            work.number,
            work.title,
            work.category or "未登记",
            "\n".join(work.watch) or "无",
            "\n".join(work.subtitles) or "无",
        ]
        append_row(sheet, [*values, *([None] * len(RUBRIC)), total, None])
        if work.watch:
            sheet.cell(row=row, column=4).hyperlink = work.watch[0]
        for column in range(1, last_column + 1):
            sheet.cell(row=row, column=column).alignment = wrap_top

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last_row = HEADER_ROW + len(works)
    for row in sheet.iter_rows(min_row=HEADER_ROW, max_row=last_row, max_col=last_column):
        for cell in row:
            cell.border = border
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    if works:
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
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)

    # Printing: landscape A4, every column on one page (as many pages down as needed), the header
    # row repeated on each page, page numbers in the footer.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{last_letter}{max(last_row, HEADER_ROW)}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"

    # Document properties: nothing from the submissions, nothing of the machine that wrote it.
    book.properties.creator = "guangying"
    book.properties.lastModifiedBy = "guangying"
    book.properties.title = SHEET_TITLE
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
