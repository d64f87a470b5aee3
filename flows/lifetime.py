"""What a command-line run leaves behind: nothing, whatever signal ends it.

SIGTERM and SIGHUP end a run like Ctrl-C does, so that its `finally` blocks remove scratch folders
and Prefect stops its temporary server at exit. SIGKILL cannot be caught: every process a run
starts (the temporary Prefect server, ffmpeg) inherits GUANGYING_CLI_PID, and the next run ends
those whose owner is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from pathlib import Path
from types import FrameType

from tasks.scratch import process_alive

OWNER = "GUANGYING_CLI_PID"
log = logging.getLogger(__name__)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def end_on_signals() -> None:
    for name in ("SIGTERM", "SIGHUP"):
        with contextlib.suppress(ValueError, AttributeError):  # not the main thread, or no such signal
            signal.signal(getattr(signal, name), _interrupt)


def _owner(pid_dir: Path) -> int | None:
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
        owner = _owner(pid_dir)
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


def reclaim_left_behind() -> None:
    """At the start of a run: end the orphans of killed runs and remove their scratch folders."""
    reclaim_orphans()
    try:
        from tasks.config import get_settings
        from tasks.scratch import SCRATCH, reclaim

        reclaim(get_settings().data_dir / SCRATCH)
    except Exception as exc:  # a configuration error is reported by the command itself
        log.debug("scratch not reclaimed: %s", exc)
