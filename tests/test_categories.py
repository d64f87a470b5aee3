"""The five categories (ContestRules.categories): one list, one way of matching a name to them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tasks.rules import DEFAULT_RULES

RULES = DEFAULT_RULES


def test_the_five_categories_of_the_notice() -> None:
    assert RULES.categories == ("微专题", "微纪录片", "微动漫", "Vlog", "情景再现")


@pytest.mark.parametrize(
    ("written", "category"),
    [
        ("微纪录片", "微纪录片"),
        (" 微纪录片类 ", "微纪录片"),
        ("vlog", "Vlog"),
        ("ＶＬＯＧ", "Vlog"),  # full width
        ("情景再现类", "情景再现"),
        ("纪录片", None),
        ("微专题、微动漫", None),
        ("", None),
    ],
)
def test_a_category_named_in_a_cell(written: str, category: str | None) -> None:
    assert RULES.category_named(written) == category


def test_the_one_category_mentioned_in_free_text() -> None:
    assert RULES.category_mentioned("红岩家书", "本片为微纪录片，讲述……") == "微纪录片"
    assert RULES.category_mentioned("我的重庆VLOG") == "Vlog"
    assert RULES.category_mentioned("微专题与微动漫的结合") is None  # two: a person decides
    assert RULES.category_mentioned("红岩家书", "") is None


def test_the_rules_carry_the_list_the_matcher_uses() -> None:
    other = replace(RULES, categories=("微专题", "微电影"))
    assert other.category_named("微电影类") == "微电影"
    assert other.category_mentioned("一部微电影") == "微电影"
    assert other.category_named("Vlog") is None
