"""Text normalisation shared by the parsers: full-width forms, character counts, durations."""

from __future__ import annotations

import re

# Full-width ASCII variants (！ … ～) map one-to-one onto ASCII, the ideographic space onto a space:
# the translated string has the same length, so indices found in it slice the original.
_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20
_HALF_TABLE = str.maketrans(_HALF)

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100}
CN_NUMERAL = "零〇一二两三四五六七八九十百"


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation to ASCII, char for char (same length)."""
    return text.translate(_HALF_TABLE)


def squash(text: str) -> str:
    """Half-width, without any whitespace: for comparing labels and titles."""
    return re.sub(r"\s+", "", halfwidth(text))


def char_count(text: str) -> int:
    """Characters as the form's 「100字以内」 counts them: everything but whitespace."""
    return len(re.sub(r"\s+", "", text))


def cn_number(text: str) -> int | None:
    """「十二」→12, 「二十」→20, 「一百零五」→105; digits pass through; None if not a number."""
    text = halfwidth(text).strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS for c in text):
        return None
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        else:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
    return total + current


def _arabic_numerals(text: str) -> str:
    return re.sub(f"[{CN_NUMERAL}]+", lambda m: str(cn_number(m.group()) or m.group()), text)


_HMS = re.compile(r"(?<![\d.])(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)(?![\d:])")
_MS = re.compile(r"(?<![\d.:])(\d{1,3}):(\d{1,2}(?:\.\d+)?)(?![\d:])")
_UNITS = re.compile(
    r"(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|时|h(?:ours?)?)\s*)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分钟|分|min(?:utes?)?|m|'|′)\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒钟|秒|s(?:ec(?:onds?)?)?|\"|″|'')?)?",
    re.IGNORECASE,
)


def parse_duration(text: str | None) -> float | None:
    """Seconds from what people type: 「3分20秒」「03:20」「200秒」「三分二十秒」「3′20″」「0:03:20」.

    A bare number is not guessed (seconds or minutes?): None, and the check asks for a clear value.
    """
    if not text:
        return None
    norm = _arabic_numerals(halfwidth(text)).replace("：", ":")
    norm = re.sub(r"\s+", "", norm)
    if match := _HMS.search(norm):
        h, m, s = match.groups()
        return int(h) * 3600 + int(m) * 60 + float(s)
    if match := _MS.search(norm):
        m, s = match.groups()
        return int(m) * 60 + float(s)
    for match in _UNITS.finditer(norm):
        if not match.group(0):
            continue
        h, m, s = match.group("h"), match.group("m"), match.group("s")
        unit_given = h or m or re.search(r"(秒|s|\"|″)", match.group(0), re.IGNORECASE)
        if not unit_given:
            continue  # a bare number: neither seconds nor minutes can be assumed
        return float(h or 0) * 3600 + float(m or 0) * 60 + float(s or 0)
    return None


def format_duration(seconds: float | None, *, tenths: bool = False) -> str:
    """「3分20秒」 for people, rounded to whole seconds; with `tenths`, 「3分20.4秒」 / 「8.0秒」 (measured
    values in findings). The one duration formatter: forms, findings, exports and reports use it."""
    if seconds is None:
        return "未知"
    if tenths:
        minutes, rest = divmod(seconds, 60)
        return f"{int(minutes)}分{rest:04.1f}秒" if minutes else f"{rest:.1f}秒"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}分{secs:02d}秒" if minutes else f"{secs}秒"
