"""The values judging works on: experts and works, independent of where they were read from."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from tasks.judging.units import same_unit
from tasks.outside import identity


@dataclass(frozen=True, slots=True)
class Expert:
    name: str
    unit: str = ""
    categories: frozenset[str] = field(default_factory=frozenset)
    cap: int = 1  # 最大评审数
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Work:
    """A work under judging; `number` is its 评审编号 (what experts see), never the submitter."""

    number: str
    title: str = ""
    unit: str = ""
    category: str | None = None
    people: tuple[str, ...] = ()  # 报送人 and team members, for personal conflicts


def conflict(work: Work, expert: Expert) -> bool:
    """Conflict of interest: the expert belongs to the work's unit (or a parent or sub-unit of it),
    or is one of the people who submitted it. Names are compared in their identity normal form
    (tasks.outside): 「张　明」, 「张\u200b明」 and 「Ｌｉ Ｍｉｎｇ」 are 张明 and Li Ming."""
    if same_unit(work.unit, expert.unit):
        return True
    name = identity(expert.name)
    return bool(name) and any(_names(person, name) for person in work.people if person)


# Between the names of a team (「导演：Li Ming；摄像：王强」), after NFKC.
_BETWEEN_NAMES = re.compile(r"[:;,、/\n()\[\]【】「」《》]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _names(text: str, name: str) -> bool:
    """Whether `text` (a submitter, a contact, a team description) names the person whose identity
    is `name`: in a Chinese part, anywhere inside it; in a Latin one, as whole words (inside a
    Chinese part, whose identity has no spaces, 「导演Li Ming」, spaces aside)."""
    for part in _BETWEEN_NAMES.split(unicodedata.normalize("NFKC", text)):
        key = identity(part)
        if not key:
            continue
        if _HAN.search(name) or _HAN.search(key):
            if name.replace(" ", "") in key:
                return True
        elif f" {name} " in f" {key} ":
            return True
    return False


def matched(work: Work, expert: Expert) -> bool:
    return work.category is not None and work.category in expert.categories


@dataclass(frozen=True, slots=True)
class Approval:
    """The committee's decision on the list: which works in which tier (评审编号 by tier), beside
    what the ranking proposed, who approved it, when and how."""

    tiers: dict[str, list[str]]
    proposal: dict[str, list[str]]
    by: str
    at: datetime
    note: str = ""
    via: str = "cli"  # "cli" (guangying judging approve) or "ui" (the judging flow's approval form)
    flow_run_id: str | None = None
