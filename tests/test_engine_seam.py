"""The one seam for swapping an engine (tasks/lazy.py): built once per process, replaceable for a while."""

from __future__ import annotations

import threading

from tasks.engines.asr import get_asr_engine
from tasks.engines.ocr import get_ocr_engine
from tasks.lazy import one_per_process
from tests.engines import BlindOcr, DeafAsr


def test_the_factory_runs_once_even_when_threads_ask_together() -> None:
    calls: list[int] = []
    gate = threading.Barrier(8)

    @one_per_process
    def build() -> object:
        calls.append(1)
        return object()

    seen: list[object] = []

    def ask() -> None:
        gate.wait()
        seen.append(build())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len({id(obj) for obj in seen}) == 1


def test_a_replacement_holds_for_its_block_and_nested_ones_restore_the_outer() -> None:
    @one_per_process
    def build() -> str:
        return "real"

    with build.replaced("outer"):
        assert build() == "outer"
        with build.replaced("inner"):
            assert build() == "inner"
        assert build() == "outer"
    assert build() == "real"


def test_a_replacement_is_seen_by_other_threads_and_ends_even_on_error() -> None:
    @one_per_process
    def build() -> str:
        return "real"

    seen: list[str] = []
    try:
        with build.replaced("stand-in"):
            worker = threading.Thread(target=lambda: seen.append(build()))
            worker.start()
            worker.join()
            raise RuntimeError("the block fails")
    except RuntimeError:
        pass
    assert seen == ["stand-in"]
    assert build() == "real"


def test_the_engine_getters_are_the_seam() -> None:
    """What the flows call (`get_ocr_engine()`, `get_asr_engine()`) returns the installed stand-ins,
    without building a real model."""
    ocr, asr = BlindOcr(), DeafAsr()
    with get_ocr_engine.replaced(ocr), get_asr_engine.replaced(asr):
        assert get_ocr_engine() is ocr
        assert get_asr_engine() is asr
