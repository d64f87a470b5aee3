"""`guangying screen` as a user runs it: the JSON contract, exit codes, no traceback on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from samples.clips import ClipSpec, render_clip
from tests.engines import StandIns

CLI = [sys.executable, "-m", "cli.main"]


def test_bad_inputs_are_findings_in_the_json_contract(
    tmp_path: Path, data_dir: Path, prefect_api_url: str
) -> None:
    good = render_clip(tmp_path / "红岩魂.mp4", ClipSpec(seconds=2))
    empty = tmp_path / "empty.mp4"
    empty.touch()
    text = tmp_path / "文稿.mp4"
    text.write_text("不是视频", encoding="utf-8")
    folder = tmp_path / "a-folder.mp4"
    folder.mkdir()
    files = [good, empty, text, tmp_path / "missing.mp4", folder]
    # About the contract, not recognition: the stand-ins, and the session's Prefect server.
    env = {
        **os.environ,
        "GUANGYING_DATA_DIR": str(data_dir),
        "GUANGYING_ENGINES": "stand-in",
        "PREFECT_API_URL": prefect_api_url,
    }
    done = subprocess.run(
        [*CLI, "screen", "--json", *map(str, files)], capture_output=True, text=True, env=env
    )

    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    for line in lines:
        assert set(line) == {"file", "verdict", "probe", "findings"}
        for finding in line["findings"]:
            assert set(finding) == {"check", "status", "message", "evidence"}
            assert finding["status"] in {"pass", "fail", "warn", "error"}
    assert lines[0]["verdict"] in {"pass", "review"}
    assert lines[0]["probe"]["video"]["display_width"] == 1920
    assert [line["verdict"] for line in lines[1:]] == ["fail"] * 4
    assert "0字节" in lines[1]["findings"][0]["message"]
    assert "找不到文件" in lines[3]["findings"][0]["message"]


def test_a_command_on_no_file_starts_no_flow_run(tmp_path: Path, data_dir: Path) -> None:
    """Nothing to screen, no flow run: Prefect is not even imported, so no temporary server starts
    (a fixed cost of seconds of CPU on every such command)."""
    probe = (
        "import sys; from pathlib import Path; from cli.main import main; "
        "code = main(['screen', '--json', sys.argv[1], sys.argv[2]]); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'prefect'], 'prefect imported'; "
        "sys.exit(code)"
    )
    missing, folder = tmp_path / "missing.mp4", tmp_path / "a-folder.mp4"
    folder.mkdir()
    env = {**os.environ, "GUANGYING_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(missing), str(folder)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(missing), str(folder)]
    assert all("找不到文件" in line["findings"][0]["message"] for line in lines)
    assert not (data_dir / "prefect").exists() or not list((data_dir / "prefect").rglob("*.db"))


def test_usage_errors_exit_2_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["screen"])
    assert exit_info.value.code == 2
    assert "参数错误" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_server")
def test_text_table_and_exit_0_when_every_file_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stand_in_engines: StandIns
) -> None:
    """The table and the exit code (the models' part is the real-model tests'; stand-ins here)."""
    good = render_clip(tmp_path / "两江红旗.mov", ClipSpec(seconds=2, fps="30000/1001"))
    code = main(["screen", str(good)])
    out = capsys.readouterr().out
    assert "结论：通过" in out and "[通过] 帧率：平均帧率为29.97帧/秒" in out
    assert "AI生成内容标识" in out and "简体中文字幕" in out  # every stage reported, models consulted
    assert len(stand_in_engines.asr.heard) == 1  # the one video heard once
    assert code == 0


def test_an_unreachable_catalogue_is_one_sentence_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    from tasks.config import get_settings

    monkeypatch.setenv(
        "GUANGYING_DATABASE_URL", "postgresql+psycopg://guangying:s3cret@127.0.0.1:1/guangying"
    )
    get_settings.cache_clear()
    code = main(["status"])
    err = capsys.readouterr().err
    assert code == 3
    assert "无法连接作品库" in err and "GUANGYING_DATABASE_URL" in err
    assert "s3cret" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert list((data_dir / "logs").glob("crash-*.log")), "the details are kept for the developers"
