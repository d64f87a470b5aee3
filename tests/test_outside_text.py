"""Text from outside: one identity normal form, one escaper per sink, one contact scrubber."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tasks.judging.units import same_unit
from tasks.outside import (
    CONTACT_PLACEHOLDER,
    SheetFormula,
    append_row,
    duplicate_identities,
    find_contacts,
    for_html,
    for_markdown,
    for_sheet,
    for_terminal,
    identity,
    same_identity,
    scrub_contacts,
    set_text,
)

RLO, PDF = "\u202e", "\u202c"
JIANGBEI = "江北区融媒体中心"


# The red-team probe's spellings of one person (issue 18).
@pytest.mark.parametrize(
    "spelling",
    [
        "张　明",
        "张 明",
        "张\u00a0明",
        "张\u200b明",
        "张\u200d明",
        "\ufeff张明",
        "张\u2060明",
        "张\u00ad明",
        "张明。",
    ],
)
def test_every_probe_spelling_of_a_chinese_name_is_one_identity(spelling: str) -> None:
    assert identity(spelling) == identity("张明") == "张明"


@pytest.mark.parametrize("spelling", ["Ｌｉ Ｍｉｎｇ", "li  ming", "LI MING", "Li\u00a0Ming", " Li Ming. "])
def test_latin_names_fold_width_case_and_spaces(spelling: str) -> None:
    assert identity(spelling) == "li ming"


def test_latin_names_keep_the_word_boundary() -> None:
    assert identity("Li Ming") != identity("Lim Ing")


def test_a_unit_typed_reversed_inside_an_override_is_compared_as_displayed() -> None:
    disguised = RLO + JIANGBEI[::-1] + PDF
    assert disguised != JIANGBEI
    assert identity(disguised) == identity(JIANGBEI)


@pytest.mark.parametrize("junk", ["\u200b", "\u200d", "\u00ad", "\ufeff", "\u2060"])
def test_the_unit_check_sees_through_invisible_characters(junk: str) -> None:
    assert same_unit(JIANGBEI[:3] + junk + JIANGBEI[3:], JIANGBEI)
    assert same_unit(RLO + JIANGBEI[::-1] + PDF, JIANGBEI)


def test_a_roster_with_one_person_twice_is_found_with_both_rows() -> None:
    roster = ["张三", "李四", "张三\u200b", "王芳", "王\u00a0芳", "赵敏", "赵敏."]
    groups = {group.identity: group.positions for group in duplicate_identities(roster)}
    assert groups == {"张三": (0, 2), "王芳": (3, 4), "赵敏": (5, 6)}


def test_same_identity_never_matches_empty_names() -> None:
    assert not same_identity("", "\u200b")
    assert same_identity("张　明", "张明")


# --- escapers


def test_terminal_escaper_shows_escape_sequences_and_bidi_visibly() -> None:
    shown = for_terminal("标题\x1b[2J\x07\u202e\x9b")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown and "\x9b" not in shown
    assert shown == "标题\\x1b[2J\\x07\\u202e\\x9b"


HOSTILE_TITLE = '=HYPERLINK("http://evil.example/t","红岩家书一")'


def _round_trip(write) -> openpyxl.worksheet.worksheet.Worksheet:  # type: ignore[no-untyped-def]
    book = openpyxl.Workbook()
    write(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer).active


@pytest.mark.parametrize("text", [HOSTILE_TITLE, "=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_sheet_text_is_never_a_formula(text: str) -> None:
    sheet = _round_trip(lambda s: append_row(s, [text, 3, SheetFormula("=SUM(B1:B1)")]))
    first, number, total = sheet["A1"], sheet["B1"], sheet["C1"]
    assert first.data_type == "s" and first.value == text
    assert number.value == 3
    assert total.data_type == "f"  # the program's own formula stays live


def test_set_text_and_illegal_characters() -> None:
    sheet = _round_trip(lambda s: set_text(s["A1"], "作品\x1b标题\x00=1"))
    assert sheet["A1"].value == "作品\\x1b标题\\x00=1"
    assert for_sheet(12.5) == 12.5 and for_sheet(None) is None


def test_markdown_escaper_makes_no_row_link_or_image() -> None:
    forged = "红岩![](http://evil.example/pixel.png) | 99.99 | 99.99 | 3/3 | 特别优秀 | 评审一致\n| x |"
    cell = for_markdown(forged)
    assert "\n" not in cell
    unescaped_pipes = [i for i, ch in enumerate(cell) if ch == "|" and cell[i - 1] != "\\"]
    assert unescaped_pipes == []
    assert "![" not in cell and "](" not in cell and "http://" not in cell
    # A CommonMark reader gets the original characters back (every escape is \ + ASCII punctuation).
    assert cell.replace("\\", "") == forged.replace("\n", " ").replace("\\", "")


def test_html_escaper_escapes_markup_and_quotes() -> None:
    assert for_html('<img src=x onerror="a">&\u202e') == "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;\\u202e"


# --- contacts

PHONE_FORMS = [
    "138.9606.8058",
    "023-6388 1234",
    "(023)63881234",
    "一三八九六零六八零五八",
    "1 3 8 9 6 0 6 8 0 5 8",
    "１３８９６０６８０５８",
    "+86 138 9606 8058",
    "电话：13896068058",
    "（023）6388-1234",
    "400-123-4567",
]


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_phone_numbers_in_any_form_are_found_and_scrubbed(form: str) -> None:
    text = f"本片简介。联系{form}，欢迎观看。"
    found = find_contacts(text)
    assert [c.kind for c in found] == ["phone"]
    assert found[0].value in {"13896068058", "02363881234", "4001234567"}
    scrubbed = scrub_contacts(text)
    assert CONTACT_PLACEHOLDER in scrubbed
    assert find_contacts(scrubbed) == []
    assert scrubbed.startswith("本片简介。联系") and scrubbed.endswith("，欢迎观看。")


@pytest.mark.parametrize(
    "innocent",
    [
        "2026年11月30日前报送",
        "时长4分59秒，1080P，25帧",
        "纪念红军长征胜利90周年",
        "一九四九年十月一日",
        "编号 0004",
    ],
)
def test_dates_durations_and_numbers_are_not_phone_numbers(innocent: str) -> None:
    assert find_contacts(innocent) == []
    assert scrub_contacts(innocent) == innocent


def test_email_addresses_are_found_in_plain_and_full_width_forms() -> None:
    text = "来稿请寄 cqdsspzb@163.com 或 ｚｕｏ＠ｅｘａｍｐｌｅ．ｃｎ 谢谢"
    assert [c.value for c in find_contacts(text)] == ["cqdsspzb@163.com", "zuo@example.cn"]
    assert find_contacts(scrub_contacts(text)) == []
