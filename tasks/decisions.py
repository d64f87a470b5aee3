"""Operators' decisions on a work, and how they bear on its verdict.

A decision never edits a finding: an agreed extension or a waived warning is recorded beside the
findings (who, when, why), and the verdict is computed from both. The judging stage reads the
resulting verdict to tell which works are eligible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tasks.findings import CHECK_LABELS, Check, Finding, Status, Verdict, verdict
from tasks.states import ALREADY_WITHDRAWN


class DecisionAction(StrEnum):
    ACCEPT_LATE = "accept-late"  # an agreed extension: the deadline finding no longer counts
    WAIVE = "waive"  # a named check's warning or failure no longer counts (e.g. an intended still image)
    REJECT = "reject"  # the committee rejects the work, whatever the checks say
    # Operators' actions on a work, recorded the same way; they leave the verdict to the findings.
    WITHDRAW = "withdraw"  # a junk or duplicate submission leaves the contest (state withdrawn)
    RESCREEN = "rescreen"  # its videos are screened again
    RECHECK = "recheck"  # its intake findings are judged again under the current settings
    # Corrections (the old value kept in the record):
    SET_RECEIVED = "set-received"  # the received time corrected; the deadline judged again
    REVOKE = "revoke"  # an earlier decision on the work taken back (value: its number)


ACTION_LABELS: dict[str, str] = {
    DecisionAction.ACCEPT_LATE: "同意逾期报送",
    DecisionAction.WAIVE: "免除该项",
    DecisionAction.REJECT: "不予受理",
    DecisionAction.WITHDRAW: "撤销作品",
    DecisionAction.RESCREEN: "重新审核视频",
    DecisionAction.RECHECK: "按现行设置重新核对报送材料",
    DecisionAction.SET_RECEIVED: "更正收到时间",
    DecisionAction.REVOKE: "撤回决定",
}
# What `decide --help` says of each action.
ACTION_HELP: dict[str, str] = {
    DecisionAction.ACCEPT_LATE: "同意逾期报送：报送时间一项不再计入结论（仅限晚于截止时间收到的作品）",
    DecisionAction.WAIVE: "免除一项检查：须用 --check 指明，仅限结果为不通过或提示的检查项",
    DecisionAction.REJECT: "不予受理：无论检查结果如何，结论为不通过",
    DecisionAction.WITHDRAW: "撤销作品：作品退出征集（也可用 guangying withdraw）",
    DecisionAction.RESCREEN: "重新审核视频（也可用 guangying rescreen）",
    DecisionAction.RECHECK: "按现行设置重新核对报送材料（也可用 guangying recheck）",
    DecisionAction.SET_RECEIVED: '更正收到时间：VALUE 写北京时间，如 "2026-11-28 10:00"，原时间保留在记录中',
    DecisionAction.REVOKE: "撤回该作品的第 VALUE 项决定（序号见 guangying status ID），撤回本身也记入作品库",
}
# The actions that take a value, and what it is.
VALUE_OF: dict[str, str] = {DecisionAction.SET_RECEIVED: "收到时间", DecisionAction.REVOKE: "决定序号"}


@dataclass(frozen=True, slots=True)
class Wording:
    """How a door names the parts of a decision: the command line by its arguments, the Prefect
    form by its fields' Chinese titles."""

    action: Mapping[str, str]  # DecisionAction → its name at this door
    check: str  # the field that names the check a waiver concerns
    example: str = ""  # how a value is given ({action}: the action's name)


CLI_WORDING = Wording(
    {a: str(a) for a in DecisionAction}, "--check", "，如 guangying decide ID {action} VALUE"
)
FORM_WORDING = Wording(ACTION_LABELS, "“检查项”")


def argument_problem(
    action: DecisionAction, check: str | None, value: str | None, wording: Wording = CLI_WORDING
) -> str | None:
    """What is wrong with how a decision is asked for (a waiver without its check, a value where none
    is taken or none where one is), in one Chinese sentence; None when nothing."""
    name, names = wording.action[action], wording.action
    if action == DecisionAction.WAIVE and not check:
        return f"{name} 需要用 {wording.check} 指明免除哪一项检查。"
    if check and action != DecisionAction.WAIVE:
        return f"{name} 不接受 {wording.check}（只有 {names[DecisionAction.WAIVE]} 针对某一项检查）。"
    if action in VALUE_OF and not value:
        return f"{name} 需要写明{VALUE_OF[action]}{wording.example.format(action=action)}。"
    if action not in VALUE_OF and value:
        return (
            f"{name} 不接受“{value}”这样的取值（只有 {names[DecisionAction.SET_RECEIVED]} 和 "
            f"{names[DecisionAction.REVOKE]} 需要）。"
        )
    if action == DecisionAction.REVOKE and not (value or "").isdigit():
        return f"{name} 需要决定的序号（如 1），而不是“{value}”。"
    return None


def default_note(action: DecisionAction, value: str | None, note: str | None) -> str | None:
    """The reason recorded when none is given: only a revocation has one of its own."""
    if action == DecisionAction.REVOKE and (value or "").isdigit():
        return note or f"撤回第{int(value or 0)}项决定"
    return note


# Actions whose effect is done once it ran (a screening, a re-check): they cannot be taken back.
NOT_REVOCABLE = frozenset({DecisionAction.RESCREEN, DecisionAction.RECHECK, DecisionAction.REVOKE})


@dataclass(frozen=True, slots=True, init=False)
class Decision:
    action: DecisionAction
    note: str
    decided_by: str
    decided_at: datetime
    check: Check | None = None  # the check a waiver concerns (DEADLINE for accept-late)
    # set-received: {"received_at", "previous", "previous_basis", "previous_set_by"} (ISO times);
    # revoke: {"revokes": the number of the decision taken back}.
    value: Mapping[str, Any] | None = None
    number: int | None = None  # its place among the work's decisions, from 1 (as recorded)

    def __init__(
        self,
        action: DecisionAction,
        note: str,
        decided_by: str,
        decided_at: datetime,
        check: Check | str | None = None,
        value: Mapping[str, Any] | None = None,
        number: int | None = None,
    ) -> None:
        # A stored row or a JSON object gives the check as a plain str: it becomes the Check here.
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "note", note)
        object.__setattr__(self, "decided_by", decided_by)
        object.__setattr__(self, "decided_at", decided_at)
        object.__setattr__(self, "check", Check(check) if check else None)
        object.__setattr__(self, "value", dict(value) if value else None)
        object.__setattr__(self, "number", number)

    @property
    def waived_check(self) -> Check | None:
        if self.action == DecisionAction.ACCEPT_LATE:
            return Check.DEADLINE
        return self.check if self.action == DecisionAction.WAIVE else None


@dataclass(frozen=True, slots=True)
class DecidedVerdict:
    verdict: Verdict
    by_person: bool  # an operator's decision changed what the findings alone would say


def revoked_numbers(decisions: Iterable[Decision]) -> set[int]:
    return {int(d.value["revokes"]) for d in decisions if d.action == DecisionAction.REVOKE and d.value}


def in_force(decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions that still count: neither taken back nor themselves a revocation."""
    decisions = list(decisions)
    revoked = revoked_numbers(decisions)
    return [d for d in decisions if d.action != DecisionAction.REVOKE and d.number not in revoked]


def refusal(
    action: DecisionAction,
    decisions: Sequence[Decision],
    findings: Iterable[Finding],
    *,
    withdrawn: bool,
    check: Check | None = None,
    revokes: int | None = None,
) -> str | None:
    """Why `action` cannot apply to the work as it stands (one sentence for the operator), or None."""
    findings, current = list(findings), in_force(decisions)
    if action == DecisionAction.REVOKE:
        target = next((d for d in decisions if d.number == revokes), None)
        if target is None:
            return f"该作品没有第{revokes}项决定（共{len(decisions)}项）。"
        if target.action in NOT_REVOCABLE:
            return f"第{revokes}项决定（{ACTION_LABELS[target.action]}）已经执行，不能撤回。"
        if target.number in revoked_numbers(decisions):
            return f"第{revokes}项决定已经撤回过。"
        return None
    if withdrawn and action == DecisionAction.WITHDRAW:
        return ALREADY_WITHDRAWN
    if withdrawn:
        return "该作品已撤销，不再作其他决定（如需恢复，请撤回撤销作品的那项决定）。"
    if action in (DecisionAction.ACCEPT_LATE, DecisionAction.WAIVE):
        target_check = Check.DEADLINE if action == DecisionAction.ACCEPT_LATE else check
        if not any(f.check == target_check and f.status in (Status.FAIL, Status.WARN) for f in findings):
            if action == DecisionAction.ACCEPT_LATE:
                return "该作品不是逾期收到的（报送时间一项没有不通过），无需同意逾期。"
            label = CHECK_LABELS.get(check or "", check)
            return f"检查项“{label}”（{check}）在该作品上没有不通过或提示的结果，无需免除。"
        if any(d.waived_check == target_check for d in current):
            return "该项已经免除过。"
    if action == DecisionAction.REJECT and any(d.action == DecisionAction.REJECT for d in current):
        return "该作品已经决定不予受理。"
    return None


def decided_verdict(findings: Iterable[Finding], decisions: Iterable[Decision]) -> DecidedVerdict:
    """The verdict from the findings, with waived checks left out; a rejection fails the work.
    Decisions taken back (`revoke`) count no more."""
    findings, decisions = list(findings), in_force(decisions)
    by_rules = verdict(findings)
    if any(d.action == DecisionAction.REJECT for d in decisions):
        return DecidedVerdict(Verdict.FAIL, by_person=True)
    waived = {d.waived_check for d in decisions} - {None}
    kept = [f for f in findings if f.check not in waived or f.status == Status.PASS]
    result = verdict(kept)
    return DecidedVerdict(result, by_person=result != by_rules)
