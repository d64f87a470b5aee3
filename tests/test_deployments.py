"""Deployments registered on a real Prefect server: entrypoints load, schedules are in Asia/Shanghai,
every parameter has a Chinese title and description, `apply` creates the asr/ocr concurrency limits."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest
import regex
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate

from deployments.definitions import (
    CONCURRENCY_LIMITS,
    DEPLOYMENTS,
    FLOW_NAMES,
    TIMEZONE,
    build,
    ensure_pool_and_limits,
)

HAN = regex.compile(r"\p{Han}")
ROOT = Path(__file__).resolve().parents[1]


async def _create_pool(name: str) -> None:
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=name, type="process"), overwrite=True)


async def _read(deployment_id):  # type: ignore[no-untyped-def]
    async with get_client() as client:
        return await client.read_deployment(deployment_id)


def _fields(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every form field: the top-level parameters and the fields of the models they refer to."""
    fields = [(name, info) for name, info in schema["properties"].items()]
    for model, definition in schema.get("definitions", {}).items():
        fields += [(f"{model}.{name}", info) for name, info in definition.get("properties", {}).items()]
    return fields


@pytest.mark.usefixtures("prefect_server")
def test_every_deployment_registers_for_a_work_pool_with_chinese_forms() -> None:
    asyncio.run(_create_pool("guangying-test"))
    for spec in DEPLOYMENTS:
        deployment = asyncio.run(_read(build(spec, work_pool="guangying-test").apply()))
        assert deployment.name == spec.name
        assert deployment.work_pool_name == "guangying-test"
        assert deployment.entrypoint == spec.entrypoint
        assert deployment.parameters == spec.parameters
        assert HAN.search(deployment.description or "")
        if spec.cron:
            (schedule,) = deployment.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone) == (spec.cron, TIMEZONE)
        else:
            assert deployment.schedules == []
        fields = _fields(deployment.parameter_openapi_schema)
        assert fields, spec.name
        for name, info in fields:
            assert HAN.search(info.get("title", "")), f"{spec.name}: {name} has no Chinese title"
            assert HAN.search(info.get("description", "")), f"{spec.name}: {name} has no Chinese description"


def test_the_forms_mirror_the_flow_signatures() -> None:
    from prefect import Flow

    for spec in DEPLOYMENTS:
        flow = Flow.from_source(source=".", entrypoint=spec.entrypoint)
        assert flow.name == FLOW_NAMES[spec.entrypoint]
        assert set(spec.form.model_fields) == set(inspect.signature(flow.fn).parameters), spec.name


# Flows that are no deployment of their own: the one-video subflow, and the demo (run by `guangying demo`).
NOT_DEPLOYED = {"flows/screen.py:screen_video", "flows/demo.py:demo_flow", "flows/demo.py:demo_judging_flow"}


def _is_flow(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "flow"


def _flows_in_the_code() -> set[str]:
    """`path:function` of every @flow-decorated function under flows/."""
    return {
        f"{path.relative_to(ROOT)}:{node.name}"
        for path in (ROOT / "flows").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(map(_is_flow, node.decorator_list))
    }


def test_every_flow_is_deployed_and_one_runs_nightly() -> None:
    flows = _flows_in_the_code()
    assert flows >= NOT_DEPLOYED  # the exceptions still exist
    assert {spec.entrypoint for spec in DEPLOYMENTS} == flows - NOT_DEPLOYED
    assert set(FLOW_NAMES) == flows - NOT_DEPLOYED
    (nightly,) = [spec for spec in DEPLOYMENTS if spec.cron]
    assert nightly.qualified == "nightly/nightly"


async def _limits() -> dict[str, int]:
    async with get_client() as client:
        return {
            tag: (await client.read_concurrency_limit_by_tag(tag)).concurrency_limit
            for tag in CONCURRENCY_LIMITS
        }


@pytest.mark.usefixtures("prefect_server")
def test_apply_creates_the_pool_and_the_engine_concurrency_limits() -> None:
    asyncio.run(ensure_pool_and_limits("guangying-limits", {"asr": 1, "ocr": 3}))
    asyncio.run(ensure_pool_and_limits("guangying-limits", {"asr": 1, "ocr": 3}))  # twice: no error
    assert asyncio.run(_limits()) == {"asr": 1, "ocr": 3}
