"""`guangying export`: the 作品汇总表 of everything received, as in 附件3 plus state and verdict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tasks.findings import VERDICT_LABELS
from tasks.intake.receipt import STATE_LABELS
from tasks.intake.templates import SUMMARY_HEADER, SUMMARY_NOTE, SUMMARY_TITLE, TITLE_LINE_1
from tasks.intake.text import format_duration

EXTRA_COLUMNS = ("作品类别", "状态", "审核结论", "问题", "受理编号", "收到时间")


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
        author = form.get("person_name") or item.get("submitter") or ""
        rows.append(
            [
                index,
                item.get("title") or "",
                _duration(item),
                author,
                item.get("unit") or "",
                _broadcast(form),
                item.get("category") or "",
                STATE_LABELS.get(item.get("state") or "", item.get("state") or ""),
                VERDICT_LABELS.get(item.get("verdict") or "", "审核中"),
                problems,
                item["id"],
                (item.get("received_at") or "")[:19].replace("T", " "),
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
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
