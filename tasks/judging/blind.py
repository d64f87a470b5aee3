"""Blind review: what of a work's text may reach an expert. Pure functions.

A packet shows the 评审编号, the title, the category, the subtitles and the 文稿 — never the unit,
the submitter, a team member or a contact. Text the submitter wrote (a 文稿 that ends with
「报送单位：…  联系电话：…」, a sidecar subtitle file whose cue names its maker) is passed through
`redact`: every phone number and e-mail address in any form goes (tasks.outside.scrub_contacts),
and so does every name the work's own records give (unit, people, contacts), wherever it appears,
and whatever follows a label such as 报送单位：, 联系人：, 作者：.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tasks.outside import scrub_contacts
from tasks.subtitles.export import cues_to_webvtt
from tasks.subtitles.model import Cue

REDACTED = "（已隐去）"
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+')
_SPACES = re.compile(r"\s+")
# 「报送单位：某某」「联系人: 某某」: whatever follows such a label in a 文稿 or cue, up to a space.
_LABELLED = re.compile(
    r"(报送单位|报送人|推荐单位|选送单位|制作单位|出品单位|作者|联系人|联系电话|电话|手机|邮箱|E-?mail)"
    r"(\s*[:：]\s*)[^\s，,；;。]+",
    re.IGNORECASE,
)
NAME_TITLE_CHARS = 40  # a file name keeps this much of the title (Windows paths stay short)


def redact(text: str, private: Sequence[str]) -> str:
    """`text` without phone numbers, e-mail addresses or any of the `private` names and units."""
    value = scrub_contacts(text or "", REDACTED)
    value = _LABELLED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", value)
    for name in sorted({p.strip() for p in private if p and len(p.strip()) >= 2}, key=len, reverse=True):
        value = value.replace(name, REDACTED)
    return value


def file_stem(number: str, title: str, private: Sequence[str], episode: str = "") -> str:
    """「0004-红岩家书」 (「0004-红岩家书-第2集」): a file name any system accepts, with no
    path separators, controls, bidi overrides or reserved characters, and nothing private."""
    cleaned = _UNSAFE_IN_NAME.sub("_", redact(title, private))
    cleaned = _SPACES.sub(" ", cleaned).strip(" ._")[:NAME_TITLE_CHARS].strip(" ._")
    parts = [number, cleaned, episode]
    return "-".join(p for p in parts if p)


def blind_webvtt(cues: Iterable[Cue], private: Sequence[str]) -> str:
    """The cues as a fresh WebVTT document: no NOTE, no style, no names, no contacts."""
    return cues_to_webvtt(Cue(c.start, c.end, redact(c.text, private)) for c in cues)
