"""Which works are judged: the one place that reads a submission's verdict and state.

Operators' decisions (waivers, rejections, withdrawals) are folded into `Submission.verdict` and
`Submission.state` by the decision code, so this rule only has to read those two columns.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.models import Submission
from tasks.findings import Verdict
from tasks.states import FINAL_STATES

ELIGIBLE_VERDICT = Verdict.PASS  # only given once every video is screened (tasks.catalogue.submissions)
EXCLUDED_STATES = FINAL_STATES  # withdrawn; a rejection is a decision that fails the verdict


def eligible_submissions(session: Session) -> list[Submission]:
    """Submissions that passed every check (or a person decided so) and are not withdrawn, oldest first.
    A series (several videos in one submission) is one work."""
    query = (
        select(Submission)
        .where(Submission.verdict == ELIGIBLE_VERDICT, Submission.state.not_in(EXCLUDED_STATES))
        .order_by(Submission.received_at, Submission.id)
    )
    return list(session.scalars(query))
