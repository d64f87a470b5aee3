"""Reading documents as text: .docx (tick symbols included), .txt in any Chinese encoding, legacy .doc.

A legacy .doc is converted to .docx with LibreOffice headless when it is installed; without it the
caller records a finding (`convert_doc` returns None).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from tasks.chinese_bytes import decode_chinese
from tasks.config import get_settings
from tasks.rules import DEFAULT_RULES, ContestRules
from tasks.scratch import scratch_folder
from tasks.zipdir import ZipDirectoryTooLarge, check_zip_directory

# Wingdings/Webdings code points that people tick boxes with (Insert ▸ Symbol in Word).
SYMBOL_CHARS = {
    "F0FE": "☑",  # Wingdings checked box
    "F0FD": "☒",
    "F078": "☒",
    "F0FC": "√",  # Wingdings check mark
    "F0FB": "☒",
    "F052": "☑",  # Wingdings 2 checked box
    "F050": "√",
    "F06E": "■",
    "F0A8": "□",  # empty box
    "F0A3": "□",
    "F06F": "□",
    "F0A1": "○",
}


def element_text(element) -> str:
    """Text of a paragraph, cell or body element: w:t, w:sym (as Unicode), tabs and breaks."""
    parts: list[str] = []
    t, sym, tab, br, cr, p = qn("w:t"), qn("w:sym"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
    for node in element.iter():
        tag = node.tag
        if tag == t:
            parts.append(node.text or "")
        elif tag == sym:
            code = (node.get(qn("w:char")) or "").upper()
            parts.append(SYMBOL_CHARS.get(code, ""))
        elif tag == tab:
            parts.append("\t")
        elif tag in (br, cr) or (tag == p and parts and not parts[-1].endswith("\n")):
            parts.append("\n")
    return "".join(parts).strip()


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


def docx_text(path: Path, rules: ContestRules = DEFAULT_RULES) -> str:
    """All text of a .docx in document order (paragraphs and table cells, one per line); bounded by
    `rules` (DocumentTooLarge) before python-docx reads it."""
    scan_office(path, rules)
    document = Document(str(path))
    body = document.element.body
    lines: list[str] = []
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(element_text(child))
        elif child.tag == qn("w:tbl"):
            for tc in child.iter(qn("w:tc")):
                lines.append(element_text(tc))
    return "\n".join(line for line in lines if line)[: rules.document_max_text_chars]


def decode_text(data: bytes) -> str:
    """Bytes of a .txt from a Chinese Windows or a Mac (tasks.chinese_bytes decides the encoding)."""
    return decode_chinese(data)


def read_text_file(path: Path, limit: int = 2 * 1024 * 1024) -> str:
    with path.open("rb") as handle:
        return decode_text(handle.read(limit))


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_doc(path: Path, out_dir: Path, timeout: float = 180.0) -> Path | None:
    """A legacy Word .doc as .docx via LibreOffice headless; None when LibreOffice is missing or fails."""
    binary = libreoffice()
    if binary is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    # A private profile: a concurrent desktop LibreOffice (or another worker) would block a shared one.
    with scratch_folder(get_settings().data_dir, "libreoffice") as scratch:
        profile = scratch.resolve()
        source = profile / ("input" + path.suffix.lower())
        shutil.copyfile(path, source)
        cmd = [
            binary,
            f"-env:UserInstallation={(profile / 'user').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(profile)}
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=True, env=env)
        except (subprocess.SubprocessError, OSError):
            return None
    converted = out_dir / "input.docx"
    if not converted.is_file():
        return None
    final = out_dir / (path.stem + ".docx")
    converted.replace(final)
    return final
