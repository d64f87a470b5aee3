"""Conflicts of interest: the same unit (written in different ways, or a unit and its sub-unit)."""

from __future__ import annotations

import re
from functools import lru_cache

from tasks.outside import identity

# Characters that carry no identity: whitespace, brackets of every width, separators.
_NOISE = re.compile(r"[\s()（）\[\]【】〔〕〈〉<>《》「」『』\"'“”‘’·•・\-_—.,，、/:：;；]+")
_PREFIXES = ("中国共产党", "中共")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")
# A shorter name counts as the parent of a longer one only when it is specific enough:
# 「重庆大学」 is the parent of 「重庆大学马克思主义学院」, 「重庆」 is the parent of nothing.
MIN_PARENT_LENGTH = 4
_PLACE_LEVELS = "市省"


@lru_cache(maxsize=65536)
def normalise_unit(text: str | None) -> str:
    """One spelling of a unit: its identity (tasks.outside: NFKC, invisible characters and bidi
    overrides undone, case folded), no noise, common
    prefixes and suffixes (中共…, …有限公司, …集团) removed, and 「市」/「省」 after a two-character
    place name dropped (重庆市档案馆 and 重庆档案馆 are one archive)."""
    value = _NOISE.sub("", identity(text))
    changed = True
    while changed and value:
        changed = False
        for prefix in _PREFIXES:
            if value.startswith(prefix) and len(value) > len(prefix):
                value, changed = value[len(prefix) :], True
        for suffix in _SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                value, changed = value[: -len(suffix)], True
    if len(value) > 4 and value[2] in _PLACE_LEVELS:
        value = value[:2] + value[3:]
    return value


@lru_cache(maxsize=262144)
def same_unit(first: str | None, second: str | None) -> bool:
    """True when the two names denote the same unit or one is a sub-unit of the other."""
    a, b = normalise_unit(first), normalise_unit(second)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter) >= MIN_PARENT_LENGTH and shorter in longer
