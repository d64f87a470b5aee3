"""The 优秀作品名单 (notice 六「公布优秀作品名单」) as .docx and .xlsx, and a 荣誉证书 per excellent work
as PDF, from the approved list.

Public documents: titles, the submitting unit and the authors as credited, the tier; never a phone
number or any other contact. Laid out for official use: A4, 公文-style margins (GB/T 9704: 37 mm
top, 35 mm bottom, 28 mm left, 26 mm right), title in a 小标宋-like serif (Noto Serif CJK SC,
bold), tier headings in a 黑体-like sans (Noto Sans CJK SC), body in the serif (the closest
installed face to 仿宋), digits in the same face, dates as 「2026年12月6日」, table columns fitted
to their content. The certificates are one template (`_certificate`) converted by LibreOffice.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tasks.beijing_time import plain_date
from tasks.config import get_settings
from tasks.judging.rubric import TIERS
from tasks.outside import append_row, for_document, set_text
from tasks.publish.manifest import ORGANISERS
from tasks.scratch import scratch_folder

CONTEST = "「红色光影 英雄重庆」党史短视频征集展播活动"
TITLE = f"{CONTEST}优秀作品名单"
COLUMNS = ("序号", "作品名称", "报送单位", "作者", "作品类别")
ISSUER = "党史短视频展播活动筹备组"
SERIF = "Noto Serif CJK SC"  # 小标宋 / 仿宋 style
SANS = "Noto Sans CJK SC"  # 黑体 style
_NUMERALS = ("一", "二", "三", "四", "五")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ListedWork:
    title: str
    entrant: str  # the submitting unit (or the person)
    category: str
    tier: str
    authors: tuple[str, ...] = ()


def _ordered(works: Sequence[ListedWork]) -> list[ListedWork]:
    order = {tier: i for i, tier in enumerate(TIERS)}
    return sorted(works, key=lambda w: order.get(w.tier, len(order)))  # stable: rank order within a tier


def _row(index: int, work: ListedWork) -> tuple[str, ...]:
    return (str(index), f"《{work.title}》", work.entrant, "、".join(work.authors), work.category)


def display_width(text: str) -> int:
    """Pure: columns a text takes (a Chinese character two, a Latin letter or digit one)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fitted_widths(rows: Sequence[Sequence[str]], total: float, minimum: float = 1.2) -> list[float]:
    """Pure: column widths (in the unit of `total`) shared in proportion to each column's longest
    text, none under `minimum`: short columns stay narrow, the title and unit get the room."""
    needs = [max(display_width(str(row[i])) for row in rows) + 2 for i in range(len(rows[0]))]
    widths = [total * n / sum(needs) for n in needs]
    short = [i for i, w in enumerate(widths) if w < minimum]
    if short:
        rest = total - minimum * len(short)
        other = sum(needs[i] for i in range(len(needs)) if i not in short)
        widths = [minimum if i in short else rest * needs[i] / other for i in range(len(needs))]
    return widths


def _font(run: Any, face: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = face
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(0, 0, 0)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), face)


def _paragraph(
    document: Any, text: str, face: str, size: float, *, bold: bool = False, align: str = "left"
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    paragraph.paragraph_format.space_after = Pt(6)
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        _font(paragraph.add_run(for_document(line)), face, size, bold)
    return paragraph


def _a4(document: Any, margins: tuple[float, float, float, float] = (3.7, 3.5, 2.8, 2.6)) -> None:
    from docx.shared import Cm

    for section in document.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        top, bottom, left, right = margins
        section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
        section.left_margin, section.right_margin = Cm(left), Cm(right)


def write_docx(path: Path, works: Sequence[ListedWork], approved_at: datetime) -> Path:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm

    document = Document()
    _a4(document)
    _paragraph(document, TITLE, SERIF, 22, bold=True, align="center")
    ordered = _ordered(works)
    body_width = 21.0 - 2.8 - 2.6
    every = [COLUMNS, *(_row(i, w) for i, w in enumerate(ordered, 1))]
    widths = fitted_widths(every, body_width)
    groups = [t for t in TIERS if any(w.tier == t for w in ordered)]
    for number, tier in enumerate(groups):
        members = [w for w in ordered if w.tier == tier]
        _paragraph(document, f"{_NUMERALS[number]}、{tier}作品（{len(members)}件）", SANS, 16)
        table = document.add_table(rows=1, cols=len(COLUMNS))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        rows = [COLUMNS, *(_row(i, w) for i, w in enumerate(members, 1))]
        for r, values in enumerate(rows):
            cells = table.rows[0].cells if r == 0 else table.add_row().cells
            for c, (cell, value) in enumerate(zip(cells, values, strict=True)):
                cell.width = Cm(widths[c])
                cell.text = ""
                _font(
                    cell.paragraphs[0].add_run(for_document(value)),
                    SANS if r == 0 else SERIF,
                    12,
                    bold=r == 0,
                )
        for c, column in enumerate(table.columns):
            column.width = Cm(widths[c])
    _paragraph(document, f"{ISSUER}\n{plain_date(approved_at)}", SERIF, 16, align="right")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_xlsx(path: Path, works: Sequence[ListedWork]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "优秀作品名单"
    header = [*COLUMNS, "等次"]
    rows = [[*_row(i, w), w.tier] for i, w in enumerate(_ordered(works), 1)]
    set_text(sheet.cell(row=1, column=1), TITLE)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(name=SERIF, bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 42
    append_row(sheet, header)
    for row in rows:
        append_row(sheet, row)
    thin = Side(style="thin", color="000000")
    for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=len(header)):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.font = Font(name=SANS if cell.row == 2 else SERIF, bold=cell.row == 2, size=11)
            cell.alignment = Alignment(
                vertical="center", wrap_text=True, horizontal="center" if cell.column in (1, 6) else "left"
            )
    for index, width in enumerate(fitted_widths([header, *rows], 100.0, minimum=6.0), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0  # one page wide, as many pages long as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "2:2"  # the header on every printed page
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# --- 荣誉证书 -------------------------------------------------------------------------------------


def certificate_lines(work: ListedWork, awarded: datetime) -> dict[str, str]:
    """Pure: what one certificate says (the template's fields)."""
    credited = "、".join(work.authors)
    return {
        "heading": "荣誉证书",
        "work": f"《{work.title}》",
        "credits": f"报送单位：{work.entrant}" + (f"\n作者：{credited}" if credited else ""),
        "award": f"在{CONTEST}中，荣获{work.tier}作品。\n特发此证，以资鼓励。",
        "organisers": "\n".join(ORGANISERS),
        "date": plain_date(awarded),
    }


def _certificate(path: Path, fields: dict[str, str]) -> Path:
    """THE certificate template: A4 landscape, centred, the organisers and the date at the foot."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    title = _paragraph(document, fields["heading"], SERIF, 42, bold=True, align="center")
    title.paragraph_format.space_after = Pt(18)
    _paragraph(document, fields["work"], SERIF, 24, bold=True, align="center")
    _paragraph(document, fields["credits"], SERIF, 16, align="center")
    _paragraph(document, fields["award"], SERIF, 18, align="center")
    foot = _paragraph(document, f"{fields['organisers']}\n{fields['date']}", SERIF, 12, align="right")
    foot.paragraph_format.space_before = Pt(18)
    document.save(str(path))
    return path


def _slug(index: int, work: ListedWork) -> str:
    keep = "".join(ch for ch in work.title if ch.isalnum())[:30] or "作品"
    return f"荣誉证书-{index:02d}-{keep}"


def write_certificates(
    folder: Path, works: Sequence[ListedWork], awarded: datetime, timeout: float = 300.0
) -> list[Path]:
    """One PDF per listed work, rendered by LibreOffice from the one template; returns the PDFs.

    Raises RuntimeError (Chinese) when LibreOffice is missing or fails."""
    from tasks.intake.documents import libreoffice

    binary = libreoffice()
    if binary is None:
        raise RuntimeError("未安装 LibreOffice，无法生成荣誉证书PDF")
    folder.mkdir(parents=True, exist_ok=True)
    with scratch_folder(get_settings().data_dir, "certificates") as scratch:
        base = scratch.resolve()
        sources = [
            _certificate(base / f"{_slug(i, w)}.docx", certificate_lines(w, awarded))
            for i, w in enumerate(_ordered(works), 1)
        ]
        if not sources:
            return []
        cmd = [
            binary,
            f"-env:UserInstallation={(base / 'profile').as_uri()}",  # a private profile: no lock with others
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(base / "pdf"),
            *map(str, sources),
        ]
        try:
            subprocess.run(
                cmd, capture_output=True, timeout=timeout, check=True, env={**os.environ, "HOME": str(base)}
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise RuntimeError(f"LibreOffice 生成荣誉证书PDF失败（{type(exc).__name__}）") from exc
        made = []
        for source in sources:
            pdf = base / "pdf" / f"{source.stem}.pdf"
            if not pdf.is_file():
                raise RuntimeError(f"LibreOffice 没有生成 {pdf.name}")
            made.append(Path(shutil.copyfile(pdf, folder / pdf.name)))
    return made


def write_documents(folder: Path, works: Sequence[ListedWork], approved_at: datetime) -> list[Path]:
    """The 名单 (.docx, .xlsx) and the certificates (PDF, under 荣誉证书/); a LibreOffice failure
    costs only the certificates (logged), never the list."""
    paths = [
        write_docx(folder / "优秀作品名单.docx", works, approved_at),
        write_xlsx(folder / "优秀作品名单.xlsx", works),
    ]
    try:
        paths += write_certificates(folder / "荣誉证书", works, approved_at)
    except RuntimeError as exc:
        log.warning("certificates not written: %s", exc)
    return paths
