"""Which works are published: the approved list of excellent works (judging's `JudgingApproval`,
the latest approval wins). The one place that reads judging's table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tasks.judging.records import latest_approval


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
