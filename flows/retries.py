"""The one retry policy of the flows' tasks that touch the catalogue, the store or the disk."""

from __future__ import annotations

from typing import Any

from prefect.tasks import exponential_backoff

# Twice more after a failure, waiting 2 s then 4 s: enough for a database or object store that
# blinked, short enough that a real fault shows up in the run at once.
IO_RETRIES: dict[str, Any] = {"retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=2)}
