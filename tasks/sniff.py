"""What a file is by its bytes, never by its name: the one magic-byte sniffer of the project.

The signatures are puremagic's (a maintained, pure-Python table); this module maps its answers onto
the few kinds the pipeline acts on and adds what a signature table cannot tell: which Office format a
zip holds (by its entries), an MPEG transport stream (sync bytes every 188), text versus binary.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import puremagic

HEAD_BYTES = 512
# The first box of an MP4/MOV (QuickTime files may start with wide/free/skip/mdat/pnot or a uuid box).
BMFF_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"})
ARCHIVE_KINDS = frozenset({"zip", "7z", "rar"})
OFFICE_KINDS = frozenset({"docx", "xlsx", "pptx"})

# puremagic's extension → our kind. Anything else it names (.xml, .ini, …) is decided as text/binary.
_KIND_BY_EXTENSION = {
    ".mp4": "video",
    ".mov": "video",
    ".m4v": "video",
    ".3gp": "video",
    ".mpg": "video",
    ".vob": "video",
    ".webm": "video",
    ".mkv": "video",
    ".flv": "video",
    ".wmv": "video",
    ".asf": "video",
    ".avi": "video",
    ".pdf": "pdf",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jfif": "jpeg",
    ".png": "png",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".bmp": "bmp",
    ".gif": "gif",
    ".heif": "heic",
    ".heic": "heic",
    ".7z": "7z",
    ".rar": "rar",
    ".doc": "ole",
    ".xls": "ole",
    ".docx": "zip",  # the zip signature: office_kind() looks inside
    ".xlsx": "zip",
    ".pptx": "zip",
    ".zip": "zip",
}
_MIME_KINDS = {"application/x-matroska": "video"}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def looks_like_bmff(head: bytes) -> bool:
    """The first box is one an MP4/MOV starts with."""
    return len(head) >= 8 and head[4:8] in BMFF_FIRST_BOXES


def office_kind(names: set[str] | list[str]) -> str | None:
    """'docx', 'xlsx' or 'pptx' from a zip's entry names, None for a plain zip. The main part decides;
    [Content_Types].xml with a word/, xl/ or ppt/ folder is enough for a damaged one."""
    entries = set(names)
    if "word/document.xml" in entries:
        return "docx"
    if "xl/workbook.xml" in entries:
        return "xlsx"
    if "ppt/presentation.xml" in entries:
        return "pptx"
    if "[Content_Types].xml" in entries:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in entries):
                return kind
    return None


def zip_office_kind(path: Path) -> str | None:
    """office_kind() of a zip on disk; None when it is not a readable zip or a plain one (or one
    whose directory is too large to read: the archive reader refuses it with a finding)."""
    from tasks.zipdir import ZipDirectoryTooLarge, check_zip_directory

    try:
        check_zip_directory(path)
        with zipfile.ZipFile(path) as archive:
            return office_kind(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, ZipDirectoryTooLarge):
        return None


def sniff_head(head: bytes) -> str:
    """The kind the first bytes tell: video, pdf, jpeg, png, tiff, bmp, gif, heic, 7z, rar, ole, zip,
    text, binary or empty (a zip is not looked into here: see sniff())."""
    if not head:
        return "empty"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "heic"
    if looks_like_bmff(head):
        return "video"
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return "video"  # MPEG transport stream
    if head[:4] in _ZIP_MAGIC:
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"  # legacy .doc/.xls
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for match in matches:
        kind = _KIND_BY_EXTENSION.get(match.extension) or _MIME_KINDS.get(match.mime_type)
        if kind:
            return kind
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (b"\x00" not in head and _reads_as_text(head)):
        return "text"
    return "binary"


def _reads_as_text(head: bytes) -> bool:
    """Whether the first bytes are UTF-8 or GB18030 (which Big5 text also is, byte for byte), a last
    character cut by the head allowed. "No NUL byte" alone is not enough: one random 512-byte head in
    seven has none, and a damaged video would be taken for a 文稿."""
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff(path: Path) -> str:
    """The file's kind by content: sniff_head()'s kinds, with a zip told apart as docx, xlsx, pptx or
    zip; 'unreadable' when it cannot be opened."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return "unreadable"
    kind = sniff_head(head)
    if kind == "zip":
        return zip_office_kind(path) or "zip"
    return kind


def archive_kind(path: Path) -> str | None:
    """'zip', '7z' or 'rar' by content (an Office document is a zip but not an archive), else None."""
    kind = sniff(path)
    return kind if kind in ARCHIVE_KINDS else None
