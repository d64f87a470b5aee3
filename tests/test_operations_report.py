"""Dashboards and the HTML status report: pure summaries, the artifacts a run publishes, the page in
headless Chromium (Debian's chromium), and `guangying report` on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tasks.report.summary import FindingRow, RunRow, SubmissionRow, markdown, summarise

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 23:30 Beijing time on 20 November


def _rows() -> tuple[list[SubmissionRow], list[FindingRow]]:
    submissions = [
        SubmissionRow("a", "红岩家书", "screened", "pass", T0),
        SubmissionRow("b", "嘉陵江畔", "screened", "fail", T0 + timedelta(minutes=45)),  # 21 Nov in Beijing
        SubmissionRow("c", "山城记忆", "screened", "fail", T0 + timedelta(days=1)),
        SubmissionRow("d", "歌乐山下", "received", None, T0 + timedelta(days=1)),
    ]
    findings = [
        FindingRow("b", "resolution", "fail"),
        FindingRow("b", "resolution", "fail"),  # two files of one work: one work
        FindingRow("c", "resolution", "fail"),
        FindingRow("c", "naming", "fail"),
        FindingRow("c", "subtitles", "warn"),
        FindingRow("a", "duration", "pass"),
    ]
    return submissions, findings


def test_summary_counts_works_by_state_verdict_day_and_failing_rule() -> None:
    submissions, findings = _rows()
    runs = [RunRow("screen-submission", "COMPLETED", s) for s in (10.0, 30.0, 20.0)]
    runs.append(RunRow("screen-submission", "FAILED", 999.0))
    summary = summarise(submissions, findings, runs)
    assert summary.total == 4
    assert summary.by_verdict == [("不通过", 2), ("审核中", 1), ("通过", 1)]
    assert dict(summary.by_state) == {"已完成初步审核": 3, "已受理": 1}
    assert summary.failures == [("分辨率", 2), ("文件命名", 1)]
    assert [(d.isoformat(), n) for d, n in summary.per_day] == [("2026-11-20", 1), ("2026-11-21", 3)]
    (duration,) = summary.durations
    assert (duration.label, duration.runs, duration.median_s, duration.max_s) == ("作品审核", 3, 20.0, 30.0)
    assert {"状态": "已完成初步审核", "审核结论": "不通过", "作品数": 2} in summary.table
    text = markdown(summary)
    assert "共收到作品 **4** 件" in text
    assert "| 分辨率 | 2 |" in text.split("## 最常见的不通过原因")[1]
    assert "20.0秒" in text


def _seed_catalogue() -> None:
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import FindingRecord, Submission
    from tasks.config import get_settings

    submissions, findings = _rows()
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        for s in submissions:
            session.add(
                Submission(
                    id=s.id, title=s.title, state=s.state, verdict=s.verdict, received_at=s.received_at
                )
            )
        session.flush()
        for f in findings:
            session.add(
                FindingRecord(
                    submission_id=f.submission_id, stage="intake", check=f.check, status=f.status, message="…"
                )
            )


async def _artifacts(flow_run_id: Any) -> dict[str, str]:
    """The dashboards one run published (other tests' batches publish under the same keys)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: str(a.data) for a in found if a.key}


@pytest.mark.usefixtures("prefect_server")
def test_report_flow_publishes_dashboards_and_the_page_shows_every_chart(
    tmp_path: Path, clock: datetime
) -> None:
    import asyncio

    from playwright.sync_api import sync_playwright

    from flows.report import SUMMARY_KEY, TABLE_KEY, ReportParameters, report

    _seed_catalogue()
    state = report(ReportParameters(), return_state=True)  # one completed run: a bar for durations
    assert state.result()["total"] == 4
    artifacts = asyncio.run(_artifacts(state.state_details.flow_run_id))
    assert "共收到作品 **4** 件" in artifacts[SUMMARY_KEY]
    table = json.loads(artifacts[TABLE_KEY])
    assert {"状态": "已完成初步审核", "审核结论": "不通过", "作品数": 2} in table

    out = tmp_path / "report.html"
    report(ReportParameters(out=str(out)))
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 900, "height": 1400})
            tab.goto(out.as_uri())
            charts = tab.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => [
                    f.dataset.chart,
                    [...f.querySelectorAll('rect.bar')].map(r => [r.getBBox().width > 0, Number(r.dataset.value)])
                ]))"""
            )
            total = tab.text_content("#total")
            tab.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert total == "4"
    assert [v for _, v in charts["received-per-day"]] == [1, 3]
    assert sorted(v for _, v in charts["verdicts"]) == [1, 1, 2]
    assert [v for _, v in charts["failures-by-rule"]] == [2, 1]
    assert charts["stage-durations"] and all(visible for visible, _ in charts["stage-durations"])
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_report_command_refuses_a_missing_folder_in_chinese(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "--out", str(target)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "文件夹" in done.stderr and "不存在" in done.stderr and "Traceback" not in done.stderr
    assert not target.parent.exists()


def test_the_report_shows_judging_and_publication_and_fits_a_phone(tmp_path: Path, clock: datetime) -> None:
    """Judging figures read from the catalogue (works, scores received of expected, experts owing
    sheets, the approved list, what is published); the page at 390×844 and 1400×900 in Chromium
    has no horizontal overflow."""
    from playwright.sync_api import sync_playwright

    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import (
        JudgingApproval,
        JudgingAssignment,
        JudgingExpert,
        JudgingScore,
        JudgingWork,
        Publication,
        Submission,
    )
    from tasks.config import get_settings
    from tasks.report import html
    from tasks.report.collect import judging_state

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        works = [
            Submission(title=t, unit="重庆市档案馆", form={})
            for t in ("红岩家书", "嘉陵江畔", "一部标题非常非常长的党史短视频作品《山城》")
        ]
        experts = [JudgingExpert(name=n) for n in ("李教授", "王研究员")]
        session.add_all([*works, *experts])
        session.flush()
        for index, work in enumerate(works):
            session.add(JudgingWork(submission_id=work.id, number=f"000{index + 1}"))
            for expert in experts:
                session.add(JudgingAssignment(submission_id=work.id, expert_id=expert.id))
        session.add_all(
            [
                JudgingScore(
                    submission_id=w.id,
                    expert_id=experts[0].id,
                    total=90.0,
                    source_file="李.xlsx",
                    source_sha256="0" * 64,
                )
                for w in works
            ]
            + [
                JudgingScore(
                    submission_id=works[0].id,
                    expert_id=experts[1].id,
                    total=88.0,
                    source_file="王.xlsx",
                    source_sha256="1" * 64,
                )
            ]
        )
        session.add(
            JudgingApproval(
                items=[
                    {"submission_id": works[0].id, "title": works[0].title, "tier": "特别优秀"},
                    {"submission_id": works[2].id, "title": works[2].title, "tier": "优秀"},
                ],
                approved_by="筹备组",
                approved_at=clock,
            )
        )
        session.add(
            Publication(submission_id=works[0].id, fingerprint="f", entry={"title": works[0].title}, keys=[])
        )
        session.flush()
        state = judging_state(session)

    assert (state.works, state.scores, state.expected) == (3, 4, 6)
    assert state.missing_experts == [("王研究员", 2)]
    assert [(r.tier, r.published) for r in state.listed] == [("特别优秀", True), ("优秀", False)]
    submissions, findings = _rows()
    summary = summarise(submissions, findings, [])
    summary.judging = state
    page = tmp_path / "report.html"
    page.write_text(html.render(summary, generated_at=clock), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    assert "未交回评分表的专家" in text and "王研究员" in text and "已展播" in text and "未展播" in text

    measured = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            for width, height in ((390, 844), (1400, 900)):
                tab = browser.new_page(viewport={"width": width, "height": height})
                tab.goto(page.as_uri())
                tab.screenshot(path=str(tmp_path / f"report-{width}x{height}.png"), full_page=True)
                measured[width] = tab.evaluate(
                    """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
                              document.querySelector('#scores').textContent,
                              document.querySelector('#expected').textContent]"""
                )
                tab.close()
        finally:
            browser.close()
    for width, (scroll, client, scores, expected) in measured.items():
        assert scroll <= client, (width, scroll, client)
        assert (scores, expected) == ("4", "6")
    assert (tmp_path / "report-390x844.png").is_file() and (tmp_path / "report-1400x900.png").is_file()
