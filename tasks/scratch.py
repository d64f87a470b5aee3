"""Scratch folders: where a run unpacks archives and fetches originals, never kept.

A run removes its own scratch folder when it ends; one killed before it could (SIGKILL, a power cut)
leaves it behind, and the next run reclaims it: each folder is named after the process that owns it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRATCH = "scratch"


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def reclaim(root: Path) -> list[Path]:
    """Remove the scratch folders of processes that no longer run; return what was removed."""
    removed = []
    for folder in root.glob("*-*-*") if root.is_dir() else []:
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def scratch_folder(data_dir: Path, purpose: str) -> Iterator[Path]:
    """A new, empty scratch folder for `purpose` under the data directory for the length of a
    block, removed when the block ends (even on error); stale ones of dead processes go first."""
    root = data_dir / SCRATCH
    reclaim(root)
    folder = root / f"{purpose}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
