"""Shared fixtures: an isolated data directory per test, real servers per session."""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

# No network here: Prefect must not phone home, Hugging Face must never be asked.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Prefect's home for the whole session, not $HOME/.prefect (the CLI would put it under each test's
# data directory; the in-process test server must keep one).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="guangying-prefect-home-"))

from samples.servers import S3Server
from tasks.store import LocalStore, MinioStore, ObjectStore
from tests.engines import StandIns
from tests.fixtures import SUITE_NOW
from tests.servers import postgres_database, seaweedfs

# The longest files, in seconds of one run (`pytest --durations=80`, summed per file): started first,
# so that no long file is left for the end while the other workers have nothing to do (xdist's
# `--dist loadfile` keeps a file on one worker; `--no-loadscope-reorder` keeps this order instead of
# putting the files with the most tests first, which left these few-test files for last).
LONGEST_FILES = {
    "test_operations_cluster.py": 211,
    "test_deployment_parity.py": 106,
    "test_faults.py": 85,
    "test_publish_flow.py": 80,
    "test_operations_drills.py": 55,
    "test_aigc_visual.py": 44,
    "test_subtitles_media.py": 33,
    "test_intake_second_mails.py": 28,
    "test_operations_dask.py": 26,
    "test_screen_flow.py": 24,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (stable: each file keeps its own order), as LONGEST_FILES measured."""
    missing = [name for name in LONGEST_FILES if not (Path(__file__).parent / name).is_file()]
    if missing:  # a renamed file would silently fall back to the end
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FILES names files that are gone: {missing}")
    items.sort(key=lambda item: -LONGEST_FILES.get(item.path.name, 0))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own embedded default (SQLite catalogue + local store) under tmp_path."""
    from tasks.catalogue.db import open_catalogue
    from tasks.config import get_settings

    directory = tmp_path / "var"
    monkeypatch.setenv("GUANGYING_DATA_DIR", str(directory))
    # The model cache is shared by the whole session: assembling Whisper once is enough.
    monkeypatch.setenv(
        "GUANGYING_CACHE_DIR", str(Path(os.environ.get("GUANGYING_TEST_CACHE", ".cache/test")))
    )
    monkeypatch.setenv("GUANGYING_CLOCK", SUITE_NOW.isoformat())  # the pipeline's clock is the suite's
    for name in (
        "GUANGYING_DATABASE_URL",
        "GUANGYING_S3_ENDPOINT",
        "GUANGYING_OPERATOR",
        "GUANGYING_ENGINES",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()
    open_catalogue.cache_clear()


class RealModelWithoutSlowMark(UserWarning):
    """A test ran the real OCR or ASR model in this process but is not marked `slow`."""


@pytest.fixture(autouse=True)
def _real_models_are_marked_slow(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Names, in the warnings summary, each test that runs a real model without the `slow` mark (so
    that `-m "not slow"` stays quick); such a test wants the mark or the `stand_in_engines`."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    from tasks.engines.asr import WhisperEngine
    from tasks.engines.ocr import RapidOcrEngine

    used: set[str] = set()
    for engine, method in ((WhisperEngine, "transcribe"), (RapidOcrEngine, "read")):
        real = getattr(engine, method)

        def spy(
            self: object, *args: object, _real: Any = real, _name: str = engine.__name__, **kwargs: object
        ) -> Any:
            # An engine whose model a test replaced with a recorder (tests/test_asr_settings.py)
            # runs no model: only a faster-whisper model (or an engine without one) counts.
            inner = getattr(self, "_model", None)
            if inner is None or type(inner).__module__.split(".")[0] == "faster_whisper":
                used.add(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(engine, method, spy)
    yield
    if used:
        warnings.warn(
            f"{request.node.nodeid} runs {', '.join(sorted(used))} without the slow mark",
            RealModelWithoutSlowMark,
            stacklevel=1,
        )


@pytest.fixture
def clock() -> datetime:
    """What the pipeline takes for "now" in this test (never today's date)."""
    return SUITE_NOW


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server (SeaweedFS `weed mini`) on a free loopback port."""
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(params=["local", "seaweedfs"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    """Each object-store test runs on both implementations: a local folder and a real S3 server."""
    if request.param == "local":
        yield LocalStore(tmp_path / "store")
    else:
        server: S3Server = request.getfixturevalue("seaweed")
        yield MinioStore(server.endpoint, server.access_key, server.secret_key, secure=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away database on the PostgreSQL at 127.0.0.1:5432 (trust auth)."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real, temporary Prefect server with its own database for flow tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def prefect_api_url(prefect_server: None) -> str:
    """The session's Prefect server, for a subprocess that runs flows (PREFECT_API_URL in its
    environment): without it each such process starts and migrates a temporary server of its own,
    seconds of CPU apiece. Tests about that embedded default (tests/test_faults.py) leave it out."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Clips rendered once per session and shared by the tests that only read them."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def stand_in_engines() -> Iterator[StandIns]:
    """OCR and ASR stand-ins (tests/engines.py) for flow tests about orchestration, installed through
    the engines' own seam (`get_ocr_engine.replaced`): every caller in the process gets them."""
    from tasks.engines.asr import get_asr_engine
    from tasks.engines.ocr import get_ocr_engine

    engines = StandIns()
    with get_ocr_engine.replaced(engines.ocr), get_asr_engine.replaced(engines.asr):
        yield engines
