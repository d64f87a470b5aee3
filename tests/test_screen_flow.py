"""The screen-video flow on a real Prefect server: findings in the catalogue, a table artifact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.screen import artifact_key, screen_video
from samples.clips import ClipSpec, render_clip
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import File, FindingRecord
from tasks.config import get_settings
from tasks.context import WorkContext
from tasks.judging.originality import video_signature
from tasks.judging.records import cached_signature
from tests.engines import StandIns

# Orchestration, not recognition: the engines are stand-ins (tests/test_subtitles_flow.py runs the real ones).
pytestmark = pytest.mark.usefixtures("prefect_server")


async def _artifact(key: str):
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return found


def test_screen_video_records_the_original_and_its_findings(
    tmp_path: Path, stand_in_engines: StandIns
) -> None:
    video = render_clip(tmp_path / "山城记忆.mp4", ClipSpec(width=1280, height=720, seconds=2))
    result = screen_video(video, name="山城记忆.mp4", record=True)
    assert result["verdict"] == "fail"
    # Whisper once over the whole track (the subtitle check and the disclosure search share it);
    # OCR on the subtitle band and the label frames.
    assert stand_in_engines.asr.heard == ["山城记忆.mp4"] and stand_in_engines.ocr.images > 0
    assert {f["check"] for f in result["findings"]} >= {"resolution", "aigc_label", "subtitles"}

    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        row = session.scalars(sa.select(File)).one()
        assert row.name == "山城记忆.mp4" and row.verdict == "fail"
        assert row.probe["video"]["display_height"] == 720
        checks = {r.check: r for r in session.scalars(sa.select(FindingRecord))}
        assert checks["resolution"].status == "fail"
        assert checks["resolution"].flow_run_id
    # The original is kept byte for byte under its sha256.
    stored = settings.store_dir / settings.bucket_originals / row.object_key.split("/", 1)[1]
    assert stored.read_bytes() == video.read_bytes()
    # The originality signature was made by the same decode and stored with the findings: judging
    # finds it and decodes nothing.
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        signature = cached_signature(session, row.sha256)
    assert signature is not None and len(signature.hashes) == 4  # 2 s at 2 fps
    assert signature.hashes.tolist() == video_signature(video).hashes.tolist()

    artifacts = asyncio.run(_artifact(artifact_key(video, "山城记忆.mp4", None)))
    assert artifacts and artifacts[0].type == "table"
    table = artifacts[0].data if isinstance(artifacts[0].data, list) else json.loads(artifacts[0].data)
    assert {"检查项": "resolution", "结果": "不通过"}.items() <= next(
        r for r in table if r["检查项"] == "resolution"
    ).items()


def test_each_work_has_its_own_artifact_stable_across_runs(
    tmp_path: Path, stand_in_engines: StandIns
) -> None:
    """Chinese names once all stripped to `screen-mp4`: each work overwrote the previous one's table."""
    video = render_clip(tmp_path / "红岩.mp4", ClipSpec(width=1280, height=720, seconds=2))
    first, second = "a1" * 16, "b2" * 16
    keys = {artifact_key(video, "红岩魂.mp4", first), artifact_key(video, "江姐.mp4", first)}
    keys |= {artifact_key(video, "红岩魂.mp4", second), artifact_key(tmp_path / "其他.mp4", "其他.mp4", None)}
    assert len(keys) == 4  # per work and per file within a work
    for submission in (first, second, first):  # the third run is the first work screened again
        screen_video(
            video,
            name="红岩魂.mp4",
            record=False,
            context=WorkContext(title="红岩魂", submission_id=submission),
        )
    mine = asyncio.run(_artifact(artifact_key(video, "红岩魂.mp4", first)))
    theirs = asyncio.run(_artifact(artifact_key(video, "红岩魂.mp4", second)))
    assert len(mine) == 2 and len(theirs) == 1  # two versions of one work's artifact, one of the other's
    assert len(stand_in_engines.asr.heard) == 3  # each run hears the file once
    # Markdown: the file name's dot escaped (for_markdown), shown as 红岩魂.mp4
    assert mine[0].description.startswith("《红岩魂》红岩魂\\.mp4 的审核结果：")
