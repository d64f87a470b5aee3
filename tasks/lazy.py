"""One expensive object per process (OCR and ASR models, the OpenCC converter), built on first use.

`functools.cache` is not enough: Prefect runs tasks in threads, and two threads asking at once
would each load a model (hundreds of MB apiece).

The object can be replaced for a while (`get_ocr_engine.replaced(stand_in)`): the one seam through
which a test swaps an engine for a stand-in, as httpx tests swap the transport. The replacement is
process-wide on purpose, so the flow's task threads see it too.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    """Call it for the process's one object; `factory` runs once, under a lock."""

    def __init__(self, factory: Callable[[], T]) -> None:
        functools.update_wrapper(self, factory)
        self._factory = factory
        self._lock = threading.Lock()
        self._built: list[T] = []
        self._replacements: list[T] = []

    def __call__(self) -> T:
        if self._replacements:
            return self._replacements[-1]
        if not self._built:
            with self._lock:
                if not self._built:
                    self._built.append(self._factory())
        return self._built[0]

    @contextmanager
    def replaced(self, stand_in: T) -> Iterator[T]:
        """Every call returns `stand_in` until the block ends (nesting restores the outer one)."""
        self._replacements.append(stand_in)
        try:
            yield stand_in
        finally:
            self._replacements.remove(stand_in)


def one_per_process(factory: Callable[[], T]) -> PerProcess[T]:
    """`factory` runs once, under a lock; every later call returns what it built."""
    return PerProcess(factory)
