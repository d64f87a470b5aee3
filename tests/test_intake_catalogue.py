"""Recording packages in the catalogue (SQLite and PostgreSQL): idempotent, judged as a whole."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from samples.packages import INTRO, clip, good_form, package_files, zip_package
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import File, FindingRecord, IntakePackage, Submission
from tasks.catalogue.submissions import record_analysis, submission_view
from tasks.intake.package import Package, analyse
from tasks.rules import DEFAULT_RULES, SHANGHAI
from tasks.store import LocalStore
from tests.fixtures import SUITE_NOW

PREFIX = "张明（江北区融媒体中心）+红岩家书"
DEADLINE = DEFAULT_RULES.deadline


def _ingest(  # type: ignore[no-untyped-def]
    url: str,
    tmp_path: Path,
    package: Package,
    *,
    for_submission: str | None = None,
    now: datetime = SUITE_NOW,
):
    work = (
        tmp_path
        / "work"
        / str(len(list((tmp_path / "work").glob("*"))) if (tmp_path / "work").exists() else 0)
    )
    analysis = analyse(package, work, DEFAULT_RULES)
    with session_scope(open_catalogue(url)) as session:
        outcome = record_analysis(
            session,
            analysis,
            LocalStore(tmp_path / "store"),
            "originals",
            rules=DEFAULT_RULES,
            deadline=DEADLINE,
            now=now,
            for_submission=for_submission,
        )
        item = submission_view(session, session.get(Submission, outcome.submission_id)).to_json()
    return outcome, item


def _checks(item: dict, status: str | None = None) -> dict[str, list[str]]:  # type: ignore[type-arg]
    found: dict[str, list[str]] = {}
    for finding in item["findings"]:
        if status is None or finding["status"] == status:
            found.setdefault(finding["check"], []).append(finding["message"])
    return found


def _complete_package(tmp_path: Path, media_dir: Path, received: datetime, **form: object) -> Package:
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form(**form))
    archive = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    return Package(name=archive.name, paths=[archive], source="test", received_at=received)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalogue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def test_complete_package_passes_and_reingest_changes_nothing(
    catalogue_url: str, tmp_path: Path, media_dir: Path
) -> None:
    package = _complete_package(tmp_path, media_dir, datetime(2026, 10, 8, 9, 30, tzinfo=SHANGHAI))
    outcome, item = _ingest(catalogue_url, tmp_path, package)
    assert outcome.created and not outcome.duplicate
    assert (item["title"], item["submitter"], item["unit"]) == ("红岩家书", "张明", "江北区融媒体中心")
    assert item["category"] == "微纪录片" and item["state"] == "received"
    assert item["verdict"] is None  # intake alone: 审核中 until the video is screened, never a pass
    assert sorted(f["role"] for f in item["files"]) == [
        "pledge",
        "registration_form",
        "script",
        "summary_table",
        "video",
    ]
    assert item["form"]["intro"] == INTRO and item["form"]["phone"] == "13896068058"
    assert _checks(item, "fail") == {} and _checks(item, "warn") == {}
    assert {"deadline", "naming", "materials", "declared_duration", "summary_table", "broadcast"} <= set(
        _checks(item)
    )

    engine = open_catalogue(catalogue_url)
    with session_scope(engine) as session:
        before = [
            session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in (Submission, File, FindingRecord, IntakePackage)
        ]
    again, _ = _ingest(catalogue_url, tmp_path, package)
    assert again.duplicate and again.submission_id == outcome.submission_id
    with session_scope(engine) as session:
        after = [
            session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in (Submission, File, FindingRecord, IntakePackage)
        ]
    assert before == after
    # Originals are stored by sha256, byte for byte, read-only.
    for file in item["files"]:
        stored = tmp_path / "store" / "originals" / "sha256" / file["sha256"][:2] / file["sha256"]
        assert stored.is_file() and not stored.stat().st_mode & 0o222


def test_problems_become_chinese_findings_with_evidence(tmp_path: Path, media_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    long_intro = "红岩精神" * 40  # 160 characters
    package = _complete_package(
        tmp_path,
        media_dir,
        DEADLINE + timedelta(minutes=5),
        intro=long_intro,
        phone="8888",
        duration="3分20秒",
        broadcast="已播出",
        platform="",
    )
    _, item = _ingest(url, tmp_path, package)
    fails, warns = _checks(item, "fail"), _checks(item, "warn")
    assert "晚于报送截止时间2026年11月30日 23:59" in fails["deadline"][0]
    assert "“作品简介”共160字，超过附件1规定的150字以内" in fails["field_length"][0]
    assert "勾选了“已播出”，但未填写播出平台和链接" in fails["broadcast"][0]
    assert "联系电话“8888”" in warns["phone"][0]
    assert "“3分20秒”（200秒），视频实际时长为2秒" in warns["declared_duration"][0]
    assert item["verdict"] == "fail"
    evidence = next(
        f["evidence"] for f in item["findings"] if f["check"] == "field_length" and f["status"] == "fail"
    )
    assert evidence == {
        "file": f"{PREFIX}/{PREFIX}-作品登记表.docx",
        "field": "作品简介",
        "chars": 160,
        "limit": 150,
    }


def test_missing_pledge_misnamed_series_and_summary_mismatch(tmp_path: Path, media_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    files = package_files(
        tmp_path / "src",
        clip(media_dir),
        form=good_form(duration="2秒"),
        video_names=("红岩家书（第1集）.mp4", "红岩家书（第3集）.mp4"),
        pledge=False,
    )
    files[1] = (files[1][0], clip(media_dir, "third.mp4", seconds=3))  # another episode, other bytes
    # The 汇总表 lists a different title.
    from samples.packages import summary_row
    from tasks.intake.templates import write_summary_table

    write_summary_table(files[3][1], [summary_row(good_form(), title="红岩家书（修改版）")])
    archive = zip_package(tmp_path / "红岩家书.zip", files)
    package = Package(
        name=archive.name, paths=[archive], source="test", received_at=DEADLINE - timedelta(days=1)
    )
    _, item = _ingest(url, tmp_path, package)
    fails, warns = _checks(item, "fail"), _checks(item, "warn")
    assert fails["materials"] == [
        "未收到版权承诺书扫描件（附件2）。通知第五条要求报送“作品高清原视频，最终视频文稿、作品登记表、作品汇总表Word电子版，"
        "以及作品版权承诺书扫描件”。请打印附件2，签字或盖章后扫描（PDF/JPG/PNG）补交。"
    ]
    assert "缺少“+”" in warns["naming"][0]
    assert "缺少第2集" in warns["episodes"][0]
    assert "找不到作品“红岩家书”" in warns["summary_table"][0]


def test_netdisk_link_awaits_download_then_files_are_attached(
    catalogue_url: str, tmp_path: Path, media_dir: Path
) -> None:
    sent = datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)  # in time; the link is valid for 7 days
    now = sent + timedelta(days=2, hours=12)  # the night it is processed: 4 days of the code left
    note = tmp_path / "重庆大学+江姐.txt"
    note.write_text(
        "视频文件较大，已上传百度网盘：\n链接：https://pan.baidu.com/s/1JiangJie 提取码：jj49 有效期：7天\n",
        encoding="utf-8",
    )
    files = package_files(
        tmp_path / "src", clip(media_dir), form=good_form(title="江姐"), prefix="重庆大学+江姐"
    )
    mail = tmp_path / "mail"
    mail.mkdir()
    for name, path in files[1:]:  # everything but the video, which is on the Netdisk
        (mail / name).write_bytes(path.read_bytes())
    (mail / note.name).write_bytes(note.read_bytes())
    package = Package(name="重庆大学+江姐", paths=[mail], source="test", received_at=sent)
    outcome, item = _ingest(catalogue_url, tmp_path, package, now=now)
    assert item["state"] == "awaiting_download" and item["verdict"] is None  # nothing screened yet
    assert item["netdisk"]["url"] == "https://pan.baidu.com/s/1JiangJie" and item["netdisk"]["code"] == "jj49"
    assert datetime.fromisoformat(item["netdisk"]["expires_at"]) == sent + timedelta(days=7)
    warns = " ".join(_checks(item, "warn")["netdisk"])
    assert (
        "等待工作人员下载" in warns
        and "有效期为7天，少于通知要求的至少30天" in warns
        and "将在4天内" in warns
    )
    assert "materials" not in _checks(item, "fail")

    downloaded = tmp_path / "download" / "重庆大学+江姐.mp4"
    downloaded.parent.mkdir()
    downloaded.write_bytes(files[0][1].read_bytes())
    attach = Package(name=downloaded.name, paths=[downloaded], source="cli", received_at=now)
    again, item = _ingest(catalogue_url, tmp_path, attach, for_submission=outcome.submission_id, now=now)
    assert again.submission_id == outcome.submission_id and not again.created
    assert item["state"] == "received" and item["verdict"] is None and not _checks(item, "fail")
    assert [m for m in _checks(item, "pass")["netdisk"] if "已下载入库" in m]
    assert datetime.fromisoformat(item["received_at"]) == sent  # the deadline stays judged on the e-mail
