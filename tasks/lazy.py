"""One expensive object per process (OCR and ASR models, the OpenCC converter), built on first use.

`functools.cache` is not enough: Prefect runs tasks in threads, and two threads asking at once
would each load a model (hundreds of MB apiece).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def one_per_process(factory: Callable[[], T]) -> Callable[[], T]:
    """`factory` runs once, under a lock; every later call returns what it built."""
    lock = threading.Lock()
    built: list[T] = []

    @functools.wraps(factory)
    def get() -> T:
        if not built:
            with lock:
                if not built:
                    built.append(factory())
        return built[0]

    return get
