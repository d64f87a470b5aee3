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


def _csv_rows(path: Path) -> list[list[Any]]:
    """A CSV in any encoding Excel or WPS saves one in (UTF-8 with or without BOM, GB18030, Excel's
    "Unicode text", UTF-16 with a BOM and tab-separated): read through the project's one Chinese-bytes decoder."""
    text = decode_chinese(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","  # Unicode text is tab-separated
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:
        raise TableError(f"{path.name}：不是可读取的 .xlsx 文件（{type(exc).__name__}）") from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
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
