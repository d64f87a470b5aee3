"""The status report over the catalogue (and Prefect's run history), shared by the `report` flow,
the dashboards every batch refreshes, and `guangying report`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tasks.catalogue.db import catalogue_session
from tasks.config import Settings
from tasks.report import html
from tasks.report.collect import catalogue_rows, judging_state, run_history
from tasks.report.summary import StatusSummary, summarise


def current_summary(settings: Settings, *, with_runs: bool = True) -> tuple[StatusSummary, str | None]:
    """The contest now: the catalogue, and (when Prefect's API answers) the run history; with a
    Chinese sentence when the history could not be read."""
    with catalogue_session(settings) as session:
        submissions, findings = catalogue_rows(session)
        judging = judging_state(session)
    runs, problem = run_history() if with_runs else ([], None)
    summary = summarise(submissions, findings, runs)
    summary.judging = judging
    return summary, problem


def write_report(settings: Settings, out: Path, *, now: datetime) -> tuple[StatusSummary, str | None]:
    """The self-contained Chinese HTML report at `out` (its folder must exist)."""
    summary, problem = current_summary(settings)
    out.write_text(html.render(summary, generated_at=now), encoding="utf-8")
    return summary, problem
