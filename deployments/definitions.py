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
