"""Received times as operators enter them — CLI, Prefect UI form, API — are Beijing time unless they
carry an offset; a time later than the pipeline's clock is refused and nothing is created."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from samples.packages import clip, good_form, package_files, zip_package
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import IntakePackage, Submission
from tasks.config import get_settings
from tasks.intake.received import StatedTimeError, parse_stated_time
from tasks.rules import SHANGHAI

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "张明（江北区融媒体中心）+红岩家书"
BEIJING_2000 = datetime(2026, 11, 30, 20, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])


@pytest.fixture
def archive(tmp_path: Path, media_dir: Path) -> Path:
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    return zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)


def _received() -> list[datetime]:
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return [
            r if r.tzinfo else r.replace(tzinfo=UTC)
            for r in session.scalars(sa.select(Submission.received_at))
        ]


def _count() -> int:
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return sum(
            session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (Submission, IntakePackage)
        )


@pytest.mark.parametrize(
    "typed",
    ["2026-11-28 10:00", "2026/11/28 10:00", "2026年11月28日 10:00", "11月28日 10:00", "2026-11-28T02:00Z"],
)
def test_the_forms_people_type_are_beijing_time(typed: str) -> None:
    assert parse_stated_time(typed) == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)


def test_a_naive_datetime_is_beijing_time_and_a_future_one_is_refused(clock: datetime) -> None:
    assert parse_stated_time(datetime(2026, 11, 30, 20, 0)) == BEIJING_2000
    later = (clock + timedelta(days=6)).astimezone(SHANGHAI)
    with pytest.raises(StatedTimeError, match="晚于当前时间"):
        parse_stated_time(f"{later:%Y-%m-%d %H:%M}", now=clock)
    with pytest.raises(StatedTimeError, match="无法识别"):
        parse_stated_time("11-28 10:00")  # no year, no 月/日: too easily a typo


@pytest.mark.usefixtures("prefect_server")
def test_the_cli_refuses_a_future_time_and_creates_nothing(
    archive: Path, clock: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    later = (clock + timedelta(days=6)).astimezone(SHANGHAI)
    code = main(["ingest", "--no-screen", "--received-at", f"{later:%m月%d日 %H:%M}", str(archive)])
    err = capsys.readouterr().err
    assert code == 2 and "晚于当前时间" in err and len(err.strip().splitlines()) == 1
    assert _count() == 0
    assert (
        main(["ingest", "--no-screen", "--json", "--received-at", "2026年11月30日 20:00", str(archive)]) == 0
    )
    (item,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert datetime.fromisoformat(item["received_at"]) == BEIJING_2000
    assert _received() == [BEIJING_2000]


@pytest.mark.usefixtures("prefect_server")
def test_a_naive_api_datetime_is_beijing_time(archive: Path) -> None:
    from flows.intake import intake

    (result,) = intake(paths=[archive], screen=False, received_at=datetime(2026, 11, 30, 20, 0))
    assert datetime.fromisoformat(result["received_at"]) == BEIJING_2000
    assert _received() == [BEIJING_2000]
    with pytest.raises(StatedTimeError):
        intake(paths=[archive], screen=False, received_at=datetime(2030, 1, 1, 8, 0))


@pytest.mark.usefixtures("prefect_server")
def test_the_ui_form_value_through_a_real_deployment_run(archive: Path) -> None:
    """What the UI's 认定收到时间 field sends — the text 「2026-11-30 20:00」 — through a flow run of the
    applied `ingest` deployment, executed as a process worker executes it (`python -m prefect.engine`)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    from deployments.definitions import DEPLOYMENTS, build

    spec = next(s for s in DEPLOYMENTS if s.name == "ingest")
    deployment_id = build(spec).apply()

    async def run() -> str:
        async with get_client() as client:
            deployment = await client.read_deployment(deployment_id)
            schema = deployment.parameter_openapi_schema or {}
            assert "date-time" not in json.dumps(schema["properties"]["received_at"])  # a text input
            flow_run = await client.create_flow_run_from_deployment(
                deployment_id,
                parameters={"paths": [str(archive)], "screen": False, "received_at": "2026-11-30 20:00"},
            )
            env = {
                **os.environ,
                "PREFECT__FLOW_RUN_ID": str(flow_run.id),
                "PREFECT_API_URL": PREFECT_API_URL.value(),
            }
            done = subprocess.run(
                [sys.executable, "-m", "prefect.engine"], cwd=ROOT, env=env, capture_output=True, timeout=300
            )
            assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
            finished = await client.read_flow_run(flow_run.id)
            assert finished.state is not None
            return finished.state.type.value

    assert asyncio.run(run()) == "COMPLETED"
    assert _received() == [BEIJING_2000]
