"""What a published work says about its makers: title, unit and authors as credited, category,
synopsis. Nothing personal beyond that attribution: contact persons, phone numbers, e-mail
addresses, ID numbers never leave the catalogue; free text (the synopsis) is scrubbed of them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tasks.intake.text import halfwidth, squash
from tasks.outside import find_contacts, same_identity
from tasks.rules import DEFAULT_RULES

if TYPE_CHECKING:
    from tasks.intake.details import IntakeDetails

ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
# A clause that hands over a contact: 「联系人：左老师」「联系电话023-…」「微信：…」, up to the next stop.
_CONTACT_CLAUSE = re.compile(
    r"(?:联系人|联系电话|联系方式|联系邮箱|电话|手机|座机|邮箱|电子邮件|微信|QQ|身份证号?)\s*[:：]?[^，,。；;！!？?\n]*[，,。；;]?",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"[、，,；;/／\s]+")


def scrub(text: str) -> str:
    """Free text without contact clauses, phone numbers, e-mail addresses or ID numbers.

    Matched on the half-width form (full-width digits count), cut from the text as written:
    `halfwidth` keeps every index, so the spans line up."""
    flat = halfwidth(text)
    spans = sorted(
        [m.span() for p in (_CONTACT_CLAUSE, ID_NUMBER) for m in p.finditer(flat)]
        + [(c.start, c.end) for c in find_contacts(text)]  # phone numbers and addresses in any form
    )
    kept, position = [], 0
    for start, end in spans:
        if start > position:
            kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    cleaned = re.sub(r"[ \t]{2,}", " ", "".join(kept))
    return re.sub(r"([，,。；;])\1+", r"\1", cleaned).strip(" ，,；;\n")


def personal_data_in(text: str) -> list[str]:
    """The phone numbers, e-mail addresses (tasks.outside.find_contacts: any form) and ID numbers
    found in `text` (for tests and checks)."""
    found = [text[c.start : c.end] for c in find_contacts(text)]
    return found + [m.group(0) for m in ID_NUMBER.finditer(halfwidth(text))]


def plain_synopsis(synopsis: str, category: str | None) -> str:
    """Pure: the synopsis without a leading category label (「微专题。讲述…」 → 「讲述…」): the
    category is shown on its own line."""
    text = synopsis.strip()
    labels = [c for c in (category, *DEFAULT_RULES.categories) if c]
    for label in labels:
        match = re.match(rf"^[【\[（(]?{re.escape(label)}[】\]）)]?\s*[。：:，,；;、.\s-]*", text)
        if match and match.end() > 0:
            return text[match.end() :].strip()
    return text


def distinct_authors(authors: Iterable[str], unit: str | None) -> list[str]:
    """Pure: the authors without the unit repeated as one (a 汇总表 whose 作者 column holds the unit)."""
    return [a for a in dict.fromkeys(authors) if not (unit and same_identity(a, unit))]


def _authors(value: str) -> list[str]:
    return [name for name in _AUTHOR_SPLIT.split(value.strip()) if name]


@dataclass(frozen=True, slots=True)
class Credits:
    title: str
    unit: str
    authors: tuple[str, ...]
    category: str
    synopsis: str

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "unit": self.unit,
            "authors": list(self.authors),
            "category": self.category,
            "synopsis": self.synopsis,
        }


def credits_from(
    *,
    title: str | None,
    unit: str | None,
    category: str | None,
    details: IntakeDetails,
) -> Credits:
    """Credits from the submission's columns and its 登记表/汇总表 (as intake read them).

    Authors are the 汇总表's 作者 of this title, else the individual entrant of the 登记表; the
    contact person (联系人) and the phone number are never used."""
    form = details.form
    title = (title or (form.title if form else "")).strip()
    authors: list[str] = []
    for row in details.summary_rows or ():
        if squash(row.title) == squash(title) and row.author:
            authors = _authors(row.author)
            break
    if not authors and form and form.entrant_type == "individual" and form.person_name:
        authors = _authors(form.person_name)
    private = {value.strip() for value in (form.contact, form.phone)} - {""} if form else set()
    authors = [a for a in authors if a not in private and not personal_data_in(a)]
    unit = scrub((unit or (form.unit if form else "")).strip())
    category = (category or "").strip()
    return Credits(
        title=scrub(title) or "（未命名作品）",
        unit=unit,
        authors=tuple(distinct_authors(authors, unit)),
        category=category,
        synopsis=plain_synopsis(scrub(form.intro if form else ""), category),
    )
