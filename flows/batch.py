"""Batches shared by the workers: `screen-batch` and the nightly run start one `screen-submission`
flow run per work through the work pool (at most `max_parallel` at once), so that workers on several
machines take from the same batch; then receipts and dashboards.

Re-running is safe: only works with videos still unscreened are dispatched (a screened video — its
verdict written with its findings, keyed by the file's SHA-256 — is never screened again), and a
screen-submission run itself skips screened videos."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.client.schemas.objects import FlowRun
from pydantic import BaseModel, ConfigDict, Field

from flows.intake import intake, screen_submission
from flows.outbox import nightly_outbox
from flows.report import publish_dashboards_task
from flows.retries import IO_RETRIES
from tasks.config import get_settings
from tasks.submissions.intake import batch_rows, select_unfinished

log = logging.getLogger(__name__)
SCREEN_DEPLOYMENT = "screen-submission/screen-submission"
FINAL_OK = "COMPLETED"


class BatchOptions(BaseModel):
    """How a batch is shared out (the fields the screen-batch and nightly forms have in common)."""

    max_parallel: int = Field(
        4, ge=1, le=200, title="同时审核的作品数上限",
        description="同一时间最多有多少件作品在审核（每件作品一次审核运行，由工作池中的机器领取）；"
        "一般取全部工作机的并发数之和",
    )  # fmt: skip
    through_pool: bool = Field(
        True, title="通过工作池分发",
        description="开启：每件作品一次“screen-submission”运行，多台工作机共同处理；关闭：在本次运行内逐件审核（单机）",
    )  # fmt: skip
    rounds: int = Field(
        2, ge=1, le=5, title="最多审核轮数",
        description="一轮结束后仍有视频未审完的作品（如工作机中断、存储暂时不可用）会再分发一次，最多这么多轮",
    )  # fmt: skip
    timeout_minutes: float = Field(
        240, gt=0, title="整批超时（分钟）",
        description="超过这个时间仍未结束的审核运行不再等待（作品保持“审核中”，下次运行会继续）",
    )  # fmt: skip
    poll_seconds: float = Field(
        2, gt=0, le=60, title="查询间隔（秒）", description="多久查询一次各审核运行的状态"
    )  # fmt: skip


class ScreenBatchParameters(BatchOptions):
    model_config = ConfigDict(title="批量审核参数")

    submission_ids: list[str] | None = Field(
        None, title="受理编号",
        description="要审核的作品（完整受理编号）；留空则审核所有尚有视频未审完的作品。已审完的作品不会重复审核",
    )  # fmt: skip


class NightlyParameters(BatchOptions):
    model_config = ConfigDict(title="每晚批处理参数")

    sources: bool = Field(
        True, title="读取全部投稿来源", description="读取投稿文件夹、收件存储桶和邮箱中的新作品包并登记入库"
    )  # fmt: skip


@task(name="select-unfinished", **IO_RETRIES)
def select_unfinished_task(submission_ids: list[str] | None) -> tuple[list[str], list[str]]:
    """(to screen, already screened or unknown): only works with videos still unscreened."""
    return select_unfinished(get_settings(), submission_ids)


def dispatch(
    submission_ids: list[str],
    *,
    max_parallel: int,
    poll_seconds: float,
    timeout_s: float,
    deployment: str = SCREEN_DEPLOYMENT,
    on_done: Callable[[int], None] = lambda done: None,
) -> dict[str, str]:
    """One flow run of `deployment` per submission, never more than `max_parallel` unfinished at
    once; the final state type of each (or TIMEOUT). Runs are picked up by any worker of the pool."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    queue = list(submission_ids)
    running: dict[UUID, str] = {}
    finals: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while queue or running:
            while queue and len(running) < max_parallel:
                submission_id = queue.pop(0)
                run = cast(
                    "FlowRun",
                    run_deployment(deployment, parameters={"submission_id": submission_id}, timeout=0),
                )
                running[run.id] = submission_id
                log.info("dispatched %s as flow run %s", submission_id, run.id)
            time.sleep(poll_seconds)
            for run_id, submission_id in list(running.items()):
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    finals[submission_id] = state.type.value
                    del running[run_id]
                    on_done(len(finals))
            if time.monotonic() > deadline:
                finals.update({s: "TIMEOUT" for s in [*running.values(), *queue]})
                log.warning("batch timed out with %d runs unfinished", len(running) + len(queue))
                withdraw_unstarted(client, list(running))
                break
    return finals


def withdraw_unstarted(client: Any, run_ids: list[Any]) -> None:
    """Cancel the runs no worker has started yet, so that a later batch is the only one to screen
    those works. A run already started (perhaps on a worker that was lost) is left as it is."""
    from prefect.states import Cancelled

    for run_id in run_ids:
        state = client.read_flow_run(run_id).state
        if state is not None and (state.is_scheduled() or state.is_pending()):
            client.set_flow_run_state(
                run_id, Cancelled(message="批量审核超时，未开始的审核已撤回"), force=True
            )


def in_process(submission_ids: list[str], on_done: Callable[[int], None]) -> dict[str, str]:
    """The one-machine way: each work screened by a subflow of this run, one after the other."""
    finals = {}
    for index, submission_id in enumerate(submission_ids, 1):
        state = screen_submission(submission_id, return_state=True)
        finals[submission_id] = state.type.value
        on_done(index)
    return finals


@task(name="batch-outcome", **IO_RETRIES)
def outcome_task(finals: dict[str, str], skipped: list[str]) -> list[dict[str, Any]]:
    """One row per work of the batch: its last run's state and its verdict now."""
    return batch_rows(get_settings(), finals, skipped)


def run_batch(submission_ids: list[str] | None, options: BatchOptions) -> list[dict[str, Any]]:
    """Screen the unfinished works among `submission_ids` (all when None), in rounds, with a progress
    artifact; works still unfinished after a round are dispatched again in the next."""
    todo, skipped = select_unfinished_task(submission_ids)
    total = len(todo)
    progress_id = cast(UUID, create_progress_artifact(0.0, description=f"批量审核进度（共 {total} 件作品）"))
    finals: dict[str, str] = {}
    deadline = time.monotonic() + options.timeout_minutes * 60
    for round_number in range(options.rounds):
        if not todo:
            break
        already = len({s for s in finals if s not in todo})

        def on_done(done: int, already: int = already) -> None:
            if progress_id is not None and total:
                update_progress_artifact(progress_id, progress=100.0 * min(total, already + done) / total)

        if options.through_pool:
            finals |= dispatch(
                todo,
                max_parallel=options.max_parallel,
                poll_seconds=options.poll_seconds,
                timeout_s=max(1.0, deadline - time.monotonic()),
                on_done=on_done,
            )
        else:
            finals |= in_process(todo, on_done)
        todo, _ = select_unfinished_task(todo)
        if todo:
            log.warning("round %d left %d works unfinished", round_number + 1, len(todo))
    if progress_id is not None:
        update_progress_artifact(progress_id, progress=100.0)
    return outcome_task(finals, skipped)


# The forms open with every field shown and filled with its default (an optional model would open
# collapsed on "None").
SCREEN_BATCH_DEFAULTS = ScreenBatchParameters()
NIGHTLY_DEFAULTS = NightlyParameters()


@flow(name="screen-batch", log_prints=True)
def screen_batch(parameters: ScreenBatchParameters = SCREEN_BATCH_DEFAULTS) -> dict[str, Any]:
    """Screen a batch of works (the named ones, or every unfinished one) across the work pool."""
    rows = run_batch(parameters.submission_ids, parameters)
    return {"works": rows, "dashboard": publish_dashboards_task("批量审核后的作品概况")}


@flow(name="nightly", log_prints=True)
def nightly(parameters: NightlyParameters = NIGHTLY_DEFAULTS) -> dict[str, Any]:
    """The nightly run: intake from every source → screening shared by the workers → receipts (each
    screening run writes its work's) → dashboards → the outbox's drafts (and, with
    GUANGYING_OUTBOX_SEND_NIGHTLY, the approved messages sent)."""
    received = intake(sources=parameters.sources, screen=False)
    rows = run_batch(None, parameters)
    dashboard = publish_dashboards_task("每晚批处理后的作品概况")
    outbox = nightly_outbox()  # drafts; sends only what a person approved, when the setting is on
    print(
        f"本次受理 {len(received)} 个作品包，审核 {len(rows)} 件作品，新起草 {len(outbox['drafted'])} 封待发邮件。"
    )
    return {"intake": received, "works": rows, "dashboard": dashboard, "outbox": outbox}
