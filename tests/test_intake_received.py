"""After the deadline: received times come from the package (e-mail Date, a stated time), never from
the day it is processed; operators' decisions are recorded beside the findings."""

from __future__ import annotations

import email
import json
import logging
import mailbox
import os
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from samples.packages import clip, good_form, package_files, zip_package
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import FindingRecord, IntakePackage, Submission
from tasks.config import get_settings
from tasks.decisions import Decision, DecisionAction, decided_verdict
from tasks.findings import Finding, Status, Verdict
from tasks.intake.received import ReceivedBasis, StatedTimeError, mail_received, parse_stated_time
from tasks.rules import DEFAULT_RULES, SHANGHAI

# Long after the deadline: what passes here passes on any later day too.
LATE_CLOCK = datetime(2027, 6, 1, 9, 0, tzinfo=SHANGHAI)


def _mail(subject: str, sent: datetime | None, archive: Path, message_id: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "sender@example.cn"
    message["To"] = "cqdsspzb@163.com"
    if sent is not None:
        message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("左老师您好：附件为我单位作品包，请查收。")
    message.add_attachment(archive.read_bytes(), maintype="application", subtype="zip", filename=archive.name)
    return message.as_bytes()


# --- pure rules ------------------------------------------------------------------------------------


def test_mail_received_prefers_date_then_newest_received_header_then_server() -> None:
    ingested = datetime(2027, 1, 5, tzinfo=UTC)
    dated = email.message_from_string("Date: Fri, 27 Nov 2026 21:30:00 +0800\n\nx")
    assert mail_received(dated, None, ingested).at == datetime(2026, 11, 27, 21, 30, tzinfo=SHANGHAI)
    assert mail_received(dated, None, ingested).basis == ReceivedBasis.EMAIL_DATE
    hops = email.message_from_string(
        "Received: from mx.163.com by inbox; Sun, 29 Nov 2026 08:00:05 +0800\n"
        "Received: from client by smtp.qq.com; Sun, 29 Nov 2026 07:59:58 +0800\n\nx"
    )
    by_hop = mail_received(hops, None, ingested)
    assert by_hop.basis == ReceivedBasis.RECEIVED_HEADER
    assert by_hop.at == datetime(2026, 11, 29, 8, 0, 5, tzinfo=SHANGHAI)  # the last hop: our server
    arrival = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    bare = email.message_from_string("Subject: x\n\nx")
    assert mail_received(bare, arrival, ingested).basis == ReceivedBasis.SERVER_ARRIVAL
    assert mail_received(bare, None, ingested).basis == ReceivedBasis.INGEST_TIME


def test_stated_times_are_beijing_time_unless_they_say_otherwise() -> None:
    assert parse_stated_time("2026-11-28 10:00") == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert parse_stated_time("2026-11-28T02:00+00:00") == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    with pytest.raises(StatedTimeError, match="无法识别的时间“11月28日”"):
        parse_stated_time("11月28日")


def test_decisions_change_the_verdict_without_touching_findings() -> None:
    late = Finding("deadline", Status.FAIL, "逾期", stage="intake")
    frozen = Finding("frozen_frames", Status.WARN, "静止画面")
    when = datetime(2026, 12, 3, tzinfo=SHANGHAI)
    extension = Decision(DecisionAction.ACCEPT_LATE, "筹备组同意延期", "王老师", when)
    waiver = Decision(DecisionAction.WAIVE, "片尾定格为有意设计", "王老师", when, check="frozen_frames")
    assert decided_verdict([late, frozen], []).verdict == Verdict.FAIL
    assert decided_verdict([late, frozen], [extension]).verdict == Verdict.REVIEW
    both = decided_verdict([late, frozen], [extension, waiver])
    assert both.verdict == Verdict.PASS and both.by_person
    # A waiver of one check never hides another check's failure.
    assert decided_verdict([late], [waiver]) == decided_verdict([late], [])
    reject = Decision(DecisionAction.REJECT, "重复报送", "王老师", when)
    assert decided_verdict([], [reject]).verdict == Verdict.FAIL


# --- through the command line, with the clock long after the deadline ---------------------------


@pytest.fixture
def late_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setenv("GUANGYING_CLOCK", LATE_CLOCK.isoformat())
    monkeypatch.setattr(logging.root, "handlers", [])  # main() configures logging on captured stderr
    get_settings.cache_clear()
    return LATE_CLOCK


def _counts() -> list[int]:
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return [
            session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in (Submission, FindingRecord, IntakePackage)
        ]


def _deadline(item: dict) -> dict:  # type: ignore[type-arg]
    return next(f for f in item["findings"] if f["check"] == "deadline")


@pytest.mark.usefixtures("prefect_server", "late_clock")
def test_exported_emails_keep_their_date_and_operators_decide_on_late_ones(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "张明（江北区融媒体中心）+红岩家书"
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    archive = zip_package(tmp_path / f"{prefix}.zip", files, folder=prefix)
    in_time = datetime(2026, 11, 27, 21, 30, tzinfo=SHANGHAI)
    eml = tmp_path / "163导出" / f"{prefix}.eml"
    eml.parent.mkdir()
    eml.write_bytes(_mail(prefix, in_time, archive, "<hongyan-1@example.cn>"))

    assert main(["ingest", "--no-screen", "--json", str(eml)]) == 0
    (item,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert item["title"] == "红岩家书" and item["package_name"] == prefix
    assert datetime.fromisoformat(item["received_at"]) == in_time and item["received_basis"] == "email_date"
    assert _deadline(item)["status"] == "pass" and item["verdict"] != "fail"
    receipt = (get_settings().data_dir / "receipts" / f"{item['id']}.txt").read_text(encoding="utf-8")
    assert "已于2026年11月27日 21:30（北京时间，以邮件发送时间为准）收到" in receipt
    assert any(f["role"] == "video" for f in item["files"])  # the attachment was opened

    before = _counts()
    assert main(["ingest", "--no-screen", str(eml)]) == 0
    assert "已受理过" in capsys.readouterr().out and _counts() == before

    # A mailbox export holding that e-mail again and a late one.
    late_prefix = "北碚区文旅委+雾都烽火"
    late_files = package_files(
        tmp_path / "late",
        clip(media_dir),
        form=good_form(title="雾都烽火", person_name="", person_unit="", unit_name="北碚区文旅委"),
        prefix=late_prefix,
    )
    late_archive = zip_package(tmp_path / f"{late_prefix}.zip", late_files, folder=late_prefix)
    box_path = tmp_path / "导出.mbox"
    box = mailbox.mbox(box_path)
    box.add(eml.read_bytes())
    late_sent = DEFAULT_RULES.deadline + timedelta(hours=8)
    box.add(_mail(late_prefix, late_sent, late_archive, "<wudu-2@example.cn>"))
    box.close()
    main(["ingest", "--no-screen", "--json", str(box_path)])
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.get("duplicate") for r in results] == [True, None]
    late = results[1]
    assert late["verdict"] == "fail" and _deadline(late)["status"] == "fail"
    assert "2026年12月01日 07:59（北京时间，以邮件发送时间为准）" in _deadline(late)["message"]

    # The committee agreed to the delay: recorded with who, when and why; the finding stays.
    note = "报送人11月30日来电说明邮件发送失败，筹备组同意延期"
    code = main(["decide", late["id"][:8], "accept-late", "--note", note, "--by", "左老师", "--json"])
    decided = json.loads(capsys.readouterr().out)
    assert code == 0 and decided["verdict"] != "fail" and decided["verdict_by_person"]
    assert _deadline(decided)["status"] == "fail"  # never edited
    (decision,) = decided["decisions"]
    assert (decision["action"], decision["check"], decision["note"], decision["decided_by"]) == (
        "accept-late",
        "deadline",
        note,
        "左老师",
    )
    assert datetime.fromisoformat(decision["decided_at"]) == LATE_CLOCK
    receipt = (get_settings().data_dir / "receipts" / f"{late['id']}.txt").read_text(encoding="utf-8")
    # The sender reads the effect in their words, not the staff's note (左老师 is the notice's contact).
    assert "经筹备组同意，本作品虽晚于报送截止时间收到，予以受理。" in receipt and "来电" not in receipt

    assert main(["decide", late["id"][:8], "waive", "--note", "x"]) == 2
    assert "--check" in capsys.readouterr().err
    assert main(["decide", "nosuchid", "reject", "--note", "x"]) == 2


@pytest.mark.usefixtures("prefect_server", "late_clock")
def test_operator_states_when_a_package_arrived(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "李华（重庆大学）+江姐"
    files = package_files(
        tmp_path / "src",
        clip(media_dir),
        form=good_form(title="江姐", person_name="李华", person_unit="重庆大学"),
        prefix=prefix,
    )
    archive = zip_package(tmp_path / f"{prefix}.zip", files, folder=prefix)
    copied = (DEFAULT_RULES.deadline + timedelta(days=1)).timestamp()  # copied off a USB stick late
    os.utime(archive, (copied, copied))

    assert main(["ingest", "--no-screen", "--received-at", "昨天", str(archive)]) == 2
    assert "无法识别的时间“昨天”" in capsys.readouterr().err and _counts() == [0, 0, 0]

    stated = ["--received-at", "2026-11-28T10:00+08:00", "--by", "王老师"]
    assert main(["ingest", "--no-screen", "--json", *stated, str(archive)]) == 0
    item = json.loads(capsys.readouterr().out)
    assert datetime.fromisoformat(item["received_at"]) == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert (item["received_basis"], item["received_set_by"]) == ("operator", "王老师")
    assert _deadline(item)["status"] == "pass" and "由工作人员登记" in _deadline(item)["message"]


@pytest.mark.usefixtures("prefect_server", "late_clock")
def test_an_eml_in_the_drop_folder_is_the_email_package(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "渝中区委党校+歌乐山下"
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form(title="歌乐山下"), prefix=prefix)
    archive = zip_package(tmp_path / f"{prefix}.zip", files, folder=prefix)
    drop = get_settings().resolved_drop_dir
    drop.mkdir(parents=True)
    eml = drop / "邮件.eml"
    eml.write_bytes(
        _mail(prefix, None, archive, "<gls-3@example.cn>", Received="by mx; 29 Nov 2026 23:10 +0800")
    )
    settled = (DEFAULT_RULES.deadline + timedelta(days=1)).timestamp()  # long settled, in the past
    os.utime(eml, (settled, settled))
    assert main(["run", "--no-screen", "--json"]) == 0
    (item,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert item["package_name"] == prefix and item["received_basis"] == "received_header"
    assert datetime.fromisoformat(item["received_at"]) == datetime(2026, 11, 29, 23, 10, tzinfo=SHANGHAI)
    assert _deadline(item)["status"] == "pass"
