"""Typed views of a submission: `to_json()` is exactly the `status --json` contract, and the
`Submission.form` column as the previous code stored it reads into `IntakeDetails`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from samples.packages import clip, good_form, package_files
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import File, FindingRecord, Submission
from tasks.catalogue.submissions import (
    record_analysis,
    record_decision,
    submission_view,
)
from tasks.catalogue.views import SubmissionView
from tasks.decisions import Decision, DecisionAction
from tasks.intake.details import IntakeDetails
from tasks.intake.package import Package, analyse
from tasks.rules import DEFAULT_RULES, SHANGHAI
from tasks.store import LocalStore

CONTRACT_KEYS = [
    "id",
    "title",
    "submitter",
    "unit",
    "category",
    "state",
    "verdict",
    "received_at",
    "received_basis",
    "received_set_by",
    "source",
    "package_name",
    "netdisk",
    "files",
    "form",
    "decisions",
    "verdict_by_person",
    "findings",
    "packages",  # 0008: the first package, supplements and resends, each with its received time
    "received_at_utc",
]


def _netdisk_mail(tmp_path: Path, media_dir: Path, sent: datetime) -> Package:
    """A complete package but for the video, which is on the Netdisk (valid 7 days)."""
    files = package_files(
        tmp_path / "src", clip(media_dir), form=good_form(title="江姐"), prefix="重庆大学+江姐"
    )
    mail = tmp_path / "mail"
    mail.mkdir()
    for name, path in files[1:]:
        (mail / name).write_bytes(path.read_bytes())
    (mail / "重庆大学+江姐.txt").write_text(
        "链接：https://pan.baidu.com/s/1JiangJie 提取码：jj49 有效期：7天\n", encoding="utf-8"
    )
    return Package(name="重庆大学+江姐", paths=[mail], source="test", received_at=sent)


def test_a_catalogued_submission_round_trips_the_status_contract(tmp_path: Path, media_dir: Path) -> None:
    sent = datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    now = sent + timedelta(days=2)
    analysis = analyse(_netdisk_mail(tmp_path, media_dir, sent), tmp_path / "work", DEFAULT_RULES)
    with session_scope(open_catalogue(f"sqlite:///{tmp_path / 'c.sqlite3'}")) as session:
        outcome = record_analysis(
            session,
            analysis,
            LocalStore(tmp_path / "store"),
            "originals",
            rules=DEFAULT_RULES,
            deadline=DEFAULT_RULES.deadline,
            now=now,
        )
        submission = session.get(Submission, outcome.submission_id)
        assert submission is not None
        form_file = session.scalars(
            select(File).where(File.submission_id == submission.id, File.role == "registration_form")
        ).one()
        # A finding about one file, and an operator's waiver: both travel in the contract.
        session.add(
            FindingRecord(
                submission_id=submission.id,
                file_id=form_file.id,
                stage="technical",
                check="resolution",
                status="fail",
                message="分辨率不足",
                evidence={"width": 1280},
            )
        )
        decided = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        record_decision(
            session, submission, Decision(DecisionAction.WAIVE, "已核实", "左老师", decided, "phone")
        )
        view = submission_view(session, submission)

    item = view.to_json()
    assert list(item) == CONTRACT_KEYS
    assert item["netdisk"] == {
        "url": "https://pan.baidu.com/s/1JiangJie",
        "code": "jj49",
        "expires_at": "2026-12-04T08:00:00+00:00",  # 7 days after 16:00 Beijing time, in UTC
    }
    assert item["received_at"] == "2026-11-27T16:00:00+08:00"  # Beijing time, with its offset
    assert item["received_at_utc"] == "2026-11-27T08:00:00+00:00"
    assert [(p["kind"], p["received_at"]) for p in item["packages"]] == [
        ("first", "2026-11-27T16:00:00+08:00")
    ]
    assert item["decisions"] == [
        {
            "action": "waive",
            "check": "phone",
            "note": "已核实",
            "decided_by": "左老师",
            "decided_at": "2026-11-30T10:00:00+00:00",
            "number": 1,
            "value": None,
        }
    ]
    by_file = [f for f in item["findings"] if f["file"]]
    assert by_file == [
        {
            "check": "resolution",
            "status": "fail",
            "message": "分辨率不足",
            "evidence": {"width": 1280},
            "stage": "technical",
            "file": form_file.name,
        }
    ]
    assert any(
        f["check"] == "netdisk" and f["status"] == "warn" and f["file"] is None for f in item["findings"]
    )

    # Typed access to the same facts, and back to the same JSON.
    assert view.state == "awaiting_download" and view.verdict == "fail"
    assert view.netdisk is not None and view.netdisk.expires_at == sent + timedelta(days=7)
    assert view.waived == {"phone"} and view.decisions[0].decided_by == "左老师"
    assert [f.file_base_name for f in view.findings if f.file] == [form_file.name.rsplit("/", 1)[-1]]
    details = view.details
    assert details.form is not None and details.form.title == "江姐" and details.form_file
    assert details.netdisk[0].code == "jj49" and details.netdisk[0].valid_days == 7
    assert details.package is not None and details.package.submitter == "重庆大学"
    assert SubmissionView.from_json(item).to_json() == item


def test_a_later_package_keeps_the_stored_keys_in_their_place(tmp_path: Path, media_dir: Path) -> None:
    """`ingest --for`: what the first package stored keeps its place in `form` (the contract's order)."""
    sent = datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = LocalStore(tmp_path / "store")
    first = analyse(_netdisk_mail(tmp_path, media_dir, sent), tmp_path / "w1", DEFAULT_RULES)
    video = tmp_path / "download" / "重庆大学+江姐.mp4"
    video.parent.mkdir()
    video.write_bytes(clip(media_dir).read_bytes())
    second = analyse(
        Package(name=video.name, paths=[video], source="cli", received_at=sent),
        tmp_path / "w2",
        DEFAULT_RULES,
    )
    with session_scope(open_catalogue(url)) as session:
        kwargs: dict[str, Any] = {"rules": DEFAULT_RULES, "deadline": DEFAULT_RULES.deadline, "now": sent}
        outcome = record_analysis(session, first, store, "originals", **kwargs)
        submission = session.get(Submission, outcome.submission_id)
        assert submission is not None
        before = dict(submission.form)
        record_analysis(session, second, store, "originals", for_submission=submission.id, **kwargs)
        after = dict(submission.form)
    assert after == before  # the video adds a file, not a form: nothing known is lost
    assert list(after) == list(before)


# `Submission.form` as the previous code stored it (`_merge_form`): the 登记表's fields flat, with
# the form's submitter/unit, then the file names, the 汇总表 rows, the links and the parsed name.
OLD_FORM: dict[str, Any] = {
    "title": "红岩家书",
    "duration": "3分20秒",
    "duration_seconds": 200.0,
    "entrant_type": "unit",
    "unit_name": "江北区融媒体中心",
    "person_name": "",
    "person_unit": "",
    "broadcast": "已播出",
    "broadcast_ticks": ["已播出"],
    "platform": "华龙网",
    "links": [],
    "contact": "王五",
    "phone": "13896068058",
    "team": "张明、李华",
    "intro": "讲述红岩家书的故事",
    "tables": 1,
    "submitter": "江北区融媒体中心",
    "unit": "江北区融媒体中心",
    "form_file": "张明（江北区融媒体中心）+红岩家书/附件1.docx",
    "forms_count": 1,
    "summary_rows": [
        {
            "index": "1",
            "title": "红岩家书",
            "duration": "3分20秒",
            "duration_seconds": 200.0,
            "author": "张明、李华",
            "unit": "江北区融媒体中心",
            "broadcast": "华龙网",
        }
    ],
    "summary_file": "张明（江北区融媒体中心）+红岩家书/附件3.docx",
    "netdisk": [
        {
            "url": "https://pan.baidu.com/s/1JJ",
            "code": "jj49",
            "valid_days": 30,
            "expires_at": "2026-12-27T16:00:00+08:00",
            "permanent": False,
        }
    ],
    "package": {
        "raw": "张明（江北区融媒体中心）+红岩家书",
        "submitter": "张明",
        "unit": "江北区融媒体中心",
        "title": "红岩家书",
        "episode": None,
        "problem": None,
    },
}


def test_an_old_style_form_reads_into_the_typed_view_and_writes_back_the_same() -> None:
    details = IntakeDetails.from_json(OLD_FORM)
    assert details.form is not None and details.read_form is details.form
    assert (details.form.title, details.form.phone, details.form.unit) == (
        "红岩家书",
        "13896068058",
        "江北区融媒体中心",
    )
    assert details.form.broadcast_ticks == ["已播出"] and details.forms_count == 1
    assert details.summary_rows is not None and details.summary_rows[0].author == "张明、李华"
    (link,) = details.netdisk
    assert link.code == "jj49" and link.expires_at == datetime(2026, 12, 27, 16, 0, tzinfo=SHANGHAI)
    assert details.package is not None and details.package.title == "红岩家书" and details.package.ok
    assert json.dumps(details.to_json(), ensure_ascii=False) == json.dumps(OLD_FORM, ensure_ascii=False)


def test_a_form_without_a_form_file_is_not_judged_and_an_empty_column_reads() -> None:
    netdisk_only = {"forms_count": 0, "netdisk": OLD_FORM["netdisk"], "package": OLD_FORM["package"]}
    details = IntakeDetails.from_json(netdisk_only)
    assert details.form is None and details.summary_rows is None and details.netdisk[0].valid_days == 30
    assert details.to_json() == netdisk_only
    # Fields without the file they were read from (hand-made rows): readable, never judged as a 登记表.
    loose = IntakeDetails.from_json({"phone": "13800000000", "person_name": "张三"})
    assert loose.form is not None and loose.form.person_name == "张三" and loose.read_form is None
    assert IntakeDetails.from_json(None) == IntakeDetails() and IntakeDetails().to_json() == {
        "forms_count": 0
    }
