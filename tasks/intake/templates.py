"""附件1 作品登记表, 附件2 版权承诺书 and 附件3 作品汇总表 as .docx, faithful to the notice.

`guangying templates DIR` writes the blank forms; the demo and the tests fill the same builders with
values, so the parser is exercised on exactly what submitters download.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from tasks.intake.forms import INTRO_HINT, TEAM_HINT, RegistrationForm, SummaryRow
from tasks.outside import append_row

TITLE_LINE_1 = "“红色光影 英雄重庆”党史短视频"
FORM_TITLE = "征集展播活动作品登记表"
PLEDGE_TITLE = "征集展播活动版权承诺书"
SUMMARY_TITLE = "征集展播活动作品汇总表"
SUMMARY_HEADER = ("序号", "作品名称", "时长", "作者", "单位", "播出情况")
SUMMARY_NOTE = "说明：播出情况指作品是否播出。已播出的作品填写播放量最大的“播出平台及链接”；尚未播出的作品，填写“未播出”。"
PLEDGE_PARAGRAPHS = (
    "本单位/本人保证具有签署本承诺书并履行相应义务的权利。",
    "本单位/本人保证对授权作品合法拥有完整著作权，包括但不限于修改权、保护作品完整权、复制权、展览权、信息网络传播权、"
    "广播权、翻译权等其他应当由著作权人享有的其他权利。",
    "本单位/本人同意授权活动主办方完全自主地对授权作品进行多种形式的宣传与推广。",
    "本单位/本人保证所有授权作品的版权和内容不违反法律法规、不侵犯任何第三方的版权以及其他合法权利，对因授权作品的内容、"
    "权利瑕疵等引发的争议纠纷、行政处罚或诉讼等承担全部法律责任。",
    "本单位/本人保证所有授权作品的相关信息真实有效。",
    "本单位/本人确认本承诺书自签署之日起生效。",
)
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
LABEL_FONT = "黑体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(
    document, text: str, *, font: str = BODY_FONT, size: float = 16, center: bool = False, bold: bool = False
):
    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _new_document() -> DocxDocument:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    return document


def _heading(document, attachment: str, second_line: str) -> None:
    _paragraph(document, attachment, font=LABEL_FONT, size=16)
    _paragraph(document, TITLE_LINE_1, font=TITLE_FONT, size=22, center=True)
    _paragraph(document, second_line, font=TITLE_FONT, size=22, center=True)


def _set_cell(cell, text: str, *, label: bool = False, size: float = 12) -> None:
    """Replace the cell's text; each line of `text` becomes a paragraph (as Word's Enter does)."""
    lines = text.split("\n")
    first = cell.paragraphs[0]
    for run in list(first.runs):
        run._element.getparent().remove(run._element)
    for extra in cell.paragraphs[1:]:
        extra._element.getparent().remove(extra._element)
    for index, line in enumerate(lines):
        paragraph = first if index == 0 else cell.add_paragraph()
        if label:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(line), LABEL_FONT if label else BODY_FONT, size)


def _broadcast_cell(broadcast: str | None, tick: str) -> str:
    aired = tick if broadcast == "已播出" else "□"
    not_aired = tick if broadcast == "未播出" else "□"
    return f"{aired}已播出\n\n{not_aired}未播出"


def write_registration_form(path: Path, form: RegistrationForm | None = None, *, tick: str = "☑") -> Path:
    """附件1; blank (with the notice's grey hints) when `form` is None, else filled in as a person would."""
    form = form or RegistrationForm()
    document = _new_document()
    _heading(document, "附件1", FORM_TITLE)
    table = document.add_table(rows=7, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, width in ((0, 3.2), (1, 4.6), (2, 2.8), (3, 4.8)):
        for cell in table.columns[row].cells:
            cell.width = Cm(width)
    entrant = table.cell(1, 0).merge(table.cell(2, 0))
    unit_cell = table.cell(1, 1).merge(table.cell(1, 3))
    person_cell = table.cell(2, 1).merge(table.cell(2, 3))
    team_cell = table.cell(5, 1).merge(table.cell(5, 3))
    intro_cell = table.cell(6, 1).merge(table.cell(6, 3))
    _set_cell(table.cell(0, 0), "作品名称", label=True)
    _set_cell(table.cell(0, 1), form.title)
    _set_cell(table.cell(0, 2), "作品时长", label=True)
    _set_cell(table.cell(0, 3), form.duration)
    _set_cell(entrant, "参赛主体", label=True)
    _set_cell(unit_cell, f"单位（名称）:{form.unit_name}")
    person = form.person_name + (f"（{form.person_unit}）" if form.person_unit else "")
    _set_cell(person_cell, f"个人（姓名）及单位:{person}")
    _set_cell(table.cell(3, 0), "播出情况", label=True)
    _set_cell(table.cell(3, 1), _broadcast_cell(form.broadcast, tick))
    _set_cell(table.cell(3, 2), "播出平台\n及链接", label=True)
    _set_cell(table.cell(3, 3), form.platform)
    _set_cell(table.cell(4, 0), "联系人", label=True)
    _set_cell(table.cell(4, 1), form.contact)
    _set_cell(table.cell(4, 2), "联系电话", label=True)
    _set_cell(table.cell(4, 3), form.phone)
    _set_cell(table.cell(5, 0), "作品创作团队情况（100字以内）", label=True)
    _set_cell(team_cell, form.team or TEAM_HINT)
    _set_cell(table.cell(6, 0), "作品简介\n（150字以内）", label=True)
    _set_cell(intro_cell, form.intro or INTRO_HINT)
    _paragraph(document, "本表格单页打印，不加页。", size=12)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_pledge(path: Path, *, work_title: str = "", signer: str = "", phone: str = "") -> Path:
    """附件2 版权承诺书 (to print, sign or stamp, and scan)."""
    document = _new_document()
    _heading(document, "附件2", PLEDGE_TITLE)
    blank = f"《{work_title}》" if work_title else "       "
    _paragraph(
        document,
        "本单位/本人就授权给“红色光影 英雄重庆”党史短视频征集展播活动的参评作品（以下简称“授权作品”）"
        f"{blank}的版权和内容承诺如下：",
    )
    for text in PLEDGE_PARAGRAPHS:
        _paragraph(document, text)
    _paragraph(document, "")
    _paragraph(document, f"承诺单位/人：{signer}")
    _paragraph(document, f"联系电话：{phone}")
    _paragraph(document, "（盖章/签字）:")
    _paragraph(document, "")
    _paragraph(document, "年    月   日")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_summary_table(path: Path, rows: Sequence[SummaryRow] = (), *, blank_rows: int = 2) -> Path:
    """附件3 作品汇总表 (.docx): the header, the given rows, `blank_rows` empty rows, the 说明."""
    document = _new_document()
    _heading(document, "附件3", SUMMARY_TITLE)
    table = document.add_table(rows=1 + len(rows) + blank_rows, cols=len(SUMMARY_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, label in enumerate(SUMMARY_HEADER):
        _set_cell(table.cell(0, col), label, label=True)
    for r, row in enumerate(rows, start=1):
        values = (row.index, row.title, row.duration, row.author, row.unit, row.broadcast)
        for col, value in enumerate(values):
            _set_cell(table.cell(r, col), value)
    _paragraph(document, SUMMARY_NOTE, size=12)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_summary_xlsx(path: Path, rows: Sequence[SummaryRow]) -> Path:
    """附件3 as a spreadsheet (many units keep the list in Excel): a merged title row, then the table."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "作品汇总表"
    append_row(sheet, [TITLE_LINE_1 + SUMMARY_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SUMMARY_HEADER))
    append_row(sheet, list(SUMMARY_HEADER))
    for row in rows:
        append_row(sheet, [row.index, row.title, row.duration, row.author, row.unit, row.broadcast])
    append_row(sheet, [])
    append_row(sheet, [SUMMARY_NOTE])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_templates(folder: Path) -> list[Path]:
    """The three blank attachments, named as in the notice."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_registration_form(folder / "附件1：作品登记表.docx"),
        write_pledge(folder / "附件2：版权承诺书.docx"),
        write_summary_table(folder / "附件3：作品汇总表.docx"),
    ]
