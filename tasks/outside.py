"""Text from outside — submitters' and experts' titles, names, units, file names, subjects, cells.

Such text has two jobs and one module:

- **Identity** (`identity`): the one normal form in which two spellings of a name or unit are
  compared, deduplicated or matched (conflicts of interest, roster duplicates, a sheet's expert,
  submitters). 「张　明」, 「张 明」, 「张\\u200b明」 and 「张明」 are one person; `Ｌｉ Ｍｉｎｇ` is
  `Li Ming`; a unit typed reversed inside RLO…PDF is compared as a person *sees* it.
- **Display**: one escaper per sink, so that no submitter text becomes a terminal command, a
  spreadsheet formula, a Markdown row/link/image or HTML markup: `for_terminal`, `for_sheet` (with
  `append_row`/`set_text` for openpyxl), `for_markdown`, `for_document` (Word), `for_html`.

And one scrubber for what must never be published: phone numbers and e-mail addresses in any form
(`find_contacts`, `scrub_contacts`).
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tasks.printable import printable, printable_text

# Explicit bidi embeddings, overrides and isolates: text that contains them displays in an order
# other than the one it is stored in.
_BIDI_EXPLICIT = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_SPACES = re.compile(r"\s+")


def _visual_order(text: str) -> str:
    """`text` in the order a reader sees it (Unicode bidi algorithm, python-bidi)."""
    from bidi import get_display

    return str(get_display(text))


def _invisible(char: str) -> bool:
    # Cf: zero-width space/joiners, soft hyphen, BOM, word joiner, bidi marks; Cc: controls;
    # Mn variation selectors and combining grapheme joiner change nothing a reader identifies.
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Co", "Cs", "Cn"):
        return char not in "\t\n\r"
    return "\ufe00" <= char <= "\ufe0f" or char == "\u034f"


@lru_cache(maxsize=65536)
def identity(text: str | None) -> str:
    """The normal form in which names and units are compared.

    NFKC (full-width letters, digits, brackets and the ideographic space to their plain forms);
    explicit bidi runs put in the order they display in; every invisible or format character
    removed; every kind of space removed in a name with Chinese characters and collapsed to one in
    a Latin one; case folded; punctuation at the end (「赵敏.」) dropped.
    """
    value = unicodedata.normalize("NFKC", text or "")
    if _BIDI_EXPLICIT.search(value):
        value = _visual_order(value)
    value = "".join(" " if ch in "\t\n\r" else ch for ch in value if not _invisible(ch))
    value = unicodedata.normalize("NFKC", value).casefold()
    value = _SPACES.sub("" if _HAN.search(value) else " ", value).strip()
    while value and unicodedata.category(value[-1]).startswith("P") and value[-1] not in ")）]】」』》":
        value = value[:-1].rstrip()
    return value


def same_identity(first: str | None, second: str | None) -> bool:
    """True when two spellings name the same person (or unit, before unit-specific rules)."""
    a, b = identity(first), identity(second)
    return bool(a) and a == b


@dataclass(frozen=True)
class DuplicateIdentity:
    """Two or more entries of a list that are the same person once normalised."""

    identity: str
    positions: tuple[int, ...]  # indexes into the list given, in order
    spellings: tuple[str, ...]


def duplicate_identities(names: Sequence[str]) -> list[DuplicateIdentity]:
    """The groups of entries in `names` that share one identity (e.g. a roster's 张三 and 张三+ZWSP)."""
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        key = identity(name)
        if key:
            groups.setdefault(key, []).append(index)
    return [
        DuplicateIdentity(key, tuple(indexes), tuple(names[i] for i in indexes))
        for key, indexes in groups.items()
        if len(indexes) > 1
    ]


# ---------------------------------------------------------------------------------------------
# Display: one escaper per sink


def for_terminal(text: object) -> str:
    """A value as it can be printed on an operator's terminal: controls, C1 and bidi characters
    shown as visible \\xNN / \\uNNNN (one line: line breaks too)."""
    return printable(str(text))


def for_terminal_lines(text: object) -> str:
    """Like `for_terminal`, keeping line breaks and tabs (a receipt, a multi-line message)."""
    return printable_text(str(text))


class TerminalStream:
    """A text stream (stdout, stderr) whose every write goes through `for_terminal_lines`: what a
    command prints (a title, a unit, a subject, a finding naming a file) can never move the cursor,
    clear the screen, ring the bell or reorder a line, whichever print statement wrote it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(for_terminal_lines(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding… of the stream
        return getattr(self.stream, name)


@contextmanager
def terminal_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr as TerminalStreams for the duration (the command line's sink)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalStream(saved[0]), TerminalStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


# openpyxl refuses these in a cell (IllegalCharacterError); they are shown as \xNN instead.
_SHEET_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A cell that starts with one of these is taken as a formula by Excel, LibreOffice or openpyxl.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_CELL_MAX = 32767  # Excel's limit on the characters of one cell


def for_sheet(value: object) -> object:
    """A value ready for a spreadsheet cell: text with the characters openpyxl refuses shown
    visibly and cut to Excel's cell limit. Numbers, dates and None pass unchanged. Write text
    cells with `set_text`/`append_row`, which also keep a leading =, +, -, @ as text."""
    if not isinstance(value, str):
        return value
    text = _SHEET_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return text[:SHEET_CELL_MAX]


class SheetFormula(str):
    """A formula the program itself writes (e.g. a total), the only text `append_row` leaves live."""


def set_text(cell: Any, value: object) -> None:
    """Put `value` in an openpyxl cell; text is always a string cell, never a formula."""
    if isinstance(value, SheetFormula):
        cell.value = str(value)
        return
    cell.value = for_sheet(value)
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"


def append_row(sheet: Any, values: Iterable[object]) -> None:
    """`sheet.append(values)` with every text value written as text (see `set_text`)."""
    values = list(values)
    sheet.append([str(v) if isinstance(v, SheetFormula) else for_sheet(v) for v in values])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and not isinstance(value, SheetFormula):
            cell = sheet.cell(row=row, column=column)
            if cell.data_type == "f":
                cell.data_type = "s"


# Every ASCII punctuation character may be backslash-escaped in CommonMark: escaping them all means
# no submitter text can open a link, an image, emphasis, a heading, an HTML tag or a table cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:\"'&=$%^;/?@,])")


def for_markdown(text: object) -> str:
    """Text for a Markdown artifact (a table cell or a line): one line, controls visible, every
    Markdown metacharacter escaped so that nothing becomes a row, a link, an image or markup."""
    value = printable(_SPACES.sub(" ", str(text)).strip())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def for_document(text: object) -> str:
    """Text for a Word document (python-docx): controls, C1 and bidi characters shown visibly, line
    breaks kept. python-docx refuses C0 controls (the 名单 could not be written while a title held
    an ESC), and an override would reorder what the committee signs."""
    return printable_text(str(text))


def for_html(text: object) -> str:
    """Text for an HTML page: markup escaped (quotes included), controls and bidi shown visibly."""
    return html.escape(printable_text(str(text)), quote=True)


# ---------------------------------------------------------------------------------------------
# Contacts: phone numbers and e-mail addresses in any form

_CN_DIGIT = {"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4"}
_CN_DIGIT |= {"五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
# What people put between the digits of one number: spaces, dots, hyphens, dashes, brackets, a plus.
_SEPARATORS = frozenset(" \u00a0\u3000.-‐‑‒–—―－·・()（）[]【】+／/")
_MAX_GAP = 2  # at most this many separators in a row inside one number
_MOBILE = re.compile(r"(?:0{0,2}86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"(?:0{0,2}86)?(0\d{2,3}\d{7,8})")
_SERVICE = re.compile(r"([48]00\d{7})")  # 400/800 service numbers
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+\s*@\s*[A-Za-z0-9\-]+(?:\s*\.\s*[A-Za-z0-9\-]+)+")
CONTACT_PLACEHOLDER = "（联系方式已隐去）"


@dataclass(frozen=True)
class Contact:
    """A phone number or e-mail address found in a text: where it is and what it normalises to."""

    kind: str  # "phone" | "email"
    start: int
    end: int
    value: str  # digits only for a phone number (without +86), lower case for an address


def _digit(char: str) -> str | None:
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) == 1 and "0" <= folded <= "9":
        return folded
    return _CN_DIGIT.get(char)


def _phone_numbers(text: str) -> Iterable[Contact]:
    index, length = 0, len(text)
    while index < length:
        if _digit(text[index]) is None:
            index += 1
            continue
        start, digits, end, gap, cursor = index, [], index, 0, index
        while cursor < length:
            char = text[cursor]
            digit = _digit(char)
            if digit is not None:
                digits.append(digit)
                end, gap = cursor + 1, 0
            elif char in _SEPARATORS and gap < _MAX_GAP:
                gap += 1
            else:
                break
            cursor += 1
        run = "".join(digits)
        # A bracket or plus just before the first digit belongs to the number: (023)…, +86…
        while start > 0 and text[start - 1] in "(（+":
            start -= 1
        match = _MOBILE.fullmatch(run) or _LANDLINE.fullmatch(run) or _SERVICE.fullmatch(run)
        if match:
            yield Contact("phone", start, end, match.group(1))
        index = max(end, index + 1)


def find_contacts(text: str | None) -> list[Contact]:
    """Every phone number (mobile 1[3-9]…, landline 0xx…, with +86, separators, full-width or
    Chinese-numeral digits) and e-mail address in `text`, in order."""
    if not text:
        return []
    found = list(_phone_numbers(text))
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) == len(text):  # positions in the folded text are positions in `text`
        for match in _EMAIL.finditer(folded):
            value = re.sub(r"\s+", "", match.group()).lower()
            found.append(Contact("email", match.start(), match.end(), value))
    else:
        for match in _EMAIL.finditer(text.replace("＠", "@")):
            value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", match.group())).lower()
            found.append(Contact("email", match.start(), match.end(), value))
    return sorted(found, key=lambda c: c.start)


def scrub_contacts(text: str, placeholder: str = CONTACT_PLACEHOLDER) -> str:
    """`text` with every phone number and e-mail address replaced by `placeholder`."""
    contacts = find_contacts(text)
    if not contacts:
        return text
    parts, cursor = [], 0
    for contact in contacts:
        if contact.start < cursor:
            continue
        parts.append(text[cursor : contact.start])
        parts.append(placeholder)
        cursor = contact.end
    parts.append(text[cursor:])
    return "".join(parts)
