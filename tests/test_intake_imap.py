"""The mailbox source against a real dovecot: GBK subjects and names, Netdisk bodies, Message-ID."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.header import Header
from pathlib import Path

import pytest
import sqlalchemy as sa

from samples.packages import clip, good_form, package_files, zip_package
from tasks.intake.sources import ImapAccount, decode_header_value, imap_packages
from tests.intake_dovecot import ImapServer, dovecot
from tests.intake_mail import PREFIX, SENT, foxmail_message, late_message, netdisk_message


@pytest.fixture
def imap(tmp_path: Path) -> Iterator[ImapServer]:
    with dovecot(tmp_path / "dovecot") as server:
        yield server


def _account(imap: ImapServer, password: str | None = None) -> ImapAccount:
    return ImapAccount(
        host=imap.host, port=imap.port, ssl=False, user=imap.user, password=password or imap.password
    )


def test_header_decoding() -> None:
    assert decode_header_value("=?GBK?B?1cXD9w==?=") == "张明"
    mixed = f"=?utf-8?q?=E7=BA=A2=E5=B2=A9?= +{Header('江姐', 'gb2312').encode()}"
    assert decode_header_value(mixed) == "红岩 +江姐"
    raw_gbk = "重庆大学".encode("gbk").decode("utf-8", "surrogateescape")  # how 8-bit bytes arrive
    assert decode_header_value(raw_gbk) == "重庆大学"


def test_mailbox_messages_become_packages(imap: ImapServer, tmp_path: Path, media_dir: Path) -> None:
    files = package_files(tmp_path / "src", clip(media_dir))
    archive = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    imap.deliver(foxmail_message(archive))
    imap.deliver(netdisk_message(files[1:]))
    packages = list(imap_packages(_account(imap), tmp_path / "work", seen=lambda _: False))
    by_id = {p.message_id: p for p in packages}
    fox, netdisk = by_id["<foxmail-1@example.cn>"], by_id["<netdisk-2@example.cn>"]
    assert (fox.name, netdisk.name) == (PREFIX, "重庆大学+江姐")
    assert fox.received_at == SENT
    assert [p.name for p in fox.paths[0].iterdir()] == [f"{PREFIX}.zip"]
    assert (fox.paths[0] / f"{PREFIX}.zip").read_bytes() == archive.read_bytes()
    assert "请查收" in (fox.body_text or "")
    assert fox.original is not None and fox.original.read_bytes().startswith(b"Content-Type: multipart/mixed")
    assert sorted(p.name for p in netdisk.paths[0].iterdir()) == sorted(name for name, _ in files[1:])
    assert "pan.baidu.com/s/1JiangJie49" in (netdisk.body_text or "")
    # Known Message-IDs are skipped without downloading the message.
    again = list(
        imap_packages(_account(imap), tmp_path / "w2", seen=lambda mid: mid == "<foxmail-1@example.cn>")
    )
    assert [p.message_id for p in again] == ["<netdisk-2@example.cn>"]


@pytest.mark.usefixtures("prefect_server")
def test_intake_run_reads_the_mailbox_once(
    imap: ImapServer, tmp_path: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    from flows.intake import intake
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import Submission
    from tasks.config import get_settings

    files = package_files(tmp_path / "src", clip(media_dir))
    archive = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    jiang = package_files(
        tmp_path / "jj",
        clip(media_dir),
        form=good_form(title="江姐", person_name="李华", person_unit="重庆大学"),
    )
    beibei = good_form(title="雾都烽火", person_name="", person_unit="", unit_name="北碚区文旅委")
    late_files = package_files(tmp_path / "bb", clip(media_dir), form=beibei, prefix="北碚区文旅委+雾都烽火")
    late = zip_package(tmp_path / "北碚区文旅委+雾都烽火.zip", late_files, folder="北碚区文旅委+雾都烽火")
    for raw in (foxmail_message(archive), netdisk_message(jiang[1:]), late_message(late)):
        imap.deliver(raw)
    # The password comes from a Prefect Secret block, not the environment.
    Secret(value=imap.password).save("guangying-imap-test", overwrite=True)
    for key, value in {
        "IMAP_HOST": imap.host,
        "IMAP_PORT": str(imap.port),
        "IMAP_SSL": "false",
        "IMAP_USER": imap.user,
        "IMAP_PASSWORD_BLOCK": "guangying-imap-test",
    }.items():
        monkeypatch.setenv(f"GUANGYING_{key}", value)
    monkeypatch.delenv("GUANGYING_IMAP_PASSWORD", raising=False)
    get_settings.cache_clear()

    first = intake(sources=True, screen=False)
    assert sorted(r.get("title") for r in first) == ["江姐", "红岩家书", "雾都烽火"]
    by_title = {r["title"]: r for r in first}
    assert by_title["红岩家书"]["verdict"] is None and by_title["红岩家书"]["submitter"] == "张明"
    assert by_title["江姐"]["state"] == "awaiting_download" and by_title["江姐"]["netdisk"]["code"] == "jj49"
    late_fail = [f["message"] for f in by_title["雾都烽火"]["findings"] if f["check"] == "deadline"]
    assert late_fail and "2026年12月01日 08:00" in late_fail[0] and by_title["雾都烽火"]["verdict"] == "fail"

    second = intake(sources=True, screen=False)
    assert second == []
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        ids = sorted(session.scalars(sa.select(Submission.message_id)))
    assert ids == ["<foxmail-1@example.cn>", "<late-3@example.cn>", "<netdisk-2@example.cn>"]
    assert datetime.fromisoformat(by_title["红岩家书"]["received_at"]) == SENT.astimezone(UTC)

    # The same e-mail exported from the webmail and handed over again as an .eml: one work, by Message-ID.
    exported = tmp_path / "导出" / f"{PREFIX}.eml"
    exported.parent.mkdir()
    exported.write_bytes(foxmail_message(archive).replace(b"\n", b"\r\n"))  # other bytes, same Message-ID
    (again,) = intake(paths=[exported], screen=False)
    assert again == {"package": PREFIX, "duplicate": True, "id": by_title["红岩家书"]["id"]}
