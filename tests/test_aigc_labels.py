"""Pure text rules for AI labels: visible label text, spoken disclosures, declarations."""

from __future__ import annotations

import pytest

from tasks.aigc.labels import Strength, declarations, is_label_text, spoken_disclosure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AI生成", True),
        ("ＡＩ生成", True),  # full-width, NFKC
        ("内容由A工生成", True),  # OCR of a bold full-width Ｉ
        ("Al合成", True),  # OCR of a sans-serif I
        ("本视频由人工智能生成", True),
        ("本視頻由人工智慧合成", True),  # traditional script
        ("内容由AIGC合成", True),
        ("AI 生 成", True),
        ("人工智能", False),  # no 生成/合成
        ("AIGC", False),
        ("数据自动生成", False),  # no AI element
        ("TRAIN生成", False),  # "AI" inside a word
        ("MAIL合成", False),
        ("", False),
    ],
)
def test_visible_label_text(text: str, expected: bool) -> None:
    assert is_label_text(text) is expected


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        ("本视频由人工智能生成。", Strength.STRONG),
        ("本視頻由員工智能生成", Strength.STRONG),  # Whisper without hotwords (notes)
        ("本片部分画面由人工智能合成", Strength.STRONG),
        ("以下画面内容由AI生成", Strength.STRONG),
        ("以下画面内容由生成", Strength.WEAK),  # Whisper dropped the letters "AI"
        ("以下滑面面容由生成", Strength.WEAK),
    ],
)
def test_spoken_disclosures_found(text: str, strength: Strength) -> None:
    match = spoken_disclosure(text)
    assert match is not None
    assert match.strength is strength


@pytest.mark.parametrize(
    "text",
    [
        "系统自动生成报表。",
        "新的力量由此生成。",
        "用户可以自由生成图片。",
        "光合作用合成有机物。",
        "红岩精神是中国共产党人在重庆形成的宝贵精神财富。",
        "智能制造推动产业升级。今天我们生成了新的方案。",  # 智能 and 生成 in different sentences
    ],
)
def test_ordinary_speech_is_no_disclosure(text: str) -> None:
    assert spoken_disclosure(text) is None


@pytest.mark.parametrize(
    ("text", "uses"),
    [
        ("本片使用可灵生成部分画面。", [True]),
        ("部分镜头采用AI技术修复上色。", [True]),
        ("团队利用Midjourney绘制分镜。", [True]),
        ("是否使用人工智能生成合成内容：是", [True]),
        ("是否使用人工智能生成合成内容：否", [False]),
        ("本作品未使用人工智能生成内容。", [False]),
        ("AI生成内容：无", [False]),
        ("是否使用人工智能生成合成内容：", []),  # an unanswered question says nothing
        ("发展人工智能产业，建设智慧城市。", []),  # the topic, not the making
        ("我们在海螺沟拍摄了外景。", []),
        ("", []),
    ],
)
def test_declarations(text: str, uses: list[bool]) -> None:
    assert [d.uses_ai for d in declarations(text)] == uses
