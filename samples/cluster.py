"""A small production-shaped cluster for the operations tests and bench/batch.py: a real `prefect server
start` on loopback with its own PREFECT_HOME, the work pool and deployments applied with
`python -m deployments apply`, and `prefect worker start` processes; everything stopped by pid."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from samples.servers import S3Server, free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Cluster:
    api_url: str
    pool: str
    env: dict[str, str]  # what every process of the cluster runs with
    folder: Path
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_worker(self, name: str, limit: int = 2) -> subprocess.Popen[bytes]:
        log = (self.folder / f"worker-{name}.log").open("wb")
        process = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", self.pool, "--type", "process",
             "--name", name, "--limit", str(limit)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.workers[name] = process
        return process

    def stop_worker(self, name: str, *, kill: bool = False) -> None:
        process = self.workers.pop(name)
        if kill:
            process.kill()
            process.wait()
        else:
            stop_process(process, timeout=20)


def cluster_env(api_url: str, home: Path, data_dir: Path, s3: S3Server | None) -> dict[str, str]:
    env = {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
        # the server re-offers a tag concurrency slot (asr, ocr) after this many seconds (default 30)
        "PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS": "2",
        "GUANGYING_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
        # the cluster tests are about sharing a batch, not recognition: the workers build stand-ins
        "GUANGYING_ENGINES": "stand-in",
    }
    if s3 is not None:
        env |= {
            "GUANGYING_S3_ENDPOINT": s3.endpoint,
            "GUANGYING_S3_ACCESS_KEY": s3.access_key,
            "GUANGYING_S3_SECRET_KEY": s3.secret_key,
            "GUANGYING_S3_SECURE": "false",
        }
    return env


def wait_healthy(api_url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {process.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server not healthy at {api_url} after {timeout} s")


@contextmanager
def prefect_cluster(
    folder: Path, data_dir: Path, s3: S3Server | None, *, pool: str = "guangying", ui: bool = False
) -> Iterator[Cluster]:
    """Server + pool + deployments; add workers with `cluster.start_worker(name)`."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    home = folder / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    env = cluster_env(api_url, home, data_dir, s3)
    with ExitStack() as stack:
        log = stack.enter_context((folder / "server.log").open("wb"))
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--ui" if ui else "--no-ui", "--no-scheduler", "--no-late-runs", "--analytics-off"],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(stop_process, server, 20)
        wait_healthy(api_url, server)
        applied = subprocess.run(
            [sys.executable, "-m", "deployments", "apply", "--pool", pool],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        if applied.returncode != 0:
            raise RuntimeError(
                f"deployments apply failed:\n{applied.stdout[-2000:]}\n{applied.stderr[-4000:]}"
            )
        cluster = Cluster(api_url, pool, env, folder)
        try:
            yield cluster
        finally:
            for name in list(cluster.workers):
                cluster.stop_worker(name)
