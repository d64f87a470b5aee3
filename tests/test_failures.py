"""Failures named by their real cause: a full disk, a read-only store, never "cannot reach the database"."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from samples.packages import clip, good_form, package_files, zip_package
from tasks.failures import cause
from tests.fixtures import SUITE_NOW

GUANGYING = str(Path(sys.executable).with_name("guangying"))


def test_a_full_sqlite_catalogue_is_a_full_disk_not_an_unreachable_database(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'small.sqlite3'}")
    with pytest.raises(sa.exc.OperationalError) as raised, engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA max_page_count = 2")  # what a full disk looks like to SQLite
        connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
        for _ in range(50):
            connection.exec_driver_sql("INSERT INTO t VALUES (?)", ("红岩" * 2000,))
    assert cause(raised.value) == "磁盘空间已满"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "磁盘空间已满"),
        (OSError(errno.EROFS, "Read-only file system"), "存储位置为只读（只读挂载或只读文件系统）"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "作品库文件为只读"),
        (ValueError("something else"), None),
    ],
)
def test_causes_are_found_through_wrapping_exceptions(error: Exception, expected: str | None) -> None:
    try:
        try:
            raise error
        except Exception as inner:
            raise RuntimeError("task failed") from inner
    except RuntimeError as outer:
        assert cause(outer) == expected


def test_a_read_only_store_is_named_and_nothing_is_half_recorded(
    tmp_path: Path, media_dir: Path, prefect_api_url: str
) -> None:
    """The store mounted read-only (as an NFS export can be) while a package is taken in. The runs
    report to the session's Prefect server (tests/test_faults.py runs the embedded default's)."""
    prefix = "张明（江北区融媒体中心）+红岩家书"
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    package = zip_package(tmp_path / f"{prefix}.zip", files, folder=prefix)
    data_dir = tmp_path / "var"
    store = data_dir / "store"
    store.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GUANGYING_"))}
    env |= {
        "HOME": str(tmp_path),
        "GUANGYING_DATA_DIR": str(data_dir),
        "GUANGYING_CLOCK": SUITE_NOW.isoformat(),
        "GUANGYING_CACHE_DIR": str(Path(os.environ.get("GUANGYING_TEST_CACHE", ".cache/test")).resolve()),
        "PREFECT_API_URL": prefect_api_url,
    }
    ingest = f"{GUANGYING} ingest --no-screen --json --received-at 2026-11-28T10:00+08:00 '{package}'"
    script = f"mount --bind '{store}' '{store}' && mount -o remount,bind,ro '{store}' && exec {ingest}"
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    assert done.returncode == 1
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert "存储位置为只读" in result["error"] and "原件未改动" in result["error"]
    status = subprocess.run(
        [GUANGYING, "status", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert status.returncode == 0 and status.stdout == ""  # nothing half-recorded
    again = subprocess.run(
        [
            GUANGYING,
            "ingest",
            "--no-screen",
            "--json",
            "--received-at",
            "2026-11-28T10:00+08:00",
            str(package),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (taken,) = [json.loads(line) for line in again.stdout.splitlines()]
    assert taken["title"] == "红岩家书" and taken["state"] == "received"  # writable again: taken in
