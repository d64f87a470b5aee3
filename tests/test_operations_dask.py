"""GUANGYING_TASK_RUNNER=dask: the screening tasks of a screen-video run execute on a Dask cluster
(a real LocalCluster with worker processes), with the same findings as Prefect's thread pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.packages import clip

pytestmark = pytest.mark.usefixtures("prefect_server")


def _verdicts(results: list[dict]) -> list[tuple[str, list[tuple[str, str]]]]:  # type: ignore[type-arg]
    return [(r["verdict"], sorted((f["check"], f["status"]) for f in r["findings"])) for r in results]


@pytest.mark.usefixtures("stand_in_engines")  # about the runner, not recognition: stand-ins here
def test_screening_tasks_run_on_a_dask_local_cluster(
    media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    from flows.screen import configured_screen_video, screen_files, screen_video
    from tasks.config import get_settings

    video = clip(media_dir, "dask.mp4", seconds=2.0)
    threads = screen_files([video], record=False)
    assert configured_screen_video() is screen_video

    monkeypatch.setenv("GUANGYING_ENGINES", "stand-in")  # and in the Dask worker processes
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.setenv("GUANGYING_TASK_RUNNER", "dask")
        monkeypatch.setenv("GUANGYING_DASK_ADDRESS", cluster.scheduler_address)
        get_settings.cache_clear()
        assert configured_screen_video().task_runner.address == cluster.scheduler_address
        before = cluster.scheduler.transition_counter
        on_dask = screen_files([video], record=False)
        ran = {key.split("-")[0] for key in cluster.scheduler.task_prefixes}
        transitions = cluster.scheduler.transition_counter - before
    assert transitions > 0 and ran, "no task reached the Dask scheduler"
    assert _verdicts(on_dask) == _verdicts(threads)


def test_the_task_runner_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from tasks.config import Settings, describe_error

    monkeypatch.setenv("GUANGYING_TASK_RUNNER", "ray")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "GUANGYING_TASK_RUNNER" in describe_error(caught.value) and "thread 或 dask" in describe_error(
        caught.value
    )
