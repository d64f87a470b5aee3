"""Reading the tables operators hand in (.xlsx, .csv): a header row found by its names, then rows.

Bad input is a `TableError` with a Chinese sentence naming the file and the rule, never a traceback.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.chinese_bytes import decode_chinese

HEADER_SEARCH_ROWS = 10
# Bounds on a table from outside (a roster, a returned score sheet): a real one has a few hundred
# rows and about ten columns. Past them the table is refused with one sentence, before any library
# allocates for it: a 5 KB .xlsx whose one cell sits at XFD1048576 would otherwise have openpyxl
# build 17 billion empty cells (3 GB in 15 s).
MAX_ROWS = 5_000
MAX_COLUMNS = 50
MAX_CSV_BYTES = 16 * 1024**2


class TableError(Exception):
    """The table cannot be read at all (missing file, wrong format, no header row)."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # the row number as the operator sees it (1-based, as in Excel)
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Table:
    path: Path
    rows: list[Row]
    preamble: list[list[Any]]  # rows above the header (a score sheet names its expert there)


def clean_header(value: Any) -> str:
    """「最大评审数（件）」 and 「 最大评审数 」 are the same column: NFKC, no spaces, no unit in brackets."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().replace(" ", "")
    for bracket in ("(", "["):
        if bracket in text and not text.startswith(bracket):
            text = text[: text.index(bracket)]
    return text


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bounds(path: Path, rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise TableError(f"{path.name}：表格有{rows:,}行，超过{MAX_ROWS:,}行的上限，未读取")
    if columns > MAX_COLUMNS:
        raise TableError(f"{path.name}：表格有{columns:,}列，超过{MAX_COLUMNS}列的上限，未读取")


def _csv_rows(path: Path) -> list[list[Any]]:
    """A CSV in any encoding Excel or WPS saves one in (UTF-8 with or without BOM, GB18030, Excel's
    "Unicode text", UTF-16 with a BOM and tab-separated), read through the project's one
    Chinese-bytes decoder, within the size and row bounds."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise TableError(
            f"{path.name}：文件有{size / 1024**2:.0f}MB，超过{MAX_CSV_BYTES // 1024**2}MB的上限，未读取"
        )
    text = decode_chinese(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","  # Unicode text is tab-separated
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(list(row))
            if len(rows) > MAX_ROWS:  # counted while reading: the rest is never kept
                raise TableError(
                    f"{path.name}：表格超过{MAX_ROWS:,}行的上限（读到第{len(rows):,}行时停止），未读取"
                )
            _bounds(path, len(rows), len(row))
    except csv.Error as exc:
        raise TableError(f"{path.name}：不是可读取的 CSV 文件（{exc}）") from exc
    return rows


def _xlsx_rows(path: Path) -> list[list[Any]]:
    """The first worksheet's rows, within MAX_ROWS × MAX_COLUMNS measured on the cells the file
    really holds (the one bounded reader of Office files, tasks.office), never on its declared
    dimension: a far cell is a finding, not an allocation."""
    from tasks.office import DocumentTooLarge, OfficeUnreadable, open_workbook, sheet_extent

    try:
        scan, book = open_workbook(path)
    except DocumentTooLarge as exc:
        raise TableError(f"{path.name}：{exc}，未读取") from exc
    except OfficeUnreadable as exc:
        raise TableError(f"{path.name}：不是可读取的 .xlsx 文件（{exc.kind}）") from exc
    try:
        if not book.worksheets:
            raise TableError(f"{path.name}：文件中没有工作表")
        sheet = book.worksheets[0]
        extent = sheet_extent(scan, sheet)
        if not extent.max_row:
            return []
        _bounds(path, extent.max_row, extent.max_column)
        cells = sheet.iter_rows(
            min_row=1, max_row=extent.max_row, max_col=extent.max_column, values_only=True
        )
        return [list(row) for row in cells]
    except TableError:
        raise
    except Exception as exc:  # openpyxl's errors on a damaged sheet
        raise TableError(f"{path.name}：不是可读取的 .xlsx 文件（{type(exc).__name__}）") from exc
    finally:
        book.close()


def raw_rows(path: Path) -> list[list[Any]]:
    if not path.is_file():
        raise TableError(f"{path}：文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise TableError(f"{path.name}：只支持 .xlsx 或 .csv 表格（收到 {suffix or '无扩展名'}）")


def read_table(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Table:
    """The rows of `path` keyed by the column names in `required` and `optional`."""
    rows = raw_rows(path)
    wanted = (*required, *optional)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [clean_header(v) for v in row]
        if all(name in headers for name in required):
            columns = {name: headers.index(name) for name in wanted if name in headers}
            body = []
            for offset, values in enumerate(rows[index + 1 :], start=index + 2):
                record = {name: values[col] if col < len(values) else None for name, col in columns.items()}
                if any(cell_text(v) for v in record.values()):
                    body.append(Row(offset, record))
            return Table(path, body, rows[:index])
    missing = "、".join(required)
    raise TableError(f"{path.name}：前{HEADER_SEARCH_ROWS}行中找不到表头（需要列：{missing}）")
