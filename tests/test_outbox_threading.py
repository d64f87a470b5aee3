"""Acceptance: a submitter's reply to a message the outbox sent joins that work through intake.

The outbox sends with In-Reply-To/References to the submitter's first mail and records its own
Message-ID (`tasks.outbox.records.work_for_sent_message_id` maps it back to the work); intake's
reply matcher (issue 19) reads the reply's In-Reply-To/References and asks it. Until both are
merged, the last assertion fails on a branch that has only one of them."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cli.main import main
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import IntakePackage, OutboxMessage, Submission
from tasks.config import get_settings
from tasks.outbox.records import work_for_sent_message_id
from tasks.rules import SHANGHAI
from tests.outbox_smtp import SmtpServer, running_smtp_server

pytestmark = pytest.mark.usefixtures("prefect_server")
SENDER = "zhangming@example.cn"
FIRST_ID = "<first-mail-7@example.cn>"


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with running_smtp_server(monkeypatch) as server:
        yield server


def _first_mail(path: Path) -> Path:
    from datetime import datetime

    message = EmailMessage()
    message["Subject"] = "张明（江北区融媒体中心）+红岩家书"
    message["From"] = formataddr(("张明", SENDER))
    message["To"] = "cqdsspzb@163.com"
    message["Date"] = format_datetime(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    message["Message-ID"] = FIRST_ID
    message.set_content(
        "左老师您好：作品视频已上传百度网盘。链接: https://pan.baidu.com/s/1HongYan 提取码: hy49"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message.as_bytes())
    return path


def _reply(path: Path, sent: EmailMessage) -> Path:
    from datetime import datetime

    reply = EmailMessage()
    reply["Subject"] = f"回复：{sent['Subject']}"
    reply["From"] = formataddr(("张明", SENDER))
    reply["To"] = "cqdsspzb@163.com"
    reply["Date"] = format_datetime(datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI))
    reply["Message-ID"] = make_msgid(domain="example.cn")
    reply["In-Reply-To"] = sent["Message-ID"]
    reply["References"] = f"{sent['References']} {sent['Message-ID']}"
    reply.set_content("左老师：补交最终视频文稿，请查收。")
    reply.add_attachment(
        "红岩家书 文稿\n第一段……\n".encode(), maintype="text", subtype="plain", filename="红岩家书文稿.txt"
    )
    path.write_bytes(reply.as_bytes())
    return path


def test_a_reply_to_a_sent_message_joins_its_work_through_intake(
    tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--no-screen", str(_first_mail(tmp_path / "导出" / "first.eml"))]) in (0, 1)
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        (work,) = session.scalars(select(Submission)).all()
        work_id = work.id
    assert main(["outbox"]) == 0
    assert main(["outbox", "approve", "--all-of", "receipt", "--by", "王老师"]) == 0
    assert main(["outbox", "send"]) == 0
    capsys.readouterr()
    (received,) = smtp_server.received
    sent = received.message
    assert received.recipients == [SENDER]  # the sender of the work's first mail
    assert sent["In-Reply-To"] == FIRST_ID and sent["References"] == FIRST_ID
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        assert work_for_sent_message_id(session, sent["Message-ID"]) == work_id
        assert session.scalars(select(OutboxMessage.message_id)).all() == [sent["Message-ID"]]

    assert main(["ingest", "--no-screen", str(_reply(tmp_path / "导出" / "reply.eml", sent))]) in (0, 1)
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        owners = set(session.scalars(select(IntakePackage.submission_id)))
        works = session.scalar(select(func.count()).select_from(Submission))
    assert (owners, works) == ({work_id}, 1), "the reply made a work of its own instead of joining its work"
