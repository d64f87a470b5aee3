"""A 受理编号 prefix → the works it names: the one resolver, by one SQL query, that every command,
flow and service uses (`tasks.submissions.service.resolve_id` raises when it is not one work)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.models import Submission


@dataclass(frozen=True, slots=True)
class IdMatch:
    """A work whose 受理编号 starts with the prefix asked for, as a list of candidates shows it."""

    id: str
    title: str | None
    submitter: str | None
    unit: str | None

    @property
    def line(self) -> str:
        who = self.submitter or self.unit or "报送人未识别"
        return f"{self.id}  《{self.title or '未识别'}》 {who}"


class SubmissionIdError(LookupError):
    """A 受理编号 prefix that names no work, or several (`matches`, to choose from)."""

    def __init__(self, prefix: str, matches: list[IdMatch]) -> None:
        self.prefix, self.matches = prefix, matches
        if matches:
            text = f"受理编号“{prefix}”对应{len(matches)}件作品，请多写几位："
        else:
            text = f"找不到受理编号为“{prefix}”的作品。请用 guangying status 查看。"
        super().__init__(text)


def id_matches(session: Session, prefix: str, *, limit: int | None = None) -> list[IdMatch]:
    """The works (those removed by mistake too, so that they can be restored) whose 受理编号 starts
    with `prefix`: one query, whatever the size of the catalogue."""
    query = (
        select(Submission.id, Submission.title, Submission.submitter, Submission.unit)
        .where(Submission.id.startswith(prefix.strip(), autoescape=True))
        .order_by(Submission.received_at, Submission.created_at)
        .limit(limit)
    )
    return [IdMatch(*row) for row in session.execute(query)]
