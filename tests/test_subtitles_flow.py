"""The subtitles check inside the screen-video flow on a real Prefect server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.screen import screen_video
from samples.clips import Caption, ClipSpec, render_clip
from tasks.config import get_settings
from tasks.context import WorkContext
from tasks.store import open_store, sha256_of

pytestmark = [
    pytest.mark.usefixtures("prefect_server"),
    pytest.mark.slow,
]  # real Whisper/RapidOCR: what they read is asserted


def test_screen_video_runs_the_subtitle_check_and_stores_exports(tmp_path: Path) -> None:
    video = render_clip(
        tmp_path / "红岩.mp4",
        ClipSpec(seconds=3, source="still", captions=(Caption("红岩精神永放光芒", 0.0, 3.0),)),
    )
    sidecar = tmp_path / "红岩.srt"
    sidecar.write_bytes("1\n00:00:00,000 --> 00:00:02,500\n紅巖精神永放光芒\n".encode("gbk"))
    result = screen_video(video, record=True, context=WorkContext(sidecar_subtitles=(sidecar,)))

    finding = next(f for f in result["findings"] if f["check"] == "subtitles")
    assert finding["status"] == "fail" and result["verdict"] == "fail"
    assert "紅、巖" in finding["message"]
    kinds = [s["kind"] for s in finding["evidence"]["sources"]]
    assert kinds == ["sidecar", "burned"]
    burned = next(c for c in finding["evidence"]["cues"] if c["source"].startswith("画面字幕"))
    assert burned["text"] == "红岩精神永放光芒"

    exports = finding["evidence"]["exports"]
    settings = get_settings()
    assert all(k.startswith(f"subtitles/{sha256_of(video)}/") for k in exports["keys"])
    data = json.loads(open_store(settings).get_bytes(exports["bucket"], exports["keys"][-1]))
    assert [t["kind"] for t in data["tracks"]] == ["sidecar", "burned"]
