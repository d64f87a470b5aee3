"""Reading what the summary needs: the catalogue (SQLAlchemy) and the run history (Prefect API)."""

from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasks.catalogue.models import (
    File,
    FindingRecord,
    JudgingAssignment,
    JudgingExpert,
    JudgingScore,
    JudgingWork,
    Publication,
    Submission,
)
from tasks.findings import Check, Status
from tasks.publish.selection import latest_approval
from tasks.report.summary import FLOW_LABELS, FindingRow, JudgingState, ListedRow, RunRow, SubmissionRow
from tasks.states import SubmissionState

log = logging.getLogger(__name__)
PAGE = 200


def catalogue_rows(session: Session) -> tuple[list[SubmissionRow], list[FindingRow]]:
    submissions = [
        SubmissionRow(s.id, s.title, s.state, s.verdict, s.received_at)
        for s in session.scalars(
            select(Submission)
            .where(Submission.state != SubmissionState.REMOVED)  # taken in by mistake: not a work
            .order_by(Submission.received_at)
        )
    ]
    query = select(FindingRecord.submission_id, File.submission_id, FindingRecord.check, FindingRecord.status)
    query = query.outerjoin(File, File.id == FindingRecord.file_id)
    findings = [
        FindingRow(str(own or via_file), Check(check), Status(status))
        for own, via_file, check, status in session.execute(query)
        if own or via_file
    ]
    return submissions, findings


def _flow_runs(limit: int) -> list[RunRow]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        flows = client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOW_LABELS))))
        names = {flow.id: flow.name for flow in flows}
        if not names:
            return []
        runs: list = []
        while len(runs) < limit:  # the API serves at most 200 a page
            page = client.read_flow_runs(
                flow_filter=FlowFilter(id={"any_": list(names)}),
                sort=FlowRunSort.START_TIME_DESC,
                limit=min(PAGE, limit - len(runs)),
                offset=len(runs),
            )
            runs += page
            if len(page) < PAGE:
                break
    return [
        RunRow(
            names[r.flow_id],
            r.state_type.value if r.state_type else "UNKNOWN",
            r.total_run_time.total_seconds(),
        )
        for r in runs
        if r.flow_id in names
    ]


def run_history(limit: int = 2000) -> tuple[list[RunRow], str | None]:
    """The flow runs Prefect recorded, or ([], a Chinese reason) when its API cannot be reached."""
    try:
        return _flow_runs(limit), None
    except Exception as exc:  # the report is still useful without the run history
        log.warning("cannot read the run history: %s", exc)
        return [], "无法读取 Prefect 运行记录（各环节用时缺失），请检查 PREFECT_API_URL。"


def judging_state(session: Session) -> JudgingState:
    """Works in judging, scores received against assignments, experts who owe sheets, the latest
    approved list and what is published of it."""
    works = session.scalar(select(func.count()).select_from(JudgingWork)) or 0
    assignments = session.execute(select(JudgingAssignment.submission_id, JudgingAssignment.expert_id)).all()
    scored = set(session.execute(select(JudgingScore.submission_id, JudgingScore.expert_id)).all())
    owed: Counter[int] = Counter(
        expert for submission, expert in assignments if (submission, expert) not in scored
    )
    names = {
        e.id: e.name for e in session.scalars(select(JudgingExpert).where(JudgingExpert.id.in_(list(owed))))
    }
    missing = sorted(((names.get(i, f"专家{i}"), n) for i, n in owed.items()), key=lambda r: (-r[1], r[0]))
    publications = session.scalars(select(Publication)).all()
    public = {p.submission_id: p for p in publications if p.state == "published"}
    approval = latest_approval(session)
    listed = [
        ListedRow(
            str(item.get("tier") or ""), str(item.get("title") or ""), item.get("submission_id") in public
        )
        for item in (approval.items if approval else []) or []
    ]
    return JudgingState(
        works=int(works),
        scores=len(scored),
        expected=len(assignments),
        missing_experts=missing,
        approved_by=approval.approved_by if approval else None,
        approved_at=approval.approved_at if approval else None,
        listed=listed,
        published=[str(p.entry.get("title") or "") for p in public.values()],
        taken_down=sum(1 for p in publications if p.state != "published"),
    )
