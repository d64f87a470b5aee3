"""Scratch folders (tasks/scratch.py): removed when their block ends, reclaimed when a process died."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.scratch import SCRATCH, scratch_folder


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_the_folder_is_removed_when_the_block_ends_even_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), scratch_folder(tmp_path, "intake") as folder:
        (folder / "unpacked.mp4").write_bytes(b"x")
        raise RuntimeError("the run fails")
    assert not folder.exists()
    assert folder.name.startswith(f"intake-{os.getpid()}-")


def test_a_dead_process_folder_is_reclaimed_and_a_live_one_kept(tmp_path: Path) -> None:
    root = tmp_path / SCRATCH
    stale = root / f"publish-{_dead_pid()}-abcd1234"
    live = root / f"screen-{os.getppid()}-abcd1234"  # our parent runs
    for folder in (stale, live):
        folder.mkdir(parents=True)
        (folder / "original.mp4").write_bytes(b"x")
    with scratch_folder(tmp_path, "intake") as folder:
        assert folder.is_dir() and not any(folder.iterdir())
        assert not stale.exists()
        assert live.exists()
