"""GUANGYING_ENGINES selects the engines a process builds: the real models or the stand-ins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "from tasks.engines.asr import get_asr_engine; from tasks.engines.ocr import get_ocr_engine; "
    "print(type(get_ocr_engine()).__name__, type(get_asr_engine()).__name__)"
)


def _engines_built(tmp_path: Path, value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GUANGYING_ENGINES"}
    env["GUANGYING_DATA_DIR"] = str(tmp_path / "var")
    if value is not None:
        env["GUANGYING_ENGINES"] = value
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)


def test_the_stand_in_setting_builds_engines_that_read_and_hear_nothing(tmp_path: Path) -> None:
    done = _engines_built(tmp_path, "stand-in")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["BlindOcr", "DeafAsr"]


def test_an_unknown_engine_setting_is_refused_naming_it(tmp_path: Path) -> None:
    done = _engines_built(tmp_path, "fake")
    assert done.returncode != 0
    assert "GUANGYING_ENGINES" in done.stderr or "engines" in done.stderr


@pytest.mark.slow  # builds the real models
def test_by_default_the_real_engines_are_built(tmp_path: Path) -> None:
    done = _engines_built(tmp_path, None)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["RapidOcrEngine", "WhisperEngine"]
