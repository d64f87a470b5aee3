"""Deployments of the flows: names, parameters, schedules. Operators trigger them from the Prefect UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment

ROOT = Path(__file__).resolve().parents[1]
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # "path/to/file.py:flow_function", relative to the project root
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    cron: str | None = None  # in Asia/Shanghai
    tags: tuple[str, ...] = ("guangying",)


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        name="nightly-intake",
        entrypoint="flows/intake.py:intake",
        description="每晚受理：读取投稿文件夹、收件存储桶和邮箱中的新作品包，登记入库并逐件审核",
        parameters={"sources": True, "screen": True},
        cron="30 1 * * *",  # 01:30 Beijing time: after the day's e-mail, before the committee's morning
    ),
    DeploymentSpec(
        name="ingest",
        entrypoint="flows/intake.py:intake",
        description="受理指定路径的作品包（文件夹或压缩包），登记入库并审核",
        parameters={"paths": [], "screen": True},
    ),
    DeploymentSpec(
        name="screen-files",
        entrypoint="flows/screen.py:screen_files",
        description="技术指标、AI生成标识与简体字幕检查：对指定视频文件逐一检查，结果写入作品库",
        parameters={"paths": [], "record": True},
    ),
)


def build(spec: DeploymentSpec, *, work_pool: str | None = None) -> RunnerDeployment:
    """A RunnerDeployment loaded from the project folder (what a process worker runs)."""
    from prefect import Flow

    flow = Flow.from_source(source=str(ROOT), entrypoint=spec.entrypoint)
    schedules = [CronSchedule(cron=spec.cron, timezone=TIMEZONE)] if spec.cron else None
    return flow.to_deployment(
        name=spec.name,
        description=spec.description,
        parameters=spec.parameters,
        schedules=schedules,
        tags=list(spec.tags),
        work_pool_name=work_pool,
    )
