"""The container tests build (or reuse) the worker image and run it with podman or docker. They take
minutes, so the plain `pytest`/`make test` leaves this folder out; `make test-containers` (and
.ci/run after `make test`) runs it with GUANGYING_CONTAINER_TESTS=1."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.engine import ROOT, Engine

collect_ignore_glob = [] if os.environ.get("GUANGYING_CONTAINER_TESTS") == "1" else ["test_*.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.containers)


@pytest.fixture(scope="session")
def engine() -> Engine:
    name = "podman" if shutil.which("podman") else "docker"
    assert shutil.which(name), "make test-containers installs podman (make container-system)"
    return Engine(name)


@pytest.fixture(scope="session")
def image(engine: Engine) -> Iterator[str]:
    """The worker image of this checkout: docker/image.sh builds it, or reuses every layer whose
    inputs (Dockerfile, lock, code) are unchanged."""
    done = subprocess.run(
        [str(ROOT / "docker" / "image.sh")],
        cwd=ROOT,
        env={**os.environ, **engine.env},
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,
        check=True,
    )
    yield done.stdout.strip().splitlines()[-1]
