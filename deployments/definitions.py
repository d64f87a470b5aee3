"""Deployments of the flows: names, parameter forms, schedules. Operators trigger them from the Prefect UI."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from pydantic import BaseModel

from deployments import forms

ROOT = Path(__file__).resolve().parents[1]
TIMEZONE = "Asia/Shanghai"
# Task-run concurrency limits by tag, created by `python -m deployments apply`: Whisper and OCR are
# the memory- and CPU-heavy engines; these caps hold across every worker of the pool.
CONCURRENCY_LIMITS: dict[str, int] = {"asr": 2, "ocr": 4}


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # "path/to/file.py:flow_function", relative to the project root
    description: str
    form: type[BaseModel]  # Chinese titles and descriptions of the flow's parameters
    parameters: dict[str, Any] = field(default_factory=dict)
    cron: str | None = None  # in Asia/Shanghai
    tags: tuple[str, ...] = ("guangying",)

    @property
    def qualified(self) -> str:
        """flow-name/deployment-name, as run_deployment and `prefect deployment run` take it."""
        return f"{FLOW_NAMES[self.entrypoint]}/{self.name}"


FLOW_NAMES = {
    "flows/batch.py:nightly": "nightly",
    "flows/batch.py:screen_batch": "screen-batch",
    "flows/intake.py:intake": "intake",
    "flows/intake.py:screen_submission": "screen-submission",
    "flows/screen.py:screen_files": "screen-files",
    "flows/judging.py:assign_flow": "judging-assign",
    "flows/judging.py:judging_flow": "judging",
    "flows/publish.py:publish": "publish",
    "flows/report.py:report": "report",
    "flows/outbox.py:outbox_flow": "outbox",
    "flows/actions.py:experts_flow": "experts",
    "flows/actions.py:packets_flow": "packets",
    "flows/actions.py:scores_flow": "scores",
    "flows/actions.py:ranking_flow": "ranking",
    "flows/actions.py:approve_flow": "approve",
    "flows/actions.py:category_flow": "category",
    "flows/actions.py:originality_flow": "originality",
    "flows/actions.py:decide_flow": "decide",
    "flows/actions.py:withdraw_flow": "withdraw",
    "flows/actions.py:rescreen_flow": "rescreen",
    "flows/actions.py:recheck_flow": "recheck",
    "flows/actions.py:original_flow": "original",
}

DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        name="nightly",
        entrypoint="flows/batch.py:nightly",
        description="每晚批处理：读取投稿文件夹、收件存储桶和邮箱中的新作品包登记入库，经工作池分发逐件审核，"
        "写回执，更新看板",
        form=forms.ModelForm,
        cron="30 1 * * *",  # 01:30 Beijing time: after the day's e-mail, before the committee's morning
    ),
    DeploymentSpec(
        name="screen-batch",
        entrypoint="flows/batch.py:screen_batch",
        description="批量审核：对指定作品（或全部尚未审完的作品）各启动一次审核运行，由工作池中的多台机器共同处理",
        form=forms.ModelForm,
    ),
    DeploymentSpec(
        name="screen-submission",
        entrypoint="flows/intake.py:screen_submission",
        description="审核一件作品：从对象存储取回尚未审核的视频逐一检查，更新审核结论并写回执",
        form=forms.ScreenSubmissionForm,
    ),
    DeploymentSpec(
        name="ingest",
        entrypoint="flows/intake.py:intake",
        description="受理指定路径的作品包（文件夹、压缩包或邮件文件），登记入库并审核",
        form=forms.IntakeForm,
        parameters={"paths": [], "screen": True},
    ),
    DeploymentSpec(
        name="screen-files",
        entrypoint="flows/screen.py:screen_files",
        description="技术指标、AI生成标识与简体字幕检查：对指定视频文件逐一检查，结果写入作品库",
        form=forms.ScreenFilesForm,
        parameters={"paths": [], "record": True},
    ),
    DeploymentSpec(
        name="judging-assign",
        entrypoint="flows/judging.py:assign_flow",
        description="评审准备：作品查重、分配评审专家、生成评审材料包",
        form=forms.JudgingAssignForm,
    ),
    DeploymentSpec(
        name="judging",
        entrypoint="flows/judging.py:judging_flow",
        description="汇总评分、提出优秀作品名单建议，暂停等待审批人在界面上确认（可修改）后记录并导出",
        form=forms.JudgingForm,
    ),
    DeploymentSpec(
        name="publish",
        entrypoint="flows/publish.py:publish",
        description="展播发布：为批准的优秀作品生成展播版本、海报、字幕和各平台清单，更新展播页面",
        form=forms.PublishForm,
    ),
    DeploymentSpec(
        name="report",
        entrypoint="flows/report.py:report",
        description="更新看板（按状态与结论统计的作品表、概况摘要），可同时生成 HTML 状态报告",
        form=forms.ModelForm,
    ),
    DeploymentSpec(
        name="outbox",
        entrypoint="flows/outbox.py:outbox_flow",
        description="待发邮件：按作品库现状起草回执、提醒、评审材料和评审结果，按类别批准（记录批准人），"
        "从活动邮箱发出已批准的邮件（每封至多一次）",
        form=forms.OutboxForm,
        parameters={"send": True},
    ),
    # The operator's actions (flows/actions.py): each calls the same service as the CLI command of
    # the same name; a refusal ends the run Failed with its Chinese message.
    DeploymentSpec(
        name="decide",
        entrypoint="flows/actions.py:decide_flow",
        description="记录工作人员对某件作品的决定（同意逾期、免除某项、不予受理、更正收到时间、撤回决定等），"
        "与决定人、时间、理由一并记入作品库，审核结论与回执随之更新；不适用的决定会被拒绝，不作任何改动",
        form=forms.DecideForm,
    ),
    DeploymentSpec(
        name="withdraw",
        entrypoint="flows/actions.py:withdraw_flow",
        description="撤销一件作品（如重复报送），或作为误收移除（原件保留），记录理由",
        form=forms.WithdrawForm,
    ),
    DeploymentSpec(
        name="rescreen",
        entrypoint="flows/actions.py:rescreen_flow",
        description="重新审核一件作品的视频（也用于只登记未审核的作品），更新结论与回执",
        form=forms.RescreenForm,
    ),
    DeploymentSpec(
        name="recheck",
        entrypoint="flows/actions.py:recheck_flow",
        description="按现行设置（如截止时间）重新核对所有作品的报送材料，更新结论和回执",
        form=forms.RecheckForm,
    ),
    DeploymentSpec(
        name="original",
        entrypoint="flows/actions.py:original_flow",
        description="按受理编号取回作品的原件（原始压缩包或邮件，以及其中的文件），保存到工作机上的文件夹",
        form=forms.OriginalForm,
    ),
    DeploymentSpec(
        name="approve",
        entrypoint="flows/actions.py:approve_flow",
        description="批准优秀作品名单（按排名建议或按填写的名单），记录审批人并导出名单（.docx/.xlsx）和荣誉证书；"
        "需要逐件核对后再批准时，请用“judging”部署",
        form=forms.ApproveForm,
    ),
    DeploymentSpec(
        name="category",
        entrypoint="flows/actions.py:category_flow",
        description="更正参评作品的类别（覆盖登记表所填）",
        form=forms.CategoryForm,
    ),
    DeploymentSpec(
        name="originality",
        entrypoint="flows/actions.py:originality_flow",
        description="原创性检查：查看疑似重复的作品，核实后排除或确认（确认须指明抄袭方）",
        form=forms.OriginalityForm,
    ),
    DeploymentSpec(
        name="experts",
        entrypoint="flows/actions.py:experts_flow",
        description="导入评审专家名单（姓名、单位、专长、最大评审数、联系方式）；名单有错误则整表不导入",
        form=forms.ExpertsForm,
    ),
    DeploymentSpec(
        name="packets",
        entrypoint="flows/actions.py:packets_flow",
        description="生成每位专家的评审包（评审.html、720p观看视频、字幕、评分表），可拷贝到U盘离线使用",
        form=forms.PacketsForm,
    ),
    DeploymentSpec(
        name="scores",
        entrypoint="flows/actions.py:scores_flow",
        description="导入专家交回的评分表；有错误的表整表不导入",
        form=forms.ScoresForm,
    ),
    DeploymentSpec(
        name="ranking",
        entrypoint="flows/actions.py:ranking_flow",
        description="汇总评分、排名，给出优秀作品名单建议（结果见运行的制品页）",
        form=forms.RankingForm,
    ),
)


def titled_schema(schema: dict[str, Any], form: type[BaseModel]) -> dict[str, Any]:
    """The flow's parameter schema with each top-level field's Chinese title and description.

    A form field marked `as_text` is typed by the form instead (a text input): the UI's date-time
    widget works in UTC, while an operator types the times of the contest in Beijing time."""
    properties = schema.get("properties", {})
    own = form.model_json_schema().get("properties", {})
    for name, info in form.model_fields.items():
        if name in properties:
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            if extra.get("as_text"):
                properties[name] = {k: v for k, v in own[name].items() if k != "as_text"}
            properties[name]["title"] = info.title
            properties[name]["description"] = info.description
    return schema


def build(spec: DeploymentSpec, *, work_pool: str | None = None) -> RunnerDeployment:
    """A RunnerDeployment loaded from the project folder (what a process worker runs)."""
    from prefect import Flow
    from prefect.utilities.callables import ParameterSchema

    flow = cast(Flow[..., Any], Flow.from_source(source=str(ROOT), entrypoint=spec.entrypoint))
    schedules = [CronSchedule(cron=spec.cron, timezone=TIMEZONE)] if spec.cron else None
    deployment = cast(
        RunnerDeployment,
        flow.to_deployment(
            name=spec.name,
            description=spec.description,
            parameters=spec.parameters,
            schedules=schedules,
            tags=list(spec.tags),
            work_pool_name=work_pool,
        ),
    )
    schema = deployment._parameter_openapi_schema.model_dump(by_alias=True)
    deployment._parameter_openapi_schema = ParameterSchema(**titled_schema(schema, spec.form))
    return deployment


async def ensure_pool_and_limits(pool: str, limits: dict[str, int] = CONCURRENCY_LIMITS) -> None:
    """The process work pool (created when missing) and the task concurrency limits by tag."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    async with get_client() as client:
        with contextlib.suppress(ObjectAlreadyExists):
            await client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        for tag, limit in limits.items():
            await client.create_concurrency_limit(tag=tag, concurrency_limit=limit)
