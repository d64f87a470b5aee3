"""What is no submission package at all is refused, without a 受理编号; an e-mail of that kind is
kept among the 未受理邮件 (`status --unmatched`); a path that does not exist is a usage error."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from cli.main import main
from samples.packages import clip, good_form, package_files, zip_package
from tasks.config import get_settings
from tasks.intake.not_a_work import ContentFact, is_a_package, refusal
from tasks.intake.package import Package, analyse
from tasks.roles import FileRole
from tasks.rules import DEFAULT_RULES, SHANGHAI
from tests.fixtures import SUITE_NOW

PREFIX = "张明（江北区融媒体中心）+红岩家书"
IN_TIME = ["--received-at", "2026-11-28 10:00", "--by", "王老师"]
NOT_A_PACKAGE = "不是作品包"


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])


# The rule itself: pure.


@pytest.mark.parametrize(
    ("facts", "links", "unread", "expected"),
    [
        ([ContentFact("说明.md", FileRole.SCRIPT, "text", "文本文件")], 0, False, False),
        ([ContentFact("视频.mp4", FileRole.VIDEO, "binary", "扩展名")], 0, False, False),
        ([ContentFact("a.zip", FileRole.OTHER, "binary", "未知类型")], 0, False, False),
        ([ContentFact("我的.docx", FileRole.SCRIPT, "docx", "Word文档")], 0, False, False),
        ([ContentFact("照片.jpg", FileRole.PLEDGE, "jpeg", "scan?")], 0, False, False),
        ([], 0, False, False),
        ([ContentFact("坏.mp4", FileRole.VIDEO, "video", "视频文件头")], 0, False, True),
        ([ContentFact("x.docx", FileRole.REGISTRATION_FORM, "docx", "文档内容")], 0, False, True),
        ([ContentFact("最终视频文稿.txt", FileRole.SCRIPT, "text", "文件名")], 0, False, True),
        ([ContentFact("版权承诺书.jpg", FileRole.PLEDGE, "jpeg", "文件名")], 0, False, True),
        ([ContentFact("说明.md", FileRole.SCRIPT, "text", "文本文件")], 1, False, True),
        ([ContentFact("a.zip", FileRole.OTHER, "zip", "")], 0, True, True),
    ],
)
def test_the_rule_of_what_is_a_package(
    facts: list[ContentFact], links: int, unread: bool, expected: bool
) -> None:
    assert is_a_package(facts, netdisk_links=links, unread=unread) is expected


def _analysed(path: Path, scratch: Path) -> str | None:
    package = Package(name=path.name, paths=[path], source="test", received_at=SUITE_NOW)
    return refusal(analyse(package, scratch, DEFAULT_RULES))


def test_junk_is_refused_and_a_damaged_or_incomplete_package_is_not(tmp_path: Path, media_dir: Path) -> None:
    note = tmp_path / "说明.md"
    note.write_text("这是随便写的说明。\n", encoding="utf-8")
    fake_zip = tmp_path / "作品.zip"
    fake_zip.write_bytes(os.urandom(4096))
    fake_mp4 = tmp_path / "视频.mp4"
    fake_mp4.write_bytes(b"\x00\x01" + os.urandom(4096))
    for junk in (note, fake_zip, fake_mp4):
        why = _analysed(junk, tmp_path / f"w-{junk.suffix}")
        assert why is not None and f"「{junk.name}」{NOT_A_PACKAGE}" in why and "百度网盘链接" in why

    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    forms_only = zip_package(
        tmp_path / f"{PREFIX}-材料.zip", [(n, p) for n, p in files if not n.endswith(".mp4")], folder=PREFIX
    )
    assert _analysed(forms_only, tmp_path / "w-forms") is None  # incomplete, but a package
    damaged = tmp_path / "damaged" / f"{PREFIX}.mp4"
    damaged.parent.mkdir()
    damaged.write_bytes(clip(media_dir).read_bytes()[:3000])  # a video header, cut short
    assert _analysed(damaged, tmp_path / "w-damaged") is None  # a damaged video is a work's


# Through the CLI and the flow.


def _mail(
    subject: str,
    message_id: str,
    *,
    body: str = "请问作品怎么报送？",
    sent: datetime = datetime(2026, 11, 27, 9, 30, tzinfo=SHANGHAI),
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "路人 <passerby@example.cn>"
    message["To"] = "cqdsspzb@163.com"
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def _lines(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _works(capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    return _lines(capsys.readouterr().out)


def _unmatched(capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["status", "--unmatched", "--json"]) == 0
    return _lines(capsys.readouterr().out)


@pytest.mark.usefixtures("prefect_server", "stand_in_engines")
def test_each_kind_of_non_package_is_refused_and_a_mail_kept_unmatched(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = tmp_path / "说明.md"
    note.write_text("随便写的说明\n", encoding="utf-8")
    fake_zip = tmp_path / "作品.zip"
    fake_zip.write_bytes(os.urandom(4096))
    fake_mp4 = tmp_path / "随机.mp4"
    fake_mp4.write_bytes(b"\x00" + os.urandom(8192))
    empty_eml = tmp_path / "空.eml"
    empty_eml.touch()
    question = tmp_path / "咨询.eml"
    question.write_bytes(_mail("请问怎么报名", "<question-1@example.cn>"))
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    good = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    junk = [note, fake_zip, fake_mp4, empty_eml, question]

    for attempt in (1, 2):  # twice: the same answer, nothing more recorded
        capsys.readouterr()
        code = main(["ingest", "--no-screen", "--json", *map(str, junk), str(good)])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        results = _lines(captured.out)
        refused = {r["package"]: r["error"] for r in results if NOT_A_PACKAGE in r.get("error", "")}
        assert set(refused) == {"说明.md", "作品.zip", "随机.mp4", "空.eml", "请问怎么报名"}, attempt
        assert "邮件「请问怎么报名」不是作品包" in refused["请问怎么报名"]
        assert all("id" not in r for r in results if r.get("error"))
        assert code == 1  # a package refused is a failure of the batch, as an unreadable one
        (work,) = _works(capsys)  # the good package only, one 受理编号
        assert work["title"] == "红岩家书"
        (mail,) = _unmatched(capsys)  # the e-mail only; the lone files are not mails
        assert mail["message_id"] == "<question-1@example.cn>" and mail["sender"] == "passerby@example.cn"
        assert mail["subject"] == "请问怎么报名" and mail["sent_at"] == "2026-11-27T09:30:00+08:00"
        assert NOT_A_PACKAGE in mail["why"]
        bucket, key = mail["object_key"].split("/", 1)
        from tasks.store import open_store

        kept = open_store(get_settings()).get_file(bucket, key, tmp_path / f"kept-{attempt}.eml")
        assert kept.read_bytes() == question.read_bytes()  # nothing lost: the raw mail as received

    assert main(["status", "--unmatched"]) == 0
    text = capsys.readouterr().out
    assert "2026-11-27 09:30  passerby@example.cn  「请问怎么报名」" in text and "共1封未受理邮件" in text


@pytest.mark.usefixtures("prefect_server", "stand_in_engines")
def test_a_reply_without_material_joins_its_work_and_is_not_unmatched(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule judges only what belongs to no work: a bare reply to a work's mail is that work's."""
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    archive = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    first = EmailMessage()
    first["Subject"], first["From"] = PREFIX, "zhangming@example.cn"
    first["Date"] = format_datetime(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))
    first["Message-ID"] = "<first-9@example.cn>"
    first.set_content("作品包见附件。")
    first.add_attachment(archive.read_bytes(), maintype="application", subtype="zip", filename=archive.name)
    (tmp_path / "1.eml").write_bytes(first.as_bytes())
    reply = _mail(
        f"Re: {PREFIX}",
        "<reply-9@example.cn>",
        body="收到回执，谢谢！",
        sent=datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI),
        In_Reply_To="<first-9@example.cn>",
    )
    (tmp_path / "2.eml").write_bytes(reply)
    for _ in (1, 2):
        main(["ingest", "--no-screen", "--json", str(tmp_path / "1.eml"), str(tmp_path / "2.eml")])
        assert len(_works(capsys)) == 1 and _unmatched(capsys) == []


@pytest.mark.usefixtures("prefect_server", "stand_in_engines")
def test_a_missing_path_is_a_usage_error_and_the_others_are_taken_in(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "不存在.zip"
    assert main(["ingest", str(missing)]) == 2
    captured = capsys.readouterr()
    assert (
        captured.out == "" and captured.err.strip() == f"guangying：找不到“{missing}”（文件或文件夹不存在）。"
    )
    assert not (get_settings().data_dir / "catalogue.sqlite3").exists()  # nothing started

    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    good = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    for _ in (1, 2):
        assert main(["ingest", "--no-screen", *IN_TIME, str(good), str(missing)]) == 2
        assert f"找不到“{missing}”" in capsys.readouterr().err
        (work,) = _works(capsys)  # the good one taken in (once)
        assert work["title"] == "红岩家书"


@pytest.mark.usefixtures("prefect_server", "stand_in_engines")
def test_a_mailbox_message_that_is_no_package_is_kept_unmatched_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.intake import intake
    from tests.intake_dovecot import dovecot

    with dovecot(tmp_path / "dovecot") as imap:
        imap.deliver(_mail("咨询：截止时间", "<imap-question@example.cn>", body="请问截止时间是哪天？"))
        for key, value in {
            "IMAP_HOST": imap.host,
            "IMAP_PORT": str(imap.port),
            "IMAP_SSL": "false",
            "IMAP_USER": imap.user,
            "IMAP_PASSWORD": imap.password,
        }.items():
            monkeypatch.setenv(f"GUANGYING_{key}", value)
        get_settings.cache_clear()
        (first,) = intake(sources=True, screen=False)
        assert first["error"].startswith("邮件「咨询：截止时间」不是作品包") and "id" not in first
        assert intake(sources=True, screen=False) == []  # seen: the mailbox is read once
    assert _works(capsys) == []
    (mail,) = _unmatched(capsys)
    assert mail["message_id"] == "<imap-question@example.cn>" and mail["source"].startswith("imap:")
