"""Dashboards: the artifacts every batch publishes, and the HTML status report (`guangying report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel, ConfigDict, Field

from flows.retries import IO_RETRIES
from tasks.config import get_settings
from tasks.report.service import current_summary, write_report
from tasks.report.summary import markdown

TABLE_KEY = "guangying-submissions-by-state"
SUMMARY_KEY = "guangying-summary"


@task(name="publish-dashboards", **IO_RETRIES)
def publish_dashboards_task(title: str = "作品审核概况") -> dict[str, Any]:
    """The table of works by state and verdict and the Chinese markdown summary, as artifacts with
    fixed keys (each run adds a version: the Artifacts page shows the latest, with its history)."""
    summary, _ = current_summary(get_settings())
    create_table_artifact(
        key=TABLE_KEY, table=summary.table or [{"状态": "—", "审核结论": "—", "作品数": 0}],
        description=f"按状态与审核结论统计的作品数（共 {summary.total} 件）",
    )  # fmt: skip
    create_markdown_artifact(key=SUMMARY_KEY, markdown=markdown(summary, title=title), description=title)
    return {"total": summary.total, "by_state": summary.by_state, "by_verdict": summary.by_verdict}


class ReportParameters(BaseModel):
    model_config = ConfigDict(title="报告参数")

    out: str | None = Field(
        None,
        title="报告文件",
        description="HTML 状态报告的保存路径（在运行该流程的机器上，文件夹须已存在）；留空则只更新看板",
    )


REPORT_DEFAULTS = ReportParameters()


@flow(name="report", log_prints=True)
def report(parameters: ReportParameters = REPORT_DEFAULTS) -> dict[str, Any]:
    """Refresh the dashboards and, with `out`, write the HTML status report."""
    counts = publish_dashboards_task()
    if parameters.out:
        settings = get_settings()
        write_report(settings, Path(parameters.out), now=settings.now())
        print(f"状态报告已写入 {parameters.out}")
    return counts
