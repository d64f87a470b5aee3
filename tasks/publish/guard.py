"""The personal-data guard, one work at a time (pure): what a work publishes (its manifest entry and
its subtitles' text) is checked against its own submitter's contact person and phone number, and
against phone numbers and e-mail addresses in any form (`tasks.outside.find_contacts`: full-width
or Chinese-numeral digits, spaces, hyphens, +86, 电话/手机 prefixes). A work that fails is held
back with one sentence; the other works are not concerned.

A contact person's name is looked for inside the texts only when it has two characters or more: a
one-character 联系人 (「王」) would be found in any text and is only a leak where a whole field is it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tasks.outside import find_contacts, identity

# Machine values (hex digests, object keys, timestamps) are not text a person wrote.
_TECHNICAL = frozenset({"sha256", "key", "id", "codecs", "mime", "updated_at", "schema"})
_FIELDS = {
    "title": "作品名称",
    "unit": "单位",
    "authors": "作者",
    "category": "类别",
    "synopsis": "简介",
    "ai_label": "AI标注",
    "episodes": "字幕信息",
}


def entry_texts(entry: Mapping[str, Any], subtitles: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(where, text) of every string a viewer or platform can read: the entry's fields and the
    subtitle texts (WebVTT), the machine values left out."""
    found: list[tuple[str, str]] = []

    def walk(where: str, value: Any) -> None:
        if isinstance(value, str):
            found.append((where, value))
        elif isinstance(value, Mapping):
            for name, item in value.items():
                if name not in _TECHNICAL:
                    walk(where, item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(where, item)

    for name, value in entry.items():
        if name not in _TECHNICAL:
            walk(_FIELDS.get(name, name), value)
    found += [("字幕", text) for text in subtitles]
    return found


def _masked(value: str) -> str:
    if "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 8 else "****"


def leaks(
    texts: Iterable[tuple[str, str]], *, contact: str | None = None, phone: str | None = None
) -> list[str]:
    """Pure: why these texts may not be published (Chinese, one item per finding; empty when clean).

    Phone numbers and addresses are named masked (「138****8000」): the reason is for operators' logs."""
    reasons: list[str] = []
    name = identity(contact)
    own_phone = {c.value for c in find_contacts(phone)}
    for where, text in texts:
        for found in find_contacts(text):
            kind = "电子邮箱" if found.kind == "email" else "电话号码"
            mine = "（登记表上的联系电话）" if found.value in own_phone else ""
            reasons.append(f"{where}含{kind}{_masked(found.value)}{mine}")
        value = identity(text)
        if name and (value == name or (len(name) >= 2 and name in value)):
            reasons.append(f"{where}含联系人「{contact}」")
    return list(dict.fromkeys(reasons))


def held_sentence(title: str, reasons: list[str]) -> str:
    """The one sentence `publish` prints for a work held back by the guard."""
    shown = "；".join(reasons[:3]) + (f"等{len(reasons)}处" if len(reasons) > 3 else "")
    return f"《{title}》暂不发布：展播信息含个人信息（{shown}），请删去后重新发布；其他作品照常发布"
