"""Pure summaries of the catalogue and the run history: no database, no Prefect, no clock."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from tasks.beijing_time import beijing_day
from tasks.findings import CHECK_LABELS, Check, Status
from tasks.intake.text import format_duration
from tasks.report.receipt import state_label, verdict_label

# Chinese names of the flows, for the stage-duration chart.
FLOW_LABELS: dict[str, str] = {
    "nightly": "每晚批处理",
    "intake": "受理",
    "screen-batch": "批量审核",
    "screen-submission": "作品审核",
    "screen-video": "单个视频审核",
    "screen-files": "指定文件审核",
    "judging-assign": "评审分配",
    "judging": "评审与名单审批",
    "publish": "展播发布",
    "report": "状态报告",
}
FAILING = (Status.FAIL, Status.ERROR)  # a rule that failed, or could not be checked


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    id: str
    title: str | None
    state: str
    verdict: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class FindingRow:
    submission_id: str
    check: Check
    status: Status


@dataclass(frozen=True, slots=True)
class RunRow:
    flow_name: str
    state: str  # Prefect's state type, e.g. COMPLETED
    seconds: float  # total run time


@dataclass(frozen=True, slots=True)
class Duration:
    flow_name: str
    label: str
    runs: int
    median_s: float
    max_s: float


@dataclass(frozen=True, slots=True)
class ListedRow:
    tier: str
    title: str
    published: bool


@dataclass(slots=True)
class JudgingState:
    """Judging and publication as the report shows them (tasks.report.collect.judging_state)."""

    works: int = 0  # works in judging (with a 评审编号)
    scores: int = 0  # score sheets' rows received
    expected: int = 0  # assignments: one score expected each
    missing_experts: list[tuple[str, int]] = field(default_factory=list)  # (expert, scores not returned)
    approved_by: str | None = None
    approved_at: datetime | None = None
    listed: list[ListedRow] = field(default_factory=list)  # the latest approved list, in its order
    published: list[str] = field(default_factory=list)  # titles public now
    taken_down: int = 0


@dataclass(slots=True)
class StatusSummary:
    total: int
    by_state: list[tuple[str, int]] = field(default_factory=list)  # (Chinese state, works)
    by_verdict: list[tuple[str, int]] = field(default_factory=list)  # (Chinese verdict, works)
    table: list[dict[str, object]] = field(default_factory=list)  # one row per (state, verdict)
    failures: list[tuple[str, int]] = field(default_factory=list)  # (rule, works), most common first
    per_day: list[tuple[date, int]] = field(default_factory=list)  # Beijing date received, works
    durations: list[Duration] = field(default_factory=list)
    runs_by_state: list[tuple[str, int]] = field(default_factory=list)
    judging: JudgingState = field(default_factory=JudgingState)


def _ordered(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def summarise(
    submissions: list[SubmissionRow], findings: list[FindingRow], runs: list[RunRow] | None = None
) -> StatusSummary:
    """Counts of works by state and by verdict, the rules that failed most works, works received per
    day (Beijing time), and per flow the median and longest completed run."""
    states = Counter(state_label(s.state) for s in submissions)
    verdicts = Counter(verdict_label(s.verdict) for s in submissions)
    pairs = Counter((state_label(s.state), verdict_label(s.verdict)) for s in submissions)
    table = [
        {"状态": state, "审核结论": verdict, "作品数": count}
        for (state, verdict), count in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    ]
    known = {s.id for s in submissions}
    failed = {
        (f.submission_id, f.check) for f in findings if f.status in FAILING and f.submission_id in known
    }
    failures = _ordered(Counter(CHECK_LABELS.get(check, check) for _, check in failed))
    days = Counter(beijing_day(s.received_at) for s in submissions)
    durations = []
    completed: dict[str, list[float]] = {}
    for run in runs or []:
        if run.state == "COMPLETED":
            completed.setdefault(run.flow_name, []).append(run.seconds)
    for name, seconds in sorted(completed.items(), key=lambda item: list(FLOW_LABELS).index(item[0])
                                if item[0] in FLOW_LABELS else len(FLOW_LABELS)):  # fmt: skip
        label = FLOW_LABELS.get(name, name)
        durations.append(Duration(name, label, len(seconds), statistics.median(seconds), max(seconds)))
    return StatusSummary(
        total=len(submissions),
        by_state=_ordered(states),
        by_verdict=_ordered(verdicts),
        table=table,
        failures=failures,
        per_day=sorted(days.items()),
        durations=durations,
        runs_by_state=_ordered(Counter(r.state for r in runs or [])),
    )


def seconds_label(seconds: float) -> str:
    """A stage's duration: tenths under a minute, whole seconds above."""
    return format_duration(seconds, tenths=seconds < 60)


def markdown(summary: StatusSummary, *, top: int = 5, title: str = "作品审核概况") -> str:
    """The Chinese markdown summary published as an artifact after every run."""
    lines = [f"# {title}", "", f"共收到作品 **{summary.total}** 件。", ""]
    if summary.by_state:
        lines.append(
            "按状态：" + "，".join(f"{label} {count} 件" for label, count in summary.by_state) + "。"
        )
    if summary.by_verdict:
        lines.append(
            "按审核结论：" + "，".join(f"{label} {count} 件" for label, count in summary.by_verdict) + "。"
        )
    lines += ["", "## 最常见的不通过原因", ""]
    if summary.failures:
        lines += ["| 检查项 | 作品数 |", "| --- | ---: |"]
        lines += [f"| {label} | {count} |" for label, count in summary.failures[:top]]
    else:
        lines.append("暂无不通过的检查项。")
    if summary.durations:
        lines += [
            "",
            "## 各环节用时",
            "",
            "| 环节 | 运行次数 | 中位用时 | 最长用时 |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {d.label} | {d.runs} | {seconds_label(d.median_s)} | {seconds_label(d.max_s)} |"
            for d in summary.durations
        ]
    return "\n".join(lines) + "\n"
