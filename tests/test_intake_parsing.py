"""Names, durations, forms (from the real templates, filled as people fill them), Netdisk texts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl import Workbook

from samples.packages import INTRO, good_form, summary_row
from tasks.intake.checks import phone_ok
from tasks.intake.classify import classify, is_junk, sniff
from tasks.intake.forms import parse_registration_form, parse_summary_table, read_ticks
from tasks.intake.naming import parse_package_name, split_episode
from tasks.intake.netdisk import find_links
from tasks.intake.templates import (
    write_registration_form,
    write_summary_table,
    write_summary_xlsx,
    write_templates,
)
from tasks.intake.text import char_count, parse_duration
from tasks.rules import SHANGHAI


@pytest.mark.parametrize(
    ("name", "submitter", "unit", "title", "episode"),
    [
        ("张明（江北区融媒体中心）+山城记忆.zip", "张明", "江北区融媒体中心", "山城记忆", None),
        ("重庆红岩革命历史博物馆＋红岩魂.7z", "重庆红岩革命历史博物馆", None, "红岩魂", None),
        ("李华(重庆大学)+《江姐》（第２集）.MP4", "李华", "重庆大学", "江姐", 2),
        ("渝中区委党校+歌乐山下 第三集.mov", "渝中区委党校", None, "歌乐山下", 3),
        ("渝中区委党校+歌乐山下01.mp4", "渝中区委党校", None, "歌乐山下", 1),
        ("渝中区委党校+重庆1949.mp4", "渝中区委党校", None, "重庆1949", None),
    ],
)
def test_package_names_in_the_notice_convention(name, submitter, unit, title, episode) -> None:
    parsed = parse_package_name(name)
    assert parsed.ok, parsed.problem
    assert (parsed.submitter, parsed.unit, parsed.title, parsed.episode) == (submitter, unit, title, episode)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("红岩魂.zip", "缺少“+”"),
        ("+红岩魂.zip", "前缺少报送人"),
        ("张明（江北区+红岩魂", "缺少“+”"),
        ("张明+.zip", "后缺少作品名称"),
    ],
)
def test_names_off_the_convention_say_why(name: str, problem: str) -> None:
    parsed = parse_package_name(name)
    assert not parsed.ok and problem in (parsed.problem or "")


def test_episode_words() -> None:
    assert split_episode("红岩魂（上）") == ("红岩魂", 1)
    assert split_episode("红岩魂 EP03") == ("红岩魂", 3)
    assert split_episode("红岩魂") == ("红岩魂", None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3分20秒", 200),
        ("03:20", 200),
        ("200秒", 200),
        ("３分２０秒", 200),
        ("三分二十秒", 200),
        ("3′20″", 200),
        ("0:03:20", 200),
        ("约4分钟", 240),
        ("时长：2分05秒（共3集）", 125),
        ("200", None),
        ("", None),
    ],
)
def test_durations_as_people_type_them(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_character_count_ignores_whitespace() -> None:
    assert char_count("红岩 精神\n永存") == 6


def test_ticks_in_every_style() -> None:
    assert read_ticks("☑已播出\n□未播出") == ["已播出"]
    assert read_ticks("□已播出  ■未播出") == ["未播出"]
    assert read_ticks("已播出√\n未播出") == ["已播出"]
    assert read_ticks("(√)未播出\n( )已播出") == ["未播出"]
    assert read_ticks("未播出") == ["未播出"]  # the other option deleted
    assert read_ticks("□已播出\n□未播出") == []
    assert read_ticks("☑已播出 ☑未播出") == ["已播出", "未播出"]


def test_blank_templates_are_faithful_and_parse_empty(tmp_path: Path) -> None:
    paths = write_templates(tmp_path)
    assert [p.name for p in paths] == [
        "附件1：作品登记表.docx",
        "附件2：版权承诺书.docx",
        "附件3：作品汇总表.docx",
    ]
    form_text = "\n".join(p.text for p in Document(str(paths[0])).paragraphs)
    assert "征集展播活动作品登记表" in form_text and "本表格单页打印，不加页。" in form_text
    cells = {c.text for row in Document(str(paths[0])).tables[0].rows for c in row.cells}
    assert {
        "作品名称",
        "作品时长",
        "参赛主体",
        "播出情况",
        "联系人",
        "联系电话",
        "作品创作团队情况（100字以内）",
    } <= cells
    assert "单位（名称）:" in cells and "个人（姓名）及单位:" in cells
    pledge = "\n".join(p.text for p in Document(str(paths[1])).paragraphs)
    assert "版权承诺书" in pledge and "承诺单位/人：" in pledge and "（盖章/签字）" in pledge
    header = [c.text for c in Document(str(paths[2])).tables[0].rows[0].cells]
    assert header == ["序号", "作品名称", "时长", "作者", "单位", "播出情况"]
    blank = parse_registration_form(paths[0])
    assert blank.title == "" and blank.broadcast is None and blank.team == "" and blank.intro == ""
    assert parse_summary_table(paths[2]) == []


def test_filled_registration_form_individual(tmp_path: Path) -> None:
    form = good_form(duration="３分２０秒", phone="138 9606 8058")
    parsed = parse_registration_form(write_registration_form(tmp_path / "f.docx", form, tick="■"))
    assert parsed.title == "红岩家书" and parsed.duration_seconds == 200
    assert parsed.entrant_type == "individual"
    assert (parsed.person_name, parsed.person_unit) == ("张明", "江北区融媒体中心")
    assert parsed.broadcast == "未播出" and parsed.contact == "张明"
    assert parsed.intro == INTRO and parsed.team.startswith("导演")
    assert phone_ok(parsed.phone)


def test_filled_registration_form_unit_aired_with_link(tmp_path: Path) -> None:
    form = good_form(
        person_name="",
        person_unit="",
        unit_name="重庆红岩革命历史博物馆",
        broadcast="已播出",
        platform="华龙网\nhttps://www.cqnews.net/html/2026-07/01/content_1.html",
        duration="03:20",
    )
    parsed = parse_registration_form(write_registration_form(tmp_path / "f.docx", form, tick="√"))
    assert parsed.entrant_type == "unit" and parsed.submitter == "重庆红岩革命历史博物馆"
    assert parsed.broadcast == "已播出"
    assert parsed.links == ["https://www.cqnews.net/html/2026-07/01/content_1.html"]


def _wingdings_tick(path: Path) -> None:
    """Replace the typed ☑ with Word's Insert ▸ Symbol (Wingdings F0FE), as many people do."""
    document = Document(str(path))
    for t in document.element.body.iter(qn("w:t")):
        if t.text and t.text.startswith("☑"):
            t.text = t.text[1:]
            run = t.getparent()
            sym = OxmlElement("w:sym")
            sym.set(qn("w:font"), "Wingdings")
            sym.set(qn("w:char"), "F0FE")
            run.insert(run.index(t), sym)
    document.save(str(path))


def test_layouts_people_produce(tmp_path: Path) -> None:
    """Wingdings ticks, extra blank rows, the hint left in front of the answer, label and value in one cell."""
    path = write_registration_form(
        tmp_path / "f.docx", good_form(broadcast="已播出", platform="央视频 https://w.yangshipin.cn/v/1")
    )
    _wingdings_tick(path)
    document = Document(str(path))
    table = document.tables[0]
    table.add_row()  # an empty row at the end
    intro_cell = table.rows[6].cells[1]
    intro_cell.paragraphs[0].runs[0].text = (
        "含作品基本信息、核心内容、创作背景、艺术特色、社会影响等简要介绍。" + INTRO
    )
    contact = table.rows[4].cells[0]
    contact.paragraphs[0].runs[0].text = "联系人：左老师"
    table.rows[4].cells[1].paragraphs[0].runs[0].text = ""
    document.save(str(path))
    parsed = parse_registration_form(path)
    assert parsed.broadcast == "已播出"
    assert parsed.intro == INTRO
    assert parsed.contact == "左老师"


def test_summary_table_docx_and_xlsx(tmp_path: Path) -> None:
    form = good_form()
    docx_rows = parse_summary_table(
        write_summary_table(
            tmp_path / "s.docx",
            [summary_row(form), summary_row(form, index="２", title="山城记忆", duration="200秒")],
        )
    )
    assert [(r.index, r.title, r.duration_seconds, r.author, r.unit) for r in docx_rows] == [
        ("1", "红岩家书", 2, "张明", "江北区融媒体中心"),
        ("2", "山城记忆", 200, "张明", "江北区融媒体中心"),
    ]
    xlsx_rows = parse_summary_table(
        write_summary_xlsx(tmp_path / "s.xlsx", [summary_row(form, duration="3分20秒")])
    )
    assert xlsx_rows[0].title == "红岩家书" and xlsx_rows[0].duration_seconds == 200


def test_summary_xlsx_with_merged_cells_and_excel_times(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["作品汇总表"])
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(["序号", "作品名称", "时长", "作者", "单位", "播出情况"])
    sheet.append([1, "红岩魂", time(0, 3, 20), "张明", "江北区融媒体中心", "未播出"])
    sheet.append([2, "江姐", timedelta(minutes=4, seconds=5), "李华", None, "未播出"])
    sheet.merge_cells("E4:E5")  # one unit for both rows
    sheet.append([3, "歌乐山下", 200 / 86400, "王强", "渝中区委党校", "https://x.cn/v"])
    sheet["C6"].number_format = "mm:ss"
    workbook.save(tmp_path / "s.xlsx")
    rows = parse_summary_table(tmp_path / "s.xlsx")
    assert [(r.title, r.duration_seconds, r.unit) for r in rows] == [
        ("红岩魂", 200, "江北区融媒体中心"),
        ("江姐", 245, "江北区融媒体中心"),
        ("歌乐山下", 200, "渝中区委党校"),
    ]


def test_netdisk_links_codes_and_validity() -> None:
    sent = datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI)
    text = (
        "作品视频较大，已上传百度网盘。\n链接：https://pan.baidu.com/s/1Xy-AbCdEf 提取码：a1b2 有效期：7天\n"
        "第二集：pan.baidu.com/s/1ZzZz?pwd=k9k9（永久有效）\n"
        "第三集 https://pan.baidu.com/s/1Qq 有效期至2026年12月20日 密码 7788"
    )
    first, second, third = find_links(text, sent)
    assert (first.url, first.code, first.valid_days) == ("https://pan.baidu.com/s/1Xy-AbCdEf", "a1b2", 7)
    assert first.expires_at == sent + timedelta(days=7)
    assert (second.code, second.permanent, second.expires_at) == ("k9k9", True, None)
    assert third.code == "7788" and third.expires_at is not None and third.expires_at.day == 20


def test_phone_numbers() -> None:
    assert phone_ok("13896068058") and phone_ok("+86 138-9606-8058") and phone_ok("023-63899123")
    assert phone_ok("（023）63899123") and phone_ok("１３８９６０６８０５８")
    assert not phone_ok("123") and not phone_ok("1389606805")


def test_classification_by_content_and_name(tmp_path: Path) -> None:
    form_path = write_registration_form(tmp_path / "随便起的名字.docx", good_form())
    summary_path = write_summary_table(tmp_path / "list.docx", [summary_row(good_form())])
    script = tmp_path / "红岩家书.docx"
    document = Document()
    document.add_paragraph("旁白：1949年的重庆……")
    document.save(str(script))
    video = tmp_path / "VIDEO.MOV"
    video.write_bytes(b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 64)
    assert classify(form_path, form_path.name).role == "registration_form"
    assert classify(summary_path, summary_path.name).role == "summary_table"
    assert classify(script, script.name).role == "script"
    assert classify(video, video.name).role == "video" and sniff(video) == "video"
    assert (
        is_junk("__MACOSX/a/._b.docx")
        and is_junk("x/Thumbs.db")
        and is_junk(".DS_Store")
        and is_junk("~$登记表.docx")
    )
    assert not is_junk("张明+红岩/登记表.docx")
