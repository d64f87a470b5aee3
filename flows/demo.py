"""The demo: a small, realistic batch of sample works, screened end to end on the embedded default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, task

from flows.screen import screen_video
from tasks.samples import Caption, ClipSpec, render_clip


@dataclass(frozen=True, slots=True)
class SampleWork:
    submitter: str
    title: str
    extension: str
    spec: ClipSpec
    truncate_to: float | None = None  # keep this fraction of the bytes: a transfer cut short


def _captioned(title: str, **kwargs: Any) -> ClipSpec:
    return ClipSpec(
        seconds=4, captions=(Caption(title, size=64, y="80"), Caption("红色光影 英雄重庆", size=48)), **kwargs
    )


SAMPLE_WORKS: tuple[SampleWork, ...] = (
    SampleWork("重庆红岩革命历史博物馆", "红岩魂", ".mp4", _captioned("红岩魂")),
    SampleWork("渝中区委党校", "歌乐山下", ".mp4", _captioned("歌乐山下", width=1080, height=1920, fps="30")),
    SampleWork("沙坪坝区档案馆", "两江红旗", ".mov", _captioned("两江红旗", fps="30000/1001")),
    SampleWork(
        "张明（江北区融媒体中心）", "山城记忆", ".mp4", _captioned("山城记忆", width=1280, height=720)
    ),
    SampleWork("李华（重庆大学）", "江姐", ".mp4", _captioned("江姐", fps="24")),
    SampleWork("北碚区文旅委", "雾都烽火", ".mp4", _captioned("雾都烽火"), truncate_to=0.5),
)


def build_sample(work: SampleWork, folder: Path) -> Path:
    path = folder / f"{work.submitter}+{work.title}{work.extension}"
    if path.exists():
        return path
    render_clip(path, work.spec)
    if work.truncate_to is not None:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * work.truncate_to)])
    return path


@task(name="build-sample", retries=1)
def build_sample_task(work: SampleWork, folder: Path) -> Path:
    return build_sample(work, folder)


@flow(name="demo", log_prints=True)
def demo_flow(folder: Path) -> list[dict[str, Any]]:
    results = []
    for work in SAMPLE_WORKS:
        path = build_sample_task(work, folder)
        result = screen_video(path, name=path.name, record=True)
        results.append({"submitter": work.submitter, "title": work.title, **result})
    return results
