"""Builders of hostile inputs (the red-team probes): forged Office files, clips that lie about their
duration, XMP boxes, MIME nested thousands deep, zips whose directory is a million entries, tables
with one far cell, rosters and approval lists far beyond any real one.

Shared by the tests and by bench/hostile.py (which does not import from tests/): each builder is
small and writes the bytes directly where a library would take minutes or build what it describes.
"""

from __future__ import annotations

import re
import shutil
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook

from tasks.aigc.boxes import XMP_UUID
from tasks.intake.forms import RegistrationForm
from tasks.intake.templates import write_registration_form

SUMMARY_HEADER = ["序号", "作品名称", "时长", "作者", "单位", "播出情况"]
ROSTER_HEADER = ["姓名", "单位", "专长", "最大评审数", "联系方式"]
# A file name of 122 characters, 365 bytes in UTF-8: longer than most file systems allow.
LONG_NAME = "张明（江北区融媒体中心）+" + "红岩家书" * 27 + "最终版.docx"


# --- Office files


def rewrite_part(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """Replace one part of a zip (an Office file) by `change(old bytes)`."""
    source = path.with_suffix(".orig")
    shutil.move(path, source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, change(data) if info.filename == member else data)
    source.unlink()
    return path


def merged_xlsx(path: Path, ref: str = "A10:XFD1048576", *, header: bool = True) -> Path:
    """A few KB: one header, one work, and one merged range (written into the XML: openpyxl itself
    would build every cell of it)."""
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(SUMMARY_HEADER)
        sheet.append([1, "红岩家书", "3分20秒", "张明", "江北区融媒体中心", "未播出"])
    else:
        sheet.append(["素材", "来源"])
    workbook.save(path)
    merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode()
    return rewrite_part(
        path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + merge)
    )


def many_paragraphs_docx(path: Path, paragraphs: int, form: RegistrationForm) -> Path:
    """A real 登记表 whose body also holds `paragraphs` empty paragraphs (compresses to almost nothing)."""
    write_registration_form(path, form)
    filler = b"<w:p/>" * paragraphs
    return rewrite_part(
        path, "word/document.xml", lambda xml: re.sub(rb"(<w:body>)", rb"\1" + filler, xml, count=1)
    )


def far_cell_xlsx(
    path: Path, header: Sequence[object], rows: Sequence[Sequence[object]] = (), cell: str = "XFD1048576"
) -> Path:
    """A 5 KB workbook: a header, a few rows and one cell at `cell` (a reader that trusts the
    extent builds every cell up to it: 17 billion for XFD1048576)."""
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    book.active[cell] = "x"
    book.save(path)
    return path


# --- zips


def many_members_zip(path: Path, members: int) -> Path:
    """A zip of `members` empty members, its central directory written directly (zipfile would take
    minutes): what ZipFile() lists entry by entry before anything can be asked of it. Every entry
    points at the one local header, so a million members take about 50 MB, as in the probe."""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"0"
    central, offset = bytearray(), len(local)
    for index in range(members):
        name = f"{index}".encode()
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0
        )
        central += name
    count = min(members, 0xFFFF)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), offset, 0)
    if members > 0xFFFF:  # zip64: the end record says 0xFFFF, the zip64 record the real count
        zip64 = struct.pack(
            "<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, members, members, len(central), offset
        )
        locator = struct.pack("<IIQI", 0x07064B50, 0, offset + len(central), 1)
        tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
        end = zip64 + locator + tail
    path.write_bytes(bytes(local + central + end))
    return path


# --- media


def forge_duration(source: Path, target: Path, seconds: float, *, movie_timescale: int | None = None) -> Path:
    """Copy `source` with the duration of mvhd and every mdhd set to `seconds` (as far as 32 bits
    go; mvhd's timescale set to `movie_timescale`): the sample tables, and so the real stream,
    stay as they were."""
    data = bytearray(source.read_bytes())
    containers = {b"moov", b"trak", b"mdia"}

    def walk(start: int, end: int) -> None:
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos : pos + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
            elif size == 0:
                size = end - pos
            if kind in containers:
                walk(pos + header, pos + size)
            elif kind in (b"mvhd", b"mdhd"):
                body = pos + header
                wide = data[body] == 1  # version 1: 64-bit times
                scale_at = body + (20 if wide else 12)
                duration_at, form = scale_at + 4, ">Q" if wide else ">I"
                if kind == b"mvhd" and movie_timescale is not None:
                    struct.pack_into(">I", data, scale_at, movie_timescale)
                scale = struct.unpack(">I", data[scale_at : scale_at + 4])[0]
                struct.pack_into(form, data, duration_at, min(round(seconds * scale), 0xFFFFFFFF))
            pos += size

    walk(0, len(data))
    target.write_bytes(bytes(data))
    return target


def xmp_packet(description_xml: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{description_xml}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def append_top_level_box(source: Path, target: Path, kind: bytes, payload: bytes, uuid: bytes = b"") -> Path:
    """Copy `source` with one more top-level box at the end (media offsets stay valid)."""
    body = uuid + payload
    box = struct.pack(">I4s", 8 + len(body), kind) + body
    target.write_bytes(source.read_bytes() + box)
    return target


def append_xmp(source: Path, target: Path, description_xml: str) -> Path:
    return append_top_level_box(source, target, b"uuid", xmp_packet(description_xml), XMP_UUID)


# --- e-mail


def nested_mime(message_id: str, subject: str, depth: int, date: str) -> bytes:
    """MIME nested `depth` levels deep: Python's e-mail parser recurses once per level."""
    head = f"Message-ID: {message_id}\r\nSubject: {subject}\r\nDate: {date}\r\n"
    body = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth))
    body += "Content-Type: text/plain\r\n\r\nhi\r\n" + "".join(
        f"--b{i}--\r\n" for i in reversed(range(depth))
    )
    return (head + "MIME-Version: 1.0\r\n" + body).encode()
