"""The compose stack for real: docker/compose.yaml with docker/compose.test.yaml (local stand-ins for the
images that cannot be pulled here), three worker containers with one run each. The deployments are
applied from a worker container, two packages dropped into the inbox bucket, the nightly deployment
triggered through the Prefect API; two worker containers each take a screening run, the catalogue in
PostgreSQL has both works with their verdicts, the Prefect UI answers. The stack is brought down
(volumes too) whatever happens, and no container of it may remain.

Which worker screens what is made certain, not left to timing: each worker runs one flow run at a
time, one of them is busy with the nightly run itself, and while the test holds every "ocr" slot the
first screening run cannot finish — so the second can only go to the third worker."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from deployments.definitions import CONCURRENCY_LIMITS
from samples.packages import clip, good_form, package_files, zip_package
from samples.servers import free_port
from tasks.findings import Verdict
from tests.containers.engine import ROOT, Engine

TITLES = ("红岩家书", "嘉陵江畔")
RECEIVED = "2026-11-29T21:05:00+08:00"  # before the deadline (S3 metadata, as `mc cp --attr` writes it)
WORKERS = 3  # one busy with the nightly run, two screening
FILES = ("-f", str(ROOT / "docker" / "compose.yaml"), "-f", str(ROOT / "docker" / "compose.test.yaml"))


@dataclass
class Stack:
    engine: Engine
    project: str
    env: dict[str, str]
    api_url: str
    s3_endpoint: str

    def compose(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        command = ["podman-compose"] if self.engine.name == "podman" else ["docker", "compose"]
        return subprocess.run(
            [*command, "-p", self.project, *FILES, *args],
            cwd=ROOT,
            env={**os.environ, **self.engine.env, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def containers(self, service: str | None = None) -> list[str]:
        """Names of this project's containers (of one service), running or not."""
        filters = ["--filter", f"label=com.docker.compose.project={self.project}"]
        if service:
            filters += ["--filter", f"label=com.docker.compose.service={service}"]
        listed = self.engine.command("ps", "-a", *filters, "--format", "{{.Names}}")
        return sorted(listed.stdout.split())

    def volumes(self) -> set[str]:
        """The volumes the project's containers mount: the named ones of compose.yaml and the
        anonymous ones of the images' VOLUMEs (which `podman-compose down -v` 1.0.3 leaves)."""
        names = self.containers()
        if not names:
            return set()
        mounts = self.engine.command(
            "inspect", "--format", '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', *names
        )
        return set(mounts.stdout.split())

    def network(self) -> str:
        return f"{self.project}_default" if self.engine.name == "podman" else f"{self.project}-default"

    def exec(self, container: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return self.engine.command("exec", container, *args, timeout=timeout)


def _until(what: str, check: Any, timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except (httpx.HTTPError, OSError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout} s")
        time.sleep(every)


@pytest.fixture(scope="module")
def stand_in_images(engine: Engine, image: str) -> list[str]:
    """The local postgres and S3 images of docker/compose.test.yaml, built by docker/image.sh from
    their Dockerfiles (cached layer by layer, like the worker's)."""
    override = yaml.safe_load((ROOT / "docker" / "compose.test.yaml").read_text())
    built = {s["image"]: s["build"]["dockerfile"] for s in override["services"].values() if "build" in s}
    assert len(built) == 2, built
    for tag, dockerfile in built.items():
        subprocess.run(
            [str(ROOT / "docker" / "image.sh")],
            cwd=ROOT,
            env={**os.environ, **engine.env, "IMAGE": tag, "DOCKERFILE": dockerfile},
            stdout=subprocess.DEVNULL,
            timeout=1800,
            check=True,
        )
    return list(built)


@pytest.fixture
def stack(engine: Engine, image: str, stand_in_images: list[str]) -> Iterator[Stack]:
    """The stack up under a project name of its own; down with its volumes afterwards, also when the
    test failed, and then not one container of the project may be left."""
    prefect_port, s3_port = free_port(), free_port()
    stack = Stack(
        engine=engine,
        project=f"guangying-test-{uuid.uuid4().hex[:8]}",
        env={
            "POSTGRES_PASSWORD": uuid.uuid4().hex,
            "MINIO_ROOT_USER": "guangying-test",
            "MINIO_ROOT_PASSWORD": uuid.uuid4().hex,
            "GUANGYING_PREFECT_PORT": str(prefect_port),
            "GUANGYING_S3_PORT": str(s3_port),
            "GUANGYING_S3_CONSOLE_PORT": str(free_port()),
            "GUANGYING_WORKER_IMAGE": image,
            "GUANGYING_WORKERS": str(WORKERS),
            "GUANGYING_WORKER_LIMIT": "1",
        },
        api_url=f"http://127.0.0.1:{prefect_port}/api",
        s3_endpoint=f"127.0.0.1:{s3_port}",
    )
    started = time.monotonic()
    try:
        up = stack.compose("up", "-d")
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        print(f"compose up: {time.monotonic() - started:.0f} s")
        yield stack
    finally:
        stopping = time.monotonic()
        if os.environ.get("GUANGYING_KEEP_LOGS"):
            for name in stack.containers():
                logs = engine.command("logs", name)
                print(f"--- {name}\n{(logs.stdout + logs.stderr)[-4000:]}")
        volumes = stack.volumes()
        down = stack.compose("down", "-v", timeout=300)
        left = stack.containers()
        for name in left:  # what `down` left: removed, and the test fails below
            engine.command("rm", "-f", "-v", name)
        for volume in volumes:  # gone after `down -v`, except the anonymous ones (podman-compose)
            engine.command("volume", "rm", "-f", volume)
        engine.command("network", "rm", stack.network())  # podman-compose 1.0.3 leaves it
        print(
            f"compose down: {time.monotonic() - stopping:.0f} s; stack in all {time.monotonic() - started:.0f} s"
        )
        assert down.returncode == 0, down.stderr[-3000:]
        assert left == [], f"containers left after down: {left}"
        assert stack.containers() == []
        listed = engine.command("volume", "ls", "--format", "{{.Name}}").stdout.split()
        assert not volumes & set(listed), volumes & set(listed)
        assert engine.command("network", "inspect", stack.network()).returncode != 0


def _client(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.api_url, timeout=30)


def _workers_online(api: httpx.Client) -> list[str]:
    answer = api.post("/work_pools/guangying/workers/filter", json={})
    names = [w["name"] for w in answer.json()] if answer.status_code == 200 else []
    return names if len(names) >= WORKERS else []


def _drop_packages(stack: Stack, folder: Path) -> None:
    """Two zipped packages uploaded to the inbox bucket, each with its own clip."""
    from tasks.store import MinioStore

    store = MinioStore(
        stack.s3_endpoint, stack.env["MINIO_ROOT_USER"], stack.env["MINIO_ROOT_PASSWORD"], secure=False
    )
    _until("the S3 server", lambda: store.client.list_buckets() is not None, timeout=120)
    store.client.make_bucket("guangying-inbox")  # tasks.config's bucket_inbox
    for index, title in enumerate(TITLES):
        prefix = f"张明（江北区融媒体中心）+{title}"
        video = clip(folder / "media", f"compose-{index}.mp4", seconds=2.0 + 0.1 * index)
        files = package_files(folder / str(index), video, form=good_form(title=title), prefix=prefix)
        package = zip_package(folder / f"{prefix}.zip", files)
        store.client.fput_object(
            "guangying-inbox", package.name, str(package), metadata={"received-at": RECEIVED}
        )


def _screening_runs(api: httpx.Client, parent: str) -> list[dict[str, Any]]:
    flows = {f["id"]: f["name"] for f in api.post("/flows/filter", json={}).json()}
    children = api.post(
        "/flow_runs/filter", json={"flow_runs": {"parent_flow_run_id": {"any_": [parent]}}}
    ).json()
    return [r for r in children if flows.get(r["flow_id"]) == "screen-submission"]


def _takers(stack: Stack, run_ids: list[str]) -> dict[str, list[str]]:
    """The worker containers that started each flow run, from their own logs. Two workers may both
    try a run ("submitting flow run"); the server lets one through and the other logs "Aborted"."""
    logs = {}
    for name in stack.containers("worker"):
        done = stack.engine.command("logs", name)
        logs[name] = done.stdout + done.stderr
    return {
        run_id: [
            name
            for name, text in logs.items()
            if f"submitting flow run '{run_id}'" in text
            and f"Aborted submission of flow run '{run_id}'" not in text
        ]
        for run_id in run_ids
    }


def _catalogue(stack: Stack) -> list[list[str]]:
    [postgres] = stack.containers("postgres")
    query = (
        "SELECT s.title, s.verdict, count(f.id), count(f.verdict) FROM submission s"
        " JOIN file f ON f.submission_id = s.id AND f.role = 'video' GROUP BY s.id ORDER BY s.title"
    )
    done = stack.exec(postgres, "psql", "-U", "guangying", "-d", "guangying", "-At", "-F", "|", "-c", query)
    assert done.returncode == 0, done.stderr
    return [line.split("|") for line in done.stdout.splitlines()]


def test_the_compose_stack_shares_a_nightly_batch_between_two_worker_containers(
    stack: Stack, tmp_path: Path
) -> None:
    started = time.monotonic()
    api = _client(stack)
    _until("the Prefect API", lambda: api.get("/health").json() is True, timeout=240)
    workers = _until(f"{WORKERS} workers in the pool", lambda: _workers_online(api), timeout=240)

    # the deployments, the pool's asr/ocr limits: from a worker container, as the README says
    first_worker = stack.containers("worker")[0]
    applied = stack.exec(first_worker, "python", "-m", "deployments", "apply", "--pool", "guangying")
    assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-3000:]
    assert "deployment nightly/nightly" in applied.stdout

    _drop_packages(stack, tmp_path)

    # every "ocr" slot held by the test: the first screening run to start cannot finish yet
    held = api.post(
        "/v2/concurrency_limits/increment-with-lease",
        json={"names": ["tag:ocr"], "slots": CONCURRENCY_LIMITS["ocr"], "lease_duration": 900},
    )
    assert held.status_code == 200, held.text
    assert [limit["name"] for limit in held.json()["limits"]] == ["tag:ocr"]
    lease = held.json()["lease_id"]

    # what the UI's "Run" button does
    deployment = api.get("/deployments/name/nightly/nightly").json()
    nightly = api.post(
        f"/deployments/{deployment['id']}/create_flow_run",
        json={"parameters": {"parameters": {"max_parallel": 2, "poll_seconds": 1}}},
    ).json()

    def both_screening() -> list[dict[str, Any]]:
        runs = _screening_runs(api, nightly["id"])
        running = [r for r in runs if r["state_type"] == "RUNNING"]
        return running if len(running) == len(TITLES) else []

    screening = _until("two screening runs running at once", both_screening, timeout=420, every=2)
    released = api.post("/v2/concurrency_limits/decrement-with-lease", json={"lease_id": lease})
    assert released.status_code == 204, released.text

    def final() -> dict[str, Any] | None:
        run: dict[str, Any] = api.get(f"/flow_runs/{nightly['id']}").json()
        return run if run["state_type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    done = _until("the nightly run's end", final, timeout=420, every=2)
    print(f"nightly batch: {time.monotonic() - started:.0f} s after compose up")
    assert done["state_type"] == "COMPLETED", done["state"]

    runs = _screening_runs(api, nightly["id"])
    assert sorted(r["id"] for r in runs) == sorted(r["id"] for r in screening)  # no second round
    assert all(r["state_type"] == "COMPLETED" for r in runs), [r["state"] for r in runs]
    takers = _takers(stack, [nightly["id"], *(r["id"] for r in runs)])
    assert all(len(names) == 1 for names in takers.values()), takers  # each run started once
    dispatcher, *screeners = (names[0] for names in takers.values())
    # two worker containers screened, one each; the third ran the nightly run
    assert len(set(screeners)) == 2 and dispatcher not in screeners, takers
    assert sorted({dispatcher, *screeners}) == stack.containers("worker"), (takers, workers)

    catalogue = _catalogue(stack)
    assert [row[0] for row in catalogue] == sorted(TITLES)
    for title, verdict, videos, screened in catalogue:
        assert verdict in set(Verdict), (title, verdict)
        assert videos == screened == "1", (title, videos, screened)

    page = httpx.get(stack.api_url.removesuffix("/api") + "/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower(), page.text[:500]
    print(json.dumps({"pool": workers, "runs": takers}, ensure_ascii=False))
