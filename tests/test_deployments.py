"""Deployments registered on a real Prefect server: entrypoints load, schedules are in Asia/Shanghai."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate

from deployments.definitions import DEPLOYMENTS, TIMEZONE, build

pytestmark = pytest.mark.usefixtures("prefect_server")


async def _create_pool(name: str) -> None:
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=name, type="process"), overwrite=True)


async def _read(deployment_id):  # type: ignore[no-untyped-def]
    async with get_client() as client:
        return await client.read_deployment(deployment_id)


def test_every_deployment_registers_for_a_work_pool() -> None:
    asyncio.run(_create_pool("guangying-test"))
    for spec in DEPLOYMENTS:
        deployment = asyncio.run(_read(build(spec, work_pool="guangying-test").apply()))
        assert deployment.name == spec.name
        assert deployment.work_pool_name == "guangying-test"
        assert deployment.entrypoint == spec.entrypoint
        assert deployment.parameters == spec.parameters
        if spec.cron:
            (schedule,) = deployment.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone) == (spec.cron, TIMEZONE)
        else:
            assert deployment.schedules == []


def test_there_is_a_nightly_schedule() -> None:
    assert any(spec.cron for spec in DEPLOYMENTS), "a nightly run must process what arrived during the day"
