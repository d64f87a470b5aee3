"""The 审核中/verdict state machine (tasks/states.py `transition`): every move from every state,
and the moves it refuses."""

from __future__ import annotations

import pytest

from tasks.findings import Verdict
from tasks.states import (
    ALREADY_WITHDRAWN,
    FINAL_STATES,
    Move,
    Progress,
    Standing,
    SubmissionState,
    TransitionRefused,
    transition,
)

S = SubmissionState
OPEN_STATES = (S.RECEIVED, S.AWAITING_DOWNLOAD, S.SCREENED)


def progress(
    videos: int = 1, screened: int = 1, *, netdisk: bool = False, result: str = Verdict.PASS
) -> Progress:
    return Progress(videos=videos, screened=screened, netdisk=netdisk, result=result)


@pytest.mark.parametrize("state", OPEN_STATES)
def test_a_stage_derives_the_state_from_the_videos_whatever_the_state_was(state: S) -> None:
    assert transition(state, Move.DERIVE, progress(2, 2)) == Standing(S.SCREENED, Verdict.PASS)
    assert transition(state, Move.DERIVE, progress(2, 1)) == Standing(S.RECEIVED, None)
    assert transition(state, Move.DERIVE, progress(0, 0)) == Standing(S.RECEIVED, None)
    assert transition(state, Move.DERIVE, progress(0, 0, netdisk=True)) == Standing(S.AWAITING_DOWNLOAD, None)
    # A downloaded video ends the wait for the Netdisk link.
    assert transition(state, Move.DERIVE, progress(1, 0, netdisk=True)) == Standing(S.RECEIVED, None)
    assert transition(state, Move.DERIVE, progress(1, 1, netdisk=True)) == Standing(S.SCREENED, Verdict.PASS)


@pytest.mark.parametrize("result", [Verdict.PASS, Verdict.REVIEW, Verdict.FAIL])
def test_under_review_until_every_video_is_screened_unless_it_already_fails(result: str) -> None:
    pending = transition(S.RECEIVED, Move.DERIVE, progress(3, 2, result=result))
    assert pending.state == S.RECEIVED
    assert pending.verdict == (Verdict.FAIL if result == Verdict.FAIL else None)  # never a pass too early
    done = transition(S.RECEIVED, Move.DERIVE, progress(3, 3, result=result))
    assert done == Standing(S.SCREENED, result)
    waiting = transition(S.AWAITING_DOWNLOAD, Move.DERIVE, progress(0, 0, netdisk=True, result=result))
    assert waiting == Standing(S.AWAITING_DOWNLOAD, Verdict.FAIL if result == Verdict.FAIL else None)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_no_stage_moves_a_withdrawn_work_but_its_verdict_follows_the_findings(state: str) -> None:
    assert transition(state, Move.DERIVE, progress(1, 1, result=Verdict.REVIEW)) == Standing(
        S(state), Verdict.REVIEW
    )
    assert transition(state, Move.DERIVE, progress(1, 0)) == Standing(S(state), None)
    assert transition(state, Move.DERIVE, progress(0, 0, netdisk=True, result=Verdict.FAIL)) == Standing(
        S(state), Verdict.FAIL
    )


@pytest.mark.parametrize("state", OPEN_STATES)
def test_withdrawing_or_removing_an_open_work(state: S) -> None:
    assert transition(state, Move.WITHDRAW, progress(1, 1)) == Standing(S.WITHDRAWN, Verdict.PASS)
    assert transition(state, Move.REMOVE, progress(1, 0)) == Standing(S.REMOVED, None)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_restoring_puts_the_work_where_its_videos_say(state: str) -> None:
    assert transition(state, Move.RESTORE, progress(1, 1)) == Standing(S.SCREENED, Verdict.PASS)
    assert transition(state, Move.RESTORE, progress(2, 1)) == Standing(S.RECEIVED, None)
    assert transition(state, Move.RESTORE, progress(0, 0, netdisk=True)) == Standing(
        S.AWAITING_DOWNLOAD, None
    )


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
@pytest.mark.parametrize("move", [Move.WITHDRAW, Move.REMOVE])
def test_a_withdrawn_work_is_not_withdrawn_again(state: str, move: Move) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(state, move, progress())
    assert str(refused.value) == ALREADY_WITHDRAWN == "该作品已经撤销过。"


@pytest.mark.parametrize("state", OPEN_STATES)
def test_only_a_withdrawn_work_is_restored(state: S) -> None:
    with pytest.raises(TransitionRefused, match="该作品没有撤销，无需恢复。"):
        transition(state, Move.RESTORE, progress())


def test_every_state_and_move_is_either_a_standing_or_a_refusal() -> None:
    for state in S:
        for move in Move:
            try:
                standing = transition(state, move, progress(1, 1))
            except TransitionRefused:
                assert (state in FINAL_STATES) != (move == Move.RESTORE)
                continue
            assert standing.state in S and standing.verdict == Verdict.PASS
