"""What a command-line run leaves behind: nothing, whatever signal ends it.

SIGTERM and SIGHUP end a run like Ctrl-C does, so that its `finally` blocks remove scratch folders
and Prefect stops its temporary server at exit. What a SIGKILLed run left is ended by the next
(`tasks.processes`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
from types import FrameType

from tasks.processes import reclaim_orphans

log = logging.getLogger(__name__)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def end_on_signals() -> None:
    for name in ("SIGTERM", "SIGHUP"):
        with contextlib.suppress(ValueError, AttributeError):  # not the main thread, or no such signal
            signal.signal(getattr(signal, name), _interrupt)


def reclaim_left_behind() -> None:
    """At the start of a run: end the orphans of killed runs and remove their scratch folders."""
    reclaim_orphans()
    try:
        from tasks.config import get_settings
        from tasks.scratch import SCRATCH, reclaim

        reclaim(get_settings().data_dir / SCRATCH)
    except Exception as exc:  # a configuration error is reported by the command itself
        log.debug("scratch not reclaimed: %s", exc)
