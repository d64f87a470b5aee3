"""Parsing 附件1 作品登记表 (.docx) and 附件3 作品汇总表 (.docx/.xlsx) as people fill them in.

Tolerated: merged cells, extra blank rows, a label and its value in one cell (「联系人：左老师」),
ticks as ☑/■/√/☒/✓ (typed, or Wingdings symbols), full-width digits, durations written as
「3分20秒」「03:20」「200秒」.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from docx.oxml.ns import qn
from openpyxl.utils.cell import range_boundaries

from tasks.intake.documents import element_text
from tasks.intake.text import format_duration, halfwidth, parse_duration, squash
from tasks.office import (
    DocumentTooLarge,
    OfficeUnreadable,
    SheetScan,
    open_document,
    open_workbook,
    sheet_extent,
)
from tasks.rules import DEFAULT_RULES, ContestRules
from tasks.sniff import office_kind
from tasks.zipdir import ZipDirectoryTooLarge, check_zip_directory

TICKS = "☑☒■√✓✔▣◼●◉⊠✅✗×█▇"
BOXES = "□☐○◯"
BROADCAST = ("已播出", "未播出")
TEAM_HINT = "含作品导演、编剧、摄像、后期人员姓名、单位等简要介绍"
INTRO_HINT = "含作品基本信息、核心内容、创作背景、艺术特色、社会影响等简要介绍。"
URL = re.compile(r"https?://[^\s，。；、）)\]】<>\"']+", re.IGNORECASE)

# Labels of the 登记表, matched on the squashed (half-width, no whitespace) cell text.
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("title", re.compile(r"^作品名称")),
    ("duration", re.compile(r"^(作品)?时长")),
    ("entrant", re.compile(r"^参赛主体")),
    ("broadcast", re.compile(r"^播出情况")),
    ("platform", re.compile(r"^播出平台(及链接)?")),
    ("contact", re.compile(r"^联系人")),
    ("phone", re.compile(r"^(联系电话|电话|手机)")),
    ("team", re.compile(r"^作品创作团队情况")),
    ("intro", re.compile(r"^作品简介")),
)
_UNIT = re.compile(r"^单位[(（]名称[)）]\s*[:：]?")
_PERSON = re.compile(r"^个人[(（]姓名[)）]及单位\s*[:：]?")


class FormError(Exception):
    """The document could not be read as the expected form (corrupt, not a .docx, no table, or
    beyond the reading bounds of ContestRules: then `too_large` is set)."""

    def __init__(
        self, message: str, *, too_large: bool = False, evidence: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.too_large = too_large
        self.evidence = evidence or {}


T = TypeVar("T")


def _opened(open_office: Callable[[], T]) -> T:
    """A .docx or .xlsx opened by the bounded reader (tasks.office), its refusals as FormError."""
    try:
        return open_office()
    except DocumentTooLarge as exc:
        raise FormError(str(exc), too_large=True, evidence=exc.evidence) from exc
    except OfficeUnreadable as exc:
        raise FormError(str(exc)) from exc


@dataclass(slots=True)
class RegistrationForm:
    """附件1's fields as typed; `duration_seconds` parsed; `notes` list what could not be read cleanly."""

    title: str = ""
    duration: str = ""
    duration_seconds: float | None = None
    entrant_type: str | None = None  # "unit" | "individual"
    unit_name: str = ""
    person_name: str = ""
    person_unit: str = ""
    broadcast: str | None = None  # "已播出" | "未播出"
    broadcast_ticks: list[str] = field(default_factory=list)
    platform: str = ""
    links: list[str] = field(default_factory=list)
    contact: str = ""
    phone: str = ""
    team: str = ""
    intro: str = ""
    tables: int = 0

    @property
    def submitter(self) -> str:
        return self.person_name or self.unit_name

    @property
    def unit(self) -> str:
        return self.unit_name or self.person_unit

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["submitter"] = self.submitter
        data["unit"] = self.unit
        return data


@dataclass(slots=True)
class SummaryRow:
    """One row of 附件3: 序号, 作品名称, 时长, 作者, 单位, 播出情况."""

    index: str = ""
    title: str = ""
    duration: str = ""
    duration_seconds: float | None = None
    author: str = ""
    unit: str = ""
    broadcast: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(text: str) -> str:
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def _strip_hint(value: str, hint: str) -> str:
    """Drop the template's grey instruction if the submitter left it in front of the answer."""
    squashed_hint = squash(hint).rstrip("。")
    text = value.strip()
    if squash(text).startswith(squashed_hint):
        # Remove as many characters as the hint has (ignoring whitespace inside it).
        consumed, kept = 0, 0
        for index, char in enumerate(text):
            if not char.isspace():
                consumed += 1
            if consumed == len(squashed_hint):
                kept = index + 1
                break
        text = text[kept:].lstrip("。.：: \n")
    return text.strip()


def read_ticks(text: str) -> list[str]:
    """Which of 已播出/未播出 are ticked in a cell like 「☑已播出 □未播出」 or 「已播出（√）」.

    Each tick belongs to the option nearest to it (a tick between two options goes to the one it
    precedes, as boxes stand before their labels in the template).
    """
    norm = halfwidth(text)
    spans = [(option, norm.index(option)) for option in BROADCAST if option in norm]
    ticked: list[str] = []
    for position, char in enumerate(norm):
        if char not in TICKS:
            continue
        best: tuple[int, int, str] | None = None
        for option, start in spans:
            end = start + len(option)
            # Characters in between, brackets and spaces not counted; preceding a label wins ties.
            gap = norm[position + 1 : start] if position < start else norm[end:position]
            distance = len(gap.strip(" ()[]（）"))
            rank = (distance, 0 if position < start else 1, option)
            if distance <= 2 and (best is None or rank < best):
                best = rank
        if best is not None and best[2] not in ticked:
            ticked.append(best[2])
    if not ticked and len(spans) == 1 and not any(b in norm for b in BOXES):
        ticked = [spans[0][0]]  # the other option was deleted or the answer typed in
    return [option for option in BROADCAST if option in ticked]


def _rows(table) -> list[list[str]]:
    """Cell texts per row; a horizontally merged cell appears once, vertical continuations as ''."""
    rows = []
    for tr in table.iter(qn("w:tr")):
        rows.append([element_text(tc) for tc in tr.iterchildren(qn("w:tc"))])
    return rows


def _label_of(text: str) -> tuple[str | None, str]:
    """(field, inline value) when `text` starts with a label, e.g. 「联系人：左老师」→('contact','左老师')."""
    squashed = squash(text)
    for name, pattern in _LABELS:
        match = pattern.match(squashed)
        if not match:
            continue
        if name == "duration" and squashed.startswith("时长") and len(squashed) > 10:
            continue
        inline = ""
        colon = re.search(r"[:：]", text)
        if colon and name not in ("team", "intro"):
            inline = text[colon.end() :].strip()
        elif name in ("team", "intro"):
            # 「作品简介（150字以内）：……」 typed in the label cell.
            after = re.split(r"以内[)）]\s*[:：]?", text, maxsplit=1)
            inline = after[1].strip() if len(after) == 2 else ""
        return name, inline
    return None, ""


def parse_registration_form(path: Path, rules: ContestRules = DEFAULT_RULES) -> RegistrationForm:
    """附件1 from a .docx; raises FormError when it is not a readable .docx with a table."""
    document = _opened(lambda: open_document(path, rules))
    tables = document.element.body.findall(".//" + qn("w:tbl"))
    if not tables:
        raise FormError("no table")
    form = RegistrationForm(tables=len(tables))
    values: dict[str, str] = {}
    for table in tables:
        for row in _rows(table):
            for index, cell in enumerate(row):
                text = cell.strip()
                if not text:
                    continue
                if _UNIT.match(text):
                    form.unit_name = form.unit_name or _clean(_UNIT.sub("", text, count=1))
                    continue
                if _PERSON.match(text):
                    person = _clean(_PERSON.sub("", text, count=1))
                    if person:
                        form.person_name, form.person_unit = _split_person(person)
                    continue
                name, inline = _label_of(text)
                if name is None or name in values:
                    continue
                if inline:
                    values[name] = inline
                    continue
                following = [c for c in row[index + 1 :] if c.strip()]
                if (following and _label_of(following[0])[0] is None) or (name == "broadcast" and following):
                    values[name] = following[0]
                else:
                    values.setdefault(name, "")
    form.title = _clean(values.get("title", "")).strip("《》")
    form.duration = _clean(values.get("duration", ""))
    form.duration_seconds = parse_duration(form.duration)
    form.broadcast_ticks = read_ticks(values.get("broadcast", ""))
    form.broadcast = form.broadcast_ticks[0] if len(form.broadcast_ticks) == 1 else None
    form.platform = values.get("platform", "").strip()
    form.links = URL.findall(halfwidth(form.platform))
    form.contact = _clean(values.get("contact", ""))
    form.phone = _clean(values.get("phone", ""))
    form.team = _strip_hint(values.get("team", ""), TEAM_HINT)
    form.intro = _strip_hint(values.get("intro", ""), INTRO_HINT)
    if form.unit_name:
        form.entrant_type = "unit"
    elif form.person_name:
        form.entrant_type = "individual"
    return form


def _split_person(text: str) -> tuple[str, str]:
    """「张明（江北区融媒体中心）」「张明，江北区融媒体中心」「张明 江北区融媒体中心」→ (name, unit)."""
    norm = halfwidth(text)
    match = re.fullmatch(r"\s*([^()]+?)\s*\(([^()]+)\)\s*", norm)
    if match:
        return text[match.start(1) : match.end(1)].strip(), text[match.start(2) : match.end(2)].strip()
    parts = re.split(r"[,，、/;；\s]+", text.strip(), maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    return text.strip(), ""


_SUMMARY_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("index", re.compile(r"^(序号|编号)$")),
    ("title", re.compile(r"^作品名称")),
    ("duration", re.compile(r"^(作品)?时长")),
    ("author", re.compile(r"^(作者|主创|报送人)")),
    ("unit", re.compile(r"^(单位|所在单位|报送单位)")),
    ("broadcast", re.compile(r"^播出情况")),
)


def _header_map(cells: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        squashed = squash(cell)
        for name, pattern in _SUMMARY_COLUMNS:
            if pattern.match(squashed) and name not in mapping.values():
                mapping[index] = name
                break
    return mapping if {"title", "duration"} <= set(mapping.values()) else {}


def _rows_from_grid(grid: list[list[str]]) -> list[SummaryRow]:
    rows: list[SummaryRow] = []
    header: dict[int, str] = {}
    for cells in grid:
        if not header:
            header = _header_map(cells)
            continue
        values = {name: _clean(cells[i]) if i < len(cells) else "" for i, name in header.items()}
        if not values.get("title") and not values.get("duration"):
            continue  # blank rows the template ships with, or a 说明 line
        if squash(values.get("title", "")).startswith("说明"):
            continue
        row = SummaryRow(**cast(dict[str, Any], values))
        row.index = halfwidth(row.index)
        row.title = row.title.strip("《》")
        row.duration_seconds = parse_duration(row.duration)
        rows.append(row)
    return rows


def parse_summary_docx(path: Path, rules: ContestRules = DEFAULT_RULES) -> list[SummaryRow]:
    document = _opened(lambda: open_document(path, rules))
    rows: list[SummaryRow] = []
    for table in document.element.body.findall(".//" + qn("w:tbl")):
        grid = [[c for c in row] for row in _rows(table)]
        rows.extend(_rows_from_grid(grid))
    return rows


def _excel_value(value: Any, number_format: str = "") -> str:
    """Excel cells as text; durations stored as times or day fractions become 「m分ss秒」."""
    if value is None:
        return ""
    if isinstance(value, time):
        return format_duration(value.hour * 3600 + value.minute * 60 + value.second)
    if isinstance(value, timedelta):
        return format_duration(value.total_seconds())
    if isinstance(value, float) and 0 < value < 1 and ":" in number_format:
        return format_duration(value * 86400)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _boxes(merged: list[str]) -> list[tuple[str, int, int, int, int]]:
    """(ref, min_col, min_row, max_col, max_row) of each readable merged range."""
    boxes = []
    for ref in merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue  # openpyxl ignores what it cannot read; so do we
        if min_col and min_row and max_col and max_row:
            boxes.append((ref, min_col, min_row, max_col, max_row))
    return boxes


def _sheet_bounds(name: str, sheet: SheetScan, rules: ContestRules) -> None:
    """Rows, columns and merged ranges of one worksheet within ContestRules, else FormError."""
    where = f"工作表「{name}」"
    rows, columns = rules.summary_max_rows, rules.summary_max_columns
    problem: tuple[str, dict[str, object]] | None = None
    if sheet.max_row > rows:
        problem = (f"{where}有{sheet.max_row}行，超过{rows}行的上限", {"rows": sheet.max_row, "limit": rows})
    elif sheet.max_column > columns:
        problem = (
            f"{where}有{sheet.max_column}列，超过{columns}列的上限",
            {"columns": sheet.max_column, "limit": columns},
        )
    elif len(sheet.merged) > rules.summary_max_merged_ranges:
        problem = (
            f"{where}有{len(sheet.merged)}处合并单元格，超过{rules.summary_max_merged_ranges}处的上限",
            {"merged": len(sheet.merged), "limit": rules.summary_max_merged_ranges},
        )
    else:
        for ref, min_col, min_row, max_col, max_row in _boxes(sheet.merged):
            if max_row > rows or max_col > columns:
                cells = (max_row - min_row + 1) * (max_col - min_col + 1)
                problem = (
                    f"{where}的合并单元格{ref}共{cells:,}个单元格，超出{rows}行×{columns}列的上限",
                    {"merged_range": ref, "cells": cells, "limit": f"{rows}x{columns}"},
                )
                break
    if problem is not None:
        raise FormError(problem[0], too_large=True, evidence=problem[1])


def _grid(sheet, height: int, width: int, merged: list[str]) -> list[list[str]]:
    """Cell texts of the top-left `height` × `width` block; a merged range repeats its top-left cell."""
    cells: list[list[tuple[Any, str]]] = [[(None, "")] * width for _ in range(height)]
    if height and width:
        for r, row in enumerate(sheet.iter_rows(min_row=1, max_row=height, max_col=width)):
            for c, cell in enumerate(row[:width]):
                cells[r][c] = (cell.value, getattr(cell, "number_format", "") or "")
    for _, min_col, min_row, max_col, max_row in _boxes(merged):
        if max_row > height or max_col > width:
            continue
        top = cells[min_row - 1][min_col - 1]
        for r in range(min_row - 1, max_row):
            for c in range(min_col - 1, max_col):
                cells[r][c] = top
    return [[_excel_value(value, fmt) for value, fmt in row] for row in cells]


def parse_summary_xlsx(path: Path, rules: ContestRules = DEFAULT_RULES) -> list[SummaryRow]:
    """附件3 rows from an .xlsx, within the bounds of ContestRules (FormError beyond them)."""
    scan, workbook = _opened(lambda: open_workbook(path, rules))
    rows: list[SummaryRow] = []
    try:
        for sheet in workbook.worksheets:
            extent = sheet_extent(scan, sheet)
            _sheet_bounds(sheet.title, extent, rules)
            height, width = extent.max_row, extent.max_column
            for _, _, _, max_col, max_row in _boxes(extent.merged):  # a merged block past the last value
                height, width = max(height, max_row), max(width, max_col)
            rows.extend(_rows_from_grid(_grid(sheet, height, width, extent.merged)))
    finally:
        workbook.close()
    return rows


def looks_like_summary_xlsx(path: Path, rules: ContestRules = DEFAULT_RULES) -> bool:
    """Whether an .xlsx holds a 汇总表: a header and a row of works among the first rows of a sheet.
    Only the bytes are bounded here; the whole sheet is read (and bounded) only for the 汇总表."""
    _, workbook = _opened(lambda: open_workbook(path, rules, parse_xml=False))
    try:
        for sheet in workbook.worksheets[:10]:
            grid = [
                [_excel_value(v) for v in row]
                for row in sheet.iter_rows(min_row=1, max_row=20, max_col=30, values_only=True)
            ]
            if _rows_from_grid(grid):
                return True
    except Exception as exc:  # openpyxl's errors on a damaged sheet
        raise FormError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        workbook.close()
    return False


def parse_summary_table(path: Path, rules: ContestRules = DEFAULT_RULES) -> list[SummaryRow]:
    """附件3 rows from .docx or .xlsx (by content: an .xlsx is a zip with xl/workbook.xml)."""
    try:
        check_zip_directory(path, max_entries=rules.document_max_parts)
        with zipfile.ZipFile(path) as archive:
            is_xlsx = office_kind(archive.namelist()) == "xlsx"
    except ZipDirectoryTooLarge as exc:
        raise FormError(str(exc), too_large=True, evidence={"entries": exc.directory.entries}) from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormError(f"{type(exc).__name__}: {exc}") from exc
    return parse_summary_xlsx(path, rules) if is_xlsx else parse_summary_docx(path, rules)
