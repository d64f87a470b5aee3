"""Processes a command-line run starts, and those a killed run left behind.

SIGKILL cannot be caught: every process a run starts (the temporary Prefect server, ffmpeg)
inherits GUANGYING_CLI_PID, and the next run ends those whose owner is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from pathlib import Path

from tasks.scratch import process_alive

OWNER = "GUANGYING_CLI_PID"
log = logging.getLogger(__name__)


def owner_of(pid_dir: Path) -> int | None:
    """The run that started the process of `/proc/PID` (its GUANGYING_CLI_PID), if any."""
    try:
        environ = (pid_dir / "environ").read_bytes()
    except OSError:
        return None
    for entry in environ.split(b"\0"):
        if entry.startswith(OWNER.encode() + b"="):
            value = entry.split(b"=", 1)[1]
            return int(value) if value.isdigit() else None
    return None


def reclaim_orphans(proc: Path = Path("/proc")) -> list[int]:
    """End the processes started by earlier runs that were killed; return their pids."""
    ended = []
    for pid_dir in proc.glob("[0-9]*"):
        owner = owner_of(pid_dir)
        if owner is None or owner == os.getpid() or process_alive(owner):
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            os.kill(int(pid_dir.name), signal.SIGTERM)
            ended.append(int(pid_dir.name))
    if ended:
        log.warning("ended %d processes left by a killed run: %s", len(ended), ended)
    return ended


def own_children() -> None:
    """Mark this run as the owner of every process it starts from now on."""
    os.environ[OWNER] = str(os.getpid())
