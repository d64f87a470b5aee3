"""The one reader of Office files from outside (.docx and .xlsx: forms, rosters, score sheets):
every part decompressed once and measured, bounded by ContestRules, before python-docx or openpyxl
builds anything from it.

A forged file (a zip bomb, a part of a million paragraphs, a cell at XFD1048576, a merged range of
17 billion cells) is a `DocumentTooLarge` with a Chinese reason; a damaged one is `OfficeUnreadable`.
The callers turn both into their own refusal (a finding, a FormError, a TableError).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lxml import etree

from tasks.rules import DEFAULT_RULES, ContestRules
from tasks.zipdir import ZipDirectoryTooLarge, check_zip_directory

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from openpyxl.workbook.workbook import Workbook

# What zipfile raises on a file that is not a readable zip (or one damaged inside).
UNREADABLE = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)


class DocumentTooLarge(Exception):
    """A document beyond the reading bounds of ContestRules; `str()` is the Chinese reason with the
    limit and the measured value, `evidence` the same as data."""

    def __init__(self, reason: str, **evidence: object) -> None:
        super().__init__(reason)
        self.evidence = evidence


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")


@dataclass(slots=True)
class SheetScan:
    """One worksheet part: the last row and column holding a cell, and its merged ranges."""

    max_row: int = 0
    max_column: int = 0
    merged: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OfficeScan:
    """What an Office file holds, measured while decompressing it (never what the zip declares)."""

    parts: int = 0
    total_bytes: int = 0
    xml_bytes: int = 0
    elements: int = 0
    paragraphs: int = 0
    sheets: dict[str, SheetScan] = field(default_factory=dict)


class _Over(Exception):
    pass


class _Counted:
    """A reader that counts what passes through and stops at `cap` bytes."""

    def __init__(self, source: IO[bytes], cap: int) -> None:
        self.source, self.cap, self.count = source, cap, 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size if 0 < size <= 1 << 20 else 1 << 20)
        self.count += len(data)
        if self.count > self.cap:
            raise _Over
        return data


def _mb(value: int) -> str:
    return f"{value / 1024**2:.0f}MB"


def _column(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _walk_xml(reader: _Counted, scan: OfficeScan, sheet: SheetScan, max_elements: int) -> None:
    """Count elements, paragraphs, a worksheet's rows, columns and merged ranges; memory stays flat
    (each element is dropped once read)."""
    row = column = 0
    parser = etree.iterparse(
        reader, events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=False
    )
    for event, element in parser:
        if event == "end":
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
            continue
        scan.elements += 1
        if scan.elements > max_elements * 4:
            raise _Over  # far past the limit: measuring further only costs time
        tag = element.tag
        if not isinstance(tag, str) or not tag.startswith("{"):
            continue
        if tag == _W + "p":
            scan.paragraphs += 1
        elif tag == _S + "row":
            reference = element.get("r")
            row = int(reference) if reference and reference.isdigit() else row + 1
            column = 0
        elif tag == _S + "c":
            match = _CELL_REF.match(element.get("r") or "")
            column = _column(match.group(1)) if match else column + 1
            sheet.max_row = max(sheet.max_row, row)
            sheet.max_column = max(sheet.max_column, column)
        elif tag == _S + "mergeCell" and len(sheet.merged) <= 100_000:
            sheet.merged.append(element.get("ref") or "")


def scan_office(path: Path, rules: ContestRules = DEFAULT_RULES, *, parse_xml: bool = True) -> OfficeScan:
    """Decompress every part of a .docx/.xlsx once, counting real bytes (and, with `parse_xml`,
    the XML's elements, paragraphs and worksheet extent); DocumentTooLarge past a byte or count
    limit. zipfile and OS errors are the caller's (the file is not a readable Office file)."""
    scan = OfficeScan()
    try:  # its parts counted before ZipFile builds one object per entry of the directory
        check_zip_directory(path, max_entries=rules.document_max_parts)
    except ZipDirectoryTooLarge as exc:
        raise DocumentTooLarge(str(exc), entries=exc.directory.entries, limit=exc.limit) from exc
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        scan.parts = len(infos)
        if scan.parts > rules.document_max_parts:
            raise DocumentTooLarge(
                f"文件内部有{scan.parts}个部件，超过{rules.document_max_parts}个的上限",
                parts=scan.parts,
                limit=rules.document_max_parts,
            )
        for info in infos:
            is_xml = info.filename.lower().endswith(_XML_SUFFIXES)
            cap = min(
                rules.document_max_bytes - scan.total_bytes,
                rules.document_max_xml_bytes - scan.xml_bytes if is_xml else rules.document_max_bytes,
            )
            with archive.open(info) as raw:
                reader = _Counted(raw, cap)
                try:
                    if is_xml and parse_xml:
                        sheet = SheetScan()
                        try:
                            _walk_xml(reader, scan, sheet, rules.document_max_elements)
                        except etree.XMLSyntaxError:
                            while reader.read(1 << 20):  # the real parser will say what is wrong
                                pass
                        if sheet.max_row or sheet.merged:
                            scan.sheets[info.filename] = sheet
                    else:
                        while reader.read(1 << 20):
                            pass
                except _Over:
                    _too_large(scan, rules, is_xml, reader.count)
            scan.total_bytes += reader.count
            scan.xml_bytes += reader.count if is_xml else 0
    _check_counts(scan, rules)
    return scan


def _too_large(scan: OfficeScan, rules: ContestRules, is_xml: bool, partial: int) -> None:
    if scan.elements > rules.document_max_elements * 4:
        _check_counts(scan, rules, at_least=True)
    measured = (scan.xml_bytes if is_xml else scan.total_bytes) + partial
    limit = rules.document_max_xml_bytes if is_xml else rules.document_max_bytes
    what = "文字内容（XML）" if is_xml else "内容"
    counted = (
        f"，此时已有{scan.paragraphs:,}个段落" if scan.paragraphs > rules.document_max_paragraphs else ""
    )
    raise DocumentTooLarge(
        f"解压后的{what}超过{_mb(limit)}的上限（读到{_mb(measured)}时停止{counted}）",
        bytes_at_least=measured,
        limit=limit,
        paragraphs_at_least=scan.paragraphs,
    )


def _check_counts(scan: OfficeScan, rules: ContestRules, *, at_least: bool = False) -> None:
    more = "至少" if at_least else ""
    if scan.paragraphs > rules.document_max_paragraphs:
        raise DocumentTooLarge(
            f"文档{more}有{scan.paragraphs:,}个段落，超过{rules.document_max_paragraphs:,}个的上限",
            paragraphs=scan.paragraphs,
            limit=rules.document_max_paragraphs,
        )
    if scan.elements > rules.document_max_elements:
        raise DocumentTooLarge(
            f"文档结构过于复杂（{more}{scan.elements:,}个XML元素，上限{rules.document_max_elements:,}个）",
            elements=scan.elements,
            limit=rules.document_max_elements,
        )


class OfficeUnreadable(Exception):
    """Not a readable .docx/.xlsx: `str()` is 「ExceptionName: message」 of what zipfile or the
    library raised, `kind` the exception's name."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.kind = type(cause).__name__


def open_workbook(
    path: Path, rules: ContestRules = DEFAULT_RULES, *, parse_xml: bool = True
) -> tuple[OfficeScan, Workbook]:
    """An .xlsx measured by `scan_office`, then opened read-only by openpyxl (rows are streamed:
    nothing is built for cells never asked for); the caller closes the workbook. Without
    `parse_xml` only the bytes are bounded (for a peek at the first rows)."""
    from openpyxl import load_workbook

    try:
        scan = scan_office(path, rules, parse_xml=parse_xml)
    except UNREADABLE as exc:
        raise OfficeUnreadable(exc) from exc
    try:
        return scan, load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises InvalidFileException, KeyError, lxml errors…
        raise OfficeUnreadable(exc) from exc


def sheet_extent(scan: OfficeScan, sheet: Any) -> SheetScan:
    """The cells a worksheet of an opened workbook really holds (measured, never its declared
    dimension); an empty SheetScan for a sheet without cells."""
    part = str(getattr(sheet, "_worksheet_path", "")).lstrip("/")  # openpyxl's name of the sheet's part
    return scan.sheets.get(part, SheetScan())


def open_document(path: Path, rules: ContestRules = DEFAULT_RULES) -> DocxDocument:
    """A .docx measured by `scan_office`, then read by python-docx."""
    from docx import Document

    try:
        scan_office(path, rules)
    except UNREADABLE as exc:
        raise OfficeUnreadable(exc) from exc
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises PackageNotFoundError, KeyError, lxml errors…
        raise OfficeUnreadable(exc) from exc
