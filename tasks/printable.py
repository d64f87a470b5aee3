"""Text from hostile input made safe to show: control characters visible, long values shortened.

Names come from senders (file and archive member names, e-mail headers, metadata fields) and end
up in messages printed on a terminal or in a receipt: `\\x1b[2J` would clear the operator's screen,
a right-to-left override would make 「作品.exe」 read as something else, a 1 MB metadata value would
bury every other finding.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the bidirectional overrides/isolates/marks (U+061C, U+200E/F,
# U+202A–E, U+2066–9) that reorder what a terminal or viewer shows.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

MAX_EVIDENCE_CHARS = 2000  # a longer evidence string is cut (a whole metadata value rarely helps)
MAX_MESSAGE_CHARS = 4000  # a message longer than this was built from something hostile


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(name: str) -> str:
    """A name as it can be shown: every control or bidi character as a visible \\xNN / \\uNNNN."""
    return _UNSAFE.sub(_escape, name)


def printable_text(text: str) -> str:
    """Like `printable`, but line breaks and tabs stay (a message may have several lines)."""
    return _UNSAFE_IN_TEXT.sub(_escape, text)


def clip(text: str, limit: int = MAX_EVIDENCE_CHARS) -> str:
    """`text` cut to about `limit` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共{len(text)}个字符，已截断）"


def clip_values(value: object, limit: int = MAX_EVIDENCE_CHARS) -> object:
    """Every string inside dicts, lists and tuples clipped; the same object back when nothing is long."""
    if isinstance(value, str):
        return clip(value, limit)
    if isinstance(value, dict):
        clipped = {k: clip_values(v, limit) for k, v in value.items()}
        return value if all(clipped[k] is value[k] for k in value) else clipped
    if isinstance(value, list | tuple):
        items = [clip_values(v, limit) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    return value


def json_line(value: object) -> str:
    """One JSON object on one line, Chinese kept readable; C1 controls and bidi characters, which
    `json.dumps(ensure_ascii=False)` leaves raw, written as \\uNNNN escapes (the same string to a
    JSON reader, harmless on a terminal)."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
