"""Failure drills for a batch: an object store that fails its first uploads (a stand-in wrapping the
real store), a corrupt video in the batch. Retries and the batch's second round recover; running the
batch again screens nothing twice; nothing is duplicated or lost; the corrupt file is a finding."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from samples.packages import clip, folder_package, good_form, package_files

# The drills are about retries and faults, not recognition: the batches screen with the stand-ins.
pytestmark = [pytest.mark.usefixtures("prefect_server", "stand_in_engines")]
SETTLED = 1_790_000_000


class FailingUploads:
    """The real store, except that its first `failures` uploads raise as a network outage would."""

    def __init__(self, store: Any, failures: int) -> None:
        self._store, self.left, self.failed = store, failures, 0
        self._lock = threading.Lock()

    def _maybe_fail(self, key: str) -> None:
        with self._lock:
            if self.left > 0:
                self.left -= 1
                self.failed += 1
                raise ConnectionError(f"store unavailable (drill) writing {key}")

    def put_file(
        self, bucket: str, key: str, path: Path, content_type: str = "application/octet-stream"
    ) -> bool:
        self._maybe_fail(key)
        return self._store.put_file(bucket, key, path, content_type)

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> bool:
        self._maybe_fail(key)
        return self._store.put_bytes(bucket, key, data, content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _packages(root: Path, media: Path) -> list[Path]:
    good = clip(media, "drill-good.mp4", seconds=2.0)
    whole = clip(media, "drill-whole.mp4", seconds=2.4)
    corrupt = root / "corrupt.mp4"  # the upload was cut off: the second half of the file is missing
    corrupt.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    folders = []
    for index, (title, video) in enumerate((("红岩家书", good), ("嘉陵江畔", corrupt))):
        prefix = f"张明（江北区融媒体中心）+{title}"
        files = package_files(root / f"src{index}", video, form=good_form(title=title), prefix=prefix)
        folder = folder_package(root / "packages" / prefix, files)
        for path in [folder, *folder.iterdir()]:
            os.utime(path, (SETTLED, SETTLED))
        folders.append(folder)
    return folders


def _catalogue() -> dict[str, Any]:
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import File, FindingRecord, Submission
    from tasks.config import get_settings

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        files = list(session.scalars(select(File).where(File.role == "video")))
        return {
            "verdicts": {s.title: s.verdict for s in session.scalars(select(Submission))},
            "videos": sorted((f.sha256, f.verdict is not None) for f in files),
            "findings": session.scalar(select(func.count()).select_from(FindingRecord)),
            "integrity": [
                (f.status, f.message)
                for f in session.scalars(select(FindingRecord).where(FindingRecord.check == "integrity"))
            ],
        }


def test_failing_uploads_and_a_corrupt_video_in_a_batch(
    tmp_path: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.screen
    import tasks.submissions.intake
    from flows.batch import ScreenBatchParameters, screen_batch
    from flows.intake import intake
    from tasks.config import get_settings
    from tasks.store import open_store, original_key

    real = open_store(get_settings())
    flaky = FailingUploads(real, failures=2)  # the first two originals fail; ingest-package retries
    monkeypatch.setattr(tasks.submissions.intake, "open_store", lambda settings: flaky)
    monkeypatch.setattr(flows.screen, "open_store", lambda settings: flaky)

    received = intake(paths=_packages(tmp_path, media_dir), screen=False)
    assert flaky.failed == 2 and all("error" not in r for r in received), received

    flaky.left = 3  # the evidence uploads of the first screening fail: that work waits for round two
    batch = screen_batch(ScreenBatchParameters(through_pool=False, rounds=2))
    assert flaky.failed == 5
    assert sorted(r["title"] for r in batch["works"]) == ["嘉陵江畔", "红岩家书"]
    after = _catalogue()
    assert all(screened for _, screened in after["videos"]) and len(after["videos"]) == 2
    assert after["verdicts"]["嘉陵江畔"] == "fail"
    assert any(status == "fail" for status, _ in after["integrity"]), after["integrity"]

    again = screen_batch(ScreenBatchParameters(through_pool=False))  # nothing left: nothing screened
    assert again["works"] == []
    assert _catalogue() == after  # nothing duplicated, nothing lost
    for sha, _ in after["videos"]:
        assert real.exists(get_settings().bucket_originals, original_key(sha))


@pytest.mark.postgres
def test_catalogue_connections_terminated_mid_run(
    postgres_url: str, tmp_path: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL restarted under a running batch: every connection of the catalogue is terminated
    (pg_terminate_backend) while screening writes its findings; the task's retry writes them once."""
    import sqlalchemy as sa

    import flows.screen
    from flows.batch import ScreenBatchParameters, screen_batch
    from flows.intake import intake
    from tasks.config import get_settings

    monkeypatch.setenv("GUANGYING_DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    received = intake(paths=_packages(tmp_path, media_dir)[:1], screen=False)
    assert all("error" not in r for r in received), received

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    terminated: list[int] = []
    real_replace = flows.screen.replace_findings

    def replace_after_a_restart(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not terminated:  # the first write of findings: the server "restarts" under it
            with admin.connect() as conn:
                terminated.extend(
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalars()
                )
        return real_replace(session, *args, **kwargs)

    monkeypatch.setattr(flows.screen, "replace_findings", replace_after_a_restart)
    try:
        batch = screen_batch(ScreenBatchParameters(through_pool=False, rounds=1))
    finally:
        admin.dispose()
    assert terminated and all(terminated), "no catalogue connection was terminated"
    assert [r["run"] for r in batch["works"]] == ["COMPLETED"]
    after = _catalogue()
    assert [screened for _, screened in after["videos"]] == [True]
    assert after["verdicts"]["红岩家书"] is not None
    assert screen_batch(ScreenBatchParameters(through_pool=False))["works"] == []
    assert _catalogue() == after  # the retried write is there once
