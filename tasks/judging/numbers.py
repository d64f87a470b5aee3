"""How people write a 评审编号 (「4」, 「0004」, 「0004 《红岩家书》」, 「４」) and how a work is named in
an approval list: pure rules shared by the CLI, the Prefect form and the score sheets."""

from __future__ import annotations

import re
import unicodedata

from tasks.outside import for_terminal

NUMBER_WIDTH = 4  # 0001, 0002, …: the order works entered judging

_LIST_SEPARATORS = re.compile(r"[,，、]")
_LEADING_NUMBER = re.compile(r"\s*([0-9０-９]+)")


def normal_number(text: str) -> str:
    """「4」 is 0004; anything else is kept as typed (for the caller to name when it is unknown)."""
    return text.zfill(NUMBER_WIDTH) if text.isdigit() else text


def numbers_in(text: str) -> list[str]:
    """The 评审编号 of a typed list: 「1,2」, 「0001，0002」, 「1、2」."""
    return [normal_number(p) for p in (part.strip() for part in _LIST_SEPARATORS.split(text)) if p]


def work_label(number: str, title: str) -> str:
    """「0004 《红岩家书》」: how a work is listed in the approval form (one line, no controls)."""
    return f"{number} 《{for_terminal(' '.join(title.split()))}》"


def numbers_of(entries: list[str]) -> list[str]:
    """The 评审编号 of the form's entries (「0004 《红岩家书》」, 「0004」 or 「4」); an entry with no
    leading number is kept as typed, for check_tiers to name."""
    numbers = []
    for entry in entries:
        found = _LEADING_NUMBER.match(entry)
        if found:
            digits = unicodedata.normalize("NFKC", found.group(1))
            numbers.append(digits.zfill(NUMBER_WIDTH))
        elif entry.strip():
            numbers.append(entry.strip())
    return numbers
