"""Every bad input to the CLI is one clear Chinese message with the right exit status: never a
traceback, never a file, folder or catalogue created on the way."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import _crash_report, build_parser, main
from tests.fixtures import SUITE_NOW

GUANGYING = str(Path(sys.executable).with_name("guangying"))
ENGLISH = (
    "usage:",
    "positional arguments",
    "options:",
    "show this help message",
    "the following arguments are required",
    "invalid choice",
    "unrecognized arguments",
    "expected one argument",
    "error:",
)


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command with only the environment given here (not the suite's)."""
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "GUANGYING_DATA_DIR": str(tmp_path / "var"),
        "GUANGYING_CLOCK": SUITE_NOW.isoformat(),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    return subprocess.run(
        [GUANGYING, *args], env=base | env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def _one_chinese_sentence(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    for word in words:
        assert word in result.stderr
    return result.stderr


def test_a_sqlite_catalogue_in_a_folder_that_does_not_exist_is_never_created(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    result = _run(tmp_path, "status", GUANGYING_DATABASE_URL=f"sqlite:///{missing}/x.db")
    _one_chinese_sentence(result, 2, "GUANGYING_DATABASE_URL", f"“{missing}”不存在")
    assert not missing.exists() and not list(tmp_path.rglob("*.sqlite3")) and not list(tmp_path.rglob("*.db"))
    result = _run(tmp_path, "status", GUANGYING_DATABASE_URL="sqlite:////no-such-dir/x.db")
    _one_chinese_sentence(result, 2, "“/no-such-dir”不存在")
    assert not Path("/no-such-dir").exists()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("GUANGYING_DATABASE_URL", "postgres://guangying@db/guangying", ("postgresql+psycopg://",)),
        ("GUANGYING_DATABASE_URL", "::::", ("无法解析", "postgresql+psycopg://")),
        ("GUANGYING_DATABASE_URL", "mysql://u@h/db", ("不支持的数据库类型", "postgresql+psycopg://")),
        ("GUANGYING_DEADLINE", "11月30日", ("“11月30日”", "2026-11-30T23:59:59+08:00")),
        ("GUANGYING_IMAP_PORT", "九九三", ("GUANGYING_IMAP_PORT", "整数")),
    ],
)
def test_a_setting_that_cannot_be_used_names_itself_and_its_form(
    tmp_path: Path, name: str, value: str, words: tuple[str, ...]
) -> None:
    result = _run(tmp_path, "status", **{name: value})
    err = _one_chinese_sentence(result, 2, name, *words)
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "var" / "catalogue.sqlite3").exists()


def test_the_password_of_a_bad_url_is_never_shown(tmp_path: Path) -> None:
    result = _run(tmp_path, "status", GUANGYING_DATABASE_URL="postgres://guangying:s3cret@db/guangying")
    assert "s3cret" not in _one_chinese_sentence(result, 2, "GUANGYING_DATABASE_URL")


def test_export_into_a_folder_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, "export", "--out", str(tmp_path / "no" / "such" / "x.xlsx"))
    _one_chinese_sentence(result, 2, "不存在")
    assert not (tmp_path / "no").exists()
    result = _run(tmp_path, "export", "--out", "/no/such/dir/x.xlsx")
    _one_chinese_sentence(result, 2, "“/no/such/dir”不存在")
    assert not Path("/no").exists()
    assert not (tmp_path / "var" / "catalogue.sqlite3").exists()


def test_an_empty_folder_is_not_a_submission(tmp_path: Path) -> None:
    (tmp_path / "空包" / "子文件夹").mkdir(parents=True)
    result = subprocess.run(
        [GUANGYING, "ingest", "--no-screen", str(tmp_path / "空包")],
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "GUANGYING_DATA_DIR": str(tmp_path / "var"),
            "GUANGYING_CLOCK": SUITE_NOW.isoformat(),
            "PREFECT_HOME": str(tmp_path / "prefect"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "是空文件夹，没有可受理的文件，未登记为作品" in result.stdout
    assert not (tmp_path / "var" / "catalogue.sqlite3").exists()


def test_usage_errors_and_help_are_in_chinese(tmp_path: Path) -> None:
    for args, words in (
        (("nope",), ("无效的选择 'nope'", "可选")),
        (("screen",), ("缺少必需的参数：FILE",)),
        (("status", "--bogus"), ("无法识别的参数：--bogus",)),
        (("receipt",), ("缺少必需的参数：SUBMISSION_ID",)),
        (("ingest", "--for"), ("参数 --for：需要一个值",)),
        ((), ("缺少必需的参数：命令",)),
    ):
        result = _run(tmp_path, *args)
        err = _one_chinese_sentence(result, 2, "用法：", "参数错误", *words)
        assert not any(english in err for english in ENGLISH), err
    result = _run(tmp_path, "--help")
    assert (
        result.returncode == 0 and "用法：guangying" in result.stdout and "显示本帮助并退出" in result.stdout
    )
    assert "命令：" in result.stdout and "  ingest " in result.stdout


def test_every_subcommand_helps_in_chinese() -> None:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(commands.choices) >= 10
    for name, sub in [("guangying", parser), *commands.choices.items()]:
        text = sub.format_help() + sub.format_usage()
        assert "用法：" in text and "显示本帮助并退出" in text, name
        assert not any(english in text for english in ENGLISH), name


def test_crash_logs_never_overwrite_each_other(data_dir: Path) -> None:
    reports = [_crash_report(RuntimeError(f"第{i}次")) for i in range(20)]
    assert all(reports) and len(set(reports)) == 20
    texts = {p.read_text(encoding="utf-8") for p in reports if p}
    assert len(texts) == 20 and str(os.getpid()) in reports[0].name  # type: ignore[union-attr]


def test_run_says_when_the_drop_folder_does_not_exist(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("flows.intake.intake", lambda **_: [])
    assert main(["run", "--no-screen"]) == 0
    out = capsys.readouterr().out
    assert f"投稿文件夹：{(data_dir / 'inbox').resolve()}（文件夹不存在，将不会读取）" in out
    (data_dir / "inbox").mkdir(parents=True)
    assert main(["run", "--no-screen"]) == 0
    assert "文件夹不存在" not in capsys.readouterr().out


def test_small_defects_of_the_walk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`receipt --help` creates nothing; `templates FILE` is one sentence; deployments help in Chinese."""
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {**os.environ, "GUANGYING_DATA_DIR": str(data)}
    env.pop("PREFECT_HOME", None)
    env.pop("PREFECT_API_URL", None)
    helped = subprocess.run(
        [sys.executable, "-m", "cli.main", "receipt", "--help"], env=env, capture_output=True, timeout=120
    )
    assert helped.returncode == 0 and not data.exists()
    a_file = tmp_path / "模板.txt"
    a_file.write_text("x", encoding="utf-8")
    assert main(["templates", str(a_file)]) == 2
    err = capsys.readouterr().err
    assert "是文件，不是文件夹" in err and len(err.strip().splitlines()) == 1
    deployments = subprocess.run(
        [sys.executable, "-m", "deployments", "--help"], capture_output=True, text=True, timeout=120
    )
    assert "用法：" in deployments.stdout and not any(e in deployments.stdout for e in ENGLISH)
