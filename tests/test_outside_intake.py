"""Intake against the probe of issue 18: a zip whose central directory is a million entries, and the
kill window between a video's verdict and its work's state."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

import flows.intake
from cli.main import main
from samples.hostile import many_members_zip
from samples.packages import clip, good_form, package_files, zip_package
from tasks.config import get_settings
from tasks.findings import Status
from tasks.intake.archives import extract
from tasks.rules import DEFAULT_RULES
from tasks.zipdir import MAX_ENTRIES
from tests.engines import StandIns

PREFIX = "张明（江北区融媒体中心）+红岩家书"


def test_a_zip_of_many_members_is_refused_before_its_directory_is_listed(tmp_path: Path) -> None:
    path = many_members_zip(tmp_path / f"{PREFIX}.zip", 200_000)  # bench/hostile.py: 1 and 5 million
    started = time.monotonic()
    result = extract(path, tmp_path / "out", display=path.name, rules=DEFAULT_RULES)
    assert time.monotonic() - started < 2  # ZipFile() alone took 46 s and 819 MB for a million
    (finding,) = result.findings
    assert finding.status == Status.FAIL
    assert finding.message == (
        f"压缩包「{PREFIX}.zip」的压缩文件目录列有200,000个条目，超过{MAX_ENTRIES:,}个的上限"
        f"（单个作品包最多{DEFAULT_RULES.archive_max_files}个文件），未解压。"
        "请只打包作品视频、文稿、登记表、汇总表和承诺书。"
    )
    assert not result.files


def test_a_zip_within_the_bound_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "少.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("包/说明.txt", "说明")
    result = extract(path, tmp_path / "out", display=path.name, rules=DEFAULT_RULES)
    assert [f.name for f in result.files] == ["包/说明.txt"] and not result.findings


# --- the kill window


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])


class Killed(BaseException):
    """The process dies here: nothing after this point runs (as under SIGKILL)."""


def _rows(data_dir: Path) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    with sqlite3.connect(data_dir / "catalogue.sqlite3") as db:
        videos = db.execute("select name, verdict from file where role = 'video'").fetchall()
        works = db.execute("select state, verdict from submission").fetchall()
    return videos, works


@pytest.mark.usefixtures("prefect_server")
def test_a_kill_between_the_verdict_and_the_work_state_leaves_no_work_under_review_for_good(
    tmp_path: Path,
    media_dir: Path,
    capsys: pytest.CaptureFixture[str],
    stand_in_engines: StandIns,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    package = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    data_dir = get_settings().data_dir

    def killed(submission_id: str) -> None:
        raise Killed  # the moment after the video's verdict is committed, before the state step

    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(flows.intake, "finish_submission_task", killed)
        main(["ingest", "--received-at", "2026-11-28T10:00+08:00", str(package)])
    videos, works = _rows(data_dir)
    assert [v for _, v in videos] != [None]  # the video's verdict was written…
    (state, verdict) = works[0]
    assert state == "screened" and verdict == videos[0][1]  # …and the work's state with it

    # A catalogue left by a version that wrote the two apart: the verdict, the work still 审核中.
    with sqlite3.connect(data_dir / "catalogue.sqlite3") as db:
        db.execute("update submission set state = 'received', verdict = null")
    capsys.readouterr()
    assert main(["ingest", "--json", "--received-at", "2026-11-28T10:00+08:00", str(package)]) in (0, 1)
    (again,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert again.get("resumed") and not again.get("duplicate"), again
    assert again["state"] == "screened" and again["verdict"] == videos[0][1]
    assert _rows(data_dir) == (videos, [("screened", videos[0][1])])


def test_a_directory_that_lies_about_its_count_is_bounded_by_its_size(tmp_path: Path) -> None:
    import struct

    from tasks.zipdir import ZipDirectoryTooLarge, check_zip_directory

    path = many_members_zip(tmp_path / "谎.zip", 60_000)
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 5, 5)  # the end record claims five entries
    path.write_bytes(bytes(data))
    with pytest.raises(ZipDirectoryTooLarge, match=r"压缩文件目录有.*MB，超过2,000个条目所需的"):
        check_zip_directory(path, max_entries=2_000)
