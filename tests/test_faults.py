"""Faults through the command line as a user meets them: a run killed in the middle of screening
never leaves a 通过, the next run finishes the work, and nothing is left behind."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samples.packages import clip, good_form, package_files, zip_package
from tasks.processes import OWNER
from tests.fixtures import SUITE_NOW

pytestmark = pytest.mark.slow  # the killed `guangying ingest` screens with the real models
GUANGYING = str(Path(sys.executable).with_name("guangying"))
PREFIX = "张明（江北区融媒体中心）+红岩家书"
IN_TIME = ["--received-at", "2026-11-28T10:00+08:00"]


def _env(data_dir: Path, home: Path) -> dict[str, str]:
    """A user's shell: no test server, no Prefect home of the suite's; $HOME is watched."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GUANGYING_"))}
    env |= {
        "HOME": str(home),
        "GUANGYING_DATA_DIR": str(data_dir),
        "GUANGYING_CLOCK": SUITE_NOW.isoformat(),
        "GUANGYING_CACHE_DIR": str(Path(os.environ.get("GUANGYING_TEST_CACHE", ".cache/test")).resolve()),
    }
    return env


def _video_rows(data_dir: Path) -> list[tuple[str, str | None]]:
    try:
        with sqlite3.connect(data_dir / "catalogue.sqlite3") as db:
            return db.execute("select name, verdict from file where role = 'video'").fetchall()
    except sqlite3.Error:
        return []


def _owned_by(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if f"{OWNER}={pid}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _status(env: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    done = subprocess.run(
        [GUANGYING, "status", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _ingest_until_screening(package: Path, env: dict[str, str], stderr: Path) -> subprocess.Popen[bytes]:
    """Start `guangying ingest` and return once the package is in the catalogue and its video is
    being screened (the catalogue holds the video, not yet its verdict)."""
    with stderr.open("wb") as err:  # a file, not a pipe: a killed run's orphans would hold a pipe open
        run = subprocess.Popen(
            [GUANGYING, "ingest", *IN_TIME, str(package)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    data_dir = Path(env["GUANGYING_DATA_DIR"])
    while time.monotonic() < deadline and run.poll() is None:
        if _video_rows(data_dir):
            time.sleep(1.0)  # into the decode/OCR/Whisper of the 8 s clip
            return run
        time.sleep(0.2)
    run.kill()
    raise AssertionError(f"the run never reached screening: {stderr.read_text(errors='replace')[-2000:]}")


@pytest.fixture
def package(tmp_path: Path, media_dir: Path) -> Path:
    files = package_files(tmp_path / "src", clip(media_dir, "eight.mp4", seconds=8), form=good_form())
    return zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_screening_is_never_a_pass_and_the_next_run_finishes_it(
    how: signal.Signals, package: Path, tmp_path: Path
) -> None:
    data_dir, home = tmp_path / "var", tmp_path / "home"
    home.mkdir()
    env = _env(data_dir, home)
    run = _ingest_until_screening(package, env, tmp_path / "stderr.txt")
    run.send_signal(how)
    run.wait(timeout=60)
    err = (tmp_path / "stderr.txt").read_text(errors="replace")
    assert _video_rows(data_dir) == [(f"{PREFIX}/{PREFIX}.mp4", None)]  # nobody screened it
    if how == signal.SIGTERM:  # ended like Ctrl-C: its own children stopped, its scratch removed
        assert "Traceback" not in err and run.returncode == 130
        assert _owned_by(run.pid) == [] and list((data_dir / "scratch").iterdir()) == []

    (item,) = _status(env)  # a SIGKILLed run's server and scratch are reclaimed by this next run
    assert item["state"] == "received" and item["verdict"] is None  # 审核中, never 通过
    assert _owned_by(run.pid) == [] or _wait_gone(run.pid)
    assert list((data_dir / "scratch").iterdir()) == []

    # The killed run screened with the real models (their seconds are the window it is killed in);
    # finishing the work is about the catalogue and the embedded server, not recognition.
    again = subprocess.run(
        [GUANGYING, "ingest", "--json", *IN_TIME, str(package)],
        env=env | {"GUANGYING_ENGINES": "stand-in"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in again.stderr, again.stderr
    (resumed,) = [json.loads(line) for line in again.stdout.splitlines()]
    assert resumed["resumed"] and resumed["state"] == "screened" and resumed["verdict"] is not None
    assert [v for _, v in _video_rows(data_dir)] == [resumed["verdict"]]
    # Everything of the embedded default lies under the data directory, nothing under $HOME.
    assert (data_dir / "prefect").is_dir() and list(home.iterdir()) == []


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _owned_by(pid):
            return True
        time.sleep(0.2)
    return False
