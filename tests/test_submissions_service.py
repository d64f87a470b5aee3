"""The submissions service (`tasks.submissions`): what the command line, the flows and the
deployments share — one 受理编号 resolver, the operator's decisions, and the rules of taking paths
in (a missing path, an empty folder) that hold for the `ingest` flow as for `guangying ingest`."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from tasks.catalogue.db import catalogue_session, open_catalogue
from tasks.catalogue.models import Submission
from tasks.catalogue.submissions import IngestOutcome
from tasks.config import get_settings
from tasks.decisions import DecisionAction
from tasks.submissions import intake as taking_in
from tasks.submissions import service
from tests.fixtures import SUITE_NOW

EMPTY_FOLDER = "是空文件夹，没有可受理的文件，未登记为作品。"


def _works(*rows: tuple[str, str | None]) -> None:
    """Works with these ids and titles, received a day before the suite's clock."""
    with catalogue_session(get_settings()) as session:
        for submission_id, title in rows:
            session.add(
                Submission(id=submission_id, title=title, received_at=SUITE_NOW - timedelta(days=1), form={})
            )


# One resolver, one query.


def test_a_prefix_resolves_to_its_one_work_in_one_query() -> None:
    _works(("3f2a0001", "红岩家书"), ("3f2b0002", "江北记忆"), ("77aa0003", None))
    engine = open_catalogue(get_settings().catalogue_url)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert service.resolve_id(get_settings(), " 3f2a ") == "3f2a0001"
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "FROM submission" in s]) == 1


def test_a_prefix_that_names_none_or_several_works_says_so() -> None:
    _works(("3f2a0001", "红岩家书"), ("3f2a0002", "江北记忆"))
    with pytest.raises(service.SubmissionIdError) as several:
        service.resolve_id(get_settings(), "3f2a")
    assert str(several.value) == "受理编号“3f2a”对应2件作品，请多写几位："
    assert [m.line for m in several.value.matches] == [
        "3f2a0001  《红岩家书》 报送人未识别",
        "3f2a0002  《江北记忆》 报送人未识别",
    ]
    with pytest.raises(service.SubmissionIdError) as none:
        service.resolve_id(get_settings(), "ffff")
    assert str(none.value) == "找不到受理编号为“ffff”的作品。请用 guangying status 查看。"
    assert none.value.matches == []


def test_like_wildcards_in_a_prefix_match_only_themselves() -> None:
    _works(("3f2a0001", "红岩家书"))
    for prefix in ("%", "_f2a", "3f2a%"):
        with pytest.raises(service.SubmissionIdError):
            service.resolve_id(get_settings(), prefix)


# Decisions through the service: what the CLI prints is what it raises.


def test_a_decision_that_cannot_apply_is_refused_and_changes_nothing() -> None:
    _works(("3f2a0001", "红岩家书"))
    settings = get_settings()
    with pytest.raises(service.Refused, match=r"^须写明理由。$") as refused:
        service.decide(settings, "3f2a", DecisionAction.REJECT, note=" ")
    assert refused.value.about == "note"  # the CLI names its --note, the form's field says 理由
    service.decide(settings, "3f2a", DecisionAction.REJECT, note="重复报送", by="王老师")
    with pytest.raises(service.Refused, match=r"^该作品已经决定不予受理。未作任何改动。$"):
        service.decide(settings, "3f2a", DecisionAction.REJECT, note="再次")
    (item,) = service.works(settings)
    assert [(d.action, d.decided_by) for d in item.decisions] == [(DecisionAction.REJECT, "王老师")]
    assert item.verdict == "fail"


def test_a_work_withdrawn_by_mistake_leaves_the_list_but_can_be_named_and_restored() -> None:
    _works(("3f2a0001", "误投的文件"))
    settings = get_settings()
    removed = service.withdraw(settings, "3f2a", note="误投", mistake=True)
    assert removed.state == "removed" and service.works(settings) == []
    assert service.find_submission(settings, "3f2a").id == "3f2a0001"
    restored = service.decide(settings, "3f2a", DecisionAction.REVOKE, note="恢复", value="1")
    assert restored.state != "removed" and [w.id for w in service.works(settings)] == ["3f2a0001"]


def test_a_set_received_time_in_the_future_is_refused() -> None:
    _works(("3f2a0001", "红岩家书"))
    with pytest.raises(service.Refused, match=r"^set-received："):
        service.decide(
            get_settings(), "3f2a", DecisionAction.SET_RECEIVED, note="更正", value="2099-01-01 10:00"
        )


# Taking paths in: the same rules for the flow and the command line.


def test_paths_that_are_missing_or_empty_folders_are_answered_not_taken_in(tmp_path: Path) -> None:
    (tmp_path / "空包" / "子文件夹").mkdir(parents=True)
    video = tmp_path / "作品.mp4"
    video.write_bytes(b"x")
    arrived = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    os.utime(video, (arrived.timestamp(), arrived.timestamp()))
    paths = [tmp_path / "空包", tmp_path / "不存在.zip", video]
    pending, refused = taking_in.packages_from_paths(paths, None, now=SUITE_NOW)
    assert refused == [
        {
            "package": str(tmp_path / "不存在.zip"),
            "error": f"找不到“{tmp_path / '不存在.zip'}”（文件或文件夹不存在）。",
        },
        {"package": str(tmp_path / "空包"), "error": f"“{tmp_path / '空包'}”{EMPTY_FOLDER}"},
    ]
    (only,) = pending
    assert only.package.paths == [video.resolve()] and only.package.received_at == arrived
    pending, refused = taking_in.packages_from_paths([tmp_path / "空包"], "3f2a0001", now=SUITE_NOW)
    assert pending == [] and refused[0]["error"].endswith(EMPTY_FOLDER)


@pytest.mark.usefixtures("prefect_server")
def test_the_ingest_flow_refuses_an_empty_folder_as_the_command_line_does(tmp_path: Path) -> None:
    from flows.intake import intake

    (tmp_path / "空包" / "子文件夹").mkdir(parents=True)
    results = intake(paths=[tmp_path / "空包"], screen=False)
    assert results == [{"package": str(tmp_path / "空包"), "error": f"“{tmp_path / '空包'}”{EMPTY_FOLDER}"}]
    assert service.works(get_settings(), removed=True) == []


def test_what_becomes_of_a_recorded_package() -> None:
    new = IngestOutcome("a", "a.zip", created=True, kind="first")
    assert taking_in.next_step(new, set(), screen=True) == taking_in.Step(screen=True)
    assert taking_in.next_step(new, set(), screen=False) == taking_in.Step(screen=False)
    seen = IngestOutcome("b", "b.zip", duplicate=True)
    assert taking_in.next_step(seen, set(), screen=True).answer == {
        "package": "b.zip",
        "duplicate": True,
        "id": "b",
    }
    unfinished = {"b"}
    assert taking_in.next_step(seen, unfinished, screen=True) == taking_in.Step(screen=True, resumed=True)
    assert unfinished == set()
    refused = IngestOutcome("", "说明.md", refused="不是作品包。")
    assert taking_in.next_step(refused, set(), screen=True).answer == {
        "package": "说明.md",
        "error": "不是作品包。",
        "intake": "not_a_work",
    }


def test_publication_resolves_prefixes_with_the_same_resolver() -> None:
    from tasks.publish.service import resolve_submissions

    _works(("3f2a0001", "红岩家书"), ("3f2a0002", "江北记忆"), ("77aa0003", None))
    assert resolve_submissions(get_settings(), ["77a", "3f2a", "%"]) == (
        ["77aa0003"],
        ["找不到唯一的受理编号“3f2a”（匹配2件）", "找不到唯一的受理编号“%”（匹配0件）"],
    )


@pytest.mark.usefixtures("prefect_server")
def test_the_ingest_deployment_refuses_an_empty_folder_as_the_command_line_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as the UI runs it: a flow run of the applied `ingest` deployment with the form's values,
    executed as a process worker executes it; then `guangying ingest` on the same folder."""
    import asyncio
    import subprocess
    import sys

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL

    from cli.main import main
    from deployments.definitions import DEPLOYMENTS, build

    empty = tmp_path / "空包"
    (empty / "子文件夹").mkdir(parents=True)
    sentence = f"“{empty}”{EMPTY_FOLDER}"
    (spec,) = [s for s in DEPLOYMENTS if s.name == "ingest"]
    deployment_id = build(spec).apply()

    async def create() -> str:
        async with get_client() as client:
            parameters = {"paths": [str(empty)], "screen": False}
            return str(
                (await client.create_flow_run_from_deployment(deployment_id, parameters=parameters)).id
            )

    run_id = asyncio.run(create())
    ui_data = tmp_path / "ui-var"
    env = {
        **os.environ,
        "GUANGYING_DATA_DIR": str(ui_data),
        "GUANGYING_ENGINES": "stand-in",
        "PREFECT__FLOW_RUN_ID": run_id,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
    }
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "prefect.engine"], cwd=root, env=env, timeout=300, check=False)

    async def finished() -> tuple[str, list[str]]:
        async with get_client() as client:
            run = await client.read_flow_run(run_id)
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )
            return run.state.type.value if run.state else "", [str(a.data) for a in artifacts]

    state, artifacts = asyncio.run(finished())
    assert state == "COMPLETED" and any(EMPTY_FOLDER.rstrip("。") in a for a in artifacts)
    _use(monkeypatch, ui_data)
    assert service.works(get_settings(), removed=True) == []  # no work, no 受理编号, no receipt

    _use(monkeypatch, tmp_path / "cli-var")
    assert main(["ingest", "--no-screen", str(empty)]) == 1
    assert capsys.readouterr().out.strip() == f"✗ {empty}：{sentence}"
    assert not (tmp_path / "cli-var" / "catalogue.sqlite3").exists()


def _use(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("GUANGYING_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    open_catalogue.cache_clear()
