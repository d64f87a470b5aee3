"""Operators' decisions on a work, and how they bear on its verdict.

A decision never edits a finding: an agreed extension or a waived warning is recorded beside the
findings (who, when, why), and the verdict is computed from both. The judging stage reads the
resulting verdict to tell which works are eligible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tasks.findings import Check, Finding, Status, Verdict, verdict


class DecisionAction(StrEnum):
    ACCEPT_LATE = "accept-late"  # an agreed extension: the deadline finding no longer counts
    WAIVE = "waive"  # a named check's warning or failure no longer counts (e.g. an intended still image)
    REJECT = "reject"  # the committee rejects the work, whatever the checks say
    # Operators' actions on a work, recorded the same way; they leave the verdict to the findings.
    WITHDRAW = "withdraw"  # a junk or duplicate submission leaves the contest (state withdrawn)
    RESCREEN = "rescreen"  # its videos are screened again
    RECHECK = "recheck"  # its intake findings are judged again under the current settings


ACTION_LABELS: dict[str, str] = {
    DecisionAction.ACCEPT_LATE: "同意逾期报送",
    DecisionAction.WAIVE: "免除该项",
    DecisionAction.REJECT: "不予受理",
    DecisionAction.WITHDRAW: "撤销作品",
    DecisionAction.RESCREEN: "重新审核视频",
    DecisionAction.RECHECK: "按现行设置重新核对报送材料",
}


@dataclass(frozen=True, slots=True, init=False)
class Decision:
    action: DecisionAction
    note: str
    decided_by: str
    decided_at: datetime
    check: Check | None = None  # the check a waiver concerns (DEADLINE for accept-late)

    def __init__(
        self,
        action: DecisionAction,
        note: str,
        decided_by: str,
        decided_at: datetime,
        check: Check | str | None = None,
    ) -> None:
        # A stored row or a JSON object gives the check as a plain str: it becomes the Check here.
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "note", note)
        object.__setattr__(self, "decided_by", decided_by)
        object.__setattr__(self, "decided_at", decided_at)
        object.__setattr__(self, "check", Check(check) if check else None)

    @property
    def waived_check(self) -> Check | None:
        if self.action == DecisionAction.ACCEPT_LATE:
            return Check.DEADLINE
        return self.check if self.action == DecisionAction.WAIVE else None


@dataclass(frozen=True, slots=True)
class DecidedVerdict:
    verdict: Verdict
    by_person: bool  # an operator's decision changed what the findings alone would say


def decided_verdict(findings: Iterable[Finding], decisions: Iterable[Decision]) -> DecidedVerdict:
    """The verdict from the findings, with waived checks left out; a rejection fails the work."""
    findings, decisions = list(findings), list(decisions)
    by_rules = verdict(findings)
    if any(d.action == DecisionAction.REJECT for d in decisions):
        return DecidedVerdict(Verdict.FAIL, by_person=True)
    waived = {d.waived_check for d in decisions} - {None}
    kept = [f for f in findings if f.check not in waived or f.status == Status.PASS]
    result = verdict(kept)
    return DecidedVerdict(result, by_person=result != by_rules)
