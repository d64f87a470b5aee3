"""Bytes that hold Chinese text, to text: the one decoder of the project (subtitle files, .txt
documents, zip member names without the UTF-8 flag, e-mail parts and headers). Never raises."""

from __future__ import annotations

import codecs
import re

# What mainland mail clients and Windows call GBK: GB18030 is its superset and decodes all of them.
GBK_ALIASES = frozenset(
    {"gb2312", "gbk", "x-gbk", "gb_2312-80", "euc-cn", "cp936", "gb2312-80", "x-euc-cn", "gb18030"}
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What Chinese text holds: ASCII, CJK ideographs, CJK and full-width punctuation. The wrong one of
# two double-byte encodings shows itself as kana, Greek, box drawing and private-use characters.
_UNLIKELY_IN_CHINESE = re.compile(r"[^\x00-\x7f\u4e00-\u9fff\u3000-\u303f\uff00-\uffef…—·“”‘’]")


def charset_name(declared: str | None) -> str | None:
    """A declared charset as Python names it, GBK and its aliases as gb18030; None when none."""
    name = (declared or "").strip().strip('"').lower()
    if not name:
        return None
    return "gb18030" if name in GBK_ALIASES else name


def decode_chinese_with_encoding(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): BOMs first, then the declared charset (GBK aliases read as GB18030), strict
    UTF-8, BOM-less UTF-16 (NUL bytes give it away), then GB18030 (what Chinese Windows saves) or Big5
    (Taiwan and Hong Kong software), whichever reads as Chinese; ties go to GB18030: this is a
    mainland contest. Bytes none of these read come back as GB18030 with replacement characters."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, "replace"), name
    charset = charset_name(declared)
    if charset and charset not in ("utf-8", "utf8"):
        try:
            return data.decode(charset), charset
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if sample.count(0) > len(sample) // 8:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        name = "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    decoded = []
    for rank, name in enumerate(("gb18030", "big5")):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        decoded.append((len(_UNLIKELY_IN_CHINESE.findall(text)), rank, text, name))
    if decoded:
        _, _, text, name = min(decoded)
        return text, name
    return data.decode("gb18030", "replace"), "gb18030?"


def decode_chinese(data: bytes, declared: str | None = None) -> str:
    """decode_chinese_with_encoding() without the encoding."""
    return decode_chinese_with_encoding(data, declared)[0]
