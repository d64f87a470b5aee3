"""Reading documents as text: .docx (tick symbols included), .txt in any Chinese encoding, legacy .doc.

A legacy .doc is converted to .docx with LibreOffice headless when it is installed; without it the
caller records a finding (`convert_doc` returns None).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from docx.oxml.ns import qn

from tasks.chinese_bytes import decode_chinese
from tasks.config import get_settings
from tasks.office import open_document
from tasks.rules import DEFAULT_RULES, ContestRules
from tasks.scratch import scratch_folder

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


def docx_text(path: Path, rules: ContestRules = DEFAULT_RULES) -> str:
    """All text of a .docx in document order (paragraphs and table cells, one per line); bounded by
    `rules` (DocumentTooLarge) before python-docx reads it (tasks.office)."""
    body = open_document(path, rules).element.body
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
