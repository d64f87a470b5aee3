"""What an operator does to works already taken in: withdraw, rescreen, recheck, original; and the
routine commands that answer from the catalogue without starting a flow."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from cli.main import main
from samples.packages import clip, good_form, package_files, zip_package
from tasks.config import get_settings
from tests.engines import StandIns

# What the operator's commands do, not what the models recognise: the engines are stand-ins.
pytestmark = pytest.mark.usefixtures("prefect_server", "stand_in_engines")
PREFIX = "张明（江北区融媒体中心）+红岩家书"
IN_TIME = ["--received-at", "2026-11-28T10:00+08:00", "--by", "王老师"]


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])


def _json(capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def _status(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    (item,) = _json(capsys)
    return item


async def _flow_runs() -> int:
    async with get_client() as client:
        return len(await client.read_flow_runs())


@pytest.fixture
def package(tmp_path: Path, media_dir: Path) -> Path:
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    return zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)


def test_a_work_taken_in_without_screening_is_screened_by_rescreen_and_withdrawn(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], stand_in_engines: StandIns
) -> None:
    assert main(["ingest", "--no-screen", "--json", *IN_TIME, str(package)]) == 0
    (item,) = _json(capsys)
    assert (item["state"], item["verdict"]) == ("received", None)

    # Nothing to do: answered from the catalogue, no flow run, no temporary server.
    before = asyncio.run(_flow_runs())
    assert main(["ingest", "--no-screen", str(package)]) == 0
    assert "已受理过" in capsys.readouterr().out and asyncio.run(_flow_runs()) == before

    # The test clip is 640×360: screening fails it (exit 1, as screen's).
    assert stand_in_engines.asr.heard == []  # --no-screen: nothing screened yet
    assert main(["rescreen", item["id"][:8], "--note", "受理时未审核", "--by", "王老师"]) == 1
    assert len(stand_in_engines.asr.heard) == 1  # the video, once
    screened = _status(capsys)
    assert screened["state"] == "screened" and screened["verdict"] == "fail"
    assert {f["stage"] for f in screened["findings"]} >= {"intake", "technical"}
    assert next(f for f in screened["findings"] if f["check"] == "resolution")["status"] == "fail"
    (action,) = screened["decisions"]
    assert (action["action"], action["decided_by"], action["note"]) == ("rescreen", "王老师", "受理时未审核")

    out = tmp_path / "取回"
    assert main(["original", item["id"][:8], "--out", str(out)]) == 0
    assert (out / package.name).read_bytes() == package.read_bytes()  # the archive as received
    assert (out / f"{PREFIX}.mp4").stat().st_size > 0

    assert main(["withdraw", item["id"][:8], "--note", "与另一件重复", "--by", "王老师"]) == 0
    withdrawn = _status(capsys)
    assert withdrawn["state"] == "withdrawn" and withdrawn["decisions"][-1]["action"] == "withdraw"
    assert main(["rescreen", item["id"][:8]]) == 2 and "已撤销" in capsys.readouterr().err
    assert main(["withdraw", "nosuchid", "--note", "x"]) == 2


def test_recheck_rejudges_intake_after_the_deadline_setting_changes(
    package: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--no-screen", "--json", *IN_TIME, str(package)]) == 0
    (item,) = _json(capsys)
    assert item["verdict"] is None
    monkeypatch.setenv("GUANGYING_DEADLINE", "2026-11-25T23:59:59+08:00")  # a mistaken earlier deadline
    get_settings.cache_clear()
    assert main(["recheck", "--note", "截止时间设置有误后更正", "--by", "左老师"]) == 0
    out = capsys.readouterr().out
    assert "审核中 → 不通过" in out and "重新核对1件作品，1件结论有变化" in out
    rechecked = _status(capsys)
    deadline = next(f for f in rechecked["findings"] if f["check"] == "deadline")
    assert rechecked["verdict"] == "fail" and deadline["status"] == "fail"
    assert rechecked["decisions"][-1]["action"] == "recheck"


def test_a_folder_of_random_files_is_refused_never_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stand_in_engines: StandIns
) -> None:
    """Once a random data.bin was taken for the 文稿 and its bytes sent as a flow parameter (a 750 KB
    traceback, exit 0), and the fake 视频.mp4 got no result. Random bytes, a fake video and a note are
    no package at all: refused in one sentence, no work, nothing decoded."""
    import os

    junk = tmp_path / "杂项"
    junk.mkdir()
    (junk / "data.bin").write_bytes(os.urandom(700_000))
    (junk / "视频.mp4").write_bytes(os.urandom(50_000))
    (junk / "说明.txt").write_text("随便写的说明" * 20000, encoding="utf-8")  # 120,000 characters
    code = main(["ingest", "--json", *IN_TIME, str(junk)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    (item,) = _json_lines(captured.out)
    assert code == 1 and "id" not in item and item["error"].startswith("「杂项」不是作品包")
    assert main(["status", "--json"]) == 0 and _json_lines(capsys.readouterr().out) == []
    assert stand_in_engines.asr.heard == []  # nothing is screened


def _json_lines(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]
