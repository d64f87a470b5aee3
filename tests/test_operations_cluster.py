"""Integration: a real Prefect server, SeaweedFS, the deployments applied, TWO process workers; the
nightly deployment triggered through the API as the UI does it, on a small batch of packages in the
drop folder. Both workers take screening runs; states, artifacts and the catalogue are checked.
Then the drill of a machine lost in the middle of a batch."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from samples.cluster import Cluster, prefect_cluster
from samples.packages import clip, folder_package, good_form, package_files

SETTLED = 1_790_000_000  # 2026-09-21: long before the deadline, long settled in the drop folder
TITLES = ("红岩家书", "嘉陵江畔", "山城记忆")


def drop_packages(drop: Path, source: Path, media: Path, titles: tuple[str, ...] = TITLES) -> None:
    """One folder package per title in the drop folder, each with its own 2 s clip."""
    drop.mkdir(parents=True, exist_ok=True)
    for index, title in enumerate(titles):
        video = clip(media, f"ops-{index}.mp4", seconds=2.0 + 0.1 * index)
        prefix = f"张明（江北区融媒体中心）+{title}"
        files = package_files(source / str(index), video, form=good_form(title=title), prefix=prefix)
        folder_package(drop / prefix, files)
        for path in [drop / prefix, *(drop / prefix).iterdir()]:
            os.utime(path, (SETTLED, SETTLED))


async def _trigger(deployment: str, parameters: dict[str, Any]) -> uuid.UUID:
    from prefect.client.orchestration import get_client

    async with get_client() as client:  # what the UI's "Run" button does
        found = await client.read_deployment_by_name(deployment)
        run = await client.create_flow_run_from_deployment(found.id, parameters=parameters)
        return run.id


async def _wait(run_id: uuid.UUID, timeout: float) -> Any:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            run = await client.read_flow_run(run_id)
            if run.state is not None and run.state.is_final():
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"flow run {run_id} still {run.state} after {timeout} s")
            await asyncio.sleep(1)


async def _started(run_id: uuid.UUID, timeout: float) -> None:
    """Until a worker has taken the run (it is running, or already over)."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            run = await client.read_flow_run(run_id)
            if run.state is not None and (run.state.is_running() or run.state.is_final()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"flow run {run_id} not taken by a worker after {timeout} s")
            await asyncio.sleep(0.5)


async def _history(parent: uuid.UUID) -> dict[str, Any]:
    """The screening runs the nightly run started, who took each, and the artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    async with get_client() as client:
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent]))
        )
        flows = {f.id: f.name for f in await client.read_flows()}
        screening = [r for r in children if flows[r.flow_id] == "screen-submission"]
        takers = {}
        for run in screening:
            logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
            names = {log.message.split("'")[1] for log in logs if "submitting flow run" in log.message}
            takers[str(run.id)] = names
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[parent]))
        )
    return {
        "children": {flows[r.flow_id] for r in children},
        "screening": screening,
        "takers": takers,
        "artifacts": artifacts,
    }


def _run(cluster: Cluster, coroutine: Any) -> Any:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: cluster.api_url}):
        return asyncio.run(coroutine)


def catalogue_counts() -> dict[str, Any]:
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import File, Submission
    from tasks.config import get_settings

    get_settings.cache_clear()
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        submissions = list(session.scalars(select(Submission)))
        videos = session.scalar(select(func.count()).select_from(File).where(File.role == "video"))
        return {
            "titles": sorted(s.title or "" for s in submissions),
            "verdicts": {s.title: s.verdict for s in submissions},
            "videos": videos,
            "unscreened": session.scalar(
                select(func.count()).select_from(File).where(File.role == "video", File.verdict.is_(None))
            ),
        }


@pytest.fixture
def s3_env(seaweed, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """This test's own inbox bucket, so that no other test's uploads are taken in."""
    from tasks.store import MinioStore

    bucket = f"ops-inbox-{uuid.uuid4().hex[:10]}"
    MinioStore(seaweed.endpoint, seaweed.access_key, seaweed.secret_key, secure=False).client.make_bucket(
        bucket
    )
    monkeypatch.setenv("GUANGYING_BUCKET_INBOX", bucket)
    return seaweed


def test_nightly_run_shares_the_batch_between_two_workers(
    s3_env, data_dir: Path, tmp_path: Path, media_dir: Path
) -> None:
    drop_packages(data_dir / "inbox", tmp_path / "src", media_dir)
    with prefect_cluster(tmp_path / "cluster", data_dir, s3_env) as cluster:
        # worker-a (two runs at once) takes the nightly run alone, then worker-b (one at a time) joins:
        # with one free slot each, the two screening runs dispatched together cannot both go to one
        # worker (with equal limits, whichever worker had two free slots could take everything).
        cluster.start_worker("worker-a", limit=2)
        run_id = _run(
            cluster,
            _trigger("nightly/nightly", {"parameters": {"max_parallel": 2, "poll_seconds": 1}}),
        )
        _run(cluster, _started(run_id, timeout=120))
        cluster.start_worker("worker-b", limit=1)
        nightly = _run(cluster, _wait(run_id, timeout=240))
        history = _run(cluster, _history(run_id))
    logs = {p.name: p.read_text(errors="replace")[-3000:] for p in (tmp_path / "cluster").glob("*.log")}
    assert nightly.state.is_completed(), (nightly.state, logs)
    assert {"intake", "screen-submission"} <= history["children"]
    assert len(history["screening"]) == len(TITLES)
    assert all(r.state.is_completed() for r in history["screening"])
    spans = [(r.start_time, r.end_time) for r in history["screening"]]
    for start, _ in spans:  # the cap: never more than max_parallel screening runs at once
        assert sum(1 for s, e in spans if s <= start < e) <= 2, spans
    takers = set().union(*history["takers"].values())
    assert takers == {"worker-a", "worker-b"}, history["takers"]

    by_key = {a.key: a for a in history["artifacts"] if a.key}
    assert "共收到作品 **3** 件" in str(by_key["guangying-summary"].data)
    table = json.loads(str(by_key["guangying-submissions-by-state"].data))
    assert sum(row["作品数"] for row in table) == len(TITLES)
    progress = [a for a in history["artifacts"] if a.type == "progress"]
    assert progress and float(progress[0].data) == 100.0

    counts = catalogue_counts()
    assert counts["titles"] == sorted(TITLES)
    assert counts["videos"] == len(TITLES) and counts["unscreened"] == 0
    assert all(counts["verdicts"].values()), counts["verdicts"]
    receipts = sorted((data_dir / "receipts").glob("*.txt"))
    assert len(receipts) == len(TITLES)
    assert all("审核中" not in p.read_text(encoding="utf-8") for p in receipts)  # rewritten after screening


def drain_to(cluster: Cluster) -> None:
    """Send this process's queued logs and events while the cluster's server still answers (else the
    interpreter's exit waits on them)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=15)
    EventsWorker.drain_all(timeout=15)


def _kill_machine(process: Any) -> int:
    """SIGKILL a worker and every process under it (its flow runs), as when a machine dies."""
    import psutil

    victims = [*psutil.Process(process.pid).children(recursive=True), psutil.Process(process.pid)]
    for victim in victims:
        victim.kill()
    process.wait()
    return len(victims)


async def _runs_of(flow_name: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with get_client() as client:
        return await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])))


def test_a_worker_killed_mid_batch_and_the_batch_run_again(
    data_dir: Path, tmp_path: Path, media_dir: Path
) -> None:
    """The machine running a screening dies (worker and flow run killed); the batch stops waiting at
    its timeout and withdraws what no worker started; running the batch again on another worker
    screens each work once: nothing lost, nothing duplicated."""
    import contextvars
    import subprocess
    import threading

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.batch import ScreenBatchParameters, dispatch, screen_batch
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import File, FindingRecord
    from tasks.config import get_settings

    drop_packages(tmp_path / "packages", tmp_path / "src", media_dir, TITLES[:2])
    with prefect_cluster(tmp_path / "cluster", data_dir, None) as cluster:
        packages = sorted((tmp_path / "packages").iterdir())
        subprocess.run(
            [str(Path(sys.executable).parent / "guangying"), "ingest", "--no-screen", *map(str, packages)],
            env=cluster.env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        get_settings.cache_clear()
        with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
            ids = sorted({f.submission_id for f in session.scalars(select(File).where(File.role == "video"))})
        assert len(ids) == 2
        victim = cluster.start_worker("victim", limit=1)
        finals: dict[str, str] = {}
        with temporary_settings({PREFECT_API_URL: cluster.api_url}):
            context = contextvars.copy_context()  # the API URL setting, in the batch's thread too
            first = threading.Thread(
                target=context.run,
                args=(lambda: finals.update(dispatch(ids, max_parallel=2, poll_seconds=1, timeout_s=30)),),
            )
            first.start()
            deadline = time.monotonic() + 60
            while not any(r.state.is_running() for r in asyncio.run(_runs_of("screen-video"))):
                assert time.monotonic() < deadline, "no screening started on the victim"
                time.sleep(0.5)
            assert _kill_machine(victim) >= 2  # the worker and the flow run it started
            cluster.workers.pop("victim")
            first.join(timeout=90)
            assert finals == {i: "TIMEOUT" for i in ids}
            states = sorted(r.state.type.value for r in asyncio.run(_runs_of("screen-submission")))
            assert states == ["CANCELLED", "RUNNING"]  # lost with its machine / withdrawn, never started

            cluster.start_worker("rescuer", limit=2)
            again = screen_batch(ScreenBatchParameters(max_parallel=2, poll_seconds=1, timeout_minutes=3))
            drain_to(cluster)
        assert sorted(r["run"] for r in again["works"]) == ["COMPLETED", "COMPLETED"]
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        videos = list(session.scalars(select(File).where(File.role == "video")))
        assert len(videos) == 2 and all(v.verdict for v in videos)
        repeated = session.scalar(
            select(func.count()).select_from(
                select(FindingRecord.file_id, FindingRecord.check, FindingRecord.stage)
                .where(FindingRecord.file_id.is_not(None))
                .group_by(FindingRecord.file_id, FindingRecord.check, FindingRecord.stage)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert repeated == 0
