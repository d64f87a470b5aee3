"""The catalogue on SQLite and on PostgreSQL: migrations, rows, findings and the file verdict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tasks.catalogue.db import current_revision, head_revision, open_catalogue, session_scope
from tasks.catalogue.models import File, FindingRecord, Submission
from tasks.catalogue.records import replace_findings, upsert_file
from tasks.findings import Finding, Status
from tasks.store import StoredObject


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalogue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    else:
        yield request.getfixturevalue("postgres_url")


def stored(digest: str = "ab" * 32) -> StoredObject:
    return StoredObject(
        bucket="originals", key=f"sha256/{digest[:2]}/{digest}", sha256=digest, size=10, created=True
    )


def test_migrations_create_the_schema_and_are_idempotent(catalogue_url: str) -> None:
    engine = open_catalogue(catalogue_url)
    open_catalogue.cache_clear()
    open_catalogue(catalogue_url)  # a second process start: upgrade to head is a no-op
    tables = set(sa.inspect(engine).get_table_names())
    assert {"submission", "file", "finding", "alembic_version"} <= tables
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_the_fast_head_check_agrees_with_alembic() -> None:
    """Routine commands skip Alembic when the catalogue is at head_revision(): it must be Alembic's head."""
    from alembic.script import ScriptDirectory

    from tasks.catalogue.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [head_revision()]


def test_findings_replace_per_stage_and_set_the_verdict(catalogue_url: str) -> None:
    engine = open_catalogue(catalogue_url)
    with session_scope(engine) as session:
        work = Submission(title="红岩魂", submitter="重庆红岩革命历史博物馆", form={"作品时长": "3分20秒"})
        session.add(work)
        session.flush()
        row = upsert_file(session, stored(), name="红岩魂.mp4", submission_id=work.id)
        assert upsert_file(session, stored(), name="again.mp4", submission_id=work.id).id == row.id
        first = [
            Finding("resolution", Status.FAIL, "分辨率为1280×720，低于要求的1080P", {"short_side": 720}),
            Finding("frame_rate", Status.PASS, "平均帧率为25.00帧/秒"),
        ]
        replace_findings(session, row, first, probe={"format_name": "mov"}, flow_run_id="run-1")
        assert row.verdict == "fail"
        work_id, file_id = work.id, row.id

    with session_scope(engine) as session:
        row = session.get(File, file_id)
        # A re-run of the technical stage replaces its findings; other stages' findings stay.
        replace_findings(
            session, row, [Finding("subtitles", Status.WARN, "字幕覆盖率为60%", stage="subtitles")]
        )
        replace_findings(
            session, row, [Finding("resolution", Status.PASS, "分辨率为1920×1080")], flow_run_id="run-2"
        )

    with session_scope(engine) as session:
        records = session.scalars(sa.select(FindingRecord).order_by(FindingRecord.check)).all()
        assert [(r.check, r.status, r.submission_id) for r in records] == [
            ("resolution", "pass", work_id),
            ("subtitles", "warn", work_id),
        ]
        assert records[1].message == "字幕覆盖率为60%"
        assert session.get(File, file_id).verdict == "review"
        assert session.get(Submission, work_id).form == {"作品时长": "3分20秒"}
        assert session.get(File, file_id).probe == {"format_name": "mov"}
