"""Reading documents as text: .docx (tick symbols included), .txt in any Chinese encoding, legacy .doc.

A legacy .doc is converted to .docx with LibreOffice headless when it is installed; without it the
caller records a finding (`convert_doc` returns None).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

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


def element_text(element) -> str:  # type: ignore[no-untyped-def]
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


def docx_text(path: Path) -> str:
    """All text of a .docx in document order (paragraphs and table cells, one per line)."""
    document = Document(str(path))
    body = document.element.body
    lines: list[str] = []
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(element_text(child))
        elif child.tag == qn("w:tbl"):
            for tc in child.iter(qn("w:tc")):
                lines.append(element_text(tc))
    return "\n".join(line for line in lines if line)


def decode_text(data: bytes) -> str:
    """Bytes of a .txt from a Chinese Windows or a Mac: BOMs, UTF-8, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


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
    with tempfile.TemporaryDirectory(prefix="guangying-lo-") as profile:
        source = Path(profile) / ("input" + path.suffix.lower())
        shutil.copyfile(path, source)
        cmd = [
            binary,
            f"-env:UserInstallation=file://{profile}/user",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": profile}
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
