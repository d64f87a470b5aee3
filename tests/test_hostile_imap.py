"""Hostile e-mails against the real dovecot: a name longer than the file system allows, MIME nested
3,000 deep. Each becomes a package (the second with a finding) and the rest of the mailbox is read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from samples.hostile import LONG_NAME, nested_mime
from tasks.findings import Status
from tasks.intake.package import analyse
from tasks.intake.sources import MAX_NAME_BYTES, ImapAccount, imap_packages, safe_filename
from tasks.rules import DEFAULT_RULES, SHANGHAI
from tests.intake_dovecot import ImapServer, dovecot

SENT = datetime(2026, 10, 9, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture
def imap(tmp_path: Path) -> Iterator[ImapServer]:
    with dovecot(tmp_path / "dovecot") as server:
        yield server


def _message(message_id: str, subject: str, attachments: dict[str, bytes]) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "zhangming@example.cn"
    message["Date"] = format_datetime(SENT)
    message["Message-ID"] = message_id
    message.set_content("左老师您好：作品见附件。")
    for name, data in attachments.items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def _nested(message_id: str, subject: str, depth: int) -> bytes:
    return nested_mime(message_id, subject, depth, format_datetime(SENT))


def test_safe_filename_caps_utf8_bytes_keeps_the_extension_and_tells_long_names_apart() -> None:
    assert len(LONG_NAME.encode()) > 255
    short = safe_filename(LONG_NAME, "附件1")
    assert len(short.encode()) <= MAX_NAME_BYTES
    assert short.startswith("张明（江北区融媒体中心）+红岩家书") and short.endswith(".docx")
    other = safe_filename(LONG_NAME.replace("最终版", "修改版"), "附件1")
    assert other != short and len(other.encode()) <= MAX_NAME_BYTES
    assert safe_filename(LONG_NAME, "附件1") == short  # stable: the same name, the same file
    assert safe_filename("作品登记表.docx", "附件1") == "作品登记表.docx"
    assert safe_filename("../../etc/passwd\x1b", "附件1") == "passwd"


def test_one_poison_email_is_a_finding_and_the_mailbox_goes_on(imap: ImapServer, tmp_path: Path) -> None:
    imap.deliver(_message("<long-1@example.cn>", "张明+红岩家书", {LONG_NAME: b"form bytes"}))
    deep = _nested("<deep-2@example.cn>", "北碚区+雾都烽火", 3000)
    imap.deliver(deep)
    imap.deliver(_message("<plain-3@example.cn>", "李华+江姐", {"江姐.txt": "文稿".encode()}))
    account = ImapAccount(host=imap.host, port=imap.port, ssl=False, user=imap.user, password=imap.password)

    packages = {p.message_id: p for p in imap_packages(account, tmp_path / "work", seen=lambda _: False)}

    assert sorted(packages) == ["<deep-2@example.cn>", "<long-1@example.cn>", "<plain-3@example.cn>"]
    (saved,) = packages["<long-1@example.cn>"].paths[0].iterdir()
    assert saved.name.endswith(".docx") and len(saved.name.encode()) <= MAX_NAME_BYTES
    assert saved.read_bytes() == b"form bytes"
    assert [p.name for p in packages["<plain-3@example.cn>"].paths[0].iterdir()] == ["江姐.txt"]

    poison = packages["<deep-2@example.cn>"]
    assert poison.name == "北碚区+雾都烽火" and poison.paths == []
    assert poison.original is not None and poison.original.read_bytes() == deep
    (finding,) = poison.findings
    assert finding.status == Status.ERROR and finding.check == "mail"
    assert "「北碚区+雾都烽火」无法自动读取" in finding.message and "RecursionError" in finding.message
    # The finding travels with the package into its analysis (and so into the catalogue).
    analysis = analyse(poison, tmp_path / "analysis", DEFAULT_RULES)
    assert finding in analysis.findings


def test_a_poison_eml_handed_to_ingest_is_a_package_with_a_finding(tmp_path: Path) -> None:
    """The same e-mail exported as an .eml (or inside an .mbox) takes the same path as over IMAP."""
    from datetime import UTC, datetime

    from tasks.intake.sources import mail_file_packages

    eml = tmp_path / "深层嵌套.eml"
    eml.write_bytes(_nested("<deep-eml@example.cn>", "北碚区+雾都烽火", 3000))
    (package,) = mail_file_packages(
        eml, tmp_path / "work", source="cli:test", ingested=datetime(2026, 12, 4, tzinfo=UTC)
    )
    assert package.message_id == "<deep-eml@example.cn>" and package.original is not None
    assert [f.check for f in package.findings] == ["mail"]
