"""The judging service's own rules, called as the CLI and the flows call them: how people write a
评审编号, a category correction refused or recorded, unknown works named, the roster gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.config import get_settings
from tasks.judging import service
from tasks.judging.numbers import normal_number, numbers_in, numbers_of
from tasks.judging.records import DecisionError
from tests.judging_catalogue import ROSTER, WORKS, add_works, write_roster


def test_numbers_as_people_type_them() -> None:
    assert normal_number("4") == "0004" and normal_number("A001") == "A001"
    assert numbers_in("1，0002、3,, x ") == ["0001", "0002", "0003", "x"]
    assert numbers_in("") == []
    assert numbers_of(["0004 《红岩家书》", "４", "  ", "未知"]) == ["0004", "0004", "未知"]


def test_a_category_correction_is_checked_then_recorded(tmp_path: Path) -> None:
    settings = get_settings()
    add_works(WORKS)
    with pytest.raises(
        DecisionError, match="“纪录片”不是作品类别之一（微专题、微纪录片、微动漫、Vlog、情景再现）"
    ):
        service.correct_category(settings, "0001", "纪录片")
    with pytest.raises(DecisionError, match="找不到评审编号为“0099”的参评作品"):
        service.correct_category(settings, "0099", "微动漫")
    assert service.unknown_works(settings, ["0001", "0099"]) == ["0099"]

    assert service.has_roster(settings) is False
    service.import_roster(settings, write_roster(tmp_path / "名单.csv", ROSTER), settings.now())
    assert service.has_roster(settings) is True
    _, result = service.assign_catalogue(settings, per_work=2)
    change = service.correct_category(settings, "0002", "vlog")
    assert change.category == "Vlog" and change.experts == list(result.experts["0002"])
