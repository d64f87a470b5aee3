"""Reading what the summary needs: the catalogue (SQLAlchemy) and the run history (Prefect API)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.catalogue.models import File, FindingRecord, Submission
from tasks.findings import Check, Status
from tasks.report.summary import FLOW_LABELS, FindingRow, RunRow, SubmissionRow
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
