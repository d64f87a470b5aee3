"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1): drafts of each kind from the
catalogue's state, nothing sent without an approval, each message sent at most once (even when the
run is killed between the server's answer and the record), retries with backoff, a refused address
as a finding on the work, nothing private to anyone else."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.main import main
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import FindingRecord, OutboxMessage, Submission
from tasks.config import get_settings
from tasks.outbox import records, service
from tasks.outbox.addresses import address_in_text, valid_address
from tasks.outbox.model import Kind, OutboxState
from tests.outbox_catalogue import FIRST_MAIL_FROM, FIRST_MAIL_ID, PRIVATE, Catalogue, build
from tests.outbox_smtp import SmtpServer, running_smtp_server


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with running_smtp_server(monkeypatch) as server:
        yield server


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "正片.mp4"
    path.write_bytes(os.urandom(4096))
    return path


@pytest.fixture
def catalogue(tmp_path: Path, video: Path, monkeypatch: pytest.MonkeyPatch) -> Catalogue:
    settings = get_settings()
    due = settings.now() + timedelta(days=2)
    monkeypatch.setenv("GUANGYING_OUTBOX_MATERIAL_DUE", due.isoformat())
    get_settings.cache_clear()
    return build(tmp_path, video)


def _rows() -> list[OutboxMessage]:
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        return records.messages(session, include_superseded=True)


def _live(kind: Kind | None = None, submission_id: str | None = None) -> list[OutboxMessage]:
    return [
        r
        for r in _rows()
        if r.state != OutboxState.SUPERSEDED
        and (kind is None or r.kind == kind)
        and (submission_id is None or r.submission_id == submission_id)
    ]


def _cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _refresh() -> list[int]:
    settings = get_settings()
    return service.refresh_drafts(settings, settings.now())


def test_drafts_of_each_kind_once_per_state(catalogue: Catalogue) -> None:
    new = _refresh()
    kinds = {r.kind for r in _live()}
    assert kinds == {Kind.RECEIPT, Kind.REMINDER, Kind.PACKET, Kind.RESULT}
    assert len(_live(Kind.RECEIPT)) == 3
    reminders = {r.purpose.split(":")[0] for r in _live(Kind.REMINDER, catalogue.waiting)}
    assert reminders == {"netdisk", "missing"}
    assert {r.submission_id for r in _live(Kind.RESULT)} == {catalogue.mailed, catalogue.refused}
    packets = _live(Kind.PACKET)
    assert len(packets) == 3  # every expert assigned; the one with a phone number has no address
    assert sorted(r.recipient for r in packets) == [
        "",
        "wangfang@expert.example.cn",
        "zhanghua@expert.example.cn",
    ]
    assert all(r.attachments and r.attachments[0]["name"] == "评审包.zip" for r in packets)
    # recipients: the first mail's sender before the 登记表's address; the 登记表's otherwise
    (mailed,) = _live(Kind.RECEIPT, catalogue.mailed)
    assert (mailed.recipient, mailed.recipient_source) == (FIRST_MAIL_FROM, "first_mail")
    assert mailed.in_reply_to == FIRST_MAIL_ID and mailed.references == FIRST_MAIL_ID
    (waiting,) = _live(Kind.RECEIPT, catalogue.waiting)
    assert (waiting.recipient, waiting.recipient_source) == ("zhoumin@example.cn", "form")
    assert waiting.in_reply_to is None
    (result,) = _live(Kind.RESULT, catalogue.mailed)
    assert "优秀" in result.body and "未入选" in _live(Kind.RESULT, catalogue.refused)[0].body

    # run twice: nothing changed, nothing new (the packets' links change, their content does not)
    assert _refresh() == [] and len(_rows()) == len(new)

    # a correction: the work's state changes → a new receipt supersedes the unsent one
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        session.get(Submission, catalogue.waiting).state = "received"
    (newer,) = _refresh()  # the receipt; the Netdisk reminder is no longer called for
    old = next(r for r in _rows() if r.purpose == f"receipt:{catalogue.waiting}" and r.id != newer)
    assert old.state == OutboxState.SUPERSEDED and _live(Kind.RECEIPT, catalogue.waiting)[0].id == newer
    # the unsent Netdisk reminder went with the state; the missing-material one stays
    reminders = {r.purpose.split(":")[0] for r in _live(Kind.REMINDER, catalogue.waiting)}
    assert reminders == {"missing"}

    # undone: the state back → the receipt and the reminder again
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        session.get(Submission, catalogue.waiting).state = "awaiting_download"
    assert len(_refresh()) == 2
    reminders = {r.purpose.split(":")[0] for r in _live(Kind.REMINDER, catalogue.waiting)}
    assert reminders == {"netdisk", "missing"}
    assert "等待从百度网盘下载" in _live(Kind.RECEIPT, catalogue.waiting)[0].body


def test_nothing_is_sent_without_an_approval(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli("outbox", capsys=capsys)
    assert code == 0 and "受理回执" in out and "待批准" in out
    code, out, err = _cli("outbox", "send", capsys=capsys)
    assert code == 0 and "已发送0封" in out and smtp_server.received == []

    # an approved state without an approval record (who, when) is not enough
    settings = get_settings()
    (receipt,) = _live(Kind.RECEIPT, catalogue.mailed)
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        session.get(OutboxMessage, receipt.id).state = OutboxState.APPROVED
    assert _cli("outbox", "send", capsys=capsys)[0] == 0 and smtp_server.received == []

    code, out, _ = _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)
    assert code == 0 and "已批准1封" in out
    (row,) = [r for r in _rows() if r.id == receipt.id]
    assert row.approved_by == "王老师" and row.approved_at is not None and row.approvals[0]["by"] == "王老师"
    code, out, _ = _cli("outbox", "send", capsys=capsys)
    assert code == 0 and "已发送1封" in out
    assert len(smtp_server.received) == 1 and smtp_server.received[0].recipients == [FIRST_MAIL_FROM]
    # run twice: nothing more goes out
    assert _cli("outbox", "send", capsys=capsys)[0] == 0 and len(smtp_server.received) == 1
    # a sent message cannot be approved again
    code, _, err = _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)
    assert code == 1 and "已发送" in err


def test_sent_message_threads_to_the_submitters_mail(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli("outbox", capsys=capsys)
    assert _cli("outbox", "approve", "--all-of", "受理回执", "--by", "王老师", capsys=capsys)[0] == 0
    assert _cli("outbox", "send", capsys=capsys)[0] == 1  # one address is refused
    by_recipient = {m.recipients[0]: m.message for m in smtp_server.received}
    message = by_recipient[FIRST_MAIL_FROM]
    assert message["From"].addresses[0].addr_spec == "cqdsspzb@163.com"
    assert message["In-Reply-To"] == FIRST_MAIL_ID and message["References"] == FIRST_MAIL_ID
    assert message["Message-ID"].endswith("@163.com>")
    assert "红岩魂" in message.get_content()
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        assert records.work_for_sent_message_id(session, message["Message-ID"]) == catalogue.mailed
        assert (
            records.work_for_sent_message_id(session, message["Message-ID"].strip("<>")) == catalogue.mailed
        )
        assert records.work_for_sent_message_id(session, FIRST_MAIL_ID) is None
    # the next message to the same work carries the earlier one in its References
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        session.get(Submission, catalogue.mailed).verdict = "review"
    _refresh()
    (later,) = [r for r in _live(Kind.RECEIPT, catalogue.mailed) if r.state == OutboxState.DRAFT]
    assert later.references == f"{FIRST_MAIL_ID} {message['Message-ID']}"


KILLED_RUN = textwrap.dedent(
    """
    import os, signal, smtplib
    from tasks.config import get_settings
    from tasks.outbox import service
    from tasks.outbox.smtp import SmtpAccount, SmtpTransport

    real = smtplib.SMTP.send_message
    def answered_then_killed(self, *args, **kwargs):
        result = real(self, *args, **kwargs)  # the server said 250: it has the message
        os.kill(os.getpid(), signal.SIGKILL)  # … and the run dies before recording it
        return result
    smtplib.SMTP.send_message = answered_then_killed
    settings = get_settings()
    account = SmtpAccount(settings.smtp_host, port=settings.smtp_port, ssl=False)
    service.send_approved(settings, settings.now(), lambda: SmtpTransport(account))
    """
)


def test_a_run_killed_between_the_smtp_answer_and_the_record_sends_once(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _refresh()
    (receipt,) = _live(Kind.RECEIPT, catalogue.mailed)
    _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN], env=os.environ.copy(), capture_output=True, timeout=120
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert len(smtp_server.received) == 1
    (row,) = [r for r in _rows() if r.id == receipt.id]
    assert row.state == OutboxState.SENDING and row.message_id  # recorded before the SMTP transaction
    # the next run does not send it again: it is 待核实, with what to do, in `outbox`
    code, out, _ = _cli("outbox", "send", capsys=capsys)
    assert code == 1 and "无法确认" in out and len(smtp_server.received) == 1
    assert _cli("outbox", "send", capsys=capsys)[0] == 0 and len(smtp_server.received) == 1
    code, out, _ = _cli("outbox", "--json", capsys=capsys)
    listed = {item["id"]: item for item in map(json.loads, out.splitlines())}
    assert listed[receipt.id]["state"] == "unsure" and row.message_id in listed[receipt.id]["last_error"]
    assert smtp_server.received[0].message["Message-ID"] == row.message_id
    # the operator found it in the Sent folder
    code, out, _ = _cli("outbox", "sent", str(receipt.id), "--by", "王老师", capsys=capsys)
    assert code == 0 and [r.state for r in _rows() if r.id == receipt.id] == [OutboxState.SENT]
    assert _cli("outbox", "send", capsys=capsys)[0] == 0 and len(smtp_server.received) == 1


def test_an_unsure_message_approved_again_goes_under_the_same_message_id(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _refresh()
    (receipt,) = _live(Kind.RECEIPT, catalogue.mailed)
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:  # as a killed run leaves it
        records.approve(session, ids=[receipt.id], by="王老师", now=settings.now())
        claimed = records.claim(session, receipt.id, "163.com")
        assert claimed is not None
        message_id = claimed.message_id
    assert _cli("outbox", "send", capsys=capsys)[0] == 1 and smtp_server.received == []
    assert _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)[0] == 0
    assert _cli("outbox", "send", capsys=capsys)[0] == 0
    assert [m.message["Message-ID"] for m in smtp_server.received] == [message_id]


def test_a_refused_address_becomes_a_finding_on_the_work(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _refresh()
    (receipt,) = _live(Kind.RECEIPT, catalogue.refused)
    assert receipt.recipient == "refused-wu@example.cn"
    _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)
    code, out, _ = _cli("outbox", "send", capsys=capsys)
    assert code == 1 and "地址被拒收" in out and "550" in out
    assert smtp_server.received == []
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        findings = session.scalars(
            select(FindingRecord).where(
                FindingRecord.submission_id == catalogue.refused, FindingRecord.stage == "outbox"
            )
        ).all()
        assert len(findings) == 1 and "refused-wu@example.cn" in findings[0].message
        assert "550" in findings[0].message and "拒收" in findings[0].message
    (row,) = [r for r in _rows() if r.id == receipt.id]
    assert row.state == OutboxState.REFUSED and "550" in (row.last_error or "")
    # not retried; the finding is recorded once
    _cli("outbox", "send", capsys=capsys)
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        assert len(session.scalars(select(FindingRecord).where(FindingRecord.stage == "outbox")).all()) == 1
    code, out, _ = _cli("outbox", capsys=capsys)
    assert "地址被拒收" in out and "550" in out


def test_a_temporary_failure_is_retried_with_backoff(
    catalogue: Catalogue,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _refresh()
    (receipt,) = _live(Kind.RECEIPT, catalogue.mailed)
    _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)
    import socket

    with socket.socket() as closed:  # a port nobody listens on: the server is down
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("GUANGYING_SMTP_PORT", str(closed.getsockname()[1]))
        get_settings.cache_clear()
        code, out, _ = _cli("outbox", "send", capsys=capsys)
    assert code == 0 and "稍后重试" in out and "无法连接邮件服务器" in out
    (row,) = [r for r in _rows() if r.id == receipt.id]
    now = get_settings().now()
    assert row.state == OutboxState.APPROVED and row.attempts == 1
    assert records._aware(row.next_attempt_at) == now + timedelta(minutes=5)  # type: ignore[arg-type]
    code, out, _ = _cli("outbox", capsys=capsys)
    assert "无法连接邮件服务器" in out  # the error is shown in `outbox`
    # the server is back, but the retry time has not come
    monkeypatch.setenv("GUANGYING_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    assert _cli("outbox", "send", capsys=capsys)[0] == 0 and smtp_server.received == []
    monkeypatch.setenv("GUANGYING_CLOCK", (now + timedelta(minutes=6)).isoformat())
    get_settings.cache_clear()
    code, out, _ = _cli("outbox", "send", capsys=capsys)
    assert code == 0 and "已发送1封" in out and len(smtp_server.received) == 1
    assert service.backoff(1, now) == now + timedelta(minutes=5)
    assert service.backoff(4, now) == now + timedelta(minutes=40) and service.backoff(5, now) is None


def test_a_packet_notice_carries_no_submitter_data(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    _cli("outbox", capsys=capsys)
    assert (
        _cli("outbox", "approve", "--all-of", "packet", "--by", "王老师", capsys=capsys)[0] == 1
    )  # 刘洋 has no address
    assert _cli("outbox", "send", capsys=capsys)[0] == 0
    assert len(smtp_server.received) == 2
    for received in smtp_server.received:
        message = received.message
        text = message.get_body(("plain",)).get_content()
        assert "红岩魂" in text or "两江红旗" in text
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_filename() == "评审包.zip"
        with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as packet:
            names = packet.namelist()
            assert "评审.html" in names and any(n.endswith(".xlsx") for n in names)
            page = packet.read("评审.html").decode("utf-8")
            (sheet_name,) = [n for n in names if n.endswith(".xlsx")]
            book = load_workbook(io.BytesIO(packet.read(sheet_name)))
        cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
        assert "红岩魂" in page or "两江红旗" in page
        for private in PRIVATE:
            assert private not in text and private not in cells and private not in str(message["Subject"])
            assert private not in page and not any(private in n for n in names)


def test_a_message_to_one_submitter_names_no_other_work(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli("outbox", capsys=capsys)
    titles = {catalogue.mailed: "红岩魂", catalogue.waiting: "歌乐山下", catalogue.refused: "两江红旗"}
    for kind in ("receipt", "reminder", "result"):
        _cli("outbox", "approve", "--all-of", kind, "--by", "王老师", capsys=capsys)
    _cli("outbox", "send", capsys=capsys)
    rows = {r.message_id: r for r in _rows() if r.message_id}
    assert len(smtp_server.received) == 5  # 2 receipts, 2 reminders, 1 result (the refused address aside)
    for received in smtp_server.received:
        message = received.message
        own = rows[message["Message-ID"]].submission_id
        text = f"{message['Subject']}\n{message.get_content()}"
        assert titles[own] in text and own in text
        for other, title in titles.items():
            if other != own:
                assert title not in text and other not in text and other[:8] not in text
        for header in ("In-Reply-To", "References"):
            assert message[header] in (None, FIRST_MAIL_ID) or own == catalogue.mailed


def test_addresses_are_validated() -> None:
    assert valid_address("Li Ming <LiMing@Example.CN>") == "LiMing@example.cn"
    for bad in ("", "liming", "liming@localhost", "a b@example.cn", "x@example.cn\r\nBcc: y@example.cn",
                "x@-example.cn", "x@example.123", "\"quoted\"@example.cn"):  # fmt: skip
        assert valid_address(bad) is None, bad
    assert address_in_text("联系人：李明，邮箱 liming @ example . cn") == "liming@example.cn"
    assert address_in_text("13800001111") is None


def test_outbox_commands_say_what_is_wrong(catalogue: Catalogue, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("outbox", "show", "999", capsys=capsys)[0] == 2
    code, _, err = _cli("outbox", "approve", capsys=capsys)
    assert code == 2 and "--all-of" in err
    code, _, err = _cli("outbox", "approve", "--all-of", "postcard", capsys=capsys)
    assert code == 2 and "receipt" in err
    code, _, err = _cli("outbox", "send", capsys=capsys)
    assert code == 2 and "GUANGYING_SMTP_HOST" in err
    _cli("outbox", capsys=capsys)
    packet = next(r for r in _live(Kind.PACKET) if not r.recipient)
    code, _, err = _cli("outbox", "approve", str(packet.id), "--by", "王老师", capsys=capsys)
    assert code == 1 and "没有可用的收件地址" in err
    (receipt,) = _live(Kind.RECEIPT, catalogue.mailed)
    code, out, _ = _cli("outbox", "show", str(receipt.id), capsys=capsys)
    assert (
        code == 0
        and "收件人：liming@example.cn" in out
        and "作品受理回执" in out
        and "cqdsspzb@163.com" in out
    )


def test_text_from_submitters_cannot_add_headers(
    catalogue: Catalogue, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        work = session.get(Submission, catalogue.mailed)
        work.title = "红岩魂\r\nBcc: spy@evil.example"
        work.message_id = "<first-1@example.cn>\r\nBcc: spy@evil.example"
    _cli("outbox", capsys=capsys)
    (receipt,) = _live(Kind.RECEIPT, catalogue.mailed)
    assert "\n" not in receipt.subject and receipt.in_reply_to is None and receipt.references is None
    _cli("outbox", "approve", str(receipt.id), "--by", "王老师", capsys=capsys)
    assert _cli("outbox", "send", capsys=capsys)[0] == 0
    (received,) = smtp_server.received
    assert received.recipients == [FIRST_MAIL_FROM] and received.message["Bcc"] is None
    headers = received.raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    assert "\nBcc:" not in headers and "\nIn-Reply-To:" not in headers


def test_a_packet_over_the_size_limit_goes_as_a_link(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANGYING_OUTBOX_ATTACHMENT_LIMIT_MB", "0.001")
    get_settings.cache_clear()
    _refresh()
    packets = _live(Kind.PACKET)
    assert packets and all(not r.attachments and "较大，请从以下链接下载" in r.body for r in packets)
    assert all(".zip" in r.body and "评审.html" in r.body for r in packets)


def test_the_listing_as_json_can_be_cut_short(catalogue: Catalogue) -> None:
    piped = subprocess.run(
        f"{sys.executable} -m cli.main outbox --json | head -n 1",
        shell=True,
        env=os.environ.copy(),
        capture_output=True,
        timeout=120,
    )
    first = json.loads(piped.stdout.decode().splitlines()[0])
    assert first["id"] == 1 and first["state"] == "draft" and first["approved_at"] is None
    assert piped.stderr == b""
