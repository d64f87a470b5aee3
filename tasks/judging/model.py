"""The values judging works on: experts and works, independent of where they were read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tasks.judging.units import same_unit


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
    or is one of the people who submitted it."""
    if same_unit(work.unit, expert.unit):
        return True
    name = expert.name.strip()
    return bool(name) and any(name in person for person in work.people if person)


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
