"""`guangying export`: the 作品汇总表 of everything received, as in 附件3 plus state and verdict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tasks.intake.receipt import state_label, verdict_label
from tasks.intake.received import beijing_time
from tasks.intake.templates import SUMMARY_HEADER, SUMMARY_NOTE, SUMMARY_TITLE, TITLE_LINE_1
from tasks.intake.text import format_duration, squash

EXTRA_COLUMNS = ("作品类别", "状态", "审核结论", "问题", "受理编号", "收到时间（北京时间）")


def author(item: dict[str, Any]) -> str:
    """附件3's 作者 of this work's row (the 汇总表 names the authors), else the 登记表's 报送人."""
    form = item.get("form") or {}
    rows = [r for r in form.get("summary_rows") or [] if (r.get("author") or "").strip()]
    title = squash(item.get("title") or form.get("title") or "")
    row = next((r for r in rows if title and squash(r.get("title") or "") == title), None)
    if row is None and len(rows) == 1:
        row = rows[0]
    if row is not None:
        return str(row["author"]).strip()
    return form.get("person_name") or item.get("submitter") or ""


def _duration(item: dict[str, Any]) -> str:
    """Measured duration when screened (the truth), else what the form declares."""
    for finding in item.get("findings", []):
        if finding["check"] == "declared_duration":
            measured = finding.get("evidence", {}).get("measured_seconds")
            if measured is not None:
                return format_duration(measured)
    return (item.get("form") or {}).get("duration") or ""


def _broadcast(form: dict[str, Any]) -> str:
    if form.get("broadcast") == "已播出":
        return (form.get("platform") or "已播出").replace("\n", " ")
    return form.get("broadcast") or ""


def export_rows(items: Sequence[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for index, item in enumerate(items, start=1):
        form = item.get("form") or {}
        problems = sum(1 for f in item.get("findings", []) if f["status"] != "pass")
        rows.append(
            [
                index,
                item.get("title") or "",
                _duration(item),
                author(item),
                item.get("unit") or "",
                _broadcast(form),
                item.get("category") or "",
                state_label(item.get("state")),
                verdict_label(item.get("verdict")),
                problems,
                item["id"],
                beijing_time(item.get("received_at")),
            ]
        )
    return rows


def write_export(path: Path, items: Sequence[dict[str, Any]]) -> Path:
    """No phone numbers: the table travels to experts and partners."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "作品汇总表"
    header = [*SUMMARY_HEADER, *EXTRA_COLUMNS]
    sheet.append([TITLE_LINE_1 + SUMMARY_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in export_rows(items):
        sheet.append(row)
    sheet.append([])
    sheet.append([SUMMARY_NOTE])
    for column, width in zip("ABCDEFGHIJKL", (6, 24, 10, 14, 24, 36, 10, 22, 12, 6, 34, 20), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    workbook.save(path)  # the folder must exist: the CLI says so rather than creating one
    return path
