"""Where a work stands: the states a submission passes through, and their Chinese names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tasks.findings import Verdict


class SubmissionState(StrEnum):
    RECEIVED = "received"  # taken in; its videos not all screened yet (审核中 unless already failed)
    AWAITING_DOWNLOAD = "awaiting_download"  # a Baidu Netdisk link, no video yet
    SCREENED = "screened"  # every video screened: the verdict is final until a person decides
    WITHDRAWN = "withdrawn"  # set aside by an operator (`guangying withdraw`); no stage changes it
    REMOVED = "removed"  # taken in by mistake (`guangying withdraw --mistake`): in no list, originals kept


# States an operator set that no stage changes.
FINAL_STATES: frozenset[str] = frozenset({SubmissionState.WITHDRAWN, SubmissionState.REMOVED})

STATE_LABELS: dict[str, str] = {
    SubmissionState.RECEIVED: "已受理",
    SubmissionState.AWAITING_DOWNLOAD: "已登记，等待从百度网盘下载作品视频",
    SubmissionState.SCREENED: "已完成初步审核",
    SubmissionState.WITHDRAWN: "已撤回",
    SubmissionState.REMOVED: "误收，已移除",
}

# `decide`'s refusal of a second withdrawal, the same sentence as the state machine's.
ALREADY_WITHDRAWN = "该作品已经撤销过。"


class Move(StrEnum):
    """What happens to a work: a stage or a decision changed what is known of it (DERIVE), or an
    operator takes it out (WITHDRAW, or REMOVE when it was taken in by mistake) or takes that back."""

    DERIVE = "derive"
    WITHDRAW = "withdraw"
    REMOVE = "remove"
    RESTORE = "restore"


@dataclass(frozen=True, slots=True)
class Progress:
    """What the catalogue knows of a work when it moves."""

    videos: int  # its videos
    screened: int  # of them, those whose screening completed (a verdict is recorded)
    netdisk: bool  # it names a Baidu Netdisk link
    result: str  # tasks.findings.Verdict of its findings and the decisions in force


@dataclass(frozen=True, slots=True)
class Standing:
    state: SubmissionState
    verdict: str | None  # None: 审核中


class TransitionRefused(ValueError):
    """A move that does not apply to the work's state; `str()` is the sentence for the operator."""


def transition(state: str, move: Move, progress: Progress) -> Standing:
    """Pure: the work's state and verdict after `move`.

    Until every video has been screened the work is 审核中 (no verdict) unless what is already known
    fails it: never a pass before every stage has completed for every video. A work with no video
    but a Netdisk link waits for its download. A withdrawn or removed work stays so through every
    stage (its verdict still follows the findings) until its withdrawal is taken back (RESTORE)."""
    final = state in FINAL_STATES
    if move in (Move.WITHDRAW, Move.REMOVE) and final:
        raise TransitionRefused(ALREADY_WITHDRAWN)
    if move == Move.RESTORE and not final:
        raise TransitionRefused("该作品没有撤销，无需恢复。")
    screened = progress.videos > 0 and progress.screened >= progress.videos
    verdict = progress.result if screened or progress.result == Verdict.FAIL else None
    if move == Move.WITHDRAW:
        return Standing(SubmissionState.WITHDRAWN, verdict)
    if move == Move.REMOVE:
        return Standing(SubmissionState.REMOVED, verdict)
    if final and move == Move.DERIVE:
        return Standing(SubmissionState(state), verdict)
    if screened:
        return Standing(SubmissionState.SCREENED, verdict)
    if not progress.videos and progress.netdisk:
        return Standing(SubmissionState.AWAITING_DOWNLOAD, verdict)
    return Standing(SubmissionState.RECEIVED, verdict)
