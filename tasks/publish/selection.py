"""Which works are published: the approved list of excellent works (judging's `JudgingApproval`,
the latest approval wins). The one place that reads the approvals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.models import JudgingApproval, JudgingWork, Publication, Submission


def latest_approval(session: Session) -> JudgingApproval | None:
    """The list in force: the latest approval (a second list supersedes the first)."""
    return session.scalars(
        select(JudgingApproval).order_by(JudgingApproval.approved_at.desc(), JudgingApproval.id.desc())
    ).first()


def approved_submission_ids(session: Session) -> list[str]:
    """The submissions of the latest approved list, in its order (特别优秀 first); empty when none."""
    approval = latest_approval(session)
    if approval is None:
        return []
    ids = [str(item["submission_id"]) for item in approval.items or [] if item.get("submission_id")]
    return list(dict.fromkeys(ids))


def approved_tiers(session: Session) -> dict[str, str]:
    """submission id → tier (特别优秀 / 优秀) in the latest approved list."""
    approval = latest_approval(session)
    if approval is None:
        return {}
    return {
        str(item["submission_id"]): str(item["tier"])
        for item in approval.items or []
        if item.get("submission_id") and item.get("tier")
    }


def public_order(session: Session) -> list[str]:
    """The public set: the latest approved list, 特别优秀 first, each tier in the list's order."""
    tiers = approved_tiers(session)
    ids = approved_submission_ids(session)
    return sorted(ids, key=lambda sid: (_TIER_ORDER.get(tiers.get(sid, ""), 9), ids.index(sid)))


_TIER_ORDER = {"特别优秀": 0, "优秀": 1}


@dataclass(frozen=True, slots=True)
class ListChange:
    """What a new list does to the works published now (titles)."""

    dropped: tuple[str, ...]  # published now, not on the new list: `publish` takes them down
    added: tuple[str, ...]  # on the new list, not published yet

    def lines(self) -> list[str]:
        """Chinese sentences for the approver (empty when the list changes nothing published)."""
        lines = []
        if self.dropped:
            shown = "、".join(f"《{t}》" for t in self.dropped)
            lines.append(f"注意：新名单不含已公开展播的{len(self.dropped)}件作品{shown}，下次发布时将撤下")
        if self.added:
            shown = "、".join(f"《{t}》" for t in self.added)
            lines.append(f"新名单新增{len(self.added)}件尚未展播的作品{shown}，下次发布时上线")
        return lines


def list_change(session: Session, numbers: Iterable[str]) -> ListChange:
    """The new list's 评审编号 against what is published now."""
    wanted = list(dict.fromkeys(numbers))
    rows = session.scalars(select(JudgingWork).where(JudgingWork.number.in_(wanted))).all() if wanted else []
    new_ids = {row.submission_id for row in rows}
    published = session.scalars(select(Publication).where(Publication.state == "published")).all()
    published_ids = {row.submission_id for row in published}

    def title(submission_id: str) -> str:
        submission = session.get(Submission, submission_id)
        return (submission.title if submission else None) or submission_id

    dropped = tuple(
        str(row.entry.get("title") or title(row.submission_id))
        for row in published
        if row.submission_id not in new_ids
    )
    added = tuple(title(row.submission_id) for row in rows if row.submission_id not in published_ids)
    return ListChange(dropped, added)
