"""Judging flows: orchestration only. Rules live in `tasks/judging/`.

- `judging-assign`: the originality check over the eligible works, then the expert assignment
  (earlier assignments kept), then the review packets when a folder is given.
- `judging`: the ranking proposes the list; the run pauses in the Prefect UI until an operator
  approves or edits it (a form titled in Chinese: 特别优秀/优秀 as 「编号 《作品名称》」, 审批人
  (required), 备注); the approved list is
  recorded with who and when, and the 优秀作品名单 is written. `approve=True` records the proposal
  without waiting (the demo, the tests, `guangying approve --yes`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.context import get_run_context
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.states import Failed, State
from pydantic import ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from tasks.config import get_settings
from tasks.judging import service
from tasks.judging.assignment import DEFAULT_PER_WORK, InfeasibleAssignment
from tasks.judging.model import Approval
from tasks.judging.numbers import normal_number, numbers_of, work_label
from tasks.judging.proposal import proposal_markdown
from tasks.judging.ranking import TierPolicy
from tasks.judging.rubric import TIER_EXCELLENT, TIER_SPECIAL
from tasks.outside import for_markdown

APPROVAL_TIMEOUT_S = 7 * 24 * 3600


class ApprovalInput(RunInput):
    """What the operator fills in when resuming the paused `judging` run: every field titled in
    Chinese, each work listed as 「编号 《作品名称》」, the approver required."""

    model_config = ConfigDict(title="批准优秀作品名单")

    approve: bool = Field(True, title="批准该名单", description="取消勾选则不记录名单，流程结束")
    special: list[str] = Field(
        default_factory=list, title="特别优秀", description="每项一件作品：评审编号 《作品名称》；可增删"
    )
    excellent: list[str] = Field(
        default_factory=list, title="优秀", description="每项一件作品：评审编号 《作品名称》；可增删"
    )
    approver: str = Field("", title="审批人", min_length=1, description="必填：批准该名单的人")
    note: str = Field("", title="备注")

    @classmethod
    def with_initial_data(cls, description: str | None = None, **kwargs: Any) -> type[Self]:
        """The form with `kwargs` as its initial values. Prefect's own re-declares each field as
        (type, value), which drops the Chinese titles (the UI then shows "Special", "Approver"):
        here each field keeps its title, description and constraints, only the default changes."""
        fields: dict[str, Any] = {}
        for key, value in kwargs.items():
            info = cls.model_fields[key]
            fields[key] = (
                info.annotation,
                FieldInfo.merge_field_infos(info, default=value, default_factory=None),
            )
        model = create_model(cls.__name__, __base__=cls, **fields)
        if description is not None:
            model._description = description
        return model


def _run_id() -> str | None:
    context = get_run_context()
    flow_run = getattr(context, "flow_run", None)
    if flow_run is None:
        task_run = getattr(context, "task_run", None)
        return str(task_run.flow_run_id) if task_run else None
    return str(flow_run.id)


@task(name="judging-originality", retries=1, retry_delay_seconds=5)
def originality_task() -> dict[str, Any]:
    report = service.check_originality(get_settings())
    return {
        "videos": report.videos,
        "computed": report.computed,
        "new": report.new,
        "pairs": [p.message() for p in report.pairs],
        "problems": report.problems,
    }


@task(name="judging-assign-experts")
def assign_task(
    per_work: int, min_matched: int, redo: list[str] | None = None, operator: str | None = None
) -> dict[str, Any]:
    settings = get_settings().acting(operator)
    works, result = service.assign_catalogue(settings, per_work, min_matched, redo=redo or ())
    return {
        "works": len(works),
        "experts": result.experts,
        "added": result.added,
        "matched": result.matched,
        "loads": result.loads,
        "findings": [f.message for f in result.findings],
    }


@task(name="judging-packets")
def packets_task(folder: str) -> list[str]:
    settings = get_settings()
    return [str(p) for p in service.build_packets(settings, Path(folder), settings.now())]


@flow(name="judging-assign", log_prints=False)
def assign_flow(
    per_work: int = DEFAULT_PER_WORK,
    min_matched: int = 0,
    originality: bool = True,
    packets_dir: str | None = None,
    redo: list[str] | None = None,
    operator: str | None = None,
) -> dict[str, Any] | State:
    """Originality check, expert assignment (`redo`: those works' experts who have not scored them
    are released and chosen anew, as `guangying assign --redo`), review packets. What the command
    refuses (no roster, an unknown work to redo, slots that cannot be filled) ends the run Failed
    with the same sentence."""
    settings = get_settings()
    if not service.has_roster(settings):
        return Failed(message="作品库中还没有专家名单。请先导入专家名单（“experts”部署）。")
    numbers = [normal_number(n) for n in redo or []]
    unknown = service.unknown_works(settings, numbers)
    if unknown:
        return Failed(message=f"找不到评审编号为“{'、'.join(unknown)}”的参评作品")
    outcome: dict[str, Any] = {}
    if originality:
        outcome["originality"] = originality_task()
    try:
        assignment = assign_task(per_work, min_matched, numbers, operator)
    except InfeasibleAssignment as exc:
        return Failed(message=f"无法分配：{exc.message}")
    outcome["assignment"] = assignment
    rows = [  # Prefect renders a table's text cells as Markdown: experts' names are escaped
        {"编号": for_markdown(n), "评审专家": for_markdown("、".join(names))}
        for n, names in sorted(assignment["experts"].items())
    ]
    create_table_artifact(key="judging-assignment", table=rows, description="评审分配（每件作品的评审专家）")
    if packets_dir:
        outcome["packets"] = packets_task(packets_dir)
    return outcome


@task(name="judging-ranking")
def ranking_task(special: float, excellent: float) -> dict[str, Any]:
    return service.standing(get_settings(), TierPolicy(special, excellent)).to_json()


@task(name="judging-record-approval")
def record_task(
    tiers: dict[str, list[str]], proposal: dict[str, list[str]], by: str, note: str, via: str
) -> dict[str, Any]:
    settings = get_settings()
    approval = Approval(tiers, proposal, by, settings.now(), note=note, via=via, flow_run_id=_run_id())
    approval_id, paths = service.approve(settings, approval)
    return {"approval_id": approval_id, "documents": [str(p) for p in paths], "tiers": tiers, "by": by}


@flow(name="judging", log_prints=False)
def judging_flow(
    special: float = 0.1,
    excellent: float = 0.3,
    approve: bool = False,
    approver: str | None = None,
    timeout_s: int = APPROVAL_TIMEOUT_S,
    poll_interval_s: int = 10,
) -> dict[str, Any]:
    """Propose the list, wait for an operator's approval (or edits) in the UI, record it, export it."""
    logger = get_run_logger()
    ranking = ranking_task(special, excellent)
    proposal = ranking["proposal"]
    create_markdown_artifact(
        key="judging-proposal", markdown=proposal_markdown(ranking), description="优秀作品名单建议"
    )
    settings = get_settings()
    if approve:
        return record_task(proposal, proposal, approver or settings.operator_name, "按建议名单批准", "auto")
    titles = {row["work"]: row["title"] for row in ranking["rows"]}

    def labels(numbers: list[str]) -> list[str]:
        return [work_label(n, titles[n]) if n in titles else n for n in numbers]

    special_list, excellent_list = proposal[TIER_SPECIAL], proposal[TIER_EXCELLENT]
    by = approver or ""
    description = "请核对建议名单：可增删作品后提交，须填写审批人；取消勾选“批准该名单”则不记录。"
    warned = service.publication_change(settings, [*special_list, *excellent_list])
    while True:
        form = ApprovalInput.with_initial_data(
            description="\n\n".join([description, *(for_markdown(line) for line in warned)]),
            special=labels(special_list),
            excellent=labels(excellent_list),
            approver=by,
        )
        decision = pause_flow_run(wait_for_input=form, timeout=timeout_s, poll_interval=poll_interval_s)
        if not decision.approve:
            logger.info("approval declined; nothing recorded")
            return {"approval_id": None, "declined": True, "proposal": proposal}
        tiers = {TIER_SPECIAL: numbers_of(decision.special), TIER_EXCELLENT: numbers_of(decision.excellent)}
        by = decision.approver.strip()
        problems = service.check_tiers(tiers, set(titles))
        if not by:
            problems.append("未填写审批人")
        change = service.publication_change(settings, [*tiers[TIER_SPECIAL], *tiers[TIER_EXCELLENT]])
        if not problems and change != warned and change:  # edited: confirm what the edit drops/adds
            special_list, excellent_list, warned = tiers[TIER_SPECIAL], tiers[TIER_EXCELLENT], change
            description = "修改后的名单会改变正在展播的作品，请核对后再次提交以确认："
            continue
        if not problems:
            break
        # An oversized list is not shown again: the form keeps the last list of a sensible size.
        if sum(len(numbers) for numbers in tiers.values()) <= len(titles):
            special_list, excellent_list = tiers[TIER_SPECIAL], tiers[TIER_EXCELLENT]
        description = "上次提交的名单有误，请修改后再提交：" + for_markdown("；".join(problems))
        logger.warning("approval input rejected: %s", problems)
    return record_task(tiers, proposal, by, decision.note, "prefect-ui")
