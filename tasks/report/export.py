"""`guangying export`: the 作品汇总表 of everything received, as in 附件3 plus state and verdict."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.beijing_time import numeric_date_time
from tasks.findings import Check
from tasks.intake.templates import SUMMARY_HEADER, SUMMARY_NOTE, SUMMARY_TITLE, TITLE_LINE_1
from tasks.intake.text import format_duration, squash
from tasks.outside import append_row
from tasks.report.receipt import state_label, verdict_label

if TYPE_CHECKING:
    from tasks.catalogue.views import SubmissionView
    from tasks.intake.details import IntakeDetails
    from tasks.intake.forms import RegistrationForm

EXTRA_COLUMNS = ("作品类别", "状态", "审核结论", "人工决定", "问题", "受理编号", "收到时间（北京时间）")
MAX_COLUMN_WIDTH = 40  # characters of a Latin font; longer text wraps inside its cell
MIN_COLUMN_WIDTH = 6


def author(item: SubmissionView, details: IntakeDetails | None = None) -> str:
    """附件3's 作者 of this work's row (the 汇总表 names the authors), else the 登记表's 报送人."""
    details = details or item.details
    form = details.form
    rows = [r for r in details.summary_rows or () if (r.author or "").strip()]
    title = squash(item.title or (form.title if form else "") or "")
    row = next((r for r in rows if title and squash(r.title or "") == title), None)
    if row is None and len(rows) == 1:
        row = rows[0]
    if row is not None:
        return str(row.author).strip()
    return (form.person_name if form else "") or item.submitter or ""


def _duration(item: SubmissionView, form: RegistrationForm | None) -> str:
    """Measured duration when screened (the truth), else what the form declares."""
    for finding in item.findings:
        if finding.check == Check.DECLARED_DURATION:
            measured = (finding.evidence or {}).get("measured_seconds")
            if measured is not None:
                return format_duration(measured)
    return (form.duration if form else "") or ""


def _broadcast(form: RegistrationForm | None) -> str:
    if form is None:
        return ""
    if form.broadcast == "已播出":
        return (form.platform or "已播出").replace("\n", " ")
    return form.broadcast or ""


def export_rows(items: Sequence[SubmissionView]) -> list[list[Any]]:
    rows = []
    for index, item in enumerate(items, start=1):
        details = item.details
        rows.append(
            [
                index,
                item.title or "",
                _duration(item, details.form),
                author(item, details),
                item.unit or "",
                _broadcast(details.form),
                item.category or "",
                state_label(item.state),
                verdict_label(item.verdict),
                "经工作人员决定" if item.verdict_by_person else "",
                len(item.problems),
                item.id,
                numeric_date_time(item.received_at),
            ]
        )
    return rows


def display_width(text: object) -> int:
    """Columns a text takes in a sheet: a Chinese (wide) character two, others one; the longest line."""
    lines = str(text if text is not None else "").split("\n")
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines)


def _print_setup(sheet: Any, *, first_row: int, last_row: int, columns: int) -> None:
    """Printable on A4 landscape: fitted to the page width, the header row on every page, text
    wrapped in columns measured for Chinese, the table ruled."""
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    ruled = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index in range(1, columns + 1):
        cells = [sheet.cell(row=r, column=index) for r in range(first_row, last_row + 1)]
        width = max(display_width(c.value) for c in cells) + 2
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH)
        for cell in cells:
            cell.border = ruled
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{first_row}:{first_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def write_export(path: Path, items: Sequence[SubmissionView]) -> Path:
    """No phone numbers: the table travels to experts and partners."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "作品汇总表"
    header = [*SUMMARY_HEADER, *EXTRA_COLUMNS]
    append_row(sheet, [TITLE_LINE_1 + SUMMARY_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    append_row(sheet, header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in export_rows(items):  # submitters' text: never a formula, controls shown visibly
        append_row(sheet, row)
    append_row(sheet, [])
    append_row(sheet, [SUMMARY_NOTE])
    _print_setup(sheet, first_row=2, last_row=2 + len(items), columns=len(header))
    workbook.save(path)  # the folder must exist: the CLI says so rather than creating one
    return path
